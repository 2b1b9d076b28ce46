"""The clerical review queue of the address fusion library: the records of link jobs in a caller's
scope, one record with its candidate homes side by side, a clerk's decision, the jobs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Connection, and_, select, update
from sqlalchemy.engine import RowMapping

from anju.addresses.domain import STATUSES, LevelExplanation
from anju.addresses.tables import address_candidates, address_decisions, address_link_jobs, address_records
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope


class RecordView(TypedDict):
    """A department's record as a link job left it (and a clerk decided it)."""

    id: int
    job_id: int
    source: str
    record_id: str
    address: str
    canonical: str | None
    components: dict[str, Any]
    status: str
    house_code: str | None
    score: float | None
    reason: str
    decision: str | None
    decided_by: str | None
    decided_at: datetime | None
    street_code: str | None


class CandidateView(TypedDict):
    """A candidate home of a record, with the register's facts of the home and the explanation."""

    rank: int
    house_code: str
    score: float
    match_weight: float
    explanation: dict[str, LevelExplanation]  # as stored (JSON) by the link job
    address: str | None
    unit_no: str | None
    room_no: str | None
    status: str | None
    district_code: str | None
    street_code: str | None
    building_no: str | None
    estate: str | None
    road: str | None
    door_no: str | None


class RecordDetail(RecordView):
    candidates: list[CandidateView]


class Decision(TypedDict):
    id: int
    status: str
    house_code: str | None
    decision: str


class JobView(TypedDict):
    id: int
    source: str
    filename: str
    backend: str
    status: str
    records_total: int
    linked: int
    review: int
    unlinked: int
    errors: int
    parameters: dict[str, Any]
    created_by: str
    created_at: datetime
    finished_at: datetime | None


def _scoped(scope: Scope) -> list[Any]:
    """Records in the caller's scope: by the street of the best candidate (or the parsed street).
    A record with no street at all is visible to city-wide callers only."""
    return scope.where(address_records.c.street_code)


@dataclass(frozen=True)
class QueueFilter:
    status: str = "review"
    source: str | None = None
    job_id: int | None = None
    q: str | None = None

    def conditions(self) -> list[Any]:
        if self.status not in STATUSES:
            raise ValidationError.of("status", f"必须是 {'、'.join(STATUSES)} 之一")
        cond: list[Any] = [address_records.c.status == self.status]
        if self.status == "review":
            cond.append(address_records.c.decision.is_(None))
        if self.source:
            cond.append(address_records.c.source == self.source)
        if self.job_id is not None:
            cond.append(address_records.c.job_id == self.job_id)
        if self.q:
            cond.append(address_records.c.address.contains(self.q, autoescape=True))
        return cond


def list_records(conn: Connection, f: QueueFilter, *, scope: Scope, limit: int, offset: int) -> Page[RecordView]:
    cond = [*f.conditions(), *_scoped(scope)]
    stmt = select(address_records).where(and_(*cond)).order_by(address_records.c.id)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: record_view(r._mapping))


def record_view(r: RowMapping) -> RecordView:
    return {
        "id": r["id"],
        "job_id": r["job_id"],
        "source": r["source"],
        "record_id": r["record_id"],
        "address": r["address"],
        "canonical": r["canonical"],
        "components": json.loads(r["components"]),
        "status": r["status"],
        "house_code": r["house_code"],
        "score": r["score"],
        "reason": r["reason"],
        "decision": r["decision"],
        "decided_by": r["decided_by"],
        "decided_at": r["decided_at"],
        "street_code": r["street_code"],
    }


def get_record(conn: Connection, record_pk: int, *, scope: Scope) -> RecordDetail:
    """One record with its candidates side by side (each with the register's facts of the home)."""
    from anju.registry import buildings, estates, homes

    row = conn.execute(select(address_records).where(address_records.c.id == record_pk)).mappings().first()
    if row is None:
        raise NotFound("没有这条地址记录", [])
    if not scope.unrestricted:
        scope.require(row["street_code"], "没有这条地址记录")
    cands = conn.execute(
        select(
            address_candidates.c.rank,
            address_candidates.c.house_code,
            address_candidates.c.score,
            address_candidates.c.match_weight,
            address_candidates.c.explanation,
            homes.c.address,
            homes.c.unit_no,
            homes.c.room_no,
            homes.c.status,
            homes.c.district_code,
            homes.c.street_code,
            buildings.c.building_no,
            estates.c.name.label("estate"),
            estates.c.road,
            estates.c.door_no,
        )
        .select_from(
            address_candidates.outerjoin(homes, homes.c.house_code == address_candidates.c.house_code)
            .outerjoin(buildings, buildings.c.id == homes.c.building_id)
            .outerjoin(estates, estates.c.id == homes.c.estate_id)
        )
        .where(address_candidates.c.record_pk == record_pk)
        .order_by(address_candidates.c.rank)
    ).mappings()
    candidates = [cast(CandidateView, {**c, "explanation": json.loads(c["explanation"])}) for c in cands]
    return {**record_view(row), "candidates": candidates}


