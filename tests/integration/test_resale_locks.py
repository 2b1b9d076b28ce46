"""The resale contract's mutating paths lock its row (PostgreSQL, READ COMMITTED): a request that reads
the contract while another transaction is changing it waits for that transaction and then decides on
the committed state — the second signature of two simultaneous ones makes the contract signed, and a
cancellation racing the registration feed that just completed the contract is refused (so the money
released to the seller is not refunded too). SQLite serialises writers itself: PostgreSQL only."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection, select, text, update

from anju.core import clock
from anju.transactions import resale_contracts
from tests.integration import test_resale as tr
from tests.integration.test_resale_funds import DOWN, deposit, filed, fund, open_account
from tests.tx_builders import auth

API = tr.API
env = tr.env
C = resale_contracts


def _while_locked(env: dict[str, Any], change: Callable[[Connection], None], request: Callable[[], Any]) -> Any:
    """Run ``change`` in an open transaction, start ``request`` in a thread, wait until the request's
    statement waits on a lock, commit ``change`` and return the request's answer."""
    eng = env["engine"]
    if eng.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only (SQLite serialises writers)")
    answer: list[Any] = []
    with eng.connect() as conn:
        tx = conn.begin()
        change(conn)
        t = threading.Thread(target=lambda: answer.append(request()))
        t.start()
        waits = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid() "
        "AND datname = current_database()"
        with eng.connect() as probe:
            for _ in range(400):
                if t.is_alive() and probe.execute(text(waits)).scalar_one() == 0:
                    time.sleep(0.025)
                    continue
                break
        tx.commit()
    t.join(60)
    assert answer, "the request did not finish"
    return answer[0]


def test_two_simultaneous_signatures_make_the_contract_signed(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    listing = tr.verified_listing(env)
    r = client.post(f"{API}/contracts", json=tr.contract_body(listing["id"]), headers=auth(eng, "agency"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    buyer = auth(eng, "citizen")

    def seller_signs(conn: Connection) -> None:  # what the seller's signature writes, not yet committed
        now = clock.now()
        conn.execute(update(C).where(C.c.id == cid).values(seller_signed_at=now, status="draft", updated_at=now))

    r = _while_locked(
        env, seller_signs, lambda: client.post(f"{API}/me/contracts/{cid}/buyer-signature", headers=buyer)
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "signed"
    with eng.connect() as c:
        row = c.execute(select(C).where(C.c.id == cid)).one()
    assert row.status == "signed" and row.signed_on is not None
    assert row.seller_signed_at is not None and row.buyer_signed_at is not None


def test_a_cancellation_racing_the_registration_is_refused_and_refunds_nothing(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    open_account(env)
    cid = filed(env)
    assert deposit(env, cid, "down_payment", DOWN, "BANK-400001").status_code == 201
    district = auth(eng, "district")

    def registration_completes(conn: Connection) -> None:  # the registration feed, not yet committed
        conn.execute(update(C).where(C.c.id == cid).values(status="registered", active=None))

    def cancel() -> Any:
        return client.post(f"{API}/contracts/{cid}/cancellation", json={"reason": "双方解除"}, headers=district)

    r = _while_locked(env, registration_completes, cancel)
    assert r.status_code == 409, r.text
    assert r.json()["errors"][0]["field"] == "status"
    with eng.connect() as c:
        row = c.execute(select(C).where(C.c.id == cid)).one()
    assert row.status == "registered" and row.cancelled_at is None
    assert fund(env, cid)["refunded_fen"] == 0


def test_a_second_simultaneous_filing_is_refused(env: dict[str, Any]) -> None:
    client, eng = env["client"], env["engine"]
    cid = tr.signed_contract(env)["id"]
    agency = auth(eng, "agency")

    def first_filing(conn: Connection) -> None:  # the first filing, not yet committed
        conn.execute(update(C).where(C.c.id == cid).values(status="filed", filing_no="CS-FIRST"))

    r = _while_locked(env, first_filing, lambda: client.post(f"{API}/contracts/{cid}/filing", headers=agency))
    assert r.status_code == 409, r.text
    with eng.connect() as c:
        assert c.execute(select(C.c.filing_no).where(C.c.id == cid)).scalar_one() == "CS-FIRST"
