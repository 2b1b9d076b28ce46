"""Use cases of the security context: accounts, sign-in, sessions, scopes, personal data, audit.

Every write runs in the caller's one transaction and records its audit row inside it. Personal
values enter through the validators in :mod:`anju.security.identity`, are stored only encrypted, and
leave masked unless :func:`reveal_account` is called with a reason (which is audited).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pyotp
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, event, func, select, update

from anju import divisions as div
from anju.core import clock
from anju.core.db import UnitOfWork, insert_row
from anju.core.errors import Conflict, Forbidden, NotFound, ValidationError
from anju.core.scope import OutOfScope, Scope
from anju.core.settings import Settings
from anju.security import identity, passwords
from anju.security.crypto import Keyring, keyring_from_settings
from anju.security.roles import PUBLIC_ROLES, STAFF_LEVEL, STAFF_ROLES, Role, allowed
from anju.security.tables import accounts, audit_log, sessions

T = TypeVar("T")

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")
TOTP_ISSUER = "Anju 安居"
#: ``last_seen_at`` is written at most this often per session (a write per request would serialise reads).
TOUCH_EVERY = timedelta(seconds=60)


# ------------------------------------------------------------------------------------------------
# who is calling
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """The authenticated (or anonymous) party of a request or job, with its data scope."""

    account_id: int | None
    username: str
    role: Role | None
    division_code: str | None
    scope: Scope
    session_id: int | None = None
    session_kind: str | None = None
    csrf_token: str | None = None
    ip: str | None = None
    request_id: str | None = None

    @property
    def signed_in(self) -> bool:
        return self.account_id is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def can(self, permission: str) -> bool:
        """Whether the caller's role holds ``permission`` (pages show or hide actions with it)."""
        return allowed(self.role, permission)

    @classmethod
    def anonymous(cls, ip: str | None = None, request_id: str | None = None) -> Caller:
        return cls(None, "anonymous", None, None, Scope.nothing(), ip=ip, request_id=request_id)

    @classmethod
    def system(cls, job: str) -> Caller:
        return cls(None, f"system:{job}", None, None, Scope.whole_city())


class Security:
    """Per-process security state: settings, keys, the password hasher and the scope cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.keyring: Keyring = keyring_from_settings(settings)
        self.hasher: PasswordHasher = passwords.hasher(settings)
        self._dummy: str | None = None
        self._scopes: dict[str, frozenset[str]] = {}
        self._lock = threading.Lock()
        #: token hash → (monotonic time cached, caller, session expiry, last seen)
        self._sessions: dict[str, tuple[float, Caller, datetime, datetime]] = {}
        _CACHES.add(self)

    def cached_session(self, key: str) -> tuple[Caller, datetime, datetime] | None:
        ttl = self.settings.session_cache_seconds
        hit = self._sessions.get(key) if ttl > 0 else None
        if hit is None or time.monotonic() - hit[0] > ttl:
            return None
        return hit[1], hit[2], hit[3]

    def cache_session(self, key: str, caller: Caller, expires_at: datetime, last_seen: datetime) -> None:
        if self.settings.session_cache_seconds > 0:
            with self._lock:
                if len(self._sessions) > 10_000:
                    self._sessions.clear()
                self._sessions[key] = (time.monotonic(), caller, expires_at, last_seen)

    def forget_sessions(self) -> None:
        with self._lock:
            self._sessions.clear()

    @property
    def dummy_hash(self) -> str:
        if self._dummy is None:
            self._dummy = passwords.dummy_hash(self.hasher)
        return self._dummy

    def streets_of(self, conn: Connection, code: str) -> frozenset[str]:
        """The street codes inside a district/zone (cached: divisions change rarely, and by migration)."""
        hit = self._scopes.get(code)
        if hit is None:
            kids, _ = div.children(conn, code, "street", limit=100_000)
            # A street managed by a functional zone (江北新区) belongs to the zone's scope, not its legal district's.
            hit = frozenset(k.code for k in kids if k.managing_code in (None, code))
            with self._lock:
                self._scopes[code] = hit
        return hit

    def scope_for(self, conn: Connection, account_id: int, role: Role, division_code: str | None) -> Scope:
        if role in PUBLIC_ROLES:
            return Scope.own(account_id)
        if division_code is None:
            return Scope.nothing()
        if len(division_code) == 9:
            return Scope.of_streets("street", division_code, [division_code])
        if division_code == self.settings.city_code:
            return Scope.whole_city(division_code)
        return Scope.of_streets("district", division_code, self.streets_of(conn, division_code))


_CACHES: weakref.WeakSet[Security] = weakref.WeakSet()


def forget_sessions() -> None:
    """Drop every cached session in this process (after a sign-out, a role change, a disabled account)."""
    for sec in list(_CACHES):
        sec.forget_sessions()


def forget_sessions_after_commit(conn: Connection) -> None:
    """Drop cached sessions now and once more when ``conn``'s transaction commits: a request resolved
    between the two (still seeing the old row) cannot leave a stale session in the cache."""
    forget_sessions()
    event.listen(conn, "commit", lambda _c: forget_sessions(), once=True)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ------------------------------------------------------------------------------------------------
# audit
# ------------------------------------------------------------------------------------------------


_AUDIT = audit_log.insert()  # built once: every write of every route executes it


def record(
    conn: Connection,
    caller: Caller,
    action: str,
    *,
    entity: str | None = None,
    entity_id: object = None,
    outcome: str = "ok",
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row (in the caller's transaction). ``detail`` must hold no personal values."""
    insert_row(
        conn,
        _AUDIT,
        {
            "at": clock.now(),
            "actor_id": caller.account_id,
            "actor": caller.username[:40],
            "role": caller.role.value if caller.role else None,
            "scope_code": caller.scope.code or None,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id)[:40],
            "outcome": outcome,
            "reason": reason[:200] if reason else None,
            "ip": caller.ip,
            "request_id": caller.request_id,
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        },
    )


