"""Pages of service quality: the owner's complaint form and 我的投诉, a company's complaints and its
reply, the street's queue (overdue first, filters, CSV) and the complaint with its timeline and the
street's actions; annual evaluations (list, CSV, the scoring form); random inspections of companies
(a credit draw). Thin: parse the form, call a service, render or redirect.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from anju import divisions, registry
from anju.core import clock, csvout
from anju.core.errors import AnjuError
from anju.estates import domain, quality_complaints, quality_evaluations, quality_inspections, quality_rules
from anju.estates.http.deps import EstatesCompany, EstatesOwn, EstatesRead, EstatesSupervise
from anju.security import Caller, SecurityDep, allow, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Done = Annotated[str, Query(max_length=24)]
CreditInspect = Annotated[Caller, allow("credit.inspect")]
CF = quality_complaints.ComplaintFilter
EF = quality_evaluations.EvaluationFilter
DONE = {
    "filed": "投诉已提交，已分派至小区所在街道。",
    "replied": "答复已提交。",
    "taken": "已开始办理。",
    "resolved": "已办结，答复已告知业主。",
    "rejected": "已不予受理，理由已告知业主。",
    "evaluated": "年度考评已登记。",
}
MODES = {"staff": "/property/complaints", "mine": "/property/me/complaints", "company": "/property/company/complaints"}


class _Labels(TypedDict):
    categories: dict[str, str]
    statuses: dict[str, str]
    grades: dict[str, str]
    synthetic: bool


def _ctx(conn: Any) -> _Labels:
    return {
        "categories": dict(domain.COMPLAINT_CATEGORIES),
        "statuses": dict(domain.COMPLAINT_STATUSES),
        "grades": dict(domain.EVALUATION_GRADES),
        "synthetic": registry.synthetic_scale(conn) is not None,
    }


# ---------------------------------------------------------------------------------------- complaints


def _list_page(
    request: Request, uow: UowDep, caller: Caller, mode: str, f: CF, paging: PagingDep, fv: dict[str, str], done: str
) -> HTMLResponse:
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller, as_company=mode == "company")
        page = quality_complaints.list_complaints(conn, v, f, limit=paging.page_size, offset=paging.offset)
        names = divisions.names(conn, {i["street_code"] for i in page.items})
        ctx = _ctx(conn)
    return render(
        request,
        "estates/quality_complaints.html",
        mode=mode,
        base=MODES[mode],
        items=page.items,
        names=names,
        f=fv,
        done=DONE.get(done),
        pager=pager(page.total, paging.page, paging.page_size),
        **ctx,
    )


StatusQ = Annotated[Literal["", "received", "company", "handling", "resolved", "rejected"], Query()]
CategoryQ = Annotated[
    Literal["", "cleaning", "security", "repair", "greening", "fees", "parking", "attitude", "other"], Query()
]
StreetQ = Annotated[str, Query(pattern=r"^(\d{9,12})?$")]
FlagQ = Annotated[Literal["", "1"], Query()]


def _filter(status: str, category: str, street: str, overdue: str, open_only: str) -> CF:
    return CF(status or None, category or None, street or None, overdue == "1", open_only == "1" and not status)


@router.get("/property/complaints", response_class=HTMLResponse)
def queue(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: StatusQ = "",
    category: CategoryQ = "",
    street: StreetQ = "",
    overdue: FlagQ = "",
    open_only: Annotated[Literal["", "1"], Query(alias="open")] = "1",
    done: Done = "",
) -> HTMLResponse:
    """物业投诉处理：辖区街道的队列（未办结的在前，超期的标出），按状态、类别、街道、超期筛选。"""
    fv = {"status": status, "category": category, "street": street, "overdue": overdue, "open": open_only}
    f = _filter(status, category, street, overdue, open_only)
    return _list_page(request, uow, caller, "staff", f, paging, fv, done)


@router.get("/property/complaints.csv")
def queue_csv(
    uow: UowDep,
    caller: EstatesRead,
    status: StatusQ = "",
    category: CategoryQ = "",
    street: StreetQ = "",
    overdue: FlagQ = "",
    open_only: Annotated[Literal["", "1"], Query(alias="open")] = "",
) -> StreamingResponse:
    """The queue with the same filters as CSV (the synthetic label as a last row when synthetic)."""
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller)
        rows = list(quality_complaints.csv_rows(conn, v, _filter(status, category, street, overdue, open_only)))
        note = domain.SYNTHETIC_LABEL if _ctx(conn)["synthetic"] else None
    return csvout.response("物业投诉.csv", quality_complaints.CSV_COLUMNS, rows, note=note)


def _detail(
    request: Request,
    uow: UowDep,
    caller: Caller,
    mode: str,
    complaint_id: int,
    *,
    done: str = "",
    error: AnjuError | None = None,
) -> HTMLResponse:
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller, as_company=mode == "company")
        c = quality_complaints.get_complaint(conn, v, complaint_id)
        names = divisions.names(conn, {c["street_code"], c["district_code"]})
        ctx = _ctx(conn)
    return render(
        request,
        "estates/quality_complaint.html",
        status_code=error.status_code if error else 200,
        mode=mode,
        base=MODES[mode],
        c=c,
        names=names,
        done=DONE.get(done),
        message=error.message if error else None,
        errors=error.errors if error else [],
        **ctx,
    )


@router.get("/property/complaints/{complaint_id}", response_class=HTMLResponse)
def staff_detail(request: Request, uow: UowDep, caller: EstatesRead, complaint_id: Id, done: Done = "") -> HTMLResponse:
    return _detail(request, uow, caller, "staff", complaint_id, done=done)


def _act(
    request: Request,
    uow: UowDep,
    caller: Caller,
    complaint_id: int,
    action: str,
    done: str,
    write: Any,
    mode: str = "staff",
) -> Response:
    def run() -> None:
        with audited(uow, caller, action, "estates_complaint", complaint_id) as conn:
            write(conn)

    def again(e: AnjuError) -> Response:
        return _detail(request, uow, caller, mode, complaint_id, error=e)

    return form_action(run, done=f"{MODES[mode]}/{complaint_id}?done={done}", again=again)


@router.post("/property/complaints/{complaint_id}/take", response_class=HTMLResponse)
def take(request: Request, uow: UowDep, caller: EstatesSupervise, complaint_id: Id) -> Response:
    return _act(
        request,
        uow,
        caller,
        complaint_id,
        "estates.take_complaint",
        "taken",
        lambda conn: quality_complaints.take_complaint(conn, caller, complaint_id),
    )


@router.post("/property/complaints/{complaint_id}/company-reply", response_class=HTMLResponse)
def record_reply(
    request: Request,
    uow: UowDep,
    caller: EstatesSupervise,
    complaint_id: Id,
    reply: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        uow,
        caller,
        complaint_id,
        "estates.record_company_reply",
        "replied",
        lambda conn: quality_complaints.company_reply(conn, caller, complaint_id, reply, as_company=False),
    )


@router.post("/property/complaints/{complaint_id}/resolution", response_class=HTMLResponse)
def resolution(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesSupervise,
    complaint_id: Id,
    upheld: Annotated[Literal["", "yes", "no"], Form()] = "",
    reply: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    verdict = {"yes": True, "no": False}.get(upheld)
    return _act(
        request,
        uow,
        caller,
        complaint_id,
        "estates.resolve_complaint",
        "resolved",
        lambda conn: quality_complaints.resolve_complaint(
            conn, sec.keyring, caller, complaint_id, upheld=verdict, reply=reply
        ),
    )


@router.post("/property/complaints/{complaint_id}/rejection", response_class=HTMLResponse)
def rejection(
    request: Request,
    uow: UowDep,
    caller: EstatesSupervise,
    complaint_id: Id,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    return _act(
        request,
        uow,
        caller,
        complaint_id,
        "estates.reject_complaint",
        "rejected",
        lambda conn: quality_complaints.reject_complaint(conn, caller, complaint_id, reason),
    )


# ------------------------------------------------------------------------------------------ owners


def _form(request: Request, settings: Any, values: dict[str, str], error: AnjuError | None = None) -> HTMLResponse:
    return render(
        request,
        "estates/quality_complaint_form.html",
        status_code=error.status_code if error else 200,
        days=settings.estates_complaint_days,
        categories=domain.COMPLAINT_CATEGORIES,
        values=values,
        message=error.message if error else None,
        errors=error.errors if error else [],
    )


@router.get("/property/me/complaints", response_class=HTMLResponse)
def my_complaints(
    request: Request, uow: UowDep, caller: EstatesOwn, paging: PagingDep, done: Done = ""
) -> HTMLResponse:
    """我的投诉（物业服务）。"""
    return _list_page(request, uow, caller, "mine", CF(), paging, {}, done)


@router.get("/property/me/complaints/new", response_class=HTMLResponse)
def complaint_form(
    request: Request, settings: SettingsDep, caller: EstatesOwn, house_code: Annotated[str, Query(max_length=23)] = ""
) -> HTMLResponse:
    return _form(request, settings, {"house_code": house_code})


@router.post("/property/me/complaints", response_class=HTMLResponse)
def complaint_post(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: EstatesOwn,
    house_code: Annotated[str, Form(max_length=23)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    cmd = quality_complaints.ComplaintIn(house_code, category, title, text)

    def run() -> int:
        with audited(uow, caller, "estates.file_complaint", "estates_complaint") as conn:
            cid = quality_complaints.file_complaint(
                conn, sec.keyring, caller, cmd, days=settings.estates_complaint_days
            )
            set_audit_target(conn, cid)
        return cid

    values = {"house_code": house_code, "category": category, "title": title, "text": text}
    return form_action(
        run,
        done=lambda cid: f"/property/me/complaints/{cid}?done=filed",
        again=lambda e: _form(request, settings, values, e),
    )


@router.get("/property/me/complaints/{complaint_id}", response_class=HTMLResponse)
def my_complaint(request: Request, uow: UowDep, caller: EstatesOwn, complaint_id: Id, done: Done = "") -> HTMLResponse:
    return _detail(request, uow, caller, "mine", complaint_id, done=done)


# ---------------------------------------------------------------------------------------- companies


@router.get("/property/company/complaints", response_class=HTMLResponse)
def company_complaints(
    request: Request, uow: UowDep, caller: EstatesCompany, paging: PagingDep, done: Done = ""
) -> HTMLResponse:
    """本企业被投诉的事项。"""
    return _list_page(request, uow, caller, "company", CF(), paging, {}, done)


@router.get("/property/company/complaints/{complaint_id}", response_class=HTMLResponse)
def company_complaint(
    request: Request, uow: UowDep, caller: EstatesCompany, complaint_id: Id, done: Done = ""
) -> HTMLResponse:
    return _detail(request, uow, caller, "company", complaint_id, done=done)


@router.post("/property/company/complaints/{complaint_id}/reply", response_class=HTMLResponse)
def company_reply(
    request: Request,
    uow: UowDep,
    caller: EstatesCompany,
    complaint_id: Id,
    reply: Annotated[str, Form(max_length=5000)] = "",
) -> Response:
    return _act(
        request,
        uow,
        caller,
        complaint_id,
        "estates.company_reply",
        "replied",
        lambda conn: quality_complaints.company_reply(conn, caller, complaint_id, reply, as_company=True),
        mode="company",
    )


# -------------------------------------------------------------------------------------- evaluations

GradeQ = Annotated[Literal["", "excellent", "good", "pass", "fail"], Query()]
YearQ = Annotated[str, Query(pattern=r"^(\d{4})?$")]


@router.get("/property/evaluations", response_class=HTMLResponse)
def evaluations(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    year: YearQ = "",
    grade: GradeQ = "",
    street: StreetQ = "",
    done: Done = "",
) -> HTMLResponse:
    """年度考评：按年度、等级、街道筛选，可导出。"""
    f = EF(int(year) if year else None, grade or None, street or None)
    with uow.read() as conn:
        page = quality_evaluations.list_evaluations(conn, caller.scope, f, limit=paging.page_size, offset=paging.offset)
        ctx = _ctx(conn)
    return render(
        request,
        "estates/quality_evaluations.html",
        items=page.items,
        f={"year": year, "grade": grade, "street": street},
        done=DONE.get(done),
        pager=pager(page.total, paging.page, paging.page_size),
        **ctx,
    )


@router.get("/property/evaluations.csv")
def evaluations_csv(
    uow: UowDep, caller: EstatesRead, year: YearQ = "", grade: GradeQ = "", street: StreetQ = ""
) -> StreamingResponse:
    f = EF(int(year) if year else None, grade or None, street or None)
    with uow.read() as conn:
        rows = list(quality_evaluations.csv_rows(conn, caller.scope, f))
        note = domain.SYNTHETIC_LABEL if _ctx(conn)["synthetic"] else None
    return csvout.response("年度考评.csv", quality_evaluations.csv_columns(), rows, note=note)


def _eval_form(
    request: Request, uow: UowDep, caller: Caller, values: dict[str, Any], error: AnjuError | None = None
) -> HTMLResponse:
    with uow.read() as conn:
        projects = quality_evaluations.project_choices(conn, caller.scope)
    return render(
        request,
        "estates/quality_evaluation_form.html",
        status_code=error.status_code if error else 200,
        projects=projects,
        rules=quality_rules.rules(),
        grades=domain.EVALUATION_GRADES,
        values=values,
        message=error.message if error else None,
        errors={e.field: e.reason for e in (error.errors if error else [])},
    )


@router.get("/property/evaluations/new", response_class=HTMLResponse)
def evaluation_form(request: Request, uow: UowDep, caller: EstatesSupervise) -> HTMLResponse:
    """登记年度考评：选择项目与年度，逐项打分。"""
    return _eval_form(request, uow, caller, {"year": str(clock.today().year - 1), "items": {}})


@router.post("/property/evaluations", response_class=HTMLResponse)
async def evaluation_post(request: Request, uow: UowDep, sec: SecurityDep, caller: EstatesSupervise) -> Response:
    form = await request.form()
    raw = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    items = {k[5:]: v for k, v in raw.items() if k.startswith("item_") and len(k) < 40}
    values = {
        "project_id": raw.get("project_id", ""),
        "year": raw.get("year", ""),
        "note": raw.get("note", ""),
        "items": items,
    }

    def run() -> int:
        pid, year = raw.get("project_id", ""), raw.get("year", "")
        cmd = quality_evaluations.EvaluationIn(
            int(pid) if pid.isdigit() and len(pid) < 18 else 0,
            int(year) if year.isdigit() and len(year) == 4 else 0,
            items,
            None,
            raw.get("note", "")[:600],
        )
        with audited(uow, caller, "estates.record_evaluation", "estates_evaluation") as conn:
            done = quality_evaluations.record_evaluation(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, done.id)
        return done.id

    return await _run_async(run, lambda e: _eval_form(request, uow, caller, values, e))


async def _run_async(run: Any, again: Any) -> Response:
    return await run_in_threadpool(form_action, run, done="/property/evaluations?done=evaluated", again=again)


# -------------------------------------------------------------------------------------- inspections


def _insp_page(
    request: Request, uow: UowDep, caller: Caller, values: dict[str, str], error: AnjuError | None = None
) -> HTMLResponse:
    with uow.read() as conn:
        counts = quality_inspections.company_counts(conn, caller.scope)
    return render(
        request,
        "estates/quality_inspections.html",
        status_code=error.status_code if error else 200,
        counts=counts,
        values=values,
        default_district="" if caller.scope.unrestricted else caller.scope.code,
        message=error.message if error else None,
        errors={e.field.split("[")[0]: e.reason for e in (error.errors if error else [])},
    )


@router.get("/property/inspections", response_class=HTMLResponse)
def inspections(request: Request, uow: UowDep, caller: CreditInspect) -> HTMLResponse:
    """双随机抽查物业服务企业：冻结只含物业服务企业的抽查名单（信用管理的抽查）。"""
    return _insp_page(request, uow, caller, {})


@router.post("/property/inspections", response_class=HTMLResponse)
def inspections_post(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditInspect,
    title: Annotated[str, Form(max_length=200)] = "",
    sample_size: Annotated[str, Form(max_length=6)] = "",
    inspectors: Annotated[str, Form(max_length=5000)] = "",
    district_code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    names = [n.strip() for n in inspectors.replace(",", "\n").replace("，", "\n").splitlines() if n.strip()]
    d = quality_inspections.DrawIn(
        title, int(sample_size) if sample_size.isdigit() else 0, names, district_code.strip() or None
    )

    def run() -> int:
        with audited(uow, caller, "estates.start_inspection", "credit_inspection_draw") as conn:
            draw_id = quality_inspections.start_draw(conn, sec.keyring, caller, d)
            set_audit_target(conn, draw_id)
        return draw_id

    values = {"title": title, "sample_size": sample_size, "inspectors": inspectors, "district_code": district_code}
    return form_action(
        run, done=lambda i: f"/credit/inspections/{i}", again=lambda e: _insp_page(request, uow, caller, values, e)
    )
