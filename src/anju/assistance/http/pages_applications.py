"""Pages of housing assistance: programmes, the online application (不见面申请), the applicant's own
applications with the eligibility explanation, the reviewers' queue, the public notice.

Thin: parse the form, call a service, render or redirect. Every decision is confirmed on a page of its
own (no inline script under the CSP) and posted with the session's CSRF token.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from anju import divisions, ledger
from anju.assistance import applying, catalogue, common, consent, disclosure, domain, queries, review, tracking
from anju.assistance.http.deps import AssistanceApply, AssistanceObject, AssistanceRead, AssistanceReview
from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.core.money import fen_to_yuan
from anju.security import Public, SecurityDep, audited, ledger_signing_seed, mask_id, mask_name, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

MEMBER_ROWS = 6


def _ctx() -> dict[str, Any]:
    return {
        "status_labels": {k.value: v for k, v in domain.STATUS_LABELS.items()},
        "level_labels": domain.ACTOR_LABELS,
        "action_labels": domain.STEP_LABELS,
        "housing_statuses": domain.HOUSING_STATUSES,
        "relations": domain.RELATIONS,
        "doc_kinds": applying.DOC_KINDS,
        "kind_labels": {k.value: v for k, v in domain.KIND_LABELS.items()},
    }


def _programmes(conn: Any) -> list[dict[str, Any]]:
    out = []
    for p in catalogue.list_programmes(conn):
        current = next((e for e in reversed(p["editions"]) if e["in_force"]), None)
        if current is not None:
            out.append({**p, "current": current, "rules": _rules_text(current["policy"])})
    return out


def _rules_text(policy: dict[str, Any]) -> list[str]:
    """The edition's conditions in plain Chinese, for the programmes page."""
    out = []
    if policy.get("max_income_per_person_fen") is not None:
        out.append(f"家庭人均年收入不高于 {fen_to_yuan(int(policy['max_income_per_person_fen']), unit=True)}")
    if policy.get("min_income_per_person_fen") is not None:
        out.append(f"家庭人均年收入不低于 {fen_to_yuan(int(policy['min_income_per_person_fen']), unit=True)}")
    if policy.get("max_assets_per_person_fen") is not None:
        out.append(f"家庭人均资产不高于 {fen_to_yuan(int(policy['max_assets_per_person_fen']), unit=True)}")
    if policy.get("no_home"):
        out.append("家庭成员在本市无住房（与楼盘表核对）")
    if policy.get("max_area_per_person") is not None:
        out.append(f"人均住房建筑面积不高于 {policy['max_area_per_person']} m²（与楼盘表核对）")
    if policy.get("require_local_hukou"):
        out.append("申请人为本市户籍" + (f"满 {policy['min_hukou_years']} 年" if policy.get("min_hukou_years") else ""))
    if policy.get("min_social_insurance_months"):
        out.append(f"本市社保连续缴纳满 {policy['min_social_insurance_months']} 个月")
    if policy.get("require_employed"):
        out.append("在本市就业")
    if policy.get("talent_tiers"):
        out.append("、".join(policy["talent_tiers"]) + " 类人才")
    if policy.get("max_applicant_age"):
        out.append(f"申请人不超过 {policy['max_applicant_age']} 周岁")
    if policy.get("not_already_supported"):
        out.append("未享受其他住房保障或人才安居待遇")
    if policy.get("bad_credit_severities"):
        out.append("无有效的严重失信记录")
    levels = "→".join(domain.LEVEL_LABELS[lv] for lv in policy.get("review_levels", []))
    out.append(f"审核：{levels}，公示 {policy.get('notice_days')} 天")
    return out


@router.get("/assistance", response_class=HTMLResponse)
def programmes_page(request: Request, uow: UowDep, caller: Public) -> HTMLResponse:
    """Every programme in force with its conditions in plain words; anyone may read it."""
    with uow.read() as conn:
        programmes = _programmes(conn)
    return render(request, "assistance/programmes.html", programmes=programmes, **_ctx())


def _streets(conn: Any) -> list[Any]:
    return sorted(divisions.by_level(conn, "street"), key=lambda s: s.code)


