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
from anju.core.errors import AnjuError, FieldError, NotFound, ValidationError
from anju.core.money import collect_fen, fen_to_yuan
from anju.estates import domain, spending, spending_queries
from anju.estates.http.api_spending import Status, emergency_filter
from anju.estates.http.deps import EstatesApprove, EstatesCompany, EstatesOwn, EstatesRead, EstatesSupervise
from anju.estates.http.schemas_spending import limits
from anju.estates.spending_rules import APPLICANT_KINDS, MAX_QUOTES, StageIn
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
    "edited": "申请已修改。",
    "withdrawn": "申请已撤回。",
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


def _parse(v: dict[str, str]) -> spending.ApplicationIn:
    """The application the form describes (every field's error named), or a ValidationError."""
    errors: list[FieldError] = []
    estate = _int(v.get("estate_id", ""), "estate_id", errors)
    building = _int(v.get("building_id", ""), "building_id", errors)
    vote = _int(v.get("vote_id", ""), "vote_id", errors)
    budget = collect_fen(v.get("budget_yuan", ""), "budget_fen", errors)
    quotes = []
    for n in range(1, MAX_QUOTES + 1):
        name = v.get(f"contractor_{n}", "").strip()
        if not name:
            continue
        amt = collect_fen(v.get(f"amount_{n}", ""), f"quotes[{n - 1}].amount_fen", errors)
        quotes.append(spending.QuoteIn(name, amt or 0, v.get("chosen") == str(n), v.get(f"note_{n}") or None))
    emergency = v.get("emergency") == "1"
    if errors or estate is None:
        raise ValidationError("表单有误", errors or [FieldError("estate_id", "请填写小区编号")])
    return spending.ApplicationIn(
        estate, v.get("title", ""), v.get("category", ""), budget or 0, quotes, building, v.get("description", ""),
        emergency, (v.get("emergency_kind") or None) if emergency else None, None if emergency else vote,
    )  # fmt: skip


async def _form_values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: str(x)[:2000] for k, x in form.items() if k != "csrf_token"}


async def _create_from_form(request: Request, uow: UowDep, settings: Any, caller: Caller, applicant: str) -> Response:
    """Parse the new-application form and create it for ``applicant`` (street, committee, company); the
    service checks that the caller may apply as that (a sitting committee member, the serving company)."""
    v = await _form_values(request)

    def write() -> int:
        cmd = _parse(v)
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


# ------------------------------------------------------- the applicant edits or withdraws its own


def _yuan(fen: int) -> str:
    """Yuan as the form takes them back (no thousands separator)."""
    return f"{fen // 100}.{fen % 100:02d}"


def _values_of(d: spending_queries.ApplicationDetail) -> dict[str, str]:
    """The edit form's values from the stored application."""
    a = d["application"]
    v = {
        "estate_id": str(a["estate_id"]), "building_id": str(a["building_id"] or ""), "title": a["title"],
        "category": a["category"], "description": d["description"] or "", "budget_yuan": _yuan(a["budget_fen"]),
        "vote_id": str(a["vote_id"] or ""), "emergency": "1" if a["emergency"] else "",
        "emergency_kind": a["emergency_kind"] or "",
    }  # fmt: skip
    for n, q in enumerate(d["quotes"], start=1):
        v |= {f"contractor_{n}": q["contractor"], f"amount_{n}": _yuan(q["amount_fen"]), f"note_{n}": q["note"] or ""}
        if q["chosen"]:
            v["chosen"] = str(n)
    return v


def _edit_form(
    request: Request, applicant: str, sid: int, status: str, values: dict[str, str], error: AnjuError | None = None
) -> HTMLResponse:
    prefix = OWN_PAGES[applicant][2]
    rows = max(QUOTES, sum(1 for k in values if k.startswith("contractor_")))
    return render(
        request, "estates/spending_new.html", status_code=error.status_code if error else 200,
        values=values, message=error.message if error else None, errors=error.errors if error else [],
        quotes=range(1, rows + 1), applicant=applicant, applicant_label=APPLICANT_KINDS.get(applicant, ""),
        form_action=f"{prefix}/{sid}/edit", back=f"{prefix}/{sid}", editing=True, draft=status == "draft", **LABELS,
    )  # fmt: skip


def _own_detail(uow: UowDep, settings: Any, caller: Caller, sid: int) -> spending_queries.ApplicationDetail:
    """The caller's own application, still undecided (else a refusal naming its status)."""
    with uow.read() as conn:
        if not spending_queries.is_applicant(conn, caller, sid):  # staff in scope see it, but it is not theirs
            raise NotFound("维修资金使用申请不存在")
        d = spending_queries.application(conn, caller, sid, publish_days=settings.estates_emergency_publish_days)
    if d["application"]["status"] not in spending.UNDECIDED:
        raise ValidationError.of("status", f"申请当前为“{d['application']['status_label']}”，不能修改或撤回")
    return d


