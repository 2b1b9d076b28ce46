"""The one authorisation mechanism every route goes through.

A route declares the single permission it needs by taking a :class:`Caller` through a
:class:`Policy` dependency (``caller: Annotated[Caller, allow("registry.read")]``). The policy
authenticates the request (bearer token for the API, session cookie for pages), checks CSRF on
cookie-authenticated writes, applies rate limits to public endpoints, checks the role's permission
and resolves the caller's data scope, which the route passes on to every service. Refusals are
audited. :func:`check_policies` runs at start-up: a route without exactly one declared policy stops
the application from starting.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator, Sequence
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute, Mount

from anju.core.errors import Forbidden, TooManyRequests, Unauthenticated
from anju.security.audit import record_now
from anju.security.callers import Caller, Security
from anju.security.domain import PUBLIC, Permission, allowed, known
from anju.security.ratelimit import RateLimiter
from anju.security.signin import cached_caller, resolve

SESSION_COOKIE = "anju_session"
CSRF_COOKIE = "anju_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Starlette routes that are not APIRoutes and need no policy (the OpenAPI description is public).
OPEN_PATHS = frozenset({"/api/v1/openapi.json"})


class LoginRequired(Exception):
    """A page needs a signed-in user: the app redirects to the sign-in page."""

    def __init__(self, next_path: str, clear_cookie: bool = False) -> None:
        super().__init__(next_path)
        self.next_path = next_path
        self.clear_cookie = clear_cookie


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def request_id(request: Request) -> str | None:
    rid: str | None = getattr(request.state, "request_id", None)
    return rid


def credentials(request: Request) -> tuple[str | None, str]:
    auth = request.headers.get("authorization", "")
    if auth:
        scheme, _, token = auth.partition(" ")
        return (token.strip() or None) if scheme.lower() == "bearer" else "", "api"
    return request.cookies.get(SESSION_COOKIE), "web"


async def _submitted_csrf(request: Request) -> str:
    sent = request.headers.get(CSRF_HEADER)
    if sent:
        return sent
    ctype = request.headers.get("content-type", "").lower()
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        return value if isinstance(value, str) else ""
    return ""


class RoutePolicy:
    """What a route declares as its one policy: a permission, checked by the dependency itself (account
    routes: :class:`Policy`; department clients' routes: ``anju.security.client_access.ClientPolicy``)."""

    permission: Permission

    def problem(self, path: str) -> str | None:
        """Why this policy cannot guard a route at ``path`` (checked at start-up), or None."""
        return None


class Policy(RoutePolicy):
    """A FastAPI dependency: authenticate, check CSRF and rate limits, authorise; returns the Caller."""

    def __init__(self, permission: Permission) -> None:
        self.permission = known(permission)

    def __repr__(self) -> str:
        return f"Policy({self.permission})"

    async def __call__(self, request: Request) -> Caller:
        sec: Security = request.app.state.security
        limiter: RateLimiter = request.app.state.rate_limiter
        engine = request.app.state.engine
        ip, rid = client_ip(request), request_id(request)
        # Map tiles are fetched by the map library, not a browser tab: 401, never a sign-in redirect.
        page = not request.url.path.startswith(("/api/", "/tiles/"))
        anon = Caller.anonymous(ip, rid)
        if self.permission == PUBLIC and not limiter.hit(sec.settings.rate_limit_public, "public", ip or "-"):
            await anyio.to_thread.run_sync(
                lambda: record_now(engine, anon, "http.rate_limited", outcome="denied", reason=request.url.path)
            )
            raise TooManyRequests("请求过于频繁，请稍后再试")
        token, kind = credentials(request)
        if token == "":  # an Authorization header that is not a bearer token
            await anyio.to_thread.run_sync(
                lambda: record_now(engine, anon, "auth.token_rejected", outcome="denied", reason="not a bearer token")
            )
            raise Unauthenticated("凭据格式不正确，请使用 Bearer 令牌")
        caller: Caller | None = None
        if token:
            caller = cached_caller(sec, token, kind=kind, ip=ip, request_id=rid)  # no thread hop on a hit
        if token and caller is None:

            def _resolve() -> tuple[Caller | None, str]:
                with engine.connect() as conn:
                    found, why = resolve(conn, sec, token, kind=kind, ip=ip, request_id=rid)
                if found is None:
                    record_now(engine, anon, "auth.token_rejected", outcome="denied", reason=why)
                return found, why

            caller, _why = await anyio.to_thread.run_sync(_resolve)
            if caller is None and self.permission != PUBLIC:
                if page and kind == "web":
                    raise LoginRequired(request.url.path, clear_cookie=True)
                raise Unauthenticated("登录已失效或凭据无效，请重新登录")
        if caller is None:
            if self.permission != PUBLIC:
                if page:
                    raise LoginRequired(request.url.path)
                raise Unauthenticated("请先登录")
            caller = anon
        if request.method not in SAFE_METHODS:
            await self._check_csrf(request, caller, kind if token else None)
        request.state.caller = caller  # before the role check: a refusal's page shows who is signed in
        if caller.role is not None and not allowed(caller.role, self.permission):
            who = caller
            await anyio.to_thread.run_sync(
                lambda: record_now(
                    engine,
                    who,
                    "authz.denied",
                    outcome="denied",
                    reason=f"{request.method} {request.url.path}",
                    detail={"permission": self.permission},
                )
            )
            denied = Forbidden("您的角色无权执行此操作")
            denied.audited = True
            raise denied
        return caller

    @staticmethod
    async def _check_csrf(request: Request, caller: Caller, kind: str | None) -> None:
        """Cookie-authenticated writes carry the session's token; anonymous form posts a double-submit one."""
        if kind == "api":
            return  # a bearer token is not sent by the browser on its own: no CSRF exposure
        if caller.signed_in:
            expected = caller.csrf_token or ""
        else:
            ctype = request.headers.get("content-type", "").lower()
            if not ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                return  # anonymous JSON calls: browsers cannot send them cross-site without CORS
            expected = request.cookies.get(CSRF_COOKIE, "")
        sent = await _submitted_csrf(request)
        if not expected or not sent or not hmac.compare_digest(sent, expected):
            sec_engine = request.app.state.engine
            who = caller
            await anyio.to_thread.run_sync(
                lambda: record_now(sec_engine, who, "auth.csrf_rejected", outcome="denied", reason=request.url.path)
            )
            refused = Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
            refused.audited = True
            raise refused


def allow(permission: Permission) -> Any:
    """``Annotated[Caller, allow("rental.read")]``: the way a route declares its policy (a permission no
    context declares is refused at once, when the route's module is imported)."""
    return Depends(Policy(permission))


#: The two policies every context's routes use (a context's own live in its ``http/deps.py``).
Public = Annotated[Caller, allow("public")]
SignedIn = Annotated[Caller, allow("self")]


async def get_security(request: Request) -> Security:
    """The app's security services (keys, sessions, settings); no I/O, so no thread hop."""
    sec: Security = request.app.state.security
    return sec


SecurityDep = Annotated[Security, Depends(get_security)]


def _policies(dep: Dependant) -> list[RoutePolicy]:
    found = [dep.call] if isinstance(dep.call, RoutePolicy) else []
    for sub in dep.dependencies:
        found += _policies(sub)
    return found


def route_policy(route: APIRoute) -> Permission | None:
    found = _policies(route.dependant)
    return found[0].permission if len(found) == 1 else None


def iter_routes(app: FastAPI) -> Iterator[tuple[str, frozenset[str], BaseRoute]]:
    """(effective path, methods, original route) of every route, through included routers."""
    return walk_routes(app.routes)


def walk_routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, frozenset[str], BaseRoute]]:
    """(path, methods, route) of ``routes`` and of the routers included among them, under ``prefix``.

    The routers are walked as declared. FastAPI's own walk (``iter_route_contexts``) builds each
    route's effective context — its dependencies analysed and a pydantic adapter made for every
    parameter — which took 1.5 s for the platform's ~330 routes, at every ``create_app``; the test
    suite makes hundreds of apps. ``tests/integration/test_routing.py`` checks that both walks give the same."""
    try:
        from fastapi.routing import _IncludedRouter
    except ImportError:  # pragma: no cover - another FastAPI: its own walk
        for ctx in iter_route_contexts(routes):
            yield prefix + str(ctx.path), frozenset(ctx.methods or ()), ctx.original_route
        return
    for r in routes:
        if isinstance(r, _IncludedRouter):
            yield from walk_routes(r.original_router.routes, prefix + r.include_context.prefix)
        else:
            yield prefix + str(getattr(r, "path", "")), frozenset(getattr(r, "methods", None) or ()), r


def check_policies(app: FastAPI) -> dict[tuple[str, str], Permission]:
    """Every route declares exactly one policy, or the application refuses to start.

    Returns {(method, path): permission} for every method of every API route."""
    out: dict[tuple[str, str], Permission] = {}
    problems = []
    for path, methods, route in iter_routes(app):
        if isinstance(route, APIRoute):
            found = _policies(route.dependant)
            if len(found) != 1:
                problems.append(f"{','.join(sorted(methods))} {path}: {len(found)} policies")
                continue
            problem = found[0].problem(path)
            if problem:
                problems.append(f"{','.join(sorted(methods))} {path}: {problem}")
                continue
            for m in methods:
                out[(m, path)] = found[0].permission
        elif isinstance(route, Mount) and path == "/static":
            continue
        elif path not in OPEN_PATHS:
            problems.append(f"{path}: not an API route, so it cannot declare a policy")
    if problems:
        raise RuntimeError("routes without exactly one declared policy: " + "; ".join(problems))
    return out
