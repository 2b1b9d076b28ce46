"""The machinery of the authorisation matrix: roles and their expected grants, the sample world, the
case builders and response checks, and how one route is exercised for every role and scope.

The expected grants below are written from the issue's role list, independently of
``anju.security.roles``. The cases themselves live in ``cases_<context>.py``, one module per context.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from stdnum.cn import ric

from anju.core import clock, jobs
from anju.core.settings import Settings
from anju.registry import tables as rt
from anju.security import Caller, Keyring
from tests.accounts import PASSWORD, World, api_token

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
    # housing assistance
    "assistance.apply": {"citizen", "landlord"},  # persons: an agency account has no verified identity
    "assistance.object": {"citizen", "landlord", "agency"},
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
    # new-home transactions (issue 18): the bureau files and cancels, developers' staff sell, buyers sign
    "transactions.read": {"city", "auditor", "district", "clerk"},
    "transactions.manage": {"city", "district"},
    "transactions.sell": {"agency"},
    "transactions.buy": {"citizen", "landlord", "agency"},
    # data exchange (issue 19): the city's data office receives feeds, fixes dead letters and governs;
    # the auditor reads
    "exchange.read": {"city", "auditor"},
    "exchange.feed": {"city"},
    "exchange.replay": {"city"},
    "exchange.govern": {"city"},
    "exchange.subscribe": {"city"},
    # industry credit (issue 20): staff read in scope, officers record, decide and inspect, the city
    # governs; a subject (citizen, landlord, agency) sees its own file
    "credit.read": {"city", "auditor", "district", "clerk"},
    "credit.record": {"city", "district"},
    "credit.decide": {"city", "district"},
    "credit.inspect": {"city", "district"},
    "credit.govern": {"city"},
    "credit.own": {"citizen", "landlord", "agency"},
    # market monitoring (issue 21): district and city officers and the auditor read (districts in scope),
    # officers handle warnings, the city computes and publishes
    "market.read": {"city", "auditor", "district"},
    "market.report": {"city", "district"},
    "market.compute": {"city"},
    "market.warn": {"city", "district"},
    "market.publish": {"city"},
    # estate management (issue 22): street, district and city staff read and supervise in scope and
    # decide spending applications, the city runs the fund; owners (persons) act on their own homes,
    # property-company staff (agency accounts of a filed company) on their company
    "estates.read": {"city", "auditor", "district", "clerk"},
    "estates.supervise": {"city", "district", "clerk"},
    "estates.approve": {"city", "district", "clerk"},
    "estates.fund": {"city"},
    "estates.own": {"citizen", "landlord"},
    "estates.company": {"agency"},
    # house safety (issue 23): street, district and city staff read and supervise in scope; district and
    # city officers file and supervise the appraisal agencies
    "safety.read": {"city", "auditor", "district", "clerk"},
    "safety.supervise": {"city", "district", "clerk"},
    "safety.agencies": {"city", "district"},
    # urban renewal (issue 23): street, district and city staff and the auditor read in scope; district
    # and city officers manage projects in scope; the public page is anyone's
    "renewal.read": {"city", "auditor", "district", "clerk"},
    "renewal.manage": {"city", "district"},
    # the street database (issue 24): register staff and the auditor read in scope; the city loads
    "streets.read": {"city", "auditor", "district", "clerk"},
    "streets.load": {"city"},
    # plan monitoring (issue 24): city and district officers read (city targets and their district's);
    # the city officer reports the annual figures, enters departments' figures and writes evaluations
    "plan.read": {"city", "district"},
    "plan.report": {"city"},
    # department clients (issue 19): no role holds these; only a client token whose scopes name the
    # route's dataset and operation (the matrix's clients below), every account's token is refused (403)
    "client.self": set(),
    "client.read": set(),
    "client.write": set(),
    "client.subscribe": set(),
}

#: The matrix's department clients, exercised on every client route besides the roles: ``client`` holds
#: every operation on every declared dataset and on ``MATRIX_DATASET``, ``client_wrong`` only a scope no
#: route asks for. A client route's case names its dataset ``MATRIX_DATASET`` (or a declared one).
CLIENTS = ("client", "client_wrong")
MATRIX_DATASET = "synth.matrix"


OK = {200, 201, 204, 303}
TODAY = clock.today().isoformat()


@dataclass
class Sample:
    """The sample records of one street: a live home of the city template (and its building, estate,
    house code), then what the set-up adds: an address review record, a submitted application and its
    document, a frozen draw, a drawn one with the candidate who waits and a spare home, an allocation
    and an open case."""

    home: int
    house_code: str
    building: int
    estate: int
    addr: int = 0
    app: int = 0
    doc: int = 0
    draw: int = 0
    drawn: int = 0
    alloc: int = 0
    next_app: int = 0
    spare_home: int = 0
    case: int = 0


@dataclass
class Ctx:
    engine: Engine
    world: World
    client: TestClient
    tokens: dict[str, str]
    #: street (S1, S2 in district A; one in B) → its sample records
    data: dict[str, Sample]
    #: target accounts t_in (street S1) and t_out (district B) → id
    accounts: dict[str, int]
    keyring: Keyring
    #: the failed import job made at set-up
    job: int = 0
    #: target account → phone
    phones: dict[str, str] = field(default_factory=dict)
    #: the address of S1's sample home
    address: str = ""
    #: the link job that holds the review records
    address_job: int | None = None
    #: application → its document
    docs: dict[int, int] = field(default_factory=dict)
    guidance_published: int | None = None
    listing_code: str | None = None
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    #: the assistance records' own numbers (``counter`` feeds IDs)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    #: The permission of the route being checked (set by the matrix before each route).
    perm: str = ""
    #: The settings of the app under test (builders that make verified accounts need them).
    settings: Settings | None = None
    #: The matrix's department clients → an access token (made on first use).
    client_tokens: dict[str, str] = field(default_factory=dict)
    #: The matrix's department client ``client`` → (client_id, secret), for the token endpoint's case.
    client_secret: tuple[str, str] | None = None
    #: Fresh records made for a request that consumes one, kept for the next role's request while no
    #: write has succeeded (a refused request writes nothing, so its record is still fresh): key → record.
    spare: dict[Any, Any] = field(default_factory=dict)

    def reused(self, key: Any, make: Callable[[], Any]) -> Any:
        """The spare fresh record under ``key``, made by ``make`` when there is none (``exercise`` drops
        them when a write succeeds and before each route)."""
        if key not in self.spare:
            self.spare[key] = make()
        return self.spare[key]

    def client_token(self, who: str) -> str:
        """An access token of the matrix's department client ``who`` (see ``CLIENTS``)."""
        if not self.client_tokens:
            self._make_clients()
        return self.client_tokens[who]

    def _make_clients(self) -> None:
        from anju.security import Security
        from anju.security.client_access import TokenRequest, issue_token
        from anju.security.clients import OPERATIONS, ClientForm, create_client, declared_datasets

        assert self.settings is not None
        sec = Security(self.settings)
        datasets = {MATRIX_DATASET} | {d for ds in declared_datasets().values() for d in ds}
        scopes = {
            "client": [f"{d}:{op}" for d in datasets for op in OPERATIONS],
            "client_wrong": ["synth.nothing:read"],
        }
        system = Caller.system("matrix")
        for who, granted in scopes.items():
            with self.engine.begin() as conn:
                issued = create_client(conn, sec, system, ClientForm(f"矩阵{who}", "矩阵测试", granted))
                req = TokenRequest("client_credentials", issued.client_id, issued.secret, None, None, None)
                self.client_tokens[who] = issue_token(conn, sec, req).access_token
            if who == "client":
                self.client_secret = (issued.client_id, issued.secret)

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
            kids = div.children(c, self.world.district_a, "street", limit=1000).items
        return {k.code for k in kids}

    def in_account_scope(self, who: str, target: str) -> bool:
        """Whether an account administrator/officer may see the target account."""
        if who in ("admin", "city"):
            return True
        return target == "t_in"  # t_in lies in district A; t_out in B

    def fresh_home(self, street: str, same_building: bool = False) -> int:
        """A new live home in the street (split/merge retire homes, so each call gets its own)."""
        from anju.core.scope import SYSTEM
        from anju.registry import NewHome, create_home

        with self.engine.begin() as c:
            return create_home(
                c,
                NewHome(
                    building_id=self.data[street].building,
                    floor_no=2,
                    room_no=f"F{next(self.counter)}",
                    construction_area=Decimal("60.00"),
                ),
                scope=SYSTEM,
            )

    def fresh_address(self, street: str) -> int:
        """A new undecided review record in the street, the street's sample home its one candidate
        (a decision consumes it, so each call gets its own)."""
        import json

        from anju.addresses import address_candidates, address_link_jobs, address_records

        with self.engine.begin() as c:
            job = self.address_job
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
                self.address_job = job
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
                    house_code=self.data[street].house_code,
                    score=0.9,
                    match_weight=3.2,
                    explanation=expl,
                )
            )
            return int(pk)

    def fresh_assistance(self, street: str, kind: str) -> dict[str, Any]:
        """A fresh record of housing assistance in ``street``, made with the services as a system job:
        waiting (an approved application alone in its priority class), draw (frozen), drawn (with the
        candidate and a fitting home), allocation (selected), contracted, supported (allocated
        application), case (open, on a supported household)."""
        from anju import assistance as al
        from tests.assistance_builders import approved

        system = Caller.system("matrix")
        home = None if kind in ("waiting", "draw") else self.fresh_home(street)
        with self.engine.begin() as c:
            priority = f"mx{next(self.seq)}"
            app = approved(c, self.keyring, street, size=1, priority=priority)
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
                al.contract(c, system, out["alloc"], f"HT-{next(self.seq)}")
            if kind == "case":
                out["case"] = al.open_case(c, system, app, "vacancy", {"空置天数": 200})
            return out


