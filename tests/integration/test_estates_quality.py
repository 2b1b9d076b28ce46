"""Service quality of estate management (issue 22) — owners' complaints routed to the street and the
company, annual evaluations, random inspections of companies — through the services, the HTTP API
and the pages, on both databases. The company and project rows are inserted here (the "services" part
files them in the live system)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select

from anju.app import create_app
from anju.core import clock
from anju.core.errors import ValidationError
from anju.credit import credit_events, credit_subjects
from anju.credit.tables import credit_inspection_draws
from anju.estates import SYNTHETIC_LABEL, quality_complaints, quality_rules
from anju.estates.tables import (
    estates_companies,
    estates_complaint_events,
    estates_complaints,
    estates_evaluations,
    estates_projects,
)
from anju.registry import tables as rt
from anju.security import (
    Caller,
    Keyring,
    NewAccount,
    Role,
    Security,
    accounts,
    audit_log,
    create_account,
    keyring_from_settings,
)
from tests import rental_builders as rb
from tests.accounts import CITIZEN_ID, CITIZEN_NAME, PASSWORD, World, api_token, choose_world
from tests.accounts import web_session as new_web_session

API = "/api/v1/property"
DAYS = 5


@dataclass
class Env:
    engine: Engine
    client: TestClient
    kr: Keyring
    sec: Security
    world: World
    home: Any  # the citizen's home, in street S1, in an estate with an active project
    other_home: Any  # the landlord's home (not the citizen's)
    bare_home: Any  # the citizen's home in an estate without a project (district B)
    company: int  # the seeded agency account's company
    project: int
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

    def sign_in(self, who: str) -> str:
        token, csrf = new_web_session(self.engine, who)
        self.client.cookies.clear()
        self.client.cookies.set("anju_session", token)
        return csrf


def company(conn: Connection, code: str, district: str, street: str, name: str = "安居物业服务有限公司") -> int:
    now = clock.now()
    return int(
        conn.execute(
            estates_companies.insert()
            .values(
                credit_code=code,
                name=name,
                qualification="grade2",
                staff=120,
                district_code=district,
                street_code=street,
                status="filed",
                filed_at=now,
                updated_at=now,
            )
            .returning(estates_companies.c.id)
        ).scalar_one()
    )


def project(conn: Connection, estate_id: int, company_id: int, no: str) -> int:
    est = conn.execute(select(rt.estates).where(rt.estates.c.id == estate_id)).one()
    return int(
        conn.execute(
            estates_projects.insert()
            .values(
                project_no=no,
                estate_id=estate_id,
                company_id=company_id,
                kind="early",
                chosen_by="tender",
                contract_no=f"HT-{no}",
                starts_on=date(2020, 1, 1),
                ends_on=date(2030, 12, 31),
                service_level="3",
                status="active",
                district_code=est.district_code,
                street_code=est.street_code,
                created_at=clock.now(),
            )
            .returning(estates_projects.c.id)
        ).scalar_one()
    )


def _home_in_district(conn: Connection, district: str) -> Any:
    b = rt.buildings
    street = conn.execute(
        select(b.c.street_code)
        .where(b.c.district_code == district, b.c.street_code.like(district + "%"))
        .order_by(b.c.street_code)
        .limit(1)
    ).scalar_one()
    return rb.free_homes(conn, street, 1)[0]


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[Env]:
    settings = settings_for(city_engine, estates_complaint_days=DAYS)
    kr = keyring_from_settings(settings)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:
        home, other = rb.free_homes(conn, w.street_s1, 2)
        rb.own(conn, kr, home.id, CITIZEN_ID, CITIZEN_NAME)
        rb.own(conn, kr, other.id)
        bare = _home_in_district(conn, w.district_b)
        rb.own(conn, kr, bare.id, CITIZEN_ID, CITIZEN_NAME)
        cid = company(conn, rb.AGENCY_CODE, w.district_a, w.street_s1)
        pid = project(conn, int(home.estate_id), cid, "XM2020000001")
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield Env(city_engine, client, kr, app.state.security, w, home, other, bare, cid, pid, {})
    app.state.engine.dispose()


def file(env: Env, who: str = "citizen", **over: Any) -> dict[str, Any]:
    body = {
        "house_code": env.home.house_code,
        "category": "repair",
        "title": "电梯故障",
        "text": "3 号楼电梯停运一周无人维修。",
    }
    body.update(over)
    r = env.client.post(f"{API}/me/complaints", json=body, headers=env.h(who))
    assert r.status_code == 201, r.text
    return dict(r.json())


# ------------------------------------------------------------------------------------------ complaints


def test_an_owner_files_the_company_replies_the_street_upholds_and_the_company_gets_a_credit_event(env: Env) -> None:
    made = file(env)
    assert made["number"].startswith(f"WY{clock.to_local(clock.now()).year}")
    cid = made["id"]
    with env.engine.connect() as c:
        row = c.execute(select(estates_complaints).where(estates_complaints.c.id == cid)).one()
        estate = c.execute(select(rt.estates).where(rt.estates.c.id == env.home.estate_id)).one()
    # routed to the estate's street and to its company, due in DAYS working days
    assert (row.street_code, row.district_code) == (estate.street_code, estate.district_code)
    assert (row.project_id, row.company_id, row.status) == (env.project, env.company, "company")
    assert row.due_at == quality_rules.due_at(row.created_at, DAYS)

    # the owner sees it; another owner does not
    mine = env.client.get(f"{API}/me/complaints", headers=env.h("citizen")).json()
    assert [i["id"] for i in mine["items"]] == [cid]
    assert env.client.get(f"{API}/me/complaints/{cid}", headers=env.h("landlord")).status_code == 404

    # the company's staff (the agency account whose org code is the company's) answer
    listed = env.client.get(f"{API}/company/complaints", headers=env.h("agency")).json()
    assert [i["id"] for i in listed["items"]] == [cid]
    r = env.client.post(
        f"{API}/company/complaints/{cid}/reply", json={"reply": "已安排维保单位检修。"}, headers=env.h("agency")
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "handling" and r.json()["company_reply"] == "已安排维保单位检修。"
    again = env.client.post(f"{API}/company/complaints/{cid}/reply", json={"reply": "再答"}, headers=env.h("agency"))
    assert again.status_code == 409

    # the street's queue (clerk of S1) holds it; the clerk closes it as upheld
    q = env.client.get(f"{API}/complaints", params={"open": "true"}, headers=env.h("clerk")).json()
    assert cid in [i["id"] for i in q["items"]]
    bad = env.client.post(f"{API}/complaints/{cid}/resolution", json={"reply": ""}, headers=env.h("clerk"))
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"upheld", "reply"}
    r = env.client.post(
        f"{API}/complaints/{cid}/resolution",
        json={"upheld": True, "reply": "经核查属实，责令整改。"},
        headers=env.h("clerk"),
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["status"] == "resolved" and d["upheld"] is True and d["credit_event_id"]
    assert [e["kind"] for e in d["events"]] == ["received", "forwarded", "company_reply", "resolved", "credit_event"]

    with env.engine.connect() as c:
        ev = c.execute(select(credit_events).where(credit_events.c.id == d["credit_event_id"])).one()
        subj = c.execute(select(credit_subjects).where(credit_subjects.c.subject_bidx == ev.subject_bidx)).one()
        actions = set(c.execute(select(audit_log.c.action).where(audit_log.c.entity_id == str(cid))).scalars())
    assert (ev.source, ev.kind, ev.severity, ev.reference) == (
        "estates",
        "estates.service_violation",
        "minor",
        made["number"],
    )
    assert ev.subject_bidx == env.kr.blind_index(rb.AGENCY_CODE, "credit_code")
    assert (subj.kind, subj.name) == ("property_service", "安居物业服务有限公司")
    assert {"estates.file_complaint", "estates.company_reply", "estates.resolve_complaint"} <= actions


def test_an_unverified_account_or_a_non_owner_is_refused_and_nothing_is_written(env: Env) -> None:
    with env.engine.begin() as conn:
        create_account(
            conn,
            env.sec,
            NewAccount(
                "unverified", PASSWORD, Role.citizen, CITIZEN_NAME, id_number=rb.resident_id(77), phone="13900000077"
            ),
            Caller.system("test"),
        )
    cmd = quality_complaints.ComplaintIn(env.home.house_code, "repair", "标题", "内容")
    before = (env.count(estates_complaints), env.count(estates_complaint_events))
    with env.engine.begin() as conn, pytest.raises(ValidationError) as e:
        quality_complaints.file_complaint(conn, env.kr, env.caller("unverified"), cmd, days=DAYS)
    assert [x.field for x in e.value.errors] == ["account"]
    # the citizen does not own the landlord's home
    r = env.client.post(
        f"{API}/me/complaints",
        json={"house_code": env.other_home.house_code, "category": "repair", "title": "t", "text": "x"},
        headers=env.h("citizen"),
    )
    assert r.status_code == 422
    assert [x["field"] for x in r.json()["errors"]] == ["house_code"]
    assert (env.count(estates_complaints), env.count(estates_complaint_events)) == before


def test_bad_input_names_every_field_and_writes_nothing(env: Env) -> None:
    r = env.client.post(
        f"{API}/me/complaints",
        json={"house_code": "NOPE", "category": "weather", "title": "", "text": ""},
        headers=env.h("citizen"),
    )
    assert r.status_code == 422
    assert {x["field"] for x in r.json()["errors"]} == {"house_code", "category", "title", "text"}
    assert env.count(estates_complaints) == 0
    assert env.count(estates_complaint_events) == 0


def test_without_a_company_the_street_receives_handles_and_rejects(env: Env) -> None:
    cid = file(env, house_code=env.bare_home.house_code)["id"]
    with env.engine.connect() as c:
        row = c.execute(select(estates_complaints).where(estates_complaints.c.id == cid)).one()
    assert (row.status, row.company_id, row.district_code) == ("received", None, env.world.district_b)
    # the clerk of S1 (district A) does not see it; the city officer does
    assert env.client.get(f"{API}/complaints/{cid}", headers=env.h("clerk")).status_code == 404
    assert env.client.post(f"{API}/complaints/{cid}/take", headers=env.h("clerk")).status_code == 404
    no_company = env.client.post(f"{API}/complaints/{cid}/company-reply", json={"reply": "x"}, headers=env.h("city"))
    assert no_company.status_code == 409
    r = env.client.post(f"{API}/complaints/{cid}/rejection", json={"reason": ""}, headers=env.h("city"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = env.client.post(f"{API}/complaints/{cid}/take", headers=env.h("city"))
    assert r.status_code == 200 and r.json()["status"] == "handling"
    r = env.client.post(f"{API}/complaints/{cid}/rejection", json={"reason": "非物业服务事项"}, headers=env.h("city"))
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["credit_event_id"] is None


def test_the_queue_filters_overdue_and_exports_csv(env: Env) -> None:
    late = file(env)["id"]
    fresh = file(env, category="cleaning")["id"]
    with env.engine.begin() as c:
        c.execute(
            estates_complaints.update()
            .where(estates_complaints.c.id == late)
            .values(due_at=clock.now() - timedelta(days=1))
        )
    q = env.client.get(f"{API}/complaints", params={"overdue": "true"}, headers=env.h("district")).json()
    assert [i["id"] for i in q["items"]] == [late] and q["items"][0]["overdue"] is True
    q = env.client.get(f"{API}/complaints", params={"category": "cleaning"}, headers=env.h("district")).json()
    assert [i["id"] for i in q["items"]] == [fresh]
    q = env.client.get(f"{API}/complaints", params={"page_size": 1}, headers=env.h("district")).json()
    assert q["total"] == 2 and [i["id"] for i in q["items"]] == [late]  # overdue first (earliest deadline)
    r = env.client.get(f"{API}/complaints/export", params={"overdue": "true"}, headers=env.h("district"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("投诉编号,小区") and len(lines) == 3 and ",是," in lines[1]
    assert lines[2].startswith(SYNTHETIC_LABEL)  # the test city is synthetic: the export says so


# ----------------------------------------------------------------------------------------- evaluations


def items(value: str = "full") -> dict[str, str]:
    return {c: (str(i.max) if value == "full" else value) for c, i in quality_rules.rules().items.items()}


def test_an_evaluation_is_scored_graded_and_unique_per_project_and_year(env: Env) -> None:
    year = clock.today().year - 1
    body = {"project_id": env.project, "year": year, "items": items() | {"management": "10.5"}}
    r = env.client.post(f"{API}/evaluations", json=body, headers=env.h("clerk"))
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["score"] == "95.50" and e["grade"] == "excellent" and e["credit_event_id"] is None
    assert env.client.post(f"{API}/evaluations", json=body, headers=env.h("clerk")).status_code == 409
    listed = env.client.get(f"{API}/evaluations", params={"year": year}, headers=env.h("district")).json()
    assert [x["id"] for x in listed["items"]] == [e["id"]]
    csv = env.client.get(f"{API}/evaluations/export", headers=env.h("district"))
    assert "95.50" in csv.content.decode("utf-8-sig")


def test_a_failed_evaluation_is_a_credit_event_of_the_company(env: Env) -> None:
    year = clock.today().year - 1
    r = env.client.post(f"{API}/evaluations", json={"project_id": env.project, "year": year, "items": items("5")},
                        headers=env.h("clerk"))  # fmt: skip
    assert r.status_code == 201, r.text
    e = r.json()
    assert (e["score"], e["grade"]) == ("35.00", "fail") and e["credit_event_id"]
    with env.engine.connect() as c:
        ev = c.execute(select(credit_events).where(credit_events.c.id == e["credit_event_id"])).one()
    assert (ev.kind, ev.severity, ev.source) == ("estates.service_violation", "major", "estates")
    assert ev.subject_bidx == env.kr.blind_index(rb.AGENCY_CODE, "credit_code")
    assert json.loads(ev.detail)["origin"] == "evaluation"


def test_a_bad_evaluation_names_the_field_and_writes_nothing(env: Env) -> None:
    year = clock.today().year - 1
    body = {"project_id": env.project, "year": year, "items": items() | {"management": "99"}}
    r = env.client.post(f"{API}/evaluations", json=body, headers=env.h("clerk"))
    assert r.status_code == 422
    assert [x["field"] for x in r.json()["errors"]] == ["items.management"]
    r = env.client.post(f"{API}/evaluations", json=body | {"year": year + 5, "items": items()}, headers=env.h("clerk"))
    assert r.status_code == 422 and [x["field"] for x in r.json()["errors"]] == ["year"]
    assert env.count(estates_evaluations) == 0


# ----------------------------------------------------------------------------------------- inspections


def test_a_random_inspection_of_companies_is_a_credit_draw_over_property_companies_only(env: Env) -> None:
    with env.engine.begin() as conn:
        company(conn, rb.credit_code(901), env.world.district_a, env.world.street_s2, "第二物业")
    body = {
        "title": "物业服务企业抽查",
        "sample_size": 1,
        "inspectors": ["district"],
        "district_code": env.world.district_a,
    }
    r = env.client.post(f"{API}/inspections", json=body, headers=env.h("district"))
    assert r.status_code == 201, r.text
    draw_id = r.json()["id"]
    with env.engine.connect() as c:
        kinds = set(
            c.execute(
                select(credit_subjects.c.kind).where(credit_subjects.c.district_code == env.world.district_a)
            ).scalars()
        )
        criteria = json.loads(
            c.execute(
                select(credit_inspection_draws.c.criteria).where(credit_inspection_draws.c.id == draw_id)
            ).scalar_one()
        )
    assert "property_service" in kinds
    assert criteria["subject_types"] == ["property_service"] and criteria["subjects"] == 2
    # the clerk may not start one (credit.inspect)
    assert env.client.post(f"{API}/inspections", json=body, headers=env.h("clerk")).status_code == 403
    # run and recorded on the credit context's routes: the problems found are a credit event of the company
    h = env.h("district")
    run = {"seed": "20261207", "seed_source": "现场摇号", "witnesses": ["公证员"]}
    assert env.client.post(f"/api/v1/credit/inspections/{draw_id}/run", json=run, headers=h).status_code == 200
    found = {
        "outcome": "violations",
        "inspected_on": clock.today().isoformat(),
        "findings": "共用设施设备维护记录缺失",
        "kind": "estates.service_violation",
        "severity": "major",
    }
    r = env.client.post(f"/api/v1/credit/inspections/{draw_id}/assignments/1/outcome", json=found, headers=h)
    assert r.status_code == 200, r.text
    with env.engine.connect() as c:
        ev = c.execute(select(credit_events).where(credit_events.c.kind == "estates.service_violation")).one()
        subject = c.execute(select(credit_subjects).where(credit_subjects.c.subject_bidx == ev.subject_bidx)).one()
    assert (subject.kind, ev.severity, ev.source) == ("property_service", "major", "credit")


# ---------------------------------------------------------------------------------------------- pages


def test_pages_render_and_the_form_files_a_complaint(env: Env) -> None:
    csrf = env.sign_in("citizen")
    assert env.client.get("/property/me/complaints").status_code == 200
    page = env.client.get("/property/me/complaints/new")
    assert page.status_code == 200 and "物业投诉" in page.text
    bad = env.client.post("/property/me/complaints", data={"csrf_token": csrf, "house_code": env.home.house_code})
    assert bad.status_code == 422 and "category" in bad.text
    r = env.client.post(
        "/property/me/complaints",
        data={
            "csrf_token": csrf,
            "house_code": env.home.house_code,
            "category": "fees",
            "title": "乱收费",
            "text": "多收停车费",
        },
    )
    assert r.status_code == 303, r.text
    detail = env.client.get(r.headers["location"])
    assert detail.status_code == 200 and "乱收费" in detail.text and "投诉已提交" in detail.text
    cid = int(r.headers["location"].split("/")[-1].split("?")[0])

    env.sign_in("agency")
    assert "乱收费" in env.client.get("/property/company/complaints").text
    assert env.client.get(f"/property/company/complaints/{cid}").status_code == 200

    csrf = env.sign_in("clerk")
    queue = env.client.get("/property/complaints")
    assert queue.status_code == 200 and "乱收费" in queue.text
    assert env.client.get("/property/complaints.csv").status_code == 200
    r = env.client.post(f"/property/complaints/{cid}/take", data={"csrf_token": csrf})
    assert r.status_code == 303
    r = env.client.post(f"/property/complaints/{cid}/resolution", data={"csrf_token": csrf, "reply": "不属实"})
    assert r.status_code == 422 and "是否属实" in r.text  # the field is named on the page
    r = env.client.post(
        f"/property/complaints/{cid}/resolution", data={"csrf_token": csrf, "upheld": "no", "reply": "不属实"}
    )
    assert r.status_code == 303
    assert "办结" in env.client.get(f"/property/complaints/{cid}").text
    assert env.client.get("/property/evaluations").status_code == 200
    form = env.client.get("/property/evaluations/new")
    assert form.status_code == 200 and "XM2020000001" in form.text
    data = {"csrf_token": csrf, "project_id": str(env.project), "year": str(clock.today().year - 1)}
    data |= {f"item_{k}": v for k, v in items().items()}
    bad = env.client.post("/property/evaluations", data=data | {"item_cleaning": "16"})
    assert bad.status_code == 422 and "应在 0–15 分之间" in bad.text
    r = env.client.post("/property/evaluations", data=data)
    assert r.status_code == 303, r.text
    assert "XM2020000001" in env.client.get("/property/evaluations").text
    hub = env.client.get("/property")
    assert hub.status_code == 200 and "/property/complaints" in hub.text

    csrf = env.sign_in("district")
    assert env.client.get("/property/inspections").status_code == 200
    no_one = {"csrf_token": csrf, "title": "抽查", "sample_size": "1", "district_code": env.world.district_a}
    r = env.client.post("/property/inspections", data=no_one)
    assert r.status_code == 422 and "至少选派一名检查人员" in r.text  # the reason is shown on the page
    form = {"csrf_token": csrf, "title": "抽查", "sample_size": "1", "inspectors": "district"}
    r = env.client.post("/property/inspections", data=form | {"district_code": env.world.district_a})
    assert r.status_code == 303 and r.headers["location"].startswith("/credit/inspections/")


# ---------------------------------------------------------------------------------------------- synth


def test_the_synthetic_part_uses_the_projects_it_finds_through_the_same_rules(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from anju.synth.estates import quality as synth

    with env.engine.begin() as conn:
        conn.execute(estates_projects.update().values(status="ended"))
        assert synth.generate(conn, env.kr, random.Random(1), scale=1.0, today=clock.today()) == {}
        conn.execute(estates_projects.update().values(status="active"))
    monkeypatch.setattr(synth, "PER_PROJECT_YEAR", 30)
    with env.engine.begin() as conn:
        made = synth.generate(conn, env.kr, random.Random(7), scale=1.0, today=clock.today())
    assert made["complaints"] == 60 and made["evaluations"] in (0, 1)
    now = clock.now()
    with env.engine.connect() as c:
        rows = c.execute(select(estates_complaints)).all()
        estate = c.execute(select(rt.estates).where(rt.estates.c.id == env.home.estate_id)).one()
        ev_count = c.execute(select(func.count()).select_from(estates_complaint_events)).scalar_one()
        upheld_events = c.execute(
            select(func.count()).select_from(credit_events).where(credit_events.c.reference.like("WY%"))
        ).scalar_one()
    assert ev_count == made["complaint_events"]
    assert {r.street_code for r in rows} == {estate.street_code}
    assert all(now - timedelta(days=731) < r.created_at <= now for r in rows)
    assert all(r.due_at == quality_rules.due_at(r.created_at, 15) for r in rows)
    statuses = {r.status for r in rows}
    assert {"resolved", "company"} <= statuses
    upheld = [r for r in rows if r.upheld]
    assert (
        upheld and all(r.credit_event_id for r in upheld) and upheld_events == len(upheld) == made["complaints_upheld"]
    )
    assert all(r.credit_event_id is None for r in rows if not r.upheld)
    assert any(r.status in quality_complaints.OPEN and r.due_at < now for r in rows)  # some overdue


def test_the_company_subjects_command_is_idempotent_and_audited(env: Env, tmp_path: Any) -> None:
    from click.testing import CliRunner

    from anju.cli import main
    from tests.integration.test_security_cli import env as cli_env

    e = cli_env(env.engine, tmp_path)
    first = CliRunner().invoke(main, ["estates", "company-subjects"], env=e)
    assert first.exit_code == 0, first.output
    assert "新建或更新 1 家" in first.output
    again = CliRunner().invoke(main, ["estates", "company-subjects", "--district", env.world.district_a], env=e)
    assert again.exit_code == 0 and "新建或更新 0 家" in again.output
    bidx = env.kr.blind_index(rb.AGENCY_CODE, "credit_code")
    with env.engine.connect() as c:
        kind = c.execute(select(credit_subjects.c.kind).where(credit_subjects.c.subject_bidx == bidx)).scalar_one()
        audited = c.execute(
            select(func.count()).select_from(audit_log).where(audit_log.c.action == "estates.company_subjects")
        ).scalar_one()
    assert kind == "property_service" and audited == 2
