"""Every route × every role × in-scope and out-of-scope data: no leak, no unexpected denial.

The cases live in ``tests/authz/cases_<context>.py`` and the machinery in ``tests/authz/support.py``.
A route the application has but no case module covers fails the completeness test, as does a route no
context owns (outside the composition root's short list), so a new route cannot ship without a
declared policy *and* a case. The behaviour check runs once per context, so pytest-xdist can spread the
contexts over its workers; they share one sample world per module (and per worker), built once.
"""

from __future__ import annotations

import importlib
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from anju.app import create_app
from anju.contexts import CONTEXTS
from anju.core.db import UnitOfWork, make_engine
from anju.security import Permission, check_policies, walk_routes
from tests import conftest
from tests.authz import CASES, CASES_BY_CONTEXT
from tests.authz.support import EXPECTED, Ctx, exercise
from tests.authz.world import build_ctx
from tests.conftest import DbFactory, SettingsFor

#: Routes the composition root (``anju.app``) declares itself rather than a context.
#: The composition root's own routes: the health check and the home page (portal / workbench, ``anju.home``).
APP_ROUTES = frozenset({("GET", "/healthz"), ("GET", "/")})
HTTP_CONTEXTS = [c.name for c in CONTEXTS if c.http]
#: The contexts by number of cases, largest first: xdist hands out the first tests round-robin, so the
#: two heaviest contexts start on different workers.
BY_SIZE = sorted([*HTTP_CONTEXTS, "app"], key=lambda name: -len(CASES_BY_CONTEXT.get(name, {})))

Route = tuple[str, str]

#: 三员分立 (docs/security.md): the auditor changes nothing and the administrator manages accounts only,
#: so outside the security context's own routes (sign-in, own account, account administration, audit)
#: both are refused every method but GET. The matrix's accounts of those two roles:
NON_WRITERS = ("auditor", "admin", "admin_a")
#: Business routes that are POSTs only to carry a long input and touch nothing stored: the address
#: parser. Each must stay free of the unit of work (checked below), or it leaves this list.
READ_ONLY_POSTS = frozenset(
    {("POST", "/api/v1/addresses/parse"), ("POST", "/api/v1/addresses/parse/batch"), ("POST", "/addresses/parse")}
)


def route_owners() -> dict[Route, str]:
    """(method, path) → the context whose ``anju.<context>.http.ROUTERS`` declares it."""
    owners: dict[Route, str] = {}
    for context in HTTP_CONTEXTS:
        for mount in importlib.import_module(f"anju.{context}.http").ROUTERS:
            for path, methods, _route in walk_routes(mount.router.routes, mount.prefix):
                for method in methods:
                    owners[(method, path)] = context
    for route in APP_ROUTES:
        owners.setdefault(route, "app")
    return owners


def policies(ctx: Ctx) -> dict[Route, Permission]:
    """(method, path) → permission of every route of the app under test."""
    app = ctx.client.app
    assert isinstance(app, FastAPI)
    return check_policies(app)