Request = tuple[str, str, dict[str, Any]]  # method, path, httpx kwargs


#: (ctx, who) → the request; lambdas bind loop values as default arguments, hence ``...``
Build = Callable[..., Request]


#: (label, street or target account or None, request builder)
Variant = tuple[str, str | None, Build]


@dataclass
class Case:
    """How to exercise one route: variants (label, street or target, request builder) and what success is."""

    variants: Callable[[Ctx], Sequence[Variant]]
    ok: set[int] = field(default_factory=lambda: OK)
    #: Called on an allowed, successful response to check it leaks nothing out of scope.
    check: Callable[[Ctx, str, Any], None] | None = None
    #: Kind of scoping of the variants: "register" (street codes) or "account" (t_in/t_out) or None.
    scoping: str | None = "register"
    out_of_scope: set[int] = field(default_factory=lambda: {404})
    #: The permission the route must declare (one of ``EXPECTED``): a route whose policy changes fails
    #: until its case says so, and the roles are checked against this permission, not the route's.
    perm: str = field(kw_only=True)


def one(method: str, path: str, **kw: Any) -> Callable[[Ctx], list[tuple[str, str | None, Any]]]:
    return lambda ctx: [("any", None, lambda c, who: (method, path, kw))]


def per_street(method: str, template: str, key: str, **kw: Any) -> Callable[[Ctx], list[Any]]:
    """One variant per sample street (S1, S2, B), the path filled from that street's sample ``key``."""

    def build(ctx: Ctx) -> list[Any]:
        out = []
        for street, d in ctx.data.items():
            path = template.format(**{key: getattr(d, key)})
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
            assert d.house_code not in resp.text, f"{who} sees {d.house_code} on a page"


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
        "estate_id": ctx.data[street].estate,
        "building_no": f"M{next(ctx.counter)}",
        "use": "住宅",
        "structure": "钢筋混凝土",
        "floors_above": 6,
        "year_built": 2015,
        "status": "现房",
    }


