"""The composition root: ``create_app(settings)`` wires engine, unit of work, and every context's
routers (from ``anju.contexts.CONTEXTS``); the server's entry points."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from anju import __version__, home
from anju.core import jobs, migrate
from anju.core.db import UnitOfWork, make_engine
from anju.core.errors import AnjuError, Forbidden
from anju.core.scope import OutOfScope
from anju.core.settings import Settings, load_settings
from anju.security import Public
from anju.web import templating, validation
from anju.web.deps import refuse_unstorable_text

log = logging.getLogger("anju.web")


class RedactQuery(logging.Filter):
    """Access-log lines keep the path only: query strings may carry personal values."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0], *args[3:])
        return True


def _install_log_filters() -> None:
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactQuery) for f in access.filters):
        access.addFilter(RedactQuery())


STATIC = Path(__file__).parent / "web" / "static"
HTTP_MESSAGES = {404: "页面不存在", 405: "不支持该请求方法", 413: "请求内容过大", 415: "不支持的内容类型"}


def _field_of(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "form")]
    return ".".join(parts) or "request"


def _readable(exc: AnjuError, path: str) -> str:
    """The message a person reads: a one-field error (``ValidationError.of``) names the field in Chinese."""
    errors = getattr(exc, "errors", None) or []
    if len(errors) == 1 and exc.message == f"{errors[0].field}: {errors[0].reason}":
        return f"{validation.field_label(errors[0].field, path)}：{errors[0].reason}"
    return exc.message


def _record_denial(request: Request, exc: AnjuError) -> None:
    from anju.security import Caller, record_now

    caller = getattr(request.state, "caller", None) or Caller.anonymous(
        request.client.host if request.client else None, getattr(request.state, "request_id", None)
    )
    reason = "out of scope" if isinstance(exc, OutOfScope) else "refused"
    record_now(
        request.app.state.engine,
        caller,
        "authz.denied",
        outcome="denied",
        reason=f"{reason}: {request.method} {request.url.path}"[:200],
    )


