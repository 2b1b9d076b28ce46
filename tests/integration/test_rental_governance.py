"""Governance of the rental market — complaints and disputes (投诉纠纷), inspections (检查执法) and the
credit events their violations become — through the services, the HTTP API and the pages, on both
databases."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update

from anju import credit, divisions, ledger
from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.credit import credit_events
from anju.registry import tables as rt
from anju.rental import domain, governance, inspections
from anju.rental.tables import (
    rental_complaint_events,
    rental_complaints,
    rental_inspections,
    rental_parties,
    rental_violations,
)
from anju.security import Caller, Keyring, Role, Security, accounts, audit_log, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, CITIZEN_PHONE, World, account_id, api_token, choose_world
from tests.accounts import web_session as new_web_session

API = "/api/v1/rental"
DAYS = 7  # rental_complaint_days of these tests (the default is 15)
TENANT_ID = rb.resident_id(4242)  # the lease's tenant: never shown
SECOND_OWNER_ID = rb.resident_id(4343)


@dataclass
class Env:
    engine: Engine
    client: TestClient
    kr: Keyring
    sec: Security
    world: World
    street_b: str  # a street of district B
    lease: int  # a filed lease of ``home_s1``; the citizen is its tenant
    home_s1: Any  # owned by the landlord
    home_s2: Any  # owned by the landlord and a second owner
    home_b: Any  # in district B, owned by the landlord
    bare_home: Any  # in S1, without any owner on record
    party_s1: int
    party_s2: int
    listing_s2: int  # published by party_s2
    tokens: dict[str, str]

    def h(self, who: str) -> dict[str, str]:
        if who not in self.tokens:
            self.tokens[who] = api_token(self.engine, who)
        return {"authorization": f"Bearer {self.tokens[who]}"}

    def caller(self, who: str) -> Caller:
        with self.engine.connect() as c:
            row = c.execute(select(accounts).where(accounts.c.username == who)).one()
            role = Role(row.role)
            scope = self.sec.scope_for(c, int(row.id), role, row.division_code)
        return Caller(int(row.id), who, role, row.division_code, scope)

    def count(self, table: Any) -> int:
        with self.engine.connect() as c:
            return int(c.execute(select(func.count()).select_from(table)).scalar_one())

    def complaint(self, complaint_id: int) -> Any:
        with self.engine.connect() as c:
            return c.execute(select(rental_complaints).where(rental_complaints.c.id == complaint_id)).one()

    def party_code(self, party_id: int) -> str:
        with self.engine.connect() as c:
            return str(
                c.execute(select(rental_parties.c.credit_code).where(rental_parties.c.id == party_id)).scalar_one()
            )

    def sign_in(self, who: str) -> str:
        """Sign the client in with a web session of ``who``; returns its CSRF token."""
        token, csrf = new_web_session(self.engine, who)
        self.client.cookies.clear()
        self.client.cookies.set("anju_session", token)
        return csrf


def _street_of_district(conn: Any, district: str) -> str:
    b = rt.buildings
    return str(
        conn.execute(
            select(b.c.street_code)
            .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
            .order_by(b.c.street_code)
            .limit(1)
        ).scalar_one()
    )


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[Env]:
    settings = settings_for(city_engine, rental_complaint_days=DAYS)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        s1 = rb.free_homes(conn, w.street_s1, 2)
        s2 = rb.free_homes(conn, w.street_s2, 1)[0]
        street_b = _street_of_district(conn, w.district_b)
        hb = rb.free_homes(conn, street_b, 1)[0]
        for home in (s1[0], s2, hb):
            rb.own(conn, kr, home.id)
        rb.own(conn, kr, s2.id, SECOND_OWNER_ID, "陈二房")
        citizen = rb.account(conn, "citizen").id
        lease = rb.filed_lease(
            conn, kr, s1[0], start_on=clock.today() - timedelta(days=30), tenant_id=TENANT_ID, tenant_account_id=citizen
        )
        party_s1 = rb.party(conn, kr, w.street_s1)
        party_s2 = rb.party(conn, kr, w.street_s2, kind="agency")
        listing_s2 = rb.listing(conn, rb.free_homes(conn, w.street_s2, 1)[0], party_id=party_s2)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield Env(
            city_engine,
            client,
            kr,
            app.state.security,
            w,
            street_b,
            lease,
            s1[0],
            s2,
            hb,
            s1[1],
            party_s1,
            party_s2,
            listing_s2,
            {},
        )
    app.state.engine.dispose()


def complain(env: Env, who: str = "citizen", **over: Any) -> dict[str, Any]:
    """File a complaint over HTTP (by default the citizen's about their own lease); returns the detail."""
    body: dict[str, Any] = {
        "kind": "dispute",
        "category": "押金退还",
        "subject_kind": "lease",
        "lease_id": env.lease,
        "title": "退租后押金未退",
        "text": "合同到期退租已一个月，出租人仍未退还押金。",
    }
    body.update(over)
    r = env.client.post(f"{API}/me/complaints", json=body, headers=env.h(who))
    assert r.status_code == 201, r.text
    d = env.client.get(f"{API}/me/complaints/{r.json()['id']}", headers=env.h(who))
    assert d.status_code == 200, d.text
    return dict(d.json()) | {"number": r.json()["number"]}


def about_home(env: Env, home: Any, who: str = "citizen", **over: Any) -> dict[str, Any]:
    return complain(
        env,
        who,
        kind="complaint",
        category="房屋质量",
        subject_kind="home",
        lease_id=None,
        house_code=home.house_code,
        **over,
    )


def ts(v: str) -> datetime:
    return datetime.fromisoformat(v.replace("Z", "+00:00"))


# ------------------------------------------------------------------------------------------ filing


def test_a_tenants_complaint_goes_to_the_street_of_the_home_with_the_settings_deadline(env: Env) -> None:
    c = complain(env)
    assert (
        re.fullmatch(rf"TS{clock.to_local(clock.now()).year}\d{{7}}", c["number"]) and c["complaint_no"] == c["number"]
    )
    assert (c["street_code"], c["district_code"]) == (env.home_s1.street_code, env.home_s1.district_code)
    assert (c["subject_kind"], c["lease_id"], c["home_id"]) == ("lease", env.lease, env.home_s1.id)
    assert c["complainant_side"] == "tenant" and c["status"] == "received" and c["status_label"] == "已受理"
    assert ts(c["due_at"]) - ts(c["created_at"]) == timedelta(days=DAYS)
    assert c["overdue"] is False and c["level"] == "street" and c["reply"] is None
    assert [(e["kind"], e["by_staff"]) for e in c["events"]] == [("received", False)]
    assert "complainant" not in c or c["complainant"] is None  # the complainant's own view
    # a home in district B goes to its own street, whoever complains; a landlord complains as a landlord
    b = about_home(env, env.home_b, who="landlord")
    assert (b["street_code"], b["district_code"]) == (env.home_b.street_code, env.world.district_b)
    assert b["complainant_side"] == "landlord" and b["number"] > c["number"]
    # a listing's complaint goes to the listing's street and names its party
    li = complain(
        env, kind="complaint", category="虚假房源", subject_kind="listing", lease_id=None, listing_id=env.listing_s2
    )
    assert li["street_code"] == env.world.street_s2 and li["party_id"] == env.party_s2
    assert li["complainant_side"] == "public"
    with env.engine.connect() as conn:
        audit = conn.execute(
            select(audit_log.c.action, audit_log.c.entity_id).where(audit_log.c.action == "rental.file_complaint")
        ).all()
    assert sorted(int(e) for _, e in audit) == sorted([c["id"], b["id"], li["id"]])


def test_the_default_deadline_is_fifteen_days(city_engine: Engine, settings_for: Any) -> None:
    settings = settings_for(city_engine)
    assert settings.rental_complaint_days == 15
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        home = rb.free_homes(conn, w.street_s1, 1)[0]
        aid = account_id(city_engine, "citizen")
        caller = Caller(aid, "citizen", Role.citizen, None, Security(settings).scope_for(conn, aid, Role.citizen, None))
        cid = governance.file_complaint(
            conn,
            caller,
            governance.ComplaintIn("complaint", "其他", "home", "标题", "内容", house_code=home.house_code.lower()),
            days=settings.rental_complaint_days,
        )
        row = conn.execute(select(rental_complaints).where(rental_complaints.c.id == cid)).one()
    assert row.due_at - row.created_at == timedelta(days=15) and row.street_code == w.street_s1


def test_bad_input_names_every_field_and_writes_nothing(env: Env) -> None:
    citizen = env.caller("citizen")
    bad = governance.ComplaintIn("complain", "卫生", "listing", "  ", "", listing_id=99_999_999)
    with env.engine.begin() as conn, pytest.raises(ValidationError) as e:
        governance.file_complaint(conn, citizen, bad, days=DAYS)
    assert {x.field for x in e.value.errors} == {"kind", "category", "title", "text", "listing_id"}
    r = env.client.post(
        f"{API}/me/complaints",
        json={
            "kind": "complaint",
            "category": "其他",
            "subject_kind": "home",
            "house_code": "NOPE",
            "title": "t",
            "text": "",
        },
        headers=env.h("citizen"),
    )
    assert r.status_code == 422
    assert {(x["field"], x["reason"]) for x in r.json()["errors"]} == {
        ("house_code", "没有这个房屋代码"),
        ("text", "应为 1–5000 个字符"),
    }
    r = env.client.post(
        f"{API}/me/complaints",
        json={"kind": "complaint", "category": "其他", "subject_kind": "party", "title": "t", "text": "x"},
        headers=env.h("citizen"),
    )
    assert r.status_code == 422 and [x["field"] for x in r.json()["errors"]] == ["party_id"]
    # somebody else's lease reads exactly like a lease that does not exist
    other = complain_raw(env, "landlord", lease_id=env.lease)
    missing = complain_raw(env, "landlord", lease_id=99_999_999)
    assert other.status_code == missing.status_code == 422
    assert other.json()["errors"] == missing.json()["errors"] == [{"field": "lease_id", "reason": "没有这份租赁合同"}]
    assert env.count(rental_complaints) == 0 and env.count(rental_complaint_events) == 0


def complain_raw(env: Env, who: str, **over: Any) -> Any:
    body = {"kind": "complaint", "category": "其他", "subject_kind": "lease", "title": "标题", "text": "内容"} | over
    return env.client.post(f"{API}/me/complaints", json=body, headers=env.h(who))


# --------------------------------------------------------------------------------- scope and flow


def test_a_clerk_of_another_street_cannot_see_or_take_it(env: Env) -> None:
    c = complain(
        env, kind="complaint", category="虚假房源", subject_kind="listing", lease_id=None, listing_id=env.listing_s2
    )
    assert c["street_code"] == env.world.street_s2  # the clerk works in S1
    cid = c["id"]
    clerk = env.h("clerk")
    for method, path, body in (
        ("GET", f"{API}/complaints/{cid}", None),
        ("POST", f"{API}/complaints/{cid}/take", {}),
        ("POST", f"{API}/complaints/{cid}/resolution", {"outcome": "resolved", "reply": "已核实"}),
    ):
        r = env.client.request(method, path, json=body, headers=clerk)
        assert r.status_code == 404, (path, r.text)
        assert r.json()["message"] == f"投诉 {cid} 不存在"  # the same answer as a complaint that does not exist
    assert env.client.get(f"{API}/complaints/99999999", headers=clerk).status_code == 404
    assert cid not in [i["id"] for i in env.client.get(f"{API}/complaints", headers=clerk).json()["items"]]
    env.sign_in("clerk")
    assert env.client.get(f"/rental/complaints/{cid}").status_code == 404
    with env.engine.begin() as conn, pytest.raises(NotFound):
        governance.take_complaint(conn, env.caller("clerk"), cid)
    assert env.complaint(cid).status == "received" and env.complaint(cid).handler_account_id is None
    # another complainant does not see it either; the district officer of the district does
    assert env.client.get(f"{API}/me/complaints/{cid}", headers=env.h("landlord")).status_code == 404
    assert env.client.get(f"{API}/complaints/{cid}", headers=env.h("district")).status_code == 200
    with env.engine.connect() as conn:
        denied = conn.execute(
            select(func.count())
            .select_from(audit_log)
            .where(audit_log.c.actor == "clerk", audit_log.c.outcome == "denied")
        ).scalar_one()
    assert denied >= 1  # the probes out of scope are audited


def test_take_then_resolve_the_states_and_what_the_complainant_reads(env: Env) -> None:
    c = complain(env)
    cid = c["id"]
    clerk = env.h("clerk")
    # the reply needs a complaint being handled
    r = env.client.post(f"{API}/complaints/{cid}/resolution", json={"outcome": "resolved", "reply": "x"}, headers=clerk)
    assert r.status_code == 409 and r.json()["errors"] == [{"field": "status", "reason": "received"}]
    r = env.client.post(f"{API}/complaints/{cid}/take", json={"note": "已联系双方"}, headers=clerk)
    assert r.status_code == 200, r.text
    taken = r.json()
    assert taken["status"] == "handling" and taken["handled_at"] is not None and taken["complainant"] == "citizen"
    assert env.complaint(cid).handler_account_id == account_id(env.engine, "clerk")
    r = env.client.post(f"{API}/complaints/{cid}/take", json={}, headers=env.h("district"))
    assert r.status_code == 409  # taken once only
    # the auditor reads but never handles
    assert env.client.get(f"{API}/complaints/{cid}", headers=env.h("auditor")).status_code == 200
    assert env.client.post(f"{API}/complaints/{cid}/take", json={}, headers=env.h("auditor")).status_code == 403
    # a rejection cannot find violations; an empty reply is refused
    bad = {"outcome": "rejected", "reply": "不属实", "violations": [{"kind": "rental.other", "description": "无"}]}
    r = env.client.post(f"{API}/complaints/{cid}/resolution", json=bad, headers=clerk)
    assert r.status_code == 422 and [e["field"] for e in r.json()["errors"]] == ["violations"]
    assert env.complaint(cid).status == "handling"
    r = env.client.post(
        f"{API}/complaints/{cid}/resolution", json={"outcome": "resolved", "reply": "已协调退还押金。"}, headers=clerk
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "resolved" and done["status_label"] == "已办结" and done["closed_at"] is not None
    assert done["credit_event_id"] is None  # no violation found: no credit event
    r = env.client.post(f"{API}/complaints/{cid}/resolution", json={"outcome": "rejected", "reply": "x"}, headers=clerk)
    assert r.status_code == 409  # closed for good
    mine = env.client.get(f"{API}/me/complaints/{cid}", headers=env.h("citizen")).json()
    assert mine["reply"] == "已协调退还押金。" and mine["status"] == "resolved"
    assert [(e["kind"], e["by_staff"], e["text"]) for e in mine["events"]] == [
        ("received", False, None),
        ("handling", True, "已联系双方"),
        ("resolved", True, "已协调退还押金。"),
    ]
    with env.engine.connect() as conn:
        actions = conn.execute(
            select(audit_log.c.action).where(
                audit_log.c.entity == "rental_complaint", audit_log.c.entity_id == str(cid)
            )
        ).scalars()
        assert sorted(actions) == ["rental.file_complaint", "rental.resolved_complaint", "rental.take_complaint"]
    # a rejected one ends as rejected
    other = complain(env, title="另一件事")["id"]
    with env.engine.begin() as conn:
        governance.take_complaint(conn, env.caller("district"), other)
        assert governance.resolve_complaint(
            conn, env.kr, env.caller("district"), other, governance.Resolution("rejected", "不属实")
        ) == ("rejected")
    assert env.complaint(other).status == "rejected"
    with env.engine.begin() as conn, pytest.raises(Conflict):
        governance.take_complaint(conn, env.caller("district"), other)


def test_overdue_complaints_come_first_and_are_escalated_to_the_district(env: Env, monkeypatch: Any) -> None:
    first = complain(env, title="第一件")["id"]
    late = complain(env, title="已超期的一件")["id"]
    closed = complain(env, title="超期但已办结")["id"]
    past = clock.now() - timedelta(days=1)
    with env.engine.begin() as conn:
        conn.execute(update(rental_complaints).where(rental_complaints.c.id.in_([late, closed])).values(due_at=past))
        governance.take_complaint(conn, env.caller("clerk"), closed)
        governance.resolve_complaint(
            conn, env.kr, env.caller("clerk"), closed, governance.Resolution("resolved", "已办结")
        )
    items = env.client.get(f"{API}/complaints", headers=env.h("clerk")).json()["items"]
    assert [i["id"] for i in items] == [late, first, closed]  # open first by deadline, then the closed one
    assert [(i["overdue"], i["level"]) for i in items] == [(True, "district"), (False, "street"), (False, "street")]
    r = env.client.get(f"{API}/complaints", params={"overdue": "true"}, headers=env.h("district"))
    assert [i["id"] for i in r.json()["items"]] == [late] and r.json()["total"] == 1
    r = env.client.get(f"{API}/complaints", params={"open": "true"}, headers=env.h("district"))
    assert {i["id"] for i in r.json()["items"]} == {late, first}
    # the complainant sees it overdue too
    mine = env.client.get(f"{API}/me/complaints/{late}", headers=env.h("citizen")).json()
    assert mine["overdue"] is True and mine["level"] == "district"
    # the queue page marks it
    env.sign_in("district")
    page = env.client.get("/rental/complaints", params={"overdue": "1"})
    assert page.status_code == 200 and "已超期（升级至区）" in page.text and "已超期的一件" in page.text
    assert "第一件" not in page.text
    # time passes: past its deadline every open complaint is overdue (nothing else changed)
    later = clock.now() + timedelta(days=DAYS, hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    with env.engine.connect() as conn:
        page = governance.list_complaints(
            conn, governance.ComplaintFilter(overdue=True), scope=env.caller("clerk").scope, limit=10, offset=0
        )
        total, rows = page.total, page.items
    assert total == 2 and {r["id"] for r in rows} == {first, late}


# ------------------------------------------------------------------------------ credit events


def _events(env: Env, ids: list[int]) -> list[Any]:
    with env.engine.connect() as conn:
        return list(conn.execute(select(credit_events).where(credit_events.c.id.in_(ids)).order_by(credit_events.c.id)))


def test_an_inspection_with_violations_becomes_credit_events_of_the_party(env: Env) -> None:
    on = clock.today() - timedelta(days=2)
    body = {
        "target_kind": "party",
        "party_id": env.party_s1,
        "inspected_on": on.isoformat(),
        "findings": "检查经营场所与台账，发现两项问题。",
        "violations": [
            {"kind": "rental.escrow_breach", "description": "租金未进入监管账户"},
            {"kind": "rental.unfiled_practitioner", "description": "使用未备案人员", "severity": "major"},
        ],
    }
    before = env.count(credit_events)
    r = env.client.post(f"{API}/inspections", json=body, headers=env.h("clerk"))
    assert r.status_code == 201, r.text
    iid, number = r.json()["id"], r.json()["number"]
    assert re.fullmatch(rf"JC{clock.to_local(clock.now()).year}\d{{7}}", number)
    d = env.client.get(f"{API}/inspections/{iid}", headers=env.h("clerk")).json()
    assert (
        d["outcome"] == "violation" and d["street_code"] == env.world.street_s1 and d["inspected_on"] == on.isoformat()
    )
    assert [(v["kind"], v["severity"], v["subject_kind"]) for v in d["violations"]] == [
        ("rental.escrow_breach", "serious", "org"),  # the kind's default severity
        ("rental.unfiled_practitioner", "major", "org"),  # the inspector's choice
    ]
    assert env.count(credit_events) == before + 2
    events = _events(env, [v["credit_event_id"] for v in d["violations"]])
    org = env.kr.blind_index(env.party_code(env.party_s1), "credit_code")
    assert [(e.subject_kind, e.subject_bidx, e.source, e.kind, e.severity) for e in events] == [
        ("org", org, "rental", "rental.escrow_breach", "serious"),
        ("org", org, "rental", "rental.unfiled_practitioner", "major"),
    ]
    with env.engine.connect() as conn:
        party_no = conn.execute(
            select(rental_parties.c.party_no).where(rental_parties.c.id == env.party_s1)
        ).scalar_one()
        for e in events:
            assert (e.occurred_on, e.reference, e.street_code, e.expires_on) == (on, number, env.world.street_s1, None)
            assert json.loads(e.detail) == {
                "target": "party",
                "target_ref": party_no,
                "inspection_id": iid,
                "complaint_id": None,
            }
            # each event is a leaf of the verifiable log "credit", naming the subject by its blind index only
            leaf = json.loads(ledger.entry(conn, "credit", e.ledger_index).data)
            assert {k: leaf[k] for k in ("type", "subject", "source", "kind", "severity", "reference")} == {
                "type": "credit.event",
                "subject": org,
                "source": "rental",
                "kind": e.kind,
                "severity": e.severity,
                "reference": number,
            }
        # what consumers read: the events in effect for the organisation
        assert sorted(credit.effective_events(conn, [org], clock.today())[org]) == [
            ("rental.escrow_breach", "serious"),
            ("rental.unfiled_practitioner", "major"),
        ]
        assert credit.effective_events(conn, [org], on - timedelta(days=1)) == {}
        rows = conn.execute(select(rental_violations).where(rental_violations.c.inspection_id == iid)).all()
    assert sorted(int(v.credit_event_id) for v in rows) == [int(e.id) for e in events]


def test_a_home_inspection_charges_every_owner_and_a_compliant_one_charges_nobody(env: Env) -> None:
    clerk = env.caller("district")
    cmd = inspections.InspectionIn(
        "home",
        "群租：客厅隔出两间出租",
        house_code=env.home_s2.house_code,
        violations=(governance.ViolationIn("rental.illegal_partition", "客厅隔断出租"),),
    )
    with env.engine.begin() as conn:
        iid = inspections.record_inspection(conn, env.kr, clerk, cmd)
    d = env.client.get(f"{API}/inspections/{iid}", headers=env.h("district")).json()
    events = _events(env, [v["credit_event_id"] for v in d["violations"]])
    owners = sorted([env.kr.blind_index(rb.LANDLORD_ID, "id_number"), env.kr.blind_index(SECOND_OWNER_ID, "id_number")])
    assert sorted(e.subject_bidx for e in events) == owners  # one event per owner on record
    assert {(e.subject_kind, e.kind, e.severity) for e in events} == {("person", "rental.illegal_partition", "major")}
    assert json.loads(events[0].detail)["target_ref"] == env.home_s2.house_code
    before = env.count(credit_events)
    with env.engine.begin() as conn:
        ok = inspections.record_inspection(
            conn, env.kr, clerk, inspections.InspectionIn("home", "未发现问题", house_code=env.home_s2.house_code)
        )
    assert env.count(credit_events) == before
    assert env.client.get(f"{API}/inspections/{ok}", headers=env.h("district")).json()["outcome"] == "compliant"


def test_bad_inspections_name_the_field_and_write_nothing(env: Env, monkeypatch: Any) -> None:
    clerk = env.h("clerk")
    n_events, n_insp = env.count(credit_events), env.count(rental_inspections)
    cases = [
        # a party of another street reads like one that does not exist
        ({"target_kind": "party", "party_id": env.party_s2, "findings": "x"}, {"party_id": "没有这个租赁主体"}),
        ({"target_kind": "party", "party_id": 99_999_999, "findings": "x"}, {"party_id": "没有这个租赁主体"}),
        (
            {
                "target_kind": "home",
                "house_code": env.home_s1.house_code,
                "findings": " ",
                "inspected_on": "2999-01-01",
            },
            {"findings": "须填写检查情况（1–5000 个字符）", "inspected_on": "不能晚于今天"},
        ),
        (
            {
                "target_kind": "home",
                "house_code": env.home_s1.house_code,
                "findings": "x",
                "violations": [{"kind": "rental.nonsense", "description": "x"}],
            },
            {"violations[0].kind": "未知的违规类型，见 docs/rental.md"},
        ),
        # a violation of a home without an owner on record has nobody to answer for it
        (
            {
                "target_kind": "home",
                "house_code": env.bare_home.house_code,
                "findings": "x",
                "violations": [{"kind": "rental.other", "description": "x"}],
            },
            {"violations": "找不到应承担责任的主体（房屋无在册产权人）"},
        ),
    ]
    for body, want in cases:
        r = env.client.post(f"{API}/inspections", json=body, headers=clerk)
        assert r.status_code == 422, r.text
        assert {e["field"]: e["reason"] for e in r.json()["errors"]} == want

    # a failure while logging the credit event rolls the whole inspection back
    def boom(*a: Any, **k: Any) -> int:
        raise RuntimeError("ledger down")

    monkeypatch.setattr(ledger, "append", boom)
    cmd = inspections.InspectionIn(
        "party", "x", party_id=env.party_s1, violations=(governance.ViolationIn("rental.other", "x"),)
    )
    with pytest.raises(RuntimeError), env.engine.begin() as conn:
        inspections.record_inspection(conn, env.kr, env.caller("clerk"), cmd)
    monkeypatch.undo()
    assert (env.count(credit_events), env.count(rental_inspections), env.count(rental_violations)) == (
        n_events,
        n_insp,
        0,
    )


def test_an_upheld_complaint_with_a_violation_becomes_a_credit_event_of_the_landlord(env: Env) -> None:
    c = complain(env)
    with env.engine.begin() as conn:
        governance.take_complaint(conn, env.caller("clerk"), c["id"])
    body = {
        "outcome": "resolved",
        "reply": "经核实，出租人无正当理由扣留押金，已责令退还。",
        "violations": [{"kind": "rental.deposit_overcharge", "description": "扣留押金"}],
    }
    r = env.client.post(f"{API}/complaints/{c['id']}/resolution", json=body, headers=env.h("clerk"))
    assert r.status_code == 200, r.text
    ev_id = r.json()["credit_event_id"]
    (ev,) = _events(env, [ev_id])
    assert (ev.subject_kind, ev.subject_bidx) == ("person", env.kr.blind_index(rb.LANDLORD_ID, "id_number"))
    assert (ev.kind, ev.severity, ev.reference, ev.occurred_on) == (
        "rental.deposit_overcharge",
        "major",
        c["complaint_no"],
        clock.today(),
    )
    assert json.loads(ev.detail) == {
        "target": "lease",
        "target_ref": c["complaint_no"],
        "inspection_id": None,
        "complaint_id": c["id"],
    }
    assert rb.LANDLORD_ID not in ev.detail and TENANT_ID not in ev.detail


# --------------------------------------------------------------------------------------- scoping


def test_lists_are_scoped_by_role_and_division(env: Env) -> None:
    s1 = complain(env)["id"]
    s2 = about_home(env, env.home_s2)["id"]
    b = about_home(env, env.home_b, who="landlord")["id"]

    def ids(who: str, **params: str) -> set[int]:
        r = env.client.get(f"{API}/complaints", params=params, headers=env.h(who))
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert ids("clerk") == {s1}
    assert ids("district") == {s1, s2}
    assert ids("district", street=env.world.street_s2) == {s2}
    assert ids("city") == ids("auditor") == {s1, s2, b}
    for who in ("citizen", "landlord", "agency", "admin"):
        assert env.client.get(f"{API}/complaints", headers=env.h(who)).status_code == 403
    mine = env.client.get(f"{API}/me/complaints", headers=env.h("citizen")).json()
    assert {i["id"] for i in mine["items"]} == {s1, s2} and mine["total"] == 2
    assert {i["id"] for i in env.client.get(f"{API}/me/complaints", headers=env.h("landlord")).json()["items"]} == {b}
    # inspections: the clerk records in S1 only and sees S1 only
    with env.engine.begin() as conn:
        i1 = inspections.record_inspection(
            conn, env.kr, env.caller("clerk"), inspections.InspectionIn("party", "正常", party_id=env.party_s1)
        )
        i2 = inspections.record_inspection(
            conn, env.kr, env.caller("district"), inspections.InspectionIn("listing", "正常", listing_id=env.listing_s2)
        )
        ib = inspections.record_inspection(
            conn, env.kr, env.caller("city"), inspections.InspectionIn("home", "正常", house_code=env.home_b.house_code)
        )

    def insp(who: str, **params: str) -> set[int]:
        r = env.client.get(f"{API}/inspections", params=params, headers=env.h(who))
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    assert insp("clerk") == {i1} and insp("district") == {i1, i2} and insp("auditor") == {i1, i2, ib}
    assert insp("city", target_kind="listing") == {i2} and insp("district", party_id=str(env.party_s2)) == {i2}
    assert env.client.get(f"{API}/inspections/{i2}", headers=env.h("clerk")).status_code == 404
    assert env.client.get(f"{API}/inspections/{ib}", headers=env.h("district")).status_code == 404
    assert env.client.get(f"{API}/inspections", headers=env.h("citizen")).status_code == 403
    r = env.client.post(
        f"{API}/inspections",
        json={"target_kind": "party", "party_id": env.party_s1, "findings": "x"},
        headers=env.h("auditor"),
    )
    assert r.status_code == 403


# ------------------------------------------------------------------------------------------ pages


def test_the_citizen_files_and_follows_a_complaint_on_the_pages(env: Env) -> None:
    csrf = env.sign_in("citizen")
    home = env.client.get("/rental")
    assert (
        home.status_code == 200 and "我要投诉" in home.text and "我的投诉" in home.text and "检查执法" not in home.text
    )
    assert "暂无投诉" in env.client.get("/rental/complaints/mine").text
    form = env.client.get("/rental/complaints/new", params={"subject_kind": "lease", "ref": str(env.lease)})
    assert form.status_code == 200 and "投诉、纠纷" in form.text and f"办理时限 {DAYS} 天" in form.text
    assert f'value="{env.lease}"' in form.text
    # an empty form is shown again with the reason next to each field, and nothing is written
    r = env.client.post("/rental/complaints", data={"csrf_token": csrf})
    assert r.status_code == 422 and "应为 1–100 个字符" in r.text and "应为 lease、listing、party 或 home" in r.text
    assert re.search(r'name="title"[^>]*>\s*<span class="error">应为 1–100 个字符</span>', r.text)
    assert env.count(rental_complaints) == 0
    # without the session's CSRF token the post is refused
    data = {
        "kind": "dispute",
        "category": "押金退还",
        "subject_kind": "lease",
        "ref": str(env.lease),
        "title": "押金未退",
        "text": "退租后押金未退还。",
    }
    assert env.client.post("/rental/complaints", data=data).status_code == 403
    assert env.count(rental_complaints) == 0
    r = env.client.post("/rental/complaints", data=data | {"csrf_token": csrf})
    assert r.status_code == 303, r.text
    cid = _last_complaint(env)
    assert r.headers["location"] == f"/rental/complaints/mine/{cid}?done=filed"
    page = env.client.get(r.headers["location"])
    assert page.status_code == 200 and "投诉已提交" in page.text and "押金未退" in page.text
    with env.engine.connect() as conn:
        name = divisions.names(conn, {env.home_s1.street_code})[env.home_s1.street_code]
    assert name in page.text and "暂无答复" in page.text
    listing = env.client.get("/rental/complaints/mine")
    assert listing.status_code == 200 and env.complaint(cid).complaint_no in listing.text and "已受理" in listing.text
    # a bad reference is named next to the reference field
    r = env.client.post("/rental/complaints", data=data | {"ref": "99999999", "csrf_token": csrf})
    assert r.status_code == 422 and "没有这份租赁合同" in r.text
    # staff pages are not the citizen's
    assert env.client.get(f"/rental/complaints/{cid}").status_code == 403


def _last_complaint(env: Env) -> int:
    with env.engine.connect() as conn:
        return int(conn.execute(select(func.max(rental_complaints.c.id))).scalar_one())


def test_staff_take_and_close_a_complaint_on_the_pages_after_a_confirmation(env: Env) -> None:
    cid = complain(env)["id"]
    csrf = env.sign_in("clerk")
    home = env.client.get("/rental")
    assert "投诉处理" in home.text and "检查执法" in home.text and "我要投诉" not in home.text
    queue = env.client.get("/rental/complaints")
    assert queue.status_code == 200 and "投诉、纠纷处理" in queue.text and "退租后押金未退" in queue.text
    assert "暂无符合条件" in env.client.get("/rental/complaints", params={"status": "rejected"}).text
    detail = env.client.get(f"/rental/complaints/{cid}")
    assert detail.status_code == 200 and "开始办理" in detail.text and "账户 citizen" in detail.text
    r = env.client.post(f"/rental/complaints/{cid}/take", data={"csrf_token": csrf})
    assert r.status_code == 303 and r.headers["location"] == f"/rental/complaints/{cid}?done=taken"
    detail = env.client.get(r.headers["location"])
    assert "已开始办理" in detail.text and f"/rental/complaints/{cid}/resolve?outcome=resolved" in detail.text
    again = env.client.post(f"/rental/complaints/{cid}/take", data={"csrf_token": csrf})
    assert again.status_code == 409 and "只有已受理" in again.text
    confirm = env.client.get(f"/rental/complaints/{cid}/resolve", params={"outcome": "resolved"})
    assert confirm.status_code == 200 and "确认办结" in confirm.text and "不能撤回" in confirm.text
    assert "发布虚假房源信息" in confirm.text  # the violation kinds to choose from
    r = env.client.post(
        f"/rental/complaints/{cid}/resolution", data={"outcome": "resolved", "reply": "", "csrf_token": csrf}
    )
    assert r.status_code == 422 and re.search(r"</textarea>\s*<span class=\"error\">须填写答复", r.text)
    assert env.complaint(cid).status == "handling"
    r = env.client.post(
        f"/rental/complaints/{cid}/resolution",
        data={
            "outcome": "resolved",
            "reply": "已协调退还。",
            "violation_kind": "rental.deposit_overcharge",
            "csrf_token": csrf,
        },
    )
    assert r.status_code == 303 and r.headers["location"] == f"/rental/complaints/{cid}?done=resolved"
    detail = env.client.get(r.headers["location"])
    assert "已办结" in detail.text and "已协调退还。" in detail.text and "记入责任主体信用记录" in detail.text
    assert "开始办理</button>" not in detail.text and "不能再变更" in detail.text
    row = env.complaint(cid)
    assert row.status == "resolved" and row.credit_event_id is not None
    (ev,) = _events(env, [int(row.credit_event_id)])
    assert ev.kind == "rental.deposit_overcharge" and ev.severity == "major"
    # closed: the confirmation page says so and offers no form
    confirm = env.client.get(f"/rental/complaints/{cid}/resolve", params={"outcome": "rejected"})
    assert (
        confirm.status_code == 200 and "只有办理中的投诉可以驳回" in confirm.text and "/resolution" not in confirm.text
    )
    # the auditor reads the queue and the complaint but has no buttons
    env.sign_in("auditor")
    page = env.client.get(f"/rental/complaints/{cid}")
    assert page.status_code == 200 and "已办结" in page.text and "/resolve" not in page.text


def test_inspection_pages_confirm_a_violation_before_it_becomes_a_credit_event(env: Env) -> None:
    csrf = env.sign_in("clerk")
    page = env.client.get("/rental/inspections")
    assert page.status_code == 200 and "检查执法" in page.text and "暂无检查记录" in page.text
    form = env.client.get("/rental/inspections/new", params={"target_kind": "party", "party_id": env.party_s1})
    assert form.status_code == 200 and "记录住房租赁检查" in form.text and f'value="{env.party_s1}"' in form.text
    base = {"target_kind": "party", "ref": str(env.party_s1), "csrf_token": csrf}
    r = env.client.post("/rental/inspections", data=base | {"findings": ""})
    assert r.status_code == 422 and re.search(r"</textarea>\s*<span class=\"error\">须填写检查情况", r.text)
    r = env.client.post("/rental/inspections", data=base | {"findings": "x", "inspected_on": "2026-02-30"})
    assert r.status_code == 422 and "日期应为 YYYY-MM-DD" in r.text
    r = env.client.post("/rental/inspections", data=base | {"findings": "x", "ref": str(env.party_s2)})
    assert r.status_code == 422 and "没有这个租赁主体" in r.text  # another street's party
    assert env.count(rental_inspections) == 0
    violation = base | {
        "findings": "台账缺失",
        "violation_kind": "rental.unfiled_practitioner",
        "severity": "",
        "violation_description": "两名人员未备案",
    }
    events = env.count(credit_events)
    r = env.client.post("/rental/inspections", data=violation)
    assert r.status_code == 200 and "确认记录违规" in r.text and "使用未备案的从业人员" in r.text
    assert "不能撤回" in r.text and 'name="confirmed" value="1"' in r.text
    assert env.count(rental_inspections) == 0 and env.count(credit_events) == events  # nothing yet
    r = env.client.post("/rental/inspections", data=violation | {"confirmed": "1"})
    assert r.status_code == 303, r.text
    m = re.fullmatch(r"/rental/inspections/(\d+)\?done=inspected", r.headers["location"])
    assert m
    detail = env.client.get(r.headers["location"])
    assert detail.status_code == 200 and "检查记录已保存" in detail.text and "发现违规" in detail.text
    assert "使用未备案的从业人员" in detail.text and "已记入" in detail.text and "一般" in detail.text
    assert env.count(credit_events) == events + 1
    # a compliant inspection is saved without a confirmation
    r = env.client.post("/rental/inspections", data=base | {"findings": "未发现问题"})
    assert r.status_code == 303
    listing = env.client.get("/rental/inspections", params={"outcome": "violation"})
    assert listing.status_code == 200 and "台账缺失" not in listing.text and "发现违规" in listing.text
    assert listing.text.count("/rental/inspections/" + m.group(1) + '"') == 1
    assert (
        "未发现违规"
        not in env.client.get("/rental/inspections", params={"outcome": "violation"}).text.split("<tbody>")[1]
    )
    env.sign_in("citizen")
    assert env.client.get("/rental/inspections").status_code == 403
    assert env.client.get(f"/rental/inspections/{m.group(1)}").status_code == 403


def test_personal_data_is_never_shown_in_governance_outputs(env: Env) -> None:
    """The lease's tenant and landlord, the owners and the complainant are named nowhere in clear."""
    c = complain(env)
    cid = c["id"]
    with env.engine.begin() as conn:
        governance.take_complaint(conn, env.caller("clerk"), cid)
        iid = inspections.record_inspection(
            conn,
            env.kr,
            env.caller("district"),
            inspections.InspectionIn(
                "home",
                "检查",
                house_code=env.home_s2.house_code,
                violations=(governance.ViolationIn("rental.other", "x"),),
            ),
        )
    secrets = [
        TENANT_ID,
        "李租客",
        rb.LANDLORD_ID,
        "王房东",
        SECOND_OWNER_ID,
        "陈二房",
        CITIZEN_ID,
        CITIZEN_NAME,
        CITIZEN_PHONE,
    ]
    texts = [
        env.client.get(f"{API}/me/complaints/{cid}", headers=env.h("citizen")).text,
        env.client.get(f"{API}/me/complaints", headers=env.h("citizen")).text,
        env.client.get(f"{API}/complaints/{cid}", headers=env.h("district")).text,
        env.client.get(f"{API}/complaints", headers=env.h("city")).text,
        env.client.get(f"{API}/inspections/{iid}", headers=env.h("district")).text,
        env.client.get(f"{API}/inspections", headers=env.h("city")).text,
    ]
    env.sign_in("citizen")
    texts += [env.client.get(f"/rental/complaints/mine/{cid}").text, env.client.get("/rental/complaints/mine").text]
    env.sign_in("district")
    texts += [
        env.client.get(f"/rental/complaints/{cid}").text,
        env.client.get(f"/rental/complaints/{cid}/resolve").text,
        env.client.get("/rental/complaints", params={"open": ""}).text,
        env.client.get(f"/rental/inspections/{iid}").text,
        env.client.get("/rental/inspections").text,
    ]
    assert all(c["complaint_no"] in t or "JC" in t for t in texts)  # the outputs are real ones
    for t in texts:
        for s in secrets:
            assert s not in t
    with env.engine.connect() as conn:
        stored = [r.detail for r in conn.execute(select(credit_events))]
        violations = [r.description for r in conn.execute(select(rental_violations))]
    assert stored and not any(s in x for x in stored + violations for s in secrets)


def test_domain_tables_of_governance_are_consistent() -> None:
    """Every violation kind has a known default severity; every status has a label; open states are the
    ones a handler can still act on."""
    assert all(sev in domain.SEVERITY_LABELS for _, sev in domain.VIOLATION_KINDS.values())
    assert all(k.startswith("rental.") for k in domain.VIOLATION_KINDS)
    assert set(domain.COMPLAINT_STATUS_LABELS) == set(domain.ComplaintStatus)
    assert {domain.ComplaintStatus.received, domain.ComplaintStatus.handling} == domain.OPEN_COMPLAINT


def test_a_listing_never_published_is_not_found_for_a_complaint(env: Env) -> None:
    citizen = env.caller("citizen")
    with env.engine.begin() as conn:
        draft = rb.listing(conn, rb.free_homes(conn, env.world.street_s1, 1)[0], status="draft")
    body = governance.ComplaintIn("complaint", "虚假房源", "listing", "标题", "内容", listing_id=draft)
    with env.engine.begin() as conn, pytest.raises(ValidationError) as e:
        governance.file_complaint(conn, citizen, body, days=DAYS)
    absent = governance.ComplaintIn("complaint", "虚假房源", "listing", "标题", "内容", listing_id=99_999_999)
    with env.engine.begin() as conn, pytest.raises(ValidationError) as e2:
        governance.file_complaint(conn, citizen, absent, days=DAYS)
    # the same answer as for a listing that does not exist: a draft's existence is not disclosed
    assert [(x.field, x.reason) for x in e.value.errors] == [(x.field, x.reason) for x in e2.value.errors]
    assert e.value.errors[0].field == "listing_id"
    with env.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(rental_complaints)).scalar_one() == 0