def home_body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {
        "building_id": ctx.data[street].building,
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


def expected(ctx: Ctx, case: Case, who: str, street: str | None, page: bool) -> set[int]:
    perm = ctx.perm
    if who in CLIENTS:  # a client route: the right scope is allowed, a wrong one refused
        return case.ok if who == "client" or perm == "client.self" else {403}
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


def exercise(ctx: Ctx, method: str, path: str, declared: str, case: Case) -> list[str]:
    """Request the route as every role (and anonymously) for each variant of its case: the failures,
    a policy other than the case's, a status outside the expected set or a successful response that
    leaks data out of scope."""
    assert declared in EXPECTED, declared
    perm = case.perm
    assert perm in EXPECTED, f"{method} {path}: the case's permission {perm!r} is not in EXPECTED"
    failures = []
    if declared != perm:
        failures.append(f"{method} {path}: the route declares {declared!r}, its case {perm!r}")
    ctx.perm = perm
    client_route = perm.startswith("client.")
    ctx.spare.clear()
    for label, street, build in case.variants(ctx):
        for who in [*ROLES, "anonymous", *(CLIENTS if client_route else ())]:
            m, url, kw = build(ctx, who)
            kw = dict(kw)
            headers = dict(kw.pop("headers", {}))
            if client_route:
                headers.setdefault("x-purpose", "matrix")  # every client call states its purpose
            if who in CLIENTS:
                token: str | None = ctx.client_token(who)
            elif kw.pop("fresh", False):
                token = api_token(ctx.engine, who) if who != "anonymous" else None
            else:
                token = ctx.tokens.get(who)
            if token:
                headers["authorization"] = f"Bearer {token}"
            resp = ctx.client.request(m, url, headers=headers, **kw)
            if (job := re.fullmatch(r"/jobs/(\d+)", resp.headers.get("location", ""))) is not None:
                jobs.wait(int(job.group(1)))  # a page's background job ends before the next direct write
            if resp.status_code < 400 and m not in ("GET", "HEAD"):
                ctx.spare.clear()  # the write may have consumed its record
            want = expected(ctx, case, who, street, not url.startswith(("/api/", "/tiles/")))
            if resp.status_code not in want:
                failures.append(
                    f"{method} {path} [{label}] as {who}: {resp.status_code} not in {sorted(want)} — {resp.text[:160]}"
                )
            elif case.check and resp.status_code in case.ok and who in EXPECTED[perm] and who != "anonymous":
                try:
                    case.check(ctx, who, resp)
                except AssertionError as e:
                    failures.append(f"{method} {path} [{label}] as {who}: {e}")
    return failures
