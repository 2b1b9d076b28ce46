"""REST routes of the security context: sign-in, own account, account administration, audit."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from anju.core.errors import TooManyRequests, Unauthenticated, ValidationError
from anju.security import (
    Public,
    SecurityDep,
    SignedIn,
    audit,
    callers,
    ratelimit,
    realname,
    registration,
    signin,
    users,
)
from anju.security.domain import GRANTS, Role
from anju.security.http import schemas
from anju.security.http.deps import AccountsManage, AuditRead, PersonalReveal
from anju.security.policy import client_ip, request_id
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["security"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=2**62)]


def login_allowed(request: Request, rule: str) -> bool:
    limiter: ratelimit.RateLimiter = request.app.state.rate_limiter
    return limiter.hit(rule, "login", client_ip(request) or "-")


@router.post("/auth/token", operation_id="sign_in")
def sign_in(request: Request, uow: UowDep, sec: SecurityDep, _: Public, body: schemas.TokenIn) -> schemas.TokenOut:
    """Exchange username, password (and, for staff, a TOTP code) for an API bearer token."""
    if not login_allowed(request, sec.settings.rate_limit_login):
        audit.record_now(
            uow.engine,
            callers.Caller.anonymous(client_ip(request)),
            "auth.sign_in",
            outcome="denied",
            reason="rate limited",
        )
        raise TooManyRequests("登录尝试过于频繁，请稍后再试")
    with uow.begin() as conn:
        result = signin.sign_in(
            conn,
            sec,
            body.username,
            body.password,
            body.totp,
            kind="api",
            ip=client_ip(request),
            request_id=request_id(request),
        )
    if not result.ok or result.token is None or result.expires_at is None:
        raise Unauthenticated(result.message)
    return schemas.TokenOut(token=result.token, expires_at=result.expires_at)


@router.post("/auth/logout", status_code=204, operation_id="sign_out", response_class=Response)
def sign_out(uow: UowDep, caller: SignedIn) -> Response:
    with uow.begin() as conn:
        signin.sign_out(conn, caller)
    return Response(status_code=204)


@router.post("/auth/register", status_code=202, operation_id="register")
def register(
    request: Request, uow: UowDep, sec: SecurityDep, _: Public, body: schemas.RegisterIn
) -> schemas.RegisterOut:
    """Citizens and landlords open their own account (real-name: identity number and phone). The answer
    is the same whether the account was opened or the username or identity number already has one."""
    if not login_allowed(request, sec.settings.rate_limit_login):
        audit.record_now(
            uow.engine,
            callers.Caller.anonymous(client_ip(request)),
            "http.rate_limited",
            outcome="denied",
            reason=request.url.path,
        )
        raise TooManyRequests("注册过于频繁，请稍后再试")
    cmd = users.NewAccount(
        username=body.username,
        password=body.password,
        role=Role(body.role),
        name=body.name,
        division_code=body.division_code,
        id_number=body.id_number,
        phone=body.phone,
    )
    registration.register(uow, sec, cmd, client_ip(request), request_id(request), realname.sender_for(sec.settings))
    return schemas.RegisterOut(message=registration.ANSWER)


@router.get("/me", operation_id="me")
def me(uow: UowDep, sec: SecurityDep, caller: SignedIn) -> schemas.MeOut:
    assert caller.account_id is not None and caller.role is not None
    with uow.read() as conn:
        account = schemas.AccountOut(**users.get_account(conn, sec, caller, caller.account_id))
    return schemas.MeOut(
        account=account,
        permissions=sorted(GRANTS[caller.role]),
        scope_level=caller.scope.level,
        scope_code=caller.scope.code,
    )


@router.get("/me/identity", operation_id="my_identity")
def my_identity(uow: UowDep, sec: SecurityDep, caller: SignedIn) -> schemas.IdentityStatusOut:
    """Real-name verification: where this account stands and the next step."""
    with uow.read() as conn:
        st = realname.status(conn, sec, caller)
    return schemas.IdentityStatusOut(**st.__dict__)


@router.post("/me/phone/code", status_code=202, operation_id="send_phone_code")
def send_phone_code(uow: UowDep, sec: SecurityDep, caller: SignedIn) -> schemas.PhoneCodeOut:
    """Send a one-time code by SMS to the account's registered phone (throttled)."""
    expires = realname.send_phone_code(uow, sec, caller, realname.sender_for(sec.settings))
    return schemas.PhoneCodeOut(expires_at=expires, message="验证码已发送至您登记的手机号码")


