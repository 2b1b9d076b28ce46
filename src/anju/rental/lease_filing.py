"""Filing signed leases (备案): the hot path.

Filing takes the home's lock row in ``rental_units`` with a write as the first statement of its
transaction (``INSERT … ON CONFLICT DO NOTHING`` then ``UPDATE … SET filings = filings + 1``), so
filings of any unit of one home — the whole home or any of its rooms — run one after another on SQLite
and PostgreSQL alike and the "no two active filed leases overlap" check cannot race. Every change of a
filed lease is appended to the verifiable log ``rental`` inside its own transaction and recorded as a
``rental_lease_events`` row with its leaf index.
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import BigInteger, Connection, String, bindparam, cast, func, literal, or_, select, update

from anju.core import clock
from anju.core.dialect import counting_upsert
from anju.core.errors import Conflict, FieldError
from anju.core.settings import Settings
from anju.core.types import IdType
from anju.rental import credit_checks, domain, escrow, events, idempotency, leases, listings
from anju.rental.domain import LeaseStatus
from anju.rental.leases import FILE_OPERATION, OCCUPYING
from anju.rental.tables import (
    rental_leases,
    rental_units,
)
from anju.security import Caller

# The statements of filing, built once and executed with named parameters: at hundreds of filings a
# second, building and cache-keying SQLAlchemy statements anew for every request would cost more than
# the database's own work.
_HOME_KEY = literal("h", String) + cast(rental_leases.c.home_id, String)  # ``h<home id>`` of the lease's home
#: Take the lock row of the lease's home (created on first use): a write first, before any read.
_LOCK_HOME = counting_upsert(
    rental_units,
    select(_HOME_KEY, rental_leases.c.home_id, literal(None, IdType).label("room_id"), literal(1, BigInteger)).where(
        rental_leases.c.id == bindparam("lease_id")
    ),
    "filings",
)


def _overlap_statement(room: bool) -> Any:
    """An occupying lease of the same home that overlaps in time: for a room, the same room or the
    whole home; for the whole home, any lease of the home."""
    conditions = [
        rental_leases.c.home_id == bindparam("home_id"),
        rental_leases.c.id != bindparam("lease_id"),
        rental_leases.c.status.in_(OCCUPYING),
        rental_leases.c.start_on <= bindparam("end_on"),
        func.coalesce(rental_leases.c.ended_on, rental_leases.c.end_on)
        >= bindparam("start_on", type_=rental_leases.c.start_on.type),
    ]
    if room:
        conditions.append(
            or_(
                rental_leases.c.unit_key == bindparam("unit_key"),
                rental_leases.c.unit_key == bindparam("home_unit_key"),
            )
        )
    return (
        select(rental_leases.c.id, rental_leases.c.filing_no, rental_leases.c.start_on, rental_leases.c.end_on)
        .where(*conditions)
        .limit(1)
    )


_OVERLAP = {False: _overlap_statement(False), True: _overlap_statement(True)}
_FILE = (
    update(rental_leases)
    .where(rental_leases.c.id == bindparam("lease_id"), rental_leases.c.status == LeaseStatus.signed)
    .values(
        status=LeaseStatus.filed,
        filing_no=bindparam("new_filing_no"),
        filed_at=bindparam("at"),
        updated_at=bindparam("at"),
    )
    .returning(*rental_leases.c)
)


def lock_home(conn: Connection, lease_id: int) -> None:
    """Take the lock row of the lease's home: a write first (``rental_units``), before any read."""
    conn.execute(_LOCK_HOME(conn), {"lease_id": lease_id})


def overlapping(conn: Connection, lease: Any, start_on: date, end_on: date) -> Any | None:
    """An occupying lease of the same home that overlaps in time: the same room, or the whole home
    against any room (and a room against the whole home)."""
    params: dict[str, Any] = {"home_id": lease.home_id, "lease_id": lease.id, "start_on": start_on, "end_on": end_on}
    if lease.room_id is not None:
        params |= {"unit_key": lease.unit_key, "home_unit_key": domain.unit_key(int(lease.home_id), None)}
    return conn.execute(_OVERLAP[lease.room_id is not None], params).first()


