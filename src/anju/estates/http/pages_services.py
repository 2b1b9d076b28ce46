"""Pages of property services (``/property/…``): companies (list with filters and CSV, filing form,
detail with suspend / reinstate / cancel), projects (list, new-project form, detail with handover and
end forms), tenders (list with the new-tender form, detail with bids, close, scores and award) and
coverage by district → street against the plan's target. Thin: parse the form, call a service,
render or redirect (303).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from anju import divisions
from anju.core import clock, money
from anju.core.errors import AnjuError, NotFound, ValidationError
from anju.estates import domain, services_companies, services_coverage, services_projects, services_tenders
from anju.estates.http.deps import EstatesCompany, EstatesRead, EstatesSupervise
from anju.estates.services_rules import PRICE_WEIGHT, TECHNICAL_WEIGHT
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Opt = Annotated[str, Query(max_length=100)]
DONE = {
    "filed": "企业备案已登记。",
    "status": "企业备案状态已变更。",
    "created": "物业服务项目已登记。",
    "ended": "项目已终止。",
    "handover": "承接查验记录已登记。",
    "tender": "招标已发布。",
    "bid": "投标已登记。",
    "closed": "投标已截止，可以评分。",
    "scored": "评分已录入。",
    "awarded": "已定标。",
    "cancelled": "招标已撤销。",
}


#: What every page of this module shows its codes with.
LABELS: Final[dict[str, Any]] = {
    "qualifications": domain.QUALIFICATIONS,
    "company_statuses": domain.COMPANY_STATUSES,
    "project_kinds": domain.PROJECT_KINDS,
    "chosen_by": domain.CHOSEN_BY,
    "project_statuses": domain.PROJECT_STATUSES,
    "service_levels": domain.SERVICE_LEVELS,
    "tender_statuses": domain.TENDER_STATUSES,
    "handover_results": domain.HANDOVER_RESULTS,
    "yuan": money.fen_to_yuan,
    "done_labels": DONE,
}


def _text(form: FormData, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def _int(form: FormData, name: str) -> int:
    """An integer form field; a non-number is refused naming the field."""
    v = _text(form, name)
    if not v.lstrip("-").isdigit() or len(v) > 18:
        raise ValidationError.of(name, "应为整数")
    return int(v)


def _date(form: FormData, name: str) -> date:
    try:
        return date.fromisoformat(_text(form, name))
    except ValueError:
        raise ValidationError.of(name, "应为日期（YYYY-MM-DD）") from None


def _opt_int(v: str) -> int | None:
    return int(v) if v.isdigit() and len(v) < 18 else None


# ------------------------------------------------------------------------------------------ companies


def _companies_page(
    request: Request, uow: UowDep, caller: Any, paging: Any, f: services_companies.CompanyFilter, **extra: Any
) -> HTMLResponse:
    with uow.read() as conn:
        page = services_companies.list_companies(
            conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        districts = divisions.by_level(conn, "district")
        streets = [s for s in divisions.by_level(conn, "street") if caller.scope.allows(s.code)]
    query = urlencode({k: v for k, v in vars(f).items() if v})
    return render(
        request,
        "estates/services_companies.html",
        status_code=extra.pop("status_code", 200),
        items=page.items,
        f=f,
        districts=districts,
        streets=streets,
        csv_query=query,
        pager=pager(page.total, paging.page, paging.page_size),
        **(LABELS | {"values": {}, "errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/companies", response_class=HTMLResponse)
def companies(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: Opt = "",
    qualification: Opt = "",
    status: Opt = "",
    q: Opt = "",
    done: Opt = "",
) -> HTMLResponse:
    f = services_companies.CompanyFilter(district or None, qualification or None, status or None, q or None)
    return _companies_page(request, uow, caller, paging, f, done=DONE.get(done))


@router.post("/property/companies", response_class=HTMLResponse)
async def file_company(
    request: Request, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, paging: PagingDep
) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def write() -> int:
        staff = _int(form, "staff") if _text(form, "staff") else 0
        cmd = services_companies.CompanyIn(
            _text(form, "credit_code"), _text(form, "name"), _text(form, "qualification"), staff,
            _text(form, "street_code"),
        )  # fmt: skip
        with audited(uow, caller, "estates.file_company", "estates_company") as conn:
            cid = services_companies.file_company(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, cid)
        return cid

    def again(e: AnjuError) -> Response:
        return _companies_page(
            request, uow, caller, paging, services_companies.CompanyFilter(),
            values=values, errors=e.errors, message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=lambda cid: f"/property/companies/{cid}?done=filed", again=again)


def _company_page(request: Request, uow: UowDep, caller: Any, company_id: int, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        c = services_companies.get_company(conn, caller.scope, company_id)
    return render(
        request,
        "estates/services_company.html",
        status_code=extra.pop("status_code", 200),
        c=c,
        **(LABELS | {"errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/companies/{company_id}", response_class=HTMLResponse)
def company(request: Request, uow: UowDep, caller: EstatesRead, company_id: Id, done: Opt = "") -> HTMLResponse:
    return _company_page(request, uow, caller, company_id, done=DONE.get(done))


@router.post("/property/companies/{company_id}/status", response_class=HTMLResponse)
async def company_status(request: Request, uow: UowDep, caller: EstatesSupervise, company_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        with audited(uow, caller, "estates.company_status", "estates_company", company_id) as conn:
            services_companies.change_status(conn, caller, company_id, _text(form, "action"), _text(form, "reason"))

    def again(e: AnjuError) -> Response:
        return _company_page(
            request, uow, caller, company_id, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done=f"/property/companies/{company_id}?done=status", again=again)


# ------------------------------------------------------------------------------------------- projects


@router.get("/property/projects", response_class=HTMLResponse)
def projects(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: Opt = "",
    street: Opt = "",
    company_id: Opt = "",
    status: Opt = "",
    expiring_within: Opt = "",
) -> HTMLResponse:
    f = services_projects.ProjectFilter(
        district or None, street or None, _opt_int(company_id), status or None, _opt_int(expiring_within)
    )
    with uow.read() as conn:
        page = services_projects.list_projects(
            conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        names = divisions.names(conn, {p["street_code"] for p in page.items})
    return render(
        request,
        "estates/services_projects.html",
        items=page.items,
        f=f,
        street_names=names,
        csv_query=urlencode({k: v for k, v in vars(f).items() if v is not None}),
        pager=pager(page.total, paging.page, paging.page_size),
        **LABELS,
    )


def _project_form(request: Request, uow: UowDep, caller: Any, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        companies = services_companies.filed_choices(conn)
    return render(
        request,
        "estates/services_project_new.html",
        status_code=extra.pop("status_code", 200),
        companies=companies,
        **(LABELS | {"values": {}, "errors": [], "message": None} | extra),
    )


@router.get("/property/projects/new", response_class=HTMLResponse)
def project_form(
    request: Request, uow: UowDep, caller: EstatesSupervise, estate_id: Opt = "", tender_id: Opt = ""
) -> HTMLResponse:
    return _project_form(request, uow, caller, values={"estate_id": estate_id, "tender_id": tender_id})


FEE_FIELDS = {"fee_residential": "住宅", "fee_commercial": "商业", "fee_office": "办公", "fee_parking": "车库"}


@router.post("/property/projects/new", response_class=HTMLResponse)
async def project_create(request: Request, uow: UowDep, caller: EstatesSupervise) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def write() -> int:
        fees = {use: money.yuan_to_fen(_text(form, k), k) for k, use in FEE_FIELDS.items() if _text(form, k)}
        tender, vote = _text(form, "tender_id"), _text(form, "vote_id")
        cmd = services_projects.ProjectIn(
            estate_id=_int(form, "estate_id"),
            company_id=_int(form, "company_id"),
            kind=_text(form, "kind"),
            chosen_by=_text(form, "chosen_by"),
            contract_no=_text(form, "contract_no"),
            starts_on=_date(form, "starts_on"),
            ends_on=_date(form, "ends_on"),
            service_level=_text(form, "service_level"),
            fees=fees,
            tender_id=_int(form, "tender_id") if tender else None,
            vote_id=_int(form, "vote_id") if vote else None,
        )
        with audited(uow, caller, "estates.create_project", "estates_project") as conn:
            pid = services_projects.create_project(conn, caller, cmd)
            set_audit_target(conn, pid)
        return pid

    def again(e: AnjuError) -> Response:
        return _project_form(
            request, uow, caller, values=values, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(
        write, done=lambda pid: f"/property/projects/{pid}?done=created", again=again, not_found_is_error_page=False
    )


def _project_page(request: Request, uow: UowDep, caller: Any, project_id: int, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        p = services_projects.get_project(conn, caller.scope, project_id)
    return render(
        request,
        "estates/services_project.html",
        status_code=extra.pop("status_code", 200),
        p=p,
        today=clock.today(),
        **(LABELS | {"errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/projects/{project_id}", response_class=HTMLResponse)
def project(request: Request, uow: UowDep, caller: EstatesRead, project_id: Id, done: Opt = "") -> HTMLResponse:
    return _project_page(request, uow, caller, project_id, done=DONE.get(done))


@router.post("/property/projects/{project_id}/handovers", response_class=HTMLResponse)
async def project_handover(request: Request, uow: UowDep, caller: EstatesSupervise, project_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        cmd = services_projects.HandoverIn(
            _date(form, "inspected_on"), _int(form, "items_checked"), _int(form, "defects"), _text(form, "result"),
            _text(form, "note") or None,
        )  # fmt: skip
        with audited(uow, caller, "estates.record_handover", "estates_project", project_id) as conn:
            services_projects.record_handover(conn, caller, project_id, cmd)

    def again(e: AnjuError) -> Response:
        return _project_page(
            request, uow, caller, project_id, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done=f"/property/projects/{project_id}?done=handover", again=again)


@router.post("/property/projects/{project_id}/end", response_class=HTMLResponse)
async def project_end(request: Request, uow: UowDep, caller: EstatesSupervise, project_id: Id) -> Response:
    form = await request.form()

    def write() -> None:
        on = _date(form, "ended_on")
        with audited(uow, caller, "estates.end_project", "estates_project", project_id) as conn:
            services_projects.end_project(conn, caller, project_id, _text(form, "action"), on, _text(form, "reason"))

    def again(e: AnjuError) -> Response:
        return _project_page(
            request, uow, caller, project_id, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done=f"/property/projects/{project_id}?done=ended", again=again)


# -------------------------------------------------------------------------------------------- tenders


def _tenders_page(request: Request, uow: UowDep, caller: Any, paging: Any, f: Any, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        page = services_tenders.list_tenders(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "estates/services_tenders.html",
        status_code=extra.pop("status_code", 200),
        items=page.items,
        f=f,
        pager=pager(page.total, paging.page, paging.page_size),
        **(LABELS | {"values": {}, "errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/tenders", response_class=HTMLResponse)
def tenders(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: Opt = "",
    street: Opt = "",
    status: Opt = "",
    done: Opt = "",
) -> HTMLResponse:
    f = services_tenders.TenderFilter(district or None, street or None, status or None)
    return _tenders_page(request, uow, caller, paging, f, done=DONE.get(done))


@router.post("/property/tenders", response_class=HTMLResponse)
async def tender_create(request: Request, uow: UowDep, caller: EstatesSupervise, paging: PagingDep) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}

    def write() -> int:
        cmd = services_tenders.TenderIn(
            _int(form, "estate_id"), _text(form, "kind"), _text(form, "title"), _date(form, "closes_on")
        )
        with audited(uow, caller, "estates.create_tender", "estates_tender") as conn:
            tid = services_tenders.create_tender(conn, caller, cmd)
            set_audit_target(conn, tid)
        return tid

    def again(e: AnjuError) -> Response:
        return _tenders_page(
            request, uow, caller, paging, services_tenders.TenderFilter(),
            values=values, errors=e.errors, message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=lambda tid: f"/property/tenders/{tid}?done=tender", again=again)


def _tender_page(request: Request, uow: UowDep, caller: Any, tender_id: int, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        t = services_tenders.get_tender(conn, caller.scope, tender_id)
        companies = services_companies.filed_choices(conn) if t["status"] == "open" else []
    return render(
        request,
        "estates/services_tender.html",
        status_code=extra.pop("status_code", 200),
        t=t,
        companies=companies,
        weights=(TECHNICAL_WEIGHT, PRICE_WEIGHT),
        **(LABELS | {"errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/tenders/{tender_id}", response_class=HTMLResponse)
def tender(request: Request, uow: UowDep, caller: EstatesRead, tender_id: Id, done: Opt = "") -> HTMLResponse:
    return _tender_page(request, uow, caller, tender_id, done=DONE.get(done))


@router.post("/property/tenders/{tender_id}/{step}", response_class=HTMLResponse)
async def tender_step(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
    tender_id: Id,
    step: Literal["bids", "close", "scores", "award", "cancel"],
) -> Response:
    """One step of a tender: record a bid, close the bidding, enter the scores, award."""
    form = await request.form()

    def write() -> None:
        if step == "bids":
            company, fee = _int(form, "company_id"), money.yuan_to_fen(_text(form, "fee_yuan"), "fee_yuan")
            with audited(uow, caller, "estates.bid", "estates_bid") as conn:
                bid = services_tenders.submit_bid(
                    conn, sec.keyring, caller, tender_id, company, fee, _text(form, "note")
                )
                set_audit_target(conn, bid)
        elif step == "close":
            with audited(uow, caller, "estates.close_tender", "estates_tender", tender_id) as conn:
                services_tenders.close_tender(conn, caller, tender_id)
        elif step == "scores":
            technical = {
                int(k.removeprefix("tech_")): v
                for k, v in form.items()
                if k.startswith("tech_") and k[5:].isdigit() and isinstance(v, str)
            }
            with audited(uow, caller, "estates.score_bids", "estates_tender", tender_id) as conn:
                services_tenders.score_bids(conn, caller, tender_id, technical)
        elif step == "cancel":
            with audited(uow, caller, "estates.cancel_tender", "estates_tender", tender_id) as conn:
                services_tenders.cancel_tender(conn, caller, tender_id)
        else:
            with audited(uow, caller, "estates.award_tender", "estates_tender", tender_id) as conn:
                services_tenders.award(conn, sec.keyring, caller, tender_id)

    def again(e: AnjuError) -> Response:
        return _tender_page(
            request, uow, caller, tender_id, errors=e.errors, message=e.message, status_code=e.status_code
        )

    done = {"bids": "bid", "close": "closed", "scores": "scored", "award": "awarded", "cancel": "cancelled"}[step]
    return form_action(write, done=f"/property/tenders/{tender_id}?done={done}", again=again)


# ------------------------------------------------------------------------------ the company's own staff


def _mine_page(request: Request, uow: UowDep, caller: Any, paging: Any, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        try:
            mine: services_companies.CompanyDetail | None = services_companies.my_company(conn, caller)
        except NotFound:
            mine = None
        page = services_tenders.open_tenders(conn, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "estates/services_mine.html",
        status_code=extra.pop("status_code", 200),
        c=mine,
        items=page.items if mine else [],
        pager=pager(page.total if mine else 0, paging.page, paging.page_size),
        **(LABELS | {"errors": [], "message": None, "done": None} | extra),
    )


@router.get("/property/me/company", response_class=HTMLResponse)
def my_company(
    request: Request, uow: UowDep, caller: EstatesCompany, paging: PagingDep, done: Opt = ""
) -> HTMLResponse:
    """The company's page: its filing (the bureau files it), its projects, the open tenders to bid for."""
    return _mine_page(request, uow, caller, paging, done=DONE.get(done))