@router.post("/me/phone/confirm", status_code=204, operation_id="confirm_phone", response_class=Response)
def confirm_phone(uow: UowDep, sec: SecurityDep, caller: SignedIn, body: schemas.PhoneCodeIn) -> Response:
    """Confirm the phone with the code; five wrong codes spend it."""
    realname.confirm_phone(uow, sec, caller, body.code)
    return Response(status_code=204)


@router.post("/me/identity/verify", operation_id="verify_identity")
def verify_identity(uow: UowDep, sec: SecurityDep, caller: SignedIn) -> schemas.IdentityStatusOut:
    """Ask the identity provider whether the declared ID number, name and confirmed phone are one
    person's. On success the rights that follow the ID (owner, tenant, household member) apply."""
    realname.verify_identity(uow, sec, caller, realname.provider_for(sec), realname.sender_for(sec.settings))
    with uow.read() as conn:
        st = realname.status(conn, sec, caller)
    return schemas.IdentityStatusOut(**st.__dict__)


@router.post("/me/password", status_code=204, operation_id="change_password", response_class=Response)
def change_password(uow: UowDep, sec: SecurityDep, caller: SignedIn, body: schemas.PasswordIn) -> Response:
    with uow.begin() as conn:
        users.change_password(conn, sec, caller, body.old_password, body.new_password)
    return Response(status_code=204)


