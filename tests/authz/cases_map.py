"""Authorisation-matrix cases of the map (一图) and its tiles."""

from __future__ import annotations

from tests.authz.support import Case, figures_in_scope, located_in_scope, one, tile_in_scope, tile_url

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/map"): Case(one("GET", "/map"), scoping=None, perm="registry.read"),
    # --- the map (一图) ---------------------------------------------------------------------------
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.pbf"): Case(
        lambda ctx: [
            (f"{layer} {s}", None, lambda c, who, b=d.building, layer=layer: ("GET", tile_url(c, layer, b), {}))
            for s, d in ctx.data.items()
            for layer in ("buildings", "estates", "streets", "districts")
        ],
        check=tile_in_scope,
        scoping=None,
        perm="registry.read",
    ),
    ("GET", "/api/v1/map/layers"): Case(one("GET", "/api/v1/map/layers"), scoping=None, perm="registry.read"),
    ("GET", "/api/v1/map/streets/figures"): Case(
        one("GET", "/api/v1/map/streets/figures", params={"figure": "homes"}),
        check=figures_in_scope,
        scoping=None,
        perm="registry.read",
    ),
    ("GET", "/api/v1/map/summary/{code}"): Case(
        lambda ctx: [(s, s, lambda c, who, s=s: ("GET", f"/api/v1/map/summary/{s}", {})) for s in ctx.data],
        perm="registry.read",
    ),
    ("GET", "/api/v1/map/locate"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d.house_code: ("GET", "/api/v1/map/locate", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=located_in_scope,
        scoping=None,
        perm="registry.read",
    ),
}
