# mypy: disable-error-code="misc, arg-type, return-value, operator, type-arg, attr-defined"
"""Every route × every role × in-scope and out-of-scope data: no leak, no unexpected denial.

The expected grants below are written from the issue's role list, independently of
``anju.security.roles``; a route the application has but this file has no case for fails the test,
so a new route cannot ship without a declared policy *and* a case here.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from stdnum.cn import ric

from anju.app import create_app
from anju.core import clock
from anju.registry import tables as rt
from anju.security import Caller, NewAccount, Role, Security, check_policies, create_account
from tests.accounts import PASSWORD, World, account_id, api_token, choose_world

ROLES = ["city", "auditor", "admin", "admin_a", "district", "clerk", "citizen", "landlord", "agency"]
SIGNED_IN = set(ROLES)
EXPECTED: dict[str, set[str]] = {
    "public": SIGNED_IN | {"anonymous"},
    "self": SIGNED_IN,
    "divisions.read": SIGNED_IN,
    "registry.read": {"city", "auditor", "district", "clerk"},
    "registry.write": {"city", "district", "clerk"},
    "registry.export": {"city", "auditor", "district"},
    "registry.import": {"city"},
    "accounts.manage": {"admin", "admin_a"},
    "personal.reveal": {"admin", "admin_a", "district", "city"},
    "audit.read": {"auditor"},
    "ledger.read": {"city", "auditor"},
    "address.parse": SIGNED_IN,
    "address.read": {"city", "auditor", "district", "clerk"},
    "address.review": {"city", "district", "clerk"},
    "address.link": {"city"},
}
OK = {200, 201, 204, 303}
TODAY = clock.today().isoformat()


@dataclass
class Ctx:
    engine: Engine
    world: World
    client: TestClient
    tokens: dict[str, str]
    #: street → sample ids: estate, building, home (live), house_code
    data: dict[str, dict[str, Any]]
    accounts: dict[str, int]
    extra: dict[str, Any] = field(default_factory=dict)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def streets_of(self, who: str) -> set[str] | None:
        """The streets whose register data the caller may see (None: all)."""
        if who in ("city", "auditor"):
            return None
        if who == "district":
            return self._district_streets()
        if who == "clerk":
            return {self.world.street_s1}
        return set()

    def _district_streets(self) -> set[str]:
        from anju import divisions as div

        with self.engine.connect() as c:
            kids, _ = div.children(c, self.world.district_a, "street", limit=1000)
        return {k.code for k in kids}

    def in_account_scope(self, who: str, target: str) -> bool:
        """Whether an account administrator/officer may see the target account."""
        if who in ("admin", "city"):
            return True
        return target == "t_in"  # t_in lies in district A; t_out in B


Request = tuple[str, str, dict[str, Any]]  # method, path, httpx kwargs


@dataclass
class Case:
    """How to exercise one route: variants (label, street or target, request builder) and what success is."""

    variants: Callable[[Ctx], list[tuple[str, str | None, Callable[[Ctx, str], Request]]]]
    ok: set[int] = field(default_factory=lambda: OK)
    #: Called on an allowed, successful response to check it leaks nothing out of scope.
    check: Callable[[Ctx, str, Any], None] | None = None
    #: Kind of scoping of the variants: "register" (street codes) or "account" (t_in/t_out) or None.
    scoping: str | None = "register"
    out_of_scope: set[int] = field(default_factory=lambda: {404})


def one(method: str, path: str, **kw: Any) -> Callable[[Ctx], list[tuple[str, str | None, Any]]]:
    return lambda ctx: [("any", None, lambda c, who: (method, path, kw))]


def per_street(method: str, template: str, key: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street (S1, S2, B), the path filled from that street's sample ``key``."""

    def build(ctx: Ctx) -> list[Any]:
        out = []
        for street, d in ctx.data.items():
            path = template.format(**{key: d[key]})
            out.append((street, street, lambda c, who, p=path: (method, p, dict(kw))))
        return out

    return build


def per_street_body(method: str, path: str, body: Callable[[Ctx, str], dict[str, Any]]) -> Callable[[Ctx], list[Any]]:
    def build(ctx: Ctx) -> list[Any]:
        return [(s, s, lambda c, who, s=s: (method, path, {"json": body(c, s)})) for s in ctx.data]

    return build


def per_street_path_body(method: str, template: str, key: str, body: Callable[[Ctx, str], Any]) -> Any:
    def build(ctx: Ctx) -> list[Any]:
        out = []
        for street in ctx.data:
            out.append(
                (
                    street,
                    street,
                    lambda c, who, s=street: (method, template.format(**{key: c.fresh_home(s)}), {"json": body(c, s)}),
                )
            )
        return out

    return build


