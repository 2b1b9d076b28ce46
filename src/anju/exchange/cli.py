"""``anju exchange …`` commands: thin — parse options, call the exchange's services, print (feeds in;
events out; retention)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from anju.core.errors import AnjuError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from anju.core.settings import Settings


@click.group()
def exchange() -> None:
    """Data exchange: feeds in, events out (deliver), retention."""


def _engine() -> tuple[Settings, Engine]:
    from anju.core import migrate, runtime

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    return settings, engine


def _echo(result: object) -> None:
    click.echo(json.dumps(result, ensure_ascii=False, default=str))


def _batch_summary(r: object) -> dict[str, object]:
    from anju.exchange import BatchResult

    assert isinstance(r, BatchResult)
    return {
        "batch_id": r.batch_id,
        "dataset": r.dataset,
        "status": r.status,
        "received": r.received,
        "accepted": r.accepted,
        "rejected": r.rejected,
        "duplicate": r.duplicate,
        "error": r.error,
        "rejections": [{"seq": x.seq, "field": x.field, "reason": x.reason} for x in r.rejections[:50]],
    }


@exchange.command("load")
@click.argument("dataset")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_cmd(dataset: str, file: Path) -> None:
    """Receive FILE (.csv, .jsonl, .json or .xlsx) as one batch of DATASET: prints the batch's counts
    and first rejections as JSON (bad records go to the dead-letter list); exits 1 when the file
    could not be read at all."""
    from anju import exchange as ex
    from anju.core.xlsx import XlsxLimits
    from anju.security import Caller

    settings, engine = _engine()
    try:
        f = ex.feed(dataset)
        r = ex.load_feed(
            engine,
            settings,
            f,
            ex.read_records(file, f, XlsxLimits.of(settings)),
            caller=Caller.system("cli"),
            channel="file",
            filename=file.name,
        )
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    finally:
        engine.dispose()
    _echo(_batch_summary(r))
    if r.status != "done":
        sys.exit(1)


@exchange.command("feeds")
def feeds_cmd() -> None:
    """The declared feeds with their totals (received, accepted, rejected, duplicates, open dead letters)."""
    from anju import exchange as ex

    _, engine = _engine()
    try:
        with engine.connect() as conn:
            _echo(ex.feed_metrics(conn))
    finally:
        engine.dispose()


@exchange.command("replay")
@click.argument("batch_id", type=int)
def replay_cmd(batch_id: int) -> None:
    """Replay every open dead letter of BATCH_ID as they are (the cause was fixed elsewhere)."""
    from anju import exchange as ex
    from anju.security import Caller

    settings, engine = _engine()
    try:
        r = ex.replay(engine, settings, Caller.system("cli"), batch_id=batch_id)
    except AnjuError as e:
        raise click.ClickException(e.message) from None
    finally:
        engine.dispose()
    _echo({"replayed": r.replayed, "still_open": r.still_open, "batch": _batch_summary(r.batch)})


@exchange.command("retention")
@click.option("--dry-run/--apply", "dry_run", default=True, show_default=True, help="Count only, or act.")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Count ages from this day (default today)."
)
def retention_cmd(dry_run: bool, today: Any) -> None:
    """Run the retention rules over closed records (archive, pseudonymise); prints the counts per rule.
    The run is audited and recorded; an applied run is appended to the verifiable log "exchange"."""
    from anju.exchange import retention
    from anju.security import Caller, audited_command, keyring_from_settings, set_audit_target

    settings, engine = _engine()
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


@exchange.command("deliver")
@click.option("--once", is_flag=True, help="Deliver what is due, then exit (else loop until SIGTERM/SIGINT).")
@click.option("--quiet", is_flag=True, help="Print only the final counts.")
def deliver(once: bool, quiet: bool) -> None:
    """Deliver pending events to subscribers: signed webhooks and AMQP (at least once, in order per key).

    Several deliverers may run at once (on PostgreSQL they claim with SKIP LOCKED; on SQLite they
    take turns). Prints one JSON line of counts per round (unless --quiet) and at the end."""
    import signal
    import threading
    from dataclasses import asdict

    from anju.exchange import delivery
    from anju.security import keyring_from_settings

    settings, engine = _engine()
    stop = threading.Event()

    def on_signal(*_: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def progress(stats: delivery.RunStats) -> None:
        if not quiet:
            click.echo(json.dumps(asdict(stats)), err=True)

    stats = delivery.run(engine, settings, keyring_from_settings(settings), once=once, stop=stop, on_round=progress)
    click.echo(json.dumps(asdict(stats)))


@exchange.command("rehash-feed-keys")
def rehash_feed_keys_cmd() -> None:
    """Replace feed keys stored in clear (batches received before keys were hashed) by their keyed
    hash; run once after upgrading a deployment that received feeds before. Idempotent."""
    from anju.exchange import rehash_feed_keys
    from anju.security import Caller, keyring_from_settings

    settings, engine = _engine()
    try:
        n = rehash_feed_keys(engine, keyring_from_settings(settings), Caller.system("cli"))
    finally:
        engine.dispose()
    _echo({"rehashed": n})
