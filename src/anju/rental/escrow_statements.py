"""Rent escrow: statements — an account's journals, a party's own accounts, the tenant's statement of
their lease and the inclusion proofs of its journals in the verifiable log."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, select

from anju import ledger
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.rental import domain, escrow, escrow_reconciliation, parties
from anju.rental.escrow_ledger import LOG
from anju.rental.escrow_reconciliation import AccountDetail
from anju.rental.tables import (
    rental_escrow_accounts,
    rental_escrow_journals,
    rental_escrow_positions,
    rental_escrow_schedule,
)
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


class ProofItem(TypedDict):
    journal_id: int
    kind: str
    reference: str
    index: int
    entry: str
    leaf_hash: str
    proof: list[str]


class LeaseProofs(TypedDict):
    """Inclusion proofs of every logged journal of a lease."""

    log: str
    algorithm: str
    size: int
    root: str
    items: list[ProofItem]


def _journals(cond: Any) -> Any:
    return (
        select(rental_escrow_journals)
        .where(cond)
        .order_by(rental_escrow_journals.c.booked_on, rental_escrow_journals.c.id)
    )


def _journal(r: Any) -> JournalRow:
    return {
        "id": int(r.id),
        "kind": r.kind,
        "kind_label": domain.JOURNAL_KINDS[r.kind],
        "reference": r.reference,
        "lease_id": r.lease_id,
        "booked_on": r.booked_on,
        "amount_fen": int(r.amount_fen),
        "memo": r.memo,
        "ledger_index": r.ledger_index,
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
    cond = [rental_escrow_journals.c.escrow_account_id == account_id]
    if date_from:
        cond.append(rental_escrow_journals.c.booked_on >= date_from)
    if date_to:
        cond.append(rental_escrow_journals.c.booked_on <= date_to)
    return fetch_page(conn, _journals(and_(*cond)), limit=limit, offset=offset, row=_journal)


def _my_account_ids(conn: Connection, caller: Caller) -> list[int]:
    if caller.account_id is None:
        return []
    party = parties.party_for_account(conn, caller.account_id)
    if party is None:
        return []
    return [
        int(x)
        for x in conn.execute(
            select(rental_escrow_accounts.c.id)
            .where(rental_escrow_accounts.c.party_id == party.id)
            .order_by(rental_escrow_accounts.c.id)
        ).scalars()
    ]


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
    acct = (
        conn.execute(
            select(rental_escrow_accounts.c.bank, rental_escrow_accounts.c.account_no).where(
                rental_escrow_accounts.c.id == pos.escrow_account_id
            )
        ).first()
        if pos
        else None
    )
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
        "bank": acct.bank if acct else None,
        "account_no": acct.account_no if acct else None,
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
        "journals": [_journal(r) for r in conn.execute(_journals(rental_escrow_journals.c.lease_id == lease_id))],
    }


def lease_proofs(conn: Connection, caller: Caller, lease_id: int, size: int | None = None) -> LeaseProofs:
    """For the tenant: every logged journal of their own lease with the log entry itself and its
    inclusion proof in the log ``rental`` (at ``size``, default the current size), to check with the
    stand-alone verifier ``ledger/verify.py``."""
    escrow.tenant_lease(conn, caller, lease_id)
    rows = conn.execute(
        select(
            rental_escrow_journals.c.id,
            rental_escrow_journals.c.kind,
            rental_escrow_journals.c.reference,
            rental_escrow_journals.c.ledger_index,
        )
        .where(rental_escrow_journals.c.lease_id == lease_id, rental_escrow_journals.c.ledger_index.is_not(None))
        .order_by(rental_escrow_journals.c.id)
    ).all()
    head = ledger.tree_head(conn, LOG, size)
    items: list[ProofItem] = []
    for r in rows:
        idx = int(r.ledger_index)
        if idx >= head.size:
            continue
        e = ledger.entry(conn, LOG, idx)
        p = ledger.inclusion_proof(conn, LOG, idx, head.size)
        items.append(
            {
                "journal_id": int(r.id),
                "kind": r.kind,
                "reference": r.reference,
                "index": idx,
                "entry": e.data.decode("utf-8"),
                "leaf_hash": p.leaf_hash.hex(),
                "proof": [h.hex() for h in p.proof],
            }
        )
    return {"log": LOG, "algorithm": head.algorithm, "size": head.size, "root": head.root, "items": items}