@router.post("/property/me/tenders/{tender_id}/bids", response_class=HTMLResponse)
async def my_bid(
    request: Request, uow: UowDep, sec: SecurityDep, caller: EstatesCompany, paging: PagingDep, tender_id: Id
) -> Response:
    form = await request.form()

    def write() -> None:
        fee = money.yuan_to_fen(_text(form, "fee_yuan"), "fee_yuan")
        with audited(uow, caller, "estates.bid", "estates_bid") as conn:
            bid = services_tenders.submit_bid(conn, sec.keyring, caller, tender_id, None, fee, _text(form, "note"))
            set_audit_target(conn, bid)

    def again(e: AnjuError) -> Response:
        return _mine_page(request, uow, caller, paging, errors=e.errors, message=e.message, status_code=e.status_code)

    return form_action(write, done="/property/me/company?done=bid", again=again)


# ------------------------------------------------------------------------------------------- coverage


@router.get("/property/coverage", response_class=HTMLResponse)
def coverage(request: Request, uow: UowDep, caller: EstatesRead, district: Opt = "") -> HTMLResponse:
    with uow.read() as conn:
        report = services_coverage.coverage_report(conn, caller.scope, district or None)
        districts = [d for d in divisions.by_level(conn, "district") if caller.scope.allows_division(d.code)]
    return render(
        request,
        "estates/services_coverage.html",
        r=report,
        district=district,
        districts=districts,
    )
