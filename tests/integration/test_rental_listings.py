"""Listing publication and verification (房源发布与核验), the public check and search, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, select, update

from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict, ValidationError
from anju.registry import tables as rt
from anju.rental import domain, listings
from anju.rental.tables import (
    rental_guidance_editions,
    rental_guidance_rents,
    rental_home_flags,
    rental_listing_events,
    rental_listings,
)
from tests import rental_builders as rb
from tests.accounts import api_token, choose_world

BASE = "/api/v1/rental/me/listings"


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def kr(client: TestClient) -> Any:
    return client.app.state.security.keyring  # type: ignore[attr-defined]


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def owned_home(engine: Engine, client: TestClient, street: str | None = None) -> Any:
    street = street or choose_world(engine).street_s1
    with engine.begin() as c:
        home = rb.free_homes(c, street)[0]
        rb.own(c, kr(client), home.id)
    return home


def body(home: Any, **over: Any) -> dict[str, Any]:
    b = {
        "house_code": home.house_code,
        "title": "南北通透两居室",
        "description": "近地铁",
        "area": str(home.construction_area),
        "bedrooms": 2,
        "living_rooms": 1,
        "floor": home.floor_no,
        "rent_fen": 3_500_00,
        "deposit_fen": 3_500_00,
        "photos": 5,
    }
    return b | over


def draft(client: TestClient, engine: Engine, home: Any, who: str = "landlord", **over: Any) -> int:
    r = client.post(BASE, json=body(home, **over), headers=auth(engine, who))
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def verify(client: TestClient, engine: Engine, lid: int, who: str = "landlord") -> Any:
    return client.post(f"{BASE}/{lid}/verify", headers=auth(engine, who))


def failed_rules(r: Any) -> list[str]:
    return [e["field"] for e in r.json()["errors"]]


def test_a_passing_listing_gets_a_code_every_rule_is_stored_and_it_publishes(
    client: TestClient, city_engine: Engine
) -> None:
    home = owned_home(city_engine, client)
    lid = draft(client, city_engine, home)
    me = auth(city_engine, "landlord")
    assert client.post(f"{BASE}/{lid}/publish", headers=me).status_code == 409  # a draft cannot be published
    r = verify(client, city_engine, lid)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["status"] == "verified" and out["failed"] == []
    assert [x["name"] for x in out["rules"]] == list(domain.LISTING_RULES)
    code = out["verify_code"]
    assert domain.normalise_verify_code(code) == code
    assert client.post(f"{BASE}/{lid}/publish", headers=me).status_code == 200
    got = client.get(f"{BASE}/{lid}", headers=me).json()
    assert got["status"] == "published" and len(got["verification"]) == len(domain.LISTING_RULES)
    with city_engine.connect() as c:
        kinds = list(
            c.execute(select(rental_listing_events.c.kind).where(rental_listing_events.c.listing_id == lid)).scalars()
        )
    assert kinds == ["created", "verified", "published"]
    # the public check shows the facts and nothing personal
    r = client.get(f"/api/v1/rental/public/check/{code.lower()}")
    assert r.status_code == 200, r.text
    facts = r.json()
    assert facts["valid"] and facts["status"] == "published" and facts["rent_fen"] == 3_500_00
    assert facts["street_code"] == home.street_code and facts["estate_name"]
    for secret in ("王房东", rb.LANDLORD_ID, "owner", "lister", "house_code"):
        assert secret not in r.text
    # a wrong check character never matches
    bad = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert client.get(f"/api/v1/rental/public/check/{bad}").status_code == 404
    # withdrawn: the code no longer verifies as valid
    assert client.post(f"{BASE}/{lid}/withdraw", headers=me).status_code == 200
    assert client.get(f"/api/v1/rental/public/check/{code}").json()["valid"] is False


def test_unknown_home_is_refused_with_the_rule_named(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    r = client.post(BASE, json=body(home, house_code="3201020010010000000000X"), headers=auth(city_engine, "landlord"))
    assert r.status_code == 422 and "home_exists" in r.text


@pytest.mark.parametrize(
    "rule",
    [
        "home_residential",
        "room_livable",
        "lister_entitled",
        "party_active",
        "home_unrestricted",
        "unit_not_listed",
        "facts_complete",
        "rent_deposit_limits",
    ],
)
def test_every_rule_fails_on_its_own_with_its_name(client: TestClient, city_engine: Engine, rule: str) -> None:
    w = choose_world(city_engine)
    who = "landlord"
    over: dict[str, Any] = {}
    with city_engine.begin() as c:
        home = rb.free_homes(c, w.street_s1)[0]
        if rule != "lister_entitled":
            if rule == "party_active":
                rb.own(c, kr(client), home.id)  # harmless: the agency is not this person
                pid = rb.party(c, kr(client), w.street_s1, code=rb.AGENCY_CODE, status="suspended")
                c.execute(
                    rt.home_owners.update()
                    .where(rt.home_owners.c.home_id == home.id)
                    .values(owner_kind="org", owner_bidx=kr(client).blind_index(rb.AGENCY_CODE, "credit_code"))
                )
                assert pid
                who = "agency"
            else:
                rb.own(c, kr(client), home.id)
        if rule == "home_residential":
            c.execute(update(rt.homes).where(rt.homes.c.id == home.id).values(status="拆除"))
        if rule == "room_livable":
            rid = c.execute(
                rt.rooms.insert()
                .values(
                    room_code=home.house_code + "-09",
                    home_id=home.id,
                    name="厨房",
                    area=Decimal("6.00"),
                    status="in_use",
                    recorded_at=clock.now(),
                )
                .returning(rt.rooms.c.id)
            ).scalar_one()
            assert rid
            over = {"room_code": home.house_code + "-09", "area": "6.00", "bedrooms": 1}
        if rule == "home_unrestricted":
            c.execute(
                rental_home_flags.insert().values(
                    home_id=home.id,
                    street_code=home.street_code,
                    kind="seized",
                    source="court",
                    reason="法院查封",
                    since=date(2020, 1, 1),
                    recorded_at=clock.now(),
                )
            )
        if rule == "unit_not_listed":
            rb.listing(c, home, status="published")
    if rule == "facts_complete":
        over = {"photos": 2}
    if rule == "rent_deposit_limits":
        over = {"deposit_fen": 3_500_00 * 4}
    lid = draft(client, city_engine, home, who=who, **over)
    r = verify(client, city_engine, lid, who)
    assert r.status_code == (409 if rule == "unit_not_listed" else 422), r.text
    assert failed_rules(r) == [rule]
    with city_engine.connect() as c:
        row = c.execute(select(rental_listings).where(rental_listings.c.id == lid)).one()
    assert row.status == "draft" and row.active is None and row.verify_code is None
    assert rule in (row.verification or "")


def test_a_corrected_draft_verifies(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    lid = draft(client, city_engine, home, photos=1)
    assert verify(client, city_engine, lid).status_code == 422
    r = client.put(f"{BASE}/{lid}", json=body(home), headers=auth(city_engine, "landlord"))
    assert r.status_code == 200, r.text
    assert verify(client, city_engine, lid).json()["status"] == "verified"


def _guidance(engine: Engine, street: str) -> None:
    with engine.begin() as c:
        eid = c.execute(
            rental_guidance_editions.insert()
            .values(
                edition_no="TEST-GUIDE-1",
                period_start=date(2025, 1, 1),
                period_end=date(2025, 12, 31),
                effective_from=date(2026, 1, 1),
                method="{}",
                leases_used=100,
                status="published",
                computed_at=clock.now(),
                published_at=clock.now(),
            )
            .returning(rental_guidance_editions.c.id)
        ).scalar_one()
        for t in domain.HOME_TYPES:
            c.execute(
                rental_guidance_rents.insert().values(
                    edition_id=eid,
                    district_code=street[:6],
                    street_code=street,
                    home_type=t,
                    low_fen_m2=4000,
                    mid_fen_m2=5000,
                    high_fen_m2=6000,
                    leases=50,
                    basis="street",
                )
            )


def test_rent_far_outside_guidance_is_flagged_for_review_then_staff_decide(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    _guidance(city_engine, w.street_s1)
    home = owned_home(city_engine, client, w.street_s1)
    far = int(home.construction_area * 6000 * 3)  # three times the top of the range
    lid = draft(client, city_engine, home, rent_fen=far, deposit_fen=far)
    r = verify(client, city_engine, lid)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "pending_review" and r.json()["flags"] == ["rent_outside_guidance"]
    assert r.json()["failed"] == ["rent_within_guidance"] and r.json()["verify_code"] is None
    me = auth(city_engine, "landlord")
    assert client.post(f"{BASE}/{lid}/publish", headers=me).status_code == 409
    q = client.get(
        "/api/v1/rental/listings",
        params={"status": "pending_review", "flagged": True},
        headers=auth(city_engine, "clerk"),
    )
    assert q.status_code == 200 and lid in [i["id"] for i in q.json()["items"]]
    r = client.post(
        f"/api/v1/rental/listings/{lid}/review", json={"action": "reject"}, headers=auth(city_engine, "clerk")
    )
    assert r.status_code == 422  # a rejection needs a reason
    r = client.post(
        f"/api/v1/rental/listings/{lid}/review",
        json={"action": "approve", "reason": "高档装修"},
        headers=auth(city_engine, "clerk"),
    )
    assert r.status_code == 200 and r.json()["status"] == "verified"
    assert client.post(f"{BASE}/{lid}/publish", headers=me).status_code == 200
    csv_r = client.get("/api/v1/rental/listings.csv", headers=auth(city_engine, "clerk"))
    assert csv_r.status_code == 200 and home.house_code in csv_r.text


def test_out_of_scope_staff_gets_404(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    _guidance(city_engine, w.street_s2)
    home = owned_home(city_engine, client, w.street_s2)  # the clerk's scope is street S1 only
    far = int(home.construction_area * 6000 * 3)
    lid = draft(client, city_engine, home, rent_fen=far, deposit_fen=far)
    assert verify(client, city_engine, lid).json()["status"] == "pending_review"
    r = client.post(
        f"/api/v1/rental/listings/{lid}/review", json={"action": "approve"}, headers=auth(city_engine, "clerk")
    )
    assert r.status_code == 404
    listed = client.get("/api/v1/rental/listings", headers=auth(city_engine, "clerk")).json()["items"]
    assert lid not in [i["id"] for i in listed]
    assert (
        client.post(
            f"/api/v1/rental/listings/{lid}/review", json={"action": "approve"}, headers=auth(city_engine, "district")
        ).status_code
        == 200
    )


def test_the_database_guard_refuses_a_second_active_listing_of_a_unit(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    a = draft(client, city_engine, home)
    b = draft(client, city_engine, home)
    assert verify(client, city_engine, a).status_code == 200
    r = verify(client, city_engine, b)
    assert r.status_code == 409 and failed_rules(r) == ["unit_not_listed"]
    # a verification that raced past the rule check still meets the unique index
    with city_engine.begin() as c, pytest.raises(Conflict):
        listings._take_unit(c, b, {"status": "verified"})
    with city_engine.connect() as c:
        actives = (
            c.execute(
                select(rental_listings.c.id).where(
                    rental_listings.c.unit_key == f"h{home.id}", rental_listings.c.active == 1
                )
            )
            .scalars()
            .all()
        )
    assert actives == [a]


def test_concurrent_verifications_of_one_unit_one_wins(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    ids = [draft(client, city_engine, home) for _ in range(2)]
    codes: list[int] = []
    barrier = threading.Barrier(2)

    me = auth(city_engine, "landlord")  # the token is made before the race (it writes too)

    def run(lid: int) -> None:
        barrier.wait()
        codes.append(client.post(f"{BASE}/{lid}/verify", headers=me).status_code)

    threads = [threading.Thread(target=run, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [200, 409]


def test_expired_codes_read_as_expired_and_the_job_closes_them(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    with city_engine.begin() as c:
        lid = rb.listing(c, home, status="published")
        old = clock.now() - timedelta(days=400)
        c.execute(update(rental_listings).where(rental_listings.c.id == lid).values(verified_at=old))
        code = c.execute(select(rental_listings.c.verify_code).where(rental_listings.c.id == lid)).scalar_one()
        row = c.execute(select(rental_listings).where(rental_listings.c.id == lid)).one()
        assert listings.effective_status(row, 90) == "expired"
        assert listings.expire(c, 90) >= 1
        assert c.execute(select(rental_listings.c.status).where(rental_listings.c.id == lid)).scalar_one() == "expired"
    assert code  # builder codes are not check-digit codes: the public check refuses them outright
    with city_engine.begin() as c, pytest.raises(ValidationError):
        listings.listing_for_lease(c, lid)


def test_mark_leased_closes_and_revokes(client: TestClient, city_engine: Engine) -> None:
    home = owned_home(city_engine, client)
    lid = draft(client, city_engine, home)
    code = verify(client, city_engine, lid).json()["verify_code"]
    with city_engine.begin() as c:
        assert listings.listing_for_lease(c, lid).id == lid
        listings.mark_leased(c, lid, 1)
        row = c.execute(select(rental_listings).where(rental_listings.c.id == lid)).one()
    assert row.status == "leased" and row.active is None and row.closed_at is not None
    assert client.get(f"/api/v1/rental/public/check/{code}").json()["valid"] is False


def test_search_filters_sorts_paginates_in_a_fixed_number_of_queries(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        homes = rb.free_homes(c, w.street_s1, 5)
        for i, h in enumerate(homes):
            b = c.execute(
                select(rt.buildings.c.centroid_lon, rt.buildings.c.centroid_lat).where(
                    rt.buildings.c.id == h.building_id
                )
            ).one()
            lid = rb.listing(c, h, status="published", rent_fen=2_000_00 + i * 1_000_00, bedrooms=1 + i % 3)
            c.execute(update(rental_listings).where(rental_listings.c.id == lid).values(lon=b[0], lat=b[1]))
        rb.listing(c, rb.free_homes(c, w.street_s2)[0], status="verified")  # not published: never found
    url = "/api/v1/rental/public/listings"
    r = client.get(url, params={"street": w.street_s1, "page_size": 2, "sort": "rent_asc"})
    assert r.status_code == 200, r.text
    page1 = r.json()
    assert page1["total"] >= 5 and len(page1["items"]) == 2
    rents = [i["rent_fen"] for i in page1["items"]]
    assert rents == sorted(rents)
    page2 = client.get(url, params={"street": w.street_s1, "page_size": 2, "page": 2, "sort": "rent_asc"}).json()
    assert {i["id"] for i in page2["items"]}.isdisjoint({i["id"] for i in page1["items"]})
    r = client.get(url, params={"street": w.street_s1, "rent_min": 3_000_00, "rent_max": 4_000_00})
    assert {i["rent_fen"] for i in r.json()["items"]} <= {3_000_00, 4_000_00} and r.json()["items"]
    r = client.get(url, params={"street": w.street_s1, "bedrooms": 2})
    assert r.json()["items"] and {i["bedrooms"] for i in r.json()["items"]} == {2}
    r = client.get(url, params={"near": homes[0].house_code, "sort": "nearest", "radius_m": 5000})
    assert r.status_code == 200, r.text
    dists = [i["distance_m"] for i in r.json()["items"]]
    assert dists and dists == sorted(dists)
    assert client.get(url, params={"near": "没有这个地方xyz"}).status_code == 422
    for item in page1["items"]:
        assert "owner" not in item and "house_code" not in item
    # the number of statements of one search does not grow with the page
    engine = client.app.state.engine  # type: ignore[attr-defined]
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(url, params={"district": w.district_a, "page_size": 50})
    finally:
        event.remove(engine, "before_cursor_execute", record)
    selects = [s for s in seen if "rental_listings" in s]
    # the capped count, the page's ids, the page's rows (names are one more, outside the listings table)
    assert len(selects) == 3, selects


def test_the_search_count_stops_at_its_cap(client: TestClient, city_engine: Engine, monkeypatch: Any) -> None:
    from anju.rental import listing_queries

    w = choose_world(city_engine)
    with city_engine.begin() as c:
        for h in rb.free_homes(c, w.street_s1, 3):
            rb.listing(c, h, status="published")
    r = client.get("/api/v1/rental/public/listings")
    full = r.json()["total"]
    assert full >= 3 and r.json()["total_capped"] is False
    monkeypatch.setattr(listing_queries, "COUNT_CAP", 2)
    r = client.get("/api/v1/rental/public/listings", params={"page_size": 50})
    body = r.json()
    assert body["total"] == 2 and body["total_capped"] is True
    assert len(body["items"]) == min(full, 50)  # the page itself is not capped
    page = client.get("/rental/listings")
    assert "超过 2 套" in page.text
