"""Pages of the security context: sign-in/out, own account, account administration, audit search."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse

from anju.core.clock import CITY_TZ
from anju.core.errors import AnjuError, ValidationError
from anju.security import Public, SecurityDep, SignedIn, audit, callers, realname, registration, signin, users
from anju.security.domain import GRANTS, ROLE_LABELS, Role
from anju.security.http.deps import AccountsManage, AuditRead, PersonalReveal
from anju.security.policy import CSRF_COOKIE, SESSION_COOKIE, client_ip, request_id
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)


def safe_next(path: str | None) -> str:
    """Only same-site relative paths (no open redirect)."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


def secure_cookie(request: Request, mode: str) -> bool:
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def _form_token(request: Request) -> str:
    """The token a public form carries: the session's when signed in on the web, else the double-submit one."""
    caller = getattr(request.state, "caller", None)
    if caller is not None and caller.csrf_token:
        return str(caller.csrf_token)
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)


def _public_form(request: Request, template: str, status: int, **ctx: Any) -> HTMLResponse:
    """A form anyone may post (sign-in, registration), with its CSRF token; an anonymous visitor also
    gets the double-submit cookie that the token is checked against."""
    token = _form_token(request)
    resp = render(request, template, status_code=status, csrf=token, **ctx)
    if getattr(getattr(request.state, "caller", None), "csrf_token", None):
        return resp  # signed in: the session's own token is checked
    sec: callers.Security = request.app.state.security
    secure = secure_cookie(request, sec.settings.cookie_secure)
    resp.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/")
    return resp


def _login_page(
    request: Request, message: str = "", status: int = 200, next_path: str = "/", notice: str = ""
) -> HTMLResponse:
    return _public_form(request, "login.html", status, message=message, next=next_path, notice=notice)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, _: Public, next: Annotated[str | None, Query(max_length=300)] = None) -> HTMLResponse:
    return _login_page(request, next_path=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    _: Public,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=128)],
    totp: Annotated[str, Form(max_length=10)] = "",
    next: Annotated[str, Form(max_length=300)] = "/",
) -> Any:
    from anju.security.http.api import login_allowed

    if not login_allowed(request, sec.settings.rate_limit_login):
        audit.record_now(
            uow.engine,
            callers.Caller.anonymous(client_ip(request)),
            "http.rate_limited",
            outcome="denied",
            reason=request.url.path,
        )
        return _login_page(request, "登录尝试过于频繁，请稍后再试", 429, safe_next(next))
    with uow.begin() as conn:
        result = signin.sign_in(
            conn,
            sec,
            username,
            password,
            totp or None,
            kind="web",
            ip=client_ip(request),
            request_id=request_id(request),
        )
    if not result.ok or result.token is None:
        return _login_page(request, result.message, 401, safe_next(next))
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        result.token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=secure_cookie(request, sec.settings.cookie_secure),
        max_age=sec.settings.session_max_hours * 3600,
    )
    return resp


def _register_page(
    request: Request, message: str = "", status: int = 200, form: dict[str, str] | None = None
) -> HTMLResponse:
    return _public_form(request, "register.html", status, message=message, form=form or {})


@router.get("/register", response_class=HTMLResponse)
def register_form(request: Request, _: Public) -> HTMLResponse:
    return _register_page(request)