def decide(
    conn: Connection,
    record_pk: int,
    *,
    house_code: str | None,
    accept: bool,
    scope: Scope,
    actor: str,
) -> Decision:
    """A clerk's decision on a review record: accept one candidate (the record becomes linked), or
    reject them (one, or all when ``house_code`` is empty: the record becomes unlinked). Remembered
    for the next jobs of the same source and address."""
    rec = get_record(conn, record_pk, scope=scope)
    if rec["status"] != "review" or rec["decision"] is not None:
        raise Conflict("这条记录已处理，不在待复核队列中", [])
    codes = [c["house_code"] for c in rec["candidates"]]
    if accept:
        if not house_code:
            raise ValidationError.of("house_code", "确认关联时必须选择一个候选房屋")
        if house_code not in codes:
            raise ValidationError.of("house_code", "不是这条记录的候选房屋")
    elif house_code and house_code not in codes:
        raise ValidationError.of("house_code", "不是这条记录的候选房屋")
    now = clock.now()
    key = conn.execute(select(address_records.c.address_key).where(address_records.c.id == record_pk)).scalar_one()
    targets = [house_code] if house_code else codes
    decision = "accepted" if accept else "rejected"
    for code in targets:
        existing = conn.execute(
            select(address_decisions.c.id).where(
                address_decisions.c.source == rec["source"],
                address_decisions.c.address_key == key,
                address_decisions.c.house_code == code,
            )
        ).scalar_one_or_none()
        values = {"decision": decision, "decided_by": actor, "decided_at": now, "record_pk": record_pk}
        if existing is None:
            conn.execute(
                address_decisions.insert().values(source=rec["source"], address_key=key, house_code=code, **values)
            )
        else:
            conn.execute(update(address_decisions).where(address_decisions.c.id == existing).values(**values))
    new_status = "linked" if accept else ("review" if house_code and len(codes) > 1 else "unlinked")
    changes: dict[str, Any] = {"decided_by": actor, "decided_at": now}
    if accept:
        changes |= {
            "status": "linked",
            "house_code": house_code,
            "decision": "accepted",
            "reason": "clerk_decision: 人工确认",
        }
    elif new_status == "unlinked":
        changes |= {
            "status": "unlinked",
            "house_code": None,
            "decision": "rejected",
            "reason": "clerk_decision: 人工否决全部候选",
        }
    if new_status == "review":
        # one candidate rejected, others remain: drop it from the side-by-side and stay in the queue
        conn.execute(
            address_candidates.delete().where(
                address_candidates.c.record_pk == record_pk, address_candidates.c.house_code == house_code
            )
        )
        changes.pop("decided_at")
        changes.pop("decided_by")
    if changes:
        conn.execute(update(address_records).where(address_records.c.id == record_pk).values(**changes))
    return {"id": record_pk, "status": new_status, "house_code": house_code if accept else None, "decision": decision}


def list_jobs(conn: Connection, *, limit: int, offset: int) -> Page[JobView]:
    """Link jobs, newest first."""
    stmt = select(address_link_jobs).order_by(address_link_jobs.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_job_view)


def _job_view(r: Any) -> JobView:
    job = r._mapping
    return {
        "id": job["id"],
        "source": job["source"],
        "filename": job["filename"],
        "backend": job["backend"],
        "status": job["status"],
        "records_total": job["records_total"],
        "linked": job["linked"],
        "review": job["review"],
        "unlinked": job["unlinked"],
        "errors": job["errors"],
        "parameters": json.loads(job["parameters"]),
        "created_by": job["created_by"],
        "created_at": job["created_at"],
        "finished_at": job["finished_at"],
    }
