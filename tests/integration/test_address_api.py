"""The address fusion library over HTTP: parsing, the clerical review queue, decisions fed back into
the next link job, the link job upload, and the review pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from anju.addresses import address_decisions, address_records, read_records, run_link_job
from anju.app import create_app
from anju.registry import buildings, homes
from anju.security import Caller, NewAccount, Role, Security, audit_log, create_account
from tests.accounts import PASSWORD, api_token, choose_world, web_session

SOURCE = "police"


def _homes(engine: Engine, street: str) -> list[Any]:
    """Homes of the street's first two-unit building (unit, room, house code, address)."""
    with engine.connect() as c:
        bid = c.execute(
            select(buildings.c.id)
            .where(buildings.c.street_code == street, buildings.c.units == 2)
            .order_by(buildings.c.id)
            .limit(1)
        ).scalar_one()
        return list(
            c.execute(
                select(homes.c.house_code, homes.c.address, homes.c.unit_no, homes.c.room_no)
                .where(homes.c.building_id == bid, homes.c.status == "使用")
                .order_by(homes.c.id)
            ).all()
        )


def _csv(rows: list[tuple[str, str]]) -> bytes:
    return ("record_id,address\n" + "".join(f"{r},{a}\n" for r, a in rows)).encode("utf-8")


def _without_unit(address: str, unit: str) -> str:
    out = address.replace(f"{unit}单元", "")
    assert out != address
    return out


@pytest.fixture
def world(city_engine: Engine) -> dict[str, Any]:
    """A stored link job over the clerk's street: exact addresses, two without their unit (two homes
    tie: review) and one that cannot be parsed."""
    w = choose_world(city_engine)
    street_homes = _homes(city_engine, w.street_s1)
    by_unit_room = {(x.unit_no, x.room_no): x for x in street_homes}
    rooms = [r for (u, r) in by_unit_room if u == "1" and ("2", r) in by_unit_room]
    r1, r2 = rooms[0], rooms[1]
    exact = by_unit_room[("1", rooms[2])]
    rows = [
        ("P-1", exact.address),
        ("P-2", _without_unit(by_unit_room[("1", r1)].address, "1")),
        ("P-3", _without_unit(by_unit_room[("1", r2)].address, "1")),
        ("P-4", "？？？"),
    ]
    report = run_link_job(
        city_engine, read_records(_csv(rows)), source=SOURCE, filename="police.csv", caller=Caller.system("test")
    )
    return {
        "world": w,
        "report": report,
        "rows": rows,
        "exact": exact.house_code,
        "tie": {
            "P-2": {by_unit_room[("1", r1)].house_code, by_unit_room[("2", r1)].house_code},
            "P-3": {by_unit_room[("1", r2)].house_code, by_unit_room[("2", r2)].house_code},
        },
    }


@pytest.fixture
def client(city_engine: Engine, settings_for: Any) -> Iterator[TestClient]:
    settings = settings_for(city_engine)
    w = choose_world(city_engine)
    with city_engine.begin() as conn:  # a district officer of another district
        create_account(
            conn,
            Security(settings),
            NewAccount(
                username="district_b",
                password=PASSWORD,
                role=Role.district_officer,
                name="冯区局",
                division_code=w.district_b,
            ),
            Caller.system("test"),
        )
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def auth(engine: Engine, who: str) -> dict[str, str]:
    return {"authorization": f"Bearer {api_token(engine, who)}"}


def _pk(engine: Engine, job_id: int, record_id: str) -> int:
    with engine.connect() as c:
        return int(
            c.execute(
                select(address_records.c.id).where(
                    address_records.c.job_id == job_id, address_records.c.record_id == record_id
                )
            ).scalar_one()
        )


def test_the_link_job_links_exact_addresses_and_sends_ties_to_review(world):
    report = world["report"]
    by_id = {r.record_id: r for r in report.results}
    assert report.job_id is not None
    assert (by_id["P-1"].status, by_id["P-1"].house_code) == ("linked", world["exact"])
    for rid in ("P-2", "P-3"):
        assert by_id[rid].status == "review", by_id[rid].reason
        assert by_id[rid].house_code is None
        assert {c.house_code for c in by_id[rid].candidates[:2]} == world["tie"][rid]
    assert by_id["P-4"].status == "unlinked" and by_id["P-4"].reason.startswith("invalid:")
    assert (report.linked, report.review, report.unlinked, report.errors) == (1, 2, 1, 1)