@pytest.fixture(scope="module")
def ctx(db_factory: DbFactory, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    """One sample world per module (and per xdist worker): the cases do not depend on each other's effects
    (each write makes its own fresh record), so the contexts share it in any order."""
    url = db_factory.fresh_url("city")
    engine = make_engine(url)
    try:
        with build_ctx(engine, conftest.test_settings(url, tmp_path_factory.mktemp("authz"))) as c:
            yield c
    finally:
        engine.dispose()
        db_factory.drop(url)


def test_every_route_has_a_case_and_every_case_a_route(ctx: Ctx) -> None:
    routes = policies(ctx)
    owners = route_owners()
    unowned = sorted(f"{m} {p}" for m, p in routes if (m, p) not in owners)
    assert unowned == [], f"routes no context declares in anju.<context>.http.ROUTERS: {unowned}"
    missing = sorted(f"{m} {p}" for m, p in routes if (m, p) not in CASES)
    assert missing == [], f"routes without a case in the authorisation matrix: {missing}"
    stale = sorted(f"{m} {p}" for m, p in CASES if (m, p) not in routes)
    assert stale == [], f"cases for routes that no longer exist: {stale}"
    misplaced = sorted(
        f"{m} {p} (in cases_{name}.py, owned by {owners[(m, p)]})"
        for name, cases in CASES_BY_CONTEXT.items()
        for m, p in cases
        if owners[(m, p)] != name
    )
    assert misplaced == [], f"cases in another context's module: {misplaced}"
    changed = sorted(
        f"{m} {p}: the route declares {perm!r}, its case {CASES[(m, p)].perm!r}"
        for (m, p), perm in routes.items()
        if CASES[(m, p)].perm != perm
    )
    assert changed == [], f"routes whose policy differs from their case: {changed}"
    assert set(CASES_BY_CONTEXT) == {*HTTP_CONTEXTS, "app"}


def business_writes(ctx: Ctx) -> dict[Route, Permission]:
    """Every route of the app under test that is not a GET, outside the security context's routes."""
    owners = route_owners()
    return {
        (m, p): perm
        for (m, p), perm in policies(ctx).items()
        if m not in ("GET", "HEAD") and owners.get((m, p)) != "security"
    }


def test_the_auditor_and_the_administrator_write_no_business_route(ctx: Ctx) -> None:
    """Derived from the application, so a new route is covered without a new line: its expected grant
    must leave out both roles, and the running application must refuse both with 403."""
    writes = business_writes(ctx)
    assert len(writes) > 100, sorted(writes)  # the walk found the routes
    granted = sorted(
        f"{m} {p}: {perm!r} is held by {sorted(set(NON_WRITERS) & EXPECTED[perm])}"
        for (m, p), perm in writes.items()
        if (m, p) not in READ_ONLY_POSTS and set(NON_WRITERS) & EXPECTED[perm]
    )
    assert granted == [], "business writes open to the auditor or the administrator:\n" + "\n".join(granted)
    failures = []
    for method, path in sorted(writes.keys() - READ_ONLY_POSTS):
        url = re.sub(r"\{[^}]+\}", "1", path)
        for who in NON_WRITERS:
            resp = ctx.client.request(method, url, headers={"authorization": f"Bearer {ctx.tokens[who]}"})
            if resp.status_code != 403:
                failures.append(f"{method} {path} as {who}: {resp.status_code} — {resp.text[:120]}")
    assert failures == [], "\n".join(failures)


def test_the_read_only_posts_touch_nothing_stored(ctx: Ctx) -> None:
    app = ctx.client.app
    assert isinstance(app, FastAPI)
    endpoints = {
        (method, path): route
        for path, methods, route in walk_routes(app.router.routes)
        for method in methods
        if (method, path) in READ_ONLY_POSTS
    }
    assert endpoints.keys() == READ_ONLY_POSTS
    for route, endpoint in endpoints.items():
        assert isinstance(endpoint, APIRoute)
        hints = typing.get_type_hints(endpoint.endpoint, include_extras=True)
        kinds = {typing.get_args(h)[0] if typing.get_args(h) else h for h in hints.values()}
        assert UnitOfWork not in kinds and Engine not in kinds, f"{route} reaches the database"


@pytest.mark.parametrize("context", BY_SIZE)
def test_every_route_of_the_context_behaves_for_every_role_and_scope(ctx: Ctx, context: str) -> None:
    owners = route_owners()
    routes = {route: perm for route, perm in policies(ctx).items() if owners.get(route) == context}
    assert routes, f"{context} has no routes"
    failures: list[str] = []
    for (method, path), perm in sorted(routes.items()):
        case = CASES.get((method, path))
        if case is None:
            failures.append(f"{method} {path}: no case (see the completeness test)")
            continue
        failures += exercise(ctx, method, path, perm, case)
    assert failures == [], "\n".join(failures)


def test_a_route_without_a_policy_stops_the_application(
    city_engine: Engine, settings_for: SettingsFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi import APIRouter

    stray = APIRouter()

    @stray.get("/api/v1/stray")
    def stray_route() -> dict[str, str]:
        return {"leak": "yes"}

    original = FastAPI.include_router
    calls: list[int] = []

    def include_with_stray(self: Any, router: Any, **kw: Any) -> None:
        original(self, router, **kw)
        if not calls:
            calls.append(1)
            original(self, stray)

    monkeypatch.setattr(FastAPI, "include_router", include_with_stray)
    with pytest.raises(RuntimeError, match="/api/v1/stray"):
        create_app(settings_for(city_engine))