@router.get("/accounts", operation_id="list_accounts")
def list_accounts(
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    paging: PagingDep,
    role: Annotated[Role | None, Query(description="角色")] = None,
    username: Annotated[str | None, Query(max_length=40, description="用户名包含")] = None,
) -> Page[schemas.AccountOut]:
    with uow.read() as conn:
        listed = users.list_accounts(
            conn, sec, caller, role=role, username=username, offset=paging.offset, limit=paging.page_size
        )
    return Page(
        items=[schemas.AccountOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/accounts", status_code=201, operation_id="create_account")
def create_account(
    uow: UowDep, sec: SecurityDep, caller: AccountsManage, body: schemas.AccountIn
) -> schemas.CreatedOut:
    cmd = users.NewAccount(**body.model_dump())
    with uow.begin() as conn:
        created = users.create_account(conn, sec, cmd, caller)
        account = schemas.AccountOut(**users.masked(sec, users.account_row(conn, created.account_id)))
    return schemas.CreatedOut(account=account, totp_secret=created.totp_secret, totp_uri=created.totp_uri)


@router.get("/accounts/{account_id}", operation_id="get_account")
def get_account(uow: UowDep, sec: SecurityDep, caller: AccountsManage, account_id: Id) -> schemas.AccountOut:
    with uow.read() as conn:
        return schemas.AccountOut(**users.get_account(conn, sec, caller, account_id))


@router.post("/accounts/lookup", operation_id="lookup_accounts")
def lookup_accounts(
    uow: UowDep, sec: SecurityDep, caller: PersonalReveal, body: schemas.LookupIn
) -> list[schemas.AccountOut]:
    """Exact look-up by identity number or phone (POST, so the value never appears in a URL or access log)."""
    with uow.begin() as conn:  # the look-up itself is audited
        found = users.find_accounts(conn, sec, caller, id_number=body.id_number, phone=body.phone)
    return [schemas.AccountOut(**a) for a in found]


@router.post("/accounts/{account_id}/reveal", operation_id="reveal_account")
def reveal_account(
    uow: UowDep, sec: SecurityDep, caller: PersonalReveal, account_id: Id, body: schemas.RevealIn
) -> schemas.RevealOut:
    """The full personal values, for a stated reason; every such read is audited."""
    with uow.begin() as conn:
        return schemas.RevealOut(**users.reveal_account(conn, sec, caller, account_id, body.fields, body.reason))


@router.post("/accounts/{account_id}/role", status_code=204, operation_id="change_role", response_class=Response)
def change_role(
    uow: UowDep, sec: SecurityDep, caller: AccountsManage, account_id: Id, body: schemas.RoleIn
) -> Response:
    with uow.begin() as conn:
        users.change_role(conn, sec, caller, account_id, body.role, body.division_code)
    return Response(status_code=204)


@router.post("/accounts/{account_id}/disable", status_code=204, operation_id="disable_account", response_class=Response)
def disable_account(uow: UowDep, caller: AccountsManage, account_id: Id, body: schemas.ReasonIn) -> Response:
    if caller.account_id == account_id:
        raise ValidationError.of("account_id", "不能停用自己的账户")
    with uow.begin() as conn:
        users.set_disabled(conn, caller, account_id, True, body.reason)
    return Response(status_code=204)


@router.post("/accounts/{account_id}/enable", status_code=204, operation_id="enable_account", response_class=Response)
def enable_account(uow: UowDep, caller: AccountsManage, account_id: Id, body: schemas.ReasonIn) -> Response:
    with uow.begin() as conn:
        users.set_disabled(conn, caller, account_id, False, body.reason)
    return Response(status_code=204)


@router.post("/accounts/{account_id}/totp", operation_id="reset_totp")
def reset_totp(uow: UowDep, sec: SecurityDep, caller: AccountsManage, account_id: Id) -> schemas.CreatedOut:
    with uow.begin() as conn:
        created = users.reset_totp(conn, sec, caller, account_id)
        account = schemas.AccountOut(**users.masked(sec, users.account_row(conn, account_id)))
    return schemas.CreatedOut(account=account, totp_secret=created.totp_secret, totp_uri=created.totp_uri)


def audit_filter(
    actor: Annotated[str | None, Query(max_length=40, description="操作人用户名")] = None,
    action: Annotated[str | None, Query(max_length=64, description="操作（前缀匹配，如 registry.）")] = None,
    entity: Annotated[str | None, Query(max_length=32, description="对象类型")] = None,
    entity_id: Annotated[str | None, Query(max_length=40, description="对象编号")] = None,
    outcome: Annotated[str | None, Query(pattern="^(ok|denied|failed)$", description="结果")] = None,
    since: Annotated[datetime | None, Query(description="起始时间（带时区）")] = None,
    until: Annotated[datetime | None, Query(description="截止时间（带时区）")] = None,
) -> audit.AuditFilter:
    for name, v in (("since", since), ("until", until)):
        if v is not None and v.tzinfo is None:
            raise ValidationError.of(name, "时间必须带时区，例如 2026-01-01T00:00:00+08:00")
    return audit.AuditFilter(actor, action, entity, entity_id, outcome, since, until)


AuditFilterDep = Annotated[audit.AuditFilter, Depends(audit_filter)]


@router.get("/audit", operation_id="search_audit")
def search_audit(uow: UowDep, caller: AuditRead, paging: PagingDep, f: AuditFilterDep) -> Page[schemas.AuditOut]:
    with uow.read() as conn:
        listed = audit.list_audit(conn, caller.scope, f, offset=paging.offset, limit=paging.page_size)
    return Page(
        items=[schemas.AuditOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/audit/export.csv",
    operation_id="export_audit",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "符合条件的审计记录（CSV，最多一百万行）"}},
)
def export_audit(uow: UowDep, caller: AuditRead, f: AuditFilterDep) -> StreamingResponse:
    """The matching audit rows as CSV, oldest first; the export itself is recorded."""
    return StreamingResponse(
        audit.export_audit(uow.engine, caller, f), media_type="text/csv; charset=utf-8", headers=audit.AUDIT_CSV_HEADERS
    )