def per_account(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    def build(ctx: Ctx) -> list[Any]:
        return [
            (t, t, lambda c, who, t=t: (method, template.format(id=c.accounts[t]), dict(kw))) for t in ("t_in", "t_out")
        ]

    return build


# --- response checks: nothing outside the caller's scope ------------------------------------------


def items_in_scope(key: str = "street_code") -> Callable[[Ctx, str, Any], None]:
    def check(ctx: Ctx, who: str, resp: Any) -> None:
        allowed = ctx.streets_of(who)
        items = resp.json()["items"]
        assert items, f"{who} sees an empty list where its scope has data"
        if allowed is not None:
            assert {i[key] for i in items} <= allowed, f"{who} sees records outside its scope"

    return check


def homes_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    body = resp.json()
    codes = [h["house_code"] for h in body.get("homes", body.get("items", []))] + [
        b["house_code"] for b in body.get("buildings", [])
    ]
    if allowed is not None:
        assert {c[:9] for c in codes} <= allowed, f"{who} sees homes outside its scope"


def csv_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    rows = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"))))
    col = rows[0].index("house_code")
    codes = [r[col] for r in rows[1:]]
    assert codes, f"{who} exported nothing"
    if allowed is not None:
        assert {c[:9] for c in codes} <= allowed, f"{who} exported records outside its scope"


def page_hides_other_districts(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    if allowed is None:
        return
    for street, d in ctx.data.items():
        if street not in allowed:
            assert d["house_code"] not in resp.text, f"{who} sees {d['house_code']} on a page"


def accounts_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    items = resp.json()["items"]
    names = {i["username"] for i in items}
    assert "t_in" in names or who != "admin_a"
    if who == "admin_a":
        assert "t_out" not in names and "landlord" not in names, "a district administrator sees other accounts"
    for i in items:  # personal values are masked in lists
        assert i["id_number"] is None or "*" in i["id_number"]
        assert i["phone"] is None or "*" in i["phone"]


ZOOM = {"buildings": 16, "estates": 13, "streets": 11, "districts": 9}


def tile_url(ctx: Ctx, layer: str, building_id: int) -> str:
    """The tile of ``layer`` around a sample building."""
    import math

    b = rt.buildings
    with ctx.engine.connect() as c:
        lon, lat = c.execute(select(b.c.centroid_lon, b.c.centroid_lat).where(b.c.id == building_id)).one()
    z = ZOOM[layer]
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf"


def tile_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    import mapbox_vector_tile

    allowed = ctx.streets_of(who)
    tile = mapbox_vector_tile.decode(resp.content) if resp.content else {}
    if allowed is None:
        return
    for name, layer in tile.items():
        for f in layer["features"]:
            p = f["properties"]
            if name == "buildings":
                assert p["house_code"][:9] in allowed, f"{who} sees building {p['house_code']} in a tile"
            elif name == "streets":
                assert p["code"] in allowed, f"{who} sees street {p['code']} in a tile"
            elif name == "districts":
                # the district managing the caller's streets (its figures count only those streets)
                assert p["code"] == ctx.world.district_a, f"{who} sees district {p['code']}"
            elif name == "estates":
                e = rt.estates
                with ctx.engine.connect() as c:
                    street = c.execute(select(e.c.street_code).where(e.c.id == p["id"])).scalar_one()
                assert street in allowed, f"{who} sees estate {p['id']} in a tile"


def figures_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    codes = {i["code"] for i in resp.json()["items"]}
    assert codes, f"{who} sees no streets"
    if allowed is not None:
        assert codes <= allowed, f"{who} sees figures of streets outside its scope"


def located_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    if allowed is not None:
        assert {i["house_code"][:9] for i in resp.json()} <= allowed, f"{who} locates records outside its scope"


def per_district(path: str) -> Callable[[Ctx], list[Any]]:
    """The caller's own figures, and those of districts A and B (a district outside the scope answers
    with nothing of it, not with a refusal)."""

    def build(ctx: Ctx) -> list[Any]:
        out: list[Any] = [("all", None, lambda c, who: ("GET", path, {}))]
        for d in (ctx.world.district_a, ctx.world.district_b):
            out.append((d, None, lambda c, who, d=d: ("GET", path, {"params": {"district": d}})))
        return out

    return build


def figures_area_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    body = resp.json()
    if "district" in str(resp.request.url):
        return
    own = {"city": ctx.world.city, "auditor": ctx.world.city, "district": ctx.world.district_a}
    want = own.get(who, ctx.world.street_s1)
    assert body["area_code"] == want, f"{who} gets the figures of {body['area_code']}"


def talent_districts_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    codes = {r["code"] for r in resp.json()["districts"]}
    if who in ("district", "clerk"):
        assert codes <= {ctx.world.district_a}, f"{who} sees talent figures of {codes}"


# --- bodies -----------------------------------------------------------------------------------------


def estate_body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {"name": f"矩阵花园{next(ctx.counter)}", "street_code": street, "road": "矩阵路", "door_no": "1"}


def building_body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {
        "estate_id": ctx.data[street]["estate"],
        "building_no": f"M{next(ctx.counter)}",
        "use": "住宅",
        "structure": "钢筋混凝土",
        "floors_above": 6,
        "year_built": 2015,
        "status": "现房",
    }


def home_body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {
        "building_id": ctx.data[street]["building"],
        "floor_no": 1,
        "room_no": f"9{next(ctx.counter):03d}",
        "construction_area": "50.00",
    }


def change_body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {
        "patch": {"orientation": "南" if next(ctx.counter) % 2 else "北"},
        "valid_from": TODAY,
        "reason": "矩阵测试",
    }


def register_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    n = next(ctx.counter)
    body = f"320102199001{1 + (n // 1000) % 28:02d}{n % 1000:03d}"  # the counter passes 999
    return {
        "username": f"reg{n}",
        "password": PASSWORD,
        "name": "测试市民",
        "id_number": body + ric.calc_check_digit(body + "0"),
        "phone": f"139{n:08d}",
    }


def account_body(ctx: Ctx, street: str | None) -> dict[str, Any]:
    n = next(ctx.counter)
    division = ctx.world.street_s2 if street == "t_in" else ctx.world.district_b
    return {
        "username": f"acct{n}",
        "password": PASSWORD,
        "role": "street_clerk" if street == "t_in" else "district_officer",
        "name": "新同事",
        "division_code": division,
    }


def new_street_clerk(ctx: Ctx, target: str) -> dict[str, Any]:
    b_street = next(s for s in ctx.data if s not in (ctx.world.street_s1, ctx.world.street_s2))
    return {"role": "street_clerk", "division_code": ctx.world.street_s2 if target == "t_in" else b_street}


# --- housing assistance: fresh records per request (a write consumes its record) ------------------

RUN_BODY = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": ["见证人甲"]}
RUN_FORM = {"seed": "385729", "seed_source": "矩阵测试现场", "witnesses": "见证人甲"}


def draws_in_scope(ctx: Ctx, who: str, resp: Any) -> None:
    allowed = ctx.streets_of(who)
    items = resp.json()["items"]
    assert items, f"{who} sees no draws"
    if allowed is not None:
        assert all(set(i["street_codes"]) & allowed for i in items), f"{who} sees draws outside its scope"


def freeze_body(x: dict[str, Any]) -> dict[str, Any]:
    return {"programme_code": "public_rental", "priority_class": x["priority"], "title": "矩阵摇号"}


def fresh(method: str, template: str, kind: str, body: Callable[[Ctx, dict[str, Any]], dict[str, Any]]) -> Any:
    """One variant per sample street; each request gets a fresh record of ``kind`` in that street."""

    def build(ctx: Ctx) -> list[Any]:
        def request(c: Ctx, who: str, s: str) -> Request:
            x = c.fresh_assistance(s, kind)
            return (method, template.format(**x), body(c, x))

        return [(s, s, lambda c, who, s=s: request(c, who, s)) for s in ctx.data]

    return build


def public_draw(template: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("any", None, lambda c, who: ("GET", template.format(c.data[c.world.street_s1]["drawn"]), {}))]


CASES: dict[tuple[str, str], Case] = {
    # --- pages --------------------------------------------------------------------------------
    ("GET", "/"): Case(one("GET", "/"), scoping=None),
    ("GET", "/login"): Case(one("GET", "/login"), scoping=None),
    ("POST", "/login"): Case(
        one(
            "POST",
            "/login",
            data={"username": "nobody", "password": "wrong", "csrf_token": "k" * 20},
            headers={"cookie": "anju_csrf=" + "k" * 20},
        ),
        ok={401},
        scoping=None,
    ),
    ("POST", "/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/logout", {"fresh": True}))], scoping=None
    ),
    ("GET", "/me"): Case(one("GET", "/me"), scoping=None),
    ("GET", "/register"): Case(one("GET", "/register"), scoping=None),
    ("POST", "/register"): Case(
        lambda ctx: [
            (
                "any",
                None,
                lambda c, who: (
                    "POST",
                    "/register",
                    {
                        "data": register_body(c) | {"csrf_token": "k" * 20},
                        "headers": {"cookie": "anju_csrf=" + "k" * 20},
                    },
                ),
            )
        ],
        ok={201},
        scoping=None,
    ),
    ("POST", "/me/password"): Case(
        one("POST", "/me/password", data={"old_password": "wrong", "new_password": "x"}), ok={422}, scoping=None
    ),
    ("GET", "/search"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d["house_code"]: ("GET", "/search", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=page_hides_other_districts,
        scoping=None,
    ),
    ("GET", "/divisions/{code}"): Case(
        lambda ctx: [(s, s, lambda c, who, s=s: ("GET", f"/divisions/{s}", {})) for s in ctx.data],
    ),
    ("GET", "/estates/{estate_id}"): Case(per_street("GET", "/estates/{estate}", "estate")),
    ("GET", "/buildings/{building_id}"): Case(per_street("GET", "/buildings/{building}", "building")),
    ("GET", "/homes/{home_id}"): Case(per_street("GET", "/homes/{home}", "home")),
    ("GET", "/imports"): Case(one("GET", "/imports"), scoping=None),
    ("POST", "/imports"): Case(
        one("POST", "/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}), scoping=None
    ),
    ("GET", "/imports/{job_id}"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/imports/{c.extra['job']}", {}))], scoping=None
    ),
    ("GET", "/admin/accounts"): Case(one("GET", "/admin/accounts"), scoping=None),
    ("POST", "/admin/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/admin/accounts", {"data": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
    ),
    ("GET", "/admin/accounts/{account_id}"): Case(per_account("GET", "/admin/accounts/{id}"), scoping="account"),
    ("POST", "/admin/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/admin/accounts/{id}/reveal", data={"reason": "核对身份信息"}), scoping="account"
    ),
    ("POST", "/admin/accounts/{account_id}/role"): Case(
        lambda ctx: [
            (
                t,
                t,
                lambda c, who, t=t: ("POST", f"/admin/accounts/{c.accounts[t]}/role", {"data": new_street_clerk(c, t)}),
            )
            for t in ("t_in", "t_out")
        ],
        scoping="account",
    ),
    ("POST", "/admin/accounts/{account_id}/totp"): Case(
        per_account("POST", "/admin/accounts/{id}/totp"), scoping="account"
    ),
    ("POST", "/admin/accounts/{account_id}/disable"): Case(
        per_account("POST", "/admin/accounts/{id}/disable", data={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/admin/accounts/{account_id}/enable"): Case(
        per_account("POST", "/admin/accounts/{id}/enable", data={"reason": "矩阵测试"}), scoping="account"
    ),
    ("GET", "/audit"): Case(one("GET", "/audit"), scoping=None),
    ("GET", "/audit.csv"): Case(one("GET", "/audit.csv", params={"outcome": "denied"}), scoping=None),
    ("GET", "/healthz"): Case(one("GET", "/healthz"), scoping=None),
    ("GET", "/map"): Case(one("GET", "/map"), scoping=None),
    # --- API: security ------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): Case(
        one("POST", "/api/v1/auth/token", json={"username": "nobody", "password": "wrong"}), ok={401}, scoping=None
    ),
    ("POST", "/api/v1/auth/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/logout", {"fresh": True}))], scoping=None
    ),
    ("POST", "/api/v1/auth/register"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/register", {"json": register_body(c)}))],
        scoping=None,
    ),
    ("GET", "/api/v1/me"): Case(one("GET", "/api/v1/me"), scoping=None),
    ("POST", "/api/v1/me/password"): Case(
        one("POST", "/api/v1/me/password", json={"old_password": "wrong", "new_password": "x"}), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/accounts"): Case(one("GET", "/api/v1/accounts"), check=accounts_in_scope, scoping=None),
    ("POST", "/api/v1/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts", {"json": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
    ),
    ("POST", "/api/v1/accounts/lookup"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts/lookup", {"json": {"phone": c.extra["phones"][t]}}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={200},
        check=None,
    ),
    ("GET", "/api/v1/accounts/{account_id}"): Case(per_account("GET", "/api/v1/accounts/{id}"), scoping="account"),
    ("POST", "/api/v1/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/api/v1/accounts/{id}/reveal", json={"fields": ["phone"], "reason": "核对身份信息"}),
        scoping="account",
    ),
    ("POST", "/api/v1/accounts/{account_id}/role"): Case(
        lambda ctx: [
            (
                t,
                t,
                lambda c, who, t=t: (
                    "POST",
                    f"/api/v1/accounts/{c.accounts[t]}/role",
                    {"json": new_street_clerk(c, t)},
                ),
            )
            for t in ("t_in", "t_out")
        ],
        scoping="account",
    ),
    ("POST", "/api/v1/accounts/{account_id}/disable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/disable", json={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/api/v1/accounts/{account_id}/enable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/enable", json={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/api/v1/accounts/{account_id}/totp"): Case(
        per_account("POST", "/api/v1/accounts/{id}/totp"), scoping="account"
    ),
    ("GET", "/api/v1/audit"): Case(one("GET", "/api/v1/audit"), scoping=None),
    ("GET", "/api/v1/audit/export.csv"): Case(one("GET", "/api/v1/audit/export.csv"), scoping=None),
    # --- API: divisions -----------------------------------------------------------------------
    ("GET", "/api/v1/divisions"): Case(one("GET", "/api/v1/divisions"), scoping=None),
    ("GET", "/api/v1/divisions/{code}"): Case(one("GET", "/api/v1/divisions/320102"), scoping=None),
    ("GET", "/api/v1/divisions/{code}/geometry"): Case(one("GET", "/api/v1/divisions/320102/geometry"), scoping=None),
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
        ]
    ),
    # --- API: register ------------------------------------------------------------------------
    ("GET", "/api/v1/estates"): Case(one("GET", "/api/v1/estates"), check=items_in_scope(), scoping=None),
    ("GET", "/api/v1/buildings"): Case(one("GET", "/api/v1/buildings"), check=items_in_scope(), scoping=None),
    ("GET", "/api/v1/homes"): Case(one("GET", "/api/v1/homes"), check=items_in_scope(), scoping=None),
    ("GET", "/api/v1/estates/{estate_id}"): Case(per_street("GET", "/api/v1/estates/{estate}", "estate")),
    ("GET", "/api/v1/buildings/{building_id}"): Case(per_street("GET", "/api/v1/buildings/{building}", "building")),
    ("GET", "/api/v1/buildings/{building_id}/grid"): Case(
        per_street("GET", "/api/v1/buildings/{building}/grid", "building")
    ),
    ("GET", "/api/v1/homes/{home_id}"): Case(per_street("GET", "/api/v1/homes/{home}", "home")),
    ("GET", "/api/v1/homes/by-code/{house_code}"): Case(
        per_street("GET", "/api/v1/homes/by-code/{house_code}", "house_code")
    ),
    ("GET", "/api/v1/homes/{home_id}/history"): Case(per_street("GET", "/api/v1/homes/{home}/history", "home")),
    ("GET", "/api/v1/homes/{home_id}/rooms"): Case(per_street("GET", "/api/v1/homes/{home}/rooms", "home")),
    ("POST", "/api/v1/estates"): Case(per_street_body("POST", "/api/v1/estates", estate_body), out_of_scope={422}),
    ("POST", "/api/v1/buildings"): Case(
        per_street_body("POST", "/api/v1/buildings", building_body), out_of_scope={422}
    ),
    ("POST", "/api/v1/homes"): Case(per_street_body("POST", "/api/v1/homes", home_body), out_of_scope={422}),
    ("POST", "/api/v1/buildings/{building_id}/changes"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/api/v1/buildings/{c.data[s]['building']}/changes",
                    {"json": {"patch": {"units": 1 + next(c.counter) % 3}, "valid_from": "2026-06-01"}},
                ),
            )
            for s in ctx.data
        ]
    ),
    ("POST", "/api/v1/homes/{home_id}/changes"): Case(
        per_street_path_body("POST", "/api/v1/homes/{home}/changes", "home", change_body)
    ),
    ("POST", "/api/v1/homes/{home_id}/rooms"): Case(
        per_street_path_body(
            "POST", "/api/v1/homes/{home}/rooms", "home", lambda c, s: [{"name": "主卧", "area": "10.00"}]
        ),
        out_of_scope={422},
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
    ),
    ("GET", "/api/v1/search"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d["house_code"]: ("GET", "/api/v1/search", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=homes_in_scope,
        scoping=None,
    ),
    ("GET", "/api/v1/stats"): Case(one("GET", "/api/v1/stats"), scoping=None),
    # --- the map (一图) ---------------------------------------------------------------------------
    ("GET", "/tiles/{layer}/{z}/{x}/{y}.pbf"): Case(
        lambda ctx: [
            (f"{layer} {s}", None, lambda c, who, b=d["building"], layer=layer: ("GET", tile_url(c, layer, b), {}))
            for s, d in ctx.data.items()
            for layer in ("buildings", "estates", "streets", "districts")
        ],
        check=tile_in_scope,
        scoping=None,
    ),
    ("GET", "/api/v1/map/layers"): Case(one("GET", "/api/v1/map/layers"), scoping=None),
    ("GET", "/api/v1/map/streets/figures"): Case(
        one("GET", "/api/v1/map/streets/figures", params={"figure": "homes"}), check=figures_in_scope, scoping=None
    ),
    ("GET", "/api/v1/map/summary/{code}"): Case(
        lambda ctx: [(s, s, lambda c, who, s=s: ("GET", f"/api/v1/map/summary/{s}", {})) for s in ctx.data],
    ),
    ("GET", "/api/v1/map/locate"): Case(
        lambda ctx: [
            (s, None, lambda c, who, code=d["house_code"]: ("GET", "/api/v1/map/locate", {"params": {"q": code[:13]}}))
            for s, d in ctx.data.items()
        ],
        check=located_in_scope,
        scoping=None,
    ),
    ("GET", "/api/v1/imports"): Case(one("GET", "/api/v1/imports"), scoping=None),
    ("POST", "/api/v1/imports"): Case(
        one("POST", "/api/v1/imports", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/imports/{job_id}"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/api/v1/imports/{c.extra['job']}", {}))], scoping=None
    ),
    ("GET", "/api/v1/imports/{job_id}/rejects.csv"): Case(
        lambda ctx: [("any", None, lambda c, who: ("GET", f"/api/v1/imports/{c.extra['job']}/rejects.csv", {}))],
        scoping=None,
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
    ),
    # --- API: the verifiable log (heads and proofs are published; entries are not) -------------
    ("GET", "/api/v1/ledger/logs"): Case(one("GET", "/api/v1/ledger/logs"), scoping=None),
    ("GET", "/api/v1/ledger/{log}/head"): Case(one("GET", "/api/v1/ledger/audit_test/head"), scoping=None),
    ("GET", "/api/v1/ledger/{log}/proofs/inclusion"): Case(
        one("GET", "/api/v1/ledger/audit_test/proofs/inclusion", params={"index": 1}), scoping=None
    ),
    ("GET", "/api/v1/ledger/{log}/proofs/consistency"): Case(
        one("GET", "/api/v1/ledger/audit_test/proofs/consistency", params={"old_size": 1}), scoping=None
    ),
    ("GET", "/api/v1/ledger/{log}/entries/{index}"): Case(
        one("GET", "/api/v1/ledger/audit_test/entries/2"), scoping=None
    ),
    # --- the address fusion library ---------------------------------------------------------------
    ("POST", "/api/v1/addresses/parse"): Case(
        one("POST", "/api/v1/addresses/parse", json={"address": "南京市玄武区中山路1号3幢502室"}), scoping=None
    ),
    ("POST", "/api/v1/addresses/parse/batch"): Case(
        one("POST", "/api/v1/addresses/parse/batch", json={"addresses": ["玄武区中山路1号", None]}), scoping=None
    ),
    ("GET", "/api/v1/addresses/records"): Case(
        one("GET", "/api/v1/addresses/records"), check=items_in_scope(), scoping=None
    ),
    ("GET", "/api/v1/addresses/records/{record_id}"): Case(
        per_street("GET", "/api/v1/addresses/records/{addr}", "addr")
    ),
    ("POST", "/api/v1/addresses/records/{record_id}/decision"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/api/v1/addresses/records/{c.fresh_address(s)}/decision",
                    {"json": {"accept": True, "house_code": c.data[s]["house_code"]}},
                ),
            )
            for s in ctx.data
        ]
    ),
    ("GET", "/api/v1/addresses/jobs"): Case(one("GET", "/api/v1/addresses/jobs"), scoping=None),
    ("POST", "/api/v1/addresses/link"): Case(
        lambda ctx: [
            (
                "any",
                None,
                lambda c, who: (
                    "POST",
                    "/api/v1/addresses/link",
                    {"files": {"file": ("p.csv", f"record_id,address\n1,{c.extra['address']}\n".encode(), "text/csv")}},
                ),
            )
        ],
        ok={201},
        scoping=None,
    ),
    ("GET", "/addresses/review"): Case(one("GET", "/addresses/review"), scoping=None),
    ("GET", "/addresses/review/{record_id}"): Case(per_street("GET", "/addresses/review/{addr}", "addr")),
    ("GET", "/addresses/review/{record_id}/confirm"): Case(
        per_street("GET", "/addresses/review/{addr}/confirm", "addr")
    ),
    ("POST", "/addresses/review/{record_id}/decision"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/addresses/review/{c.fresh_address(s)}/decision",
                    {"data": {"accept": "true", "house_code": c.data[s]["house_code"]}},
                ),
            )
            for s in ctx.data
        ]
    ),
    ("GET", "/addresses/parse"): Case(one("GET", "/addresses/parse"), scoping=None),
    ("POST", "/addresses/parse"): Case(
        one("POST", "/addresses/parse", data={"text": "南京市玄武区中山路1号3幢502室"}), scoping=None
    ),
    ("GET", "/api/v1/exports/buildings"): Case(
        lambda ctx: [
            (s, s, lambda c, who, s=s: ("GET", "/api/v1/exports/buildings", {"params": {"street_code": s}}))
            for s in ctx.data
        ]
    ),
    # --- assistance figures (aggregates within the caller's scope; a district filter narrows them) --
    ("GET", "/api/v1/assistance/figures/targets"): Case(one("GET", "/api/v1/assistance/figures/targets"), scoping=None),
    ("GET", "/api/v1/assistance/figures/coverage"): Case(
        per_district("/api/v1/assistance/figures/coverage"), check=figures_area_in_scope, scoping=None
    ),
    ("GET", "/api/v1/assistance/figures/supply"): Case(per_district("/api/v1/assistance/figures/supply"), scoping=None),
    ("GET", "/api/v1/assistance/figures/applications"): Case(
        per_district("/api/v1/assistance/figures/applications"), scoping=None
    ),
    ("GET", "/api/v1/assistance/figures/times"): Case(per_district("/api/v1/assistance/figures/times"), scoping=None),
    ("GET", "/api/v1/assistance/figures/monthly"): Case(
        per_district("/api/v1/assistance/figures/monthly"), scoping=None
    ),
    ("GET", "/api/v1/assistance/figures/talent"): Case(
        per_district("/api/v1/assistance/figures/talent"), check=talent_districts_in_scope, scoping=None
    ),
    ("GET", "/api/v1/assistance/figures/{table}.csv"): Case(
        lambda ctx: [
            (t, None, lambda c, who, t=t: ("GET", f"/api/v1/assistance/figures/{t}.csv", {}))
            for t in ("coverage", "talent-districts")
        ],
        scoping=None,
    ),
    ("GET", "/assistance/figures"): Case(per_district("/assistance/figures"), scoping=None),
    ("GET", "/assistance/talent"): Case(per_district("/assistance/talent"), scoping=None),
    # --- housing assistance: draws, selection, allocations, tracking --------------------------------
    ("GET", "/api/v1/assistance/waiting-list"): Case(
        one("GET", "/api/v1/assistance/waiting-list", params={"programme_code": "public_rental"}),
        check=items_in_scope(),
        scoping=None,
    ),
    ("GET", "/api/v1/assistance/draws"): Case(
        one("GET", "/api/v1/assistance/draws"), check=draws_in_scope, scoping=None
    ),
    ("POST", "/api/v1/assistance/draws"): Case(
        fresh("POST", "/api/v1/assistance/draws", "waiting", lambda c, x: {"json": freeze_body(x)}),
        ok={201},
        out_of_scope={409},
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}"): Case(per_street("GET", "/api/v1/assistance/draws/{draw}", "draw")),
    ("POST", "/api/v1/assistance/draws/{draw_id}/run"): Case(
        fresh("POST", "/api/v1/assistance/draws/{draw}/run", "draw", lambda c, x: {"json": RUN_BODY})
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/close"): Case(
        fresh("POST", "/api/v1/assistance/draws/{draw}/close", "draw", lambda c, x: {"json": {"reason": "矩阵测试"}})
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/turn"): Case(
        per_street("GET", "/api/v1/assistance/draws/{drawn}/turn", "drawn")
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/selections"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/draws/{draw}/selections",
            "drawn",
            lambda c, x: {"json": {"application_id": x["app"], "home_id": x["home"]}},
        ),
        ok={201},
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/passes"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/draws/{draw}/passes",
            "drawn",
            lambda c, x: {"json": {"application_id": x["app"], "reason": "矩阵测试"}},
        )
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/public"): Case(
        public_draw("/api/v1/assistance/draws/{}/public"), scoping=None
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/entries"): Case(
        public_draw("/api/v1/assistance/draws/{}/entries"), scoping=None
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/candidates.txt"): Case(
        public_draw("/api/v1/assistance/draws/{}/candidates.txt"), scoping=None
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/result.txt"): Case(
        public_draw("/api/v1/assistance/draws/{}/result.txt"), scoping=None
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/verify"): Case(
        public_draw("/api/v1/assistance/draws/{}/verify"), scoping=None
    ),
    ("GET", "/api/v1/assistance/allocations"): Case(
        one("GET", "/api/v1/assistance/allocations"), check=items_in_scope(), scoping=None
    ),
    ("GET", "/api/v1/assistance/allocations/{allocation_id}"): Case(
        per_street("GET", "/api/v1/assistance/allocations/{alloc}", "alloc")
    ),
    ("POST", "/api/v1/assistance/allocations/{allocation_id}/contract"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/allocations/{alloc}/contract",
            "allocation",
            lambda c, x: {"json": {"contract_no": f"HT-{next(c.extra['seq'])}"}},
        )
    ),
    ("POST", "/api/v1/assistance/allocations/{allocation_id}/move-in"): Case(
        fresh(
            "POST", "/api/v1/assistance/allocations/{alloc}/move-in", "contracted", lambda c, x: {"json": {"on": TODAY}}
        )
    ),
    ("GET", "/api/v1/assistance/cases"): Case(
        one("GET", "/api/v1/assistance/cases"), check=items_in_scope(), scoping=None
    ),
    ("GET", "/api/v1/assistance/cases/{case_id}"): Case(per_street("GET", "/api/v1/assistance/cases/{case}", "case")),
    ("POST", "/api/v1/assistance/cases"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/cases",
            "supported",
            lambda c, x: {"json": {"application_id": x["app"], "kind": "vacancy", "facts": {"空置天数": 200}}},
        ),
        ok={201},
    ),
    ("POST", "/api/v1/assistance/cases/{case_id}/decision"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/cases/{case}/decision",
            "case",
            lambda c, x: {"json": {"outcome": "recovery", "reason": None}},
        )
    ),
    ("POST", "/api/v1/assistance/requalify"): Case(
        one("POST", "/api/v1/assistance/requalify", json={"programme_code": "public_rental"}), scoping=None
    ),
    ("POST", "/api/v1/assistance/subsidies/payments"): Case(
        one("POST", "/api/v1/assistance/subsidies/payments", json={"month": TODAY[:7]}), scoping=None
    ),
    ("GET", "/assistance/draws"): Case(one("GET", "/assistance/draws"), scoping=None),
    ("POST", "/assistance/draws"): Case(
        fresh("POST", "/assistance/draws", "waiting", lambda c, x: {"data": freeze_body(x)}),
        ok={303},
        out_of_scope={409},
    ),
    ("GET", "/assistance/draws/{draw_id}"): Case(per_street("GET", "/assistance/draws/{draw}", "draw")),
    ("POST", "/assistance/draws/{draw_id}/close"): Case(
        fresh("POST", "/assistance/draws/{draw}/close", "draw", lambda c, x: {"data": {"reason": "矩阵测试"}})
    ),
    ("GET", "/assistance/draws/{draw_id}/run"): Case(per_street("GET", "/assistance/draws/{draw}/run", "draw")),
    ("POST", "/assistance/draws/{draw_id}/run/confirm"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: ("POST", f"/assistance/draws/{c.data[s]['draw']}/run/confirm", {"data": RUN_FORM}),
            )
            for s in ctx.data
        ]
    ),
    ("POST", "/assistance/draws/{draw_id}/run"): Case(
        fresh("POST", "/assistance/draws/{draw}/run", "draw", lambda c, x: {"data": RUN_FORM})
    ),
    ("GET", "/assistance/draws/{draw_id}/public"): Case(public_draw("/assistance/draws/{}/public"), scoping=None),
    ("GET", "/assistance/draws/{draw_id}/select"): Case(per_street("GET", "/assistance/draws/{drawn}/select", "drawn")),
    ("GET", "/assistance/draws/{draw_id}/select/confirm"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "GET",
                    f"/assistance/draws/{c.data[s]['drawn']}/select/confirm",
                    {"params": {"application_id": c.data[s]["next_app"], "home_id": c.data[s]["spare_home"]}},
                ),
            )
            for s in ctx.data
        ]
    ),
    ("POST", "/assistance/draws/{draw_id}/select"): Case(
        fresh(
            "POST",
            "/assistance/draws/{draw}/select",
            "drawn",
            lambda c, x: {"data": {"application_id": x["app"], "home_id": x["home"]}},
        )
    ),
    ("POST", "/assistance/draws/{draw_id}/pass"): Case(
        fresh(
            "POST",
            "/assistance/draws/{draw}/pass",
            "drawn",
            lambda c, x: {"data": {"application_id": x["app"], "reason": "矩阵测试"}},
        )
    ),
    ("GET", "/assistance/allocations"): Case(one("GET", "/assistance/allocations"), scoping=None),
    ("GET", "/assistance/allocations/{allocation_id}"): Case(
        per_street("GET", "/assistance/allocations/{alloc}", "alloc")
    ),
    ("POST", "/assistance/allocations/{allocation_id}/contract"): Case(
        fresh(
            "POST",
            "/assistance/allocations/{alloc}/contract",
            "allocation",
            lambda c, x: {"data": {"contract_no": f"HT-{next(c.extra['seq'])}"}},
        )
    ),
    ("POST", "/assistance/allocations/{allocation_id}/move-in"): Case(
        fresh("POST", "/assistance/allocations/{alloc}/move-in", "contracted", lambda c, x: {"data": {"on": TODAY}})
    ),
    ("GET", "/assistance/cases"): Case(one("GET", "/assistance/cases"), scoping=None),
    ("GET", "/assistance/cases/{case_id}"): Case(per_street("GET", "/assistance/cases/{case}", "case")),
    ("POST", "/assistance/cases/{case_id}/decision"): Case(
        fresh("POST", "/assistance/cases/{case}/decision", "case", lambda c, x: {"data": {"outcome": "recovery"}})
    ),
}


