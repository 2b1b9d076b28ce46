"""``anju funds …``: the ledger engine's sweep over every supervised fund."""

from __future__ import annotations

import json

import click


@click.group()
def funds() -> None:
    """Supervised funds' ledger: the integrity sweep (orphan postings, balances)."""


@funds.command("check")
def check_cmd() -> None:
    """Check every fund's postings: none without its journal or ledger account (the table has no foreign
    keys), every journal balanced, every balance the sum of its postings. Prints JSON; exit 0 intact, 1 not."""
    from anju.core import runtime
    from anju.funds.engine import check_integrity

    with runtime.engine().connect() as conn:
        report = check_integrity(conn)
    click.echo(json.dumps(report, ensure_ascii=False))
    if not report["ok"]:
        click.echo("监管资金账务不一致：见 orphan_postings / unbalanced_journals / unbalanced_accounts", err=True)
        raise SystemExit(1)
    click.echo("监管资金账务完整：无孤立分录，凭证借贷平衡，科目余额等于分录合计", err=True)
