"""Rent escrow: statements — an account's journals, a party's own accounts, the tenant's statement of
their lease and the inclusion proofs of its journals in the verifiable log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TypedDict

from sqlalchemy import Connection, select

from anju import funds
from anju.core.errors import NotFound
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.rental import escrow, escrow_reconciliation, parties
from anju.rental.escrow_reconciliation import AccountDetail
from anju.rental.tables import rental_escrow_positions, rental_escrow_schedule
from anju.security import Caller

# -------------------------------------------------------------------------------------- statements


class JournalRow(TypedDict):
    """One journal of an escrow account."""

    id: int
    kind: str
    kind_label: str
    reference: str
    lease_id: int | None
    booked_on: date
    amount_fen: int
    memo: str | None
    ledger_index: int | None


class ToPay(TypedDict):
    cycle_no: int
    amount_fen: int


class ScheduleRow(TypedDict):
    cycle_no: int
    period_start: date
    period_end: date
    due_on: date
    amount_fen: int
    status: str


class LeaseEscrow(TypedDict):
    """The tenant's view of the escrow of their lease."""

    lease_id: int
    filing_no: str | None
    supervised: bool
    status: str | None
    mode: str | None
    bank: str | None
    account_no: str | None
    deposit_fen: int
    deposit_status: str | None
    to_pay: list[ToPay]
    schedule: list[ScheduleRow]
    journals: list[JournalRow]


#: Inclusion proofs of a lease's journals in the log ``rental`` (``anju.funds.subject_proofs``).
LeaseProofs = funds.Proofs


def _journal(j: funds.Journal) -> JournalRow:
    lease = j["subject"]
    return {
        "id": j["id"],
        "kind": j["kind"],
        "kind_label": j["kind_label"],
        "reference": j["reference"],
        "lease_id": int(lease.split(":", 1)[1]) if lease else None,
        "booked_on": j["booked_on"],
        "amount_fen": j["amount_fen"],
        "memo": j["memo"],
        "ledger_index": j["ledger_index"],
    }


def account_statement(
    conn: Connection,
    scope: Scope,
    account_id: int,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int,
    offset: int,
) -> Page[JournalRow]:
    """The journals of one escrow account (oldest first), in a date range."""
    escrow.scoped_account(conn, scope, account_id)
    page = funds.journals(
        conn, fund_account_id=account_id, date_from=date_from, date_to=date_to, limit=limit, offset=offset
    )
    return page.map(_journal)


def _my_account_ids(conn: Connection, caller: Caller) -> list[int]:
    if caller.account_id is None:
        return []
    party = parties.party_for_account(conn, caller.account_id)
    if party is None:
        return []
    return funds.account_ids(conn, Scope.whole_city(), escrow.KIND, owners=[escrow.owner(int(party.id))])


def my_accounts(conn: Connection, caller: Caller) -> list[AccountDetail]:
    """The escrow accounts of the caller's own filed party (an agency account)."""
    return escrow_reconciliation.account_details(conn, _my_account_ids(conn, caller))


def my_account_statement(
    conn: Connection, caller: Caller, account_id: int, *, limit: int, offset: int
) -> Page[JournalRow]:
    if account_id not in _my_account_ids(conn, caller):
        raise NotFound("监管账户不存在")
    return account_statement(conn, Scope.whole_city(), account_id, limit=limit, offset=offset)


def lease_statement(conn: Connection, caller: Caller, lease_id: int) -> LeaseEscrow:
    """The tenant's escrow statement of their own lease: what is supervised, the schedule with each
    month's status, and every journal (payments, releases, refunds, deposit return)."""
    lease = escrow.tenant_lease(conn, caller, lease_id)
    pos = conn.execute(select(rental_escrow_positions).where(rental_escrow_positions.c.lease_id == lease_id)).first()
    acct = funds.accounts(conn, [int(pos.escrow_account_id)])[0] if pos else None
    sched = conn.execute(
        select(rental_escrow_schedule)
        .where(rental_escrow_schedule.c.lease_id == lease_id)
        .order_by(rental_escrow_schedule.c.period_start)
    ).all()
    cycles: dict[int, int] = defaultdict(int)
    for r in sched:
        if r.status == "planned":
            cycles[int(r.cycle_no)] += int(r.amount_fen)
    return {
        "lease_id": lease_id,
        "filing_no": lease.filing_no,
        "supervised": pos is not None,
        "status": pos.status if pos else None,
        "mode": pos.mode if pos else None,
        "bank": acct["bank"] if acct else None,
        "account_no": acct["account_no"] if acct else None,
        "deposit_fen": int(pos.deposit_fen) if pos else 0,
        "deposit_status": pos.deposit_status if pos else None,
        "to_pay": [{"cycle_no": c, "amount_fen": a} for c, a in sorted(cycles.items())],
        "schedule": [
            {
                "cycle_no": int(r.cycle_no),
                "period_start": r.period_start,
                "period_end": r.period_end,
                "due_on": r.due_on,
                "amount_fen": int(r.amount_fen),
                "status": r.status,
            }
            for r in sched
        ],
        "journals": [
            _journal(j) for j in funds.journals(conn, subject=escrow.subject(lease_id), limit=10_000, offset=0).items
        ],
    }


def lease_proofs(conn: Connection, caller: Caller, lease_id: int, size: int | None = None) -> LeaseProofs:
    """For the tenant: every logged journal of their own lease with the log entry itself and its
    inclusion proof in the log ``rental`` (at ``size``, default the current size), to check with the
    stand-alone verifier ``ledger/verify.py``."""
    escrow.tenant_lease(conn, caller, lease_id)
    return funds.subject_proofs(conn, escrow.KIND, escrow.subject(lease_id), size)