def _fresh_home(self: Ctx, street: str, same_building: bool = False) -> int:
    """A new live home in the street (split/merge retire homes, so each call gets its own)."""
    from anju.core.scope import SYSTEM
    from anju.registry import NewHome, create_home

    with self.engine.begin() as c:
        return create_home(
            c,
            NewHome(
                building_id=self.data[street]["building"],
                floor_no=2,
                room_no=f"F{next(self.counter)}",
                construction_area=Decimal("60.00"),
            ),
            scope=SYSTEM,
        )


Ctx.fresh_home = _fresh_home


def _fresh_address(self: Ctx, street: str) -> int:
    """A new undecided review record in the street, the street's sample home its one candidate
    (a decision consumes it, so each call gets its own)."""
    import json

    from anju.addresses import address_candidates, address_link_jobs, address_records

    with self.engine.begin() as c:
        job = self.extra.get("address_job")
        if job is None:
            now = clock.now()
            job = c.execute(
                address_link_jobs.insert()
                .values(
                    source="police",
                    filename="matrix.csv",
                    backend="duckdb",
                    status="done",
                    records_total=0,
                    linked=0,
                    review=0,
                    unlinked=0,
                    errors=0,
                    parameters="{}",
                    created_by="test",
                    created_at=now,
                    finished_at=now,
                )
                .returning(address_link_jobs.c.id)
            ).scalar_one()
            self.extra["address_job"] = job
        n = next(self.counter)
        pk = c.execute(
            address_records.insert()
            .values(
                job_id=job,
                source="police",
                record_id=f"M-{n}",
                address=f"矩阵路{n}号",
                address_key=f"k{n}",
                canonical=None,
                components=json.dumps({"road": "矩阵路"}),
                street_code=street,
                status="review",
                house_code=None,
                score=0.9,
                reason="close_candidates: 矩阵测试",
            )
            .returning(address_records.c.id)
        ).scalar_one()
        expl = json.dumps({"room": {"level": "房号相同", "weight": 6.6}}, ensure_ascii=False)
        c.execute(
            address_candidates.insert().values(
                record_pk=pk,
                rank=1,
                house_code=self.data[street]["house_code"],
                score=0.9,
                match_weight=3.2,
                explanation=expl,
            )
        )
        return int(pk)


