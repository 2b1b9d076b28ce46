"""Department clients at work: the token endpoint's service (RFC 6749 §4.4 client credentials) and the
policy of the routes departments call (:func:`client_access`).

A route called by departments declares ``call: Annotated[ClientCall, client_access("write")]`` (or
``"read"``, ``"subscribe"``; ``client_access()`` for the client's own identity). The policy reads the
bearer token, the route's ``dataset`` path parameter, checks the scope ``<dataset>:<operation>``, the
``X-Purpose`` header, the client's rate limit and daily quota, and writes one audit row per call
(``client.call``: client, dataset, operation, purpose) before the route runs. It is a
:class:`~anju.security.policy.RoutePolicy`, so ``check_policies`` and the authorisation matrix see it
like any other route's policy (permission ``client.<operation>``, held by no role).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import unquote, unquote_plus

import anyio
from fastapi import Depends, Request
from sqlalchemy import Connection, select, update

from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.dialect import insert_missing
from anju.core.errors import AnjuError
from anju.core.scope import Scope
from anju.security import passwords
from anju.security.audit import record, record_now
from anju.security.callers import Caller, Security
from anju.security.clients import OPERATIONS, TOTAL
from anju.security.domain import known
from anju.security.policy import RoutePolicy, client_ip, credentials, request_id
from anju.security.ratelimit import RateLimiter
from anju.security.signin import resolve
from anju.security.tables import client_tokens, client_usage, clients

#: Client access tokens carry this prefix (account sessions' carry ``anju_``), so a token is routed to
#: the right table without a second look-up.
TOKEN_PREFIX = "anjuc_"  # noqa: S105 - a prefix, not a secret
PURPOSE_HEADER = "X-Purpose"
PURPOSE_MAX = 200
#: The usage rows' dataset and operation of a client's calls that name no dataset (its own identity).
SELF_DATASET, SELF_OPERATION = "-", "self"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- the token endpoint ---------------------------------------------------------------------------


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer (with a Chinese description)."""

    def __init__(self, error: str, description: str, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(error)
        self.error, self.description, self.status, self.retry_after = error, description, status, retry_after

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass(frozen=True)
class TokenRequest:
    grant_type: str | None
    client_id: str | None
    client_secret: str | None
    scope: str | None
    ip: str | None
    request_id: str | None


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    expires_in: int
    scope: str


def client_credentials(authorization: str, form: dict[str, str]) -> tuple[str | None, str | None]:
    """(client_id, secret) from HTTP Basic (RFC 6749 §2.3.1: each part form-urlencoded) or the form;
    both at once is refused (§2.3)."""
    scheme, _, value = authorization.partition(" ")
    basic = scheme.lower() == "basic"
    if basic and form.get("client_secret"):
        raise OAuthError("invalid_request", "客户端凭据只能用一种方式提交（HTTP Basic 或表单）")
    if basic:
        try:
            raw = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise OAuthError("invalid_client", "HTTP Basic 凭据格式不正确", 401) from None
        cid, sep, secret = raw.partition(":")
        if not sep:
            raise OAuthError("invalid_client", "HTTP Basic 凭据格式不正确", 401)
        return unquote_plus(cid), unquote_plus(secret)
    return form.get("client_id"), form.get("client_secret")


def _secret_ok(sec: Security, row: Any, secret: str, now: Any) -> bool:
    """The current secret, or the previous one within its grace period (each an argon2id check)."""
    if passwords.verify(sec.hasher, row.secret_hash, secret):
        return True
    prev, until = row.previous_secret_hash, row.previous_expires_at
    return bool(prev and until and until > now and passwords.verify(sec.hasher, prev, secret))


def _requested_scopes(scope: str | None, held: list[str]) -> list[str]:
    if scope is None or not scope.strip():
        return held
    asked = sorted(set(scope.split()))
    beyond = [s for s in asked if s not in held]
    if beyond:
        raise OAuthError("invalid_scope", f"申请的权限范围超出该账户的授权：{' '.join(beyond)[:150]}")
    return asked


def issue_token(conn: Connection, sec: Security, req: TokenRequest) -> TokenGrant:
    """Authenticate the client and issue an access token; every outcome is audited in ``conn``'s
    transaction (so the caller commits even when this raises :class:`OAuthError`)."""
    state: dict[str, Any] = {"who": Caller.anonymous(req.ip, req.request_id), "pk": None, "why": None}
    try:
        return _issue(conn, sec, req, state)
    except OAuthError as e:
        why = state["why"] or e.error
        record(conn, state["who"], "client.token", entity="client", entity_id=state["pk"], outcome="denied", reason=why)
        raise


def _issue(conn: Connection, sec: Security, req: TokenRequest, state: dict[str, Any]) -> TokenGrant:
    if req.grant_type != "client_credentials":
        if not req.grant_type:
            raise OAuthError("invalid_request", "缺少 grant_type 参数")
        raise OAuthError("unsupported_grant_type", "仅支持 client_credentials 授权方式")
    if not req.client_id or not req.client_secret or len(req.client_id) > 40 or len(req.client_secret) > 200:
        raise OAuthError("invalid_client", "客户端认证失败", 401)
    now = clock.now()
    row = conn.execute(select(clients).where(clients.c.client_id == req.client_id)).first()
    if row is None:
        passwords.verify(sec.hasher, sec.dummy_hash, req.client_secret)  # same cost as a real check
        state["why"] = "unknown client"
        raise OAuthError("invalid_client", "客户端认证失败", 401)
    state["who"], state["pk"] = client_caller(row.client_id, sec, req.ip, req.request_id), row.id
    if not _secret_ok(sec, row, req.client_secret, now):
        state["why"] = "wrong secret"
        raise OAuthError("invalid_client", "客户端认证失败", 401)
    if row.status != "active":
        state["why"] = "client disabled"
        raise OAuthError("invalid_client", "该部门接入账户已停用", 401)
    granted = _requested_scopes(req.scope, row.scopes.split())
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    lifetime = sec.settings.security_client_token_seconds
    conn.execute(
        client_tokens.insert().values(
            token_hash=token_hash(token),
            client_pk=row.id,
            scopes=" ".join(granted),
            issued_at=now,
            expires_at=now + timedelta(seconds=lifetime),
            ip=req.ip,
        )
    )
    record(conn, state["who"], "client.token", entity="client", entity_id=row.id, detail={"scope": granted})
    return TokenGrant(token, lifetime, " ".join(granted))


def client_caller(client_id: str, sec: Security, ip: str | None, rid: str | None) -> Caller:
    """The :class:`Caller` standing for a department client in the audit log and in the services a
    route calls (city-wide: a client's reach is its scopes, not a division)."""
    return Caller(
        None, f"client:{client_id}"[:40], None, None, Scope.whole_city(sec.settings.city_code), ip=ip, request_id=rid
    )


# --- the calls --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClientCall:
    """One authorised call of a department client, as the route sees it (already audited)."""

    client_id: str
    client_pk: int
    name: str
    department: str
    #: The scopes the token carries (``<dataset>:<operation>``).
    scopes: tuple[str, ...]
    dataset: str | None
    operation: str | None
    purpose: str | None
    rate_per_minute: int
    daily_quota: int
    #: Calls counted today (Asia/Shanghai), this one included.
    calls_today: int
    #: Who the route's services record as the actor (``client:<client_id>``, city-wide scope).
    caller: Caller

    @property
    def remaining_quota(self) -> int:
        return max(0, self.daily_quota - self.calls_today)


class ClientRefused(AnjuError):
    """A refused client call: 401 (no or bad token), 403 (scope), 400 (purpose), 429 (rate, quota)."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code, self.code, self.headers = status, code, headers or {}
        self.audited = True


def _bearer(error: str, description: str) -> dict[str, str]:
    return {"WWW-Authenticate": f'Bearer realm="anju", error="{error}", error_description="{description}"'}


@dataclass(frozen=True)
class _Token:
    client_pk: int
    client_id: str
    name: str
    department: str
    scopes: tuple[str, ...]
    rate_per_minute: int
    daily_quota: int


def lookup_token(conn: Connection, token: str) -> _Token | None:
    """The live token's client (active), or None (unknown, expired, revoked, client disabled)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    t, c = client_tokens, clients
    row = conn.execute(
        select(
            c.c.id,
            c.c.client_id,
            c.c.name,
            c.c.department,
            t.c.scopes,
            c.c.scopes.label("client_scopes"),
            c.c.rate_per_minute,
            c.c.daily_quota,
        )
        .join(c, c.c.id == t.c.client_pk)
        .where(
            t.c.token_hash == token_hash(token),
            t.c.revoked_at.is_(None),
            t.c.expires_at > clock.now(),
            c.c.status == "active",
        )
    ).first()
    if row is None:
        return None
    # the token's scopes that the client still holds: a scope the administrator removed stops at once
    held = set(row.client_scopes.split())
    scopes = tuple(x for x in row.scopes.split() if x in held)
    return _Token(row.id, row.client_id, row.name, row.department, scopes, row.rate_per_minute, row.daily_quota)


def _bump(conn: Connection, pk: int, dataset: str, operation: str, below: int | None) -> int | None:
    """Count one call in the day's usage row; with ``below``, only while the count is under it — one
    atomic ``UPDATE … RETURNING``, so parallel calls cannot pass the quota together. The row is made on
    the day's first call; when a parallel first call made it first (our insert finds it there), the
    conditional UPDATE runs again against that row — the quota decides, not who won the insert.
    Returns the new count, or None when the quota is spent."""
    u = client_usage
    day = clock.today()
    cond = [u.c.client_pk == pk, u.c.day == day, u.c.dataset == dataset, u.c.operation == operation]
    if below is not None:
        cond.append(u.c.calls < below)
    stmt = update(u).where(*cond).values(calls=u.c.calls + 1).returning(u.c.calls)
    got = conn.execute(stmt).scalar()
    if got is None:
        key = {"client_pk": pk, "day": day, "dataset": dataset, "operation": operation}
        insert_missing(conn, u, {**key, "calls": 0})  # made here, or by a parallel first call
        got = conn.execute(stmt).scalar()
    return None if got is None else int(got)


def count_call(
    conn: Connection, tok: _Token, who: Caller, dataset: str, operation: str, purpose: str | None, path: str
) -> int | None:
    """Count the call against the daily quota and audit it; None when the quota is spent (the refusal
    is audited instead). Returns the calls counted today."""
    detail = {"client_id": tok.client_id, "dataset": dataset, "operation": operation, "path": path}
    calls = _bump(conn, tok.client_pk, TOTAL, TOTAL, tok.daily_quota)
    if calls is None:
        record(
            conn,
            who,
            "client.call",
            entity="client",
            entity_id=tok.client_pk,
            outcome="denied",
            reason="daily quota spent",
            detail=detail,
        )
        return None
    _bump(conn, tok.client_pk, dataset, operation, None)
    record(conn, who, "client.call", entity="client", entity_id=tok.client_pk, reason=purpose, detail=detail)
    return calls


def purpose_of(request: Request) -> str | None:
    """The ``X-Purpose`` header: UTF-8 text, percent-encoded (HTTP headers carry Latin-1 only)."""
    raw = request.headers.get(PURPOSE_HEADER)
    if raw is None:
        return None
    try:
        text = " ".join(unquote(raw, errors="strict").split()) if raw.isascii() else ""
    except UnicodeDecodeError:
        text = ""
    return text[:PURPOSE_MAX] or None


class ClientPolicy(RoutePolicy):
    """The dependency of a route departments call; see the module's description."""

    def __init__(self, operation: str | None) -> None:
        if operation is not None and operation not in OPERATIONS:
            raise ValueError(f"unknown client operation {operation!r}: one of {OPERATIONS}")
        self.operation = operation
        self.permission = known(f"client.{operation or 'self'}")

    def __repr__(self) -> str:
        return f"ClientPolicy({self.operation})"

    def problem(self, path: str) -> str | None:
        if self.operation and "{dataset}" not in path:
            return f"client_access({self.operation!r}) needs a {{dataset}} path parameter"
        return None

    async def __call__(self, request: Request) -> ClientCall:
        sec: Security = request.app.state.security
        uow: UnitOfWork = request.app.state.uow
        ip, rid = client_ip(request), request_id(request)
        token, _kind = credentials(request)
        if not token:
            raise ClientRefused(
                401, "invalid_token", "请使用部门接入账户的访问令牌（Bearer）", _bearer("invalid_token", "missing")
            )
        dataset = request.path_params.get("dataset") if self.operation else None
        purpose = purpose_of(request) if self.operation else None
        tok = await anyio.to_thread.run_sync(self._lookup, uow, sec, token, ip, rid)
        who = client_caller(tok.client_id, sec, ip, rid)
        request.state.caller = who
        if self.operation:
            scope = f"{dataset}:{self.operation}"
            if scope not in tok.scopes:
                await self._refuse(uow, who, tok, f"scope {scope} not granted")
                raise ClientRefused(
                    403, "insufficient_scope", f"访问令牌未获授权：{scope}", _bearer("insufficient_scope", scope)
                )
            if purpose is None:
                await self._refuse(uow, who, tok, "no purpose")
                raise ClientRefused(400, "invalid", f"请在请求头 {PURPOSE_HEADER} 中说明用途（UTF-8 百分号编码）")
        limiter: RateLimiter = request.app.state.rate_limiter
        rule = f"{tok.rate_per_minute}/minute"
        if not limiter.hit(rule, "client", tok.client_id):
            await self._refuse(uow, who, tok, "rate limit")
            wait = limiter.retry_after(rule, "client", tok.client_id)
            raise ClientRefused(
                429, "rate_limited", f"请求过于频繁：每分钟最多 {tok.rate_per_minute} 次", {"Retry-After": str(wait)}
            )
        ds, op = (dataset or SELF_DATASET), (self.operation or SELF_OPERATION)
        path = request.url.path

        def count() -> int | None:
            with uow.begin() as conn:
                return count_call(conn, tok, who, ds, op, purpose, path)

        calls = await anyio.to_thread.run_sync(count)
        if calls is None:
            raise ClientRefused(
                429,
                "quota_exceeded",
                f"今日调用次数已达配额（{tok.daily_quota} 次），请明日再试或联系管理员调整配额",
                {"Retry-After": str(_seconds_to_midnight())},
            )
        return ClientCall(
            tok.client_id,
            tok.client_pk,
            tok.name,
            tok.department,
            tok.scopes,
            dataset,
            self.operation,
            purpose,
            tok.rate_per_minute,
            tok.daily_quota,
            calls,
            who,
        )

    @staticmethod
    def _lookup(uow: UnitOfWork, sec: Security, token: str, ip: str | None, rid: str | None) -> _Token:
        with uow.read() as conn:
            tok = lookup_token(conn, token)
            user = (
                None
                if tok is not None or not token.startswith("anju_")
                else resolve(conn, sec, token, kind="api", ip=ip, request_id=rid)[0]
            )
        if tok is not None:
            return tok
        anon = Caller.anonymous(ip, rid)
        if user is not None:
            record_now(
                uow.engine,
                replace(user, ip=ip),
                "authz.denied",
                outcome="denied",
                reason="account token on a client route",
            )
            raise ClientRefused(403, "forbidden", "此接口仅供部门接入账户调用")
        record_now(uow.engine, anon, "auth.token_rejected", outcome="denied", reason="unknown client token")
        raise ClientRefused(401, "invalid_token", "访问令牌无效、已过期或已撤销", _bearer("invalid_token", "invalid"))

    @staticmethod
    async def _refuse(uow: UnitOfWork, who: Caller, tok: _Token, why: str) -> None:
        await anyio.to_thread.run_sync(
            lambda: record_now(
                uow.engine, who, "client.call", entity="client", entity_id=tok.client_pk, outcome="denied", reason=why
            )
        )


def _seconds_to_midnight() -> int:
    local = clock.to_local(clock.now())
    nxt = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((nxt - local).total_seconds()))


def client_access(operation: str | None = None) -> Any:
    """``Annotated[ClientCall, client_access("read")]``: the policy of a route departments call. With an
    operation, the route's path has a ``{dataset}`` parameter and the token must carry
    ``<dataset>:<operation>``; without, any live client token (its own identity)."""
    return Depends(ClientPolicy(operation))


class TokenEndpointPolicy(RoutePolicy):
    """The token endpoint's policy: public (the client authenticates in the request itself, by HTTP
    Basic or the form), so neither a session nor CSRF applies; the per-address limit of public
    endpoints does."""

    permission = "public"

    async def __call__(self, request: Request) -> Caller:
        sec: Security = request.app.state.security
        limiter: RateLimiter = request.app.state.rate_limiter
        anon = Caller.anonymous(client_ip(request), request_id(request))
        if not limiter.hit(sec.settings.rate_limit_public, "public", anon.ip or "-"):
            engine = request.app.state.engine
            await anyio.to_thread.run_sync(
                lambda: record_now(engine, anon, "http.rate_limited", outcome="denied", reason=request.url.path)
            )
            raise ClientRefused(429, "rate_limited", "请求过于频繁，请稍后再试", {"Retry-After": "60"})
        request.state.caller = anon
        return anon
