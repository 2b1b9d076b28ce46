"""Safety inspections (房屋安全排查, issue 23): a plan selects buildings from the register by a rule of
the edition in force (``rules``: by age, by structure and age, or every building of an area after an
event), in one set-wise INSERT … SELECT; each building's inspection is then recorded with its finding.
A plan is done when every building of it is inspected. Reads are scoped by the building's street.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, func, literal, or_, select

from anju import divisions
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import Status, buildings
from anju.safety import domain, rules
from anju.safety.agencies import clean_text, refuse
from anju.safety.tables import safety_inspections, safety_plans
from anju.security import Caller

_P, _I, _B = safety_plans.c, safety_inspections.c, buildings.c
#: Register statuses of buildings that stand and are used (the ones inspected).
STANDING = (Status.in_use.value, Status.completed.value)


@dataclass(frozen=True)
class PlanIn:
    title: str
    rule_code: str
    district_code: str | None = None
    street_code: str | None = None
    event_note: str | None = None
    planned_on: date | None = None


def _street(conn: Connection, scope: Scope, code: str, errors: list[FieldError]) -> tuple[str | None, str | None]:
    try:
        st = divisions.get(conn, code)
    except NotFound:
        st = None
    if st is None or st.level != "street" or not scope.allows(st.code):
        errors.append(FieldError("street_code", "辖区内没有这个街道（镇）"))
        return None, None
    return st.parent_code, st.code


def _own_area(level: str, code: str) -> tuple[str | None, str | None] | None:
    """Where a plan without an area lies, by the planner's scope level (None: it must name one)."""
    return {"district": (code, None), "street": (None, code)}.get(level)


def _area(conn: Connection, scope: Scope, cmd: PlanIn, errors: list[FieldError]) -> tuple[str | None, str | None]:
    """(district, street) the plan covers, within the planner's scope."""
    if cmd.street_code:
        return _street(conn, scope, cmd.street_code, errors)
    if cmd.district_code:
        if not scope.unrestricted and scope.code != cmd.district_code:
            errors.append(FieldError("district_code", "不在您的辖区内"))
        return cmd.district_code, None
    if scope.unrestricted:
        return None, None
    own = _own_area(scope.level, scope.code)
    if own is None:
        errors.append(FieldError("street_code", "请选择街道（镇）"))
        return None, None
    return own


def _selection(rule: rules.Rule, on: date, district: str | None, street: str | None, scope: Scope) -> list[Any]:
    conds: list[Any] = [_B.status.in_(STANDING), *scope.where(_B.street_code)]
    if rule.min_age > 0:
        conds.append(_B.year_built <= rule.max_year_built(on))
    if rule.trigger == "structure":
        conds.append(_B.structure.in_(rule.structures))
    if district:
        conds.append(_B.district_code == district)
    if street:
        conds.append(_B.street_code == street)
    return conds


def plan_inspection(conn: Connection, caller: Caller, cmd: PlanIn, *, synthetic: bool = False) -> int:
    """Plan an inspection: the rule's buildings in the area (and the caller's scope) become the plan's
    inspections, set-wise. An event plan must say what happened; a rule that selects nothing is refused."""
    on = cmd.planned_on or clock.today()
    errors: list[FieldError] = []
    title = clean_text(cmd.title, "title", 100, errors)
    try:
        edition, rule = rules.rule_on(cmd.rule_code, on)
    except ValidationError as e:
        raise ValidationError(e.message, e.errors) from None
    note = clean_text(cmd.event_note, "event_note", 200, errors, required=rule.trigger == "event")
    if rule.trigger == "event" and not (cmd.district_code or cmd.street_code):
        errors.append(FieldError("district_code", "事件后排查须选择区或街道"))
    district, street = _area(conn, caller.scope, cmd, errors)
    refuse(errors, "排查计划")
    conds = _selection(rule, on, district, street, caller.scope)
    n = int(conn.execute(select(func.count()).select_from(buildings).where(*conds)).scalar_one())
    if n == 0:
        raise ValidationError.of("rule_code", f"区域内没有符合“{rule.label}”的在用房屋")
    now = clock.now()
    pid = int(
        conn.execute(
            safety_plans.insert()
            .values(
                plan_no=f"tmp-{secrets.token_hex(6)}", title=title, rule_edition=edition.code, rule_code=rule.code,
                trigger=rule.trigger, event_note=note or None, district_code=district, street_code=street,
                planned_on=on, due_on=on + timedelta(days=rule.due_days), buildings=n, status="open",
                synthetic=synthetic, created_at=now, created_by=caller.account_id,
            )
            .returning(_P.id)
        ).scalar_one()
    )  # fmt: skip
    conn.execute(safety_plans.update().where(_P.id == pid).values(plan_no=f"PC{on:%Y}-{pid:07d}"))
    conn.execute(
        safety_inspections.insert().from_select(
            ["plan_id", "building_id", "district_code", "street_code", "status"],
            select(literal(pid), _B.id, _B.district_code, _B.street_code, literal("pending")).where(*conds),
        )
    )
    return pid


