"""Credit subjects over HTTP: the filing paths create the file at once, officers see the subjects of
their own division only (pages and API), exports carry the list (persons masked), and the public
disclosure never shows a person — not a practitioner with events, not by name, ID or blind index."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import Engine, delete, select

from anju import credit
from anju.credit.tables import credit_grades, credit_list_entries, credit_subjects
from tests import rental_builders as rb
from tests.accounts import api_token, choose_world

PRACTITIONER_ID = rb.resident_id(4242)
PRACTITIONER_NAME = "钱守信"
DEV_CODE = rb.credit_code(31)


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    from anju.app import create_app

    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def kr(client: TestClient) -> Any:
    return client.app.state.security.keyring  # type: ignore[attr-defined]


def _grade(conn: Any, bidx: str, kind: str, grade: str) -> None:
    """Set the subject's current grade (over the one the engine computed when its event was recorded:
    these are page tests, the engine's grades are tested in test_credit_grades.py)."""
    now = datetime(2026, 6, 30, tzinfo=UTC)
    conn.execute(delete(credit_grades).where(credit_grades.c.subject_bidx == bidx))
    conn.execute(
        credit_grades.insert().values(
            subject_bidx=bidx, subject_kind=kind, edition="test", score_centi=6000, grade=grade,
            as_of=date(2026, 6, 30), events=1, explanation=json.dumps([{"event_id": 1, "kind": "x", "points": -20}]),
            computed_at=now,
        )
    )  # fmt: skip


@pytest.fixture
def world(client: TestClient, city_engine: Engine) -> dict[str, Any]:
    """An agency filed in street S1 with a practitioner (both with events, graded, the agency on the
    black list) and a developer filed in district B."""
    w = choose_world(city_engine)
    me = auth(city_engine, "agency")
    party = {
        "kind": "agency", "credit_code": rb.AGENCY_CODE, "name": "守信房地产经纪有限公司",
        "business_scope": "房地产经纪", "registered_capital_fen": 100_000_000, "legal_rep_name": "赵法人",
        "legal_rep_id": rb.resident_id(31337), "address": "测试路 8 号", "street_code": w.street_s1,
    }  # fmt: skip
    r = client.post("/api/v1/rental/me/party", json=party, headers=me)
    assert r.status_code == 201, r.text
    body = {"name": PRACTITIONER_NAME, "id_number": PRACTITIONER_ID, "practice_no": "NJ-4242", "position": "broker"}
    r = client.post("/api/v1/rental/me/party/practitioners", json=body, headers=me)
    assert r.status_code == 201, r.text
    from anju.registry import tables as rt

    with city_engine.connect() as conn:
        street_b = conn.execute(
            select(rt.buildings.c.street_code).where(rt.buildings.c.district_code == w.district_b).limit(1)
        ).scalar_one()
    dev = {
        "credit_code": DEV_CODE, "name": "远方置业有限公司", "qualification_grade": "1",
        "qualification_no": "建开企〔2020〕1号", "address": "远方路 1 号", "street_code": street_b,
    }  # fmt: skip
    r = client.post("/api/v1/transactions/developers", json=dev, headers=auth(city_engine, "city"))
    assert r.status_code == 201, r.text
    k = kr(client)
    org = k.blind_index(rb.AGENCY_CODE, "credit_code")
    person = k.blind_index(PRACTITIONER_ID, "id_number")
    dev_b = k.blind_index(DEV_CODE, "credit_code")
    with city_engine.begin() as conn:
        for bidx, kind, ref in ((org, "org", "CF-1"), (person, "person", "CF-2"), (dev_b, "org", "CF-3")):
            credit.record_event(
                conn,
                credit.Event(kind, bidx, "rental", "rental.false_listing", "major", date(2026, 3, 1), ref,
                             street_code=w.street_s1),
            )  # fmt: skip
            _grade(conn, bidx, kind, "C")
        conn.execute(
            credit_list_entries.insert().values(
                subject_bidx=org, list="black", rule="B1", reason="严重失信", edition="test",
                entered_on=date(2026, 3, 2), active=1, recorded_at=datetime(2026, 3, 2, tzinfo=UTC),
            )
        )  # fmt: skip
        ids = dict(conn.execute(select(credit_subjects.c.subject_bidx, credit_subjects.c.id)).all())
    return {"w": w, "org": ids[org], "person": ids[person], "dev": ids[dev_b], "person_bidx": person}


