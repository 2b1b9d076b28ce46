"""The simpler records of house safety (issue 23), each with its own deadline: structure-change permits
(房屋结构变动安全许可: decided within ``domain.PERMIT_DECIDE_DAYS`` of the application) and curtain-wall
inspections (幕墙安全检查: the next one due by what the last one found). ``overdue`` lists what is late.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import buildings, homes
from anju.safety import buildings as safety_buildings
from anju.safety import domain
from anju.safety.agencies import clean_text, refuse
from anju.safety.tables import safety_curtain_walls, safety_permits
from anju.security import Caller

_PM, _CW, _B = safety_permits.c, safety_curtain_walls.c, buildings.c

# -------------------------------------------------------------------------------------------- permits


@dataclass(frozen=True)
class PermitIn:
    house_code: str  # the building's, or a home's (the permit is then for that home)
    applicant: str
    works: str
    applied_on: date | None = None


def _building_or_home(conn: Connection, scope: Scope, code: str) -> tuple[Any, int | None]:
    code = "".join((code or "").split()).upper()
    home = (
        conn.execute(select(homes.c.id, homes.c.building_id).where(homes.c.house_code == code)).first()
        if code
        else None
    )
    if home is not None:
        b = conn.execute(select(*safety_buildings.COLUMNS).where(_B.id == home.building_id)).first()
        if b is not None and scope.allows(b.street_code):
            return b, int(home.id)
        raise ValidationError.of("house_code", f"辖区内没有房屋代码为 {code} 的房屋")
    return safety_buildings.by_code(conn, scope, code), None


def apply_permit(conn: Connection, caller: Caller, cmd: PermitIn) -> int:
    """Register an application for a structure-change permit (by the building's or a home's house
    code); it is due for decision ``PERMIT_DECIDE_DAYS`` later."""
    errors: list[FieldError] = []
    b, home_id = None, None
    try:
        b, home_id = _building_or_home(conn, caller.scope, cmd.house_code)
    except ValidationError as e:
        errors.extend(e.errors)
    applicant = clean_text(cmd.applicant, "applicant", 100, errors)
    works = clean_text(cmd.works, "works", 400, errors)
    on = cmd.applied_on or clock.today()
    if on > clock.today():
        errors.append(FieldError("applied_on", "不能晚于今天"))
    refuse(errors, "许可申请")
    assert b is not None
    pid = int(
        conn.execute(
            safety_permits.insert()
            .values(
                permit_no=f"tmp-{secrets.token_hex(6)}", building_id=b.id, home_id=home_id,
                district_code=b.district_code, street_code=b.street_code, applicant=applicant, works=works,
                applied_on=on, due_on=on + timedelta(days=domain.PERMIT_DECIDE_DAYS), status="applied",
                recorded_at=clock.now(),
            )
            .returning(_PM.id)
        ).scalar_one()
    )  # fmt: skip
    conn.execute(safety_permits.update().where(_PM.id == pid).values(permit_no=f"JG{on:%Y}-{pid:07d}"))
    return pid


def decide_permit(conn: Connection, caller: Caller, permit_id: int, approve: bool, note: str) -> str:
    row = conn.execute(select(safety_permits).where(_PM.id == permit_id)).first()
    missing = f"许可申请 {permit_id} 不存在"
    if row is None:
        raise NotFound(missing)
    caller.scope.require(row.street_code, missing)
    if row.status != "applied":
        raise Conflict("该申请已决定", [FieldError("status", domain.PERMIT_STATUSES[row.status])])
    errors: list[FieldError] = []
    text = clean_text(note, "note", 200, errors, required=not approve)
    refuse(errors, "审查意见")
    status = "approved" if approve else "refused"
    conn.execute(
        safety_permits.update()
        .where(_PM.id == permit_id)
        .values(status=status, decided_on=clock.today(), decision_note=text or None)
    )
    return status


class PermitLine(TypedDict):
    id: int
    permit_no: str
    house_code: str
    address: str
    street_code: str
    home_id: int | None
    applicant: str
    works: str
    applied_on: date
    due_on: date
    status: str
    status_label: str
    decided_on: date | None
    overdue: bool


def list_permits(
    conn: Connection, *, scope: Scope, status: str | None = None, overdue: bool = False, limit: int, offset: int
) -> Page[PermitLine]:
    today = clock.today()
    conds: list[Any] = list(scope.where(_PM.street_code))
    if status:
        conds.append(_PM.status == status)
    if overdue:
        conds += [_PM.status == "applied", _PM.due_on < today]
    stmt = (
        select(safety_permits, _B.house_code, _B.address)
        .join(buildings, _B.id == _PM.building_id)
        .where(*conds)
        .order_by(_PM.id.desc())
    )

    def row(r: Any) -> PermitLine:
        return {
            "id": int(r.id), "permit_no": r.permit_no, "house_code": r.house_code, "address": r.address,
            "street_code": r.street_code, "home_id": r.home_id, "applicant": r.applicant, "works": r.works,
            "applied_on": r.applied_on, "due_on": r.due_on, "status": r.status,
            "status_label": domain.PERMIT_STATUSES.get(r.status, r.status), "decided_on": r.decided_on,
            "overdue": r.status == "applied" and domain.overdue(r.due_on, today),
        }  # fmt: skip

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=row)


# -------------------------------------------------------------------------------------- curtain walls


@dataclass(frozen=True)
class CurtainIn:
    house_code: str
    inspected_on: date
    result: str
    notes: str | None = None


def record_curtain_wall(conn: Connection, caller: Caller, cmd: CurtainIn) -> int:
    """A curtain-wall inspection of a building: the building's latest, with the next one due by what
    it found (``domain.CURTAIN_INTERVAL_YEARS``; a danger is due at once)."""
    errors: list[FieldError] = []
    b = None
    try:
        b = safety_buildings.by_code(conn, caller.scope, cmd.house_code)
    except ValidationError as e:
        errors.extend(e.errors)
    if cmd.result not in domain.CURTAIN_RESULTS:
        errors.append(FieldError("result", "应为 " + "、".join(domain.CURTAIN_RESULTS)))
    if cmd.inspected_on > clock.today():
        errors.append(FieldError("inspected_on", "不能晚于今天"))
    notes = clean_text(cmd.notes, "notes", 400, errors, required=cmd.result != "ok")
    refuse(errors, "幕墙检查")
    assert b is not None
    last = conn.execute(
        select(_CW.inspected_on).where(_CW.building_id == b.id, _CW.latest.is_(True))
    ).scalar_one_or_none()
    if last is not None and last > cmd.inspected_on:
        raise ValidationError.of("inspected_on", f"早于该楼幢最近一次检查（{last.isoformat()}）")
    conn.execute(safety_curtain_walls.update().where(_CW.building_id == b.id).values(latest=False))
    years = domain.CURTAIN_INTERVAL_YEARS.get(cmd.result, 0)
    due = domain.add_years(cmd.inspected_on, years) if years else cmd.inspected_on + timedelta(days=30)
    return int(
        conn.execute(
            safety_curtain_walls.insert()
            .values(
                building_id=b.id, district_code=b.district_code, street_code=b.street_code,
                inspected_on=cmd.inspected_on, result=cmd.result, notes=notes or None, next_due_on=due, latest=True,
                recorded_at=clock.now(),
            )
            .returning(_CW.id)
        ).scalar_one()
    )  # fmt: skip


class CurtainLine(TypedDict):
    id: int
    building_id: int
    house_code: str
    address: str
    street_code: str
    inspected_on: date
    result: str
    result_label: str
    notes: str | None
    next_due_on: date
    overdue: bool


def list_curtain_walls(
    conn: Connection, *, scope: Scope, overdue: bool = False, limit: int, offset: int
) -> Page[CurtainLine]:
    """The buildings' latest curtain-wall inspections (``overdue``: those whose next one is late)."""
    today = clock.today()
    conds: list[Any] = [_CW.latest.is_(True), *scope.where(_CW.street_code)]
    if overdue:
        conds.append(_CW.next_due_on < today)
    stmt = (
        select(safety_curtain_walls, _B.house_code, _B.address)
        .join(buildings, _B.id == _CW.building_id)
        .where(*conds)
        .order_by(_CW.next_due_on, _CW.id)
    )

    def row(r: Any) -> CurtainLine:
        return {
            "id": int(r.id), "building_id": int(r.building_id), "house_code": r.house_code, "address": r.address,
            "street_code": r.street_code, "inspected_on": r.inspected_on, "result": r.result,
            "result_label": domain.CURTAIN_RESULTS.get(r.result, r.result), "notes": r.notes,
            "next_due_on": r.next_due_on, "overdue": domain.overdue(r.next_due_on, today),
        }  # fmt: skip

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=row)
