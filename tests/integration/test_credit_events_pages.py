"""Officers record credit events by hand and read the events list (pages and API), on both databases:
the confirmation page, a person's ID never stored nor shown (the confirmation carries its blind index),
the district officer's scope, filters, paging and the CSV export."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju.app import create_app
from anju.core import clock
from anju.credit import credit_events
from anju.credit.tables import credit_subjects
from anju.security import audit_log, keyring_from_settings
from tests import rental_builders as rb
from tests.accounts import choose_world, web_session
from tests.credit_support import assert_event, events_of
from tests.tx_builders import auth

API = "/api/v1/credit/events"


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "kr": keyring_from_settings(settings),
               "world": choose_world(city_engine)}  # fmt: skip
    app.state.engine.dispose()


def body(**over: Any) -> dict[str, Any]:
    day = (clock.today() - timedelta(days=1)).isoformat()
    base = {"subject_type": "developer", "credit_code": rb.credit_code(8001), "org_name": "南京合成建设集团（合成）",
            "kind": "good.award", "evidence": "宁建奖〔2026〕8号", "occurred_on": day}  # fmt: skip
    return base | over


def test_the_api_records_an_award_and_a_persons_sanction_without_keeping_the_id(env: dict[str, Any]) -> None:
    c, eng, kr, w = env["client"], env["engine"], env["kr"], env["world"]
    city, district = auth(eng, "city"), auth(eng, "district")
    r = c.post(API, json=body(), headers=city)
    assert r.status_code == 201, r.text
    org = kr.blind_index(rb.credit_code(8001), "credit_code")
    with eng.connect() as conn:
        (ev,) = events_of(conn, org)
        assert_event(conn, ev, bidx=org, kind="good.award", severity="minor", reference="宁建奖〔2026〕8号",
                     source="credit")  # fmt: skip
        assert json.loads(ev.detail)["recorded_by"] == "city"
        # an enterprise without a credit file gets one that officers can find and the public page shows
        filed = conn.execute(select(credit_subjects).where(credit_subjects.c.subject_bidx == org)).one()
        assert (filed.name, filed.credit_code) == ("南京合成建设集团（合成）", rb.credit_code(8001))
        assert filed.kind == "developer"
    idn = rb.resident_id(8002)
    person = body(subject_type="practitioner", credit_code="", id_number=idn, kind="rental.false_listing",
                  severity="serious", evidence="宁房罚〔2026〕21号", street_code=w.street_s1)  # fmt: skip
    # a district officer: the street must be in their district
    bad = c.post(API, json=person | {"street_code": ""}, headers=district)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "street_code"
    assert c.post(API, json=person, headers=district).status_code == 201
    pb = kr.blind_index(idn, "id_number")
    with eng.connect() as conn:
        (pev,) = events_of(conn, pb)
        assert (pev.subject_kind, pev.severity, pev.street_code) == ("person", "serious", w.street_s1)
        for row in conn.execute(select(credit_events.c.detail, credit_events.c.reference)):
            assert idn not in row.detail + row.reference
        assert idn not in json.dumps([dict(x._mapping) for x in conn.execute(select(audit_log))], default=str)
    # bad input names every field, nothing written
    r = c.post(API, json=body(credit_code="91320100MA0000000X", kind="x", evidence="", occurred_on=None), headers=city)
    assert r.status_code == 422
    assert {"credit_code", "kind", "evidence", "occurred_on"} <= {e["field"] for e in r.json()["errors"]}
    # the list: the city sees both (the person never named); the district sees only its street's
    items = c.get(API, headers=city).json()["items"]
    assert [i["kind"] for i in items] == ["rental.false_listing", "good.award"]
    assert idn not in json.dumps(items) and "个人信息不予显示" in items[0]["subject"]
    assert items[1]["subject"] == "南京合成建设集团（合成）"  # named by its credit file
    assert [i["kind"] for i in c.get(API, headers=district).json()["items"]] == ["rental.false_listing"]
    assert c.get(API, params={"source": "rental"}, headers=city).json()["total"] == 0
    assert c.get(API, params={"kind": "good.award"}, headers=city).json()["total"] == 1
    assert c.get(API, params={"district": w.district_b}, headers=city).json()["total"] == 0
    assert c.post(API, json=body(), headers=auth(eng, "clerk")).status_code == 403


def test_the_pages_confirm_before_recording_and_export_csv(env: dict[str, Any]) -> None:
    c, eng, kr, w = env["client"], env["engine"], env["kr"], env["world"]
    token, csrf = web_session(eng, "district")
    page = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token})
    assert page.get("/credit/events/new").status_code == 200
    idn = rb.resident_id(8003)
    form = {"csrf_token": csrf, "subject_type": "practitioner", "id_number": idn, "kind": "good.public_service",
            "evidence": "宁建〔2026〕9号", "occurred_on": clock.today().isoformat(),
            "street_code": w.street_s1}  # fmt: skip
    r = page.post("/credit/events", data=form | {"street_code": "999"})
    assert r.status_code == 422 and "street_code" in r.text and idn not in r.text
    r = page.post("/credit/events", data=form)
    assert r.status_code == 200 and "确认保存" in r.text
    assert idn not in r.text  # masked; a sealed token (not the blind index) is what comes back
    bidx = kr.blind_index(idn, "id_number")
    assert bidx not in r.text
    token = re.search(r'name="subject_token" value="([^"]+)"', r.text).group(1)  # type: ignore[union-attr]
    with eng.connect() as conn:
        assert events_of(conn, bidx) == []  # nothing written before the confirmation
    confirm = {k: v for k, v in form.items() if k != "id_number"} | {"confirmed": "1"}
    # a bare blind index from the browser is not accepted (an old form, or a forged one)
    other = kr.blind_index(rb.resident_id(8004), "id_number")
    for bad in ({"subject_bidx": other}, {"subject_token": other}, {"subject_token": token[:-4] + "AAAA"}):
        r = page.post("/credit/events", data=confirm | bad)
        assert r.status_code == 422 and "id_number" in r.text, r.text
    with eng.connect() as conn:
        assert events_of(conn, other) == [] and events_of(conn, bidx) == []
    # another officer cannot replay this officer's token
    token_b, csrf_b = web_session(eng, "city")
    page_b = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token_b})
    r = page_b.post("/credit/events", data=confirm | {"csrf_token": csrf_b, "subject_token": token})
    assert r.status_code == 422 and "id_number" in r.text
    r = page.post("/credit/events", data=confirm | {"subject_token": token})
    assert r.status_code == 303 and r.headers["location"] == "/credit/events?done=recorded"
    with eng.connect() as conn:
        (ev,) = events_of(conn, bidx)
        assert (ev.kind, ev.source, ev.street_code) == ("good.public_service", "credit", w.street_s1)
    listing = page.get("/credit/events?done=recorded")
    assert listing.status_code == 200 and "已记录" in listing.text and "宁建〔2026〕9号" in listing.text
    assert "个人信息不予显示" in listing.text
    csv_r = page.get("/credit/events.csv", params={"kind": "good.public_service"})
    assert csv_r.status_code == 200 and csv_r.headers["content-type"].startswith("text/csv")
    text = csv_r.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("编号,发生日期") and "宁建〔2026〕9号" in text and idn not in text
    assert len(text.strip().splitlines()) == 2


def test_an_enterprise_without_a_credit_file_needs_its_name(env: dict[str, Any]) -> None:
    c, eng, kr = env["client"], env["engine"], env["kr"]
    r = c.post(API, json=body(credit_code=rb.credit_code(8101), org_name=""), headers=auth(eng, "city"))
    assert r.status_code == 422, r.text
    assert "org_name" in r.text
    with eng.connect() as conn:
        assert events_of(conn, kr.blind_index(rb.credit_code(8101), "credit_code")) == []