def file_lease(
    conn: Connection,
    settings: Settings,
    caller: Caller,
    lease_id: int,
    key: str,
    body: dict[str, Any] | None = None,
) -> idempotency.Stored:
    """File a lease both parties signed: a unique filing number, the listing closed, escrow opened, the
    event in the verifiable log — all in the caller's one transaction. Idempotent by ``key``."""
    assert caller.account_id is not None
    digest = idempotency.request_hash(FILE_OPERATION, lease_id, body or {})
    lock_home(conn, lease_id)  # the first statement is a write: filings of one home serialise here
    lease = leases.own_lease(conn, caller, lease_id)
    if lease.status != LeaseStatus.signed:
        # A replay that raced its original past the route's read finds the lease filed: the stored
        # answer is the answer. (A key reused for another lease fails at ``remember`` below.)
        stored = idempotency.lookup(conn, caller.account_id, key, FILE_OPERATION, digest)
        if stored is not None:
            return stored
    if lease.status == LeaseStatus.filed:
        raise Conflict(f"合同已备案（备案编号 {lease.filing_no}）", [FieldError("status", "已备案")])
    if lease.status != LeaseStatus.signed:
        raise Conflict("双方签署后才能备案", [FieldError("status", "未完成签署")])
    today = clock.today()
    party = leases.require_active_landlord(conn, lease)
    if party is not None:  # 联合惩戒: one set-wise question about the enterprise or agency letting
        subject = {lease.landlord_bidx: str(party.name)}
        credit_checks.require_credit(conn, credit_checks.LEASE_FILE, subject, "landlord", prefix="不能备案：")
    if not leases.may_let(conn, int(lease.home_id), lease.room_id, today, me=None, lease=lease):
        raise Conflict("出租方已不是产权人或委托已失效，不能备案", [FieldError("landlord", "无出租权")])
    found = leases.restrictions_on(conn, int(lease.home_id), today)
    if found:
        raise Conflict("房屋受限，不能备案：" + "；".join(r.reason for r in found), [FieldError("home_id", "房屋受限")])
    clash = overlapping(conn, lease, lease.start_on, lease.end_on)
    if clash is not None:
        raise Conflict(
            f"同一房屋（房间）在 {clash.start_on}–{clash.end_on} 已有备案合同 {clash.filing_no}，租期重叠",
            [FieldError("start_on", "与已备案合同租期重叠")],
        )
    now = clock.now()
    filing_no = domain.filing_no(today.year, lease.id, secrets.randbelow(10_000))
    filed = conn.execute(_FILE, {"lease_id": lease.id, "new_filing_no": filing_no, "at": now}).one()
    if lease.listing_id is not None:
        listings.mark_leased(conn, int(lease.listing_id), int(lease.id))
    escrow.on_lease_filed(conn, settings, filed)
    detail: dict[str, Any] = {"renews": None}
    if lease.renews_lease_id is not None:
        old_no = conn.execute(
            select(rental_leases.c.filing_no).where(rental_leases.c.id == lease.renews_lease_id)
        ).scalar()
        detail["renews"] = old_no
    idx = leases.log_change(conn, "filed", filed, now, detail)
    events.lease_filed(conn, filed, detail["renews"])
    leases.record_event(conn, lease.id, "filed", caller, {"filing_no": filing_no, **detail}, idx, now)
    if lease.renews_lease_id is not None:
        leases.record_event(conn, int(lease.renews_lease_id), "renewed", caller, {"by": filing_no}, idx, now)
    answer = {
        "id": int(lease.id),
        "lease_no": lease.lease_no,
        "filing_no": filing_no,
        "status": str(LeaseStatus.filed),
        "filed_at": now.isoformat(),
        "ledger_index": idx,
    }
    idempotency.remember(conn, caller.account_id, key, FILE_OPERATION, digest, 200, answer)
    return idempotency.Stored(200, answer)


def file_or_replay(conn: Connection, settings: Settings, caller: Caller, lease_id: int, key: str) -> idempotency.Stored:
    """A filing as one job of a group commit (``audited_grouped``): the stored answer if ``key`` was
    used for this request before (``replayed``: the job writes nothing), else ``file_lease``."""
    assert caller.account_id is not None
    digest = idempotency.request_hash(FILE_OPERATION, lease_id, {})
    stored = idempotency.lookup(conn, caller.account_id, key, FILE_OPERATION, digest)
    return stored if stored is not None else file_lease(conn, settings, caller, lease_id, key)
