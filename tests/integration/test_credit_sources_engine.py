"""A department's withdrawal voids the event it sent (through the grades engine's ``amend_event``): run
after the grades helper's engine is merged. On both databases."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from anju.credit.tables import credit_event_amendments
from anju.security import keyring_from_settings
from tests import rental_builders as rb
from tests.credit_support import events_of
from tests.integration.test_credit_feed import load, rec


def test_a_withdrawal_voids_the_event_once(city_engine: Engine, settings_for: Any) -> None:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    assert load(city_engine, settings, [rec()]).accepted == 1
    withdraw = rec(action="withdraw")
    r = load(city_engine, settings, [withdraw])
    assert (r.accepted, r.rejected) == (1, 0), r.rejections
    org = kr.blind_index(rb.credit_code(7001), "credit_code")
    with city_engine.connect() as conn:
        (ev,) = events_of(conn, org)
        (am,) = conn.execute(select(credit_event_amendments).where(credit_event_amendments.c.event_id == ev.id)).all()
        assert (am.kind, am.effective_on, am.reference) == ("void", ev.occurred_on, "(2026)苏01执100号")
        assert am.ledger_index is not None
    # delivered again: a duplicate; a withdrawal by another subject's code is refused naming the case number
    assert load(city_engine, settings, [withdraw]).duplicate == 1
    other = load(city_engine, settings, [rec(action="withdraw", credit_code=rb.credit_code(7009), department="x")])
    assert other.rejected == 1 and other.rejections[0].field == "case_no"


def test_the_sample_file_with_its_withdrawal_in_the_same_batch(city_engine: Engine, settings_for: Any) -> None:
    from tests.integration.test_credit_feed import sample_rows

    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    rows = sample_rows()
    r = load(city_engine, settings, rows)
    assert (r.accepted, r.rejected) == (len(rows), 0), r.rejections
    withdrawn = next(x for x in rows if x["action"] == "withdraw")
    with city_engine.connect() as conn:
        (ev,) = events_of(conn, kr.blind_index(withdrawn["credit_code"], "credit_code"))
        am = conn.execute(select(credit_event_amendments).where(credit_event_amendments.c.event_id == ev.id)).one()
        assert am.kind == "void"