def test_filing_creates_the_subjects_at_once_linked(world, city_engine):
    with city_engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(credit_subjects))}
    org, person, dev = rows[world["org"]], rows[world["person"]], rows[world["dev"]]
    assert (org.kind, org.credit_code, org.street_code) == ("agency", rb.AGENCY_CODE, world["w"].street_s1)
    assert json.loads(org.links)[0]["kind"] == "party"
    assert person.kind == "practitioner" and person.name is None and person.name_enc is not None
    assert (dev.kind, json.loads(dev.links)[0]["kind"]) == ("developer", "developer")


def test_a_district_officer_sees_only_its_district(client, world, city_engine):
    for who, sees_dev in (("city", True), ("district", False), ("clerk", False), ("auditor", True)):
        h = auth(city_engine, who)
        ids = {
            i["id"] for i in client.get("/api/v1/credit/subjects", params={"page_size": 100}, headers=h).json()["items"]
        }
        assert {world["org"], world["person"]} <= ids, who
        assert (world["dev"] in ids) == sees_dev, who
        r = client.get(f"/api/v1/credit/subjects/{world['dev']}", headers=h)
        assert r.status_code == (200 if sees_dev else 404), who
    h = auth(city_engine, "district")
    r = client.get(f"/credit/subjects/{world['dev']}", headers=h)
    assert r.status_code == 404
    page = client.get("/credit/subjects", headers=h).text
    assert "守信房地产经纪有限公司" in page and "远方置业有限公司" not in page
    file = client.get(f"/api/v1/credit/subjects/{world['person']}", headers=h).json()
    assert file["subject"]["name"] == "钱**" and file["grade"]["grade"] == "C"
    events = client.get(f"/api/v1/credit/subjects/{world['org']}/events", headers=h).json()
    assert [e["status"] for e in events["items"]] == ["effective"]
    lists = client.get("/api/v1/credit/lists", params={"list": "black", "state": "open"}, headers=h).json()
    assert [e["subject_id"] for e in lists["items"]] == [world["org"]]
    html = client.get(f"/credit/subjects/{world['org']}", headers=h).text
    assert "失信黑名单" in html and "/rental/parties/" in html


def test_exports_carry_the_list_with_persons_masked(client, world, city_engine):
    h = auth(city_engine, "city")
    r = client.get("/api/v1/credit/subjects/export", params={"fmt": "csv", "kind": "practitioner"}, headers=h)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "主体编号" and len(rows) == 2
    assert rows[1][2] == "钱**" and PRACTITIONER_NAME not in r.text and PRACTITIONER_ID not in r.text
    r = client.get("/credit/lists.export", params={"fmt": "xlsx"}, headers=h)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    got = [[c.value for c in row] for row in ws.iter_rows()]
    assert got[0][0] == "名单" and got[1][:4] == [
        "失信黑名单",
        world["org"],
        "房地产经纪机构",
        "守信房地产经纪有限公司",
    ]
    r = client.get("/api/v1/credit/subjects/export", params={"fmt": "csv"}, headers=auth(city_engine, "district"))
    assert DEV_CODE not in r.content.decode("utf-8-sig")


def test_the_public_page_never_shows_a_person(client, world, city_engine):
    forbidden = (PRACTITIONER_NAME, "钱**", PRACTITIONER_ID, world["person_bidx"], "从业人员")
    pages = [
        client.get("/credit/public"),
        client.get("/credit/public", params={"q": PRACTITIONER_ID}),
        client.get("/credit/public", params={"q": "钱"}),
        client.get("/api/v1/credit/public", params={"page_size": 100}),
        client.get(f"/credit/public/{rb.AGENCY_CODE}"),
        client.get(f"/api/v1/credit/public/{rb.AGENCY_CODE}/sanctions"),
    ]
    for r in pages:
        assert r.status_code == 200, r.url
        shown = r.text.split("</form>")[-1]  # the search box echoes what was asked
        for word in forbidden:
            assert word not in shown, (r.url, word)
    listed = client.get("/api/v1/credit/public", params={"page_size": 100}).json()
    assert {o["kind"] for o in listed["items"]} <= {"agency", "developer", "rental_enterprise"}
    org = client.get(f"/api/v1/credit/public/{rb.AGENCY_CODE}").json()
    assert org["grade"] == "C" and org["lists"][0]["list"] == "black" and org["lists"][0]["entered_on"] == "2026-03-02"
    sanctions = client.get(f"/api/v1/credit/public/{rb.AGENCY_CODE}/sanctions").json()
    assert [s["kind"] for s in sanctions["items"]] == ["rental.false_listing"]
    assert "发布虚假房源信息" in client.get(f"/credit/public/{rb.AGENCY_CODE}").text
    # a person's file has no credit code; a made-up one is not found
    assert client.get("/credit/public/91320100MA0000000X").status_code == 404