Ctx.fresh_address = _fresh_address


def _fresh_assistance(self: Ctx, street: str, kind: str) -> dict[str, Any]:
    """A fresh record of housing assistance in ``street``, made with the services as a system job:
    waiting (an approved application alone in its priority class), draw (frozen), drawn (with the
    candidate and a fitting home), allocation (selected), contracted, supported (allocated
    application), case (open, on a supported household)."""
    from anju import assistance as al
    from tests.assistance_builders import approved

    system = Caller.system("matrix")
    kr = self.extra["keyring"]
    home = None if kind in ("waiting", "draw") else self.fresh_home(street)
    with self.engine.begin() as c:
        priority = f"mx{next(self.extra['seq'])}"
        app = approved(c, kr, street, size=1, priority=priority)
        out: dict[str, Any] = {"priority": priority, "app": app}
        if kind == "waiting":
            return out
        out["draw"] = al.freeze_draw(c, system, "public_rental", priority, "矩阵摇号")
        if kind == "draw":
            return out
        out["home"] = home
        al.make_assisted(c, "public_rental", [out["home"]], scope=system.scope)
        al.run_draw(c, system, out["draw"], "385729", "矩阵", ["见证人"])
        if kind == "drawn":
            return out
        out["alloc"] = al.select_home(c, system, out["draw"], app, out["home"])
        if kind == "contracted":
            al.contract(c, system, out["alloc"], f"HT-{next(self.extra['seq'])}")
        if kind == "case":
            out["case"] = al.open_case(c, system, app, "vacancy", {"空置天数": 200})
        return out


Ctx.fresh_assistance = _fresh_assistance


def _assistance_samples(ctx: Ctx) -> None:
    """Per sample street: a frozen draw, a drawn one (one candidate has chosen, one waits its turn, a
    home is spare), the allocation and an open case."""
    from anju import assistance as al
    from anju import assistance as asvc
    from anju.assistance.domain import load_policies, sample_policy_path
    from anju.assistance.tables import draw_candidates
    from tests.assistance_builders import approved

    system = Caller.system("matrix")
    with ctx.engine.begin() as c:
        asvc.load_programmes(c, load_policies(sample_policy_path("320100")))
    for street, d in ctx.data.items():
        d["draw"] = ctx.fresh_assistance(street, "draw")["draw"]
        homes = [ctx.fresh_home(street), ctx.fresh_home(street)]
        with ctx.engine.begin() as c:
            first = approved(c, ctx.extra["keyring"], street, size=1, priority="matrix")
            second = approved(c, ctx.extra["keyring"], street, size=1, priority="matrix")
            al.make_assisted(c, "public_rental", homes, scope=system.scope)
            d["drawn"] = al.freeze_draw(c, system, "public_rental", "matrix", "矩阵摇号")
            al.run_draw(c, system, d["drawn"], "385729", "矩阵", ["见证人"])
            dc = draw_candidates
            order = [
                int(x)
                for x in c.execute(
                    select(dc.c.application_id).where(dc.c.draw_id == d["drawn"]).order_by(dc.c.rank)
                ).scalars()
            ]
            assert sorted(order) == sorted([first, second])
            d["alloc"] = al.select_home(c, system, d["drawn"], order[0], homes[0])
            d["next_app"], d["spare_home"] = order[1], homes[1]
            d["case"] = al.open_case(c, system, order[0], "vacancy", {"空置天数": 200})


def _samples(engine: Engine, w: World) -> dict[str, dict[str, Any]]:
    h = rt.homes
    out: dict[str, dict[str, Any]] = {}
    with engine.connect() as c:
        for street in (w.street_s1, w.street_s2, next_street_of(c, w.district_b)):
            row = c.execute(
                select(h.c.id, h.c.house_code, h.c.building_id, h.c.estate_id)
                .where(h.c.street_code == street, h.c.status == "使用")
                .order_by(h.c.id)
                .limit(1)
            ).first()
            assert row is not None, street
            out[street] = {
                "home": row.id,
                "house_code": row.house_code,
                "building": row.building_id,
                "estate": row.estate_id,
            }
    return out


def next_street_of(conn: Any, district: str) -> str:
    b = rt.buildings
    return str(
        conn.execute(
            select(b.c.street_code)
            .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
            .order_by(b.c.street_code)
            .limit(1)
        ).scalar_one()
    )


