"""Urban renewal end to end on the tiny city: eligibility from the register's year built (with the
reason; refusals name the field and write nothing), the lifecycle with what each step needs first,
contents from the catalogue, funding in fen, consent, lift retrofits (agreement by floor, the share
rule, after-care), shanty-town modes, the district × year progress against the plan, scope, the map
layers with the date control, the pages (Chinese, forms re-rendered with errors) and the public page
(anonymous, no personal data), the API and its CSV."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import registry
from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import Scope
from anju.map import get_layer
from anju.renewal import domain, lifecycle, lifts, progress, projects, rules
from anju.renewal.tables import renewal_funding, renewal_projects, renewal_steps
from tests.accounts import api_token, choose_world, web_session
from tests.renewal_builders import START, SYSTEM, enter, estate_built, lift_building, step, to_accepted


@pytest.fixture
def settings(city_engine: Engine, settings_for: Any) -> Any:
    return settings_for(city_engine)


def _count(engine: Engine, t: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(t)).scalar_one())


def test_eligibility_from_year_built_with_the_reason(city_engine: Engine, settings: Any) -> None:
    old = estate_built(city_engine, 1950, 1999)
    pid = enter(city_engine, settings, old.id)
    with city_engine.connect() as c:
        d = lifecycle.detail(c, settings, Scope.whole_city(), pid)
    p = d["project"]
    assert p.status == "reserve" and p.eligibility_rule == "before-2000"
    assert f"楼盘表建成年份 {old.year_built} 年" in p.eligibility_reason
    assert [s["status"] for s in d["steps"]] == ["reserve"]

    newer = estate_built(city_engine, 2006, 2030)
    before = _count(city_engine, renewal_projects)
    with pytest.raises(ValidationError) as e:
        enter(city_engine, settings, newer.id)
    assert e.value.errors[0].field == "eligibility"
    assert f"{newer.year_built} 年，不早于 2005 年" in e.value.errors[0].reason
    assert _count(city_engine, renewal_projects) == before  # nothing written


def test_between_2000_and_2005_needs_a_declared_condition(city_engine: Engine, settings: Any) -> None:
    mid = estate_built(city_engine, 2000, 2004)
    with pytest.raises(ValidationError) as e:
        enter(city_engine, settings, mid.id)
    assert "居民改造意愿强烈" in e.value.errors[0].reason
    pid = enter(city_engine, settings, mid.id, conditions=("will",))
    with city_engine.connect() as c:
        assert lifecycle.scoped_project(c, Scope.whole_city(), pid).eligibility_rule == "before-2005-conditions"
        explained = projects.explain(c, settings, Scope.whole_city(), "old_community", mid.id)
    assert not explained.eligible and "未申报" in explained.reason
    with pytest.raises(Conflict):  # one unfinished project of a kind per estate
        enter(city_engine, settings, mid.id, conditions=("will",))


def test_bad_fields_are_named_and_nothing_is_written(city_engine: Engine, settings: Any) -> None:
    old = estate_built(city_engine, 1950, 1999)
    before = _count(city_engine, renewal_projects)
    with pytest.raises(ValidationError) as e:
        enter(city_engine, settings, old.id, kind="nope", area="-1", households=-3, unit="", documents=("",))
    fields = {x.field for x in e.value.errors}
    assert {"kind", "area", "households", "unit", "documents.0"} <= fields
    with pytest.raises(ValidationError) as e:
        enter(city_engine, settings, old.id, area="1.234")
    assert e.value.errors[0].field == "area" and "两位小数" in e.value.errors[0].reason
    with pytest.raises(ValidationError) as e:
        enter(city_engine, settings, 10**9)
    assert e.value.errors[0].field == "estate_id"
    assert _count(city_engine, renewal_projects) == before


def test_lifecycle_in_order_with_what_each_step_needs(city_engine: Engine, settings: Any) -> None:
    old = estate_built(city_engine, 1950, 1999)
    pid = enter(city_engine, settings, old.id)
    d1 = START + timedelta(days=5)
    with pytest.raises(ValidationError) as e:  # skipping a step
        step(city_engine, settings, pid, "designed", d1)
    assert e.value.errors[0].field == "status" and "下一环节应为“列入年度计划”" in e.value.errors[0].reason
    with pytest.raises(ValidationError) as e:  # before the last step's date
        step(city_engine, settings, pid, "planned", START - timedelta(days=1), plan_year=START.year)
    assert any(x.field == "on" for x in e.value.errors)
    with pytest.raises(ValidationError) as e:  # the consultation first
        step(city_engine, settings, pid, "planned", d1, plan_year=START.year)
    assert [x.field for x in e.value.errors] == ["consent"]
    with city_engine.begin() as c:
        with pytest.raises(ValidationError) as e:
            lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(START, None, 100, 120))
        assert e.value.errors[0].field == "agreed"
        lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(START, None, 100, 90))
    step(city_engine, settings, pid, "planned", d1, plan_year=START.year, documents=("宁建城〔2025〕12号",))
    with pytest.raises(ValidationError) as e:  # a basic item before the design
        step(city_engine, settings, pid, "designed", d1)
    assert [x.field for x in e.value.errors] == ["contents"]
    with city_engine.begin() as c:
        with pytest.raises(ValidationError) as e:
            lifecycle.set_contents(c, settings, SYSTEM, pid, ["C01", "ZZZ"])
        assert e.value.errors[0].field == "contents.1"
        assert lifecycle.set_contents(c, settings, SYSTEM, pid, ["B01", "C02", "I01", "B01"]) == 3
    step(city_engine, settings, pid, "designed", d1)
    step(city_engine, settings, pid, "tendered", d1)
    with pytest.raises(ValidationError) as e:  # funding before construction
        step(city_engine, settings, pid, "construction", d1)
    assert [x.field for x in e.value.errors] == ["funding"]
    with city_engine.begin() as c:
        with pytest.raises(ValidationError) as e:
            lifecycle.set_funding(c, SYSTEM, pid, {"central": -1, "lottery": 5})
        assert {x.field for x in e.value.errors} == {"funding.central", "funding.lottery"}
        assert lifecycle.set_funding(c, SYSTEM, pid, {"central": 123_456, "owners": 1, "social": 0}) == 123_457
    step(city_engine, settings, pid, "construction", d1)
    with pytest.raises(ValidationError) as e:
        step(city_engine, settings, pid, "accepted", clock.today() + timedelta(days=1))
    assert any(x.field == "on" for x in e.value.errors)
    step(city_engine, settings, pid, "accepted", d1 + timedelta(days=30))
    with city_engine.connect() as c:
        d = lifecycle.detail(c, settings, Scope.whole_city(), pid)
        assert _count(city_engine, renewal_funding) >= 2
    assert [s["status"] for s in d["steps"]] == [
        "reserve",
        "planned",
        "designed",
        "tendered",
        "construction",
        "accepted",
    ]
    assert d["steps"][1]["documents"] == ["宁建城〔2025〕12号"]
    assert d["funding_total_fen"] == 123_457 and [f["source"] for f in d["funding"]] == ["central", "owners"]
    assert [c["category"] for c in d["contents"]] == ["basic", "complete", "improve"]
    assert d["next_status"] == "closed"
    with city_engine.begin() as c, pytest.raises(ValidationError):
        lifecycle.set_contents(c, settings, SYSTEM, pid, ["B02"])  # finished works keep their contents


def test_progress_counts_accepted_projects_by_district_and_plan_year(city_engine: Engine, settings: Any) -> None:
    plan = rules.plan(settings)
    assert plan is not None and plan.total_communities == (131, 150, 111, 100, 114)
    old = estate_built(city_engine, 1950, 1999)
    other = estate_built(city_engine, 1950, 1999, skip=1)
    done = enter(city_engine, settings, old.id, area=Decimal("20000.00"))
    to_accepted(city_engine, settings, done, START.year)
    listed = enter(city_engine, settings, other.id, area=Decimal("5000"))
    with city_engine.begin() as c:
        lifecycle.record_consent(c, SYSTEM, listed, lifecycle.ConsentIn(START, None, 10, 9))
    step(city_engine, settings, listed, "planned", START + timedelta(days=1), plan_year=START.year)
    with city_engine.connect() as c:
        p = progress.progress(c, plan, scope=Scope.whole_city())
        district = projects.managing_district(c, old.street_code)
    row = next(r for r in p.rows if r.code == district)
    cell = row.cells[START.year - 2021]
    assert cell.done >= 1 and cell.done_area >= Decimal("2.00")
    assert p.total.cells[3].plan_communities == 100 and p.total.cells[3].plan_area == Decimal("172.49")
    assert sum(c.listed for c in p.total.cells) == 2 and sum(c.done for c in p.total.cells) == 1
    area = next(t for t in p.targets if t.code == "old_area")
    assert area.target == Decimal(1200) and area.actual == Decimal("2.00") and area.binding
    assert p.discrepancies and "218.46" in p.discrepancies[0]
    with city_engine.connect() as c:
        counts = {(s.kind, s.status): s.projects for s in progress.by_status(c, scope=Scope.whole_city())}
    assert counts[("old_community", "accepted")] == 1 and counts[("old_community", "planned")] == 1


def test_lift_retrofit_agreement_by_floor_and_after_care(city_engine: Engine, settings: Any) -> None:
    b = lift_building(city_engine)
    pid = enter(city_engine, settings, b.estate_id, kind="lift", building_id=b.id, unit_no="1", households=12)
    with pytest.raises(ValidationError) as e:  # a unit the building does not have
        enter(city_engine, settings, b.estate_id, kind="lift", building_id=b.id, unit_no=str(b.units + 1))
    assert e.value.errors[0].field == "unit_no"
    with pytest.raises(ValidationError) as e:  # not enough owners agree yet
        step(city_engine, settings, pid, "agreed", START + timedelta(days=1))
    assert e.value.errors[0].field == "floors"
    floors = [domain.FloorAgreement(n, 2, 1 if n == 1 else 2) for n in range(1, b.floors_above + 1)]
    with city_engine.begin() as c:
        with pytest.raises(ValidationError) as e:
            lifts.set_floors(c, SYSTEM, pid, [domain.FloorAgreement(1, 2, 3), domain.FloorAgreement(99, 1, 1)])
        assert {x.field for x in e.value.errors} == {"floors.0", "floors.1"}
        share = lifts.set_floors(c, SYSTEM, pid, floors)
        lifecycle.set_funding(c, SYSTEM, pid, {"owners": 30_000_000, "district": 10_000_000})
    assert share is not None and share >= rules.eligibility(settings).lift_min_agreement
    on = START + timedelta(days=1)
    for s in ("agreed", "designed", "permitted", "construction", "accepted"):
        step(city_engine, settings, pid, s, on)
    with pytest.raises(ValidationError) as e:
        step(city_engine, settings, pid, "in_service", on)
    assert e.value.errors[0].field == "after_care"
    step(city_engine, settings, pid, "in_service", on, after_care="某电梯维保有限公司")
    with city_engine.connect() as c:
        figures = lifts.lift_figures(c, scope=Scope.whole_city())
        page = lifts.list_lifts(c, scope=Scope.whole_city(), limit=10, offset=0)
    assert figures == {"projects": 1, "signed": 1, "completed": 1, "in_service": 1}
    assert page.items[0]["after_care"] == "某电梯维保有限公司" and page.items[0]["share"].endswith("%")
    with city_engine.begin() as c, pytest.raises(ValidationError):
        lifts.set_floors(c, SYSTEM, pid, floors)  # the agreement is signed


def test_shanty_modes_and_resettlement_link(city_engine: Engine, settings: Any) -> None:
    e = estate_built(city_engine, 1950, 2030)
    with pytest.raises(ValidationError) as err:
        enter(city_engine, settings, e.id, kind="shanty")
    assert err.value.errors[0].field == "shanty_mode"
    with pytest.raises(ValidationError) as err:
        enter(city_engine, settings, e.id, kind="shanty", shanty_mode="retain", expropriated_households=5)
    assert err.value.errors[0].field == "expropriated_households"
    with pytest.raises(ValidationError) as err:
        enter(
            city_engine,
            settings,
            e.id,
            kind="shanty",
            shanty_mode="demolish",
            expropriated_households=5,
            resettlement_programme="no_such_programme",
        )
    assert err.value.errors[0].field == "resettlement_programme"
    pid = enter(city_engine, settings, e.id, kind="shanty", shanty_mode="demolish", expropriated_households=5)
    with city_engine.connect() as c:
        p = lifecycle.scoped_project(c, Scope.whole_city(), pid)
    assert p.shanty_mode == "demolish" and p.expropriated_households == 5 and p.eligibility_rule == "shanty"


def test_scope_of_a_district_officer(city_engine: Engine, settings: Any) -> None:
    w = choose_world(city_engine)
    inside = estate_built(city_engine, 1900, 2030, street=w.street_s1)
    pid = enter(city_engine, settings, inside.id, kind="shanty", shanty_mode="retain")
    clerk_scope = Scope.of_streets("street", w.street_s2, [w.street_s2])
    with city_engine.connect() as c:
        with pytest.raises(NotFound):
            lifecycle.detail(c, settings, clerk_scope, pid)
        assert projects.list_projects(c, projects.ProjectFilter(), scope=clerk_scope, limit=10, offset=0).total == 0
        assert (
            projects.list_projects(
                c, projects.ProjectFilter(kind="shanty"), scope=Scope.whole_city(), limit=10, offset=0
            ).total
            == 1
        )


def test_map_layers_follow_the_date(city_engine: Engine, settings: Any) -> None:
    old = estate_built(city_engine, 1950, 1999)
    pid = enter(city_engine, settings, old.id)
    to_accepted(city_engine, settings, pid, START.year)
    layer = get_layer("renewal-projects")
    assert layer is not None
    bbox = (old.centroid_lon - 0.01, old.centroid_lat - 0.01, old.centroid_lon + 0.01, old.centroid_lat + 0.01)
    with city_engine.connect() as c:
        before = list(layer.features(c, bbox, 14, Scope.whole_city(), START - timedelta(days=1)))
        midway = list(layer.features(c, bbox, 14, Scope.whole_city(), START + timedelta(days=25)))
        now = list(layer.features(c, bbox, 14, Scope.whole_city(), clock.today()))
        v = layer.version(c)
    assert not [f for f in before if f[1]["id"] == pid]
    assert [f[1]["status"] for f in midway if f[1]["id"] == pid] == ["designed"]
    assert [f[1]["status"] for f in now if f[1]["id"] == pid] == ["accepted"]
    assert v == _count(city_engine, renewal_steps) or v >= 6


def test_pages_forms_and_the_public_page(city_engine: Engine, settings: Any) -> None:
    old = estate_built(city_engine, 1950, 1999)
    pid = enter(city_engine, settings, old.id, name="秦淮区示例小区改造")
    to_accepted(city_engine, settings, pid, START.year)
    client = TestClient(create_app(settings))
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    for path in (
        "/renewal",
        f"/renewal/projects/{pid}",
        "/renewal/progress",
        "/renewal/lifts",
        "/renewal/projects/new",
        "/renewal?kind=old_community&status=accepted",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        assert "城市更新" in r.text or "加装电梯" in r.text
    assert "秦淮区示例小区改造" in client.get("/renewal").text
    assert "专栏6" in client.get("/renewal/progress").text
    # a refused form is the same page with the field's error; nothing written
    newer = estate_built(city_engine, 2006, 2030)
    before = _count(city_engine, renewal_projects)
    r = client.post(
        "/renewal/projects",
        data={
            "csrf_token": csrf,
            "kind": "old_community",
            "name": "新小区",
            "estate_id": str(newer.id),
            "area": "100",
            "households": "3",
            "on": START.isoformat(),
            "unit": "区房产局",
        },
    )
    assert r.status_code == 422 and "不早于 2005 年" in r.text and "eligibility" in r.text
    assert _count(city_engine, renewal_projects) == before
    other = estate_built(city_engine, 2000, 2004)
    r = client.post(
        "/renewal/projects",
        data={
            "csrf_token": csrf,
            "kind": "old_community",
            "name": "页面入库",
            "conditions": "will",
            "estate_id": str(other.id),
            "area": "100.5",
            "households": "3",
            "on": START.isoformat(),
            "unit": "区房产局",
            "documents": "A-1，A-2",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    new_id = int(r.headers["location"].split("/")[-1].split("?")[0])
    r = client.post(
        f"/renewal/projects/{new_id}/steps",
        data={
            "csrf_token": csrf,
            "status": "planned",
            "on": START.isoformat(),
            "unit": "区建设局",
            "plan_year": str(START.year),
        },
    )
    assert r.status_code == 422 and "请勾选确认" in r.text
    r = client.post(
        f"/renewal/projects/{new_id}/funding", data={"csrf_token": csrf, "central": "1,000.50"}, follow_redirects=False
    )
    assert r.status_code == 303
    with city_engine.connect() as c:
        assert (
            c.execute(select(renewal_funding.c.amount_fen).where(renewal_funding.c.project_id == new_id)).scalar_one()
            == 100_050
        )
    # the public page: anonymous, the projects and progress, no personal data
    anon = TestClient(create_app(settings))
    r = anon.get("/renewal/public")
    assert r.status_code == 200 and "秦淮区示例小区改造" in r.text and "规划目标" in r.text
    assert "区房产局" not in r.text and "某区住房保障和房产局" not in r.text  # no officers' entries
    assert anon.get("/api/v1/renewal/public/progress").json()["total"]["cells"][0]["plan_communities"] == 131
    assert anon.get("/renewal", follow_redirects=False).status_code in (302, 303, 401)


def test_api_and_csv(city_engine: Engine, settings: Any) -> None:
    client = TestClient(create_app(settings))
    h = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    old = estate_built(city_engine, 1950, 1999)
    body = {
        "kind": "old_community",
        "name": "接口入库",
        "estate_id": old.id,
        "on": START.isoformat(),
        "unit": "区房产局",
        "area_m2": "999.99",
        "households": 10,
    }
    r = client.post("/api/v1/renewal/projects", json=body, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert client.post("/api/v1/renewal/projects", json=body, headers=h).status_code == 409
    r = client.put(f"/api/v1/renewal/projects/{pid}/funding", json={"amounts_fen": {"city": 500}}, headers=h)
    assert r.status_code == 200
    r = client.get(f"/api/v1/renewal/projects/{pid}", headers=h).json()
    assert r["funding_total_fen"] == 500 and r["steps"][0]["unit"] == "区房产局" and r["area"] == "999.99"
    r = client.post(
        f"/api/v1/renewal/projects/{pid}/steps",
        headers=h,
        json={"status": "designed", "on": START.isoformat(), "unit": "x"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "status"
    r = client.get("/api/v1/renewal/projects.csv?kind=old_community", headers=h)
    assert r.status_code == 200 and "接口入库" in r.content.decode("utf-8-sig")
    r = client.get("/api/v1/renewal/eligibility", params={"kind": "old_community", "estate_id": old.id}, headers=h)
    assert r.json()["eligible"] is True and r.json()["rule"] == "before-2000"
    assert len(client.get("/api/v1/renewal/catalogue", headers=h).json()) == 15
    assert client.get("/api/v1/renewal/progress.csv", headers=h).status_code == 200
    assert client.get("/api/v1/renewal/lifts/figures", headers=h).json()["projects"] == 0


def test_consent_links_a_tallied_owners_vote_of_the_estate(estates_engine: Engine, settings_for: Any) -> None:
    from anju.estates.tables import estates_votes

    settings = settings_for(estates_engine)
    v, e = estates_votes.c, registry.estates.c
    with estates_engine.connect() as c:
        vote = c.execute(
            select(v.id, v.estate_id, v.electorate_owners, v.yes_owners)
            .where(v.status == "tallied", v.yes_owners.is_not(None))
            .order_by(v.id)
            .limit(1)
        ).one()
        other = c.execute(select(v.id).where(v.estate_id != vote.estate_id).limit(1)).scalar_one()
        estate = c.execute(select(e.id).where(e.id == vote.estate_id)).scalar_one()
    pid = enter(estates_engine, settings, estate, kind="shanty", shanty_mode="renovate")
    with estates_engine.begin() as c:
        with pytest.raises(ValidationError) as err:
            lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(vote_id=other))
        assert err.value.errors[0].field == "vote_id" and "不是本小区" in err.value.errors[0].reason
        lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(vote_id=vote.id))
    with estates_engine.connect() as c:
        p = lifecycle.scoped_project(c, Scope.whole_city(), pid)
    assert p.consent_vote_id == vote.id
    assert (p.consent_asked, p.consent_agreed) == (vote.electorate_owners, vote.yes_owners)
    step(estates_engine, settings, pid, "planned", START + timedelta(days=1), plan_year=START.year)


def test_the_projects_tile_shows_a_new_step_at_once(city_engine: Engine, settings: Any) -> None:
    """Through the tile route and its cache: the layer's own version is in the cache key."""
    import math

    import mapbox_vector_tile

    old = estate_built(city_engine, 1950, 1999)
    pid = enter(city_engine, settings, old.id)
    z = 14
    n = 1 << z
    x = int((old.centroid_lon + 180.0) / 360.0 * n)
    rad = math.radians(old.centroid_lat)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    client = TestClient(create_app(settings))
    h = {"authorization": f"Bearer {api_token(city_engine, 'city')}"}

    def statuses() -> dict[int, str]:
        r = client.get(f"/tiles/renewal-projects/{z}/{x}/{y}.pbf", headers=h)
        assert r.status_code == 200
        tile = mapbox_vector_tile.decode(r.content) if r.content else {}
        feats = tile.get("renewal-projects", {}).get("features", [])
        return {int(f["properties"]["id"]): str(f["properties"]["status"]) for f in feats}

    assert statuses()[pid] == "reserve"
    with city_engine.begin() as c:
        lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(START, None, 10, 9))
    step(city_engine, settings, pid, "planned", START + timedelta(days=2), plan_year=START.year)
    assert statuses()[pid] == "planned"
    layers = {x["name"] for x in client.get("/api/v1/map/layers", headers=h).json()}
    assert {"renewal-projects", "renewal-lifts"} <= layers