def _edit_get(request: Request, uow: UowDep, settings: Any, caller: Caller, sid: int, applicant: str) -> Response:
    d = _own_detail(uow, settings, caller, sid)
    return _edit_form(request, applicant, sid, d["application"]["status"], _values_of(d))


async def _edit_post(
    request: Request, uow: UowDep, settings: Any, caller: Caller, sid: int, applicant: str
) -> Response:
    v = await _form_values(request)
    d = _own_detail(uow, settings, caller, sid)

    def write() -> None:
        cmd = _parse(v)
        lim = limits(settings)
        with audited(uow, caller, "estates.spending.edit", "estates_spending", sid) as conn:
            spending.edit(conn, caller, sid, cmd, limits=lim)
            if v.get("submit") == "1" and d["application"]["status"] == "draft":
                spending.submit(conn, caller, sid, limits=lim)

    return form_action(
        write, done=f"{OWN_PAGES[applicant][2]}/{sid}?done=edited",
        again=lambda e: _edit_form(request, applicant, sid, d["application"]["status"], v, e),
    )  # fmt: skip


def _withdraw_page(
    request: Request, d: spending_queries.ApplicationDetail, applicant: str, reason: str = "",
    error: AnjuError | None = None,
) -> HTMLResponse:  # fmt: skip
    prefix = OWN_PAGES[applicant][2]
    return render(
        request, "estates/spending_withdraw.html", status_code=error.status_code if error else 200, d=d,
        a=d["application"], reason=reason, message=error.message if error else None,
        errors=error.errors if error else [], action=f"{prefix}/{d['application']['id']}/withdraw",
        back=f"{prefix}/{d['application']['id']}", **LABELS,
    )  # fmt: skip


def _withdraw_get(request: Request, uow: UowDep, settings: Any, caller: Caller, sid: int, applicant: str) -> Response:
    return _withdraw_page(request, _own_detail(uow, settings, caller, sid), applicant)


def _withdraw_post(
    request: Request, uow: UowDep, settings: Any, caller: Caller, sid: int, applicant: str, reason: str, confirm: str
) -> Response:
    d = _own_detail(uow, settings, caller, sid)

    def write() -> None:
        if confirm != "yes":
            raise ValidationError.of("confirm", "请勾选确认：撤回后申请不能恢复")
        with audited(uow, caller, "estates.spending.withdraw", "estates_spending", sid) as conn:
            spending.withdraw(conn, caller, sid, reason)

    return form_action(
        write, done=f"{OWN_PAGES[applicant][2]}/{sid}?done=withdrawn",
        again=lambda e: _withdraw_page(request, d, applicant, reason, e),
    )  # fmt: skip


Reason = Annotated[str, Form(max_length=200)]
Confirm = Annotated[str, Form(max_length=3)]


@router.get("/property/spending/committee/{spending_id}/edit", response_class=HTMLResponse)
def committee_edit(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id
) -> Response:
    """修改本人的申请（审核决定前）。"""
    return _edit_get(request, uow, settings, caller, spending_id, "committee")


@router.post("/property/spending/committee/{spending_id}/edit", response_class=HTMLResponse)
async def committee_edit_save(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id
) -> Response:
    return await _edit_post(request, uow, settings, caller, spending_id, "committee")


@router.get("/property/spending/committee/{spending_id}/withdraw", response_class=HTMLResponse)
def committee_withdraw(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id
) -> Response:
    """撤回本人的申请：确认页（须填写原因）。"""
    return _withdraw_get(request, uow, settings, caller, spending_id, "committee")


@router.post("/property/spending/committee/{spending_id}/withdraw", response_class=HTMLResponse)
def committee_withdraw_save(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id,
    reason: Reason = "", confirm: Confirm = "",
) -> Response:  # fmt: skip
    return _withdraw_post(request, uow, settings, caller, spending_id, "committee", reason, confirm)


@router.get("/property/spending/company/{spending_id}/edit", response_class=HTMLResponse)
def company_edit(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id
) -> Response:
    """修改本企业的申请（审核决定前）。"""
    return _edit_get(request, uow, settings, caller, spending_id, "company")


@router.post("/property/spending/company/{spending_id}/edit", response_class=HTMLResponse)
async def company_edit_save(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id
) -> Response:
    return await _edit_post(request, uow, settings, caller, spending_id, "company")


@router.get("/property/spending/company/{spending_id}/withdraw", response_class=HTMLResponse)
def company_withdraw(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id
) -> Response:
    """撤回本企业的申请：确认页（须填写原因）。"""
    return _withdraw_get(request, uow, settings, caller, spending_id, "company")


@router.post("/property/spending/company/{spending_id}/withdraw", response_class=HTMLResponse)
def company_withdraw_save(
    request: Request, uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id,
    reason: Reason = "", confirm: Confirm = "",
) -> Response:  # fmt: skip
    return _withdraw_post(request, uow, settings, caller, spending_id, "company", reason, confirm)


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
        applicants=APPLICANT_KINDS, stage_rows=range(1, STAGES + 1), today=clock.today(), back=back,
        undecided=spending.UNDECIDED, **LABELS,
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