AUDIT_TARGET = "anju.audit.entity_id"


def set_audit_target(conn: Connection, entity_id: object) -> None:
    """Name the record a write created (its id is known only after the insert)."""
    conn.info[AUDIT_TARGET] = entity_id


@contextmanager
def audited(
    uow: UnitOfWork, caller: Caller, action: str, entity: str | None = None, entity_id: object = None
) -> Iterator[Connection]:
    """One write transaction whose audit row is written inside it, just before commit.

    Route handlers open every write through this (tests/test_architecture.py refuses ``uow.begin``
    in route modules), so no write can skip its audit row.
    """
    with uow.begin() as conn:
        conn.info.pop(AUDIT_TARGET, None)
        yield conn
        target = conn.info.pop(AUDIT_TARGET, entity_id)
        record(conn, caller, action, entity=entity, entity_id=target)


async def audited_grouped(
    uow: UnitOfWork,
    caller: Caller,
    action: str,
    entity: str | None,
    entity_id: object,
    work: Callable[[Connection], T],
    *,
    wrote: Callable[[T], bool] = lambda _r: True,
) -> T:
    """``audited`` for a busy write on an entity known beforehand (lease filing), committed together
    with other requests' writes (``UnitOfWork.grouped``): ``work`` and its audit row run in a shared
    transaction (or, without group commit, in one of their own), and the answer comes after the
    commit. A result ``wrote`` refuses (a replay answered from storage, which wrote nothing) gets no
    audit row. Every other write uses ``audited``."""

    def job(conn: Connection) -> T:
        result = work(conn)
        if wrote(result):
            record(conn, caller, action, entity=entity, entity_id=entity_id)
        return result

    return await uow.grouped(job)


def record_now(engine: Engine, caller: Caller, action: str, **kw: Any) -> None:
    """Record in a transaction of its own (refusals: the request itself writes nothing)."""
    with engine.begin() as conn:
        record(conn, caller, action, **kw)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # prefix, e.g. "registry." or "auth."
    entity: str | None = None
    entity_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self, scope: Scope) -> list[Any]:
        """A district auditor sees the actions of callers scoped inside the district."""
        a = audit_log
        cond: list[Any] = []
        if not scope.unrestricted:
            inside = sorted((scope.streets or frozenset()) | {scope.code})
            cond.append(a.c.scope_code.in_(inside))
        if self.actor:
            cond.append(a.c.actor == self.actor)
        if self.action:
            cond.append(a.c.action.startswith(self.action, autoescape=True))
        if self.entity:
            cond.append(a.c.entity == self.entity)
        if self.entity_id:
            cond.append(a.c.entity_id == self.entity_id)
        if self.outcome:
            cond.append(a.c.outcome == self.outcome)
        if self.since:
            cond.append(a.c.at >= self.since)
        if self.until:
            cond.append(a.c.at < self.until)
        return cond


