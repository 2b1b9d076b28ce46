"""Retention review fixes (both databases): pseudonymising leaves no link to the person — the consenting
accounts, the free text of refused applications and the tenant's account on the lease's events go —
and two applied runs never count (or touch) the same records twice, in sequence or, on PostgreSQL, at
once (the second waits for the first's lock on the log "exchange")."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from anju.assistance.tables import application_steps, member_consents, objections
from anju.core import clock
from anju.exchange import retention
from anju.rental import retention as rental_retention
from anju.rental.tables import rental_lease_events, rental_leases
from anju.security import Caller, Security, audit_log
from tests.integration.test_exchange_retention import _run, _set_up


def _links(engine: Engine, s: dict[str, Any]) -> dict[str, int]:
    app, lease = s["apps"]["long_ago"], s["leases"]["ended_long_ago"]
    with engine.begin() as c:
        c.execute(update(rental_leases).where(rental_leases.c.id == lease).values(tenant_account_id=77))
        c.execute(
            rental_lease_events.insert(),
            [
                {"lease_id": lease, "kind": "signed", "at": clock.now(), "actor_account_id": 77, "detail": "{}"},
                {"lease_id": lease, "kind": "filed", "at": clock.now(), "actor_account_id": 5, "detail": "{}"},
            ],
        )
        c.execute(
            member_consents.insert().values(
                application_id=app, member_bidx="b" * 64, account_id=88, consented_at=clock.now()
            )
        )
        c.execute(
            objections.insert().values(
                application_id=app, text="张三说李四的收入有误", submitted_at=clock.now(), status="dismissed"
            )
        )
        c.execute(
            application_steps.insert().values(
                application_id=app, at=clock.now(), actor="s1", level="street", action="reject",
                from_status="submitted", to_status="rejected", reason="王五的房产未申报",
            )
        )  # fmt: skip
    return {"app": app, "lease": lease}


def test_pseudonymising_drops_the_consenting_accounts_free_text_and_the_tenants_acts(
    city_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(city_engine)
    kr = Security(settings).keyring
    ids = _links(city_engine, _set_up(city_engine, kr))
    assert _run(city_engine, settings, kr, apply=False)["total"] == 3
    assert _run(city_engine, settings, kr, apply=True)["total"] == 3
    with city_engine.connect() as c:
        q = select(audit_log.c.detail).where(audit_log.c.action == "exchange.retention_run").order_by(audit_log.c.id)
        modes = [json.loads(d)["mode"] for d in c.execute(q).scalars()]
        assert modes == ["dry_run", "apply"]  # the audit row says which kind of run it was
        mc = member_consents
        assert c.execute(select(mc.c.account_id).where(mc.c.application_id == ids["app"])).scalars().all() == [None]
        texts = c.execute(select(objections.c.text).where(objections.c.application_id == ids["app"])).scalars().all()
        assert texts == ["已按数据保留规则删除"]
        st = application_steps
        reasons = c.execute(select(st.c.reason).where(st.c.application_id == ids["app"], st.c.reason.is_not(None)))
        assert set(reasons.scalars()) == {"已按数据保留规则删除"}
        e = rental_lease_events
        acts = c.execute(select(e.c.kind, e.c.actor_account_id).where(e.c.lease_id == ids["lease"])).all()
        assert {(k, a) for k, a in acts if k in ("signed", "filed")} == {("signed", None), ("filed", 5)}


def test_an_update_keeps_the_due_condition_so_a_stale_selection_touches_nothing(
    city_engine: Engine, settings_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second run whose selection predates the first's commit (its leases are already done) changes
    and counts nothing: the UPDATE itself asks whether the lease is still due."""
    settings = settings_for(city_engine)
    kr = Security(settings).keyring
    _set_up(city_engine, kr)
    assert _run(city_engine, settings, kr, apply=True)["total"] == 3
    before = clock.today() - timedelta(days=5 * 366)
    real, calls = rental_retention._due, []

    def stale_once(b: Any) -> Any:
        calls.append(b)
        conds = real(b)
        return conds[:2] if len(calls) == 1 else conds  # the first selection misses the pseudonymised check

    monkeypatch.setattr(rental_retention, "_due", stale_once)
    with city_engine.begin() as c:
        assert rental_retention.pseudonymise_closed(c, before, keyring=kr) == 0
    assert len(calls) >= 2
    assert _run(city_engine, settings, kr, apply=True)["total"] == 0


def test_two_applied_runs_at_once_count_each_record_once(city_engine: Engine, settings_for: Any) -> None:
    if city_engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers on its database lock; the race needs PostgreSQL")
    settings = settings_for(city_engine)
    kr = Security(settings).keyring
    _set_up(city_engine, kr)
    caller = Caller.system("test")
    first_done, release, totals = threading.Event(), threading.Event(), {}

    def first() -> None:
        with city_engine.begin() as conn:
            totals["first"] = retention.run(conn, settings, kr, caller, apply=True)["total"]
            first_done.set()
            release.wait(30)  # hold the transaction open while the second run starts

    def second() -> None:
        with city_engine.begin() as conn:
            totals["second"] = retention.run(conn, settings, kr, caller, apply=True)["total"]

    t1 = threading.Thread(target=first)
    t1.start()
    assert first_done.wait(30)
    t2 = threading.Thread(target=second)
    t2.start()
    t2.join(1)
    assert t2.is_alive()  # the second waits for the first's lock
    release.set()
    t1.join(30)
    t2.join(30)
    assert totals == {"first": 3, "second": 0}