@pytest.fixture
def ctx(city_engine, settings_for):
    settings = settings_for(city_engine)
    app = create_app(settings)
    w = choose_world(city_engine)
    sec = Security(settings)
    system = Caller.system("test")
    with city_engine.begin() as conn:
        for name, division, phone in (("t_in", w.street_s1, "13700000001"), ("t_out", w.district_b, "13700000002")):
            role = Role.street_clerk if name == "t_in" else Role.district_officer
            create_account(
                conn,
                sec,
                NewAccount(
                    username=name, password=PASSWORD, role=role, name="目标账户", division_code=division, phone=phone
                ),
                system,
            )
    from anju import ledger

    with city_engine.begin() as conn:
        ledger.create_log(conn, "audit_test")
        ledger.append(conn, "audit_test", [b"a", b"b", b"c"])
    with TestClient(app, follow_redirects=False) as client:
        data = _samples(city_engine, w)
        tokens = {r: api_token(city_engine, r) for r in ROLES}
        c = Ctx(city_engine, w, client, tokens, data, {t: account_id(city_engine, t) for t in ("t_in", "t_out")})
        r = client.post(
            "/api/v1/imports",
            files={"file": ("bad.csv", b"x\n1\n", "text/csv")},
            headers={"authorization": f"Bearer {tokens['city']}"},
        )
        c.extra["job"] = r.json()["job"]["id"]
        c.extra["phones"] = {"t_in": "13700000001", "t_out": "13700000002"}
        for street in data:
            data[street]["addr"] = c.fresh_address(street)
        assistance_setup(c, sec)
        with city_engine.connect() as conn:
            c.extra["address"] = conn.execute(
                select(rt.homes.c.address).where(rt.homes.c.house_code == data[w.street_s1]["house_code"])
            ).scalar_one()
        from anju.security import keyring_from_settings

        c.extra["keyring"] = keyring_from_settings(settings)
        c.extra["seq"] = itertools.count(1)  # the assistance records' own numbers (ctx.counter feeds IDs)
        _assistance_samples(c)
        yield c
    app.state.engine.dispose()


def expected(ctx: Ctx, case: Case, who: str, street: str | None, page: bool) -> set[int]:
    perm = ctx.perm
    if who == "anonymous" and "anonymous" not in EXPECTED[perm]:
        return {303} if page else {401}
    if who not in EXPECTED[perm]:
        return {403}
    if street is None or case.scoping is None:
        return case.ok
    if case.scoping == "register":
        allowed = ctx.streets_of(who)
        inside = allowed is None or street in allowed
    else:
        inside = ctx.in_account_scope(who, street)
    return case.ok if inside else case.out_of_scope


def test_every_route_has_a_case_and_behaves_for_every_role_and_scope(ctx):
    routes = check_policies(ctx.client.app)
    missing = sorted(f"{m} {p}" for m, p in routes if (m, p) not in CASES)
    assert missing == [], f"routes without a case in the authorisation matrix: {missing}"
    stale = sorted(f"{m} {p}" for m, p in CASES if (m, p) not in routes)
    assert stale == [], f"cases for routes that no longer exist: {stale}"
    failures = []
    for (method, path), perm in sorted(routes.items()):
        assert perm in EXPECTED, perm
        case = CASES[(method, path)]
        ctx.perm = perm
        for label, street, build in case.variants(ctx):
            for who in [*ROLES, "anonymous"]:
                m, url, kw = build(ctx, who)
                kw = dict(kw)
                headers = dict(kw.pop("headers", {}))
                if kw.pop("fresh", False):
                    token = api_token(ctx.engine, who) if who != "anonymous" else None
                else:
                    token = ctx.tokens.get(who)
                if token:
                    headers["authorization"] = f"Bearer {token}"
                resp = ctx.client.request(m, url, headers=headers, **kw)
                want = expected(ctx, case, who, street, not url.startswith(("/api/", "/tiles/")))
                if resp.status_code not in want:
                    failures.append(
                        f"{method} {path} [{label}] as {who}: {resp.status_code} not in {sorted(want)}"
                        f" — {resp.text[:160]}"
                    )
                elif case.check and resp.status_code in case.ok and who in EXPECTED[perm] and who != "anonymous":
                    try:
                        case.check(ctx, who, resp)
                    except AssertionError as e:
                        failures.append(f"{method} {path} [{label}] as {who}: {e}")
    assert failures == [], "\n".join(failures)


def test_a_route_without_a_policy_stops_the_application(city_engine, settings_for, monkeypatch):
    from fastapi import APIRouter, FastAPI

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


# --- housing assistance --------------------------------------------------------------------------

EXPECTED |= {
    "assistance.apply": {"citizen", "landlord", "agency"},
    "assistance.read": {"city", "auditor", "district", "clerk"},
    "assistance.review": {"city", "district", "clerk"},
    "assistance.allocate": {"city", "district"},
    # rental supervision (issue 6): the people who publish, sign and supervise
    "rental.party": {"agency"},
    "rental.publish": {"landlord", "agency"},
    "rental.sign": {"citizen", "landlord", "agency"},
    "rental.read": {"city", "auditor", "district", "clerk"},
    "rental.handle": {"city", "district", "clerk"},
    "rental.supervise": {"city", "district"},
    "rental.guidance": {"city"},
}
PUBLIC_PARTIES = ("citizen", "landlord", "agency")
PDF = b"%PDF-1.4\n%matrix\n"


def _person(n: int) -> str:
    body = f"3201021988{1 + (n // 1000) % 12:02d}03{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def _app_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    n = next(ctx.counter)
    return {
        "programme_code": "public_rental",
        "street_code": street or ctx.world.street_s1,
        "members": [
            {
                "name": "矩阵申请人",
                "id_number": _person(n),
                "relation": "本人",
                "annual_income_yuan": "20000",
                "local_hukou": True,
                "hukou_years": 10,
                "social_insurance_months": 24,
                "employed": True,
            }
        ],
    }


def _applicant(ctx: Ctx, who: str) -> Caller:
    from anju.core.scope import Scope

    name = who if who in PUBLIC_PARTIES else "citizen"
    aid = account_id(ctx.engine, name)
    return Caller(aid, name, Role(name), None, Scope.own(aid))


def _fresh_app(ctx: Ctx, who: str = "citizen", street: str | None = None, stage: str = "draft") -> int:
    """A new application of ``who`` (a public party; others get the citizen's) in ``street``, taken to
    ``stage``: draft (with a document), submitted (street level), notice, objection (notice + one open
    objection; returns the objection's id)."""
    from anju import assistance as asvc
    from anju.assistance.tables import applications

    caller = _applicant(ctx, who)
    body = _app_body(ctx, street)
    cmd = asvc.ApplicationIn(body["programme_code"], body["street_code"], [asvc.MemberIn(**m) for m in body["members"]])
    with ctx.engine.begin() as c:
        app_id = asvc.create_draft(c, ctx.extra["kr"], caller, cmd)
        ctx.extra.setdefault("docs", {})[app_id] = asvc.add_document(
            c, caller, app_id, "身份证明", "id.pdf", "application/pdf", PDF
        )
        if stage == "draft":
            return app_id
        asvc.submit(c, caller, app_id)
        if stage == "submitted":
            return app_id
        c.execute(
            applications.update()
            .where(applications.c.id == app_id)
            .values(status="notice", level=None, due_at=None, notice_until=clock.now())
        )
        if stage == "notice":
            return app_id
        if stage == "approved":
            c.execute(applications.update().where(applications.c.id == app_id).values(status="approved"))
            return app_id
        return asvc.object_to(c, caller, app_id, "矩阵异议")