def list_audit(
    conn: Connection, scope: Scope, f: AuditFilter, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Audit rows, newest first."""
    a = audit_log
    cond = f.conditions(scope)
    total = conn.execute(select(func.count()).select_from(a).where(*cond)).scalar_one()
    rows = conn.execute(select(a).where(*cond).order_by(a.c.id.desc()).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], int(total)


AUDIT_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "scope_code",
    "action",
    "entity",
    "entity_id",
    "outcome",
    "reason",
    "ip",
    "request_id",
    "detail",
)


def export_audit(engine: Engine, caller: Caller, f: AuditFilter) -> Iterator[bytes]:
    """An audit search as CSV chunks for a download; the export itself is recorded first."""
    record_now(engine, caller, "audit.export", detail={k: v for k, v in vars(f).items() if v is not None})
    return audit_csv(engine, caller.scope, f)


AUDIT_CSV_HEADERS = {"Content-Disposition": 'attachment; filename="audit.csv"'}


def _cell(v: Any) -> Any:
    """A CSV cell a spreadsheet will not run: free text starting with = + - @ gets a leading apostrophe."""
    if v is None:
        return ""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + v
    return v


def audit_csv(engine: Engine, scope: Scope, f: AuditFilter, *, limit: int = 1_000_000) -> Iterator[bytes]:
    """The matching audit rows as CSV (UTF-8 with BOM for Excel), oldest first, streamed in chunks."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf)
    buf.write("\ufeff")
    w.writerow(
        [
            "编号",
            "时间（北京时间）",
            "操作人",
            "角色",
            "范围",
            "操作",
            "对象类型",
            "对象编号",
            "结果",
            "事由",
            "来源地址",
            "请求编号",
            "详情",
        ]
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(audit_log.c[c] for c in AUDIT_COLUMNS))
            .where(*f.conditions(scope))
            .order_by(audit_log.c.id)
            .limit(limit)
            .execution_options(yield_per=2000)
        )
        for n, row in enumerate(rows, 1):
            values = list(row)
            values[1] = clock.to_local(values[1]).strftime("%Y-%m-%d %H:%M:%S")
            w.writerow([_cell(v) for v in values])
            if n % 2000 == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue().encode("utf-8")


# ------------------------------------------------------------------------------------------------
# accounts
# ------------------------------------------------------------------------------------------------


@dataclass
class NewAccount:
    username: str
    password: str
    role: Role
    name: str
    division_code: str | None = None
    id_number: str | None = None
    phone: str | None = None
    org_code: str | None = None


@dataclass(frozen=True)
class Created:
    account_id: int
    #: For staff accounts: the TOTP secret, shown once to be entered into an authenticator app.
    totp_secret: str | None
    totp_uri: str | None


def _check_division(conn: Connection, sec: Security, role: Role, code: str | None) -> str | None:
    if role in PUBLIC_ROLES:
        if code is None:
            return None
        if not div.exists(conn, code):
            raise ValidationError.of("division_code", f"未知的区划代码 {code}")
        return code
    if not code:
        raise ValidationError.of("division_code", "工作人员账户必须指定所属区划")
    if not div.exists(conn, code):
        raise ValidationError.of("division_code", f"未知的区划代码 {code}")
    level = div.get(conn, code).level
    allowed = STAFF_LEVEL[role]
    if level not in allowed:
        names = {"street": "街道", "district": "区", "zone": "功能区", "city": "市"}
        want = "、".join(names[x] for x in allowed)
        raise ValidationError.of("division_code", f"该角色的账户应归属于{want}级区划")
    if level == "city" and code != sec.settings.city_code:
        raise ValidationError.of("division_code", "不是本市的区划代码")
    return code


def _validate_account(conn: Connection, sec: Security, cmd: NewAccount) -> dict[str, Any]:
    username = cmd.username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ValidationError.of("username", "用户名应为 3–40 位小写字母、数字或 _ . -，以字母开头")
    name = identity.person_name(cmd.name)
    id_number = identity.resident_id(cmd.id_number) if cmd.id_number else None
    phone = identity.phone(cmd.phone) if cmd.phone else None
    if cmd.role in (Role.citizen, Role.landlord) and id_number is None:
        raise ValidationError.of("id_number", "市民与房东账户须登记居民身份证号码")
    if cmd.role in PUBLIC_ROLES and phone is None:
        raise ValidationError.of("phone", "须登记手机号码")
    org = None
    if cmd.role is Role.agency:
        if not cmd.org_code:
            raise ValidationError.of("org_code", "企业人员账户须登记企业统一社会信用代码")
        org = identity.credit_code(cmd.org_code)
    elif cmd.org_code:
        raise ValidationError.of("org_code", "只有企业人员账户登记统一社会信用代码")
    division_code = _check_division(conn, sec, cmd.role, cmd.division_code)
    passwords.check_policy(cmd.password, username, sec.settings.password_min_length)
    if conn.execute(select(accounts.c.id).where(accounts.c.username == username)).first():
        raise Conflict("该用户名已被使用", [])
    kr = sec.keyring
    id_bidx = kr.blind_index(id_number, "id_number") if id_number else None
    if id_bidx and conn.execute(select(accounts.c.id).where(accounts.c.id_number_bidx == id_bidx)).first():
        raise Conflict("该证件号码已注册账户", [])
    return {
        "username": username,
        "role": cmd.role.value,
        "division_code": division_code,
        "org_code": org,
        "name_enc": kr.encrypt(name, "accounts.name"),
        "name_bidx": kr.blind_index(name, "name"),
        "id_number_enc": kr.encrypt(id_number, "accounts.id_number") if id_number else None,
        "id_number_bidx": id_bidx,
        "phone_enc": kr.encrypt(phone, "accounts.phone") if phone else None,
        "phone_bidx": kr.blind_index(phone, "phone") if phone else None,
    }