@router.post("/register", response_class=HTMLResponse)
def register(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    _: Public,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=128)],
    name: Annotated[str, Form(max_length=40)],
    id_number: Annotated[str, Form(max_length=20)],
    phone: Annotated[str, Form(max_length=20)],
    role: Annotated[str, Form(pattern="^(citizen|landlord)$")] = "citizen",
) -> Any:
    """Citizens and landlords open their own account; errors keep what was typed except the secrets."""
    from anju.security.http.api import login_allowed

    kept = {"username": username, "role": role}  # never echo the identity number, phone or password
    if not login_allowed(request, sec.settings.rate_limit_login):
        audit.record_now(
            uow.engine,
            callers.Caller.anonymous(client_ip(request)),
            "http.rate_limited",
            outcome="denied",
            reason=request.url.path,
        )
        return _register_page(request, "注册过于频繁，请稍后再试", 429, kept)
    cmd = users.NewAccount(
        username=username, password=password, role=Role(role), name=name, id_number=id_number, phone=phone
    )
    try:
        registration.register(uow, sec, cmd, client_ip(request), request_id(request), realname.sender_for(sec.settings))
    except AnjuError as e:  # input bad in itself; a taken username or number is not an error here
        reason = e.errors[0].reason if e.errors else e.message
        labels = {
            "username": "用户名",
            "password": "密码",
            "name": "姓名",
            "id_number": "身份证号码",
            "phone": "手机号码",
        }
        field = labels.get(e.errors[0].field, e.errors[0].field) if e.errors else ""
        return _register_page(request, f"{field}：{reason}" if field else reason, e.status_code, kept)
    return _login_page(request, next_path="/me", notice=registration.ANSWER)


@router.post("/logout", response_class=RedirectResponse)
def logout(uow: UowDep, caller: SignedIn) -> RedirectResponse:
    with uow.begin() as conn:
        signin.sign_out(conn, caller)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/me", response_class=HTMLResponse)
def me_page(request: Request, uow: UowDep, sec: SecurityDep, caller: SignedIn) -> HTMLResponse:
    assert caller.account_id is not None and caller.role is not None
    with uow.read() as conn:
        account = users.get_account(conn, sec, caller, caller.account_id)
    perms = sorted(GRANTS[caller.role])
    return render(request, "me.html", account=account, permissions=perms, role_label=ROLE_LABELS[caller.role])


def _identity_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Any, message: str = "", status: int = 200, ok: bool = False
) -> HTMLResponse:
    with uow.read() as conn:
        st = realname.status(conn, sec, caller)
    return render(
        request,
        "identity.html",
        status_code=status,
        st=st,
        message=message,
        ok=ok,
        synthetic=sec.settings.identity_provider == "synthetic",
        checks_per_day=sec.settings.identity_checks_per_day,
    )


@router.get("/me/identity", response_class=HTMLResponse)
def identity_page(request: Request, uow: UowDep, sec: SecurityDep, caller: SignedIn) -> HTMLResponse:
    """Real-name verification, step by step: confirm the phone by SMS code, then the identity check."""
    return _identity_page(request, uow, sec, caller)


@router.post("/me/identity/code", response_class=HTMLResponse)
def identity_send_code(request: Request, uow: UowDep, sec: SecurityDep, caller: SignedIn) -> HTMLResponse:
    try:
        realname.send_phone_code(uow, sec, caller, realname.sender_for(sec.settings))
    except AnjuError as e:
        return _identity_page(request, uow, sec, caller, _reason(e), e.status_code)
    minutes = sec.settings.phone_code_minutes
    return _identity_page(request, uow, sec, caller, f"验证码已发送至您登记的手机号码，{minutes} 分钟内有效", ok=True)


@router.post("/me/identity/phone", response_class=HTMLResponse)
def identity_confirm_phone(
    request: Request, uow: UowDep, sec: SecurityDep, caller: SignedIn, code: Annotated[str, Form(max_length=12)]
) -> HTMLResponse:
    try:
        realname.confirm_phone(uow, sec, caller, code)
    except AnjuError as e:
        return _identity_page(request, uow, sec, caller, _reason(e), e.status_code)
    return _identity_page(request, uow, sec, caller, "手机号码已验证，请继续实名核验", ok=True)


@router.post("/me/identity/verify", response_class=HTMLResponse)
def identity_verify(request: Request, uow: UowDep, sec: SecurityDep, caller: SignedIn) -> HTMLResponse:
    try:
        realname.verify_identity(uow, sec, caller, realname.provider_for(sec), realname.sender_for(sec.settings))
    except AnjuError as e:
        return _identity_page(request, uow, sec, caller, _reason(e), e.status_code)
    return _identity_page(request, uow, sec, caller, "实名认证已完成", ok=True)


def _reason(e: AnjuError) -> str:
    return e.errors[0].reason if e.errors else e.message