def own_app(method: str, template: str, stage: str = "draft", **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant: the caller's own new application (public parties); staff get the citizen's."""

    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str) -> Request:
            app_id = _fresh_app(c, who, stage=stage)
            extra = {k: (v(c) if callable(v) else v) for k, v in kw.items()}
            return (method, template.format(app=app_id, doc=c.extra["docs"][app_id]), extra)

        return [("own", None, req)]

    return build


def street_app(method: str, template: str, stage: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street: a new application there at ``stage``."""

    def build(ctx: Ctx) -> list[Any]:
        out = []
        for street in ctx.data:

            def req(c: Ctx, who: str, s: str = street) -> Request:
                pk = _fresh_app(c, "citizen", s, stage)
                return (method, template.format(app=pk, doc=c.extra["docs"].get(pk, 0)), dict(kw))

            out.append((street, street, req))
        return out

    return build


def per_street_app(method: str, template: str) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street, reading that street's standing sample application."""

    def build(ctx: Ctx) -> list[Any]:
        return [
            (s, s, lambda c, who, s=s: (method, template.format(app=c.data[s]["app"], doc=c.data[s]["doc"]), {}))
            for s in ctx.data
        ]

    return build


def _doc_file(c: Ctx) -> dict[str, Any]:
    return {"file": ("a.pdf", PDF, "application/pdf")}


def _form(ctx: Ctx) -> dict[str, Any]:
    b = _app_body(ctx)
    m = b["members"][0]
    return {
        "programme_code": b["programme_code"],
        "street_code": b["street_code"],
        "m0_name": m["name"],
        "m0_id": m["id_number"],
        "m0_income": "20000",
        "m0_hukou": "on",
        "m0_hukou_years": "10",
    }


NOTICE_OBJECTION = lambda ctx: [  # noqa: E731
    (
        "notice",
        None,
        lambda c, who: (
            "POST",
            "/api/v1/assistance/notices/{}/objections".format(_fresh_app(c, stage="notice")),
            {"json": {"text": "异议"}},
        ),
    )
]

CASES |= {
    ("GET", "/api/v1/assistance/programmes"): Case(one("GET", "/api/v1/assistance/programmes"), scoping=None),
    ("GET", "/api/v1/assistance/notices"): Case(one("GET", "/api/v1/assistance/notices"), scoping=None),
    ("POST", "/api/v1/assistance/notices/{app_id}/objections"): Case(NOTICE_OBJECTION, scoping=None),
    ("POST", "/api/v1/assistance/me/applications"): Case(
        lambda ctx: [
            ("any", None, lambda c, who: ("POST", "/api/v1/assistance/me/applications", {"json": _app_body(c)}))
        ],
        scoping=None,
    ),
    ("GET", "/api/v1/assistance/me/applications"): Case(one("GET", "/api/v1/assistance/me/applications"), scoping=None),
    ("GET", "/api/v1/assistance/me/applications/{app_id}"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}"), scoping=None
    ),
    ("PUT", "/api/v1/assistance/me/applications/{app_id}"): Case(
        own_app("PUT", "/api/v1/assistance/me/applications/{app}", json=_app_body), scoping=None
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/documents"): Case(
        own_app(
            "POST", "/api/v1/assistance/me/applications/{app}/documents", data={"kind": "收入证明"}, files=_doc_file
        ),
        scoping=None,
    ),
    ("GET", "/api/v1/assistance/me/applications/{app_id}/documents/{doc_id}"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}/documents/{doc}"), scoping=None
    ),
    ("GET", "/api/v1/assistance/me/applications/{app_id}/proofs"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}/proofs", stage="submitted"), scoping=None
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/check"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/check"), scoping=None
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/submit"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/submit"), scoping=None
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/withdraw"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/withdraw", json={}), scoping=None
    ),
    ("GET", "/api/v1/assistance/applications"): Case(
        one("GET", "/api/v1/assistance/applications", params={"status": "submitted"}),
        check=items_in_scope(),
        scoping=None,
    ),
    ("GET", "/api/v1/assistance/applications/{app_id}"): Case(
        per_street_app("GET", "/api/v1/assistance/applications/{app}")
    ),
    ("GET", "/api/v1/assistance/applications/{app_id}/documents/{doc_id}"): Case(
        per_street_app("GET", "/api/v1/assistance/applications/{app}/documents/{doc}")
    ),
    ("POST", "/api/v1/assistance/applications/{app_id}/decision"): Case(
        street_app("POST", "/api/v1/assistance/applications/{app}/decision", "submitted", json={"action": "approve"}),
        ok={200, 409},  # 409: the application waits at another review level than the caller's
    ),
    ("POST", "/api/v1/assistance/objections/{objection_id}/resolution"): Case(
        street_app(
            "POST",
            "/api/v1/assistance/objections/{app}/resolution",
            "objection",
            json={"upheld": False, "resolution": "不成立"},
        )
    ),
    ("POST", "/api/v1/assistance/notices/finalise"): Case(
        one("POST", "/api/v1/assistance/notices/finalise"), scoping=None
    ),
    ("GET", "/assistance"): Case(one("GET", "/assistance"), scoping=None),
    ("GET", "/assistance/apply"): Case(one("GET", "/assistance/apply"), scoping=None),
    ("POST", "/assistance/apply"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/assistance/apply", {"data": _form(c)}))], scoping=None
    ),
    ("GET", "/assistance/me"): Case(one("GET", "/assistance/me"), scoping=None),
    ("GET", "/assistance/me/{app_id}"): Case(own_app("GET", "/assistance/me/{app}"), scoping=None),
    ("POST", "/assistance/me/{app_id}/documents"): Case(
        own_app("POST", "/assistance/me/{app}/documents", data={"kind": "收入证明"}, files=_doc_file), scoping=None
    ),
    ("POST", "/assistance/me/{app_id}/check"): Case(own_app("POST", "/assistance/me/{app}/check"), scoping=None),
    ("GET", "/assistance/me/{app_id}/confirm"): Case(own_app("GET", "/assistance/me/{app}/confirm"), scoping=None),
    ("POST", "/assistance/me/{app_id}/submit"): Case(own_app("POST", "/assistance/me/{app}/submit"), scoping=None),
    ("POST", "/assistance/me/{app_id}/withdraw"): Case(own_app("POST", "/assistance/me/{app}/withdraw"), scoping=None),
    ("GET", "/assistance/review"): Case(one("GET", "/assistance/review"), scoping=None),
    ("GET", "/assistance/review/{app_id}"): Case(per_street_app("GET", "/assistance/review/{app}")),
    ("GET", "/assistance/review/{app_id}/confirm"): Case(per_street_app("GET", "/assistance/review/{app}/confirm")),
    ("POST", "/assistance/review/{app_id}/decision"): Case(
        street_app(
            "POST", "/assistance/review/{app}/decision", "submitted", data={"action": "approve", "version": "2"}
        ),
        ok={303, 409},
    ),
    ("POST", "/assistance/review/{app_id}/case"): Case(
        street_app("POST", "/assistance/review/{app}/case", "approved", data={"kind": "arrears", "note": "矩阵"})
    ),
    ("GET", "/assistance/notices"): Case(one("GET", "/assistance/notices"), scoping=None),
    ("POST", "/assistance/notices/{app_id}/objection"): Case(
        lambda ctx: [
            (
                "notice",
                None,
                lambda c, who: (
                    "POST",
                    f"/assistance/notices/{_fresh_app(c, stage='notice')}/objection",
                    {"data": {"text": "异议"}},
                ),
            )
        ],
        scoping=None,
    ),
}


def assistance_setup(c: Ctx, sec: Security) -> None:
    """Programmes loaded; a submitted sample application (with a document) in each sample street."""
    from anju import assistance as asvc
    from anju.assistance import domain as ad

    with c.engine.begin() as conn:
        asvc.load_programmes(conn, ad.load_policies(ad.sample_policy_path("320100")))
    c.extra["kr"] = sec.keyring
    for street in c.data:
        app_id = _fresh_app(c, "citizen", street, "submitted")
        c.data[street]["app"] = app_id
        c.data[street]["doc"] = c.extra["docs"][app_id]


# --- rental: guidance rents and rent monitoring (H5) -------------------------------------------------


def _guidance_edition(ctx: Ctx, status: str = "draft") -> int:
    """A new edition row (no ranges) in ``status``; published ones are made once and reused."""
    import json as _json
    from datetime import timedelta

    from anju.rental.tables import rental_guidance_editions as ge

    if status == "published" and "guidance_published" in ctx.extra:
        return int(ctx.extra["guidance_published"])
    n = next(ctx.counter)
    end = clock.today() - timedelta(days=1)
    with ctx.engine.begin() as conn:
        pk = conn.execute(
            ge.insert()
            .values(
                edition_no=f"ZDM{n:06d}",
                period_start=end - timedelta(days=364),
                period_end=end,
                effective_from=end if status == "published" else None,
                method=_json.dumps({"coefficients": {}}),
                leases_used=0,
                status=status,
                computed_at=clock.now(),
            )
            .returning(ge.c.id)
        ).scalar_one()
    if status == "published":
        ctx.extra["guidance_published"] = pk
    return int(pk)


def guidance_draft(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("draft", None, lambda c, who: (method, template.format(id=_guidance_edition(c)), dict(kw)))]


CASES |= {
    ("GET", "/api/v1/rental/guidance/editions"): Case(one("GET", "/api/v1/rental/guidance/editions"), scoping=None),
    ("POST", "/api/v1/rental/guidance/editions"): Case(
        one("POST", "/api/v1/rental/guidance/editions", json={"months": 12}), ok={201, 422}, scoping=None
    ),
    ("GET", "/api/v1/rental/guidance/editions/{edition_id}"): Case(
        lambda ctx: [
            (
                "published",
                None,
                lambda c, who: ("GET", f"/api/v1/rental/guidance/editions/{_guidance_edition(c, 'published')}", {}),
            )
        ],
        scoping=None,
    ),
    ("POST", "/api/v1/rental/guidance/editions/{edition_id}/publish"): Case(
        guidance_draft("POST", "/api/v1/rental/guidance/editions/{id}/publish", json={}), scoping=None
    ),
    ("GET", "/api/v1/rental/guidance/rents"): Case(one("GET", "/api/v1/rental/guidance/rents"), scoping=None),
    ("GET", "/api/v1/rental/guidance/flags"): Case(
        lambda ctx: [
            (k, None, lambda c, who, k=k: ("GET", "/api/v1/rental/guidance/flags", {"params": {"kind": k}}))
            for k in ("lease", "listing")
        ],
        scoping=None,
    ),
    ("GET", "/api/v1/rental/monitoring/streets"): Case(per_district("/api/v1/rental/monitoring/streets"), scoping=None),
    ("GET", "/api/v1/rental/monitoring/series"): Case(per_district("/api/v1/rental/monitoring/series"), scoping=None),
    ("GET", "/api/v1/rental/monitoring/{table}.csv"): Case(
        lambda ctx: [
            (t, None, lambda c, who, t=t: ("GET", f"/api/v1/rental/monitoring/{t}.csv", {}))
            for t in ("streets", "series")
        ],
        scoping=None,
    ),
    ("GET", "/api/v1/rental/monitoring/{table}.xlsx"): Case(
        one("GET", "/api/v1/rental/monitoring/streets.xlsx"), scoping=None
    ),
    ("GET", "/rental/guidance"): Case(one("GET", "/rental/guidance"), scoping=None),
    ("GET", "/rental/guidance/manage"): Case(one("GET", "/rental/guidance/manage"), scoping=None),
    ("POST", "/rental/guidance/manage"): Case(
        one("POST", "/rental/guidance/manage", data={"months": "12"}), ok={303, 422}, scoping=None
    ),
    ("GET", "/rental/guidance/manage/{edition_id}"): Case(
        guidance_draft("GET", "/rental/guidance/manage/{id}"), scoping=None
    ),
    ("GET", "/rental/guidance/manage/{edition_id}/confirm"): Case(
        guidance_draft("GET", "/rental/guidance/manage/{id}/confirm"), scoping=None
    ),
    ("POST", "/rental/guidance/manage/{edition_id}/publish"): Case(
        guidance_draft("POST", "/rental/guidance/manage/{id}/publish", data={}), scoping=None
    ),
    ("GET", "/rental/monitoring"): Case(per_district("/rental/monitoring"), scoping=None),
}


# --- rental: listings (房源发布与核验) -------------------------------------------------------------


def _listing_home(ctx: Ctx, street: str) -> Any:
    from tests import rental_builders as rb

    with ctx.engine.begin() as c:
        return rb.free_homes(c, street)[0]


def _listing_body(ctx: Ctx, street: str | None = None) -> dict[str, Any]:
    h = _listing_home(ctx, street or ctx.world.street_s1)
    return {
        "house_code": h.house_code,
        "title": "矩阵房源",
        "area": str(h.construction_area),
        "bedrooms": 2,
        "floor": h.floor_no,
        "rent_fen": 300000,
        "deposit_fen": 300000,
        "photos": 5,
    }


def _own_listing(ctx: Ctx, who: str, status: str = "draft") -> int:
    """A listing of ``who`` (landlord or agency; others get the landlord's)."""
    from anju.core.scope import Scope
    from anju.rental import listings as ls

    name = who if who in ("landlord", "agency") else "landlord"
    aid = account_id(ctx.engine, name)
    caller = Caller(aid, name, Role(name), None, Scope.own(aid))
    b = _listing_body(ctx)
    with ctx.engine.begin() as c:
        cmd = ls.ListingIn(
            b["house_code"], None, b["title"], "", Decimal(b["area"]), 2, 1, b["floor"], 300000, 300000, 5
        )
        lid = ls.create_listing(c, caller, cmd)
        if status != "draft":
            from anju.rental import domain as rd
            from anju.rental.tables import rental_listings as tl

            code = rd.make_verify_code([next(ctx.counter) % 31, *range(9)])
            c.execute(
                tl.update()
                .where(tl.c.id == lid)
                .values(status=status, active=1, verified_at=clock.now(), verify_code=code)
            )
    return lid


def own_listing(method: str, template: str, status: str = "draft", **kw: Any) -> Callable[[Ctx], list[Any]]:
    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str) -> Request:
            extra = {k: (v(c) if callable(v) else v) for k, v in kw.items()}
            return (method, template.format(id=_own_listing(c, who, status)), extra)

        return [("own", None, req)]

    return build


