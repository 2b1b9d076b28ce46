"""REST routes of house safety over buildings (``/api/v1/safety/…``): the inspection rules, plans and
inspections, appraisals, hazard cases, structure-change permits, curtain-wall inspections and the
figures, with CSV exports. Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from anju.core import clock, csvout
from anju.safety import appraisals, domain, figures, hazards, inspections, records, rules
from anju.safety.http import schemas as s
from anju.safety.http.deps import SafetyRead, SafetySupervise
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/safety", tags=["safety"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
OptId = Annotated[int | None, Query(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(max_length=12, description="区代码")]
StreetQ = Annotated[str | None, Query(max_length=12, description="街道代码")]
GradeQ = Annotated[Literal["A", "B", "C", "D"] | None, Query(description="JGJ 125 等级")]
T = TypeVar("T")
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}}


def _page(items: list[T], total: int, paging: PagingDep) -> Page[T]:
    return Page(items=items, total=total, page=paging.page, page_size=paging.page_size)


# ---------------------------------------------------------------------------------- rules and plans


@router.get("/rules", operation_id="safety_rules")
def list_rules(caller: SafetyRead) -> s.EditionOut:
    """今天生效的排查规则（数据文件中的版本）。"""
    ed = rules.edition_on(clock.today())
    return s.EditionOut(
        code=ed.code, name=ed.name, effective_from=ed.effective_from, sample=ed.sample,
        rules=[s.RuleOut(code=r.code, label=r.label, trigger=r.trigger, min_age=r.min_age, due_days=r.due_days,
                         structures=list(r.structures)) for r in ed.rules.values()],
    )  # fmt: skip


@router.get("/plans", operation_id="safety_list_plans")
def list_plans(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    status: Annotated[Literal["open", "done"] | None, Query()] = None,
    trigger: Annotated[Literal["age", "structure", "event"] | None, Query()] = None,
) -> Page[s.PlanOut]:
    with uow.read() as conn:
        page = inspections.list_plans(
            conn, inspections.PlanFilter(status, trigger), scope=caller.scope, limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
    return _page([s.PlanOut(**x) for x in page.items], page.total, paging)


@router.post("/plans", status_code=201, operation_id="safety_plan")
def plan(uow: UowDep, caller: SafetySupervise, body: s.PlanIn) -> s.Created:
    """按规则制定排查计划：从楼盘表选出辖区内符合规则的在用楼幢。"""
    with audited(uow, caller, "safety.plan", "safety_plan") as conn:
        pid = inspections.plan_inspection(conn, caller, body.command())
        set_audit_target(conn, pid)
    return s.Created(id=pid)


@router.get("/plans/{plan_id}", operation_id="safety_get_plan")
def get_plan(uow: UowDep, caller: SafetyRead, plan_id: Id) -> s.PlanOut:
    with uow.read() as conn:
        return s.PlanOut(**inspections.get_plan(conn, caller.scope, plan_id))


def _inspection_filter(
    plan_id: int | None, district: str | None, street: str | None, status: str | None, finding: str | None
) -> inspections.InspectionFilter:
    return inspections.InspectionFilter(plan_id, district, street, status, finding)


StatusI = Annotated[Literal["pending", "done"] | None, Query()]
FindingQ = Annotated[Literal["none", "minor", "serious"] | None, Query()]


@router.get("/inspections", operation_id="safety_list_inspections")
def list_inspections(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    plan_id: OptId = None,
    district: DistrictQ = None,
    street: StreetQ = None,
    status: StatusI = None,
    finding: FindingQ = None,
) -> Page[s.InspectionOut]:
    f = _inspection_filter(plan_id, district, street, status, finding)
    with uow.read() as conn:
        page = inspections.list_inspections(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return _page([s.InspectionOut(**x) for x in page.items], page.total, paging)


@router.get("/inspections.csv", operation_id="safety_export_inspections", responses=CSV)
def export_inspections(
    uow: UowDep,
    caller: SafetyRead,
    plan_id: OptId = None,
    district: DistrictQ = None,
    street: StreetQ = None,
    status: StatusI = None,
    finding: FindingQ = None,
) -> StreamingResponse:
    f = _inspection_filter(plan_id, district, street, status, finding)
    with uow.read() as conn:
        rows = list(inspections.export_inspections(conn, f, scope=caller.scope))
    return csvout.response("房屋安全排查.csv", inspections.INSPECTION_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.post("/inspections/{inspection_id}", operation_id="safety_record_inspection")
def record_inspection(uow: UowDep, caller: SafetySupervise, inspection_id: Id, body: s.InspectionIn) -> s.StatusOut:
    """登记一幢楼的排查结论；返回计划状态（全部排查完即“已完成”）。"""
    with audited(uow, caller, "safety.inspect", "safety_inspection", inspection_id) as conn:
        status = inspections.record_inspection(conn, caller, inspection_id, body.command())
    return s.StatusOut(id=inspection_id, status=status)


# ------------------------------------------------------------------------------------------ appraisals


@router.get("/appraisals", operation_id="safety_list_appraisals")
def list_appraisals(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    grade: GradeQ = None,
    agency_id: OptId = None,
) -> Page[s.AppraisalOut]:
    f = appraisals.AppraisalFilter(district, street, grade, agency_id)
    with uow.read() as conn:
        page = appraisals.list_appraisals(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return _page([s.AppraisalOut(**x) for x in page.items], page.total, paging)


@router.get("/appraisals.csv", operation_id="safety_export_appraisals", responses=CSV)
def export_appraisals(
    uow: UowDep,
    caller: SafetyRead,
    district: DistrictQ = None,
    street: StreetQ = None,
    grade: GradeQ = None,
    agency_id: OptId = None,
) -> StreamingResponse:
    f = appraisals.AppraisalFilter(district, street, grade, agency_id)
    with uow.read() as conn:
        rows = list(appraisals.export_appraisals(conn, f, scope=caller.scope))
    return csvout.response("房屋安全鉴定.csv", appraisals.APPRAISAL_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.post("/appraisals", status_code=201, operation_id="safety_record_appraisal")
def record_appraisal(uow: UowDep, caller: SafetySupervise, body: s.AppraisalIn) -> s.AppraisedOut:
    """登记鉴定（JGJ 125 等级、标准版本、报告编号、日期）；C、D 级即立危房隐患案件，限制该楼全部房屋。"""
    with audited(uow, caller, "safety.appraise", "safety_appraisal") as conn:
        got = appraisals.record_appraisal(conn, caller, body.command())
        set_audit_target(conn, got["id"])
    return s.AppraisedOut(**got)


# ------------------------------------------------------------------------------------------- hazards

HazardStatusQ = Annotated[Literal["open", "closed"] | None, Query()]
PathQ = Annotated[Literal["monitor", "reinforce", "demolish"] | None, Query()]
OverdueQ = Annotated[bool, Query(description="只看逾期（方案或整改期限已过）")]


@router.get("/hazards", operation_id="safety_list_hazards")
def list_hazards(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    status: HazardStatusQ = None,
    path: PathQ = None,
    grade: GradeQ = None,
    overdue: OverdueQ = False,
) -> Page[s.HazardOut]:
    f = hazards.HazardFilter(district, street, status, path, grade, overdue)
    with uow.read() as conn:
        page = hazards.list_hazards(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return _page([s.HazardOut(**x) for x in page.items], page.total, paging)


@router.get("/hazards.csv", operation_id="safety_export_hazards", responses=CSV)
def export_hazards(
    uow: UowDep,
    caller: SafetyRead,
    district: DistrictQ = None,
    street: StreetQ = None,
    status: HazardStatusQ = None,
    path: PathQ = None,
    grade: GradeQ = None,
    overdue: OverdueQ = False,
) -> StreamingResponse:
    f = hazards.HazardFilter(district, street, status, path, grade, overdue)
    with uow.read() as conn:
        rows = list(hazards.export_hazards(conn, f, scope=caller.scope))
    return csvout.response("危房隐患案件.csv", hazards.HAZARD_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.get("/hazards/{hazard_id}", operation_id="safety_get_hazard")
def get_hazard(uow: UowDep, caller: SafetyRead, hazard_id: Id) -> s.HazardDetailOut:
    with uow.read() as conn:
        return s.HazardDetailOut(**hazards.get_hazard(conn, caller.scope, hazard_id))


@router.post("/hazards/{hazard_id}/path", operation_id="safety_hazard_path")
def hazard_path(uow: UowDep, caller: SafetySupervise, hazard_id: Id, body: s.PathIn) -> s.StatusOut:
    """一幢一策：确定留、改或拆，措施与整改期限。"""
    with audited(uow, caller, "safety.hazard_path", "safety_hazard", hazard_id) as conn:
        hazards.decide_path(conn, caller, hazard_id, body.command())
    return s.StatusOut(id=hazard_id, status="open")


@router.post("/hazards/{hazard_id}/close", operation_id="safety_hazard_close")
def hazard_close(uow: UowDep, caller: SafetySupervise, hazard_id: Id, body: s.CloseIn) -> s.StatusOut:
    """销案并解除对该楼房屋的限制；拆除销案经楼盘表生命周期把楼幢及其房屋改为“拆除”。"""
    with audited(uow, caller, "safety.hazard_close", "safety_hazard", hazard_id) as conn:
        status = hazards.close_case(conn, caller, hazard_id, body.command())
    return s.StatusOut(id=hazard_id, status=status)


# ----------------------------------------------------------------------------- permits, curtain walls


@router.get("/permits", operation_id="safety_list_permits")
def list_permits(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    status: Annotated[Literal["applied", "approved", "refused"] | None, Query()] = None,
    overdue: OverdueQ = False,
) -> Page[s.PermitOut]:
    with uow.read() as conn:
        page = records.list_permits(
            conn, scope=caller.scope, status=status, overdue=overdue, limit=paging.page_size, offset=paging.offset
        )
    return _page([s.PermitOut(**x) for x in page.items], page.total, paging)


@router.post("/permits", status_code=201, operation_id="safety_apply_permit")
def apply_permit(uow: UowDep, caller: SafetySupervise, body: s.PermitIn) -> s.Created:
    """受理房屋结构变动安全许可申请（审查期限自申请日起计）。"""
    with audited(uow, caller, "safety.permit_apply", "safety_permit") as conn:
        pid = records.apply_permit(conn, caller, body.command())
        set_audit_target(conn, pid)
    return s.Created(id=pid)


@router.post("/permits/{permit_id}/decide", operation_id="safety_decide_permit")
def decide_permit(uow: UowDep, caller: SafetySupervise, permit_id: Id, body: s.PermitDecisionIn) -> s.StatusOut:
    with audited(uow, caller, "safety.permit_decide", "safety_permit", permit_id) as conn:
        status = records.decide_permit(conn, caller, permit_id, body.approve, body.note)
    return s.StatusOut(id=permit_id, status=status)


@router.get("/curtain-walls", operation_id="safety_list_curtain_walls")
def list_curtain_walls(
    uow: UowDep, caller: SafetyRead, paging: PagingDep, overdue: OverdueQ = False
) -> Page[s.CurtainOut]:
    """各楼幢最近一次幕墙检查（overdue：下次检查已逾期）。"""
    with uow.read() as conn:
        page = records.list_curtain_walls(
            conn, scope=caller.scope, overdue=overdue, limit=paging.page_size, offset=paging.offset
        )
    return _page([s.CurtainOut(**x) for x in page.items], page.total, paging)


@router.post("/curtain-walls", status_code=201, operation_id="safety_record_curtain_wall")
def record_curtain_wall(uow: UowDep, caller: SafetySupervise, body: s.CurtainIn) -> s.Created:
    with audited(uow, caller, "safety.curtain_wall", "safety_curtain_wall") as conn:
        cid = records.record_curtain_wall(conn, caller, body.command())
        set_audit_target(conn, cid)
    return s.Created(id=cid)


# -------------------------------------------------------------------------------------------- figures


@router.get("/figures", operation_id="safety_figures")
def get_figures(uow: UowDep, caller: SafetyRead) -> s.FiguresOut:
    """各区与全市（辖区内）：已排查楼幢、各等级鉴定数、处置中隐患、已销案，及上一规划回顾的参考值。"""
    with uow.read() as conn:
        return s.FiguresOut.model_validate(figures.figures(conn, scope=caller.scope))


@router.get("/figures.csv", operation_id="safety_export_figures", responses=CSV)
def export_figures(uow: UowDep, caller: SafetyRead) -> StreamingResponse:
    with uow.read() as conn:
        f = figures.figures(conn, scope=caller.scope)
    return csvout.response(
        "房屋安全统计.csv", figures.FIGURE_CSV_COLUMNS, figures.figure_rows(f), note=domain.SYNTHETIC_LABEL
    )
