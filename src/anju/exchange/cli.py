"""``anju exchange …`` commands: thin — parse options, call the exchange's services, print."""

from __future__ import annotations

import json
from typing import Any

import click

from anju.core import migrate, runtime
from anju.core.settings import load_settings
from anju.security import audited_command, keyring_from_settings, set_audit_target


@click.group()
def exchange() -> None:
    """Data exchange: the catalogue, open data, retention (archive, pseudonymise)."""


@exchange.command("retention")
@click.option("--dry-run/--apply", "dry_run", default=True, show_default=True, help="Count only, or act.")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Count ages from this day (default today)."
)
def retention_cmd(dry_run: bool, today: Any) -> None:
    """Run the retention rules over closed records (archive, pseudonymise); prints the counts per rule.
    The run is audited and recorded; an applied run is appended to the verifiable log "exchange"."""
    from anju.exchange import retention
    from anju.security import Caller

    settings = load_settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    keyring = keyring_from_settings(settings)
    with audited_command(engine, "exchange.retention_run", "retention_run") as conn:
        out = retention.run(
            conn,
            settings,
            keyring,
            Caller.system("cli"),
            apply=not dry_run,
            today=today.date() if today else None,
        )
        set_audit_target(conn, out["id"])
    summary = {
        "run": out["id"],
        "mode": out["mode"],
        "as_of": out["as_of"].isoformat(),
        "rules": {c["rule"]: c["count"] for c in out["counts"]},
        "total": out["total"],
        "ledger_index": out["ledger_index"],
    }
    click.echo(json.dumps(summary, ensure_ascii=False))
