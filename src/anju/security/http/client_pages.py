"""系统 › 部门接入账户: the administrator's pages over department clients (list, create, edit scopes and
limits, rotate the secret, disable and enable). A new secret is shown once, on the page that answers
the creation or the rotation, and never again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anju.core.errors import AnjuError, Forbidden, ValidationError
from anju.security import SecurityDep, clients
from anju.security.http.deps import AccountsManage
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**62)]
NO_STORE = {"Cache-Control": "no-store"}
FIELD_LABELS = {
    "name": "名称",
    "department": "所属部门",
    "scopes": "权限范围",
    "contact_name": "联系人",
    "contact_phone": "联系电话",
    "rate_per_minute": "每分钟请求上限",
    "daily_quota": "每日调用配额",
    "reason": "事由",
    "confirm": "确认",
}


def _message(e: AnjuError) -> str:
    if not e.errors:
        return e.message
    return "；".join(f"{FIELD_LABELS.get(x.field, x.field)}：{x.reason}" for x in e.errors)


def _number(value: str, field: str, label: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise ValidationError.of(field, f"{label}应为整数") from None


def _form(
    name: str, department: str, scopes: str, contact_name: str, contact_phone: str, rate: str, quota: str
) -> clients.ClientForm:
    return clients.ClientForm(
        name=name,
        department=department,
        scopes=scopes.split(),
        contact_name=contact_name.strip() or None,
        contact_phone=contact_phone.strip() or None,
        rate_per_minute=_number(rate, "rate_per_minute", "每分钟请求上限"),
        daily_quota=_number(quota, "daily_quota", "每日调用配额"),
    )


def _city_wide(caller: Any) -> None:
    """Department clients serve the whole city: a district's administrator does not manage them."""
    if not caller.scope.unrestricted:
        raise Forbidden("部门接入账户为全市共用，仅市级系统管理员可以管理")


def _confirmed(confirm: str) -> None:
    if confirm != "yes":
        raise ValidationError.of("confirm", "请勾选确认后再提交")


def _datasets() -> list[str]:
    return sorted(d for ds in clients.declared_datasets().values() for d in ds)