def _form_values(form: FormData) -> tuple[applying.ApplicationIn, dict[str, Any]]:
    """The application form into a command; empty member rows are ignored."""

    def get(name: str) -> str:
        v = form.get(name)
        return v.strip() if isinstance(v, str) else ""

    members: list[applying.MemberIn] = []
    for i in range(MEMBER_ROWS):
        # row 0 is the applicant: the account's verified identity fills its name and number
        if i > 0 and not (get(f"m{i}_name") or get(f"m{i}_id")):
            continue
        members.append(
            applying.MemberIn(
                name=get(f"m{i}_name"),
                id_number=get(f"m{i}_id"),
                relation=get(f"m{i}_relation") or ("本人" if not members else ""),
                annual_income_yuan=get(f"m{i}_income") or "0",
                assets_yuan=get(f"m{i}_assets") or "0",
                local_hukou=get(f"m{i}_hukou") == "on",
                hukou_years=_int(get(f"m{i}_hukou_years"), f"members[{len(members)}].hukou_years"),
                social_insurance_months=_int(get(f"m{i}_si"), f"members[{len(members)}].social_insurance_months"),
                employed=get(f"m{i}_employed") == "on",
            )
        )
    cmd = applying.ApplicationIn(
        programme_code=get("programme_code"),
        street_code=get("street_code"),
        members=members,
        housing_status=get("housing_status") or "rented",
        talent_tier=get("talent_tier") or None,
        industry=get("industry") or None,
        employer=get("employer") or None,
        phone=get("phone") or None,
    )
    values = {k: v for k, v in form.items() if isinstance(v, str) and not k.endswith("_id") and k != "csrf_token"}
    return cmd, values


def _int(v: str, field: str) -> int:
    if not v:
        return 0
    if not v.isdigit() or len(v) > 4:
        raise ValidationError.of(field, "应为非负整数")
    return int(v)


def _apply_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Any,
    programme: str,
    values: dict[str, Any],
    errors: list[FieldError],
    status: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        own = consent.own_identity(conn, sec.keyring, caller)  # 403 until verified, naming /me/identity
        programmes = _programmes(conn)
        streets = _streets(conn)
    return render(
        request,
        "assistance/apply.html",
        status_code=status,
        programmes=programmes,
        programme=programme,
        streets=streets,
        values=values,
        errors=errors,
        rows=range(MEMBER_ROWS),
        me={"name": mask_name(own.name), "id_number": mask_id(own.id_number)},
        **_ctx(),
    )


@router.get("/assistance/apply", response_class=HTMLResponse)
def apply_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    programme: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    """The online application form: the household, incomes, housing, employment. The applicant's row
    is the account's verified identity (an unverified account is sent to /me/identity)."""
    return _apply_form(request, uow, sec, caller, programme, {"programme_code": programme}, [])


@router.post("/assistance/apply", response_class=HTMLResponse)
async def apply_post(request: Request, uow: UowDep, sec: SecurityDep, caller: AssistanceApply) -> Any:
    form = await request.form()
    try:
        cmd, values = _form_values(form)
    except ValidationError as e:
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return _apply_form(request, uow, sec, caller, "", values, e.errors, 422)
    try:
        with audited(uow, caller, "assistance.create", "application") as conn:
            app_id = applying.create_draft(conn, sec.keyring, caller, cmd)
            consent.note_named(conn, sec.settings, caller, app_id)
            set_audit_target(conn, app_id)
    except ValidationError as e:
        return _apply_form(request, uow, sec, caller, cmd.programme_code, values, e.errors, 422)
    return RedirectResponse(f"/assistance/me/{app_id}?done=created", status_code=303)


@router.get("/assistance/me", response_class=HTMLResponse)
def my_applications(request: Request, uow: UowDep, caller: AssistanceApply, paging: PagingDep) -> HTMLResponse:
    with uow.read() as conn:
        listed = queries.list_applications(
            conn, queries.AppFilter(), scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "assistance/mine.html",
        items=listed.items,
        pager=pager(listed.total, paging.page, paging.page_size),
        **_ctx(),
    )


DONE = {
    "created": "草稿已保存。请上传证明材料，进行资格自检后提交。",
    "uploaded": "材料已上传。",
    "checked": "资格自检已完成，结果见下方。",
    "submitted": "申请已提交，进入审核。",
    "withdrawn": "申请已撤回。",
}


def _my_detail(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Any,
    app_id: int,
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status: int = 200,
    done: str = "",
) -> HTMLResponse:
    with uow.read() as conn:
        app = disclosure.applicant_detail(conn, sec.keyring, app_id, scope=caller.scope)
    return render(
        request,
        "assistance/my_application.html",
        status_code=status,
        app=app,
        ledger_key=ledger.published_key(ledger_signing_seed(sec.settings)),
        message=message,
        errors=errors or [],
        done=DONE.get(done),
        **_ctx(),
    )


