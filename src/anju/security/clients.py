"""Department clients (部门接入账户): machine accounts of other departments (公安, 民政, 人社, 公积金中心,
税务, 银行, 市场监管 …) that call the API with OAuth 2.0 client credentials.

The administrator creates, edits, rotates and disables them (``accounts.manage``: 三员分立 holds, the
administrator sees no business data, only the clients' identity, scopes, limits and counts of calls).
A secret is random (256 bits), shown once and stored only as an argon2id hash. A rotation keeps the
previous hash valid until a grace deadline, so the department switches without downtime. Every change
is recorded in the audit log in its own transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select, update

from anju.contexts import CONTEXTS
from anju.core import clock
from anju.core.errors import FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.security.audit import record
from anju.security.callers import Caller, Security
from anju.security.identity import mask_name, mask_phone, person_name, phone
from anju.security.tables import client_tokens, client_usage, clients

#: What a scope lets a client do with a dataset: read it, deliver a feed of it, subscribe to its events.
OPERATIONS = ("read", "write", "subscribe")
OPERATION_LABELS = {"read": "读取", "write": "报送（投递数据）", "subscribe": "订阅"}
STATUSES = ("active", "disabled")
STATUS_LABELS = {"active": "正常", "disabled": "已停用"}
#: A dataset id: ``<context>.<name>`` (the catalogue's and the feed definitions' naming).
DATASET_RE = re.compile(r"^[a-z][a-z0-9_]{0,30}\.[a-z][a-z0-9_]{0,30}$")
#: The departments the plan names (四: 发改、建设、规划资源、公安、民政、财政、人社、市场监管、统计、金融、税务),
#: offered as suggestions; any other department name is accepted.
DEPARTMENTS = (
    "公安",
    "民政",
    "人社",
    "公积金中心",
    "税务",
    "银行",
    "市场监管",
    "发改",
    "规划资源",
    "财政",
    "统计",
    "金融监管",
    "不动产登记中心",
)
#: The usage row holding a client's total calls of a day (what the daily quota counts).
TOTAL = "*"


def declared_datasets() -> dict[str, set[str]]:
    """Context name → the dataset ids it declares (feeds and catalogue datasets in ``anju.contexts``)."""
    out: dict[str, set[str]] = {c.name: set() for c in CONTEXTS}
    for c in CONTEXTS:
        for name in (*c.feeds, *c.datasets):
            out[c.name].add(name if "." in name else f"{c.name}.{name}")
    return out


def parse_scope(text: str) -> tuple[str, str]:
    """``<dataset>:<operation>`` → (dataset, operation); a ValueError says what is wrong, in Chinese."""
    dataset, sep, operation = text.strip().partition(":")
    if not sep or not DATASET_RE.match(dataset):
        raise ValueError(f"“{text}”应为“<上下文>.<数据集>:<操作>”，如 registry.registrations:read")
    if operation not in OPERATIONS:
        raise ValueError(f"“{text}”的操作应为 read、write 或 subscribe")
    declared = declared_datasets()
    context = dataset.split(".", 1)[0]
    if context not in declared:
        raise ValueError(f"“{text}”的上下文 {context} 不存在")
    if declared[context] and dataset not in declared[context]:
        raise ValueError(
            f"“{text}”：{context} 未声明数据集 {dataset}（已声明：{'、'.join(sorted(declared[context]))}）"
        )
    return dataset, operation


def normalise_scopes(values: list[str] | str, field: str = "scopes") -> list[str]:
    """The scopes, checked, without duplicates, sorted; a bad entry is named (nothing changes)."""
    items = values.split() if isinstance(values, str) else [v for raw in values for v in raw.split()]
    out: set[str] = set()
    for item in items:
        try:
            dataset, operation = parse_scope(item)
        except ValueError as e:
            raise ValidationError.of(field, str(e)) from None
        out.add(f"{dataset}:{operation}")
    if len(out) > 200:
        raise ValidationError.of(field, "一个账户最多 200 项权限范围")
    return sorted(out)


@dataclass(frozen=True)
class ClientForm:
    """What the administrator sets on a client (create or edit)."""

    name: str
    department: str
    scopes: list[str]
    contact_name: str | None = None
    contact_phone: str | None = None
    rate_per_minute: int | None = None
    daily_quota: int | None = None


@dataclass(frozen=True)
class CheckedForm:
    name: str
    department: str
    scopes: list[str]
    contact_name: str | None
    contact_phone: str | None
    rate_per_minute: int
    daily_quota: int


def check_form(form: ClientForm, sec: Security) -> CheckedForm:
    """Every field checked at once: all problems named, by field, in Chinese."""
    errors: list[FieldError] = []

    def guard(field: str, fn: Any) -> Any:
        try:
            return fn()
        except ValidationError as e:
            errors.extend(e.errors or [FieldError(field, e.message)])
            return None

    name = " ".join(form.name.split())
    if not 2 <= len(name) <= 100:
        errors.append(FieldError("name", "名称应为 2–100 个字"))
    department = " ".join(form.department.split())
    if not 2 <= len(department) <= 40:
        errors.append(FieldError("department", "所属部门应为 2–40 个字"))
    scopes = guard("scopes", lambda: normalise_scopes(form.scopes)) or []
    cname = guard("contact_name", lambda: person_name(form.contact_name, "contact_name")) if form.contact_name else None
    cphone = guard("contact_phone", lambda: phone(form.contact_phone, "contact_phone")) if form.contact_phone else None
    rate = form.rate_per_minute if form.rate_per_minute is not None else sec.settings.security_client_rate_default
    if not 1 <= rate <= 100_000:
        errors.append(FieldError("rate_per_minute", "每分钟请求上限应在 1–100000 之间"))
    quota = form.daily_quota if form.daily_quota is not None else sec.settings.security_client_quota_default
    if not 1 <= quota <= 100_000_000:
        errors.append(FieldError("daily_quota", "每日调用配额应在 1–100000000 之间"))
    if errors:
        raise ValidationError("；".join(f"{e.field}：{e.reason}" for e in errors), errors)
    return CheckedForm(name, department, scopes, cname, cphone, rate, quota)


class ClientRow(TypedDict):
    """A client as the administrator sees it: contact masked, no secret."""

    id: int
    client_id: str
    name: str
    department: str
    contact_name: str | None
    contact_phone: str | None
    status: str
    scopes: list[str]
    rate_per_minute: int
    daily_quota: int
    secret_created_at: datetime
    previous_expires_at: datetime | None
    created_by: str
    created_at: datetime
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class IssuedSecret:
    """A client's new secret: shown once, never stored."""

    id: int
    client_id: str
    secret: str
    previous_valid_until: datetime | None = None


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def _row(sec: Security, r: Any) -> ClientRow:
    m = r._mapping
    cname = sec.keyring.decrypt(m["contact_name_enc"], "clients.contact_name") if m["contact_name_enc"] else None
    cphone = sec.keyring.decrypt(m["contact_phone_enc"], "clients.contact_phone") if m["contact_phone_enc"] else None
    return ClientRow(
        id=m["id"],
        client_id=m["client_id"],
        name=m["name"],
        department=m["department"],
        contact_name=mask_name(cname) if cname else None,
        contact_phone=mask_phone(cphone) if cphone else None,
        status=m["status"],
        scopes=m["scopes"].split(),
        rate_per_minute=m["rate_per_minute"],
        daily_quota=m["daily_quota"],
        secret_created_at=m["secret_created_at"],
        previous_expires_at=m["previous_expires_at"],
        created_by=m["created_by"],
        created_at=m["created_at"],
        updated_by=m["updated_by"],
        updated_at=m["updated_at"],
    )