def _list(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    *,
    page: int = 1,
    page_size: int = 50,
    department: str = "",
    status: str = "",
    message: str = "",
    code: int = 200,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    with uow.read() as conn:
        listed = clients.list_clients(
            conn,
            sec,
            department=department or None,
            status=status or None,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    return render(
        request,
        "clients.html",
        status_code=code,
        rows=listed.items,
        pager=pager(listed.total, page, page_size),
        department=department,
        status=status,
        statuses=clients.STATUS_LABELS,
        departments=clients.DEPARTMENTS,
        datasets=_datasets(),
        operations=clients.OPERATION_LABELS,
        message=message,
        form=form or {},
        rate_default=sec.settings.security_client_rate_default,
        quota_default=sec.settings.security_client_quota_default,
    )


@router.get("/admin/clients", response_class=HTMLResponse)
def clients_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    paging: PagingDep,
    department: Annotated[str, Query(max_length=40)] = "",
    status: Annotated[str, Query(pattern="^(active|disabled)?$")] = "",
) -> HTMLResponse:
    _city_wide(caller)
    return _list(request, uow, sec, page=paging.page, page_size=paging.page_size, department=department, status=status)


@router.post("/admin/clients", response_class=HTMLResponse)
def clients_create(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    name: Annotated[str, Form(max_length=100)] = "",
    department: Annotated[str, Form(max_length=40)] = "",
    scopes: Annotated[str, Form(max_length=20000)] = "",
    contact_name: Annotated[str, Form(max_length=40)] = "",
    contact_phone: Annotated[str, Form(max_length=20)] = "",
    rate_per_minute: Annotated[str, Form(max_length=10)] = "",
    daily_quota: Annotated[str, Form(max_length=12)] = "",
) -> HTMLResponse:
    _city_wide(caller)
    kept = {"name": name, "department": department, "scopes": scopes}
    kept |= {"rate_per_minute": rate_per_minute, "daily_quota": daily_quota}
    try:
        cmd = _form(name, department, scopes, contact_name, contact_phone, rate_per_minute, daily_quota)
        with uow.begin() as conn:
            issued = clients.create_client(conn, sec, caller, cmd)
    except AnjuError as e:
        return _list(request, uow, sec, message=_message(e), code=e.status_code, form=kept)
    return _detail(request, uow, sec, issued.id, issued=issued, code=201)


def _detail(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    pk: int,
    *,
    issued: clients.IssuedSecret | None = None,
    message: str = "",
    code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        row = clients.get_client(conn, sec, pk)
        usage = clients.recent_usage(conn, pk)
        today = clients.calls_today(conn, pk)
    resp = render(
        request,
        "client.html",
        status_code=code,
        c=row,
        usage=usage,
        calls_today=today,
        issued=issued,
        message=message,
        statuses=clients.STATUS_LABELS,
        departments=clients.DEPARTMENTS,
        datasets=_datasets(),
        operations=clients.OPERATION_LABELS,
        grace_hours=sec.settings.security_client_rotation_grace_hours,
    )
    if issued is not None:
        resp.headers.update(NO_STORE)
    return resp


@router.get("/admin/clients/{client_pk}", response_class=HTMLResponse)
def client_page(request: Request, uow: UowDep, sec: SecurityDep, caller: AccountsManage, client_pk: Id) -> HTMLResponse:
    _city_wide(caller)
    return _detail(request, uow, sec, client_pk)


@router.post("/admin/clients/{client_pk}/edit", response_class=HTMLResponse)
def client_edit(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    client_pk: Id,
    name: Annotated[str, Form(max_length=100)] = "",
    department: Annotated[str, Form(max_length=40)] = "",
    scopes: Annotated[str, Form(max_length=20000)] = "",
    contact_name: Annotated[str, Form(max_length=40)] = "",
    contact_phone: Annotated[str, Form(max_length=20)] = "",
    rate_per_minute: Annotated[str, Form(max_length=10)] = "",
    daily_quota: Annotated[str, Form(max_length=12)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Any:
    _city_wide(caller)
    try:
        _confirmed(confirm)
        cmd = _form(name, department, scopes, contact_name, contact_phone, rate_per_minute, daily_quota)
        with uow.begin() as conn:
            clients.update_client(conn, sec, caller, client_pk, cmd)
    except AnjuError as e:
        return _detail(request, uow, sec, client_pk, message=_message(e), code=e.status_code)
    return RedirectResponse(f"/admin/clients/{client_pk}", status_code=303)


@router.post("/admin/clients/{client_pk}/rotate", response_class=HTMLResponse)
def client_rotate(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    client_pk: Id,
    confirm: Annotated[str, Form(max_length=3)] = "",
    revoke_now: Annotated[str, Form(max_length=3)] = "",
) -> HTMLResponse:
    _city_wide(caller)
    try:
        _confirmed(confirm)
        with uow.begin() as conn:
            issued = clients.rotate_secret(conn, sec, caller, client_pk, revoke_now=revoke_now == "yes")
    except AnjuError as e:
        return _detail(request, uow, sec, client_pk, message=_message(e), code=e.status_code)
    return _detail(request, uow, sec, client_pk, issued=issued)


def _status(
    request: Request, uow: UowDep, caller: Any, sec: Any, pk: int, status: str, reason: str, confirm: str
) -> Any:
    _city_wide(caller)
    try:
        _confirmed(confirm)
        with uow.begin() as conn:
            clients.set_status(conn, caller, pk, status, reason)
    except AnjuError as e:
        return _detail(request, uow, sec, pk, message=_message(e), code=e.status_code)
    return RedirectResponse(f"/admin/clients/{pk}", status_code=303)


@router.post("/admin/clients/{client_pk}/disable", response_class=HTMLResponse)
def client_disable(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    client_pk: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Any:
    return _status(request, uow, caller, sec, client_pk, "disabled", reason, confirm)


@router.post("/admin/clients/{client_pk}/enable", response_class=HTMLResponse)
def client_enable(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: AccountsManage,
    client_pk: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Any:
    return _status(request, uow, caller, sec, client_pk, "active", reason, confirm)
