"""A filed contract and the transfer registration that follows it (issue 18): linked when the registration
records the filed buyer, reported for review otherwise (no filed contract, or another owner); a linked
home shows 已登记 in the public sales table; corrections are followed. Both databases."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju.app import create_app
from anju.core.scope import SYSTEM
from anju.registry import homes
from anju.registry.feeds import load_registrations
from anju.security import keyring_from_settings
from anju.transactions import queries
from anju.transactions.registrations import registered_homes, registration_links
from tests import rental_builders as rb
from tests import tx_builders as tb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world, web_session
from tests.rental_builders import AGENCY_CODE
from tests.tx_builders import auth

API = "/api/v1/transactions"
HEADER = ["record_id", "kind", "corrects", "certificate_no", "house_code", "registered_on",
          "owner_kind", "owner_id", "owner_name", "share_pct"]  # fmt: skip
OTHER_ID, OTHER_NAME = rb.resident_id(7101), "林他人"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "kr": keyring_from_settings(settings), "dir": tmp_path}
    app.state.engine.dispose()


def load(env: dict[str, Any], name: str, rows: list[list[str]]) -> None:
    path: Path = env["dir"] / name
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        w.writerows(rows)
    result = load_registrations(env["engine"], path, env["kr"])
    assert result.status == "loaded", result


def row(rid: str, kind: str, code: str, owner: tuple[str, str, str], corrects: str = "") -> list[str]:
    return [rid, kind, corrects, f"苏(2026)南京市不动产权第{rid}号", code, date.today().isoformat(), *owner, "100"]


def links(env: dict[str, Any], unlinked_only: bool) -> list[dict[str, Any]]:
    with env["engine"].connect() as c:
        page = registration_links(c, scope=SYSTEM, unlinked_only=unlinked_only, limit=50, offset=0)
    return [dict(x) for x in page.items]


def test_a_registration_is_linked_to_its_filed_contract_or_reported_for_review(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    w = choose_world(eng)
    sale = tb.on_sale(client, eng, w.street_s1)
    dev, buyer = auth(eng, "agency"), auth(eng, "citizen")
    sold, unsold = sale.site.homes[0], sale.site.homes[1]
    c = client.post(f"{API}/contracts", json=tb.contract_body(sold), headers=dev).json()
    for path, who in (("buyer-signature", buyer), ("developer-signature", dev), ("filing", dev)):
        assert client.post(f"{API}/contracts/{c['id']}/{path}", headers=who).status_code == 200
    with eng.connect() as conn:
        codes = dict(conn.execute(select(homes.c.id, homes.c.house_code).where(homes.c.id.in_(sale.site.homes))).all())
    developer = ("org", AGENCY_CODE, "安居置业有限公司")
    # the developer's first registrations, then transfers: the sold home to someone else than the buyer,
    # the unsold home to a stranger
    load(env, "r1.csv", [
        row("F1", "first", codes[sold], developer), row("F2", "first", codes[unsold], developer),
        row("T1", "transfer", codes[sold], ("person", OTHER_ID, OTHER_NAME)),
        row("T2", "transfer", codes[unsold], ("person", OTHER_ID, OTHER_NAME)),
    ])  # fmt: skip
    review = {x["house_code"]: x for x in links(env, True)}
    assert review[codes[sold]]["reason"] == "登记权利人与备案买受人不一致"
    assert review[codes[sold]]["filing_no"] == c["filing_no"] or review[codes[sold]]["contract_id"] == c["id"]
    assert review[codes[unsold]]["reason"] == "没有已备案的买卖合同" and review[codes[unsold]]["contract_id"] is None
    assert all(x["record_id"] not in ("F1", "F2") for x in links(env, False))  # first registrations: not checked
    with eng.connect() as conn:
        assert registered_homes(conn, [sold, unsold]) == set()
    # the centre corrects the sold home's transfer to the filed buyer: linked, 已登记 in the sales table
    load(env, "r2.csv", [row("C1", "correction", codes[sold], ("person", CITIZEN_ID, CITIZEN_NAME), corrects="T1")])
    review = {x["house_code"]: x for x in links(env, True)}
    assert codes[sold] not in review and codes[unsold] in review
    linked = [x for x in links(env, False) if x["house_code"] == codes[sold]]
    assert [(x["record_id"], x["linked"], x["reason"]) for x in linked] == [("C1", True, "")]
    with eng.connect() as conn:
        assert registered_homes(conn, [sold, unsold]) == {sold}
    table = client.get(f"{API}/public/buildings/{sale.site.building}/sales").json()
    states = {cell["home_id"]: cell["state"] for f in table["floors"] for cell in f["cells"]}
    assert states[sold] == "registered"
    with eng.connect() as conn:  # the project's grouped counts agree with the table's home-by-home states
        assert queries.public_project(conn, sale.project)[0]["counts"] == table["counts"]
    assert table["counts"]["registered"] == 1
    page = client.get(f"/transactions/buildings/{sale.site.building}")
    assert "已登记" in page.text and CITIZEN_NAME not in page.text
    # the staff page lists what waits for review; the workbench counts it
    token, _ = web_session(eng, "city")
    staff = TestClient(client.app, follow_redirects=False, cookies={"anju_session": token})
    listed = staff.get("/transactions/staff/registrations")
    assert listed.status_code == 200 and codes[unsold] in listed.text and "没有已备案的买卖合同" in listed.text
    assert codes[sold] not in listed.text
    assert "已关联" in staff.get("/transactions/staff/registrations", params={"show": "all"}).text
    assert "待核查的转移登记" in staff.get("/").text


def test_later_changes_of_owner_are_judged_by_their_own_contract(env: dict[str, Any]) -> None:
    """After the first sale is registered, a later transfer is not "different from the filed buyer": it
    is linked when a resale contract filed here names its buyer, else it has no filed contract."""
    from anju.core import clock
    from anju.transactions import resale_contracts

    client, eng, kr = env["client"], env["engine"], env["kr"]
    w = choose_world(eng)
    sale = tb.on_sale(client, eng, w.street_s1)
    dev, buyer = auth(eng, "agency"), auth(eng, "citizen")
    home = sale.site.homes[0]
    c = client.post(f"{API}/contracts", json=tb.contract_body(home), headers=dev).json()
    for path, who in (("buyer-signature", buyer), ("developer-signature", dev), ("filing", dev)):
        assert client.post(f"{API}/contracts/{c['id']}/{path}", headers=who).status_code == 200
    with eng.connect() as conn:
        code = conn.execute(select(homes.c.house_code).where(homes.c.id == home)).scalar_one()
    developer = ("org", AGENCY_CODE, "安居置业有限公司")
    load(env, "a.csv", [row("F9", "first", code, developer),
                        row("T9", "transfer", code, ("person", CITIZEN_ID, CITIZEN_NAME))])  # fmt: skip
    # a later transfer with no contract filed here (e.g. inheritance): reported, for the right reason
    load(env, "b.csv", [row("T10", "transfer", code, ("person", OTHER_ID, OTHER_NAME))])
    review = {x["record_id"]: x for x in links(env, True)}
    assert "T9" not in review and review["T10"]["reason"] == "没有已备案的买卖合同"
    assert review["T10"]["contract_id"] is None
    # a resale contract filed here names the next buyer: that transfer is linked to it
    third_id, third_name = rb.resident_id(7102), "周第三"
    now = clock.now()
    with eng.begin() as conn:
        rid = conn.execute(
            resale_contracts.insert()
            .values(
                home_id=home, seller_bidx=kr.blind_index(OTHER_ID, "id_number"),
                seller_name_enc=kr.encrypt(OTHER_NAME, "resale_contracts.seller_name"),
                seller_id_enc=kr.encrypt(OTHER_ID, "resale_contracts.seller_id"),
                buyer_name_enc=kr.encrypt(third_name, "resale_contracts.buyer_name"),
                buyer_id_enc=kr.encrypt(third_id, "resale_contracts.buyer_id"),
                buyer_id_bidx=kr.blind_index(third_id, "id_number"), area=tb.AREA, total_price_fen=300_000_000,
                unit_price_fen=3_351_955, payment_method="full", down_payment_fen=300_000_000, loan_fen=0,
                status="filed", active=1, filing_no="CS-TEST-0001", source="platform",
                district_code=w.district_a, street_code=w.street_s1, created_by="test", created_at=now,
                updated_at=now,
            )
            .returning(resale_contracts.c.id)
        ).scalar_one()  # fmt: skip
    load(env, "c.csv", [row("T11", "transfer", code, ("person", third_id, third_name))])
    review = {x["record_id"]: x for x in links(env, True)}
    assert "T11" not in review and "T10" in review
    t11 = next(x for x in links(env, False) if x["record_id"] == "T11")
    assert (t11["linked"], t11["contract_id"], t11["filing_no"]) == (True, rid, "CS-TEST-0001")
