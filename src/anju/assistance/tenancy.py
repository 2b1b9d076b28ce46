"""Allocations after selection (contract, move-in) and the assisted homes a programme offers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update

from anju.assistance import domain
from anju.assistance.catalogue import home_programme
from anju.assistance.common import midnight, record_step, require_officer, text_field
from anju.assistance.tables import allocations, applications, assisted_homes, draws
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import homes
from anju.security import Caller


class AllocationView(TypedDict):
    """An allocation (a selected home) and its contract and move-in."""

    id: int
    application_id: int
    app_no: str
    home_id: int
    house_code: str
    address: str
    programme_code: str
    draw_id: int | None
    draw_no: str | None
    rank: int | None
    status: str
    status_label: str
    active: bool
    street_code: str
    selected_at: datetime
    selected_by: str
    contract_no: str | None
    contracted_at: datetime | None
    moved_in_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None


def _allocation_row(conn: Connection, scope: Scope, allocation_id: int) -> Any:
    r = conn.execute(
        select(allocations, homes.c.house_code, homes.c.address, applications.c.app_no, draws.c.draw_no)
        .join(homes, homes.c.id == allocations.c.home_id)
        .join(applications, applications.c.id == allocations.c.application_id)
        .outerjoin(draws, draws.c.id == allocations.c.draw_id)
        .where(allocations.c.id == allocation_id)
    ).first()
    if r is None:
        raise NotFound(f"配置记录 {allocation_id} 不存在")
    scope.require(r.street_code, f"配置记录 {allocation_id} 不存在")
    return r


def _allocation_out(r: Any) -> AllocationView:
    return {
        "id": int(r.id),
        "application_id": int(r.application_id),
        "app_no": r.app_no,
        "home_id": int(r.home_id),
        "house_code": r.house_code,
        "address": r.address,
        "programme_code": r.programme_code,
        "draw_id": int(r.draw_id) if r.draw_id is not None else None,
        "draw_no": r.draw_no,
        "rank": r.rank,
        "status": r.status,
        "status_label": domain.ALLOCATION_STATUSES.get(r.status, r.status),
        "active": r.active == 1,
        "street_code": r.street_code,
        "selected_at": r.selected_at,
        "selected_by": r.selected_by,
        "contract_no": r.contract_no,
        "contracted_at": r.contracted_at,
        "moved_in_at": r.moved_in_at,
        "ended_at": r.ended_at,
        "end_reason": r.end_reason,
    }


def get_allocation(conn: Connection, allocation_id: int, *, scope: Scope) -> AllocationView:
    return _allocation_out(_allocation_row(conn, scope, allocation_id))


@dataclass(frozen=True)
class AllocationFilter:
    status: str | None = None
    programme: str | None = None
    draw_id: int | None = None


def list_allocations(
    conn: Connection, f: AllocationFilter, *, scope: Scope, limit: int, offset: int
) -> Page[AllocationView]:
    conds: list[Any] = list(scope.where(allocations.c.street_code))
    if f.status:
        conds.append(allocations.c.status == f.status)
    if f.programme:
        conds.append(allocations.c.programme_code == f.programme)
    if f.draw_id:
        conds.append(allocations.c.draw_id == f.draw_id)
    q = (
        select(allocations, homes.c.house_code, homes.c.address, applications.c.app_no, draws.c.draw_no)
        .join(homes, homes.c.id == allocations.c.home_id)
        .join(applications, applications.c.id == allocations.c.application_id)
        .outerjoin(draws, draws.c.id == allocations.c.draw_id)
        .where(*conds)
        .order_by(allocations.c.id.desc())
    )
    count_stmt = select(allocations.c.id).where(*conds)
    return fetch_page(conn, q, limit=limit, offset=offset, row=_allocation_out, count_stmt=count_stmt)


def contract(conn: Connection, caller: Caller, allocation_id: int, contract_no: str) -> None:
    """Record the lease or purchase contract of a selected home (签约)."""
    require_officer(caller)
    no = text_field(contract_no, "contract_no", 32)
    r = _allocation_row(conn, caller.scope, allocation_id)
    if r.status != "selected":
        raise Conflict(
            f"配置记录当前为{domain.ALLOCATION_STATUSES.get(r.status, r.status)}，不能签约",
            [FieldError("status", r.status)],
        )
    now = clock.now()
    done = conn.execute(
        update(allocations)
        .where(allocations.c.id == allocation_id, allocations.c.status == "selected")
        .values(status="contracted", contract_no=no, contracted_at=now)
    )
    if done.rowcount != 1:
        raise Conflict("配置记录已被他人处理，请刷新后再试")
    record_step(
        conn,
        int(r.application_id),
        caller,
        "contract",
        domain.AppStatus.allocated.value,
        domain.AppStatus.allocated.value,
        f"签订合同 {no}（房屋 {r.house_code}）",
    )


def move_in(conn: Connection, caller: Caller, allocation_id: int, on: date) -> None:
    """Record the move-in date (入住) of a contracted home."""
    require_officer(caller)
    r = _allocation_row(conn, caller.scope, allocation_id)
    if r.status != "contracted":
        raise Conflict(
            f"配置记录当前为{domain.ALLOCATION_STATUSES.get(r.status, r.status)}，须先签约",
            [FieldError("status", r.status)],
        )
    today = clock.today()
    if on > today:
        raise ValidationError.of("on", "入住日期不能晚于今天")
    if r.contracted_at is not None and on < clock.to_local(r.contracted_at).date():
        raise ValidationError.of("on", "入住日期不能早于签约日期")
    done = conn.execute(
        update(allocations)
        .where(allocations.c.id == allocation_id, allocations.c.status == "contracted")
        .values(status="moved_in", moved_in_at=midnight(on))
    )
    if done.rowcount != 1:
        raise Conflict("配置记录已被他人处理，请刷新后再试")
    record_step(
        conn,
        int(r.application_id),
        caller,
        "move_in",
        domain.AppStatus.allocated.value,
        domain.AppStatus.allocated.value,
        f"{on.isoformat()} 入住房屋 {r.house_code}",
    )


def make_assisted(
    conn: Connection,
    programme_code: str,
    home_ids: Sequence[int],
    *,
    scope: Scope,
    since: date | None = None,
) -> int:
    """Make register homes available to a programme (保障房源): bedrooms from the register's 室 (at
    least 1), area from its construction area, rent from the programme's rent per m². Homes already
    assisted are left alone. Returns how many were added."""
    policy = home_programme(conn, programme_code)
    ids = sorted({int(i) for i in home_ids})
    if not ids:
        return 0
    have = set(conn.execute(select(assisted_homes.c.home_id).where(assisted_homes.c.home_id.in_(ids))).scalars())
    rows = conn.execute(
        select(homes.c.id, homes.c.district_code, homes.c.street_code, homes.c.rooms, homes.c.construction_area).where(
            homes.c.id.in_(ids)
        )
    ).all()
    if len(rows) != len(ids):
        raise ValidationError.of("home_ids", "有房屋不存在")
    out = []
    for r in rows:
        if int(r.id) in have:
            continue
        scope.require(r.street_code, f"房屋 {r.id} 不存在")
        hundredths = int(r.construction_area * 100)
        rent = policy.rent_fen_per_m2 * hundredths // 100 if policy.rent_fen_per_m2 else None
        out.append(
            {
                "home_id": int(r.id),
                "programme_code": programme_code,
                "district_code": r.district_code,
                "street_code": r.street_code,
                "bedrooms": max(1, int(r.rooms or 1)),
                "area": hundredths,
                "monthly_rent_fen": rent,
                "price_fen": None,
                "status": "available",
                "since": since or clock.today(),
            }
        )
    if out:
        conn.execute(assisted_homes.insert(), out)
    return len(out)
