"""Pages of house safety over buildings (``/safety…``): the overview with the figures against the last
plan's review; inspection plans (list, new plan by rule) and a plan's inspections (record a finding);
appraisals (list, record); hazard cases (list with the overdue filter, detail with the 一幢一策 and
closing forms); structure-change permits and curtain-wall inspections (lists with overdue, forms).
Every list has its filters, pagination, CSV export (where a list is long) and empty state."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError
from anju.safety import appraisals, domain, figures, hazards, inspections, records, rules
from anju.safety.http import forms as fm
from anju.safety.http.deps import SafetyRead, SafetySupervise
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Opt = Annotated[str, Query(max_length=100)]
DONE = {
    "planned": "排查计划已制定。",
    "inspected": "排查结论已登记。",
    "appraised": "鉴定已登记。",
    "hazard": "鉴定为 C/D 级，已立危房隐患案件；该楼房屋已被限制。",
    "path": "处置方案已确定。",
    "closed": "案件已销案，对该楼房屋的限制已解除。",
    "permit": "许可申请已受理。",
    "decided": "许可已决定。",
    "wall": "幕墙检查已登记。",
}
LABELS: Final[dict[str, Any]] = {
    "triggers": domain.TRIGGERS,
    "plan_statuses": domain.PLAN_STATUSES,
    "findings": domain.FINDINGS,
    "inspection_statuses": domain.INSPECTION_STATUSES,
    "grades": domain.GRADES,
    "standards": domain.STANDARDS,
    "paths": domain.PATHS,
    "hazard_statuses": domain.HAZARD_STATUSES,
    "closures": domain.CLOSURES,
    "permit_statuses": domain.PERMIT_STATUSES,
    "curtain_results": domain.CURTAIN_RESULTS,
}
BLANK: Final[dict[str, Any]] = {"values": {}, "errors": [], "message": None, "done": None}


def _query(f: Any) -> str:
    return urlencode({k: v for k, v in vars(f).items() if v not in (None, "", False)})


@router.get("/safety", response_class=HTMLResponse)
def overview(request: Request, uow: UowDep, caller: SafetyRead) -> HTMLResponse:
    with uow.read() as conn:
        f = figures.figures(conn, scope=caller.scope)
    return render(request, "safety/overview.html", f=f, **LABELS)


# ------------------------------------------------------------------------------------------- plans


def _plans(
    request: Request, uow: UowDep, caller: Any, paging: Any, f: inspections.PlanFilter, **extra: Any
) -> HTMLResponse:
    with uow.read() as conn:
        page = inspections.list_plans(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        districts = [
            d for d in divisions.by_level(conn, "district") if caller.scope.unrestricted or d.code == caller.scope.code
        ]
        streets = [s for s in divisions.by_level(conn, "street") if caller.scope.allows(s.code)]
    return render(
        request, "safety/plans.html", status_code=extra.pop("status_code", 200), items=page.items, f=f,
        edition=rules.edition_on(clock.today()), districts=districts, streets=streets,
        pager=pager(page.total, paging.page, paging.page_size), **(LABELS | BLANK | extra),
    )  # fmt: skip


@router.get("/safety/plans", response_class=HTMLResponse)
def plans(
    request: Request, uow: UowDep, caller: SafetyRead, paging: PagingDep, status: Opt = "", trigger: Opt = ""
) -> HTMLResponse:
    return _plans(request, uow, caller, paging, inspections.PlanFilter(fm.opt(status), fm.opt(trigger)))


@router.post("/safety/plans", response_class=HTMLResponse)
async def plan_new(request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep) -> Response:
    form = await request.form()

    def write() -> int:
        cmd = inspections.PlanIn(
            fm.text(form, "title"), fm.text(form, "rule_code"), fm.opt(fm.text(form, "district_code")),
            fm.opt(fm.text(form, "street_code")), fm.opt(fm.text(form, "event_note")),
        )  # fmt: skip
        with audited(uow, caller, "safety.plan", "safety_plan") as conn:
            pid = inspections.plan_inspection(conn, caller, cmd)
            set_audit_target(conn, pid)
        return pid

    def again(e: AnjuError) -> Response:
        return _plans(
            request, uow, caller, paging, inspections.PlanFilter(), values=fm.values(form), errors=e.errors,
            message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=lambda pid: f"/safety/plans/{pid}?done=planned", again=again)


def _plan(
    request: Request, uow: UowDep, caller: Any, paging: Any, plan_id: int, status: str, **extra: Any
) -> HTMLResponse:
    f = inspections.InspectionFilter(plan_id=plan_id, status=fm.opt(status))
    with uow.read() as conn:
        plan = inspections.get_plan(conn, caller.scope, plan_id)
        page = inspections.list_inspections(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return render(
        request, "safety/plan.html", status_code=extra.pop("status_code", 200), plan=plan, items=page.items,
        status=status, csv_query=_query(f), today=clock.today().isoformat(),
        pager=pager(page.total, paging.page, paging.page_size), **(LABELS | BLANK | extra),
    )  # fmt: skip


@router.get("/safety/plans/{plan_id}", response_class=HTMLResponse)
def plan_detail(
    request: Request, uow: UowDep, caller: SafetyRead, paging: PagingDep, plan_id: Id, status: Opt = "", done: Opt = ""
) -> HTMLResponse:
    return _plan(request, uow, caller, paging, plan_id, status, done=DONE.get(done))


@router.post("/safety/inspections/{inspection_id}", response_class=HTMLResponse)
async def inspection_record(
    request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep, inspection_id: Id
) -> Response:
    form = await request.form()
    plan_id = fm.opt_int(fm.text(form, "plan_id")) or 0

    def write() -> None:
        on = fm.day(form, "inspected_on")
        assert on is not None
        cmd = inspections.InspectionIn(on, fm.text(form, "finding"), fm.opt(fm.text(form, "notes")))
        with audited(uow, caller, "safety.inspect", "safety_inspection", inspection_id) as conn:
            inspections.record_inspection(conn, caller, inspection_id, cmd)

    def again(e: AnjuError) -> Response:
        return _plan(
            request, uow, caller, paging, plan_id, "", values=fm.values(form), errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=f"/safety/plans/{plan_id}?done=inspected", again=again)


# ------------------------------------------------------------------------------------------ appraisals


def _appraisals(
    request: Request, uow: UowDep, caller: Any, paging: Any, f: appraisals.AppraisalFilter, **extra: Any
) -> HTMLResponse:
    from anju.safety import agencies

    with uow.read() as conn:
        page = appraisals.list_appraisals(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        filed = agencies.list_agencies(
            conn, agencies.AgencyFilter(status="filed"), scope=caller.scope.whole_city(), limit=500, offset=0
        ).items
    return render(
        request, "safety/appraisals.html", status_code=extra.pop("status_code", 200), items=page.items, f=f,
        agencies=filed, csv_query=_query(f), pager=pager(page.total, paging.page, paging.page_size),
        today=clock.today().isoformat(), **(LABELS | BLANK | extra),
    )  # fmt: skip


@router.get("/safety/appraisals", response_class=HTMLResponse)
def appraisal_list(
    request: Request,
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: Opt = "",
    street: Opt = "",
    grade: Opt = "",
    done: Opt = "",
) -> HTMLResponse:
    f = appraisals.AppraisalFilter(fm.opt(district), fm.opt(street), fm.opt(grade))
    return _appraisals(request, uow, caller, paging, f, done=DONE.get(done))


@router.post("/safety/appraisals", response_class=HTMLResponse)
async def appraisal_new(request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep) -> Response:
    form = await request.form()

    def write() -> appraisals.Appraised:
        on = fm.day(form, "appraised_on")
        assert on is not None
        cmd = appraisals.AppraisalIn(
            fm.text(form, "house_code"), fm.integer(form, "agency_id"), fm.text(form, "grade"),
            fm.text(form, "standard"), fm.text(form, "report_no"), on, fm.opt(fm.text(form, "summary")),
        )  # fmt: skip
        if cmd.grade in domain.DANGEROUS:
            fm.confirmed(form, "C、D 级将立危房隐患案件并限制该楼全部房屋")
        with audited(uow, caller, "safety.appraise", "safety_appraisal") as conn:
            got = appraisals.record_appraisal(conn, caller, cmd)
            set_audit_target(conn, got["id"])
        return got

    def again(e: AnjuError) -> Response:
        return _appraisals(
            request, uow, caller, paging, appraisals.AppraisalFilter(), values=fm.values(form), errors=e.errors,
            message=e.message, status_code=e.status_code,
        )  # fmt: skip

    def done(got: appraisals.Appraised) -> str:
        return (
            f"/safety/hazards/{got['hazard_id']}?done=hazard"
            if got["hazard_id"]
            else "/safety/appraisals?done=appraised"
        )

    return form_action(write, done=done, again=again)


# ------------------------------------------------------------------------------------------- hazards


@router.get("/safety/hazards", response_class=HTMLResponse)
def hazard_list(
    request: Request,
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: Opt = "",
    street: Opt = "",
    status: Opt = "",
    path: Opt = "",
    grade: Opt = "",
    overdue: Opt = "",
) -> HTMLResponse:
    f = hazards.HazardFilter(
        fm.opt(district), fm.opt(street), fm.opt(status), fm.opt(path), fm.opt(grade), overdue == "1"
    )
    with uow.read() as conn:
        page = hazards.list_hazards(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return render(
        request, "safety/hazards.html", items=page.items, f=f, csv_query=_query(f),
        pager=pager(page.total, paging.page, paging.page_size), **LABELS,
    )  # fmt: skip


def _hazard(request: Request, uow: UowDep, caller: Any, hazard_id: int, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        h = hazards.get_hazard(conn, caller.scope, hazard_id)
    return render(request, "safety/hazard.html", status_code=extra.pop("status_code", 200), h=h,
                  today=clock.today().isoformat(), **(LABELS | BLANK | extra))  # fmt: skip


@router.get("/safety/hazards/{hazard_id}", response_class=HTMLResponse)
def hazard_detail(request: Request, uow: UowDep, caller: SafetyRead, hazard_id: Id, done: Opt = "") -> HTMLResponse:
    return _hazard(request, uow, caller, hazard_id, done=DONE.get(done))


def _hazard_again(request: Request, uow: UowDep, caller: Any, hazard_id: int, form: Any) -> Any:
    def again(e: AnjuError) -> Response:
        return _hazard(
            request, uow, caller, hazard_id, values=fm.values(form), errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return again


@router.post("/safety/hazards/{hazard_id}/path", response_class=HTMLResponse)
async def hazard_path(request: Request, uow: UowDep, caller: SafetySupervise, hazard_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        due = fm.day(form, "due_on")
        assert due is not None
        cmd = hazards.PathIn(fm.text(form, "path"), due, fm.text(form, "measures"))
        with audited(uow, caller, "safety.hazard_path", "safety_hazard", hazard_id) as conn:
            hazards.decide_path(conn, caller, hazard_id, cmd)

    return form_action(
        write, done=f"/safety/hazards/{hazard_id}?done=path", again=_hazard_again(request, uow, caller, hazard_id, form)
    )


@router.post("/safety/hazards/{hazard_id}/close", response_class=HTMLResponse)
async def hazard_close(request: Request, uow: UowDep, caller: SafetySupervise, hazard_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        fm.confirmed(form, "销案将解除限制；拆除销案将把楼幢及其房屋在楼盘表中改为“拆除”")
        cmd = hazards.CloseIn(
            fm.text(form, "closure"), fm.text(form, "reason"), fm.day(form, "closed_on", required=False)
        )
        with audited(uow, caller, "safety.hazard_close", "safety_hazard", hazard_id) as conn:
            hazards.close_case(conn, caller, hazard_id, cmd)

    return form_action(
        write,
        done=f"/safety/hazards/{hazard_id}?done=closed",
        again=_hazard_again(request, uow, caller, hazard_id, form),
    )


# ----------------------------------------------------------------------------- permits, curtain walls


def _permits(
    request: Request, uow: UowDep, caller: Any, paging: Any, status: str, overdue: bool, **extra: Any
) -> HTMLResponse:
    with uow.read() as conn:
        page = records.list_permits(
            conn, scope=caller.scope, status=fm.opt(status), overdue=overdue, limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
    return render(
        request, "safety/permits.html", status_code=extra.pop("status_code", 200), items=page.items, status=status,
        overdue=overdue, pager=pager(page.total, paging.page, paging.page_size), **(LABELS | BLANK | extra),
    )  # fmt: skip


@router.get("/safety/permits", response_class=HTMLResponse)
def permit_list(
    request: Request, uow: UowDep, caller: SafetyRead, paging: PagingDep, status: Opt = "", overdue: Opt = "",
    done: Opt = "",
) -> HTMLResponse:  # fmt: skip
    return _permits(request, uow, caller, paging, status, overdue == "1", done=DONE.get(done))


@router.post("/safety/permits", response_class=HTMLResponse)
async def permit_new(request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep) -> Response:
    form = await request.form()

    def write() -> None:
        cmd = records.PermitIn(fm.text(form, "house_code"), fm.text(form, "applicant"), fm.text(form, "works"))
        with audited(uow, caller, "safety.permit_apply", "safety_permit") as conn:
            set_audit_target(conn, records.apply_permit(conn, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _permits(request, uow, caller, paging, "", False, values=fm.values(form), errors=e.errors,
                        message=e.message, status_code=e.status_code)  # fmt: skip

    return form_action(write, done="/safety/permits?done=permit", again=again)


@router.post("/safety/permits/{permit_id}/decide", response_class=HTMLResponse)
async def permit_decide(
    request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep, permit_id: Id
) -> Response:
    form = await request.form()

    def write() -> None:
        fm.confirmed(form, "许可决定作出后不能更改")
        approve = fm.text(form, "decision") == "approve"
        with audited(uow, caller, "safety.permit_decide", "safety_permit", permit_id) as conn:
            records.decide_permit(conn, caller, permit_id, approve, fm.text(form, "note"))

    def again(e: AnjuError) -> Response:
        return _permits(request, uow, caller, paging, "", False, errors=e.errors, message=e.message,
                        status_code=e.status_code)  # fmt: skip

    return form_action(write, done="/safety/permits?done=decided", again=again)


def _walls(request: Request, uow: UowDep, caller: Any, paging: Any, overdue: bool, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        page = records.list_curtain_walls(
            conn, scope=caller.scope, overdue=overdue, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request, "safety/curtain_walls.html", status_code=extra.pop("status_code", 200), items=page.items,
        overdue=overdue, today=clock.today().isoformat(), pager=pager(page.total, paging.page, paging.page_size),
        **(LABELS | BLANK | extra),
    )  # fmt: skip


@router.get("/safety/curtain-walls", response_class=HTMLResponse)
def wall_list(
    request: Request, uow: UowDep, caller: SafetyRead, paging: PagingDep, overdue: Opt = "", done: Opt = ""
) -> HTMLResponse:
    return _walls(request, uow, caller, paging, overdue == "1", done=DONE.get(done))


@router.post("/safety/curtain-walls", response_class=HTMLResponse)
async def wall_new(request: Request, uow: UowDep, caller: SafetySupervise, paging: PagingDep) -> Response:
    form = await request.form()

    def write() -> None:
        on = fm.day(form, "inspected_on")
        assert on is not None
        cmd = records.CurtainIn(
            fm.text(form, "house_code"), on, fm.text(form, "result"), fm.opt(fm.text(form, "notes"))
        )
        with audited(uow, caller, "safety.curtain_wall", "safety_curtain_wall") as conn:
            set_audit_target(conn, records.record_curtain_wall(conn, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _walls(request, uow, caller, paging, False, values=fm.values(form), errors=e.errors,
                      message=e.message, status_code=e.status_code)  # fmt: skip

    return form_action(write, done="/safety/curtain-walls?done=wall", again=again)
