"""Random inspections over HTTP: the API (freeze, run, assignments, outcome, the public material) and
the pages (list, new draw with confirmation, seed with confirmation, outcome form, public result)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju.app import create_app
from anju.core import clock
from anju.credit.tables import credit_events
from tests.accounts import api_token, choose_world, web_session
from tests.credit_inspection_builders import subject


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def seed_subjects(engine: Engine) -> dict[str, int]:
    w = choose_world(engine)
    with engine.begin() as conn:
        org = subject(conn, "agency", w.district_a, w.street_s1, "D", name="诚信房产经纪有限公司")
        person = subject(conn, "practitioner", w.district_a, w.street_s1, "C")
        other = subject(conn, "agency", w.district_a, w.street_s2, None, name="安居置业经纪有限公司")
    return {"org": org, "person": person, "other": other}


def test_the_api_freezes_runs_publishes_and_records(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    seed_subjects(city_engine)
    h = auth(city_engine, "district")
    body = {
        "title": "经纪机构双随机抽查",
        "subject_types": ["agency", "practitioner"],
        "district_code": w.district_a,
        "sample_size": 3,
        "inspectors": ["district"],
    }
    r = client.post("/api/v1/credit/inspections", json={**body, "weights": {"D": 99}}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "weights.D", r.text
    r = client.post("/api/v1/credit/inspections", json={**body, "district_code": w.district_b}, headers=h)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "district_code"
    r = client.post("/api/v1/credit/inspections", json=body, headers=h)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == "frozen" and d["tickets"] == 4 + 3 + 2 and d["seed"] is None
    r = client.get(f"/api/v1/credit/inspections/{d['id']}/tickets.txt")
    assert r.status_code == 200 and r.text.count("\n") == 9
    assert client.get(f"/api/v1/credit/inspections/{d['id']}/tickets-result.txt").status_code == 409
    run = {"seed": "385729", "seed_source": "现场摇号", "witnesses": ["公证员 王明"]}
    r = client.post(f"/api/v1/credit/inspections/{d['id']}/run", json=run, headers=h)
    assert r.status_code == 200 and r.json()["status"] == "drawn", r.text
    assert client.post(f"/api/v1/credit/inspections/{d['id']}/run", json=run, headers=h).status_code == 409
    v = client.get(f"/api/v1/credit/inspections/{d['id']}/verify").json()
    assert v["ok"] and v["result_hash"] == r.json()["result_hash"]
    pub = client.get(f"/api/v1/credit/inspections/{d['id']}/public/assignments").json()["items"]
    assert len(pub) == 3
    for a in pub:  # persons only by their code
        assert (a["name"] is None) == (a["subject_type"] == "practitioner")
    listed = client.get(f"/api/v1/credit/inspections/{d['id']}/assignments", headers=h).json()["items"]
    person = next(a for a in listed if a["subject_type"] == "practitioner")
    assert person["name"] == "***"
    r = client.post(
        f"/api/v1/credit/inspections/{d['id']}/assignments/1/outcome",
        json={"outcome": "clean", "inspected_on": clock.today().isoformat()},
        headers=h,
    )
    assert r.status_code == 200, r.text
    with city_engine.connect() as conn:
        kind = conn.execute(select(credit_events.c.kind).where(credit_events.c.id == r.json()["event_id"])).scalar()
    assert kind == "good.clean_inspection"
    assert client.get("/api/v1/credit/inspections", headers=auth(city_engine, "clerk")).json()["total"] == 1
    assert client.get("/api/v1/credit/inspections", headers=auth(city_engine, "citizen")).status_code == 403


def test_the_pages_from_a_new_draw_to_its_public_result(client: TestClient, city_engine: Engine) -> None:
    w = choose_world(city_engine)
    ids = seed_subjects(city_engine)
    token, csrf = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    r = client.get("/credit/inspections")
    assert r.status_code == 200 and "没有抽查" in r.text
    r = client.get("/credit/inspections/new")
    assert r.status_code == 200 and 'value="district"' in r.text
    form: dict[str, Any] = {
        "csrf_token": csrf,
        "title": "经纪机构双随机抽查",
        "district_code": w.district_a,
        "sample_size": "2",
        "subject_types": ["agency", "practitioner"],
        "inspectors": ["district"],
        "w_A": "1",
        "w_B": "2",
        "w_C": "3",
        "w_D": "4",
        "w_ungraded": "2",
    }
    r = client.post("/credit/inspections/new/confirm", data={**form, "sample_size": "0"})
    assert r.status_code == 422 and "应为 1–1000 的整数" in r.text
    r = client.post("/credit/inspections/new/confirm", data=form)
    assert r.status_code == 200 and "签数合计" in r.text and "<dd>9</dd>" in r.text, r.text
    r = client.post("/credit/inspections", data=form)
    assert r.status_code == 303, r.text
    page = r.headers["location"]
    draw_id = int(page.rsplit("/", 1)[1])
    r = client.get(page)
    assert r.status_code == 200 and "现场摇号" in r.text
    seed = {"csrf_token": csrf, "seed": " 385729 ", "seed_source": "现场摇号", "witnesses": "公证员 王明\n监督员 李华"}
    r = client.post(f"{page}/run/confirm", data={**seed, "witnesses": ""})
    assert r.status_code == 422 and "witnesses" in r.text
    r = client.post(f"{page}/run/confirm", data=seed)
    assert r.status_code == 200 and "确认摇号" in r.text and ">385729<" in r.text
    r = client.post(f"{page}/run", data={**seed, "seed": "385729", "witnesses": ["公证员 王明", "监督员 李华"]})
    assert r.status_code == 303
    r = client.get(page)
    assert r.status_code == 200 and "抽查结果" in r.text and "登记结果" in r.text
    rank = int(re.search(rf"/credit/inspections/{draw_id}/assignments/(\d+)", r.text).group(1))  # type: ignore[union-attr]
    r = client.get(f"{page}/assignments/{rank}")
    assert r.status_code == 200 and "检查发现" in r.text
    bad = {
        "csrf_token": csrf,
        "outcome": "violations",
        "inspected_on": clock.today().isoformat(),
        "kind": "rental.false_listing",
        "severity": "major",
        "findings": "",
    }
    r = client.post(f"{page}/assignments/{rank}", data=bad)
    assert r.status_code == 422 and "不能为空" in r.text
    r = client.post(f"{page}/assignments/{rank}", data={**bad, "findings": "发布虚假房源 2 套"})
    assert r.status_code == 200 and "请确认检查结果" in r.text and "发布虚假房源信息" in r.text  # nothing written yet
    listed = client.get(f"/api/v1/credit/inspections/{draw_id}/assignments").json()["items"]
    assert [a["event_id"] for a in listed if a["rank"] == rank] == [None]
    r = client.post(f"{page}/assignments/{rank}", data={**bad, "findings": "发布虚假房源 2 套", "confirmed": "1"})
    assert r.status_code == 303
    assert "检查结果已登记" in client.get(r.headers["location"]).text
    client.cookies.clear()
    r = client.get(f"{page}/public")
    assert r.status_code == 200 and "385729" in r.text
    assert "J01" in r.text and ">district<" not in r.text  # inspectors by their code in the draw
    pub = client.get(f"/api/v1/credit/inspections/{draw_id}/public/assignments").json()["items"]
    assert len(pub) == 2
    for a in pub:  # organisations by name, persons only by their code in the draw
        assert a["subject"] in r.text and (a["name"] or "个人不公示") in r.text
    assert f"S{ids['org']:06d}" in client.get(f"/api/v1/credit/inspections/{draw_id}/tickets.txt").text
    assert client.get(page).status_code in (303, 401)