def create_app(settings: Settings | None = None, *, migrate_schema: bool = True) -> FastAPI:
    settings = settings or load_settings()
    engine = make_engine(settings.resolved_database_url, settings.sql_echo, settings.db_pool_pre_ping)
    if migrate_schema:
        migrate.upgrade(engine)
    app = FastAPI(
        title="Anju 安居 API",
        version=__version__,
        description="城市住房管理平台：楼盘表登记簿与相关服务。All lists are paginated; errors name the field.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI needs a CDN and inline script; the description itself is served
        redoc_url=None,
        dependencies=[Depends(refuse_unstorable_text)],
    )
    from anju.security import SESSION_COOKIE, LoginRequired, RateLimiter, Security, check_policies
    from anju.web.middleware import BodyLimit, SecurityHeaders

    _install_log_filters()
    app.state.settings = settings
    app.state.engine = engine
    app.state.uow = UnitOfWork(engine, settings.write_group_commit)
    jobs.keep_files_for(settings.job_result_days)
    app.state.security = Security(settings)
    app.state.rate_limiter = RateLimiter()
    from anju.map import TileCache

    app.state.tile_cache = TileCache(settings.map_tile_cache_mb * 2**20) if settings.map_tile_cache_mb else None
    app.add_middleware(
        BodyLimit,
        limit=settings.request_max_bytes,
        upload_limit=settings.upload_max_bytes,
        upload_paths=(
            "/api/v1/imports",
            "/imports",
            "/api/v1/addresses/link",
            # credit objections and repair requests carry up to ten documents of 5 MB (anju.credit.casework)
            "/api/v1/credit/me/events/",
            "/credit/me/events/",
        ),
    )
    app.add_middleware(SecurityHeaders)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Any:
        from urllib.parse import quote

        resp = RedirectResponse(f"/login?next={quote(exc.next_path)}", status_code=303)
        if exc.clear_cookie:
            resp.delete_cookie(SESSION_COOKIE, path="/")
        return resp

    def wants_json(request: Request) -> bool:
        return request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", "")

    @app.exception_handler(AnjuError)
    async def anju_error(request: Request, exc: AnjuError) -> Any:
        if isinstance(exc, OutOfScope | Forbidden) and not exc.audited:
            # A probe outside the caller's scope, or a refused change, rolled its transaction back:
            # record the denial in a transaction of its own.
            await anyio.to_thread.run_sync(lambda: _record_denial(request, exc))
        if not wants_json(request):
            from anju.web.templating import render_error

            return render_error(request, exc.status_code, _readable(exc, request.url.path))
        return JSONResponse(exc.as_dict(), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Any:
        errors = [
            {
                "field": "body" if e.get("type") == "json_invalid" else _field_of(tuple(e.get("loc", ()))),
                "reason": validation.reason(e),
            }
            for e in exc.errors()
        ]
        msg = "；".join(f"{validation.field_label(e['field'], request.url.path)}：{e['reason']}" for e in errors)
        if not wants_json(request):
            from anju.web.templating import render_error

            return render_error(request, 422, msg)
        return JSONResponse({"error": "invalid", "message": msg, "errors": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        message = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        if not wants_json(request):
            from anju.web.templating import render_error

            return render_error(request, exc.status_code, message)
        return JSONResponse({"error": "http", "message": message, "errors": []}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Any:
        log.error("unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__)
        return JSONResponse({"error": "internal", "message": "服务器内部错误", "errors": []}, status_code=500)

    include_contexts(app)
    app.include_router(home.router)
    templating.add_globals({"menu_for": home.menu_for})
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/healthz", include_in_schema=False)
    async def healthz(_: Public) -> dict[str, str]:
        return {"status": "ok"}

    check_policies(app)
    _gate_included_routers(app)
    return app


def include_contexts(app: FastAPI) -> None:
    """Include each context's routers (``anju.<context>.http.ROUTERS``), in the order of ``CONTEXTS``,
    and the names its templates share (``TEMPLATE_GLOBALS``, optional)."""
    import importlib

    from anju.contexts import CONTEXTS
    from anju.web.templating import add_globals

    for ctx in CONTEXTS:
        if ctx.http:
            http = importlib.import_module(f"anju.{ctx.name}.http")
            for mount in http.ROUTERS:
                app.include_router(mount.router, prefix=mount.prefix)
            add_globals(getattr(http, "TEMPLATE_GLOBALS", {}))


def _literal_prefixes(paths: list[str]) -> tuple[str, ...]:
    """The literal starts (text before any ``{parameter}``) of the paths, none a prefix of another."""
    out: list[str] = []
    for lit in sorted({p.split("{", 1)[0] for p in paths}):
        if not out or not lit.startswith(out[-1]):
            out.append(lit)
    return tuple(out)


def _gate_included_routers(app: FastAPI) -> None:
    """Let a request skip an included router none of whose paths it can match.

    FastAPI (0.165) matches a request by walking every route of every included router in order, at a
    few microseconds each; with the platform's ~330 routes that was 60 % of a trivial request's time.
    Each top-level included router is given a subclass whose ``matches`` first checks that the path
    starts with the literal start of one of the router's paths (``/api/v1/rental/``, ``/api/v1/homes``
    …; one C call): a path that does not cannot match any of its routes, so the answer (no match) is
    unchanged. (A router with the root page ``/`` is left as it is.)
    Everything else about the router — OpenAPI, policies, dependencies — is its own class's.
    """
    try:
        from fastapi.routing import _IncludedRouter
        from starlette._utils import get_route_path
        from starlette.routing import Match
    except ImportError:  # pragma: no cover - another FastAPI: plain matching
        return

    class _GatedRouter(_IncludedRouter):
        gate: tuple[str, ...]

        def matches(self, scope: Any) -> tuple[Match, Any]:
            if scope["type"] == "http" and not get_route_path(scope).startswith(self.gate):
                return Match.NONE, {}
            return super().matches(scope)

    from anju.security import walk_routes

    for route in app.router.routes:
        if type(route) is _IncludedRouter:
            paths = walk_routes(route.original_router.routes, route.include_context.prefix)
            starts = _literal_prefixes([p for p, _, _ in paths])
            if starts and "/" not in starts:
                route.__class__ = _GatedRouter
                route.gate = starts  # type: ignore[attr-defined]


def prepare_routes(app: FastAPI) -> FastAPI:
    """Build FastAPI's per-route contexts now (≈1.5 s for ~330 routes), not at the first request to
    each router: a server does this before it listens. (``create_app`` leaves it out, so the tests'
    hundreds of apps build only the contexts of the routes they call.)"""
    from fastapi.routing import iter_route_contexts

    for _ in iter_route_contexts(app.routes):
        pass
    return app


def create_worker_app() -> FastAPI:
    """The app of one server process of ``anju serve --workers N`` (the parent has migrated)."""
    return prepare_routes(create_app(migrate_schema=False))
