"""Authorisation-matrix cases of the housing register (楼盘表): estates, buildings, homes, imports,
exports and its pages."""

from __future__ import annotations

from tests.authz.support import (
    TODAY,
    Case,
    building_body,
    change_body,
    csv_in_scope,
    estate_body,
    home_body,
    homes_in_scope,
    items_in_scope,
    one,
    page_hides_other_districts,
    per_street,
    per_street_body,
    per_street_path_body,
)

CASES: dict[tuple[str, str], Case] = {
    # --- pages --------------------------------------------------------------------------------
    ("GET", "/registry"): Case(one("GET", "/registry"), scoping=None, perm="registry.read"),
    ("GET", "/search"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d.house_code: ("GET", "/search", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=page_hides_other_districts,
        scoping=None,
        perm="registry.read",
    ),
    ("GET", "/divisions/{code}"): Case(
        lambda ctx: [(s, s, lambda c, who, s=s: ("GET", f"/divisions/{s}", {})) for s in ctx.data],
        out_of_scope={403},  # a division is public knowledge: "not your area", not "missing"
        perm="registry.read",
    ),
    ("GET", "/estates/{estate_id}"): Case(per_street("GET", "/estates/{estate}", "estate"), perm="registry.read"),
    ("GET", "/buildings/{building_id}"): Case(
        per_street("GET", "/buildings/{building}", "building"), perm="registry.read"
    ),
    ("GET", "/homes/{home_id}"): Case(per_street("GET", "/homes/{home}", "home"), perm="registry.read"),
    ("GET", "/imports"): Case(one("GET", "/imports"), scoping=None, perm="registry.import"),
    ("POST", "/imports"): Case(
        one("POST", "/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}),
        scoping=None,
        perm="registry.import",
    ),
    ("GET", "/imports/{job_id}"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/imports/{c.job}", {}))],
        scoping=None,
        perm="registry.import",
    ),
    ("GET", "/api/v1/divisions/{code}/changes"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "GET",
                    f"/api/v1/divisions/{s}/changes",
                    {"params": {"from": "2000-01-01", "to": "2026-12-31"}},
                ),
            )
            for s in ctx.data
        ],
        perm="registry.read",
    ),
    # --- API: register ------------------------------------------------------------------------
    ("GET", "/api/v1/estates"): Case(
        one("GET", "/api/v1/estates"), check=items_in_scope(), scoping=None, perm="registry.read"
    ),
    ("GET", "/api/v1/buildings"): Case(
        one("GET", "/api/v1/buildings"), check=items_in_scope(), scoping=None, perm="registry.read"
    ),
    ("GET", "/api/v1/homes"): Case(
        one("GET", "/api/v1/homes"), check=items_in_scope(), scoping=None, perm="registry.read"
    ),
    ("GET", "/api/v1/estates/{estate_id}"): Case(
        per_street("GET", "/api/v1/estates/{estate}", "estate"), perm="registry.read"
    ),
    ("GET", "/api/v1/buildings/{building_id}"): Case(
        per_street("GET", "/api/v1/buildings/{building}", "building"), perm="registry.read"
    ),
    ("GET", "/api/v1/buildings/{building_id}/grid"): Case(
        per_street("GET", "/api/v1/buildings/{building}/grid", "building"), perm="registry.read"
    ),
    ("GET", "/api/v1/homes/{home_id}"): Case(per_street("GET", "/api/v1/homes/{home}", "home"), perm="registry.read"),
    ("GET", "/api/v1/homes/by-code/{house_code}"): Case(
        per_street("GET", "/api/v1/homes/by-code/{house_code}", "house_code"), perm="registry.read"
    ),
    ("GET", "/api/v1/homes/{home_id}/history"): Case(
        per_street("GET", "/api/v1/homes/{home}/history", "home"), perm="registry.read"
    ),
    ("GET", "/api/v1/homes/{home_id}/rooms"): Case(
        per_street("GET", "/api/v1/homes/{home}/rooms", "home"), perm="registry.read"
    ),
    ("POST", "/api/v1/estates"): Case(
        per_street_body("POST", "/api/v1/estates", estate_body), out_of_scope={422}, perm="registry.write"
    ),
    ("POST", "/api/v1/buildings"): Case(
        per_street_body("POST", "/api/v1/buildings", building_body), out_of_scope={422}, perm="registry.write"
    ),
    ("POST", "/api/v1/homes"): Case(
        per_street_body("POST", "/api/v1/homes", home_body), out_of_scope={422}, perm="registry.write"
    ),
    ("POST", "/api/v1/buildings/{building_id}/changes"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/api/v1/buildings/{c.data[s].building}/changes",
                    {"json": {"patch": {"units": 1 + next(c.counter) % 3}, "valid_from": "2026-06-01"}},
                ),
            )
            for s in ctx.data
        ],
        perm="registry.write",
    ),
    ("POST", "/api/v1/homes/{home_id}/changes"): Case(
        per_street_path_body("POST", "/api/v1/homes/{home}/changes", "home", change_body), perm="registry.write"
    ),
    ("POST", "/api/v1/homes/{home_id}/rooms"): Case(
        per_street_path_body(
            "POST", "/api/v1/homes/{home}/rooms", "home", lambda c, s: [{"name": "主卧", "area": "10.00"}]
        ),
        out_of_scope={422},
        perm="registry.write",
    ),
    ("POST", "/api/v1/homes/{home_id}/split"): Case(
        per_street_path_body(
            "POST",
            "/api/v1/homes/{home}/split",
            "home",
            lambda c, s: {
                "parts": [
                    {"room_no": f"S{next(c.counter)}", "construction_area": "20.00"},
                    {"room_no": f"S{next(c.counter)}", "construction_area": "20.00"},
                ],
                "effective_date": TODAY,
                "reason": "矩阵测试",
            },
        ),
        ok={201},
        out_of_scope={422},
        perm="registry.write",
    ),
    ("POST", "/api/v1/homes/merge"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    "/api/v1/homes/merge",
                    {
                        "json": {
                            "home_ids": [c.fresh_home(s, same_building=True), c.fresh_home(s, same_building=True)],
                            "room_no": f"H{next(c.counter)}",
                            "effective_date": TODAY,
                            "reason": "矩阵测试",
                        }
                    },
                ),
            )
            for s in ctx.data
        ],
        out_of_scope={422},
        perm="registry.write",
    ),
    ("GET", "/api/v1/search"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d.house_code: ("GET", "/api/v1/search", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=homes_in_scope,
        scoping=None,
        perm="registry.read",
    ),
    ("GET", "/api/v1/stats"): Case(one("GET", "/api/v1/stats"), scoping=None, perm="registry.read"),
    ("GET", "/api/v1/imports"): Case(one("GET", "/api/v1/imports"), scoping=None, perm="registry.import"),
    ("POST", "/api/v1/imports"): Case(
        one("POST", "/api/v1/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}),
        ok={422},
        scoping=None,
        perm="registry.import",
    ),
    ("GET", "/api/v1/imports/{job_id}"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/api/v1/imports/{c.job}", {}))],
        scoping=None,
        perm="registry.import",
    ),
    ("GET", "/api/v1/imports/{job_id}/rejects.csv"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/api/v1/imports/{c.job}/rejects.csv", {}))],
        scoping=None,
        perm="registry.import",
    ),
    ("GET", "/api/v1/exports/homes"): Case(
        lambda ctx: (
            [("all", None, lambda c, who: ("GET", "/api/v1/exports/homes", {}))]
            + [
                (s, s, lambda c, who, s=s: ("GET", "/api/v1/exports/homes", {"params": {"street_code": s}}))
                for s in ctx.data
            ]
        ),
        check=csv_in_scope,
        perm="registry.export",
    ),
    ("GET", "/api/v1/exports/buildings"): Case(
        lambda ctx: [
            (s, s, lambda c, who, s=s: ("GET", "/api/v1/exports/buildings", {"params": {"street_code": s}}))
            for s in ctx.data
        ],
        perm="registry.export",
    ),
}
