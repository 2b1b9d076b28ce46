"""Existing-home resale (存量房, issue 18) over HTTP, on both databases: listings by filed agencies verified
rule by rule against the register (the rules rental listings share), codes the public checker accepts,
one active listing per home, contracts from draft to filing with their refusals, signatures by the right
parties only, the purchase-eligibility data, cancellation, and the registration feed completing a filed
contract — after which the seller can no longer list the home and the buyer can."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError

from anju import rental
from anju.app import create_app
from anju.core import clock
from anju.registry import Restriction, homes, register_restriction_source
from anju.registry.feeds import load_registrations, load_restrictions
from anju.rental import rental_parties
from anju.security import audit_log, keyring_from_settings
from anju.transactions import resale_contracts, resale_domain, resale_funds, resale_listings
from tests import rental_builders as rb
from tests import tx_figures as txf
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world
from tests.rental_builders import AGENCY_CODE, LANDLORD_ID
from tests.tx_builders import auth

API = "/api/v1/transactions/resale"
LANDLORD_NAME = "王房东"
PRICE = 3_000_000_00  # 3,000,000 yuan
HEADER = ["record_id", "kind", "corrects", "certificate_no", "house_code", "registered_on",
          "owner_kind", "owner_id", "owner_name", "share_pct"]  # fmt: skip


@pytest.fixture
def env(city_engine: Engine, settings_for: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        party = rb.party(conn, kr, w.street_s1, kind="agency", code=AGENCY_CODE)
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        rb.own(conn, kr, int(home.id))  # the seeded landlord owns it
    with TestClient(app, follow_redirects=False) as client:
        yield {
            "engine": city_engine, "client": client, "kr": kr, "dir": tmp_path, "world": w, "party": party,
            "home": int(home.id), "code": home.house_code,
        }  # fmt: skip
    app.state.engine.dispose()


@pytest.fixture
def restricted() -> Iterator[set[int]]:
    """Homes put in this set are seized (查封) by a test restriction source."""
    seized: set[int] = set()

    def source(conn: Any, ids: Any, on: Any) -> dict[int, list[Restriction]]:
        return {h: [Restriction("seized", "court", "（2026）苏0102执456号")] for h in ids if h in seized}

    register_restriction_source("test_resale_court", source)
    yield seized
    register_restriction_source("test_resale_court", lambda conn, ids, on: {})


def listing_body(code: str, **over: Any) -> dict[str, Any]:
    body = {
        "house_code": code,
        "owner_name": LANDLORD_NAME,
        "owner_id_number": LANDLORD_ID,
        "title": "南向三房 满五唯一",
        "description": "近地铁",
        "asking_price_fen": PRICE,
    }
    return body | over


def contract_body(listing_id: int, **over: Any) -> dict[str, Any]:
    body = {
        "listing_id": listing_id,
        "seller_name": LANDLORD_NAME,
        "seller_id_number": LANDLORD_ID,
        "buyer_name": CITIZEN_NAME,
        "buyer_id_number": CITIZEN_ID,
        "total_price_fen": PRICE,
        "payment_method": "commercial_loan",
        "down_payment_fen": PRICE * 4 // 10,
        "loan_fen": PRICE * 6 // 10,
    }
    return body | over


def rules(answer: dict[str, Any]) -> dict[str, bool]:
    return {r["name"]: r["passed"] for r in answer["rules"]}


def verified_listing(env: dict[str, Any], **over: Any) -> dict[str, Any]:
    r = env["client"].post(
        f"{API}/listings", json=listing_body(env["code"], **over), headers=auth(env["engine"], "agency")
    )
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "verified", r.json()
    return dict(r.json())


def signed_contract(env: dict[str, Any]) -> dict[str, Any]:
    client, eng = env["client"], env["engine"]
    listing = verified_listing(env)
    r = client.post(f"{API}/contracts", json=contract_body(listing["id"]), headers=auth(eng, "agency"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    for side, who in (("seller", "landlord"), ("buyer", "citizen")):
        r = client.post(f"{API}/me/contracts/{cid}/{side}-signature", headers=auth(eng, who))
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "signed" and r.json()["signed_on"] == clock.today().isoformat()
    return dict(r.json())


def load(env: dict[str, Any], name: str, rows: list[list[str]]) -> None:
    path: Path = env["dir"] / name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    result = load_registrations(env["engine"], path, env["kr"])
    assert result.status == "loaded", result


def transfer(rid: str, code: str, owner: tuple[str, str]) -> list[str]:
    cert = f"苏(2026)南京市不动产权第{rid}号"
    return [rid, "transfer", "", cert, code, date.today().isoformat(), "person", *owner, "100"]


# ------------------------------------------------------------------------------------------ listings


def test_a_verified_listing_gets_a_code_the_public_checker_accepts_and_is_published(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    out = verified_listing(env)
    assert set(rules(out)) == set(resale_domain.LISTING_RULES) and all(rules(out).values())
    code = out["verify_code"]
    assert rental.domain.normalise_verify_code(code) == code  # the rental listings' format and check
    broken = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert client.get(f"{API}/public/check", params={"code": broken}).status_code == 404
    check = client.get(f"{API}/public/check", params={"code": code.lower()})
    assert check.status_code == 200 and check.json()["valid"] is True
    # not public before publication; then on the public list, filtered, with no personal data
    assert client.get(f"{API}/public/listings").json()["total"] == 0
    r = client.post(f"{API}/listings/{out['id']}/publication", headers=auth(eng, "agency"))
    assert r.status_code == 200 and r.json()["status"] == "published"
    w = env["world"]
    listed = client.get(f"{API}/public/listings", params={"district": w.district_a, "price_max_fen": PRICE})
    assert [x["id"] for x in listed.json()["items"]] == [out["id"]]
    assert listed.json()["items"][0]["unit_price_fen"] > 0
    assert client.get(f"{API}/public/listings", params={"district": w.district_b}).json()["total"] == 0
    assert client.get(f"{API}/public/listings", params={"price_min_fen": PRICE + 1}).json()["total"] == 0
    page = client.get("/transactions/resale")
    assert page.status_code == 200 and "南向三房" in page.text
    for secret in (LANDLORD_NAME, LANDLORD_ID, env["code"]):
        assert secret not in listed.text and secret not in page.text and secret not in check.text
    # withdrawn: off the list, the code no longer valid
    r = client.post(f"{API}/listings/{out['id']}/withdrawal", headers=auth(eng, "agency"))
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    assert client.get(f"{API}/public/check", params={"code": code}).json()["valid"] is False
    assert client.get(f"{API}/public/listings").json()["total"] == 0


def test_verification_records_each_rule_and_fails_on_owner_restriction_and_agency(
    env: dict[str, Any], restricted: set[int]
) -> None:
    client, eng = env["client"], env["engine"]
    agency = auth(eng, "agency")
    # the owner's name differs from the register's: the verified number alone is not enough
    r = client.post(f"{API}/listings", json=listing_body(env["code"], owner_name="王别人"), headers=agency)
    assert r.status_code == 201 and r.json()["status"] == "draft" and r.json()["verify_code"] is None
    assert r.json()["failed"] == ["owner_registered"]
    draft_id = r.json()["id"]
    # someone else's ID number
    r = client.post(f"{API}/listings", json=listing_body(env["code"], owner_id_number=CITIZEN_ID), headers=agency)
    assert r.json()["failed"] == ["owner_registered"]
    # a seizure
    restricted.add(env["home"])
    r = client.post(f"{API}/listings", json=listing_body(env["code"]), headers=agency)
    assert r.json()["failed"] == ["home_unrestricted"]
    assert "查封" in next(x["reason"] for x in r.json()["rules"] if x["name"] == "home_unrestricted")
    restricted.clear()
    # a suspended agency
    with eng.begin() as c:
        c.execute(update(rental_parties).where(rental_parties.c.id == env["party"]).values(status="suspended"))
    # a suspended agency is refused before any verification (it learns nothing about the home)
    before = client.get(f"{API}/listings/{draft_id}", headers=agency).json()
    r = client.post(f"{API}/listings", json=listing_body(env["code"]), headers=agency)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account" and "已暂停" in r.text
    owner = {"owner_name": LANDLORD_NAME, "owner_id_number": LANDLORD_ID}
    r = client.post(f"{API}/listings/{draft_id}/verification", json=owner, headers=agency)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account"
    assert client.get(f"{API}/listings/{draft_id}", headers=agency).json() == before
    with eng.begin() as c:
        c.execute(update(rental_parties).where(rental_parties.c.id == env["party"]).values(status="filed"))
    # the draft is verified again with the right owner; each result is stored and shown
    r = client.post(
        f"{API}/listings/{draft_id}/verification",
        json={"owner_name": LANDLORD_NAME, "owner_id_number": LANDLORD_ID},
        headers=agency,
    )
    assert r.status_code == 200 and r.json()["status"] == "verified", r.text
    shown = client.get(f"{API}/listings/{draft_id}", headers=agency).json()
    assert all(x["passed"] for x in shown["verification"]) and shown["verify_code"] == r.json()["verify_code"]
    # a bad field is refused before anything is written
    r = client.post(f"{API}/listings", json=listing_body(env["code"], owner_id_number="1234"), headers=agency)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "owner_id_number"
    r = client.post(f"{API}/listings", json=listing_body("NOSUCHHOUSE"), headers=agency)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "house_code"


def test_one_active_listing_per_home_by_rule_and_by_the_database(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    first = verified_listing(env)
    r = client.post(f"{API}/listings", json=listing_body(env["code"]), headers=auth(eng, "agency"))
    assert r.json()["status"] == "draft" and r.json()["failed"] == ["home_not_listed"]
    with eng.begin() as c:
        row = c.execute(select(resale_listings).where(resale_listings.c.id == first["id"])).one()._asdict()
    row.pop("id")
    with pytest.raises(IntegrityError), eng.begin() as c:
        c.execute(resale_listings.insert().values(row | {"listing_no": "CF2612060000000001", "verify_code": None}))


# ----------------------------------------------------------------------------------------- contracts


def test_contract_refusals_name_the_field_and_write_nothing(env: dict[str, Any], restricted: set[int]) -> None:
    client, eng = env["client"], env["engine"]
    agency = auth(eng, "agency")
    listing = verified_listing(env)

    def refused(status: int, field: str, **over: Any) -> None:
        r = client.post(f"{API}/contracts", json=contract_body(listing["id"], **over), headers=agency)
        assert r.status_code == status, r.text
        assert field in {e["field"] for e in r.json()["errors"]}, r.json()

    refused(422, "buyer_id_number", buyer_id_number=rb.resident_id(8801))  # no verified account
    refused(422, "buyer_name", buyer_name="郑别人")
    refused(422, "seller_id_number", seller_id_number=CITIZEN_ID, seller_name=CITIZEN_NAME)  # not the owner
    refused(422, "down_payment_fen", down_payment_fen=1)
    refused(422, "loan_fen", payment_method="full", down_payment_fen=PRICE * 4 // 10)
    refused(422, "buyer_id_number", buyer_id_number=LANDLORD_ID, buyer_name=LANDLORD_NAME)  # buys from himself
    restricted.add(env["home"])
    refused(409, "home_id")
    restricted.clear()
    with eng.connect() as c:
        assert c.execute(select(resale_contracts.c.id)).first() is None
    r = client.post(f"{API}/contracts", json=contract_body(listing["id"]), headers=agency)
    assert r.status_code == 201 and r.json()["status"] == "draft"
    assert r.json()["buyer_name"] != CITIZEN_NAME and r.json()["area"]  # masked for the agency; area from register
    refused(409, "home_id")  # one contract in progress per home


def test_signatures_by_the_right_parties_filing_and_the_fund_hook(
    env: dict[str, Any], restricted: set[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, eng = env["client"], env["engine"]
    calls: list[str] = []
    monkeypatch.setattr(resale_funds, "on_filed", lambda conn, row: calls.append(f"filed:{row.id}"))
    listing = verified_listing(env)
    cid = client.post(f"{API}/contracts", json=contract_body(listing["id"]), headers=auth(eng, "agency")).json()["id"]
    # the agency's staff is neither party; the buyer cannot sign for the seller, nor the seller for the buyer
    assert client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "agency")).status_code == 404
    assert client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "citizen")).status_code == 404
    assert client.post(f"{API}/me/contracts/{cid}/buyer-signature", headers=auth(eng, "landlord")).status_code == 404
    # a seizure refuses a signature
    restricted.add(env["home"])
    r = client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "landlord"))
    assert r.status_code == 409 and "查封" in r.text
    restricted.clear()
    r = client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "landlord"))
    assert r.status_code == 200 and r.json()["status"] == "draft" and r.json()["seller_name"] == LANDLORD_NAME
    assert client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "landlord")).status_code == 409
    assert client.post(f"{API}/contracts/{cid}/filing", headers=auth(eng, "agency")).status_code == 409  # unsigned
    r = client.post(f"{API}/me/contracts/{cid}/buyer-signature", headers=auth(eng, "citizen"))
    assert r.status_code == 200 and r.json()["status"] == "signed"
    mine = client.get(f"{API}/me/contracts", headers=auth(eng, "citizen")).json()
    assert [(c["id"], c["buyer_id_number"]) for c in mine] == [(cid, CITIZEN_ID)]
    # each party sees its own side in full, the other masked; the buyer's eligibility is the buyer's only
    buyer_view = mine[0]
    seller_view = client.get(f"{API}/me/contracts", headers=auth(eng, "landlord")).json()[0]
    agency_view = client.get(f"{API}/agency/contracts", headers=auth(eng, "agency")).json()["items"][0]
    assert (buyer_view["buyer_name"], buyer_view["buyer_id_number"]) == (CITIZEN_NAME, CITIZEN_ID)
    assert buyer_view["seller_id_number"] != LANDLORD_ID and LANDLORD_ID not in str(mine)
    assert buyer_view["seller_name"] != LANDLORD_NAME and buyer_view["eligibility"]
    assert (seller_view["seller_name"], seller_view["seller_id_number"]) == (LANDLORD_NAME, LANDLORD_ID)
    assert seller_view["buyer_id_number"] != CITIZEN_ID and seller_view["buyer_name"] != CITIZEN_NAME
    for view in (seller_view, agency_view):
        assert view["eligibility"] == [] and view["eligibility_policy"] is None
    assert agency_view["buyer_id_number"] != CITIZEN_ID and agency_view["seller_id_number"] != LANDLORD_ID
    # the seller cannot file an agency's contract; the agency does
    assert client.post(f"{API}/me/contracts/{cid}/filing", headers=auth(eng, "landlord")).status_code == 409
    r = client.post(f"{API}/contracts/{cid}/filing", headers=auth(eng, "agency"))
    assert r.status_code == 200 and r.json()["status"] == "filed"
    number = r.json()["filing_no"]
    assert number.startswith("CS") and resale_domain.valid_filing_number(number)
    assert not resale_domain.valid_filing_number(number[:-1] + str((int(number[-1]) + 1) % 10))
    assert calls == [f"filed:{cid}"]
    listed = client.get(f"{API}/listings/{listing['id']}", headers=auth(eng, "agency")).json()
    assert listed["status"] == "sold"
    assert client.get(f"{API}/public/check", params={"code": listing["verify_code"]}).json()["valid"] is False
    with eng.connect() as c:
        actions = [a for (a,) in c.execute(select(audit_log.c.action).where(audit_log.c.entity == "resale_contract"))]
    assert actions.count("transactions.resale_sign_contract") == 2 and "transactions.resale_file_contract" in actions


def test_eligibility_policy_data_decides_at_signature_and_may_exempt_resale(
    env: dict[str, Any], settings_for: Any, tmp_path: Path
) -> None:
    eng = env["engine"]
    district = env["world"].district_a

    def policy(applies: str) -> Path:
        n = len(applies)
        p = tmp_path / f"limits-{n}.toml"
        p.write_text(
            f'[[edition]]\ncode = "test-{n}"\nname = "测试限购"\neffective_from = 2020-01-01\n'
            f'limited_districts = ["{district}"]\nlocal_max_owned = 1\nnonlocal_max_owned = 0\n'
            f"nonlocal_min_social_insurance_months = 24\napplies_to = {applies}\n",
            encoding="utf-8",
        )
        return p

    listing = verified_listing(env)
    body = contract_body(listing["id"], buyer_hukou="nonlocal", buyer_social_insurance_months=12)
    for applies, ok in (('["new"]', True), ('["new", "resale"]', False)):
        app = create_app(settings_for(eng, transactions_purchase_limits=str(policy(applies))))
        with TestClient(app) as client:
            cid = client.post(f"{API}/contracts", json=body, headers=auth(eng, "agency")).json()["id"]
            r = client.post(f"{API}/me/contracts/{cid}/buyer-signature", headers=auth(eng, "citizen"))
            if ok:
                assert r.status_code == 200, r.text
            else:
                assert r.status_code == 422 and r.json()["errors"][0]["field"] == "buyer"
                assert "不足 24 个月" in r.text
                # the seller is told the buyer may not buy, not why (no counts, no months)
                r = client.post(f"{API}/me/contracts/{cid}/seller-signature", headers=auth(eng, "landlord"))
                assert r.status_code == 422 and r.json()["errors"][0]["field"] == "buyer"
                assert "不符合购房条件" in r.text and not any(ch.isdigit() for ch in r.json()["message"])
            city = auth(eng, "city")
            assert (
                client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": "重签"}, headers=city).status_code
                == 204
            )
        app.state.engine.dispose()


def test_a_private_sale_is_drafted_signed_and_filed_by_the_parties_and_cancelled_by_the_bureau(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, eng = env["client"], env["engine"]
    cancelled: list[tuple[int, bool]] = []
    monkeypatch.setattr(
        resale_funds, "on_cancelled", lambda conn, row, was_filed, **kw: cancelled.append((row.id, was_filed))
    )
    body = {k: v for k, v in contract_body(0).items() if not k.startswith(("listing", "seller"))}
    # a buyer is no seller: only a registered owner drafts a private sale of the home
    r = client.post(f"{API}/me/contracts", json=body | {"house_code": env["code"]}, headers=auth(eng, "citizen"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "account"
    r = client.post(f"{API}/me/contracts", json=body | {"house_code": env["code"]}, headers=auth(eng, "landlord"))
    assert r.status_code == 201 and r.json()["private"] is True, r.text
    cid = r.json()["id"]
    for side, who in (("buyer", "citizen"), ("seller", "landlord")):
        assert client.post(f"{API}/me/contracts/{cid}/{side}-signature", headers=auth(eng, who)).status_code == 200
    assert client.post(f"{API}/me/contracts/{cid}/filing", headers=auth(eng, "citizen")).status_code == 404
    counted = txf.snapshot(eng)
    r = client.post(f"{API}/me/contracts/{cid}/filing", headers=auth(eng, "landlord"))
    assert r.status_code == 200 and r.json()["status"] == "filed"
    filed = txf.assert_same_change(eng, counted)  # the kept public figures move as the contracts do
    assert [(m, n) for (_d, m, _dist, _u), (n, _a) in filed.items()] == [("resale", 1)]
    # the bureau: a reason is required; the district officer of the home's district cancels
    district = auth(eng, "district")
    r = client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": " "}, headers=district)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    staff = client.get(f"{API}/contracts", headers=district).json()
    assert [c["id"] for c in staff["items"]] == [cid] and staff["items"][0]["seller_name"] != LANDLORD_NAME
    assert (
        client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": "双方解除"}, headers=district).status_code
        == 204
    )
    assert cancelled == [(cid, True)]
    assert txf.assert_same_change(eng, counted) == {}  # the cancelled filing left them
    again = client.get(f"{API}/contracts", headers=district).json()["items"][0]
    assert again["status"] == "cancelled" and again["cancel_reason"] == "双方解除"
    # the home is free again
    r = client.post(f"{API}/me/contracts", json=body | {"house_code": env["code"]}, headers=auth(eng, "landlord"))
    assert r.status_code == 201


def test_the_registered_transfer_completes_the_contract_and_the_buyer_may_list_the_home(
    env: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, eng = env["client"], env["engine"]
    released: list[tuple[int, int]] = []
    monkeypatch.setattr(resale_funds, "on_registered_many", lambda conn, done: released.extend(done.items()))
    c = signed_contract(env)
    figures = "/api/v1/transactions/public/figures"
    before = client.get(figures).json()["daily_by_market"]
    counted = txf.snapshot(eng)
    # a transfer before filing completes nothing; the filing does not yet complete either
    r = client.post(f"{API}/contracts/{c['id']}/filing", headers=auth(eng, "agency"))
    assert r.status_code == 200
    filed = client.get(figures).json()["daily_by_market"]  # the public 成交 figures count the resale
    assert (filed["resale"], filed["new"]) == (before["resale"] + 1, before["new"])
    load(env, "t1.csv", [transfer("R1", env["code"], (CITIZEN_ID, CITIZEN_NAME))])
    assert client.get(figures).json()["daily_by_market"]["resale"] == before["resale"] + 1  # still, registered
    assert sum(n for n, _a in txf.assert_same_change(eng, counted).values()) == 1
    with eng.connect() as conn:
        row = conn.execute(select(resale_contracts).where(resale_contracts.c.id == c["id"])).one()
        reg = conn.execute(select(homes.c.id).where(homes.c.house_code == env["code"])).scalar_one()
    assert row.status == "registered" and row.active is None and row.registration_id is not None
    assert released == [(c["id"], row.registration_id)] and reg == env["home"]
    # the seller no longer owns it: a new listing on the seller's word fails; on the buyer's it passes
    agency = auth(eng, "agency")
    r = client.post(f"{API}/listings", json=listing_body(env["code"]), headers=agency)
    assert r.json()["failed"] == ["owner_registered"]
    r = client.post(
        f"{API}/listings",
        json=listing_body(env["code"], owner_name=CITIZEN_NAME, owner_id_number=CITIZEN_ID),
        headers=agency,
    )
    assert r.json()["status"] == "verified", r.json()


def test_a_transfer_to_someone_else_does_not_complete_the_contract(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    c = signed_contract(env)
    assert client.post(f"{API}/contracts/{c['id']}/filing", headers=auth(eng, "agency")).status_code == 200
    load(env, "t2.csv", [transfer("R2", env["code"], (rb.resident_id(9901), "林他人"))])
    with eng.connect() as conn:
        row = conn.execute(select(resale_contracts).where(resale_contracts.c.id == c["id"])).one()
    assert row.status == "filed" and row.active == 1 and row.registration_id is None


def test_the_registration_centres_seizure_refuses_and_its_mortgage_is_noted(env: dict[str, Any]) -> None:
    client, eng, kr = env["client"], env["engine"], env["kr"]
    with eng.begin() as conn:
        other = rb.free_homes(conn, env["world"].street_s1, 1)[0]
        rb.own(conn, kr, int(other.id))
    path: Path = env["dir"] / "restrictions.csv"
    since = date.today().isoformat()
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "event", "document_no", "lifts", "house_code", "authority", "starts_on", "ends_on"])
        w.writerow(["S9", "查封", "(2026)苏0102执9号", "", env["code"], "南京市玄武区人民法院", since, ""])
        w.writerow(["M9", "抵押", "苏(2026)南京市不动产证明第M9号", "", other.house_code, "南京银行", since, ""])
    assert load_restrictions(eng, path, kr).status == "loaded"
    agency = auth(eng, "agency")
    r = client.post(f"{API}/listings", json=listing_body(env["code"]), headers=agency)
    assert r.json()["failed"] == ["home_unrestricted"] and "执9号" in r.text
    r = client.post(f"{API}/listings", json=listing_body(other.house_code), headers=agency)
    assert r.json()["status"] == "verified", r.json()
    noted = next(x for x in r.json()["rules"] if x["name"] == "mortgage_noted")
    assert noted["passed"] and "南京银行" in noted["reason"]
    # someone who is not the owner's agent learns only pass or fail: no case number, no mortgagee
    for code in (env["code"], other.house_code):
        r = client.post(f"{API}/listings", json=listing_body(code, owner_id_number=CITIZEN_ID), headers=agency)
        assert r.status_code == 201 and "owner_registered" in r.json()["failed"], r.text
        assert "执9号" not in r.text and "南京银行" not in r.text and "M9" not in r.text
        stored = client.get(f"{API}/listings/{r.json()['id']}", headers=agency).text
        assert "执9号" not in stored and "南京银行" not in stored
    assert r.json()["failed"] == ["owner_registered", "home_not_listed"]  # the mortgaged home is listed
    withheld = {x["name"]: x["reason"] for x in r.json()["rules"]}
    assert withheld["mortgage_noted"] == resale_domain.WITHHELD[0]
    assert withheld["home_not_listed"] == resale_domain.WITHHELD[1]


def test_the_public_list_reads_in_a_fixed_number_of_statements(env: dict[str, Any]) -> None:
    """More published listings do not add statements to the public list, page or API (no N+1)."""
    from sqlalchemy import event

    client, eng, kr = env["client"], env["engine"], env["kr"]
    app_engine = client.app.state.engine

    def statements(url: str) -> int:
        seen: list[str] = []

        def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
            seen.append(statement)

        event.listen(app_engine, "before_cursor_execute", record)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(app_engine, "before_cursor_execute", record)
        return len(seen)

    agency = auth(eng, "agency")

    def publish(code: str) -> None:
        out = client.post(f"{API}/listings", json=listing_body(code), headers=agency).json()
        assert client.post(f"{API}/listings/{out['id']}/publication", headers=agency).status_code == 200

    publish(env["code"])
    few = statements(f"{API}/public/listings"), statements("/transactions/resale")
    with eng.begin() as conn:
        more = rb.free_homes(conn, env["world"].street_s2, 3)
        for h in more:
            rb.own(conn, kr, int(h.id))
    for h in more:
        publish(h.house_code)
    assert client.get(f"{API}/public/listings").json()["total"] == 4
    assert (statements(f"{API}/public/listings"), statements("/transactions/resale")) == few


def test_a_draft_by_someone_not_owning_the_home_reveals_nothing_about_the_buyer(env: dict[str, Any]) -> None:
    # Ownership is checked before the buyer's account is looked up: whether an ID number has an account
    # and whether a name matches it is not told to someone who does not own the home.
    client, eng = env["client"], env["engine"]
    body = {k: v for k, v in contract_body(0).items() if not k.startswith(("listing", "seller"))}
    private = body | {"house_code": env["code"]}
    buyers = [
        {"buyer_id_number": rb.resident_id(8802), "buyer_name": "赵无名"},  # no account
        {"buyer_id_number": LANDLORD_ID, "buyer_name": "赵无名"},  # an account under another name
        {"buyer_id_number": LANDLORD_ID, "buyer_name": LANDLORD_NAME},  # an account, the right name
    ]
    citizen = auth(eng, "citizen")  # verified, but no owner of the home
    answers = [client.post(f"{API}/me/contracts", json=private | b, headers=citizen) for b in buyers]
    assert {(r.status_code, r.text) for r in answers} == {(422, answers[0].text)}
    assert [e["field"] for e in answers[0].json()["errors"]] == ["account"]
    # the agency naming a seller who is not the listing's owner learns nothing about the buyer either
    listing = verified_listing(env)
    agency = auth(eng, "agency")
    stranger = {"seller_name": CITIZEN_NAME, "seller_id_number": CITIZEN_ID}
    answers = [
        client.post(f"{API}/contracts", json=contract_body(listing["id"], **stranger, **b), headers=agency)
        for b in buyers
    ]
    assert {(r.status_code, r.text) for r in answers} == {(422, answers[0].text)}
    assert [e["field"] for e in answers[0].json()["errors"]] == ["seller_id_number"]
    with eng.connect() as c:
        assert c.execute(select(resale_contracts.c.id)).first() is None