def create_account(conn: Connection, sec: Security, cmd: NewAccount, actor: Caller) -> Created:
    """Create an account (the administrator for staff, the citizen for themself); audited."""
    if actor.signed_in and cmd.role in PRIVILEGED:
        raise Forbidden(SEPARATION)
    if actor.signed_in and not _can_manage(actor, cmd.division_code, cmd.role):
        raise Forbidden("不能在您的管辖范围之外创建账户")
    values = _validate_account(conn, sec, cmd)
    now = clock.now()
    totp_secret = pyotp.random_base32() if cmd.role in STAFF_ROLES else None
    res = conn.execute(
        accounts.insert().values(
            **values,
            password_hash=sec.hasher.hash(cmd.password),
            password_changed_at=now,
            totp_secret_enc=sec.keyring.encrypt(totp_secret, "accounts.totp_secret") if totp_secret else None,
            totp_last_step=None,
            failed_logins=0,
            locked_until=None,
            disabled_at=None,
            created_at=now,
            updated_at=now,
        )
    )
    assert res.inserted_primary_key is not None
    aid = int(res.inserted_primary_key[0])
    record(conn, actor, "account.create", entity="account", entity_id=aid, detail={"role": cmd.role.value})
    uri = (
        pyotp.TOTP(totp_secret).provisioning_uri(name=values["username"], issuer_name=TOTP_ISSUER)
        if totp_secret
        else None
    )
    return Created(aid, totp_secret, uri)


#: Roles whose accounts only the server's operators manage (``anju users``), never an administrator on
#: line: an administrator cannot make anyone — themself included — an auditor or another administrator,
#: nor change, disable or re-key such an account (三员分立).
PRIVILEGED = frozenset({Role.auditor, Role.administrator})
SEPARATION = "审计员与系统管理员账户只能由运维人员在服务器上用 anju users 命令管理（三员分立）"


def _can_manage(actor: Caller, division_code: str | None, role: Role) -> bool:
    """Whether an account lies in the actor's division (public accounts without one: city only)."""
    if actor.scope.unrestricted:
        return True
    if division_code is None:
        return False
    if role in (Role.city_officer,):
        return False
    return actor.scope.allows_division(division_code)


