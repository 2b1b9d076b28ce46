"""One resale contract in progress per home, under concurrent requests to the running server, on both
databases: of many simultaneous drafts on one listing exactly one wins, the others get a clear 409
(the same approach as the new-home test: ``ux_resale_contracts_home_active`` decides the race)."""

from __future__ import annotations

import threading
from typing import Any

import httpx
from sqlalchemy import func, select

from anju.security import keyring_from_settings
from anju.transactions import resale_contracts
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, choose_world
from tests.conftest import LiveServer
from tests.rental_builders import AGENCY_CODE, LANDLORD_ID

API = "/api/v1/transactions/resale"
RACERS = 8
PRICE = 2_500_000_00


def test_concurrent_drafts_on_one_home_exactly_one_wins(live_server: LiveServer, settings_for: Any) -> None:
    engine = live_server.engine
    kr = keyring_from_settings(settings_for(engine))
    w = choose_world(engine)
    with engine.begin() as conn:
        rb.party(conn, kr, w.street_s1, kind="agency", code=AGENCY_CODE)
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        rb.own(conn, kr, int(home.id))
    token = live_server.token("agency")
    headers = {"authorization": f"Bearer {token}"}
    listing = {
        "house_code": home.house_code, "owner_name": "王房东", "owner_id_number": LANDLORD_ID,
        "title": "并发测试房源", "asking_price_fen": PRICE,
    }  # fmt: skip
    with httpx.Client(base_url=live_server.base_url, timeout=60) as http:
        r = http.post(f"{API}/listings", json=listing, headers=headers)
    assert r.status_code == 201 and r.json()["status"] == "verified", r.text
    body = {
        "listing_id": r.json()["id"], "seller_name": "王房东", "seller_id_number": LANDLORD_ID,
        "buyer_name": CITIZEN_NAME, "buyer_id_number": CITIZEN_ID, "total_price_fen": PRICE,
        "payment_method": "full", "down_payment_fen": PRICE, "loan_fen": 0,
    }  # fmt: skip
    barrier = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def race() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=60) as c:
            barrier.wait()
            r = c.post(f"{API}/contracts", json=body, headers=headers)
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [409] * (RACERS - 1), [r.text[:200] for r in answers]
    for r in answers:
        if r.status_code == 409:
            assert "不能重复签约" in r.json()["message"] and r.json()["errors"][0]["field"] == "home_id"
    with engine.connect() as c:
        held = c.execute(
            select(func.count()).where(resale_contracts.c.home_id == home.id, resale_contracts.c.active == 1)
        ).scalar_one()
        total = c.execute(select(func.count()).where(resale_contracts.c.home_id == home.id)).scalar_one()
    assert held == 1 and total == 1