@router.post("/me/password", response_class=HTMLResponse)
def me_password(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: SignedIn,
    old_password: Annotated[str, Form(max_length=128)],
    new_password: Annotated[str, Form(max_length=128)],
) -> HTMLResponse:
    assert caller.account_id is not None and caller.role is not None
    message, status = "密码已修改，其他会话已退出", 200
    try:
        with uow.begin() as conn:
            users.change_password(conn, sec, caller, old_password, new_password)
    except AnjuError as e:
        message, status = e.message, e.status_code
    with uow.read() as conn:
        account = users.get_account(conn, sec, caller, caller.account_id)
    return render(
        request,
        "me.html",
        status_code=status,
        account=account,
        message=message,
        permissions=sorted(GRANTS[caller.role]),
        role_label=ROLE_LABELS[caller.role],
    )


@router.get("/admin/accounts", response_class=HTMLResponse)
def accounts_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    paging: PagingDep,
    role: Annotated[Role | None, Query()] = None,
    username: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    with uow.read() as conn:
        listed = users.list_accounts(
            conn, sec, caller, role=role, username=username, offset=paging.offset, limit=paging.page_size
        )
    return render(
        request,
        "accounts.html",
        accounts=listed.items,
        pager=pager(listed.total, paging.page, paging.page_size),
        roles=ROLE_LABELS,
        role=role.value if role else "",
        username=username or "",
    )


@router.post("/admin/accounts", response_class=HTMLResponse)
def accounts_create(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    username: Annotated[str, Form(max_length=40)],
    password: Annotated[str, Form(max_length=128)],
    role: Annotated[Role, Form()],
    name: Annotated[str, Form(max_length=40)],
    division_code: Annotated[str, Form(max_length=12)] = "",
    id_number: Annotated[str, Form(max_length=20)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    org_code: Annotated[str, Form(max_length=18)] = "",
) -> HTMLResponse:
    cmd = users.NewAccount(
        username=username,
        password=password,
        role=role,
        name=name,
        division_code=division_code or None,
        id_number=id_number or None,
        phone=phone or None,
        org_code=org_code or None,
    )
    try:
        with uow.begin() as conn:
            created = users.create_account(conn, sec, cmd, caller)
    except AnjuError as e:
        with uow.read() as conn:
            listed = users.list_accounts(conn, sec, caller, limit=50)
        return render(
            request,
            "accounts.html",
            status_code=e.status_code,
            accounts=listed.items,
            pager=pager(listed.total, 1, 50),
            roles=ROLE_LABELS,
            role="",
            username="",
            message=e.message,
        )
    with uow.read() as conn:
        account = users.get_account(conn, sec, caller, created.account_id)
    return render(request, "account.html", account=account, created=created, roles=ROLE_LABELS)


@router.get("/admin/accounts/{account_id}", response_class=HTMLResponse)
def account_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: AccountsManage, account_id: int
) -> HTMLResponse:
    with uow.read() as conn:
        account = users.get_account(conn, sec, caller, account_id)
    return render(request, "account.html", account=account, roles=ROLE_LABELS)


@router.post("/admin/accounts/{account_id}/reveal", response_class=HTMLResponse)
def account_reveal(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: PersonalReveal,
    account_id: int,
    reason: Annotated[str, Form(max_length=200)] = "",
) -> HTMLResponse:
    """A fragment with the full values (HTMX), after the reason is recorded."""
    try:
        with uow.begin() as conn:
            values = users.reveal_account(conn, sec, caller, account_id, users.REVEALABLE, reason)
    except ValidationError as e:
        return render(request, "_reveal.html", status_code=422, message=e.errors[0].reason if e.errors else e.message)
    return render(request, "_reveal.html", values=values)


@router.post("/admin/accounts/{account_id}/disable", response_class=RedirectResponse)
def account_disable(
    uow: UowDep, caller: AccountsManage, account_id: int, reason: Annotated[str, Form(max_length=200)] = ""
) -> RedirectResponse:
    if caller.account_id == account_id:
        raise ValidationError.of("account_id", "不能停用自己的账户")
    with uow.begin() as conn:
        users.set_disabled(conn, caller, account_id, True, reason)
    return RedirectResponse(f"/admin/accounts/{account_id}", status_code=303)