class _Columns(TypedDict):
    name: str
    department: str
    contact_name_enc: bytes | None
    contact_phone_enc: bytes | None
    scopes: str
    rate_per_minute: int
    daily_quota: int


class _Detail(TypedDict):
    department: str
    scopes: list[str]
    rate_per_minute: int
    daily_quota: int


def _values(sec: Security, f: CheckedForm) -> _Columns:
    enc = sec.keyring.encrypt
    return {
        "name": f.name,
        "department": f.department,
        "contact_name_enc": enc(f.contact_name, "clients.contact_name") if f.contact_name else None,
        "contact_phone_enc": enc(f.contact_phone, "clients.contact_phone") if f.contact_phone else None,
        "scopes": " ".join(f.scopes),
        "rate_per_minute": f.rate_per_minute,
        "daily_quota": f.daily_quota,
    }


def _detail(f: CheckedForm) -> _Detail:
    return {
        "department": f.department,
        "scopes": f.scopes,
        "rate_per_minute": f.rate_per_minute,
        "daily_quota": f.daily_quota,
    }


def create_client(conn: Connection, sec: Security, caller: Caller, form: ClientForm) -> IssuedSecret:
    """A new active client and its first secret (returned once)."""
    checked = check_form(form, sec)
    now, secret = clock.now(), new_secret()
    client_id = f"dept-{secrets.token_hex(8)}"
    who = caller.username[:40]
    pk = conn.execute(
        clients.insert()
        .values(
            client_id=client_id,
            status="active",
            secret_hash=sec.hasher.hash(secret),
            secret_created_at=now,
            created_by=who,
            created_at=now,
            updated_by=who,
            updated_at=now,
            **_values(sec, checked),
        )
        .returning(clients.c.id)
    ).scalar_one()
    record(conn, caller, "client.create", entity="client", entity_id=pk, detail=dict(_detail(checked)))
    return IssuedSecret(int(pk), client_id, secret)


def _locked(conn: Connection, pk: int) -> Any:
    row = conn.execute(select(clients).where(clients.c.id == pk).with_for_update()).first()
    if row is None:
        raise NotFound("部门接入账户不存在")
    return row


