"""The transactions context's commands (``anju transactions …``)."""

from __future__ import annotations

import sys
from typing import Any

import click

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group(name="transactions")
def transactions() -> None:
    """Housing transactions: new homes, resale, presale fund supervision."""


@transactions.command("presale-reconciliation")
@click.option("--on", "on", type=_DAY, default=None, help="The day to reconcile (default today).")
@click.option("--district", default=None, help="Only the accounts of this district (code).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
def presale_reconciliation(on: Any, district: str | None, csv_path: str | None) -> None:
    """The daily reconciliation of every presale fund account against the bank's lines (the figures the
    staff list page shows); exit 1 on any imbalance."""
    from anju.core import clock, migrate, runtime
    from anju.core.scope import SYSTEM
    from anju.transactions import presale_funds

    day = on.date() if on else clock.today()
    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as conn:
        rows = presale_funds.reconcile_all(conn, SYSTEM, day, district=district)
    if csv_path:
        with open(csv_path, "wb") as f:
            f.write(presale_funds.reconciliation_bytes(rows))
    bad = [r for r in rows if not r["balanced"]]
    for r in bad:
        click.echo(
            f"不平：账户 {r['fund_account_id']} {r['project_name']} 平台 {r['platform_balance']} 分，"
            f"银行 {r['bank_balance']} 分，差额 {r['difference']} 分"
        )
    click.echo(f"{day} 预售资金对账：{len(rows)} 个监管账户，{len(bad)} 个不平")
    if bad:
        sys.exit(1)
