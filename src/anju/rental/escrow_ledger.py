"""Rent escrow: the double-entry ledger of the supervised accounts.

Every movement is a *journal* of postings in integer fen whose debits equal its credits
(:func:`post_many` refuses anything else before it writes), appended to the verifiable log ``rental``
in the same transaction; the journal keeps its leaf index. The ledger accounts of an escrow account
(bank cash, payable to the enterprise, penalties) and of each supervised lease are opened on first use.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from anju import ledger
from anju.core import clock
from anju.rental import domain
from anju.rental.tables import (
    rental_escrow_journals,
    rental_escrow_ledger_accounts,
    rental_escrow_postings,
)

LOG = "rental"
ACCOUNT_KINDS = ("bank", "payable", "penalties")


# -------------------------------------------------------------------------------------- the ledger


@dataclass
class JournalIn:
    """One journal to post: postings as (ledger account id, debit fen, credit fen)."""

    escrow_account_id: int
    kind: str
    reference: str
    postings: list[tuple[int, int, int]]
    booked_on: date
    memo: str
    item: str | None = None
    lease_id: int | None = None
    actor_account_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more facts for the log entry (no personal data)


def _codes(conn: Connection, ids: Sequence[int]) -> dict[int, str]:
    return {
        int(i): c
        for i, c in conn.execute(
            select(rental_escrow_ledger_accounts.c.id, rental_escrow_ledger_accounts.c.code).where(
                rental_escrow_ledger_accounts.c.id.in_(sorted(set(ids)))
            )
        )
    }


def post_many(conn: Connection, journals: Sequence[JournalIn]) -> list[int]:
    """Post journals set-wise in the caller's transaction: every one is checked balanced first (else
    :class:`domain.UnbalancedJournal`, nothing written); journals, postings and balances are written in
    bulk and appended to the log ``rental`` as one batch. Returns the journal ids in order."""
    if not journals:
        return []
    ids = [a for j in journals for a, _, _ in j.postings]
    codes = _codes(conn, ids)
    amounts = []
    for j in journals:
        if j.kind not in domain.JOURNAL_KINDS:
            raise domain.UnbalancedJournal(f"未知的分录类型 {j.kind}")
        missing = [a for a, _, _ in j.postings if a not in codes]
        if missing:
            raise domain.UnbalancedJournal(f"科目 {missing[0]} 不存在")
        amounts.append(domain.check_balanced([(codes[a], dr, cr) for a, dr, cr in j.postings]))
    now = clock.now()
    rows = conn.execute(
        insert(rental_escrow_journals).returning(rental_escrow_journals.c.id, sort_by_parameter_order=True),
        [
            {
                "escrow_account_id": j.escrow_account_id,
                "kind": j.kind,
                "reference": j.reference,
                "item": j.item,
                "lease_id": j.lease_id,
                "booked_on": j.booked_on,
                "amount_fen": amt,
                "memo": j.memo[:200],
                "actor_account_id": j.actor_account_id,
                "ledger_index": None,
                "created_at": now,
            }
            for j, amt in zip(journals, amounts, strict=True)
        ],
    ).all()
    jids = [int(r[0]) for r in rows]
    conn.execute(
        insert(rental_escrow_postings),
        [
            {"journal_id": jid, "ledger_account_id": a, "debit_fen": dr, "credit_fen": cr}
            for jid, j in zip(jids, journals, strict=True)
            for a, dr, cr in j.postings
        ],
    )
    delta: dict[int, int] = defaultdict(int)
    for j in journals:
        for a, dr, cr in j.postings:
            delta[a] += dr - cr
    changes = [{"aid": a, "delta": d} for a, d in sorted(delta.items()) if d]
    if changes:
        conn.execute(
            update(rental_escrow_ledger_accounts)
            .where(rental_escrow_ledger_accounts.c.id == bindparam("aid"))
            .values(balance_fen=rental_escrow_ledger_accounts.c.balance_fen + bindparam("delta")),
            changes,
        )
    entries = [_entry(jid, j, amt, codes, now) for jid, j, amt in zip(jids, journals, amounts, strict=True)]
    first = ledger.append(conn, LOG, entries)
    conn.execute(
        update(rental_escrow_journals)
        .where(rental_escrow_journals.c.id == bindparam("jid"))
        .values(ledger_index=bindparam("idx")),
        [{"jid": jid, "idx": first + i} for i, jid in enumerate(jids)],
    )
    return jids


def post(conn: Connection, journal: JournalIn) -> int:
    return post_many(conn, [journal])[0]


def _entry(jid: int, j: JournalIn, amount: int, codes: dict[int, str], at: datetime) -> bytes:
    """The canonical JSON of a journal in the log (sorted keys, no personal values)."""
    return json.dumps(
        {
            "type": f"rental.escrow.{j.kind}",
            "journal": jid,
            "reference": j.reference,
            "item": j.item,
            "escrow_account": j.escrow_account_id,
            "lease": j.lease_id,
            "booked_on": j.booked_on.isoformat(),
            "amount_fen": amount,
            "postings": [{"account": codes[a], "debit_fen": dr, "credit_fen": cr} for a, dr, cr in j.postings],
            "at": at.isoformat(),
            **j.extra,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


def ledger_accounts(conn: Connection, escrow_account_id: int, lease_id: int | None = None) -> dict[str, int]:
    """The ledger accounts of an escrow account (and of one lease in it), created when missing."""
    kinds = ACCOUNT_KINDS if lease_id is None else tuple(domain.PER_LEASE_KINDS)
    want = {k: f"{escrow_account_id}:{k}" + ("" if lease_id is None else f":{lease_id}") for k in kinds}
    have = {
        r.code: int(r.id)
        for r in conn.execute(
            select(rental_escrow_ledger_accounts.c.id, rental_escrow_ledger_accounts.c.code).where(
                rental_escrow_ledger_accounts.c.code.in_(list(want.values()))
            )
        )
    }
    new = [
        {"escrow_account_id": escrow_account_id, "kind": k, "lease_id": lease_id, "code": c, "balance_fen": 0}
        for k, c in want.items()
        if c not in have
    ]
    if new:
        conn.execute(insert(rental_escrow_ledger_accounts), new)
        have = {
            r.code: int(r.id)
            for r in conn.execute(
                select(rental_escrow_ledger_accounts.c.id, rental_escrow_ledger_accounts.c.code).where(
                    rental_escrow_ledger_accounts.c.code.in_(list(want.values()))
                )
            )
        }
    return {k: have[c] for k, c in want.items()}


def accounts_of(conn: Connection, escrow_account_id: int, lease_id: int) -> dict[str, int]:
    return {**ledger_accounts(conn, escrow_account_id), **ledger_accounts(conn, escrow_account_id, lease_id)}


# ------------------------------------------------------------------------------------------ the sweep


def unbalanced_journals(conn: Connection) -> list[int]:
    """Journals whose postings do not balance (a sweep; always empty)."""
    q = (
        select(rental_escrow_postings.c.journal_id)
        .group_by(rental_escrow_postings.c.journal_id)
        .having(func.sum(rental_escrow_postings.c.debit_fen) != func.sum(rental_escrow_postings.c.credit_fen))
    )
    return [int(x) for x in conn.execute(q).scalars()]
