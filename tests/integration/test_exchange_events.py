"""The contexts' events out (docs/exchange.md, topics table): a lease filed, cancelled, expired
(rental); journals posted by the one ledger engine, in bulk (funds); a credit event (credit) — each
written in the transaction of its change, with personal values sealed. Both databases."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from anju import funds
from anju.core import clock
from anju.credit import Event, record_event
from anju.exchange.outbox import decode_personal
from anju.exchange.tables import exchange_events
from anju.rental import lease_changes
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, choose_world
from tests.integration import test_rental_leases as rl
from tests.integration.test_rental_leases import API, filed, h

DAY = date(2026, 1, 5)
env = rl.env  # the rental lease tests' fixture (a city, owned homes, an app)


def _events(engine: Engine, topic: str) -> Sequence[Any]:
    with engine.connect() as conn:
        return conn.execute(select(exchange_events).where(exchange_events.c.topic == topic).order_by("id")).all()


def test_a_filed_lease_then_its_cancellation_and_an_expiry_are_events_keyed_by_the_lease(env: dict[str, Any]) -> None:
    engine, kr = env["engine"], env["kr"]
    lease_id, filing_no = filed(env, env["homes"][0].id)
    [ev] = _events(engine, "rental.lease_filed")
    data = json.loads(ev.payload)
    assert ev.key == f"lease:{lease_id}" and data["filing_no"] == filing_no and data["lease_id"] == lease_id
    assert CITIZEN_ID not in ev.payload  # the payload carries no personal value
    assert decode_personal(ev.personal, kr)["tenant_id_number"] == CITIZEN_ID  # sealed beside it
    assert CITIZEN_ID.encode() not in bytes(ev.personal)
    r = env["client"].post(f"{API}/leases/{lease_id}/cancel", json={"reason": "虚假备案"}, headers=h(env, "district"))
    assert r.status_code == 200
    [ended] = _events(engine, "rental.lease_ended")
    assert ended.key == f"lease:{lease_id}" and ended.id > ev.id and json.loads(ended.payload)["how"] == "cancelled"
    # a refused change writes no event
    r = env["client"].post(f"{API}/leases/{lease_id}/cancel", json={"reason": "again"}, headers=h(env, "district"))
    assert r.status_code == 409 and len(_events(engine, "rental.lease_ended")) == 1
    with engine.begin() as conn:
        old = rb.filed_lease(conn, kr, env["homes"][5], start_on=date(2024, 1, 1), months=12)
        assert lease_changes.expire_leases(conn, env["settings"], clock.today()) == 1
    expired = _events(engine, "rental.lease_ended")[-1]
    assert expired.key == f"lease:{old}" and json.loads(expired.payload)["how"] == "expired"


def test_journals_posted_in_bulk_are_events_in_bulk_and_a_credit_event_is_one(city_engine: Engine) -> None:
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        a = funds.open_account(conn, "presale", "project:990101", "测试银行", "FUND-EV-1", w.district_a, w.street_s1)
        la = funds.accounts_of(conn, a, "contract:1")
        jids = funds.post_many(
            conn,
            [
                funds.JournalIn(a, "down_payment", f"EV-{i}", [(la["bank"], 100, 0), (la["held"], 0, 100)], DAY, "x")
                for i in range(3)
            ],
        )
    evs = _events(city_engine, "funds.journal_posted")
    assert [json.loads(e.payload)["journal_id"] for e in evs] == jids
    assert {e.key for e in evs} == {f"fund_account:{a}"}
    first = json.loads(evs[0].payload)
    assert first["fund_kind"] == "presale" and first["amount_fen"] == 100 and first["account_no"] == "FUND-EV-1"
    assert first["ledger_index"] is not None and evs[0].personal is None
    with city_engine.begin() as conn:
        cid = record_event(conn, Event("org", "a" * 64, "rental", "rental.party_revoked", "serious", DAY, "TEST-1"))
    [credit] = _events(city_engine, "credit.event_recorded")
    assert json.loads(credit.payload)["credit_event_id"] == cid and credit.key == "subject:" + "a" * 64
