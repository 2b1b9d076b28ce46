"""Appraisals (房屋安全鉴定, issue 23): a building's JGJ 125 grade (A/B/C/D) by a filed agency, with the
standard's edition, the report's reference and date. A C or D grade opens the building's hazard case
(``hazards.open_case``) in the same transaction, or updates the open one with the newer appraisal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anju.core import clock
from anju.core.errors import Conflict, FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import buildings
from anju.safety import buildings as safety_buildings
from anju.safety import domain, hazards
from anju.safety.agencies import clean_text, refuse
from anju.safety.tables import safety_agencies, safety_appraisals, safety_inspections
from anju.security import Caller

_AP, _B, _A = safety_appraisals.c, buildings.c, safety_agencies.c


@dataclass(frozen=True)
class AppraisalIn:
    house_code: str  # the building's
    agency_id: int
    grade: str
    standard: str
    report_no: str
    appraised_on: date
    summary: str | None = None
    inspection_id: int | None = None


class Appraised(TypedDict):
    id: int
    hazard_id: int | None  # the hazard case a C or D grade opened (or updated)


def record_appraisal(conn: Connection, caller: Caller, cmd: AppraisalIn, *, synthetic: bool = False) -> Appraised:
    """Record an appraisal of a building in the caller's scope by a filed agency; a C or D grade opens
    (or updates) the building's hazard case, which restricts its homes while open."""
    errors: list[FieldError] = []
    b = None
    try:
        b = safety_buildings.by_code(conn, caller.scope, cmd.house_code)
    except ValidationError as e:
        errors.extend(e.errors)
    agency = conn.execute(select(_A.id, _A.status, _A.name).where(_A.id == cmd.agency_id)).first()
    if agency is None:
        errors.append(FieldError("agency_id", "没有这个鉴定机构"))
    elif agency.status != "filed":
        errors.append(FieldError("agency_id", f"{agency.name}备案状态为“{domain.AGENCY_STATUSES[agency.status]}”"))
    if cmd.grade not in domain.GRADES:
        errors.append(FieldError("grade", "应为 A、B、C、D 之一"))
    if cmd.standard not in domain.STANDARDS:
        errors.append(FieldError("standard", "应为 " + "、".join(domain.STANDARDS)))
    report = clean_text(cmd.report_no, "report_no", 40, errors)
    if cmd.appraised_on > clock.today():
        errors.append(FieldError("appraised_on", "不能晚于今天"))
    summary = clean_text(cmd.summary, "summary", 400, errors, required=False)
    if cmd.inspection_id is not None and b is not None:
        ok = conn.execute(
            select(safety_inspections.c.id).where(
                safety_inspections.c.id == cmd.inspection_id, safety_inspections.c.building_id == b.id
            )
        ).first()
        if ok is None:
            errors.append(FieldError("inspection_id", "不是该楼幢的排查记录"))
    refuse(errors, "鉴定信息")
    assert b is not None
    try:
        with conn.begin_nested():
            aid = int(
                conn.execute(
                    safety_appraisals.insert()
                    .values(
                        report_no=report, building_id=b.id, district_code=b.district_code, street_code=b.street_code,
                        agency_id=cmd.agency_id, inspection_id=cmd.inspection_id, grade=cmd.grade,
                        standard=cmd.standard, appraised_on=cmd.appraised_on, summary=summary or None,
                        synthetic=synthetic, recorded_at=clock.now(), recorded_by=caller.account_id,
                    )
                    .returning(_AP.id)
                ).scalar_one()
            )  # fmt: skip
    except IntegrityError:
        raise Conflict("鉴定报告编号已登记", [FieldError("report_no", f"{report} 已登记")]) from None
    hazard = None
    if domain.opens_hazard(cmd.grade):
        hazard = hazards.open_case(conn, b, aid, cmd.grade, cmd.appraised_on, synthetic=synthetic)
    return {"id": aid, "hazard_id": hazard}


class AppraisalLine(TypedDict):
    id: int
    report_no: str
    building_id: int
    house_code: str
    address: str
    district_code: str
    street_code: str
    agency_id: int
    agency_name: str
    grade: str
    grade_label: str
    standard: str
    appraised_on: date
    summary: str | None
    synthetic: bool


@dataclass(frozen=True)
class AppraisalFilter:
    district: str | None = None
    street: str | None = None
    grade: str | None = None
    agency_id: int | None = None
    building_id: int | None = None


def _stmt(f: AppraisalFilter, scope: Scope) -> Any:
    conds: list[Any] = list(scope.where(_AP.street_code))
    for col, v in ((_AP.district_code, f.district), (_AP.street_code, f.street), (_AP.grade, f.grade),
                   (_AP.agency_id, f.agency_id), (_AP.building_id, f.building_id)):  # fmt: skip
        if v is not None and v != "":
            conds.append(col == v)
    return (
        select(safety_appraisals, _B.house_code, _B.address, _A.name.label("agency_name"))
        .join(buildings, _B.id == _AP.building_id)
        .join(safety_agencies, _A.id == _AP.agency_id)
        .where(*conds)
    )


def _line(r: Any) -> AppraisalLine:
    return {
        "id": int(r.id), "report_no": r.report_no, "building_id": int(r.building_id), "house_code": r.house_code,
        "address": r.address, "district_code": r.district_code, "street_code": r.street_code,
        "agency_id": int(r.agency_id), "agency_name": r.agency_name, "grade": r.grade,
        "grade_label": domain.GRADES.get(r.grade, r.grade), "standard": r.standard, "appraised_on": r.appraised_on,
        "summary": r.summary, "synthetic": bool(r.synthetic),
    }  # fmt: skip


def list_appraisals(
    conn: Connection, f: AppraisalFilter, *, scope: Scope, limit: int, offset: int
) -> Page[AppraisalLine]:
    return fetch_page(conn, _stmt(f, scope).order_by(_AP.id.desc()), limit=limit, offset=offset, row=_line)


APPRAISAL_CSV_COLUMNS = ("报告编号", "房屋代码", "地址", "街道", "鉴定机构", "等级", "标准", "鉴定日期")


def export_appraisals(conn: Connection, f: AppraisalFilter, *, scope: Scope) -> Iterator[list[Any]]:
    last = 0
    base = _stmt(f, scope)
    while True:
        rows = conn.execute(base.where(_AP.id > last).order_by(_AP.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            yield [r.report_no, r.house_code, r.address, r.street_code, r.agency_name, r.grade, r.standard,
                   r.appraised_on.isoformat()]  # fmt: skip
        last = int(rows[-1].id)