class PlanSummary(TypedDict):
    id: int
    plan_no: str
    title: str
    rule_edition: str
    rule_code: str
    trigger: str
    trigger_label: str
    event_note: str | None
    district_code: str | None
    street_code: str | None
    planned_on: date
    due_on: date
    buildings: int
    status: str
    status_label: str
    overdue: bool
    synthetic: bool


def _plan(r: Any) -> PlanSummary:
    today = clock.today()
    return {
        "id": int(r.id), "plan_no": r.plan_no, "title": r.title, "rule_edition": r.rule_edition,
        "rule_code": r.rule_code, "trigger": r.trigger, "trigger_label": domain.TRIGGERS.get(r.trigger, r.trigger),
        "event_note": r.event_note, "district_code": r.district_code, "street_code": r.street_code,
        "planned_on": r.planned_on, "due_on": r.due_on, "buildings": int(r.buildings), "status": r.status,
        "status_label": domain.PLAN_STATUSES.get(r.status, r.status),
        "overdue": r.status == "open" and domain.overdue(r.due_on, today), "synthetic": bool(r.synthetic),
    }  # fmt: skip


def _plan_scope(scope: Scope) -> list[Any]:
    if scope.unrestricted:
        return []
    return [
        or_(
            _P.street_code.in_(sorted(scope.streets or ())),
            and_(_P.street_code.is_(None), _P.district_code == scope.code),
            and_(_P.street_code.is_(None), _P.district_code.is_(None)),  # city-wide: its buildings stay scoped
        )
    ]


@dataclass(frozen=True)
class PlanFilter:
    status: str | None = None
    trigger: str | None = None


def list_plans(conn: Connection, f: PlanFilter, *, scope: Scope, limit: int, offset: int) -> Page[PlanSummary]:
    conds = _plan_scope(scope)
    if f.status:
        conds.append(_P.status == f.status)
    if f.trigger:
        conds.append(_P.trigger == f.trigger)
    stmt = select(safety_plans).where(*conds).order_by(_P.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_plan)


def get_plan(conn: Connection, scope: Scope, plan_id: int) -> PlanSummary:
    row = conn.execute(select(safety_plans).where(_P.id == plan_id, *_plan_scope(scope))).first()
    if row is None:
        raise NotFound(f"排查计划 {plan_id} 不存在")
    return _plan(row)


class InspectionLine(TypedDict):
    id: int
    plan_id: int
    building_id: int
    house_code: str
    address: str
    structure: str
    year_built: int | None
    district_code: str
    street_code: str
    status: str
    status_label: str
    inspected_on: date | None
    finding: str | None
    finding_label: str
    notes: str | None


@dataclass(frozen=True)
class InspectionFilter:
    plan_id: int | None = None
    district: str | None = None
    street: str | None = None
    status: str | None = None
    finding: str | None = None


