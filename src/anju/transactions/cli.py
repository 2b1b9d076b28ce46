"""The transactions context's commands (``anju transactions …``)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from typing import Any

import click

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group(name="transactions")
def transactions() -> None:
    """Housing transactions: new homes, resale, presale fund supervision."""


def _reconcile(
    on: Any,
    district: str | None,
    csv_path: str | None,
    what: str,
    name: str,
    run: Callable[[Any, date, str | None], list[dict[str, Any]]],
    to_bytes: Callable[[list[dict[str, Any]]], bytes],
) -> None:
    """The one daily fund reconciliation job: ``run(conn, day, district)`` (a context's
    ``reconcile_all`` for the whole city), the report written by ``to_bytes`` to ``csv_path``, each
    account that does not balance printed (by its ``name`` column) and a summary; exit 1 on any."""
    from anju.core import clock, migrate, runtime

    day = on.date() if on else clock.today()
    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = run(conn, day, district)
    if csv_path:
        with open(csv_path, "wb") as f:
            f.write(to_bytes(rows))
    bad = [r for r in rows if not r["balanced"]]
    for r in bad:
        click.echo(
            f"不平：账户 {r['fund_account_id']} {r[name]} 平台 {r['platform_balance']} 分，"
            f"银行 {r['bank_balance']} 分，差额 {r['difference']} 分"
        )
    click.echo(f"{day} {what}对账：{len(rows)} 个监管账户，{len(bad)} 个不平")
    if bad:
        sys.exit(1)


_ON = click.option("--on", "on", type=_DAY, default=None, help="The day to reconcile (default today).")
_DISTRICT = click.option("--district", default=None, help="Only the accounts of this district (code).")
_CSV = click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="Write the report here.")


@transactions.command("presale-reconciliation")
@_ON
@_DISTRICT
@_CSV
def presale_reconciliation(on: Any, district: str | None, csv_path: str | None) -> None:
    """The daily reconciliation of every presale fund account against the bank's lines (the figures the
    staff list page shows); exit 1 on any imbalance."""
    from anju.core.scope import SYSTEM
    from anju.transactions import presale_funds

    def run(conn: Any, day: date, district: str | None) -> list[dict[str, Any]]:
        return presale_funds.reconcile_all(conn, SYSTEM, day, district=district)

    _reconcile(on, district, csv_path, "预售资金", "project_name", run, presale_funds.reconciliation_bytes)


@transactions.command("resale-reconciliation")
@_ON
@_DISTRICT
@_CSV
def resale_reconciliation(on: Any, district: str | None, csv_path: str | None) -> None:
    """The daily reconciliation of every district's resale fund account (存量房交易资金监管) against the
    bank's lines; exit 1 on any imbalance."""
    from anju.core.scope import SYSTEM
    from anju.transactions import resale_funds

    def run(conn: Any, day: date, district: str | None) -> list[dict[str, Any]]:
        return resale_funds.reconcile_all(conn, SYSTEM, day, district=district)

    _reconcile(on, district, csv_path, "存量房交易资金", "district_name", run, resale_funds.reconciliation_bytes)