def update_client(conn: Connection, sec: Security, caller: Caller, pk: int, form: ClientForm) -> None:
    """Change name, department, contact, scopes and limits. A removed scope stops at once, also for the
    tokens already issued (a call checks the token's scopes against the client's); an added one needs a
    new token."""
    _locked(conn, pk)
    checked = check_form(form, sec)
    # a contact left blank keeps the one on record (the form never shows it unmasked to refill)
    values = {k: v for k, v in _values(sec, checked).items() if v is not None or not k.startswith("contact_")}
    conn.execute(
        update(clients)
        .where(clients.c.id == pk)
        .values(updated_by=caller.username[:40], updated_at=clock.now(), **values)
    )
    record(conn, caller, "client.update", entity="client", entity_id=pk, detail=dict(_detail(checked)))


def rotate_secret(
    conn: Connection, sec: Security, caller: Caller, pk: int, *, revoke_now: bool = False
) -> IssuedSecret:
    """A new secret; the current one stays valid for the grace period (a secret rotated before still
    in its grace period stops at once: a client holds at most two secrets). ``revoke_now`` is the
    emergency rotation (a leaked secret): the previous secret stops at once and every live token of
    the client is revoked, so the department gets a new token only with the new secret."""
    row = _locked(conn, pk)
    now, secret = clock.now(), new_secret()
    grace = timedelta(hours=sec.settings.security_client_rotation_grace_hours)
    until = now + grace if grace and not revoke_now else None
    conn.execute(
        update(clients)
        .where(clients.c.id == pk)
        .values(
            secret_hash=sec.hasher.hash(secret),
            secret_created_at=now,
            previous_secret_hash=row.secret_hash if until else None,
            previous_expires_at=until,
            updated_by=caller.username[:40],
            updated_at=now,
        )
    )
    revoked = 0
    if revoke_now:
        revoked = conn.execute(
            update(client_tokens)
            .where(client_tokens.c.client_pk == pk, client_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        ).rowcount
    detail = {"previous_valid_until": until, "revoke_now": revoke_now, "tokens_revoked": revoked}
    record(conn, caller, "client.rotate", entity="client", entity_id=pk, detail=detail)
    return IssuedSecret(pk, row.client_id, secret, until)


def set_status(conn: Connection, caller: Caller, pk: int, status: str, reason: str) -> None:
    """Disable (its tokens are revoked at once) or enable a client; the reason is recorded."""
    if status not in STATUSES:
        raise ValidationError.of("status", "状态应为 active 或 disabled")
    reason = " ".join(reason.split())
    if len(reason) < 2:
        raise ValidationError.of("reason", "请填写事由")
    row = _locked(conn, pk)
    now = clock.now()
    if row.status != status:
        conn.execute(
            update(clients)
            .where(clients.c.id == pk)
            .values(status=status, updated_by=caller.username[:40], updated_at=now)
        )
    if status == "disabled":
        conn.execute(
            update(client_tokens)
            .where(client_tokens.c.client_pk == pk, client_tokens.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    action = "client.disable" if status == "disabled" else "client.enable"
    record(conn, caller, action, entity="client", entity_id=pk, reason=reason)


def get_client(conn: Connection, sec: Security, pk: int) -> ClientRow:
    row = conn.execute(select(clients).where(clients.c.id == pk)).first()
    if row is None:
        raise NotFound("部门接入账户不存在")
    return _row(sec, row)


def find_client(conn: Connection, sec: Security, client_id: str) -> ClientRow:
    row = conn.execute(select(clients).where(clients.c.client_id == client_id)).first()
    if row is None:
        raise NotFound(f"部门接入账户 {client_id} 不存在")
    return _row(sec, row)


def list_clients(
    conn: Connection,
    sec: Security,
    *,
    department: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page[ClientRow]:
    cond = []
    if department:
        cond.append(clients.c.department == department)
    if status:
        cond.append(clients.c.status == status)
    stmt = select(clients).where(*cond).order_by(clients.c.department, clients.c.id)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: _row(sec, r))


class UsageRow(TypedDict):
    day: date
    dataset: str
    operation: str
    calls: int


def recent_usage(conn: Connection, pk: int, days: int = 14, limit: int = 500) -> list[UsageRow]:
    """Calls per day and dataset over the last ``days`` days, newest first (the daily totals left out)."""
    since = clock.today() - timedelta(days=days - 1)
    u = client_usage
    rows = conn.execute(
        select(u.c.day, u.c.dataset, u.c.operation, u.c.calls)
        .where(u.c.client_pk == pk, u.c.day >= since, u.c.dataset != TOTAL)
        .order_by(u.c.day.desc(), u.c.dataset, u.c.operation)
        .limit(limit)
    ).all()
    return [UsageRow(day=r.day, dataset=r.dataset, operation=r.operation, calls=r.calls) for r in rows]


def calls_today(conn: Connection, pk: int) -> int:
    u = client_usage
    got = conn.execute(
        select(func.coalesce(func.sum(u.c.calls), 0)).where(
            u.c.client_pk == pk, u.c.day == clock.today(), u.c.dataset == TOTAL
        )
    ).scalar_one()
    return int(got)
