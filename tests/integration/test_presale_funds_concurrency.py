"""Concurrent release requests of one project against the running server, on both databases: each
alone fits the milestone's cap, together they do not — exactly one is accepted, the others are refused
naming the cap (the project's supervision row is locked while the cap is checked)."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from anju.core import clock
from anju.transactions.tables import presale_releases
from tests import tx_builders as tb
from tests.accounts import choose_world
from tests.conftest import LiveServer
from tests.integration.test_presale_funds import DOWN, LOAN, filed_contract

API = "/api/v1/transactions"
RACERS = 6


def test_concurrent_release_requests_never_exceed_the_cap(live_server: LiveServer) -> None:
    engine = live_server.engine
    w = choose_world(engine)
    with live_server.client("city") as city:
        sale = tb.on_sale(city, engine, w.street_s1, homes=4)
        r = city.post(
            f"{API}/projects/{sale.project}/fund-account", json={"bank": "测试银行", "account_no": "62229999"}
        )
        acct = r.json()["fund_account_id"]
        contract = filed_contract(city, engine, sale.site.homes[0])
        for kind, amount, ref in (("down_payment", DOWN, "BANK-RACE-1"), ("loan", LOAN, "BANK-RACE-2")):
            body = {"contract_id": contract["id"], "kind": kind, "amount_fen": amount, "reference": ref}
            assert city.post(f"{API}/fund-accounts/{acct}/deposits", json=body).status_code == 201
        body = {"milestone": "topped_out", "reached_on": clock.today().isoformat()}
        available = city.post(f"{API}/fund-accounts/{acct}/milestones", json=body).json()["available_fen"]
    assert available > 0
    token = live_server.token("city")
    barrier = threading.Barrier(RACERS)
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def race() -> None:
        with httpx.Client(base_url=live_server.base_url, timeout=60) as c:
            barrier.wait()
            r = c.post(f"{API}/fund-accounts/{acct}/releases", json={"amount_fen": available},
                       headers={"authorization": f"Bearer {token}"})  # fmt: skip
        with lock:
            answers.append(r)

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    codes = sorted(r.status_code for r in answers)
    assert codes == [201] + [422] * (RACERS - 1), [r.text[:200] for r in answers]
    assert all("主体结构封顶" in r.text for r in answers if r.status_code == 422)
    with engine.connect() as c:
        pending = c.execute(select(func.sum(presale_releases.c.amount_fen))).scalar_one()
    assert pending == available
