"""Resale (存量房) through its pages, both databases: the agency lists and verifies a home, publishes it
and drafts a contract on the listing's page; the seller and the buyer sign after a confirmation page;
the agency files; the officer sees the contract masked, exports it as CSV and cancels it with a reason;
the public check page and the agency page of an account that works for no agency."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select

from anju.app import create_app
from anju.rental import rental_parties
from anju.security import keyring_from_settings
from anju.transactions import resale_listings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world, web_session
from tests.rental_builders import AGENCY_CODE, LANDLORD_ID

LANDLORD_NAME = "王房东"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        rb.party(conn, kr, w.street_s1, kind="agency", code=AGENCY_CODE)
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        rb.own(conn, kr, int(home.id))
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "code": home.house_code}
    app.state.engine.dispose()


def session(env: dict[str, Any], who: str) -> tuple[TestClient, str]:
    token, csrf = web_session(env["engine"], who)
    return TestClient(env["client"].app, follow_redirects=False, cookies={"anju_session": token}), csrf


def test_a_resale_from_listing_to_cancellation_through_the_pages(env: dict[str, Any]) -> None:
    agency, csrf = session(env, "agency")
    assert agency.get("/transactions/resale/agency").status_code == 200
    form = {
        "csrf_token": csrf, "house_code": env["code"], "owner_name": LANDLORD_NAME, "owner_id_number": LANDLORD_ID,
        "title": "朝南两房", "description": "", "asking_price": "abc",
    }  # fmt: skip
    r = agency.post("/transactions/resale/agency/listings", data=form)
    assert r.status_code == 422 and 'class="error"' in r.text
    assert LANDLORD_ID not in r.text  # the owner's ID is not echoed back
    r = agency.post("/transactions/resale/agency/listings", data=form | {"asking_price": "2,800,000"})
    assert r.status_code == 303, r.text
    page = agency.get(r.headers["location"])
    assert page.status_code == 200 and "委托人是登记的现产权人" in page.text and "✗" not in page.text
    with env["engine"].connect() as c:
        listing = c.execute(select(resale_listings)).one()
    assert listing.asking_price_fen == 2_800_000_00 and listing.verify_code in page.text
    r = agency.post(f"/transactions/resale/agency/listings/{listing.id}/publish", data={"csrf_token": csrf})
    assert r.status_code == 303
    public = env["client"].get("/transactions/resale", params={"price_min": "200", "price_max": "300"})
    assert "朝南两房" in public.text and LANDLORD_NAME not in public.text
    assert "朝南两房" not in env["client"].get("/transactions/resale", params={"price_min": "300"}).text
    check = env["client"].get("/transactions/resale/check", params={"code": listing.verify_code})
    assert check.status_code == 200 and "有效" in check.text and LANDLORD_NAME not in check.text
    # the contract on the listing's page: a wrong buyer is shown beside the field, nothing written
    terms = {
        "csrf_token": csrf, "listing_id": str(listing.id), "seller_name": LANDLORD_NAME,
        "seller_id_number": LANDLORD_ID, "buyer_name": CITIZEN_NAME, "buyer_id_number": CITIZEN_ID,
        "buyer_hukou": "local", "buyer_social_insurance_months": "0", "total_price": "2800000",
        "payment_method": "full", "down_payment": "2800000", "loan": "",
    }  # fmt: skip
    r = agency.post("/transactions/resale/agency/contracts", data=terms | {"buyer_name": "郑别人"})
    assert r.status_code == 422 and "买受人姓名与实名认证的姓名不一致" in r.text and CITIZEN_ID not in r.text
    r = agency.post("/transactions/resale/agency/contracts", data=terms)
    assert r.status_code == 303, r.text
    home = agency.get(r.headers["location"]).text
    assert "合同已起草" in home and CITIZEN_NAME not in home  # the agency sees the parties masked
    # the seller and the buyer: a confirmation page with the whole contract, then the signature
    names = {"seller": LANDLORD_NAME, "buyer": CITIZEN_NAME}
    for who, side in (("landlord", "seller"), ("citizen", "buyer")):
        party, pcsrf = session(env, who)
        assert "<span>待我签署的存量房合同</span><b>1</b>" in party.get("/").text  # the workbench counts it
        mine = party.get("/transactions/resale/me")
        assert mine.status_code == 200 and f"side={side}" in mine.text
        cid = int(mine.text.split("/transactions/resale/me/contracts/")[1].split("/")[0])
        confirm = party.get(f"/transactions/resale/me/contracts/{cid}/sign", params={"side": side})
        assert confirm.status_code == 200 and "确认合同内容并签署" in confirm.text
        # the party's own name in full, the other party's masked
        other = names["buyer" if side == "seller" else "seller"]
        assert names[side] in confirm.text and other not in confirm.text
        r = party.post(f"/transactions/resale/me/contracts/{cid}/sign", data={"csrf_token": pcsrf, "side": side})
        assert r.status_code == 303, r.text
    r = agency.get(f"/transactions/resale/agency/contracts/{cid}/file")
    assert r.status_code == 200 and "确认备案" in r.text
    assert (
        agency.post(f"/transactions/resale/agency/contracts/{cid}/file", data={"csrf_token": csrf}).status_code == 303
    )
    # the officer: masked list and CSV, the cancellation confirmed with a reason
    staff, scsrf = session(env, "district")
    listed = staff.get("/transactions/staff/resale", params={"status": "filed"})
    assert listed.status_code == 200 and env["code"] in listed.text
    assert CITIZEN_NAME not in listed.text and LANDLORD_NAME not in listed.text
    rows = list(csv.DictReader(io.StringIO(staff.get("/transactions/staff/resale.csv").content.decode("utf-8-sig"))))
    assert [r["house_code"] for r in rows] == [env["code"]] and rows[0]["filing_no"].startswith("CS")
    assert rows[0]["buyer_id_number"] != CITIZEN_ID and rows[0]["seller_name"] != LANDLORD_NAME
    assert "撤销合同" in staff.get(f"/transactions/staff/resale/{cid}").text
    r = staff.post(f"/transactions/staff/resale/{cid}/cancel", data={"csrf_token": scsrf, "reason": ""})
    assert r.status_code == 422 and "须填写撤销原因" in r.text
    r = staff.post(f"/transactions/staff/resale/{cid}/cancel", data={"csrf_token": scsrf, "reason": "买受人违约"})
    assert r.status_code == 303 and "已撤销" in staff.get(r.headers["location"]).text
    # a clerk reads the contract, without the cancellation
    clerk, _ = session(env, "clerk")
    assert "/cancel" not in clerk.get(f"/transactions/staff/resale/{cid}").text


def test_an_account_of_no_agency_is_told_so_and_a_bad_code_is_not_found(
    env: dict[str, Any], city_engine: Engine
) -> None:
    with city_engine.begin() as c:
        c.execute(delete(rental_parties).where(rental_parties.c.credit_code == AGENCY_CODE))
    agency, _ = session(env, "agency")
    r = agency.get("/transactions/resale/agency")
    assert r.status_code == 200 and "不是已备案的房地产经纪机构" in r.text
    assert env["client"].get("/transactions/resale/check", params={"code": "ABCDEFGHJKM"}).status_code == 404