def test_review_queue_decisions_are_scoped_audited_and_fed_back(city_engine, world, client):
    job_id = world["report"].job_id
    clerk = auth(city_engine, "clerk")
    # the clerk's queue: the two ties, nothing decided, nothing linked
    r = client.get("/api/v1/addresses/records", params={"job_id": job_id}, headers=clerk)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 2 and {i["record_id"] for i in body["items"]} == {"P-2", "P-3"}
    assert all(i["status"] == "review" and i["decision"] is None for i in body["items"])
    linked = client.get("/api/v1/addresses/records", params={"status": "linked", "source": SOURCE}, headers=clerk)
    assert [i["record_id"] for i in linked.json()["items"]] == ["P-1"]
    assert client.get("/api/v1/addresses/records", params={"q": "不存在的地址"}, headers=clerk).json()["total"] == 0
    # a district officer of another district sees none of them
    other = auth(city_engine, "district_b")
    assert client.get("/api/v1/addresses/records", headers=other).json()["total"] == 0
    p2, p3 = _pk(city_engine, job_id, "P-2"), _pk(city_engine, job_id, "P-3")
    assert client.get(f"/api/v1/addresses/records/{p2}", headers=other).status_code == 404
    decision = {"accept": True, "house_code": sorted(world["tie"]["P-2"])[0]}
    assert client.post(f"/api/v1/addresses/records/{p2}/decision", json=decision, headers=other).status_code == 404
    # the side-by-side: each candidate with the register's facts and a per-comparison explanation
    d = client.get(f"/api/v1/addresses/records/{p2}", headers=clerk).json()
    assert d["components"]["room"] and "unit" not in d["components"]
    cands = d["candidates"]
    assert {c["house_code"] for c in cands[:2]} == world["tie"]["P-2"]
    assert {c["unit_no"] for c in cands[:2]} == {"1", "2"}
    assert cands[0]["explanation"]["room"]["level"] == "房号相同"
    assert cands[0]["explanation"]["unit"]["level"] == "缺失"
    # a code that is not a candidate is refused, naming the field
    bad = client.post(
        f"/api/v1/addresses/records/{p2}/decision", json={"accept": True, "house_code": "X" * 23}, headers=clerk
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "house_code"
    # accept: the record is linked, the decision remembered, the audit row written
    chosen = decision["house_code"]
    ok = client.post(f"/api/v1/addresses/records/{p2}/decision", json=decision, headers=clerk)
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"id": p2, "status": "linked", "house_code": chosen, "decision": "accepted"}
    after = client.get(f"/api/v1/addresses/records/{p2}", headers=clerk).json()
    assert (after["status"], after["house_code"], after["decision"], after["decided_by"]) == (
        "linked",
        chosen,
        "accepted",
        "clerk",
    )
    with city_engine.connect() as c:
        stored = c.execute(
            select(address_decisions.c.house_code, address_decisions.c.decision).where(
                address_decisions.c.record_pk == p2
            )
        ).all()
        audit = c.execute(
            select(audit_log.c.actor, audit_log.c.outcome).where(
                audit_log.c.action == "address.decide",
                audit_log.c.entity == "address_record",
                audit_log.c.entity_id == str(p2),
            )
        ).all()
    assert [tuple(x) for x in stored] == [(chosen, "accepted")]
    assert [tuple(x) for x in audit] == [("clerk", "ok")]
    # a second decision on the same record: 409, and nothing changes
    again = client.post(f"/api/v1/addresses/records/{p2}/decision", json={"accept": False}, headers=clerk)
    assert again.status_code == 409
    assert client.get(f"/api/v1/addresses/records/{p2}", headers=clerk).json()["status"] == "linked"
    # reject all: unlinked
    rej = client.post(f"/api/v1/addresses/records/{p3}/decision", json={"accept": False}, headers=clerk)
    assert rej.status_code == 200 and rej.json()["status"] == "unlinked"
    assert client.get("/api/v1/addresses/records", params={"job_id": job_id}, headers=clerk).json()["total"] == 0
    # the next job of the same source: the accepted address is linked directly, the rejected homes
    # are never proposed again
    rows = world["rows"]
    again_job = run_link_job(
        city_engine,
        read_records(_csv([("Q-2", rows[1][1]), ("Q-3", rows[2][1])])),
        source=SOURCE,
        filename="police2.csv",
        caller=Caller.system("test"),
    )
    q2, q3 = again_job.results
    assert (q2.status, q2.house_code) == ("linked", chosen) and q2.reason.startswith("clerk_decision")
    assert q3.house_code is None and not {c.house_code for c in q3.candidates} & world["tie"]["P-3"]
    # another source knows nothing of these decisions
    fresh = run_link_job(
        city_engine,
        read_records(_csv([("H-2", rows[1][1])])),
        source="housing",
        filename="h.csv",
        caller=Caller.system("test"),
        store=False,
    )
    assert fresh.results[0].status == "review"
    # the jobs list, newest first
    jobs = client.get("/api/v1/addresses/jobs", headers=clerk).json()
    assert jobs["total"] == 2 and [j["id"] for j in jobs["items"]] == [again_job.job_id, job_id]
    assert jobs["items"][1]["review"] == 2


