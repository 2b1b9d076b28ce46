"""Pages of spending the maintenance fund (维修资金使用, ``/property/spending``): the street's queue
(filters, overdue publications, CSV export), a new application, one application with its quotes, vote,
shares (paginated), stages with their journals and a home's line proof, the decision, acceptance and
payment, publication; the owners' page 维修资金使用公示.

Thin: parse the form, call a service, render or redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core import clock, csvout
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.core.money import collect_fen, fen_to_yuan
from anju.estates import domain, spending, spending_queries
from anju.estates.http.api_spending import Status, emergency_filter
from anju.estates.http.deps import EstatesApprove, EstatesCompany, EstatesOwn, EstatesRead, EstatesSupervise
from anju.estates.http.schemas_spending import limits
from anju.estates.spending_rules import APPLICANT_KINDS, StageIn
from anju.security import Caller, audited
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Seq = Annotated[int, Path(ge=1, le=10)]
Text = Annotated[str, Form(max_length=2000)]
Short = Annotated[str, Form(max_length=100)]
DONE = {
    "created": "申请已保存。",
    "submitted": "申请已提交审核。",
    "decided": "审核决定已作出。",
    "paid": "该阶段已验收并付款，分摊凭证已记入可验证日志。",
    "published": "决算已向本小区业主公示。",
}
QUOTES = 3
STAGES = 3
COLUMNS = [
    "application_no",
    "estate",
    "title",
    "category",
    "emergency",
    "status",
    "applicant",
    "budget_yuan",
    "approved_yuan",
    "paid_yuan",
    "street_code",
    "submitted_at",
    "publish_due",
    "overdue",
    "published_at",
]


#: What every spending template is given besides its own values.
LABELS: Final[dict[str, Any]] = {
    "categories": domain.SPENDING_CATEGORIES,
    "emergency_kinds": domain.EMERGENCY_KINDS,
    "statuses": domain.SPENDING_STATUSES,
    "yuan": fen_to_yuan,
}


@router.get("/property/spending", response_class=HTMLResponse)
def queue(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Annotated[Status, Query()] = "",
    emergency: Annotated[Literal["", "yes", "no"], Query()] = "",
    overdue: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    """The street's queue: waiting applications first; filters status, emergency, overdue publication."""
    with uow.read() as conn:
        page = spending_queries.applications(
            conn, caller.scope, status=status or None, emergency=emergency_filter(emergency), overdue=overdue,
            publish_days=settings.estates_emergency_publish_days, limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
        names = divisions.names(conn, {i["street_code"] for i in page.items})
    return render(
        request, "estates/spending_queue.html", items=page.items, street_names=names, status=status,
        emergency=emergency, overdue=overdue, pager=pager(page.total, paging.page, paging.page_size),
        publish_days=settings.estates_emergency_publish_days, **LABELS,
    )  # fmt: skip


@router.get("/property/spending.csv")
def export(
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesRead,
    status: Annotated[Status, Query()] = "",
    emergency: Annotated[Literal["", "yes", "no"], Query()] = "",
    overdue: Annotated[bool, Query()] = False,
) -> Response:
    """The queue's filter as CSV (UTF-8 with BOM; no personal data)."""
    with uow.read() as conn:
        rows = [
            [i["application_no"], i["estate_name"], i["title"], i["category_label"],
             i["emergency_label"] or "", i["status_label"], i["applicant_label"], fen_to_yuan(i["budget_fen"]),
             "" if i["approved_fen"] is None else fen_to_yuan(i["approved_fen"]), fen_to_yuan(i["paid_fen"]),
             i["street_code"], i["submitted_at"], i["publish_due"], "是" if i["overdue"] else "", i["published_at"]]
            for i in spending_queries.export_rows(
                conn, caller.scope, status=status or None, emergency=emergency_filter(emergency), overdue=overdue,
                publish_days=settings.estates_emergency_publish_days,
            )
        ]  # fmt: skip
    return csvout.response("spending.csv", COLUMNS, rows)


#: Where each applicant kind's pages are: (new form, own list, detail prefix), and its Chinese label.
OWN_PAGES: Final = {
    "street": ("/property/spending/new", "/property/spending", "/property/spending"),
    "committee": ("/property/spending/committee/new", "/property/spending/committee", "/property/spending/committee"),
    "company": ("/property/spending/company/new", "/property/spending/company", "/property/spending/company"),
}


def _form(
    request: Request,
    values: dict[str, Any] | None = None,
    error: AnjuError | None = None,
    applicant: str = "street",
) -> HTMLResponse:
    return render(
        request, "estates/spending_new.html", status_code=error.status_code if error else 200,
        values=values or {}, message=error.message if error else None, errors=error.errors if error else [],
        quotes=range(1, QUOTES + 1), applicant=applicant, applicant_label=APPLICANT_KINDS.get(applicant, ""),
        form_action=OWN_PAGES[applicant][0], back=OWN_PAGES[applicant][1], **LABELS,
    )  # fmt: skip


@router.get("/property/spending/new", response_class=HTMLResponse)
def new_form(request: Request, caller: EstatesSupervise) -> HTMLResponse:
    return _form(request)


def _int(value: str, field: str, errors: list[FieldError]) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit() or not 1 <= int(value) <= 2**62:
        errors.append(FieldError(field, "应为正整数编号"))
        return None
    return int(value)


async def _create_from_form(request: Request, uow: UowDep, settings: Any, caller: Caller, applicant: str) -> Response:
    """Parse the new-application form and create it for ``applicant`` (street, committee, company); the
    service checks that the caller may apply as that (a sitting committee member, the serving company)."""
    form = await request.form()
    v = {k: str(x)[:2000] for k, x in form.items() if k != "csrf_token"}
    errors: list[FieldError] = []
    estate = _int(v.get("estate_id", ""), "estate_id", errors)
    building = _int(v.get("building_id", ""), "building_id", errors)
    vote = _int(v.get("vote_id", ""), "vote_id", errors)
    budget = collect_fen(v.get("budget_yuan", ""), "budget_fen", errors)
    quotes = []
    for n in range(1, QUOTES + 1):
        name = v.get(f"contractor_{n}", "").strip()
        if not name:
            continue
        amt = collect_fen(v.get(f"amount_{n}", ""), f"quotes[{n - 1}].amount_fen", errors)
        quotes.append(spending.QuoteIn(name, amt or 0, v.get("chosen") == str(n)))
    emergency = v.get("emergency") == "1"

    def write() -> int:
        if errors or estate is None:
            raise ValidationError("表单有误", errors or [FieldError("estate_id", "请填写小区编号")])
        cmd = spending.ApplicationIn(
            estate, v.get("title", ""), v.get("category", ""), budget or 0, quotes, building, v.get("description", ""),
            emergency, (v.get("emergency_kind") or None) if emergency else None, None if emergency else vote,
        )  # fmt: skip
        lim = limits(settings)
        with audited(uow, caller, "estates.spending.create", "estates_spending") as conn:
            sid = spending.create(conn, caller, cmd, applicant=applicant, limits=lim)
            if v.get("submit") == "1":
                spending.submit(conn, caller, sid, limits=lim)
        return sid

    detail_prefix = OWN_PAGES[applicant][2]
    return form_action(
        write, done=lambda sid: f"{detail_prefix}/{sid}?done=created",
        again=lambda e: _form(request, v, e, applicant), not_found_is_error_page=False,
    )  # fmt: skip


@router.post("/property/spending/new", response_class=HTMLResponse)
async def create(request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesSupervise) -> Response:
    return await _create_from_form(request, uow, settings, caller, "street")


def _own_list(
    request: Request, uow: UowDep, settings: Any, caller: Caller, paging: Any, applicant: str
) -> HTMLResponse:
    with uow.read() as conn:
        page = spending_queries.own_applications(
            conn, caller, publish_days=settings.estates_emergency_publish_days,
            limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    new, _list, prefix = OWN_PAGES[applicant]
    return render(
        request, "estates/spending_own.html", items=page.items, new=new, prefix=prefix,
        applicant_label=APPLICANT_KINDS.get(applicant, ""), pager=pager(page.total, paging.page, paging.page_size),
        **LABELS,
    )  # fmt: skip


@router.get("/property/spending/committee", response_class=HTMLResponse)
def committee_list(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, paging: PagingDep
) -> HTMLResponse:
    """我的维修资金使用申请 (a committee member's)."""
    return _own_list(request, uow, settings, caller, paging, "committee")


@router.get("/property/spending/committee/new", response_class=HTMLResponse)
def committee_new(request: Request, caller: EstatesOwn) -> HTMLResponse:
    return _form(request, applicant="committee")


@router.post("/property/spending/committee/new", response_class=HTMLResponse)
async def committee_create(request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn) -> Response:
    return await _create_from_form(request, uow, settings, caller, "committee")


@router.get("/property/spending/committee/{spending_id}", response_class=HTMLResponse)
def committee_detail(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesOwn,
    paging: PagingDep,
    spending_id: Id,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(
        request, uow, settings, caller, spending_id, paging=paging, done=done, back=OWN_PAGES["committee"][1]
    )


@router.get("/property/spending/company", response_class=HTMLResponse)
def company_list(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany, paging: PagingDep
) -> HTMLResponse:
    """本企业的维修资金使用申请 (the serving company's staff)."""
    return _own_list(request, uow, settings, caller, paging, "company")


@router.get("/property/spending/company/new", response_class=HTMLResponse)
def company_new(request: Request, caller: EstatesCompany) -> HTMLResponse:
    return _form(request, applicant="company")


@router.post("/property/spending/company/new", response_class=HTMLResponse)
async def company_create(request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany) -> Response:
    return await _create_from_form(request, uow, settings, caller, "company")


@router.get("/property/spending/company/{spending_id}", response_class=HTMLResponse)
def company_detail(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesCompany,
    paging: PagingDep,
    spending_id: Id,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(request, uow, settings, caller, spending_id, paging=paging, done=done, back=OWN_PAGES["company"][1])


@router.get("/property/spending/public", response_class=HTMLResponse)
def public(request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, paging: PagingDep) -> HTMLResponse:
    """维修资金使用公示: the published final accounts of the estates where the caller owns a home."""
    with uow.read() as conn:
        page = spending_queries.published_for_owner(
            conn, caller, publish_days=settings.estates_emergency_publish_days,
            limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    return render(
        request, "estates/spending_public.html", items=page.items,
        pager=pager(page.total, paging.page, paging.page_size), **LABELS,
    )  # fmt: skip


def _detail(
    request: Request, uow: UowDep, settings: Any, caller: Caller, sid: int, *, paging: Any = None,
    done: str = "", error: AnjuError | None = None, values: dict[str, str] | None = None, back: str = "",
) -> HTMLResponse:  # fmt: skip
    page, size = (paging.page, paging.page_size) if paging else (1, 50)
    with uow.read() as conn:
        d = spending_queries.application(conn, caller, sid, publish_days=settings.estates_emergency_publish_days)
        shares = spending_queries.shares(conn, caller, sid, limit=size, offset=(page - 1) * size)
    return render(
        request, "estates/spending_detail.html", status_code=error.status_code if error else 200, d=d,
        a=d["application"], shares=shares.items, pager=pager(shares.total, page, size), done=DONE.get(done),
        message=error.message if error else None, errors=error.errors if error else [], values=values or {},
        applicants=APPLICANT_KINDS, stage_rows=range(1, STAGES + 1), today=clock.today(), back=back, **LABELS,
    )  # fmt: skip


@router.get("/property/spending/{spending_id}", response_class=HTMLResponse)
def detail(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesRead,
    paging: PagingDep,
    spending_id: Id,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(request, uow, settings, caller, spending_id, paging=paging, done=done)


@router.post("/property/spending/{spending_id}/submit", response_class=HTMLResponse)
def submit(request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesSupervise, spending_id: Id) -> Response:
    def write() -> None:
        with audited(uow, caller, "estates.spending.submit", "estates_spending", spending_id) as conn:
            spending.submit(conn, caller, spending_id, limits=limits(settings))

    return form_action(
        write, done=f"/property/spending/{spending_id}?done=submitted",
        again=lambda e: _detail(request, uow, settings, caller, spending_id, error=e),
    )  # fmt: skip


@router.post("/property/spending/{spending_id}/decision", response_class=HTMLResponse)
async def decision(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesApprove, spending_id: Id
) -> Response:
    form = await request.form()
    v = {k: str(x)[:500] for k, x in form.items() if k != "csrf_token"}
    errors: list[FieldError] = []
    approved = collect_fen(v.get("approved_yuan", ""), "approved_fen", errors, required=False)
    stages = []
    for n in range(1, STAGES + 1):
        label = v.get(f"stage_label_{n}", "").strip()
        if label:
            amt = collect_fen(v.get(f"stage_yuan_{n}", ""), f"stages[{n - 1}].amount_fen", errors)
            stages.append(StageIn(label, amt or 0))

    def write() -> None:
        if errors:
            raise ValidationError("表单有误", errors)
        cmd = spending.DecisionIn(v.get("outcome", ""), v.get("note", ""), approved, stages)
        with audited(uow, caller, "estates.spending.decide", "estates_spending", spending_id) as conn:
            spending.decide(conn, caller, spending_id, cmd, limits=limits(settings))

    return form_action(
        write, done=f"/property/spending/{spending_id}?done=decided",
        again=lambda e: _detail(request, uow, settings, caller, spending_id, error=e, values=v),
    )  # fmt: skip


@router.post("/property/spending/{spending_id}/stages/{seq}/acceptance", response_class=HTMLResponse)
def acceptance(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesApprove,
    spending_id: Id,
    seq: Seq,
    accepted_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    def write() -> None:
        try:
            day = date.fromisoformat(accepted_on)
        except ValueError:
            raise ValidationError.of("accepted_on", "应为 YYYY-MM-DD 格式的日期") from None
        with audited(uow, caller, "estates.spending.pay", "estates_spending", spending_id) as conn:
            spending.accept_stage(conn, caller, spending_id, seq, day)

    return form_action(
        write, done=f"/property/spending/{spending_id}?done=paid",
        again=lambda e: _detail(request, uow, settings, caller, spending_id, error=e),
    )  # fmt: skip


@router.post("/property/spending/{spending_id}/publication", response_class=HTMLResponse)
def publication(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesSupervise, spending_id: Id
) -> Response:
    def write() -> None:
        with audited(uow, caller, "estates.spending.publish", "estates_spending", spending_id) as conn:
            spending.publish(conn, caller, spending_id)

    return form_action(
        write, done=f"/property/spending/{spending_id}?done=published",
        again=lambda e: _detail(request, uow, settings, caller, spending_id, error=e),
    )  # fmt: skip


@router.get("/property/spending/{spending_id}/stages/{seq}/proof", response_class=HTMLResponse)
def proof(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    spending_id: Id,
    seq: Seq,
    home_id: Annotated[int, Query(ge=1, le=2**62)],
) -> HTMLResponse:
    """A home's line in a stage's allocation journal with both inclusion proofs."""
    with uow.read() as conn:
        p = spending_queries.line_proof(conn, caller, spending_id, seq, home_id)
    return render(request, "estates/spending_proof.html", p=p, spending_id=spending_id, seq=seq, home_id=home_id)
