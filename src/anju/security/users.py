"""Accounts: creation (by an administrator, or a citizen for themself), the masked view, look-ups,
the audited reveal of personal values, role changes, disabling, second-factor reset and password change.

Personal values enter through the validators in :mod:`anju.security.identity`, are stored only
encrypted, and leave masked unless :func:`reveal_account` is called with a reason (which is audited).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

import pyotp
from sqlalchemy import Connection, or_, select, update

from anju import divisions
from anju.core import clock
from anju.core.errors import Conflict, Forbidden, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import OutOfScope
from anju.security import identity, passwords
from anju.security.audit import record
from anju.security.callers import Caller, Security, forget_sessions_after_commit
from anju.security.domain import PUBLIC_ROLES, STAFF_LEVEL, STAFF_ROLES, Role
from anju.security.tables import accounts, sessions

USERNAME_RE = re.compile(r"^[a-z][a-z0-9_.-]{2,39}$")
TOTP_ISSUER = "Anju 安居"


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


class Taken(Conflict):
    """The username or identity number (``field``) already belongs to an account. Administrators are
    told so; self-registration answers alike either way (:mod:`anju.security.registration`)."""

    def __init__(self, message: str, field: str, account_id: int, division_code: str | None) -> None:
        super().__init__(message, [])
        self.field = field
        self.account_id = account_id
        self.division_code = division_code


def _check_division(conn: Connection, sec: Security, role: Role, code: str | None) -> str | None:
    if role in PUBLIC_ROLES:
        if code is None:
            return None
        if not divisions.exists(conn, code):
            raise ValidationError.of("division_code", f"未知的区划代码 {code}")
        return code
    if not code:
        raise ValidationError.of("division_code", "工作人员账户必须指定所属区划")
    if not divisions.exists(conn, code):
        raise ValidationError.of("division_code", f"未知的区划代码 {code}")
    level = divisions.get(conn, code).level
    allowed = STAFF_LEVEL[role]
    if level not in allowed:
        names = {"street": "街道", "district": "区", "zone": "功能区", "city": "市"}
        want = "、".join(names[x] for x in allowed)
        raise ValidationError.of("division_code", f"该角色的账户应归属于{want}级区划")
    if level == "city" and code != sec.settings.city_code:
        raise ValidationError.of("division_code", "不是本市的区划代码")
    return code


class _AccountValues(TypedDict):
    """The checked, normalised and encrypted columns of a new account row."""

    username: str
    role: str
    division_code: str | None
    org_code: str | None
    name_enc: bytes
    name_bidx: str
    id_number_enc: bytes | None
    id_number_bidx: str | None
    claimed_id_enc: bytes | None
    claimed_id_bidx: str | None
    identity_method: str | None
    phone_enc: bytes | None
    phone_bidx: str | None


def _validate_account(conn: Connection, sec: Security, cmd: NewAccount) -> _AccountValues:
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
    # The person's own values are the first words a guesser tries.
    own = (name, id_number or "", phone or "")
    passwords.check_policy(cmd.password, username, sec.settings.password_min_length, user_inputs=own)
    holder = conn.execute(select(accounts.c.id, accounts.c.division_code).where(accounts.c.username == username))
    if taken := holder.first():
        raise Taken("该用户名已被使用", "username", taken.id, taken.division_code)
    kr = sec.keyring
    id_bidx = kr.blind_index(id_number, "id_number") if id_number else None
    phone_bidx = kr.blind_index(phone, "phone") if phone else None
    if id_bidx:
        # Only a verified number is taken: a declared one grants nothing and must not let whoever
        # declared it first keep the person themself out.
        holder = conn.execute(
            select(accounts.c.id, accounts.c.division_code).where(accounts.c.id_number_bidx == id_bidx)
        )
        if taken := holder.first():
            raise Taken("该证件号码已由其他账户实名认证", "id_number", taken.id, taken.division_code)
    if phone_bidx and cmd.role in PUBLIC_ROLES:
        holder = conn.execute(
            select(accounts.c.id, accounts.c.division_code).where(accounts.c.confirmed_phone_bidx == phone_bidx)
        )
        if taken := holder.first():
            raise Taken("该手机号码已由其他账户验证使用", "phone", taken.id, taken.division_code)
    id_enc = kr.encrypt(id_number, "accounts.id_number") if id_number else None
    # A public account's number is a claim until the real-name check (anju.security.realname); a staff
    # account's is recorded by the administrator who created it, from the bureau's own staff records.
    claim = cmd.role in PUBLIC_ROLES
    return {
        "username": username,
        "role": cmd.role.value,
        "division_code": division_code,
        "org_code": org,
        "name_enc": kr.encrypt(name, "accounts.name"),
        "name_bidx": kr.blind_index(name, "name"),
        "id_number_enc": None if claim else id_enc,
        "id_number_bidx": None if claim else id_bidx,
        "claimed_id_enc": id_enc if claim else None,
        "claimed_id_bidx": id_bidx if claim else None,
        "identity_method": "staff" if id_bidx and not claim else None,
        "phone_enc": kr.encrypt(phone, "accounts.phone") if phone else None,
        "phone_bidx": phone_bidx,
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
            identity_verified_at=now if values["identity_method"] else None,
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


class AccountView(TypedDict):
    """The public face of an account: personal values masked."""

    id: int
    username: str
    role: str
    division_code: str | None
    org_code: str | None
    name: str
    id_number: str | None
    phone: str | None
    #: Real-name identity verified (public accounts) or recorded by the bureau (staff).
    identity_verified: bool
    phone_confirmed: bool
    totp_enrolled: bool
    locked: bool
    disabled: bool
    created_at: datetime


def masked(sec: Security, row: Any) -> AccountView:
    """The public face of an account: personal values masked."""
    kr = sec.keyring
    blob = row["id_number_enc"] or row["claimed_id_enc"]
    idn = kr.decrypt(blob, "accounts.id_number") if blob else None
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
        "identity_verified": row["identity_verified_at"] is not None,
        "phone_confirmed": row["phone_confirmed_at"] is not None,
        "totp_enrolled": row["totp_secret_enc"] is not None,
        "locked": bool(row["locked_until"] and row["locked_until"] > now),
        "disabled": row["disabled_at"] is not None,
        "created_at": row["created_at"],
    }


def get_account(conn: Connection, sec: Security, caller: Caller, account_id: int) -> AccountView:
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
) -> Page[AccountView]:
    cond: list[Any] = []
    if not caller.scope.unrestricted:
        inside = sorted((caller.scope.streets or frozenset()) | {caller.scope.code})
        cond += [accounts.c.division_code.in_(inside), accounts.c.role != Role.city_officer.value]
    if role:
        cond.append(accounts.c.role == role.value)
    if username:
        cond.append(accounts.c.username.contains(username.strip().lower(), autoescape=True))
    stmt = select(accounts).where(*cond).order_by(accounts.c.id)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: masked(sec, r._mapping))


def find_accounts(
    conn: Connection, sec: Security, caller: Caller, *, id_number: str | None = None, phone: str | None = None
) -> list[AccountView]:
    """Exact look-up by identity number or phone through the blind index (nothing is decrypted to search)."""
    kr = sec.keyring
    if id_number:
        b = kr.blind_index(identity.resident_id(id_number), "id_number")
        cond = or_(accounts.c.id_number_bidx == b, accounts.c.claimed_id_bidx == b)
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
        blob = row[f"{f}_enc"] or (row["claimed_id_enc"] if f == "id_number" else None)
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
