"""Rent escrow: the bank's statement lines and the daily reconciliation of every supervised account
against them (the supervisors' account list and account page), on the generic reconciliation of the
funds engine (``anju.funds.reconciliation``); rental adds the party's name and the active leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TypedDict

from sqlalchemy import Connection, func, select

from anju import funds
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.funds import BankImport, BankLine, DayFigures, Difference, Reconciliation
from anju.rental import escrow
from anju.rental.tables import rental_escrow_positions, rental_parties
from anju.security import Caller

__all__ = ["BankImport", "BankLine", "Difference", "Reconciliation"]


class Account(TypedDict):
    """A supervised escrow account of a filed party."""

    id: int
    party_id: int
    party_name: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    opened_at: datetime


class AccountDay(Account, DayFigures):
    """An account with its reconciliation figures of one day."""


class AccountDetail(Account):
    """An account with its balances by ledger-account kind (fen) and its active leases."""

    balances: dict[str, int]
    active_leases: int


# ------------------------------------------------------------------------------------ bank movements


def import_bank_lines(
    conn: Connection, caller: Caller, escrow_account_id: int, text: str, actor_account_id: int | None = None
) -> BankImport:
    """Statement lines the bank pushed for an escrow account, as CSV ``date,amount_fen,direction,reference``
    (a header row). Every row is validated first (errors name the row); all or nothing. A line already
    imported (same reference and direction) is skipped, so a re-sent statement changes nothing."""
    escrow.scoped_account(conn, caller.scope, escrow_account_id)
    actor = actor_account_id if actor_account_id is not None else caller.account_id
    return funds.reconciliation.import_bank_lines(conn, escrow_account_id, text, actor)


def bank_lines(conn: Connection, scope: Scope, escrow_account_id: int, *, limit: int, offset: int) -> Page[BankLine]:
    """The bank's statement lines of one escrow account, newest first."""
    escrow.scoped_account(conn, scope, escrow_account_id)
    return funds.reconciliation.bank_lines(conn, escrow_account_id, limit=limit, offset=offset)


# ------------------------------------------------------------------------------------ reconciliation


def _account_out(a: funds.Account, names: dict[int, str]) -> Account:
    party_id = int(a["owner"].split(":", 1)[1])
    return {
        "id": a["id"],
        "party_id": party_id,
        "party_name": names.get(party_id, ""),
        "bank": a["bank"],
        "account_no": a["account_no"],
        "district_code": a["district_code"],
        "street_code": a["street_code"],
        "opened_at": a["opened_at"],
    }


def _with_names(conn: Connection, ids: Sequence[int]) -> list[Account]:
    accts = funds.accounts(conn, ids)
    party_ids = sorted({int(a["owner"].split(":", 1)[1]) for a in accts})
    names = (
        {
            int(i): n
            for i, n in conn.execute(
                select(rental_parties.c.id, rental_parties.c.name).where(rental_parties.c.id.in_(party_ids))
            )
        }
        if party_ids
        else {}
    )
    return [_account_out(a, names) for a in accts]


def list_accounts(
    conn: Connection, scope: Scope, on: date, *, imbalanced_first: bool = True, limit: int, offset: int
) -> Page[AccountDay]:
    """The escrow accounts in scope with their reconciliation figures of ``on``, imbalances first."""
    ids = funds.account_ids(conn, scope, escrow.KIND)
    figures = funds.reconciliation.day_figures(conn, ids, on)
    items: list[AccountDay] = [{**a, **figures[a["id"]]} for a in _with_names(conn, ids)]
    if imbalanced_first:
        items.sort(key=lambda i: (i["balanced"], i["id"]))
    return Page(items[offset : offset + limit], len(items))


def account_details(conn: Connection, ids: Sequence[int]) -> list[AccountDetail]:
    """Accounts with their balances by ledger-account kind and their active leases: grouped queries."""
    if not ids:
        return []
    balances = funds.balances(conn, ids)
    leases: dict[int, int] = {
        int(a): int(n)
        for a, n in conn.execute(
            select(rental_escrow_positions.c.escrow_account_id, func.count())
            .where(
                rental_escrow_positions.c.escrow_account_id.in_(list(ids)), rental_escrow_positions.c.status == "active"
            )
            .group_by(rental_escrow_positions.c.escrow_account_id)
        )
    }
    return [
        {**a, "balances": balances.get(a["id"], {}), "active_leases": leases.get(a["id"], 0)}
        for a in _with_names(conn, ids)
    ]


def get_account(conn: Connection, scope: Scope, account_id: int) -> AccountDetail:
    escrow.scoped_account(conn, scope, account_id)
    return account_details(conn, [account_id])[0]


def reconciliation(conn: Connection, scope: Scope, account_id: int, on: date) -> Reconciliation:
    """One account's reconciliation of a day: the platform's and the bank's movements and balances,
    the references only one side has, and the trial balance of the account's ledger (always zero)."""
    escrow.scoped_account(conn, scope, account_id)
    return funds.reconciliation.reconcile(conn, account_id, on)


def reconcile_all(conn: Connection, scope: Scope, on: date) -> list[AccountDay]:
    """Every account's figures of ``on`` (for the command line), imbalances first."""
    return list(list_accounts(conn, scope, on, limit=10**9, offset=0).items)