def account_row(conn: Connection, account_id: int) -> Any:
    row = conn.execute(select(accounts).where(accounts.c.id == account_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有编号为 {account_id} 的账户")
    return row


def _scoped_account(conn: Connection, caller: Caller, account_id: int) -> Any:
    row = account_row(conn, account_id)
    if not _can_manage(caller, row["division_code"], Role(row["role"])):
        raise OutOfScope(f"没有编号为 {account_id} 的账户")
    return row


def _managed_account(conn: Connection, caller: Caller, account_id: int) -> Any:
    """An account the caller may change: in scope, not the caller's own, not a privileged one."""
    if caller.signed_in and caller.account_id == account_id:
        raise Forbidden("不能变更自己的角色、状态或动态口令")
    row = _scoped_account(conn, caller, account_id)
    if caller.signed_in and Role(row["role"]) in PRIVILEGED:
        raise Forbidden(SEPARATION)
    return row


def masked(sec: Security, row: Any) -> dict[str, Any]:
    """The public face of an account: personal values masked."""
    kr = sec.keyring
    idn = kr.decrypt(row["id_number_enc"], "accounts.id_number") if row["id_number_enc"] else None
    ph = kr.decrypt(row["phone_enc"], "accounts.phone") if row["phone_enc"] else None
    now = clock.now()
    return {
        "id": row["id"],
        "username": row["username"],
        "role": row["role"],
        "division_code": row["division_code"],
        "org_code": row["org_code"],
        "name": identity.mask_name(kr.decrypt(row["name_enc"], "accounts.name")),
        "id_number": identity.mask_id(idn) if idn else None,
        "phone": identity.mask_phone(ph) if ph else None,
        "totp_enrolled": row["totp_secret_enc"] is not None,
        "locked": bool(row["locked_until"] and row["locked_until"] > now),
        "disabled": row["disabled_at"] is not None,
        "created_at": row["created_at"],
    }


def get_account(conn: Connection, sec: Security, caller: Caller, account_id: int) -> dict[str, Any]:
    if caller.account_id == account_id:
        return masked(sec, account_row(conn, account_id))
    return masked(sec, _scoped_account(conn, caller, account_id))


def list_accounts(
    conn: Connection,
    sec: Security,
    caller: Caller,
    *,
    role: Role | None = None,
    username: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    cond: list[Any] = []
    if not caller.scope.unrestricted:
        inside = sorted((caller.scope.streets or frozenset()) | {caller.scope.code})
        cond += [accounts.c.division_code.in_(inside), accounts.c.role != Role.city_officer.value]
    if role:
        cond.append(accounts.c.role == role.value)
    if username:
        cond.append(accounts.c.username.contains(username.strip().lower(), autoescape=True))
    total = conn.execute(select(func.count()).select_from(accounts).where(*cond)).scalar_one()
    rows = conn.execute(select(accounts).where(*cond).order_by(accounts.c.id).offset(offset).limit(limit)).mappings()
    return [masked(sec, r) for r in rows], int(total)


def find_accounts(
    conn: Connection, sec: Security, caller: Caller, *, id_number: str | None = None, phone: str | None = None
) -> list[dict[str, Any]]:
    """Exact look-up by identity number or phone through the blind index (nothing is decrypted to search)."""
    kr = sec.keyring
    if id_number:
        cond = accounts.c.id_number_bidx == kr.blind_index(identity.resident_id(id_number), "id_number")
    elif phone:
        cond = accounts.c.phone_bidx == kr.blind_index(identity.phone(phone), "phone")
    else:
        raise ValidationError.of("id_number", "请提供证件号码或手机号码")
    rows = conn.execute(select(accounts).where(cond).order_by(accounts.c.id).limit(50)).mappings().all()
    found = [masked(sec, r) for r in rows if _can_manage(caller, r["division_code"], Role(r["role"]))]
    # the kind of value searched for is recorded, never the value
    record(
        conn,
        caller,
        "personal.lookup",
        entity="account",
        detail={"by": "id_number" if id_number else "phone", "found": len(found)},
    )
    return found


REVEALABLE = ("name", "id_number", "phone")


def reveal_account(
    conn: Connection, sec: Security, caller: Caller, account_id: int, fields: Sequence[str], reason: str
) -> dict[str, str | None]:
    """The unmasked personal values of an account, for a stated reason; the read is audited."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError.of("reason", "查看完整个人信息须填写事由（至少 4 个字）")
    bad = [f for f in fields if f not in REVEALABLE]
    if bad or not fields:
        raise ValidationError.of("fields", f"可查看的字段为 {'、'.join(REVEALABLE)}")
    row = (
        account_row(conn, account_id) if caller.account_id == account_id else _scoped_account(conn, caller, account_id)
    )
    kr = sec.keyring
    out: dict[str, str | None] = {}
    for f in fields:
        blob = row[f"{f}_enc"]
        out[f] = kr.decrypt(blob, f"accounts.{f}") if blob else None
    record(
        conn,
        caller,
        "personal.reveal",
        entity="account",
        entity_id=account_id,
        reason=reason,
        detail={"fields": list(fields)},
    )
    return out


def change_role(
    conn: Connection, sec: Security, caller: Caller, account_id: int, role: Role, division_code: str | None
) -> None:
    """Grant another role (or take one away): effective on the account's very next request."""
    row = _managed_account(conn, caller, account_id)
    if caller.signed_in and role in PRIVILEGED:
        raise Forbidden(SEPARATION)
    if not _can_manage(caller, division_code, role):
        raise Forbidden("不能授予您管辖范围之外的角色")
    if (row["role"] in {r.value for r in PUBLIC_ROLES}) != (role in PUBLIC_ROLES):
        raise ValidationError.of("role", "不能在市民类账户与工作人员账户之间转换")
    code = _check_division(conn, sec, role, division_code)
    values: dict[str, Any] = {"role": role.value, "division_code": code, "updated_at": clock.now()}
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(**values))
    forget_sessions_after_commit(conn)
    record(
        conn,
        caller,
        "account.change_role",
        entity="account",
        entity_id=account_id,
        detail={"from": row["role"], "to": role.value, "division_code": code},
    )


def set_disabled(conn: Connection, caller: Caller, account_id: int, disabled: bool, reason: str) -> None:
    _managed_account(conn, caller, account_id)
    if not reason.strip():
        raise ValidationError.of("reason", "须填写停用或启用的事由")
    now = clock.now()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(disabled_at=now if disabled else None, failed_logins=0, locked_until=None, updated_at=now)
    )
    if disabled:
        _revoke_sessions(conn, account_id, now)
    forget_sessions_after_commit(conn)
    record(
        conn,
        caller,
        "account.disable" if disabled else "account.enable",
        entity="account",
        entity_id=account_id,
        reason=reason.strip(),
    )


def reset_totp(conn: Connection, sec: Security, caller: Caller, account_id: int) -> Created:
    row = _managed_account(conn, caller, account_id)
    secret = pyotp.random_base32()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == account_id)
        .values(totp_secret_enc=sec.keyring.encrypt(secret, "accounts.totp_secret"), totp_last_step=None)
    )
    _revoke_sessions(conn, account_id, clock.now())  # a lost phone: whoever holds it is signed out
    forget_sessions_after_commit(conn)
    record(conn, caller, "account.reset_totp", entity="account", entity_id=account_id)
    return Created(
        account_id, secret, pyotp.TOTP(secret).provisioning_uri(name=row["username"], issuer_name=TOTP_ISSUER)
    )


