"""The maintenance fund's commands (``anju estates fund …``): a district's special account, a due for a
filed first-sale contract, paying dues, top-ups, the annual interest, the import of existing homes,
the refund on demolition. Every write is audited (``cli``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Connection


@click.group("fund")
def fund() -> None:
    """住宅专项维修资金：专户、应缴、交存、续筹、计息、导入、退还 (the maintenance fund; see docs/estates.md)."""


@contextmanager
def _write(action: str, entity: str | None = None) -> Iterator[tuple[Connection, Any]]:
    from anju.core import migrate, runtime
    from anju.core.errors import AnjuError
    from anju.security import audited_command

    settings = runtime.settings()
    engine = runtime.engine(settings)
    migrate.upgrade(engine)
    try:
        with audited_command(engine, action, entity) as conn:
            yield conn, settings
    except AnjuError as e:
        raise click.ClickException(e.message) from None


def _echo(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, default=str))


@fund.command("open-account")
@click.option("--district", required=True, help="The district's code (6 digits).")
@click.option("--bank", required=True, help="The bank holding the special account (专户).")
@click.option("--account-no", required=True, help="The special account's number.")
def open_account(district: str, bank: str, account_no: str) -> None:
    """Open a district's maintenance-fund special account (专户); an account already open is kept."""
    from anju.estates import fund_ledger

    with _write("estates.fund_account", "fund_account") as (conn, _):
        _echo({"fund_account_id": fund_ledger.district_account(conn, district, bank=bank, account_no=account_no)})


@fund.command("due")
@click.option("--contract", "contract_id", type=click.IntRange(1), required=True, help="A filed sale contract's id.")
def due(contract_id: int) -> None:
    """The first deposit due (首次交存) of a filed first-sale purchase contract: area × the rate in force
    on the filing day for the home's building type. Repeating it prints the same due."""
    from anju.estates import fund_deposits

    with _write("estates.fund_due", "estates_fund_due") as (conn, settings):
        _echo(fund_deposits.due_for_contract(conn, settings, contract_id))


@fund.command("pay")
@click.argument("due_ids", nargs=-1, type=click.IntRange(1), required=True)
@click.option(
    "--on", "on", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Day received (default today)."
)
def pay(due_ids: tuple[int, ...], on: datetime | None) -> None:
    """Record dues as received by the bank: one journal each (bank debit, the home's 分户账 credit)."""
    from anju.core import clock
    from anju.estates import fund_deposits

    with _write("estates.fund_pay", "estates_fund_due") as (conn, _):
        day = on.date() if on else clock.today()
        _echo({"journal_ids": fund_deposits.pay_dues(conn, list(due_ids), paid_on=day, actor_account_id=None)})


@fund.command("topups")
def topups() -> None:
    """Top-up dues (续筹) for every home whose balance fell below ANJU_ESTATES_FUND_TOPUP_PERCENT of its
    initial deposit (once a year per home)."""
    from anju.core import clock
    from anju.estates import fund_deposits

    with _write("estates.fund_topups", "estates_fund_due") as (conn, settings):
        n = fund_deposits.create_topups(conn, percent=settings.estates_fund_topup_percent, on=clock.today())
        _echo({"created": n})


@fund.command("interest")
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="The finished year.")
@click.option("--district", required=True, help="The district whose special account earned it.")
@click.option("--total-fen", type=click.IntRange(1), required=True, help="The interest the bank paid, in fen.")
def interest(year: int, district: str, total_fen: int) -> None:
    """年度计息: allocate the bank's interest of a year to every open home by its day-weighted balance,
    exactly (largest remainder in fen), one allocation journal per estate; once per account and year."""
    from anju.core import runtime
    from anju.estates import fund_interest

    progress: Callable[[str, float], None] = runtime.progress
    with _write("estates.fund_interest", "estates_interest_run") as (conn, _):
        _echo(fund_interest.run_interest(
            conn, district_code=district, year=year, total_fen=total_fen, actor_account_id=None, progress=progress
        ))  # fmt: skip


@fund.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch", required=True, help="The batch's name (1–24 characters), e.g. 2026-01.")
def import_cmd(path: Path, batch: str) -> None:
    """Import existing homes' 分户账 from a CSV (home,area,building_type,opening_balance,opened_on): every
    row checked first, nothing written on any error (each named by row and field)."""
    from anju.estates import fund_import

    with _write("estates.fund_import", "estates_fund_import") as (conn, _):
        _echo(fund_import.import_homes(conn, path.read_bytes(), batch=batch, actor_account_id=None))


@fund.command("refund")
@click.option("--home", "home_id", type=click.IntRange(1), required=True, help="The demolished home's id.")
def refund(home_id: int) -> None:
    """退还: the home was demolished — close its 分户账 and pay out its balance (refused while a spending
    share of the home is unpaid)."""
    from anju.core import clock
    from anju.estates import fund_deposits

    with _write("estates.fund_refund", "estates_fund_home") as (conn, _):
        _echo(fund_deposits.refund(conn, home_id, on=clock.today(), actor_account_id=None))
