"""The app's router gates (``app._gate_included_routers``) change how fast a request is matched,
never what it matches: every route's path, and paths no route has, match exactly as without them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from fastapi.routing import _IncludedRouter, iter_route_contexts
from starlette.routing import Match

from anju.app import _literal_prefixes, create_app
from anju.core.settings import Settings
from anju.security import iter_routes


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}


def _first_match(routes: Sequence[object], scope: dict[str, object], gated: bool) -> tuple[int, Match]:
    for i, route in enumerate(routes):
        if isinstance(route, _IncludedRouter) and not gated:
            match, _ = _IncludedRouter.matches(route, dict(scope))  # the router's own matching
        else:
            match, _ = route.matches(dict(scope))  # type: ignore[attr-defined]
        if match != Match.NONE:
            return i, match
    return -1, Match.NONE


def test_gated_routers_match_every_path_as_the_plain_ones_do(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/anju.db", data_dir=tmp_path))
    routes = list(app.router.routes)
    gated = [r for r in routes if hasattr(r, "gate")]
    assert len(gated) >= 15  # every included router but the one with the root page ``/``
    paths = {(m, re.sub(r"\{[^}]+\}", "1", str(ctx.path))) for ctx in iter_route_contexts(routes)
             for m in (ctx.methods or {"GET"})}  # fmt: skip
    paths |= {("GET", "/nowhere"), ("GET", "/api/v1/nowhere"), ("GET", "/rentals"), ("POST", "/api/v1/rental/x/y/z")}
    paths |= {("DELETE", p) for _, p in list(paths)[:40]}  # a wrong method: a partial match (405) elsewhere
    assert len(paths) > 300
    for method, path in sorted(paths):
        assert _first_match(routes, _scope(method, path), True) == _first_match(routes, _scope(method, path), False), (
            method,
            path,
        )


def test_literal_prefixes_keep_the_shortest_start_of_each_family() -> None:
    assert _literal_prefixes(
        ["/api/v1/homes", "/api/v1/homes/{id}", "/api/v1/homes/{id}/history", "/api/v1/stats"]
    ) == (
        "/api/v1/homes",
        "/api/v1/stats",
    )
    assert _literal_prefixes(["/rental", "/rental/me/leases/{lease_id}"]) == ("/rental",)
    assert _literal_prefixes([]) == ()


def test_the_policy_walk_sees_every_route_as_fastapis_own_walk_does(tmp_path: Path) -> None:
    """``security.iter_routes`` walks the routers as declared (FastAPI's walk builds every route's
    context, 1.5 s per app): both give the same paths, methods and routes, in the same order."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/anju.db", data_dir=tmp_path))
    ours = [(path, methods, id(route)) for path, methods, route in iter_routes(app)]
    contexts = iter_route_contexts(app.routes)
    fastapis = [(str(c.path), frozenset(c.methods or ()), id(c.original_route)) for c in contexts]
    assert len(ours) > 300 and ours == fastapis