def test_parse_one_and_many(city_engine, client):
    citizen = auth(city_engine, "citizen")  # parsing is harmless: any signed-in account
    r = client.post("/api/v1/addresses/parse", json={"address": "南京市玄武区中山路1号3幢1单元502室"}, headers=citizen)
    assert r.status_code == 200, r.text
    p = r.json()
    assert (p["district"], p["road"], p["door"], p["building"], p["unit"], p["room"], p["error"]) == (
        "玄武区",
        "中山路",
        "1",
        "3",
        "1",
        "502",
        None,
    )
    assert p["canonical"]
    bad = client.post("/api/v1/addresses/parse", json={"address": "12345"}, headers=citizen)
    assert bad.status_code == 200 and bad.json()["error"].startswith("no_chinese")
    for body, field in (({}, "address"), ({"address": 5}, "address"), ({"addresses": 5}, "addresses")):
        path = "/api/v1/addresses/parse" + ("/batch" if "addresses" in body else "")
        refused = client.post(path, json=body, headers=citizen)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, refused.text
    batch = client.post(
        "/api/v1/addresses/parse/batch",
        json={"addresses": ["南京市玄武区中山路1号3幢1单元502室", "", None, "x" * 1001, "鼓楼区中山北路8号2-301"]},
        headers=citizen,
    )
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [(x["error"] or "ok").split(":")[0] for x in results] == ["ok", "empty", "not_text", "too_long", "ok"]
    assert results[4]["room"] == "301" and results[4]["ambiguities"]
    too_many = client.post("/api/v1/addresses/parse/batch", json={"addresses": ["玄武区"] * 1001}, headers=citizen)
    assert too_many.status_code == 422 and too_many.json()["errors"][0]["field"] == "addresses"
    assert client.post("/api/v1/addresses/parse", json={"address": "玄武区"}).status_code == 401


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/addresses/parse", b'{"address": "\\ud800abc"}', "address"),
        ("/api/v1/addresses/parse", b'{"address": "abc\\uDFFF"}', "address"),
        ("/api/v1/addresses/parse/batch", '{"addresses": ["玄武区", "\\udc00x"]}'.encode(), "addresses.1"),
        # a surrogate's bytes in UTF-8 (which json.loads passes through), and a JSON body in UTF-16
        ("/api/v1/addresses/parse", b'{"address": "\xed\xa0\x80abc"}', "address"),
        ("/api/v1/addresses/parse", '{"address": "\ud800abc"}'.encode("utf-16-le", "surrogatepass"), "address"),
        ("/api/v1/addresses/parse", b'{"\\ud800": "x"}', "body"),
    ],
)
def test_lone_surrogates_are_refused_with_422(city_engine, client, path, body, field):
    """A lone surrogate has no UTF-8 encoding: the answer (which echoes the address) could not be encoded
    and the route answered 500. It is refused before any route runs, naming the field."""
    r = client.post(path, content=body, headers={**auth(city_engine, "citizen"), "content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [
        {"field": field, "reason": "含有无效的 Unicode 字符（孤立的代理项 U+D800–U+DFFF），无法以 UTF-8 保存"}
    ]


def test_a_surrogate_pair_is_one_character_and_is_accepted(city_engine, client):
    r = client.post(
        "/api/v1/addresses/parse",
        content='{"address": "\\ud83d\\ude00玄武区"}'.encode(),
        headers={**auth(city_engine, "citizen"), "content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["input"] == "\U0001f600玄武区"


def test_link_job_upload(city_engine, client, world):
    rows = world["rows"]
    data = _csv([("U-1", rows[0][1]), ("U-2", rows[1][1]), ("U-3", "")])
    files = {"file": ("police.csv", data, "text/csv")}
    assert client.post("/api/v1/addresses/link", files=files, headers=auth(city_engine, "clerk")).status_code == 403
    r = client.post("/api/v1/addresses/link", files=files, data={"source": "rental"}, headers=auth(city_engine, "city"))
    assert r.status_code == 201, r.text
    s = r.json()
    assert (s["source"], s["records"], s["linked"], s["review"], s["unlinked"], s["errors"]) == (
        "rental",
        3,
        1,
        1,
        1,
        1,
    )
    with city_engine.connect() as c:
        audit = c.execute(
            select(audit_log.c.actor, audit_log.c.detail).where(
                audit_log.c.action == "address.link", audit_log.c.entity_id == str(s["job_id"])
            )
        ).one()
    assert audit.actor == "city" and json.loads(audit.detail)["review"] == 1
    big = _csv([(f"B-{i}", "南京市玄武区中山路1号") for i in range(20_001)])
    too_big = client.post(
        "/api/v1/addresses/link", files={"file": ("big.csv", big, "text/csv")}, headers=auth(city_engine, "city")
    )
    assert too_big.status_code == 413 and too_big.json()["errors"][0]["field"] == "file"
    bad = client.post(
        "/api/v1/addresses/link",
        files={"file": ("x.csv", b"id,addr\n1,x\n", "text/csv")},
        headers=auth(city_engine, "city"),
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "input"


def _page_client(client: TestClient, engine: Engine, who: str) -> tuple[dict[str, str], str]:
    token, csrf = web_session(engine, who)
    client.cookies.set("anju_session", token)
    return {"accept": "text/html"}, csrf


def test_review_pages_for_a_clerk(city_engine, world, client):
    job_id = world["report"].job_id
    p2 = _pk(city_engine, job_id, "P-2")
    headers, csrf = _page_client(client, city_engine, "clerk")
    queue = client.get("/addresses/review", headers=headers)
    assert queue.status_code == 200
    assert "地址复核" in queue.text and f'href="/addresses/review/{p2}"' in queue.text and "P-3" in queue.text
    assert 'href="/addresses/review"' in queue.text and 'href="/addresses/parse"' in queue.text  # the nav
    empty = client.get("/addresses/review", params={"q": "不存在的地址"}, headers=headers)
    assert "没有待复核的地址" in empty.text and "P-2" not in empty.text
    detail = client.get(f"/addresses/review/{p2}", headers=headers)
    assert detail.status_code == 200
    for label in ("部门记录", "候选房屋", "解析出的地址要素", "逐项比较", "房号相同", "确认关联", "均不匹配", "%"):
        assert label in detail.text, label
    for code in world["tie"]["P-2"]:
        assert code in detail.text
    chosen = sorted(world["tie"]["P-2"])[1]
    confirm = client.get(f"/addresses/review/{p2}/confirm", params={"house_code": chosen}, headers=headers)
    assert confirm.status_code == 200 and chosen in confirm.text and csrf in confirm.text
    reject_confirm = client.get(f"/addresses/review/{p2}/confirm", headers=headers)
    assert "确认均不匹配" in reject_confirm.text
    # without the CSRF token the post is refused and nothing changes
    form = {"accept": "true", "house_code": chosen}
    assert client.post(f"/addresses/review/{p2}/decision", data=form, headers=headers).status_code == 403
    done = client.post(f"/addresses/review/{p2}/decision", data=form | {"csrf_token": csrf}, headers=headers)
    assert done.status_code == 303 and done.headers["location"] == f"/addresses/review?done={p2}"
    back = client.get(done.headers["location"], headers=headers)
    assert "已确认关联" in back.text and chosen in back.text and f'href="/addresses/review/{p2}"' not in back.text
    with city_engine.connect() as c:
        row = c.execute(select(address_records).where(address_records.c.id == p2)).mappings().one()
    assert (row["status"], row["house_code"], row["decided_by"]) == ("linked", chosen, "clerk")
    twice = client.post(f"/addresses/review/{p2}/decision", data=form | {"csrf_token": csrf}, headers=headers)
    assert twice.status_code == 409 and "已处理" in twice.text
    parse = client.post(
        "/addresses/parse",
        data={"text": "南京市玄武区中山路1号3幢1单元502室\n\n12345", "csrf_token": csrf},
        headers=headers,
    )
    assert parse.status_code == 200 and "解析结果（2 条）" in parse.text and "无法解析" in parse.text


def test_review_pages_are_refused_to_the_public_and_other_districts(city_engine, world, client):
    p2 = _pk(city_engine, world["report"].job_id, "P-2")
    headers, csrf = _page_client(client, city_engine, "citizen")
    home = client.get("/addresses/parse", headers=headers)
    assert home.status_code == 200 and "地址解析" in home.text and 'href="/addresses/review"' not in home.text
    for path in ("/addresses/review", f"/addresses/review/{p2}", f"/addresses/review/{p2}/confirm"):
        assert client.get(path, headers=headers).status_code == 403, path
    post = client.post(
        f"/addresses/review/{p2}/decision", data={"accept": "false", "csrf_token": csrf}, headers=headers
    )
    assert post.status_code == 403
    headers, _ = _page_client(client, city_engine, "district_b")
    assert client.get(f"/addresses/review/{p2}", headers=headers).status_code == 404
    assert "没有待复核的地址" in client.get("/addresses/review", headers=headers).text
    headers, _ = _page_client(client, city_engine, "auditor")  # reads the queue, cannot decide
    detail = client.get(f"/addresses/review/{p2}", headers=headers)
    assert detail.status_code == 200 and "确认关联" not in detail.text
    assert client.get(f"/addresses/review/{p2}/confirm", headers=headers).status_code == 403