def change_password(conn: Connection, sec: Security, caller: Caller, old: str, new: str) -> None:
    assert caller.account_id is not None
    row = account_row(conn, caller.account_id)
    if not passwords.verify(sec.hasher, row["password_hash"], old):
        raise ValidationError.of("old_password", "原密码不正确")
    passwords.check_policy(new, row["username"], sec.settings.password_min_length, field="new_password")
    now = clock.now()
    conn.execute(
        update(accounts)
        .where(accounts.c.id == caller.account_id)
        .values(password_hash=sec.hasher.hash(new), password_changed_at=now, updated_at=now)
    )
    # Every other session of the account ends.
    conn.execute(
        update(sessions)
        .where(
            sessions.c.account_id == caller.account_id,
            sessions.c.id != caller.session_id,
            sessions.c.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    forget_sessions_after_commit(conn)
    record(conn, caller, "account.change_password", entity="account", entity_id=caller.account_id)


def _revoke_sessions(conn: Connection, account_id: int, now: datetime) -> None:
    conn.execute(
        update(sessions)
        .where(sessions.c.account_id == account_id, sessions.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )


# ------------------------------------------------------------------------------------------------
# sign-in and sessions
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in attempt; the route raises after the attempt's audit has committed."""

    ok: bool
    message: str
    token: str | None = None
    csrf_token: str | None = None
    expires_at: datetime | None = None
    account_id: int | None = None


GENERIC_FAILURE = "用户名、密码或动态口令错误"


def sign_in(
    conn: Connection,
    sec: Security,
    username: str,
    password: str,
    totp_code: str | None,
    *,
    kind: str,
    ip: str | None,
    request_id: str | None = None,
) -> SignIn:
    """Check the password (argon2id) and, for staff, the TOTP code; lock after repeated failures.

    Every refusal answers the same message (the reason goes to the audit only), so a caller cannot learn
    whether a username exists, whether a password was right without its second factor, or whether an
    account is locked or disabled. The account row is locked for the attempt (PostgreSQL) and the
    failure count and the one-time code's time step are updated atomically, so parallel attempts
    neither dodge the lock-out nor reuse a code."""
    now = clock.now()
    uname = username.strip().lower()
    row = conn.execute(select(accounts).where(accounts.c.username == uname).with_for_update()).mappings().first()
    if row is None:
        passwords.verify(sec.hasher, sec.dummy_hash, password)  # same cost as a real check
        record(conn, Caller.anonymous(ip, request_id), "auth.sign_in", outcome="denied", reason="unknown username")
        return SignIn(False, GENERIC_FAILURE)
    role = Role(row["role"])
    # The attempt is recorded under the account's division, so its district's auditor sees it.
    who = Caller(
        row["id"],
        row["username"],
        role,
        row["division_code"],
        Scope("none", row["division_code"] or ""),
        ip=ip,
        request_id=request_id,
    )

    def refuse(reason: str) -> SignIn:
        record(conn, who, "auth.sign_in", entity="account", entity_id=row["id"], outcome="denied", reason=reason)
        return SignIn(False, GENERIC_FAILURE)

    ok = passwords.verify(sec.hasher, row["password_hash"], password)  # also when locked: same time
    if row["locked_until"] and row["locked_until"] > now:
        return refuse("locked")
    failure = None if ok else "wrong password"
    step = None
    needs_code = role in STAFF_ROLES and sec.settings.staff_totp_required
    if ok and needs_code and row["totp_secret_enc"] is not None:
        secret = sec.keyring.decrypt(row["totp_secret_enc"], "accounts.totp_secret")
        step = _totp_step(secret, totp_code, now)
        if step is None:
            failure = "missing one-time code" if not totp_code else "wrong one-time code"
        else:
            claimed = conn.execute(
                update(accounts)
                .where(accounts.c.id == row["id"])
                .where((accounts.c.totp_last_step.is_(None)) | (accounts.c.totp_last_step < step))
                .values(totp_last_step=step)
            ).rowcount
            if claimed != 1:
                failure = "replayed one-time code"
    if failure:
        fails = conn.execute(
            update(accounts)
            .where(accounts.c.id == row["id"])
            .values(failed_logins=accounts.c.failed_logins + 1)
            .returning(accounts.c.failed_logins)
        ).scalar_one()
        locked = fails >= sec.settings.login_max_failures
        if locked:
            until = now + timedelta(minutes=sec.settings.lockout_minutes)
            conn.execute(update(accounts).where(accounts.c.id == row["id"]).values(failed_logins=0, locked_until=until))
        return refuse(failure + ("; account locked" if locked else ""))
    if row["disabled_at"] is not None:
        return refuse("disabled")
    if needs_code and row["totp_secret_enc"] is None:
        return refuse("no second factor enrolled")
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None}
    if sec.hasher.check_needs_rehash(row["password_hash"]):
        values["password_hash"] = sec.hasher.hash(password)
    conn.execute(update(accounts).where(accounts.c.id == row["id"]).values(**values))
    token, csrf, expires = issue_session(conn, sec, row["id"], kind=kind, ip=ip, now=now)
    record(conn, who, "auth.sign_in", entity="account", entity_id=row["id"], detail={"kind": kind})
    return SignIn(True, "已登录", token, csrf, expires, row["id"])


def _totp_step(secret: str, code: str | None, now: datetime) -> int | None:
    """The time step the code belongs to (±1 step of clock drift), or None."""
    if not code or not code.strip().isdigit():
        return None
    totp = pyotp.TOTP(secret)
    t = int(now.timestamp())
    for drift in (0, -1, 1):
        at = t + drift * totp.interval
        if hmac.compare_digest(totp.at(at), code.strip()):
            return at // totp.interval
    return None


def issue_session(
    conn: Connection, sec: Security, account_id: int, *, kind: str, ip: str | None, now: datetime | None = None
) -> tuple[str, str | None, datetime]:
    """A new random token (only its SHA-256 is stored) and, for web sessions, a CSRF token."""
    now = now or clock.now()
    token = "anju_" + secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "web" else None
    expires = now + timedelta(hours=sec.settings.session_max_hours)
    conn.execute(
        sessions.insert().values(
            token_hash=token_hash(token),
            account_id=account_id,
            kind=kind,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=expires,
            revoked_at=None,
            ip=ip,
        )
    )
    return token, csrf, expires


def cached_caller(
    sec: Security, token: str, *, kind: str, ip: str | None, request_id: str | None, key: str | None = None
) -> Caller | None:
    """The caller of a session this process resolved within ``session_cache_seconds``, if it is still
    neither expired nor idle; None means: resolve it against the database. No I/O."""
    if not token.startswith("anju_") or len(token) > 100:
        return None
    cached = sec.cached_session(key or token_hash(token))
    if cached is None:
        return None
    found, expires_at, last_seen = cached
    now = clock.now()
    idle = timedelta(minutes=sec.settings.session_idle_minutes)
    if found.session_kind == kind and expires_at > now and (kind != "web" or last_seen + idle > now):
        return replace(found, ip=ip, request_id=request_id)
    return None


def resolve(
    conn: Connection, sec: Security, token: str, *, kind: str, ip: str | None, request_id: str | None
) -> tuple[Caller | None, str]:
    """The caller a token stands for, or (None, why) — the why goes to the audit, never to the client."""
    if not token.startswith("anju_") or len(token) > 100:
        return None, "malformed token"
    key = token_hash(token)
    found = cached_caller(sec, token, kind=kind, ip=ip, request_id=request_id, key=key)
    if found is not None:
        return found, "ok"
    s, a = sessions, accounts
    row = conn.execute(
        select(
            s.c.id,
            s.c.kind,
            s.c.csrf_token,
            s.c.last_seen_at,
            s.c.expires_at,
            s.c.revoked_at,
            a.c.id.label("aid"),
            a.c.username,
            a.c.role,
            a.c.division_code,
            a.c.disabled_at,
        )
        .join(a, a.c.id == s.c.account_id)
        .where(s.c.token_hash == key)
    ).first()
    if row is None:
        return None, "unknown token"
    now = clock.now()
    if row.kind != kind:
        return None, f"{row.kind} token used as {kind}"
    if row.revoked_at is not None:
        return None, "revoked session"
    if row.expires_at <= now:
        return None, "expired session"
    if kind == "web" and row.last_seen_at + timedelta(minutes=sec.settings.session_idle_minutes) <= now:
        return None, "idle session"
    if row.disabled_at is not None:
        return None, "disabled account"
    try:
        role = Role(row.role)
    except ValueError:
        return None, "unknown role"
    last_seen = row.last_seen_at
    if now - last_seen >= TOUCH_EVERY:
        with conn.engine.begin() as w:
            w.execute(update(sessions).where(sessions.c.id == row.id).values(last_seen_at=now))
        last_seen = now
    scope = sec.scope_for(conn, row.aid, role, row.division_code)
    caller = Caller(
        row.aid,
        row.username,
        role,
        row.division_code,
        scope,
        session_id=row.id,
        session_kind=row.kind,
        csrf_token=row.csrf_token,
        ip=ip,
        request_id=request_id,
    )
    sec.cache_session(key, caller, row.expires_at, last_seen)
    return caller, "ok"


def sign_out(conn: Connection, caller: Caller) -> None:
    if caller.session_id is None:
        return
    conn.execute(update(sessions).where(sessions.c.id == caller.session_id).values(revoked_at=clock.now()))
    record(conn, caller, "auth.sign_out", entity="account", entity_id=caller.account_id)
    forget_sessions_after_commit(conn)


# ------------------------------------------------------------------------------------------------
# keys
# ------------------------------------------------------------------------------------------------

ENCRYPTED = (
    ("name_enc", "accounts.name", "name_bidx", "name"),
    ("id_number_enc", "accounts.id_number", "id_number_bidx", "id_number"),
    ("phone_enc", "accounts.phone", "phone_bidx", "phone"),
    ("totp_secret_enc", "accounts.totp_secret", None, None),
)


def rotate_keys(engine: Engine, sec: Security, *, batch: int = 1000, progress: Any = None) -> dict[str, int]:
    """Re-encrypt every personal value with the active data key and recompute blind indexes.

    Runs in batches of ``batch`` accounts, one transaction each, so it can run while the platform
    serves (a value is readable with either key throughout). Returns the counts.
    """
    kr = sec.keyring
    done = skipped = 0
    last = 0
    with engine.connect() as c:
        total = int(c.execute(select(func.count()).select_from(accounts)).scalar_one())
    while True:
        with engine.begin() as conn:
            rows = (
                conn.execute(select(accounts).where(accounts.c.id > last).order_by(accounts.c.id).limit(batch))
                .mappings()
                .all()
            )
            if not rows:
                break
            for r in rows:
                values: dict[str, Any] = {}
                for col, ctx, bidx, kind in ENCRYPTED:
                    blob = r[col]
                    if blob is None:
                        continue
                    plain = kr.decrypt(blob, ctx)
                    if Keyring.key_id(blob) != kr.active:
                        values[col] = kr.encrypt(plain, ctx)
                    if bidx and kind and r[bidx] != (new := kr.blind_index(plain, kind)):
                        values[bidx] = new
                if values:
                    conn.execute(update(accounts).where(accounts.c.id == r["id"]).values(**values))
                    done += 1
                else:
                    skipped += 1
            last = rows[-1]["id"]
            record(
                conn,
                Caller.system("rotate_keys"),
                "keys.rotate_batch",
                entity="account",
                entity_id=last,
                detail={"rows": len(rows)},
            )
        if progress:
            progress(f"{done + skipped}/{total}", (done + skipped) / max(total, 1))
    return {"accounts": total, "rewritten": done, "unchanged": skipped}


def keys_in_use(conn: Connection) -> dict[int, int]:
    """How many values each data key id still protects (to know when an old key can be retired)."""
    counts: dict[int, int] = {}
    for col, _, _, _ in ENCRYPTED:
        for (blob,) in conn.execute(select(accounts.c[col]).where(accounts.c[col].is_not(None))):
            kid = Keyring.key_id(blob)
            counts[kid] = counts.get(kid, 0) + 1
    return counts


# ------------------------------------------------------------------------------------------------
# rate limits
# ------------------------------------------------------------------------------------------------


class RateLimiter:
    """Moving-window limits per client address, in process memory (``limits`` library)."""

    def __init__(self) -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        self._parse = parse
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, rule: str, bucket: str, key: str) -> bool:
        return bool(self._limiter.hit(self._parse(rule), bucket, key))