def street_listing(method: str, template: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street: a fresh listing there waiting for review."""

    def build(ctx: Ctx) -> list[Any]:
        def make(c: Ctx, street: str) -> int:
            from tests import rental_builders as rb

            with c.engine.begin() as conn:
                return rb.listing(conn, rb.free_homes(conn, street)[0], status="pending_review")

        return [(s, s, lambda c, who, s=s: (method, template.format(id=make(c, s)), dict(kw))) for s in ctx.data]

    return build


def _public_code(ctx: Ctx) -> str:
    if "listing_code" not in ctx.extra:
        from anju.rental.tables import rental_listings as tl

        lid = _own_listing(ctx, "landlord", "published")
        with ctx.engine.connect() as c:
            ctx.extra["listing_code"] = c.execute(select(tl.c.verify_code).where(tl.c.id == lid)).scalar_one()
    return str(ctx.extra["listing_code"])


def public_code(method: str, template: str) -> Callable[[Ctx], list[Any]]:
    return lambda ctx: [("code", None, lambda c, who: (method, template.format(code=_public_code(c)), {}))]


CASES |= {
    ("GET", "/api/v1/rental/me/listings"): Case(one("GET", "/api/v1/rental/me/listings"), scoping=None),
    ("POST", "/api/v1/rental/me/listings"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/rental/me/listings", {"json": _listing_body(c)}))],
        scoping=None,
    ),
    ("GET", "/api/v1/rental/me/listings/{listing_id}"): Case(
        own_listing("GET", "/api/v1/rental/me/listings/{id}"), scoping=None
    ),
    ("PUT", "/api/v1/rental/me/listings/{listing_id}"): Case(
        own_listing("PUT", "/api/v1/rental/me/listings/{id}", json=_listing_body), scoping=None
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/verify"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/verify"), ok={200, 422}, scoping=None
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/publish"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/publish", status="verified"), scoping=None
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/withdraw"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/withdraw"), scoping=None
    ),
    ("GET", "/api/v1/rental/listings"): Case(
        one("GET", "/api/v1/rental/listings"), check=lambda c, w, r: None, scoping=None
    ),
    ("GET", "/api/v1/rental/listings.csv"): Case(one("GET", "/api/v1/rental/listings.csv"), scoping=None),
    ("POST", "/api/v1/rental/listings/{listing_id}/review"): Case(
        street_listing("POST", "/api/v1/rental/listings/{id}/review", json={"action": "approve"})
    ),
    ("GET", "/api/v1/rental/public/check/{code}"): Case(
        public_code("GET", "/api/v1/rental/public/check/{code}"), scoping=None
    ),
    ("GET", "/api/v1/rental/public/listings"): Case(one("GET", "/api/v1/rental/public/listings"), scoping=None),
    ("GET", "/rental"): Case(one("GET", "/rental"), scoping=None),
    ("GET", "/rental/listings"): Case(one("GET", "/rental/listings"), scoping=None),
    ("GET", "/rental/check"): Case(
        lambda ctx: [("code", None, lambda c, who: ("GET", "/rental/check", {"params": {"code": _public_code(c)}}))],
        scoping=None,
    ),
    ("GET", "/rental/check/{code}"): Case(public_code("GET", "/rental/check/{code}"), scoping=None),
    ("GET", "/rental/check/{code}/qr.svg"): Case(public_code("GET", "/rental/check/{code}/qr.svg"), scoping=None),
    ("GET", "/rental/me/listings"): Case(one("GET", "/rental/me/listings"), scoping=None),
    ("GET", "/rental/me/listings/{listing_id}"): Case(own_listing("GET", "/rental/me/listings/{id}"), scoping=None),
    ("GET", "/rental/staff/listings"): Case(one("GET", "/rental/staff/listings"), scoping=None),
}


# --- rental: leases (网签备案) ---------------------------------------------------------------------
# Policy-level cases: the permission of every lease route for every role. The leases' own scoping
# (parties see only their leases; staff only their streets) is tested in tests/test_rental_leases.py.
# Requests name a lease / filing that does not exist, so an allowed caller gets 404 (or 422).

_NO_LEASE = "/api/v1/rental/me/leases/999999"
_NO_STAFF_LEASE = "/api/v1/rental/leases/999999"
_LEASE_BODY = {
    "home_id": 999999, "tenant_name": "矩阵租客", "tenant_id_number": "11010519491231002X",
    "start_on": "2030-01-01", "end_on": "2030-12-31", "rent_fen": 300000, "deposit_fen": 300000,
}  # fmt: skip
_ABSENT = {404}
CASES |= {
    ("POST", "/api/v1/rental/me/leases"): Case(
        one("POST", "/api/v1/rental/me/leases", json=_LEASE_BODY), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/rental/me/leases"): Case(one("GET", "/api/v1/rental/me/leases"), scoping=None),
    ("GET", "/api/v1/rental/me/leases/{lease_id}"): Case(one("GET", _NO_LEASE), ok=_ABSENT, scoping=None),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/sign"): Case(
        one("POST", _NO_LEASE + "/sign"), ok=_ABSENT, scoping=None
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/file"): Case(
        one("POST", _NO_LEASE + "/file", headers={"Idempotency-Key": "matrix-key-0001"}), ok=_ABSENT, scoping=None
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/renew"): Case(
        one("POST", _NO_LEASE + "/renew", json={"end_on": "2031-12-31"}), ok=_ABSENT, scoping=None
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/amend"): Case(
        one("POST", _NO_LEASE + "/amend", json={"rent_fen": 310000}), ok=_ABSENT, scoping=None
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/terminate"): Case(
        one("POST", _NO_LEASE + "/terminate", json={"ended_on": "2030-06-30", "reason": "矩阵"}),
        ok=_ABSENT,
        scoping=None,
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/cancel"): Case(
        one("POST", _NO_LEASE + "/cancel", json={"reason": "矩阵"}), ok=_ABSENT, scoping=None
    ),
    ("GET", "/api/v1/rental/me/leases/{lease_id}/contract.pdf"): Case(
        one("GET", _NO_LEASE + "/contract.pdf"), ok=_ABSENT, scoping=None
    ),
    ("GET", "/api/v1/rental/leases"): Case(one("GET", "/api/v1/rental/leases"), scoping=None),
    ("GET", "/api/v1/rental/leases.csv"): Case(one("GET", "/api/v1/rental/leases.csv"), scoping=None),
    ("GET", "/api/v1/rental/leases/{lease_id}"): Case(one("GET", _NO_STAFF_LEASE), ok=_ABSENT, scoping=None),
    ("POST", "/api/v1/rental/leases/{lease_id}/cancel"): Case(
        one("POST", _NO_STAFF_LEASE + "/cancel", json={"reason": "矩阵"}), ok=_ABSENT, scoping=None
    ),
    ("GET", "/api/v1/rental/public/filings/{filing_no}"): Case(
        one("GET", "/api/v1/rental/public/filings/BA0000000000"), ok=_ABSENT, scoping=None
    ),
    ("GET", "/rental/filings/{filing_no}"): Case(one("GET", "/rental/filings/BA0000000000"), ok=_ABSENT, scoping=None),
}


# --- rental: parties, practitioners, entrustments, flags (主体备案与监管) -----------------------------
# Policy-level cases as for leases: every route, every role. Requests name a party / practitioner /
# entrustment / flag that does not exist (an allowed caller gets 404) or carry an empty body (422).
# The scoping of supervisors and the effects of filing, suspension and flags are tested in
# tests/test_rental_parties.py.

_NO = "999999"
_EMPTY: dict[str, Any] = {"json": {}}
_SUPERVISE = {"json": {"reason": "矩阵检查"}}
CASES |= {
    ("GET", "/api/v1/rental/me/party"): Case(one("GET", "/api/v1/rental/me/party"), ok={404}, scoping=None),
    ("POST", "/api/v1/rental/me/party"): Case(one("POST", "/api/v1/rental/me/party", **_EMPTY), ok={422}, scoping=None),
    ("PUT", "/api/v1/rental/me/party"): Case(one("PUT", "/api/v1/rental/me/party", **_EMPTY), ok={422}, scoping=None),
    ("GET", "/api/v1/rental/me/party/practitioners"): Case(
        one("GET", "/api/v1/rental/me/party/practitioners"), ok={404}, scoping=None
    ),
    ("POST", "/api/v1/rental/me/party/practitioners"): Case(
        one("POST", "/api/v1/rental/me/party/practitioners", **_EMPTY), ok={422}, scoping=None
    ),
    ("POST", "/api/v1/rental/me/party/practitioners/{practitioner_id}/left"): Case(
        one("POST", f"/api/v1/rental/me/party/practitioners/{_NO}/left", json={"left_on": "2026-06-30"}),
        ok={404},
        scoping=None,
    ),
    ("POST", "/api/v1/rental/me/party/practitioners/{practitioner_id}/record"): Case(
        one("POST", f"/api/v1/rental/me/party/practitioners/{_NO}/record", **_EMPTY), ok={404, 422}, scoping=None
    ),
    ("GET", "/api/v1/rental/parties"): Case(one("GET", "/api/v1/rental/parties"), scoping=None),
    ("GET", "/api/v1/rental/parties.csv"): Case(one("GET", "/api/v1/rental/parties.csv"), scoping=None),
    ("GET", "/api/v1/rental/parties/{party_id}"): Case(
        one("GET", f"/api/v1/rental/parties/{_NO}"), ok={404}, scoping=None
    ),
    ("GET", "/api/v1/rental/parties/{party_id}/practitioners"): Case(
        one("GET", f"/api/v1/rental/parties/{_NO}/practitioners"), ok={404}, scoping=None
    ),
    **{
        ("POST", f"/api/v1/rental/parties/{{party_id}}/{action}"): Case(
            one("POST", f"/api/v1/rental/parties/{_NO}/{action}", **_SUPERVISE), ok={404}, scoping=None
        )
        for action in ("suspend", "reinstate", "revoke")
    },
    ("POST", "/api/v1/rental/entrustments"): Case(
        one("POST", "/api/v1/rental/entrustments", **_EMPTY), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/rental/me/entrustments"): Case(one("GET", "/api/v1/rental/me/entrustments"), scoping=None),
    ("POST", "/api/v1/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("POST", f"/api/v1/rental/entrustments/{_NO}/revoke"), ok={404}, scoping=None
    ),
    ("GET", "/api/v1/rental/flags"): Case(one("GET", "/api/v1/rental/flags"), scoping=None),
    ("POST", "/api/v1/rental/flags"): Case(one("POST", "/api/v1/rental/flags", **_EMPTY), ok={422}, scoping=None),
    ("POST", "/api/v1/rental/flags/{flag_id}/lift"): Case(
        one("POST", f"/api/v1/rental/flags/{_NO}/lift"), ok={404}, scoping=None
    ),
    ("GET", "/rental/me/party"): Case(one("GET", "/rental/me/party"), scoping=None),
    ("POST", "/rental/me/party"): Case(one("POST", "/rental/me/party", data={}), ok={422}, scoping=None),
    ("POST", "/rental/me/party/practitioners"): Case(
        one("POST", "/rental/me/party/practitioners", data={}), ok={404, 422}, scoping=None
    ),
    ("POST", "/rental/me/party/practitioners/{practitioner_id}/left"): Case(
        one("POST", f"/rental/me/party/practitioners/{_NO}/left", data={}), ok={404, 422}, scoping=None
    ),
    ("GET", "/rental/entrustments"): Case(one("GET", "/rental/entrustments"), scoping=None),
    ("POST", "/rental/entrustments"): Case(one("POST", "/rental/entrustments", data={}), ok={422}, scoping=None),
    ("GET", "/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("GET", f"/rental/entrustments/{_NO}/revoke"), ok={404}, scoping=None
    ),
    ("POST", "/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("POST", f"/rental/entrustments/{_NO}/revoke", data={}), ok={404}, scoping=None
    ),
    ("GET", "/rental/parties"): Case(one("GET", "/rental/parties"), scoping=None),
    ("GET", "/rental/parties/{party_id}"): Case(one("GET", f"/rental/parties/{_NO}"), ok={404}, scoping=None),
    ("GET", "/rental/parties/{party_id}/confirm"): Case(
        one("GET", f"/rental/parties/{_NO}/confirm", params={"action": "suspend"}), ok={404, 422}, scoping=None
    ),
    ("POST", "/rental/parties/{party_id}/status"): Case(
        one("POST", f"/rental/parties/{_NO}/status", data={"action": "suspend", "reason": "矩阵检查"}),
        ok={404},
        scoping=None,
    ),
}


# --- rental: complaints and inspections (投诉纠纷、检查执法) ------------------------------------------
# Routing of complaints to streets and the credit events of inspections: tests/test_rental_governance.py.

CASES |= {
    ("POST", "/api/v1/rental/me/complaints"): Case(
        one("POST", "/api/v1/rental/me/complaints", **_EMPTY), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/rental/me/complaints"): Case(one("GET", "/api/v1/rental/me/complaints"), scoping=None),
    ("GET", "/api/v1/rental/me/complaints/{complaint_id}"): Case(
        one("GET", f"/api/v1/rental/me/complaints/{_NO}"), ok={404}, scoping=None
    ),
    ("GET", "/api/v1/rental/complaints"): Case(one("GET", "/api/v1/rental/complaints"), scoping=None),
    ("GET", "/api/v1/rental/complaints/{complaint_id}"): Case(
        one("GET", f"/api/v1/rental/complaints/{_NO}"), ok={404}, scoping=None
    ),
    ("POST", "/api/v1/rental/complaints/{complaint_id}/take"): Case(
        one("POST", f"/api/v1/rental/complaints/{_NO}/take", **_EMPTY), ok={404, 422}, scoping=None
    ),
    ("POST", "/api/v1/rental/complaints/{complaint_id}/resolution"): Case(
        one("POST", f"/api/v1/rental/complaints/{_NO}/resolution", **_EMPTY), ok={404, 422}, scoping=None
    ),
    ("POST", "/api/v1/rental/inspections"): Case(
        one("POST", "/api/v1/rental/inspections", **_EMPTY), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/rental/inspections"): Case(one("GET", "/api/v1/rental/inspections"), scoping=None),
    ("GET", "/api/v1/rental/inspections/{inspection_id}"): Case(
        one("GET", f"/api/v1/rental/inspections/{_NO}"), ok={404}, scoping=None
    ),
}


# --- rental: escrow (租金监管) ---------------------------------------------------------------------
# Scoping of accounts (a clerk sees the accounts of their street only) and the tenant's own lease:
# tests/test_rental_escrow_api.py.

_ACCT = f"/api/v1/rental/escrow/accounts/{_NO}"
CASES |= {
    ("GET", "/api/v1/rental/me/leases/{lease_id}/escrow"): Case(
        one("GET", f"{_NO_LEASE}/escrow"), ok=_ABSENT, scoping=None
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/escrow/payments"): Case(
        one("POST", f"{_NO_LEASE}/escrow/payments", **_EMPTY), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/rental/me/leases/{lease_id}/escrow/proofs"): Case(
        one("GET", f"{_NO_LEASE}/escrow/proofs"), ok=_ABSENT, scoping=None
    ),
    ("GET", "/api/v1/rental/me/escrow/accounts"): Case(one("GET", "/api/v1/rental/me/escrow/accounts"), scoping=None),
    ("GET", "/api/v1/rental/me/escrow/accounts/{account_id}/journals"): Case(
        one("GET", f"/api/v1/rental/me/escrow/accounts/{_NO}/journals"), ok=_ABSENT, scoping=None
    ),
    ("GET", "/api/v1/rental/escrow/accounts"): Case(one("GET", "/api/v1/rental/escrow/accounts"), scoping=None),
    ("GET", "/api/v1/rental/escrow/reconciliation.csv"): Case(
        one("GET", "/api/v1/rental/escrow/reconciliation.csv"), scoping=None
    ),
    ("GET", "/api/v1/rental/escrow/accounts/{account_id}"): Case(one("GET", _ACCT), ok=_ABSENT, scoping=None),
    **{
        ("GET", f"/api/v1/rental/escrow/accounts/{{account_id}}/{tail}"): Case(
            one("GET", f"{_ACCT}/{tail}"), ok=_ABSENT, scoping=None
        )
        for tail in ("journals", "reconciliation", "bank-lines")
    },
    ("POST", "/api/v1/rental/escrow/accounts/{account_id}/bank-lines"): Case(
        one("POST", f"{_ACCT}/bank-lines", **_EMPTY), ok={422}, scoping=None
    ),
    ("POST", "/api/v1/rental/escrow/accounts/{account_id}/penalties"): Case(
        one("POST", f"{_ACCT}/penalties", **_EMPTY), ok={422}, scoping=None
    ),
}


# --- rental: complaint and inspection pages (投诉纠纷、检查执法页面) -----------------------------------
# Routing, scoping by street/district, the confirmation steps and the forms: tests/test_rental_governance.py.

CASES |= {
    ("GET", "/rental/complaints/new"): Case(one("GET", "/rental/complaints/new"), scoping=None),
    ("POST", "/rental/complaints"): Case(one("POST", "/rental/complaints", data={}), ok={422}, scoping=None),
    ("GET", "/rental/complaints/mine"): Case(one("GET", "/rental/complaints/mine"), scoping=None),
    ("GET", "/rental/complaints/mine/{complaint_id}"): Case(
        one("GET", f"/rental/complaints/mine/{_NO}"), ok={404}, scoping=None
    ),
    ("GET", "/rental/complaints"): Case(one("GET", "/rental/complaints"), scoping=None),
    ("GET", "/rental/complaints/{complaint_id}"): Case(one("GET", f"/rental/complaints/{_NO}"), ok={404}, scoping=None),
    ("POST", "/rental/complaints/{complaint_id}/take"): Case(
        one("POST", f"/rental/complaints/{_NO}/take", data={}), ok={404}, scoping=None
    ),
    ("GET", "/rental/complaints/{complaint_id}/resolve"): Case(
        one("GET", f"/rental/complaints/{_NO}/resolve", params={"outcome": "resolved"}), ok={404}, scoping=None
    ),
    ("POST", "/rental/complaints/{complaint_id}/resolution"): Case(
        one("POST", f"/rental/complaints/{_NO}/resolution", data={"outcome": "resolved", "reply": "矩阵检查"}),
        ok={404},
        scoping=None,
    ),
    ("GET", "/rental/inspections"): Case(one("GET", "/rental/inspections"), scoping=None),
    ("GET", "/rental/inspections/new"): Case(one("GET", "/rental/inspections/new"), scoping=None),
    ("POST", "/rental/inspections"): Case(one("POST", "/rental/inspections", data={}), ok={422}, scoping=None),
    ("GET", "/rental/inspections/{inspection_id}"): Case(
        one("GET", f"/rental/inspections/{_NO}"), ok={404}, scoping=None
    ),
}


# --- rental: lease and escrow pages (网签备案、租金监管页面) ----------------------------------------
# Absent ids (an allowed caller gets 404) and empty forms. The flows, the parties' own leases, the
# supervisors' scoping and the escrow forms are tested in tests/test_rental_pages.py.

_MY_LEASE = f"/rental/me/leases/{_NO}"
_STAFF_LEASE = f"/rental/staff/leases/{_NO}"
_ESCROW_ACCT = f"/rental/escrow/{_NO}"
CASES |= {
    ("GET", "/rental/me/leases"): Case(one("GET", "/rental/me/leases"), scoping=None),
    ("GET", "/rental/me/leases/new"): Case(one("GET", "/rental/me/leases/new"), scoping=None),
    ("POST", "/rental/me/leases/new"): Case(one("POST", "/rental/me/leases/new", data={}), ok={422}, scoping=None),
    ("GET", "/rental/me/leases/{lease_id}"): Case(one("GET", _MY_LEASE), ok={404}, scoping=None),
    ("POST", "/rental/me/leases/{lease_id}/sign"): Case(
        one("POST", f"{_MY_LEASE}/sign", data={}), ok={404}, scoping=None
    ),
    ("POST", "/rental/me/leases/{lease_id}/file"): Case(
        one("POST", f"{_MY_LEASE}/file", data={"idempotency_key": "matrix-key-0001"}), ok={404}, scoping=None
    ),
    **{
        (method, f"/rental/me/leases/{{lease_id}}/{action}"): Case(
            one(method, f"{_MY_LEASE}/{action}", **({"data": {}} if method == "POST" else {})), ok={404}, scoping=None
        )
        for action in ("terminate", "cancel", "amend", "renew")
        for method in ("GET", "POST")
    },
    ("POST", "/rental/me/leases/{lease_id}/escrow/payments"): Case(
        one("POST", f"{_MY_LEASE}/escrow/payments", data={}), ok={404}, scoping=None
    ),
    ("GET", "/rental/staff/leases"): Case(one("GET", "/rental/staff/leases"), scoping=None),
    ("GET", "/rental/staff/leases/{lease_id}"): Case(one("GET", _STAFF_LEASE), ok={404}, scoping=None),
    ("GET", "/rental/staff/leases/{lease_id}/cancel"): Case(
        one("GET", f"{_STAFF_LEASE}/cancel"), ok={404}, scoping=None
    ),
    ("POST", "/rental/staff/leases/{lease_id}/cancel"): Case(
        one("POST", f"{_STAFF_LEASE}/cancel", data={"reason": "矩阵检查"}), ok={404}, scoping=None
    ),
    ("GET", "/rental/me/escrow"): Case(one("GET", "/rental/me/escrow"), scoping=None),
    ("GET", "/rental/escrow"): Case(one("GET", "/rental/escrow"), scoping=None),
    ("GET", "/rental/escrow/{account_id}"): Case(one("GET", _ESCROW_ACCT), ok={404}, scoping=None),
    ("POST", "/rental/escrow/{account_id}/bank-lines"): Case(
        one("POST", f"{_ESCROW_ACCT}/bank-lines", data={}), ok={404}, scoping=None
    ),
    ("POST", "/rental/escrow/{account_id}/penalties"): Case(
        one("POST", f"{_ESCROW_ACCT}/penalties", data={}), ok={404}, scoping=None
    ),
}
