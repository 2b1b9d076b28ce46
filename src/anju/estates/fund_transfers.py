"""The maintenance fund's transfers with a resale (过户): recorded, not inferred.

The 分户账 follows the home: when a resale completes, its balance stays with the home and no money
moves, but the account changes hands. :func:`record_resale_transfers` is the estates context's
registration follower (``anju.contexts``: ``registration_followers``): the registry runs it in the
load's transaction after the transactions context's ``complete_resales`` (contexts run in their list
order), so a registration that completes a resale contract records, in the same transaction, the
transfer of the home's fund account — the day of the registration, the seller and the buyer by the blind
index of their ID (never a name or number), the contract and the registration. Set-wise: one
``INSERT … SELECT`` per chunk of homes, however many contracts a load completes; idempotent (a contract
is recorded once: ``estates_fund_transfers.contract_id`` is unique and the select skips recorded ones).
Only homes with a 分户账 are recorded. The statement (``fund_queries.transfers``) reads these rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, exists, literal, select

from anju import registry, transactions
from anju.estates.tables import estates_fund_homes, estates_fund_transfers

CHUNK = 5000
_t = estates_fund_transfers.c
_r = transactions.resale_contracts.c


def _select(now: datetime, home_ids: Sequence[int] | None) -> Select[Any]:
    reg = registry.registrations.c
    q = (
        select(_r.home_id, _r.id, _r.registration_id, reg.registered_on, _r.seller_bidx, _r.buyer_id_bidx, literal(now))
        .select_from(transactions.resale_contracts)
        .join(registry.registrations, reg.id == _r.registration_id)
        .join(estates_fund_homes, estates_fund_homes.c.home_id == _r.home_id)
        .where(_r.status == "registered", ~exists().where(_t.contract_id == _r.id))
    )
    return q if home_ids is None else q.where(_r.home_id.in_(list(home_ids)))


COLUMNS = [
    "home_id", "contract_id", "registration_id", "transferred_on", "from_owner_bidx", "to_owner_bidx", "recorded_at"
]  # fmt: skip


def record_resale_transfers(conn: Connection, home_ids: Sequence[int] | None, today: date, now: datetime) -> int:
    """Record the fund-account transfer of every completed resale contract of ``home_ids`` (None: every
    home — the synthetic city's history, or a back-fill) not recorded yet; returns how many."""
    del today  # the registration's own day is the transfer's

    def insert(ids: Sequence[int] | None) -> int:
        # RETURNING counts what was inserted on both databases (an INSERT … SELECT's rowcount may be -1)
        stmt = estates_fund_transfers.insert().from_select(COLUMNS, _select(now, ids)).returning(_t.id)
        return len(conn.execute(stmt).all())

    if home_ids is None:
        return insert(None)
    ids = sorted(set(home_ids))
    return sum(insert(ids[i : i + CHUNK]) for i in range(0, len(ids), CHUNK))
