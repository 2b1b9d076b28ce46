"""The feeds' pages and REST routes (数据接入): delivery over the API (JSON array, NDJSON), a file
uploaded as a background job, the feed, batch and dead-letter pages, fix-and-replay and discard."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import Engine, select

from anju.exchange import feeding
from tests.conftest import LiveServer
from tests.exchange_builders import PEOPLE, create_people_table, people_rows, person

BAD_ID = "110105194912310021"


@pytest.fixture
def server(live_server: LiveServer, monkeypatch: pytest.MonkeyPatch) -> LiveServer:
    create_people_table(live_server.engine)
    monkeypatch.setattr(feeding, "feeds", lambda: [PEOPLE])
    return live_server


def names(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return list(c.execute(select(people_rows.c.person_no).order_by(people_rows.c.id)).scalars())


def test_a_department_delivers_over_the_api_and_staff_fix_the_dead_letter(server: LiveServer) -> None:
    with server.client("city", prefix="/api/v1/exchange") as api:
        r = api.post("/feeds/test.people/batches", json=[person("P1"), person("P2", id_number=BAD_ID)])
        assert r.status_code == 201, r.text
        out = r.json()
        assert (out["received"], out["accepted"], out["rejected"]) == (2, 1, 1)
        assert out["rejections"] == [{"seq": 2, "field": "id_number", "reason": "身份证号：居民身份证号码校验位不正确"}]
        nd = "\n".join(json.dumps(x, ensure_ascii=False) for x in [person("P1"), person("P3")]) + "\n"
        r = api.post(
            "/feeds/test.people/batches", content=nd.encode(), headers={"content-type": "application/x-ndjson"}
        )
        assert (r.json()["accepted"], r.json()["duplicate"]) == (1, 1)
        bad = api.post("/feeds/test.people/batches", json={"not": "a list"})
        assert bad.status_code == 422
        feeds = api.get("/feeds").json()
        assert [(f["dataset"], f["received"], f["accepted"], f["open_dead_letters"]) for f in feeds] == [
            ("test.people", 4, 2, 1)
        ]
        assert api.get("/feeds/test.people/batches").json()["total"] == 2
        (letter,) = api.get("/dead-letters", params={"status": "open"}).json()["items"]
        assert BAD_ID not in json.dumps(letter, ensure_ascii=False)
        batch = api.get(f"/batches/{letter['batch_id']}").json()
        assert {q["field"]: q["invalid"] for q in batch["quality"]}["id_number"] == 1
    with server.client("auditor", prefix="/api/v1/exchange") as auditor:
        assert auditor.get(f"/dead-letters/{letter['id']}").status_code == 200
        assert auditor.post(f"/dead-letters/{letter['id']}/replay", json={"fields": {}}).status_code == 403

    with server.client("city") as web:
        html = {"accept": "text/html"}
        assert "测试人员（合成）" in web.get("/exchange/feeds", headers=html).text
        feed_page = web.get("/exchange/feeds/test.people", headers=html)
        assert feed_page.status_code == 200 and "完整率" in feed_page.text
        assert f"#{letter['batch_id']}" in feed_page.text
        page = web.get(f"/exchange/batches/{letter['batch_id']}", headers=html)
        assert page.status_code == 200 and "居民身份证号码校验位不正确" in page.text
        shown = web.get(f"/exchange/dead-letters/{letter['id']}", headers=html)
        assert shown.status_code == 200 and "1101**********0021" in shown.text and BAD_ID not in shown.text
        fixed = web.post(
            f"/exchange/dead-letters/{letter['id']}/replay",
            data={"f_person_no": "P2", "f_id_number": "11010519491231002X", "f_name": "", "f_version": "1"},
            headers=html,
        )
        assert fixed.status_code == 200 and "已接收 1 条" in fixed.text, fixed.text
    assert names(server.engine) == ["P1", "P3", "P2"]


def test_a_file_uploaded_on_the_feed_page_runs_as_a_job_and_a_dead_letter_can_be_discarded(server: LiveServer) -> None:
    csv = "人员编号,身份证号,姓名,版本\nP7,11010519491231002X,张三,1\nP8,11010519491231002X,张三,0\n"
    with server.client("city") as web:
        r = web.post("/exchange/feeds/test.people/upload", files={"file": ("人员.csv", csv.encode(), "text/csv")})
        assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text
        deadline = time.monotonic() + 60  # a hang guard, not a speed check
        while (job := web.get("/api/v1" + r.headers["location"]).json())["open"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert job["status"] == "done" and "接收 1" in job["message"] and "拒绝 1" in job["message"], job
        assert job["result_path"].startswith("/exchange/batches/")
        letters = web.get("/api/v1/exchange/dead-letters").json()["items"]
        assert [x["rejections"][0]["reason"] for x in letters] == ["版本：不能小于 1"]
        gone = web.post(f"/exchange/dead-letters/{letters[0]['id']}/discard", data={"reason": "部门确认作废"})
        assert gone.status_code == 303
        again = web.post(f"/api/v1/exchange/dead-letters/{letters[0]['id']}/discard", json={"reason": "再次"})
        assert again.status_code == 409
        assert web.get(f"/api/v1/exchange/dead-letters/{letters[0]['id']}").json()["status"] == "discarded"
    with server.client("clerk") as clerk:
        assert clerk.get("/exchange/feeds", headers={"accept": "text/html"}).status_code == 403
    assert names(server.engine) == ["P7"]
