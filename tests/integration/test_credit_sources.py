"""Credit events from the contexts (issue 20, "Where events come from"), on both databases: escrow
penalties, rent escrowed on time to the end of a lease, clean inspections, contract cancellations for
the developer's or agency's fault; and the catalogue's checks (kind known, source allowed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju import credit
from anju.app import create_app
from anju.core import clock
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.credit import credit_events
from anju.credit.tables import credit_subjects
from anju.funds.tables import fund_journals
from anju.rental import escrow, inspections, lease_changes
from anju.rental.tables import rental_leases, rental_parties
from anju.security import Caller, Role, keyring_from_settings
from tests import rental_builders as rb
from tests import tx_builders as tb
from tests.accounts import account_id, choose_world
from tests.credit_support import assert_event, events_of
from tests.rental_builders import AGENCY_CODE

START = date(2026, 1, 1)


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> dict[str, Any]:
    settings = settings_for(city_engine)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    aid = account_id(city_engine, "citizen")
    tenant = Caller(aid, "citizen", Role.citizen, None, Scope.own(aid))
    with city_engine.begin() as conn:
        homes = rb.free_homes(conn, w.street_s1, 3)
        party = rb.party(conn, kr, w.street_s1)
        code = conn.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == party)).scalar_one()
    return {"engine": city_engine, "settings": settings, "kr": kr, "homes": homes, "party": party, "tenant": tenant,
            "bidx": kr.blind_index(code, "credit_code"), "street": w.street_s1}  # fmt: skip


def _lease(env: dict[str, Any], conn: Any, home: Any, **kw: Any) -> Any:
    lid = rb.filed_lease(conn, env["kr"], home, start_on=START, landlord_party_id=env["party"],
                         tenant_account_id=env["tenant"].account_id, cycle="yearly", **kw)  # fmt: skip
    lease = conn.execute(select(rental_leases).where(rental_leases.c.id == lid)).one()
    escrow.on_lease_filed(conn, env["settings"], lease)
    return lease


def test_an_escrow_penalty_is_a_credit_event_of_the_enterprise_once(env: dict[str, Any]) -> None:
    officer = Caller.system("test")
    with env["engine"].begin() as conn:
        lease = _lease(env, conn, env["homes"][0])
        escrow.record_payment(conn, env["tenant"], int(lease.id), "rent", 9 * 3500_00, "PAY-PEN001", cycle_no=0)
        escrow.release_due(conn, date(2026, 6, 1))
        acct = conn.execute(select(fund_journals.c.fund_account_id).limit(1)).scalar_one()
        jid = escrow.impose_penalty(conn, env["kr"], officer, acct, 100_00, "逾期未存管押金", "JDS-2026-001")
        again = escrow.impose_penalty(conn, env["kr"], officer, acct, 100_00, "逾期未存管押金", "JDS-2026-001")
        assert again == jid
        evs = events_of(conn, env["bidx"], "rental.escrow_penalty")
        assert len(evs) == 1  # the replay recorded nothing new
        assert_event(conn, evs[0], bidx=env["bidx"], kind="rental.escrow_penalty", severity="major",
                     reference="JDS-2026-001", source="rental")  # fmt: skip
        assert evs[0].subject_kind == "org" and evs[0].street_code == env["street"]
        kind = conn.execute(
            select(credit_subjects.c.kind).where(credit_subjects.c.subject_bidx == env["bidx"])
        ).scalar_one_or_none()
        assert kind in (None, "rental_enterprise")  # the subject's file, when record_event creates one


def test_a_lease_paid_on_time_to_its_end_is_good_conduct_of_the_enterprise(env: dict[str, Any]) -> None:
    t = env["tenant"]
    with env["engine"].begin() as conn:
        good = _lease(env, conn, env["homes"][0], deposit_fen=7000_00)
        late = _lease(env, conn, env["homes"][1])
        unpaid = _lease(env, conn, env["homes"][2])
        escrow.record_payment(conn, t, int(good.id), "rent", 9 * 3500_00, "PAY-GOOD01", cycle_no=0, paid_on=START)
        escrow.record_payment(conn, t, int(good.id), "deposit", 3500_00, "PAY-GOOD02", paid_on=START)
        # the first supervised month is April: paid in May is late
        escrow.record_payment(conn, t, int(late.id), "rent", 9 * 3500_00, "PAY-LATE01", cycle_no=0,
                              paid_on=date(2026, 5, 2))  # fmt: skip
        assert unpaid is not None
    with env["engine"].begin() as conn:
        n = lease_changes.expire_leases(conn, env["settings"], date(2027, 1, 1))
        assert n == 3
        evs = events_of(conn, env["bidx"], "good.escrow_on_time")
        assert len(evs) == 1
        assert_event(conn, evs[0], bidx=env["bidx"], kind="good.escrow_on_time", severity="minor",
                     reference=good.filing_no, source="rental")  # fmt: skip
        assert evs[0].occurred_on == good.end_on


def test_the_on_time_rule_counts_only_months_begun_before_an_early_end(env: dict[str, Any]) -> None:
    from anju.rental import credit_events as rce

    with env["engine"].begin() as conn:
        lease = _lease(env, conn, env["homes"][0])
        # ended in March, before the first supervised month (April): nothing was due, nothing to reward
        conn.execute(rental_leases.update().where(rental_leases.c.id == lease.id).values(ended_on=date(2026, 3, 1)))
        escrow.on_lease_ended(conn, env["settings"], int(lease.id), date(2026, 3, 1), "terminated")
        assert rce.on_time_leases(conn, [int(lease.id)]) == []
        assert rce.escrow_on_time(conn, env["kr"], [int(lease.id)], "cancelled") == []


def test_a_clean_inspection_of_a_party_is_good_conduct_and_of_a_home_nothing(env: dict[str, Any]) -> None:
    officer = Caller.system("test")
    with env["engine"].begin() as conn:
        rb.own(conn, env["kr"], env["homes"][1].id)
        iid = inspections.record_inspection(
            conn, env["kr"], officer, inspections.InspectionIn("party", "台账齐全，未发现问题", party_id=env["party"])
        )
        number = inspections.get_inspection(conn, Scope.whole_city(), iid)["inspection_no"]
        evs = events_of(conn, env["bidx"], "good.clean_inspection")
        assert len(evs) == 1
        assert_event(conn, evs[0], bidx=env["bidx"], kind="good.clean_inspection", severity="minor",
                     reference=number, source="rental")  # fmt: skip
        before = conn.execute(select(credit_events.c.id)).all()
        inspections.record_inspection(
            conn,
            env["kr"],
            officer,
            inspections.InspectionIn("home", "未发现问题", house_code=env["homes"][1].house_code),
        )
        assert conn.execute(select(credit_events.c.id)).all() == before


def test_the_catalogue_refuses_an_unknown_kind_and_a_source_it_does_not_allow(env: dict[str, Any]) -> None:
    base = credit.Event("org", env["bidx"], "rental", "rental.escrow_penalty", "major", START, "REF-1")
    with env["engine"].begin() as conn:
        for bad, field in (
            (base.__class__(**{**base.__dict__, "kind": "rental.nonsense"}), "kind"),
            (base.__class__(**{**base.__dict__, "source": "assistance"}), "source"),
            (base.__class__(**{**base.__dict__, "subject_type": "alien"}), "subject_type"),
        ):
            with pytest.raises(ValidationError) as e:
                credit.record_event(conn, bad)
            assert e.value.errors[0].field == field
        # the credit office may record any kind (officers by hand, random inspections)
        eid = credit.record_event(conn, base.__class__(**{**base.__dict__, "source": "credit"}))
        assert eid > 0
        # many at once: one log batch, the leaves consecutive, in the order given
        ids = credit.record_events(conn, [base.__class__(**{**base.__dict__, "reference": f"B-{i}"}) for i in range(3)])
        rows = conn.execute(select(credit_events).where(credit_events.c.id.in_(ids)).order_by(credit_events.c.id)).all()
        assert [r.reference for r in rows] == ["B-0", "B-1", "B-2"]
        assert [r.ledger_index - rows[0].ledger_index for r in rows] == [0, 1, 2]
        with pytest.raises(ValidationError):
            credit.record_events(conn, [base, base.__class__(**{**base.__dict__, "kind": "x"})])
        assert conn.execute(select(credit_events.c.id).where(credit_events.c.id > max(ids))).all() == []


# ------------------------------------------------------------------------------ contract cancellations


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def test_a_new_home_filing_cancelled_for_the_developers_fault_is_its_credit_event(
    client: TestClient, city_engine: Engine, settings_for: Any
) -> None:
    kr = keyring_from_settings(settings_for(city_engine))
    w = choose_world(city_engine)
    sale = tb.on_sale(client, city_engine, w.street_s1)
    dev, officer = tb.auth(city_engine, "agency"), tb.auth(city_engine, "district")
    api = "/api/v1/transactions"
    first = client.post(f"{api}/contracts", json=tb.contract_body(sale.site.homes[0]), headers=dev).json()
    second = client.post(f"{api}/contracts", json=tb.contract_body(sale.site.homes[1]), headers=dev).json()
    bidx = kr.blind_index(AGENCY_CODE, "credit_code")  # the seeded developer's code
    r = client.post(f"{api}/contracts/{first['id']}/cancellation", json={"reason": "x", "reason_code": "agency"},
                    headers=officer)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason_code"
    body = {"reason": "买受人放弃", "reason_code": "buyer"}
    r = client.post(f"{api}/contracts/{first['id']}/cancellation", json=body, headers=officer)
    assert r.status_code == 204
    with city_engine.connect() as conn:
        assert events_of(conn, bidx, "transactions.contract_cancelled") == []
    r = client.post(f"{api}/contracts/{second['id']}/cancellation",
                    json={"reason": "一房多卖", "reason_code": "developer"}, headers=officer)  # fmt: skip
    assert r.status_code == 204
    with city_engine.connect() as conn:
        evs = events_of(conn, bidx, "transactions.contract_cancelled")
        assert len(evs) == 1
        assert_event(conn, evs[0], bidx=bidx, kind="transactions.contract_cancelled", severity="minor",
                     reference=second["filing_no"] or f"SC{second['id']}", source="transactions")  # fmt: skip
        assert evs[0].occurred_on == clock.today() - timedelta(days=0)


def test_a_resale_contract_cancelled_for_the_agencys_fault_is_its_credit_event(
    client: TestClient, city_engine: Engine, settings_for: Any
) -> None:
    from tests.integration.test_resale import signed_contract

    kr = keyring_from_settings(settings_for(city_engine))
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        rb.party(conn, kr, w.street_s1, kind="agency", code=AGENCY_CODE)
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        rb.own(conn, kr, int(home.id))
    c = signed_contract({"client": client, "engine": city_engine, "code": home.house_code})
    officer = tb.auth(city_engine, "district")
    api = "/api/v1/transactions/resale"
    r = client.post(f"{api}/contracts/{c['id']}/cancellation", json={"reason": "x", "reason_code": "developer"},
                    headers=officer)  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason_code"
    r = client.post(f"{api}/contracts/{c['id']}/cancellation",
                    json={"reason": "经纪机构隐瞒房屋查封信息", "reason_code": "agency"}, headers=officer)  # fmt: skip
    assert r.status_code == 204, r.text
    bidx = kr.blind_index(AGENCY_CODE, "credit_code")
    with city_engine.connect() as conn:
        evs = events_of(conn, bidx, "transactions.contract_cancelled")
        assert len(evs) == 1
        assert_event(conn, evs[0], bidx=bidx, kind="transactions.contract_cancelled", severity="minor",
                     reference=c.get("filing_no") or f"RC{c['id']}", source="transactions")  # fmt: skip
        assert evs[0].detail and '"resale"' in evs[0].detail