@router.get("/assistance/me/{app_id}", response_class=HTMLResponse)
def my_application(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    app_id: int,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One's own application: where it stands, every step, the eligibility explanation, documents."""
    return _my_detail(request, uow, sec, caller, app_id, done=done)


@router.post("/assistance/me/{app_id}/documents", response_class=HTMLResponse)
def my_upload(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    app_id: int,
    kind: Annotated[str, Form(max_length=24)],
    file: Annotated[UploadFile, File()],
) -> Any:
    data = file.file.read(applying.DOC_MAX_BYTES + 1)
    try:
        with audited(uow, caller, "assistance.upload", "application", app_id) as conn:
            applying.add_document(conn, caller, app_id, kind, file.filename or "file", file.content_type or "", data)
    except ValidationError as e:
        return _my_detail(request, uow, sec, caller, app_id, e.message, e.errors, 422)
    return RedirectResponse(f"/assistance/me/{app_id}?done=uploaded", status_code=303)


@router.post("/assistance/me/{app_id}/check", response_class=RedirectResponse)
def my_check(uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: int) -> RedirectResponse:
    """The self-check (throttled per account); its result is shown on the application's page per rule
    without figures."""
    consent.throttle_self_check(uow, sec.settings, caller, app_id)
    with audited(uow, caller, "assistance.check", "application", app_id) as conn:
        consent.self_check(conn, sec.keyring, caller, app_id)
    return RedirectResponse(f"/assistance/me/{app_id}?done=checked", status_code=303)


@router.get("/assistance/me/{app_id}/confirm", response_class=HTMLResponse)
def my_confirm(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    app_id: int,
    action: Annotated[str, Query(pattern="^(submit|withdraw)$")] = "submit",
) -> HTMLResponse:
    """Asks once more before submitting or withdrawing."""
    with uow.read() as conn:
        app = disclosure.applicant_detail(conn, sec.keyring, app_id, scope=caller.scope)
    return render(request, "assistance/my_confirm.html", app=app, action=action, **_ctx())


@router.post("/assistance/me/{app_id}/submit", response_class=HTMLResponse)
def my_submit(request: Request, uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: int) -> Any:

    def write() -> None:
        with audited(uow, caller, "assistance.submit", "application", app_id) as conn:
            review.submit(conn, sec.keyring, caller, app_id)

    def again(e: AnjuError) -> Response:
        # show why (each failed rule) on the application's page; nothing was changed
        return _my_detail(request, uow, sec, caller, app_id, e.message, e.errors, e.status_code)

    return form_action(write, done=f"/assistance/me/{app_id}?done=submitted", again=again)


@router.post("/assistance/me/{app_id}/withdraw", response_class=HTMLResponse)
def my_withdraw(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceApply,
    app_id: int,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Any:

    def write() -> None:
        with audited(uow, caller, "assistance.withdraw", "application", app_id) as conn:
            review.withdraw(conn, caller, app_id, reason or None)

    def again(e: AnjuError) -> Response:
        return _my_detail(request, uow, sec, caller, app_id, e.message, e.errors, e.status_code)

    return form_action(write, done=f"/assistance/me/{app_id}?done=withdrawn", again=again)


# ------------------------------------------------------------------------------------------- reviewers


@router.get("/assistance/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[str, Query(max_length=20)] = "submitted",
    programme: Annotated[str, Query(max_length=32)] = "",
    level: Annotated[str, Query(max_length=12)] = "",
    overdue: Annotated[str, Query(max_length=5)] = "",
    app_no: Annotated[str, Query(max_length=24)] = "",
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """Applications in the caller's scope, the most urgent deadline first, with filters."""
    if status and status not in {s.value for s in domain.AppStatus}:
        raise ValidationError.of("status", "未知状态")
    f = queries.AppFilter(status or None, programme or None, level or None, overdue == "1", None, app_no or None)
    with uow.read() as conn:
        listed = queries.list_applications(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        programmes = _programmes(conn)
        labels = catalogue.programme_labels(conn)
        streets = divisions.names(conn, {i["street_code"] for i in listed.items})
    return render(
        request,
        "assistance/review.html",
        labels=labels,
        street_names=streets,
        items=listed.items,
        programmes=programmes,
        f={"status": status, "programme": programme, "level": level, "overdue": overdue, "app_no": app_no},
        now=clock.now(),
        done=done,
        pager=pager(listed.total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/assistance/review/{app_id}", response_class=HTMLResponse)
def review_detail(request: Request, uow: UowDep, sec: SecurityDep, caller: AssistanceRead, app_id: int) -> HTMLResponse:
    """The application as the reviewer sees it: masked members and their consent, documents, the full
    explanation (with the figures the check used), history."""
    with uow.read() as conn:
        app = queries.get_application(conn, sec.keyring, app_id, scope=caller.scope)
        member_consents = consent.household_consents(conn, sec.keyring, app_id)
    my_level = common.ROLE_LEVEL.get(caller.role) if caller.role else None
    return render(
        request,
        "assistance/review_detail.html",
        app=app,
        my_level=my_level,
        member_consents=member_consents,
        case_kinds=domain.CASE_KINDS,
        **_ctx(),
    )


@router.get("/assistance/review/{app_id}/confirm", response_class=HTMLResponse)
def review_confirm(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceReview,
    app_id: int,
    action: Annotated[str, Query(pattern="^(approve|return|reject)$")] = "approve",
) -> HTMLResponse:
    with uow.read() as conn:
        app = queries.get_application(conn, sec.keyring, app_id, scope=caller.scope)
    return render(request, "assistance/review_confirm.html", app=app, action=action, **_ctx())


@router.post("/assistance/review/{app_id}/decision", response_class=HTMLResponse)
def review_decide(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceReview,
    app_id: int,
    action: Annotated[str, Form(pattern="^(approve|return|reject)$")],
    version: Annotated[int, Form(ge=1, le=2**31)],
    reason: Annotated[str, Form(max_length=500)] = "",
) -> Any:

    def write() -> None:
        with audited(uow, caller, f"assistance.{action}", "application", app_id) as conn:
            review.review(conn, caller, app_id, review.Decision(action, reason or None, version))

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            app = queries.get_application(conn, sec.keyring, app_id, scope=caller.scope)
        return render(
            request,
            "assistance/review_confirm.html",
            status_code=e.status_code,
            app=app,
            action=action,
            message=e.message,
            reason=reason,
            **_ctx(),
        )

    return form_action(write, done=f"/assistance/review?done={action}", again=again)


@router.post("/assistance/review/{app_id}/case", response_class=HTMLResponse)
def review_open_case(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AssistanceReview,
    app_id: int,
    kind: Annotated[str, Form(max_length=24)],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Any:
    """Open a tracking case (arrears, vacancy, sublet, …) on a supported household from its page."""
    facts = {"note": note.strip()} if note.strip() else {}

    def write() -> int:
        with audited(uow, caller, "assistance.open_case", "case") as conn:
            case_id = tracking.open_case(conn, caller, app_id, kind, facts)
            set_audit_target(conn, case_id)
        return case_id

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            app = queries.get_application(conn, sec.keyring, app_id, scope=caller.scope)
        my_level = common.ROLE_LEVEL.get(caller.role) if caller.role else None
        return render(
            request,
            "assistance/review_detail.html",
            status_code=e.status_code,
            app=app,
            my_level=my_level,
            message=e.message,
            errors=e.errors,
            case_kinds=domain.CASE_KINDS,
            **_ctx(),
        )

    return form_action(write, done=lambda case_id: f"/assistance/cases/{case_id}", again=again)


# ---------------------------------------------------------------------------------------------- notice


@router.get("/assistance/notices", response_class=HTMLResponse)
def notices(
    request: Request,
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    """The public notice (公示): applications in their notice period; the public parties may object."""
    with uow.read() as conn:
        listed = queries.public_notices(conn, limit=paging.page_size, offset=paging.offset)
        names = divisions.names(conn, {i["street_code"] for i in listed.items})
        labels = catalogue.programme_labels(conn)
    return render(
        request,
        "assistance/notices.html",
        labels=labels,
        items=listed.items,
        names=names,
        done=done == "1",
        pager=pager(listed.total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.post("/assistance/notices/{app_id}/objection", response_class=RedirectResponse)
def notice_objection(
    uow: UowDep, caller: AssistanceObject, app_id: int, text: Annotated[str, Form(max_length=2000)]
) -> RedirectResponse:
    with audited(uow, caller, "assistance.object", "application", app_id) as conn:
        review.object_to(conn, caller, app_id, text)
    return RedirectResponse("/assistance/notices?done=1", status_code=303)