def _inspection_stmt(f: InspectionFilter, scope: Scope) -> Any:
    conds: list[Any] = list(scope.where(_I.street_code))
    if f.plan_id is not None:
        conds.append(_I.plan_id == f.plan_id)
    if f.district:
        conds.append(_I.district_code == f.district)
    if f.street:
        conds.append(_I.street_code == f.street)
    if f.status:
        conds.append(_I.status == f.status)
    if f.finding:
        conds.append(_I.finding == f.finding)
    return (
        select(safety_inspections, _B.house_code, _B.address, _B.structure, _B.year_built)
        .join(buildings, _B.id == _I.building_id)
        .where(*conds)
    )


def _inspection(r: Any) -> InspectionLine:
    return {
        "id": int(r.id), "plan_id": int(r.plan_id), "building_id": int(r.building_id), "house_code": r.house_code,
        "address": r.address, "structure": r.structure, "year_built": r.year_built, "district_code": r.district_code,
        "street_code": r.street_code, "status": r.status,
        "status_label": domain.INSPECTION_STATUSES.get(r.status, r.status), "inspected_on": r.inspected_on,
        "finding": r.finding, "finding_label": domain.FINDINGS.get(r.finding or "", ""), "notes": r.notes,
    }  # fmt: skip


def list_inspections(
    conn: Connection, f: InspectionFilter, *, scope: Scope, limit: int, offset: int
) -> Page[InspectionLine]:
    stmt = _inspection_stmt(f, scope).order_by(_I.id)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_inspection)


INSPECTION_CSV_COLUMNS = ("计划", "房屋代码", "地址", "结构", "建成年份", "街道", "状态", "排查日期", "结论", "说明")


def export_inspections(conn: Connection, f: InspectionFilter, *, scope: Scope) -> Iterator[list[Any]]:
    last = 0
    base = _inspection_stmt(f, scope)
    while True:
        rows = conn.execute(base.where(_I.id > last).order_by(_I.id).limit(1000)).all()
        if not rows:
            return
        for r in rows:
            x = _inspection(r)
            yield [
                x["plan_id"], x["house_code"], x["address"], x["structure"], x["year_built"] or "", x["street_code"],
                x["status_label"], x["inspected_on"].isoformat() if x["inspected_on"] else "", x["finding_label"],
                x["notes"] or "",
            ]  # fmt: skip
        last = int(rows[-1].id)


@dataclass(frozen=True)
class InspectionIn:
    inspected_on: date
    finding: str
    notes: str | None = None


def record_inspection(conn: Connection, caller: Caller, inspection_id: int, cmd: InspectionIn) -> str:
    """Record what the inspection of a building found (again while its plan is open); returns the
    plan's status (``done`` once every building of it is inspected)."""
    row = conn.execute(
        select(safety_inspections, _P.planned_on, _P.status.label("plan_status"))
        .join(safety_plans, _P.id == _I.plan_id)
        .where(_I.id == inspection_id)
    ).first()
    missing = f"排查记录 {inspection_id} 不存在"
    if row is None:
        raise NotFound(missing)
    caller.scope.require(row.street_code, missing)
    if row.plan_status != "open":
        raise Conflict("排查计划已完成，不能再修改", [FieldError("plan_id", "已完成")])
    errors: list[FieldError] = []
    if cmd.finding not in domain.FINDINGS:
        errors.append(FieldError("finding", "应为 " + "、".join(domain.FINDINGS)))
    if not row.planned_on <= cmd.inspected_on <= clock.today():
        errors.append(FieldError("inspected_on", "应在计划日期与今天之间"))
    notes = clean_text(cmd.notes, "notes", 400, errors, required=cmd.finding != "none")
    refuse(errors, "排查记录")
    conn.execute(
        safety_inspections.update()
        .where(_I.id == inspection_id)
        .values(
            status="done", inspected_on=cmd.inspected_on, finding=cmd.finding, notes=notes or None,
            recorded_at=clock.now(), recorded_by=caller.account_id,
        )
    )  # fmt: skip
    left = conn.execute(select(func.count()).where(_I.plan_id == row.plan_id, _I.status == "pending")).scalar_one()
    if left == 0:
        conn.execute(safety_plans.update().where(_P.id == row.plan_id).values(status="done"))
        return "done"
    return "open"
