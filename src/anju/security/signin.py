"""Sign-in (password and, for staff, a one-time code), sessions: issue, resolve (with the
per-process cache), sign out."""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pyotp
from sqlalchemy import Connection, select, update
from sqlalchemy.exc import OperationalError

from anju.core import clock
from anju.core.scope import Scope
from anju.security import passwords
from anju.security.audit import record
from anju.security.callers import Caller, Security, forget_sessions_after_commit, token_hash
from anju.security.domain import STAFF_ROLES, Role
from anju.security.tables import accounts, sessions

#: ``last_seen_at`` is written at most this often per session (a write per request would serialise reads).
TOUCH_EVERY = timedelta(seconds=60)
ROLE_VALUES = frozenset(r.value for r in Role)

log = logging.getLogger(__name__)


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
    row = conn.execute(
        select(
            sessions.c.id,
            sessions.c.kind,
            sessions.c.csrf_token,
            sessions.c.last_seen_at,
            sessions.c.expires_at,
            sessions.c.revoked_at,
            accounts.c.id.label("aid"),
            accounts.c.username,
            accounts.c.role,
            accounts.c.division_code,
            accounts.c.org_code,
            accounts.c.disabled_at,
        )
        .join(accounts, accounts.c.id == sessions.c.account_id)
        .where(sessions.c.token_hash == key)
    ).first()
    if row is None:
        return None, "unknown token"
    now = clock.now()
    refused = _refusal(row, kind, now, timedelta(minutes=sec.settings.session_idle_minutes))
    if refused is not None:
        return None, refused
    role = Role(row.role)
    last_seen = row.last_seen_at
    if now - last_seen >= TOUCH_EVERY:
        try:
            with conn.engine.begin() as w:
                w.execute(update(sessions).where(sessions.c.id == row.id).values(last_seen_at=now))
            last_seen = now
        except OperationalError:
            # Best effort: while a long write (an import, a market computation) holds SQLite's one write
            # lock, the touch waits out the busy timeout and is skipped — the request is still served;
            # the next request touches the session again.
            log.info("session touch skipped: database busy")
    scope = sec.scope_for(conn, row.aid, role, row.division_code, row.org_code)
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


def _refusal(row: Any, kind: str, now: datetime, idle: timedelta) -> str | None:
    """Why a stored session does not stand for its caller now (None: it does); the first reason that
    applies, in this order."""
    reasons = (
        (row.kind != kind, f"{row.kind} token used as {kind}"),
        (row.revoked_at is not None, "revoked session"),
        (row.expires_at <= now, "expired session"),
        (kind == "web" and row.last_seen_at + idle <= now, "idle session"),
        (row.disabled_at is not None, "disabled account"),
        (row.role not in ROLE_VALUES, "unknown role"),
    )
    return next((why for applies, why in reasons if applies), None)


def sign_out(conn: Connection, caller: Caller) -> None:
    if caller.session_id is None:
        return
    conn.execute(update(sessions).where(sessions.c.id == caller.session_id).values(revoked_at=clock.now()))
    record(conn, caller, "auth.sign_out", entity="account", entity_id=caller.account_id)
    forget_sessions_after_commit(conn)
