"""Listings as pages (issue 25): a landlord drafts, corrects, verifies (every rule shown), publishes,
prints and withdraws (after a confirmation) a listing; staff review a flagged one; bad input is shown
beside its field with nothing written; on both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju.app import create_app
from anju.rental.tables import rental_listing_events, rental_listings
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import choose_world
from tests.integration.test_rental_listings import _guidance
from tests.integration.test_rental_pages import Pages


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        homes = rb.free_homes(conn, w.street_s1, 2)
        for h in homes:
            rb.own(conn, kr, h.id)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False, headers={"accept": "text/html"}) as client:
        yield {"pages": Pages(client, city_engine), "homes": homes, "engine": city_engine, "world": w}
    app.state.engine.dispose()


def form(home: Any, **over: str) -> dict[str, str]:
    f = {
        "house_code": home.house_code, "title": "南北通透两居室", "description": "近地铁",
        "area": str(home.construction_area), "bedrooms": "2", "living_rooms": "1",
        "floor": str(home.floor_no or 1), "rent_yuan": "3,500", "deposit_yuan": "3500", "photos": "5",
    }  # fmt: skip
    return f | over


def status(engine: Engine, lid: int) -> str:
    with engine.connect() as c:
        return str(c.execute(select(rental_listings.c.status).where(rental_listings.c.id == lid)).scalar_one())


def listings_count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(rental_listings)).scalar_one())


def test_a_landlord_runs_a_listing_from_draft_to_withdrawal_on_pages(env: dict[str, Any]) -> None:
    p, home, eng = env["pages"].as_("landlord"), env["homes"][0], env["engine"]
    mine = p.get("/rental/me/listings")
    assert mine.status_code == 200 and 'href="/rental/me/listings/new"' in mine.text and "/api/v1" not in mine.text
    assert p.get("/rental/me/listings/new").status_code == 200
    # bad input: every problem beside its field, nothing written
    before = listings_count(eng)
    bad = p.post("/rental/me/listings/new", form(home, title="", rent_yuan="三千", floor="二楼"))
    assert bad.status_code == 422
    assert 'id="err-rent_yuan"' in bad.text and 'id="err-floor"' in bad.text and "金额应为" in bad.text
    assert listings_count(eng) == before
    refused = p.post("/rental/me/listings/new", form(home, title=""))
    assert refused.status_code == 422 and 'id="err-title"' in refused.text and listings_count(eng) == before
    # a draft, corrected, then verified
    made = p.post("/rental/me/listings/new", form(home, photos="1"))
    assert made.status_code == 303
    m = re.fullmatch(r"/rental/me/listings/(\d+)\?done=created", made.headers["location"])
    assert m is not None
    lid = int(m.group(1))
    page = p.get(f"/rental/me/listings/{lid}?done=created").text
    assert "房源已保存为草稿" in page and f'action="/rental/me/listings/{lid}/verify"' in page
    failed = p.post(f"/rental/me/listings/{lid}/verify")
    assert failed.headers["location"] == f"/rental/me/listings/{lid}?done=failed"
    page = p.get(failed.headers["location"]).text
    assert "核验未通过" in page and "<b>未通过</b>" in page and "必填信息齐全" in page
    edit = p.get(f"/rental/me/listings/{lid}/edit").text
    assert 'value="1"' in edit and 'value="3500.00"' in edit  # the stored values, rent in yuan
    assert p.post(f"/rental/me/listings/{lid}/edit", form(home, photos="6")).status_code == 303
    ok = p.post(f"/rental/me/listings/{lid}/verify")
    assert ok.headers["location"] == f"/rental/me/listings/{lid}?done=verified"
    page = p.get(ok.headers["location"]).text
    with eng.connect() as c:
        code = c.execute(select(rental_listings.c.verify_code).where(rental_listings.c.id == lid)).scalar_one()
    assert code and code in page and f"/rental/check/{code}/qr.svg" in page
    # a verified listing is not edited any more
    assert p.get(f"/rental/me/listings/{lid}/edit").status_code == 409
    # publish, print, withdraw after a confirmation
    assert p.post(f"/rental/me/listings/{lid}/publish").headers["location"].endswith("done=published")
    assert p.get(f"/rental/check/{code}").status_code == 200
    printed = p.get(f"/rental/me/listings/{lid}/print").text
    assert code in printed and "data-print" in printed
    confirm = p.get(f"/rental/me/listings/{lid}/withdraw").text
    assert "确认下架" in confirm and "不能撤销" in confirm
    assert status(eng, lid) == "published"
    assert p.post(f"/rental/me/listings/{lid}/withdraw").headers["location"].endswith("done=withdrawn")
    assert status(eng, lid) == "withdrawn"
    with eng.connect() as c:
        kinds = [k for (k,) in c.execute(
            select(rental_listing_events.c.kind).where(rental_listing_events.c.listing_id == lid)
            .order_by(rental_listing_events.c.id)
        )]  # fmt: skip
    assert kinds[-2:] == ["published", "withdrawn"]
    # publishing again is refused on the page, in Chinese
    again = p.post(f"/rental/me/listings/{lid}/publish")
    assert again.status_code == 409 and "只有已核验且核验码有效的房源可以发布" in again.text


def test_staff_review_a_flagged_listing_on_its_page(env: dict[str, Any]) -> None:
    p, home, eng, w = env["pages"], env["homes"][1], env["engine"], env["world"]
    _guidance(eng, w.street_s1)
    far = int(home.construction_area * 6000 * 3) // 100  # yuan: three times the top of the range
    p.as_("landlord")
    made = p.post("/rental/me/listings/new", form(home, rent_yuan=str(far), deposit_yuan=str(far)))
    lid = int(made.headers["location"].split("/")[-1].split("?")[0])
    assert p.post(f"/rental/me/listings/{lid}/verify").headers["location"].endswith("done=flagged")
    p.as_("clerk")
    queue = p.get("/rental/staff/listings", params={"status": "pending_review"}).text
    assert f'href="/rental/staff/listings/{lid}"' in queue
    page = p.get(f"/rental/staff/listings/{lid}").text
    assert "租金明显偏离指导价格" in page and 'value="reject"' in page
    # a rejection needs a reason: shown at the field, nothing changes
    no_reason = p.post(f"/rental/staff/listings/{lid}/review", {"action": "reject", "reason": ""})
    assert no_reason.status_code == 422 and 'id="err-reason"' in no_reason.text
    assert "驳回须说明理由" in no_reason.text
    assert status(eng, lid) == "pending_review"
    approved = p.post(f"/rental/staff/listings/{lid}/review", {"action": "approve", "reason": "租金经核实"})
    assert approved.headers["location"] == f"/rental/staff/listings/{lid}?done=approved"
    with eng.connect() as c:
        row = c.execute(
            select(rental_listings.c.status, rental_listings.c.verify_code).where(rental_listings.c.id == lid)
        ).one()
    assert row.status == "verified" and row.verify_code
    # the landlord's role cannot open the staff page
    assert p.as_("landlord").get(f"/rental/staff/listings/{lid}").status_code == 403


def test_a_clerk_records_and_lifts_a_home_flag_on_pages_and_it_stops_verification(env: dict[str, Any]) -> None:
    p, home = env["pages"], env["homes"][0]
    p.as_("clerk")
    assert "没有符合条件的房屋限制" in p.get("/rental/flags").text
    bad = p.post("/rental/flags/new", {"house_code": home.house_code, "kind": "seized", "source": "court",
                                       "reason": "", "since": "2026-13-01"})  # fmt: skip
    assert bad.status_code == 422 and 'id="err-reason"' in bad.text and 'id="err-since"' in bad.text
    unknown = p.post("/rental/flags/new", {"house_code": "320102000000000000", "kind": "seized", "source": "court",
                                           "reason": "（2026）苏0102执1号"})  # fmt: skip
    assert unknown.status_code == 422 and 'id="err-house_code"' in unknown.text and "没有这个房屋代码" in unknown.text
    made = p.post("/rental/flags/new", {"house_code": home.house_code, "kind": "seized", "source": "court",
                                        "reason": "（2026）苏0102执1号"})  # fmt: skip
    assert made.headers["location"] == "/rental/flags?done=recorded"
    listed = p.get("/rental/flags?done=recorded").text
    assert home.house_code in listed and "查封" in listed and "<b>在效</b>" in listed
    fid = int(re.search(r"/rental/flags/(\d+)/lift", listed).group(1))  # type: ignore[union-attr]
    # the landlord's listing of that home now fails its restriction rule
    p.as_("landlord")
    lid = int(p.post("/rental/me/listings/new", form(home)).headers["location"].split("/")[-1].split("?")[0])
    assert p.post(f"/rental/me/listings/{lid}/verify").headers["location"].endswith("done=failed")
    assert "房屋无查封、危房等限制" in p.get(f"/rental/me/listings/{lid}").text
    # lifted after a confirmation; lifting twice is refused
    p.as_("clerk")
    assert "确认解除" in p.get(f"/rental/flags/{fid}/lift").text
    assert p.post(f"/rental/flags/{fid}/lift").headers["location"] == "/rental/flags?done=lifted"
    twice = p.post(f"/rental/flags/{fid}/lift")
    assert twice.status_code == 409 and "该限制已解除" in twice.text
    p.as_("landlord")
    assert p.post(f"/rental/me/listings/{lid}/verify").headers["location"].endswith("done=verified")
    assert p.as_("citizen").get("/rental/flags").status_code == 403
