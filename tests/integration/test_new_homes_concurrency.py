"""No home is sold twice, under concurrent requests to the running server, on both databases: of many
simultaneous drafts of a contract for one home exactly one wins, the others get a clear 409."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from anju.transactions import sale_contracts
from tests import tx_builders as tb
from tests.accounts import choose_world
from tests.conftest import LiveServer

API = "/api/v1/transactions"
RACERS = 8


def test_concurrent_drafts_for_one_home_exactly_one_wins(live_server: LiveServer) -> None:
    engine = live_server.engine
    w = choose_world(engine)
    with live_server.client("city") as city:
        sale = tb.on_sale(city, engine, w.street_s1, homes=2)
    home = sale.site.homes[0]
    token = live_server.token("agency")
    barrier = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def race() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=60) as c:
            barrier.wait()
            r = c.post(f"{API}/contracts", json=tb.contract_body(home), headers={"authorization": f"Bearer {token}"})
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
            assert "不能重复销售" in r.json()["message"] and r.json()["errors"][0]["field"] == "home_id"
    with engine.connect() as c:
        held = c.execute(
            select(func.count()).where(sale_contracts.c.home_id == home, sale_contracts.c.active == 1)
        ).scalar_one()
        total = c.execute(select(func.count()).where(sale_contracts.c.home_id == home)).scalar_one()
    assert held == 1 and total == 1