@router.post("/admin/accounts/{account_id}/role", response_class=HTMLResponse)
def account_role(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    account_id: int,
    role: Annotated[Role, Form()],
    division_code: Annotated[str, Form(max_length=12)] = "",
) -> Any:
    try:
        with uow.begin() as conn:
            users.change_role(conn, sec, caller, account_id, role, division_code or None)
    except ValidationError as e:
        with uow.read() as conn:
            account = users.get_account(conn, sec, caller, account_id)
        return render(request, "account.html", status_code=422, account=account, roles=ROLE_LABELS, message=e.message)
    return RedirectResponse(f"/admin/accounts/{account_id}", status_code=303)


@router.post("/admin/accounts/{account_id}/totp", response_class=HTMLResponse)
def account_totp(request: Request, uow: UowDep, sec: SecurityDep, caller: AccountsManage, account_id: int) -> Any:
    """Issue a new TOTP secret (a lost phone): shown once on the page that answers."""
    with uow.begin() as conn:
        created = users.reset_totp(conn, sec, caller, account_id)
    with uow.read() as conn:
        account = users.get_account(conn, sec, caller, account_id)
    return render(request, "account.html", account=account, created=created, roles=ROLE_LABELS)


@router.post("/admin/accounts/{account_id}/enable", response_class=RedirectResponse)
def account_enable(
    uow: UowDep, caller: AccountsManage, account_id: int, reason: Annotated[str, Form(max_length=200)] = ""
) -> RedirectResponse:
    with uow.begin() as conn:
        users.set_disabled(conn, caller, account_id, False, reason)
    return RedirectResponse(f"/admin/accounts/{account_id}", status_code=303)


def _day_bound(d: str | None, end: bool) -> datetime | None:
    if not d:
        return None
    try:
        day = datetime.strptime(d, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationError.of("until" if end else "since", "日期格式应为 YYYY-MM-DD") from None
    from datetime import timedelta

    return datetime.combine(day + timedelta(days=1) if end else day, time(0), CITY_TZ)


@dataclass(frozen=True)
class AuditSearch:
    """The audit page's search form: the filter it means and the values to show back in the form."""

    filter: audit.AuditFilter
    form: dict[str, str]


def audit_search(
    actor: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    entity: Annotated[str | None, Query(max_length=32)] = None,
    entity_id: Annotated[str | None, Query(max_length=40)] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|denied|failed)?$")] = None,
    since: Annotated[str | None, Query(max_length=10)] = None,
    until: Annotated[str | None, Query(max_length=10)] = None,
) -> AuditSearch:
    f = audit.AuditFilter(
        actor or None,
        action or None,
        entity or None,
        entity_id or None,
        outcome or None,
        _day_bound(since, False),
        _day_bound(until, True),
    )
    form = {
        "actor": actor,
        "action": action,
        "entity": entity,
        "entity_id": entity_id,
        "outcome": outcome,
        "since": since,
        "until": until,
    }
    return AuditSearch(f, {k: v or "" for k, v in form.items()})


AuditSearchDep = Annotated[AuditSearch, Depends(audit_search)]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, uow: UowDep, caller: AuditRead, paging: PagingDep, q: AuditSearchDep) -> HTMLResponse:
    with uow.read() as conn:
        listed = audit.list_audit(conn, caller.scope, q.filter, offset=paging.offset, limit=paging.page_size)
    return render(
        request,
        "audit.html",
        rows=listed.items,
        pager=pager(listed.total, paging.page, paging.page_size),
        f=q.form,
        query=request.url.query,
    )


@router.get("/audit.csv", response_class=StreamingResponse)
def audit_csv(uow: UowDep, caller: AuditRead, q: AuditSearchDep) -> StreamingResponse:
    """The page's current search as CSV (the export is recorded)."""
    return StreamingResponse(
        audit.export_audit(uow.engine, caller, q.filter),
        media_type="text/csv; charset=utf-8",
        headers=audit.AUDIT_CSV_HEADERS,
    )
