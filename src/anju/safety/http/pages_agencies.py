"""Pages of appraisal agencies (``/safety/agencies…``): the list with filters, pagination, CSV and the
filing form; the detail with engineers (masked), violations, the status, engineer and violation forms;
the random-check form (a credit draw). Thin: parse the form, call a service, render or redirect."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core.errors import AnjuError
from anju.safety import agencies, domain
from anju.safety.http import forms as fm
from anju.safety.http.deps import SafetyAgencies, SafetyRead
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Opt = Annotated[str, Query(max_length=100)]
DONE = {
    "filed": "鉴定机构备案已登记。",
    "status": "备案状态已变更。",
    "engineer": "工程师已登记。",
    "violation": "违规已登记，并记入该机构的信用档案。",
}
LABELS: Final[dict[str, Any]] = {
    "qualifications": domain.QUALIFICATIONS,
    "agency_statuses": domain.AGENCY_STATUSES,
    "titles": domain.ENGINEER_TITLES,
    "severities": domain.SEVERITIES,
}


def _list(
    request: Request, uow: UowDep, caller: Any, paging: Any, f: agencies.AgencyFilter, **extra: Any
) -> HTMLResponse:
    with uow.read() as conn:
        page = agencies.list_agencies(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        districts = divisions.by_level(conn, "district")
        streets = [s for s in divisions.by_level(conn, "street") if caller.scope.allows(s.code)]
    return render(
        request,
        "safety/agencies.html",
        status_code=extra.pop("status_code", 200),
        items=page.items,
        f=f,
        districts=districts,
        streets=streets,
        csv_query=urlencode({k: v for k, v in vars(f).items() if v}),
        pager=pager(page.total, paging.page, paging.page_size),
        **(LABELS | {"values": {}, "errors": [], "message": None, "done": None} | extra),
    )


@router.get("/safety/agencies", response_class=HTMLResponse)
def agency_list(
    request: Request,
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: Opt = "",
    qualification: Opt = "",
    status: Opt = "",
    q: Opt = "",
    done: Opt = "",
) -> HTMLResponse:
    f = agencies.AgencyFilter(fm.opt(district), fm.opt(qualification), fm.opt(status), fm.opt(q))
    return _list(request, uow, caller, paging, f, done=DONE.get(done))


@router.post("/safety/agencies", response_class=HTMLResponse)
async def agency_file(
    request: Request, uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, paging: PagingDep
) -> Response:
    form = await request.form()

    def write() -> int:
        cmd = agencies.AgencyIn(
            fm.text(form, "credit_code"), fm.text(form, "name"), fm.text(form, "qualification"),
            fm.text(form, "street_code"),
        )  # fmt: skip
        with audited(uow, caller, "safety.file_agency", "safety_agency") as conn:
            aid = agencies.file_agency(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, aid)
        return aid

    def again(e: AnjuError) -> Response:
        return _list(
            request, uow, caller, paging, agencies.AgencyFilter(), values=fm.values(form), errors=e.errors,
            message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=lambda aid: f"/safety/agencies/{aid}?done=filed", again=again)


def _detail(request: Request, uow: UowDep, caller: Any, agency_id: int, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        a = agencies.get_agency(conn, caller.scope, agency_id)
    return render(
        request,
        "safety/agency.html",
        status_code=extra.pop("status_code", 200),
        a=a,
        **(LABELS | {"values": {}, "errors": [], "message": None, "done": None} | extra),
    )


@router.get("/safety/agencies/{agency_id}", response_class=HTMLResponse)
def agency_detail(request: Request, uow: UowDep, caller: SafetyRead, agency_id: Id, done: Opt = "") -> HTMLResponse:
    return _detail(request, uow, caller, agency_id, done=DONE.get(done))


def _again(request: Request, uow: UowDep, caller: Any, agency_id: int, form: Any) -> Any:
    def again(e: AnjuError) -> Response:
        return _detail(
            request, uow, caller, agency_id, values=fm.values(form), errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return again


@router.post("/safety/agencies/{agency_id}/status", response_class=HTMLResponse)
async def agency_status(request: Request, uow: UowDep, caller: SafetyAgencies, agency_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        fm.confirmed(form, "变更备案状态（注销不可恢复）")
        with audited(uow, caller, "safety.agency_status", "safety_agency", agency_id) as conn:
            agencies.change_status(conn, caller, agency_id, fm.text(form, "action"), fm.text(form, "reason"))

    return form_action(
        write, done=f"/safety/agencies/{agency_id}?done=status", again=_again(request, uow, caller, agency_id, form)
    )


@router.post("/safety/agencies/{agency_id}/engineers", response_class=HTMLResponse)
async def agency_engineer(
    request: Request, uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, agency_id: Id
) -> Response:
    form = await request.form()

    def write() -> None:
        cmd = agencies.EngineerIn(fm.text(form, "name"), fm.text(form, "title"), fm.text(form, "cert_no"))
        with audited(uow, caller, "safety.add_engineers", "safety_agency", agency_id) as conn:
            agencies.add_engineers(conn, sec.keyring, caller, agency_id, [cmd])

    return form_action(
        write, done=f"/safety/agencies/{agency_id}?done=engineer", again=_again(request, uow, caller, agency_id, form)
    )


@router.post("/safety/agencies/{agency_id}/violations", response_class=HTMLResponse)
async def agency_violation(
    request: Request, uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, agency_id: Id
) -> Response:
    form = await request.form()

    def write() -> None:
        on = fm.day(form, "occurred_on")
        assert on is not None
        fm.confirmed(form, "违规将记入该机构的信用档案")
        cmd = agencies.ViolationIn(on, fm.text(form, "severity"), fm.text(form, "reason"))
        with audited(uow, caller, "safety.violation", "safety_agency", agency_id) as conn:
            agencies.record_violation(conn, sec.keyring, caller, agency_id, cmd)

    return form_action(
        write, done=f"/safety/agencies/{agency_id}?done=violation", again=_again(request, uow, caller, agency_id, form)
    )


def _draw_page(request: Request, **extra: Any) -> HTMLResponse:
    return render(
        request,
        "safety/draw.html",
        status_code=extra.pop("status_code", 200),
        **({"values": {}, "errors": [], "message": None, "done": None} | extra),
    )


@router.get("/safety/draws/new", response_class=HTMLResponse)
def draw_form(request: Request, caller: SafetyAgencies) -> HTMLResponse:
    return _draw_page(request)


@router.post("/safety/draws/new", response_class=HTMLResponse)
async def draw_start(request: Request, uow: UowDep, sec: SecurityDep, caller: SafetyAgencies) -> Response:
    form = await request.form()

    def write() -> int:
        inspectors = [x.strip() for x in fm.text(form, "inspectors").replace("，", ",").split(",") if x.strip()]
        cmd = agencies.DrawIn(
            fm.text(form, "title"), fm.integer(form, "sample_size"), inspectors, fm.opt(fm.text(form, "district_code"))
        )
        with audited(uow, caller, "safety.draw", "credit_inspection_draw") as conn:
            draw = agencies.start_draw(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, draw)
        return draw

    def again(e: AnjuError) -> Response:
        return _draw_page(
            request, values=fm.values(form), errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done=lambda d: f"/credit/inspections/{d}", again=again)
