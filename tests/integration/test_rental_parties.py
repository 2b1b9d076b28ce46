"""Filed parties (备案), practitioners, supervision, entrustments and home flags, over HTTP and through
the services, on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import ledger
from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict
from anju.credit import credit_events
from anju.registry import tables as rt
from anju.rental import entrustments, home_flags, parties
from anju.rental.tables import rental_entrustments, rental_home_flags, rental_parties, rental_practitioners
from tests import rental_builders as rb
from tests.accounts import account_id, api_token, choose_world, web_session

REP_ID = rb.resident_id(31337)  # a valid resident ID: never echoed
PRACTITIONER_ID = rb.resident_id(77)


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


def filing(street: str, **over: Any) -> dict[str, Any]:
    body = {
        "kind": "enterprise",
        "credit_code": rb.AGENCY_CODE,
        "name": "安居住房租赁有限公司",
        "business_scope": "住房租赁；房地产经纪",
        "registered_capital_fen": 500_000_000,
        "legal_rep_name": "赵法人",
        "legal_rep_id": REP_ID,
        "address": "测试路 8 号",
        "street_code": street,
        "escrow_bank": "南京银行",
        "escrow_account_no": "0101000012345678",
    }
    return body | over


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(table)).scalar_one())


def test_filing_validates_every_field_naming_it_and_writes_nothing(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    bad = filing(
        w.street_s1,
        credit_code="91110000600037341X",
        legal_rep_id=REP_ID[:-1] + ("0" if REP_ID[-1] != "0" else "1"),
        registered_capital_fen=-5,
        escrow_account_no="",
        street_code="999999999",
    )
    r = client.post("/api/v1/rental/me/party", json=bad, headers=me)
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"credit_code", "legal_rep_id", "registered_capital_fen", "escrow_account_no", "street_code"} <= fields
    assert REP_ID[:-1] not in r.text
    assert count(city_engine, rental_parties) == 0
    # a valid code that is not the account's own organisation
    r = client.post("/api/v1/rental/me/party", json=filing(w.street_s1, credit_code=rb.credit_code(3)), headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "credit_code"
    assert count(city_engine, rental_parties) == 0


def test_filing_masks_personal_values_derives_the_district_and_refuses_a_duplicate(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    r = client.post("/api/v1/rental/me/party", json=filing(w.street_s2), headers=me)
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["party_no"].startswith(f"QY{clock.to_local(clock.now()).year}")
    assert p["district_code"] == w.district_a and p["street_code"] == w.street_s2 and p["status"] == "filed"
    assert REP_ID not in r.text and "赵法人" not in r.text
    assert p["legal_rep_id"] == REP_ID[:4] + "*" * 10 + REP_ID[-4:] and p["legal_rep_name"] == "赵**"
    with city_engine.connect() as c:
        row = c.execute(select(rental_parties)).one()
    assert REP_ID.encode() not in bytes(row.legal_rep_id_enc)
    assert row.legal_rep_id_bidx == kr(client).blind_index(REP_ID, "id_number")
    r = client.post("/api/v1/rental/me/party", json=filing(w.street_s2), headers=me)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "credit_code"
    # amend: a new address; the kind stays
    r = client.put("/api/v1/rental/me/party", json=filing(w.street_s1, address="新地址 1 号"), headers=me)
    assert r.status_code == 200 and r.json()["street_code"] == w.street_s1 and r.json()["address"] == "新地址 1 号"
    r = client.put("/api/v1/rental/me/party", json=filing(w.street_s1, kind="agency"), headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"
    assert [a["action"] for a in client.get("/api/v1/rental/me/party", headers=me).json()["actions"]] == [
        "filed",
        "amended",
    ]


def test_an_agency_needs_no_escrow_account_but_an_enterprise_does(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    r = client.post(
        "/api/v1/rental/me/party", json=filing(w.street_s1, escrow_bank=None, escrow_account_no=None), headers=me
    )
    assert r.status_code == 422 and {e["field"] for e in r.json()["errors"]} == {"escrow_bank", "escrow_account_no"}
    r = client.post(
        "/api/v1/rental/me/party",
        json=filing(w.street_s1, kind="agency", escrow_bank=None, escrow_account_no=None),
        headers=me,
    )
    assert r.status_code == 201 and r.json()["party_no"].startswith("JJ")


def test_practitioners_are_validated_unique_masked_and_can_leave(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    assert client.post("/api/v1/rental/me/party", json=filing(w.street_s1), headers=me).status_code == 201
    body = {"name": "孙经纪", "id_number": PRACTITIONER_ID, "practice_no": "NJ-0001", "position": "broker"}
    r = client.post("/api/v1/rental/me/party/practitioners", json=body | {"id_number": "123"}, headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "id_number"
    assert count(city_engine, rental_practitioners) == 0
    r = client.post("/api/v1/rental/me/party/practitioners", json=body, headers=me)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    r = client.post("/api/v1/rental/me/party/practitioners", json=body | {"id_number": rb.resident_id(78)}, headers=me)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "practice_no"
    r = client.post("/api/v1/rental/me/party/practitioners", json=body | {"practice_no": "NJ-0002"}, headers=me)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "id_number"
    r = client.post(
        f"/api/v1/rental/me/party/practitioners/{pid}/record", json={"kind": "training", "text": "年度培训"}, headers=me
    )
    assert r.status_code == 200
    r = client.get("/api/v1/rental/me/party/practitioners", headers=me)
    item = r.json()["items"][0]
    assert PRACTITIONER_ID not in r.text and "孙经纪" not in r.text and item["name"] == "孙**"
    assert [e["kind"] for e in item["record"]] == ["joined", "training"]
    assert client.post(f"/api/v1/rental/me/party/practitioners/{pid}/left", json={}, headers=me).status_code == 200
    assert client.get("/api/v1/rental/me/party/practitioners?status=active", headers=me).json()["total"] == 0
    # once left, the person may join again (a new practice number)
    r = client.post("/api/v1/rental/me/party/practitioners", json=body | {"practice_no": "NJ-0003"}, headers=me)
    assert r.status_code == 201


def test_suspension_stops_publishing_and_signing_and_is_a_credit_event(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        pid = rb.party(c, kr(client), w.street_s1)
        code = c.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == pid)).scalar_one()
        parties.require_active_party(c, pid)
    district = auth(city_engine, "district")
    r = client.post(f"/api/v1/rental/parties/{pid}/suspend", json={"reason": "违规发布房源"}, headers=district)
    assert r.status_code == 200 and r.json()["status"] == "suspended"
    with city_engine.connect() as c:
        with pytest.raises(Conflict, match="已暂停"):
            parties.require_active_party(c, pid)
        ev = c.execute(select(credit_events)).one()
        assert ev.subject_kind == "org" and ev.kind == "rental.party_suspended" and ev.source == "rental"
        assert ev.subject_bidx == kr(client).blind_index(code, "credit_code")
        logged = json.loads(ledger.entry(c, "credit", ev.ledger_index).data)
        assert logged["kind"] == "rental.party_suspended" and logged["subject"] == ev.subject_bidx
    # suspending twice is a conflict; reinstating is no sanction; revoking is final
    r = client.post(f"/api/v1/rental/parties/{pid}/suspend", json={"reason": "再次"}, headers=district)
    assert r.status_code == 409
    r = client.post(f"/api/v1/rental/parties/{pid}/reinstate", json={"reason": "已整改"}, headers=district)
    assert r.json()["status"] == "filed"
    r = client.post(f"/api/v1/rental/parties/{pid}/revoke", json={"reason": "严重违规"}, headers=district)
    assert r.json()["status"] == "revoked"
    assert (
        client.post(f"/api/v1/rental/parties/{pid}/reinstate", json={"reason": "x"}, headers=district).status_code
        == 409
    )
    with city_engine.connect() as c:
        kinds = [e.kind for e in c.execute(select(credit_events).order_by(credit_events.c.id))]
        with pytest.raises(Conflict, match="已撤销"):
            parties.require_active_party(c, pid)
    assert kinds == ["rental.party_suspended", "rental.party_revoked"]
    detail = client.get(f"/api/v1/rental/parties/{pid}", headers=district).json()
    assert [a["action"] for a in detail["actions"]] == ["suspend", "reinstate", "revoke"]
    assert detail["actions"][0]["credit_event_id"] is not None


def test_supervisors_see_only_parties_of_their_streets(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        inside = rb.party(c, kr(client), w.street_s1)
        b_street = _street_of(c, w.district_b)
        outside = rb.party(c, kr(client), b_street, kind="agency")
    clerk, district, city = (auth(city_engine, x) for x in ("clerk", "district", "city"))
    assert client.get(f"/api/v1/rental/parties/{outside}", headers=district).status_code == 404
    r = client.post(f"/api/v1/rental/parties/{outside}/suspend", json={"reason": "越权"}, headers=district)
    assert r.status_code == 404
    assert client.get(f"/api/v1/rental/parties/{inside}", headers=clerk).status_code == 200
    ids = {i["id"] for i in client.get("/api/v1/rental/parties", headers=district).json()["items"]}
    assert ids == {inside}
    r = client.get("/api/v1/rental/parties", params={"kind": "agency"}, headers=city)
    assert [i["id"] for i in r.json()["items"]] == [outside]
    r = client.get("/api/v1/rental/parties", params={"q": "有限公司"}, headers=city)
    assert r.json()["total"] == 2
    r = client.get("/api/v1/rental/parties.csv", headers=district)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("party_no,kind,credit_code") and len(lines) == 2
    assert "*" in lines[1]


def _street_of(c: Any, district: str) -> str:
    from anju.registry import homes

    return str(
        c.execute(
            select(homes.c.street_code).where(homes.c.district_code == district, homes.c.status == "使用").limit(1)
        ).scalar_one()
    )


def test_only_an_owner_may_entrust_and_the_agent_then_holds_a_valid_entrustment(
    client: TestClient, city_engine: Engine
) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        mine, theirs = rb.free_homes(c, w.street_s1, 2)
        rb.own(c, kr(client), mine.id)
        rb.own(c, kr(client), theirs.id, id_number=rb.resident_id(4242), name="陈业主")
        party_id = rb.party(c, kr(client), w.street_s1)
        code = c.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == party_id)).scalar_one()
    me = auth(city_engine, "landlord")
    today = clock.today()
    body = {
        "house_code": theirs.house_code,
        "agent_username": "agency",
        "valid_from": today.isoformat(),
        "valid_to": (today + timedelta(days=365)).isoformat(),
    }
    r = client.post("/api/v1/rental/entrustments", json=body, headers=me)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "house_code"
    assert count(city_engine, rental_entrustments) == 0
    r = client.post("/api/v1/rental/entrustments", json=body | {"house_code": mine.house_code}, headers=me)
    assert r.status_code == 201, r.text
    eid = r.json()["id"]
    r = client.post("/api/v1/rental/entrustments", json=body | {"house_code": mine.house_code}, headers=me)
    assert r.status_code == 409
    r = client.post(
        "/api/v1/rental/entrustments",
        json=body | {"house_code": mine.house_code, "agent_username": None, "agent_credit_code": code},
        headers=me,
    )
    assert r.status_code == 201
    agency = account_id(city_engine, "agency")
    with city_engine.connect() as c:
        assert entrustments.valid_entrustment(c, mine.id, None, today, agent_account_id=agency) is not None
        assert entrustments.valid_entrustment(c, mine.id, None, today, agent_party_id=party_id) is not None
    mine_list = client.get("/api/v1/rental/me/entrustments", headers=me).json()
    assert mine_list["total"] == 2 and {i["side"] for i in mine_list["items"]} == {"owner"}
    theirs_list = client.get("/api/v1/rental/me/entrustments", headers=auth(city_engine, "agency")).json()
    assert [i["id"] for i in theirs_list["items"]] == [eid] and theirs_list["items"][0]["side"] == "agent"
    # only the granting owner may revoke
    assert (
        client.post(f"/api/v1/rental/entrustments/{eid}/revoke", headers=auth(city_engine, "agency")).status_code == 404
    )
    assert client.post(f"/api/v1/rental/entrustments/{eid}/revoke", headers=me).status_code == 200
    with city_engine.connect() as c:
        assert entrustments.valid_entrustment(c, mine.id, None, today, agent_account_id=agency) is None


def test_flags_bar_a_home_until_lifted_and_are_scoped(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        (home,) = rb.free_homes(c, w.street_s1, 1)
        b_home = c.execute(
            select(rt.homes).where(rt.homes.c.district_code == w.district_b, rt.homes.c.status == "使用").limit(1)
        ).one()
    clerk = auth(city_engine, "clerk")
    body = {"house_code": home.house_code, "kind": "seized", "source": "court", "reason": "法院查封"}
    r = client.post("/api/v1/rental/flags", json=body | {"house_code": b_home.house_code}, headers=clerk)
    assert r.status_code == 404
    r = client.post("/api/v1/rental/flags", json=body, headers=clerk)
    assert r.status_code == 201
    fid = r.json()["id"]
    today = clock.today()
    with city_engine.connect() as c:
        found = home_flags.home_restrictions(c, [home.id, b_home.id], today)
    assert list(found) == [home.id] and found[home.id][0].kind == "seized"
    r = client.get("/api/v1/rental/flags", params={"active": True}, headers=clerk)
    assert [i["id"] for i in r.json()["items"]] == [fid]
    assert client.post(f"/api/v1/rental/flags/{fid}/lift", headers=clerk).status_code == 200
    assert client.post(f"/api/v1/rental/flags/{fid}/lift", headers=clerk).status_code == 409
    with city_engine.connect() as c:
        assert home_flags.home_restrictions(c, [home.id], today) == {}
        assert c.execute(select(rental_home_flags.c.lifted_at)).scalar_one() is not None


def test_a_future_flag_does_not_bar_today(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as c:
        (home,) = rb.free_homes(c, w.street_s1, 1)
    since = (clock.today() + timedelta(days=10)).isoformat()
    r = client.post(
        "/api/v1/rental/flags",
        json={"house_code": home.house_code, "kind": "unsafe", "source": "safety", "reason": "C级", "since": since},
        headers=auth(city_engine, "clerk"),
    )
    assert r.status_code == 201
    with city_engine.connect() as c:
        assert home_flags.home_restrictions(c, [home.id], clock.today()) == {}
        assert home.id in home_flags.home_restrictions(c, [home.id], date.fromisoformat(since))


def test_party_pages_render_in_chinese(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    token, csrf = web_session(city_engine, "agency")
    client.cookies.set("anju_session", token)
    r = client.get("/rental/me/party")
    assert r.status_code == 200 and "尚未备案" in r.text
    form = {k: str(v) for k, v in filing(w.street_s1).items() if k != "registered_capital_fen"}
    form |= {"registered_capital_yuan": "5000000.00", "csrf_token": csrf}
    r = client.post("/rental/me/party", data=form)
    assert r.status_code == 303, r.text
    r = client.get("/rental/me/party")
    assert "已备案" in r.text and REP_ID not in r.text
    client.cookies.clear()
    token, csrf = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    r = client.get("/rental/parties")
    assert r.status_code == 200 and "安居住房租赁有限公司" in r.text
    with city_engine.connect() as c:
        pid = c.execute(select(rental_parties.c.id)).scalar_one()
    r = client.get(f"/rental/parties/{pid}/confirm", params={"action": "suspend"})
    assert r.status_code == 200 and "确认" in r.text
    r = client.post(f"/rental/parties/{pid}/status", data={"action": "suspend", "reason": "检查", "csrf_token": csrf})
    assert r.status_code == 303
    assert "已暂停" in client.get(f"/rental/parties/{pid}").text
