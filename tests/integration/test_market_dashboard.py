"""The market dashboard, publication, public page and monthly report (both databases), on fixture rows of
a finished run written straight into the result tables (tests/market_dashboard_fixtures.py): the reads
answer from the latest done run only and within the caller's scope; publication suppresses small cells,
versions corrections and keeps the old; the public page and downloads show published figures only and
say 合成 for synthetic data; the report's PDF and .docx carry the generated summary and the figures."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import re
import zlib
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju import divisions
from anju.app import create_app
from anju.core.scope import Scope
from anju.market import report, report_docx, report_pdf
from anju.market.http.pages_dashboard import report_dir
from anju.market.tables import market_publications
from anju.security import Caller, NewAccount, Role, Security, create_account
from anju.security.tables import audit_log
from tests.accounts import PASSWORD, World, account_id, api_token, choose_world, web_session
from tests.market_dashboard_fixtures import index_value, make_run, new_sales

API = "/api/v1/market"


def _h(engine: Engine, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(engine, who)}"}


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> tuple[TestClient, World, Any]:
    w = choose_world(city_engine)
    settings = settings_for(city_engine, exchange_open_data_k=10)
    assert settings.city_code == w.city
    return TestClient(create_app(settings)), w, settings


def _run(engine: Engine, w: World, **kw: Any) -> int:
    with engine.begin() as c:
        return make_run(c, city=w.city, districts=[w.district_a, w.district_b], **kw)


# ------------------------------------------------------------------------------------------ dashboard


def test_dashboard_is_empty_before_the_first_run_and_ignores_unfinished_runs(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    h = _h(city_engine, "city")
    assert client.get(f"{API}/dashboard/summary", headers=h).json() == {"run": None, "areas": [], "months": []}
    assert client.get(f"{API}/dashboard/supply", headers=h).json()["points"] == []
    assert client.get(f"{API}/dashboard/indices", headers=h).json()["series"] == []
    _run(city_engine, w, status="failed")
    assert client.get(f"{API}/dashboard/summary", headers=h).json()["run"] is None
    token, _ = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    page = client.get("/market")
    assert page.status_code == 200 and "暂无数据" in page.text


def test_dashboard_reads_the_latest_done_run_in_scope(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    _run(city_engine, w)
    latest = _run(city_engine, w, last="2026-04")
    _run(city_engine, w, last="2026-05", status="failed")
    city, district = _h(city_engine, "city"), _h(city_engine, "district")

    s = client.get(f"{API}/dashboard/summary", headers=city).json()
    assert s["run"]["id"] == latest and s["months"][-1] == "2026-04"
    assert [a["code"] for a in s["areas"]] == [w.city, *sorted([w.district_a, w.district_b])]
    sd = client.get(f"{API}/dashboard/summary", headers=district).json()
    assert {a["code"] for a in sd["areas"]} == {w.city, w.district_a}

    sup = client.get(f"{API}/dashboard/supply", params={"months": 3}, headers=city).json()
    assert [p["month"] for p in sup["points"]] == ["2026-02", "2026-03", "2026-04"]
    assert sup["points"][-1]["new_sales"] == new_sales(0, 15)
    assert client.get(f"{API}/dashboard/supply", params={"area": w.district_b}, headers=district).status_code == 404

    params = {"segment": "resale", "method": "repeat-sales-geometric", "band": "le90", "months": 12}
    ix = client.get(f"{API}/dashboard/indices", params=params, headers=city).json()
    assert [x["area"]["code"] for x in ix["series"]] == [w.city, *sorted([w.district_a, w.district_b])]
    last = ix["series"][0]["points"][-1]
    assert last["month"] == "2026-04" and last["value"] == pytest.approx(
        index_value(0, 15, "resale", "repeat-sales-geometric", "le90")
    )
    assert len(ix["series"][0]["points"]) == 12
    ixd = client.get(f"{API}/dashboard/indices", params=params, headers=district).json()
    assert {x["area"]["code"] for x in ixd["series"]} == {w.city, w.district_a}
    one = client.get(f"{API}/dashboard/indices", params={**params, "area": w.district_a}, headers=district).json()
    assert [x["area"]["code"] for x in one["series"]] == [w.district_a]

    hl = client.get(f"{API}/dashboard/health", params={"month": "2026-01"}, headers=district).json()
    assert hl["month"] == "2026-01" and {r["area"]["code"] for r in hl["radar"]} == {w.city, w.district_a}
    assert set(hl["radar"][0]["scores"]) == {
        "scale",
        "structure",
        "price",
        "supply_demand",
        "assistance",
        "risk",
        "expectations",
        "total",
    }
    assert hl["history"][-1]["month"] == "2026-01"

    wc = client.get(f"{API}/dashboard/warnings", headers=city).json()
    wd = client.get(f"{API}/dashboard/warnings", headers=district).json()
    assert wc["total"] > wd["total"] > 0
    assert {i["area_code"] for i in wd["items"]} <= {w.city, w.district_a}
    assert all(i["status"] == "open" for i in wc["items"])

    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"{API}/dashboard/indices.csv", params=params, headers=district).content.decode("utf-8-sig")
            )
        )
    )
    assert rows[0][0] == "区域" and {r[1] for r in rows[1:]} == {w.city, w.district_a}
    for table in ("supply", "health", "warnings"):
        r = client.get(f"{API}/dashboard/{table}.csv", headers=city)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert len(r.content.decode("utf-8-sig").splitlines()) > 1

    token, _ = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    page = client.get("/market", params={"method": "median", "month": "2026-02"})
    assert page.status_code == 200 and 'data-chart="radar"' in page.text and "分层中位数" in page.text
    assert 'id="market-data"' in page.text


# ---------------------------------------------------------------------------------------- publication


def _publish(client: TestClient, csrf: str, month: str, run_id: int, note: str = "") -> Any:
    data = {"csrf_token": csrf, "month": month, "run_id": str(run_id), "note": note}
    return client.post("/market/publish", data=data, follow_redirects=False)


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(market_publications)).scalar_one())


def test_publication_suppresses_small_cells_and_versions_corrections(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    run = _run(city_engine, w, synthetic=True, small={w.district_b: 3})
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    pre = client.get("/market/publish", params={"month": "2026-03"})
    assert pre.status_code == 200 and "确认发布" in pre.text and "—" in pre.text

    r = _publish(client, csrf, "2026-03", run)
    assert r.status_code == 303 and r.headers["location"] == "/market/public/2026-03"
    got = client.get(f"{API}/public/2026-03").json()
    assert got["version"] == 1 and got["synthetic"] is True
    areas = {a["code"]: a for a in got["figures"]["areas"]}
    assert areas[w.district_b]["new"]["suppressed"] and areas[w.district_b]["new"]["sales"] is None
    assert areas[w.district_b]["new"]["index"] is None
    # the secondary suppression: district A's new-home count would follow from the total
    assert areas[w.district_a]["new"]["suppressed"]
    for a in areas.values():
        for seg in ("new", "resale"):
            if a[seg]["suppressed"]:
                assert {a[seg][k] for k in ("sales", "area_m2", "median_unit_price_fen", "index", "mom", "yoy")} == {
                    None
                }
    assert areas[w.city]["new"]["sales"] == new_sales(0, 14)
    assert areas[w.city]["new"]["index"] == pytest.approx(round(index_value(0, 14, "new", "hedonic", "all"), 2))
    text = json.dumps(got, ensure_ascii=False)
    assert "buyer" not in text and "house_code" not in text

    before = _count(city_engine)
    again = _publish(client, csrf, "2026-03", run)
    assert again.status_code == 422 and "更正说明" in again.text and _count(city_engine) == before
    stale = _publish(client, csrf, "2026-03", run + 99, note="更正")
    assert stale.status_code == 409 and _count(city_engine) == before
    fixed = _publish(client, csrf, "2026-03", run, note="更正区域面积口径")
    assert fixed.status_code == 303
    got2 = client.get(f"{API}/public/2026-03").json()
    assert got2["version"] == 2 and got2["note"] == "更正区域面积口径"
    assert [(v["version"], v["current"]) for v in got2["versions"]] == [(2, True), (1, False)]
    old = client.get(f"{API}/public/2026-03", params={"version": 1}).json()
    assert old["version"] == 1 and old["current"] is False
    with city_engine.connect() as c:
        actions = c.execute(select(audit_log.c.action).where(audit_log.c.action == "market.publish")).all()
    assert len(actions) == 2

    client.cookies.clear()
    listing = client.get(f"{API}/public").json()
    assert [i["month"] for i in listing["items"]] == ["2026-03"] and listing["items"][0]["version"] == 2
    csv_text = client.get(f"{API}/public/2026-03.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_text)))
    b_row = next(r for r in rows if len(r) > 2 and r[2] == w.district_b)
    assert b_row[3] == "—" and "合成" in csv_text
    page = client.get("/market/public")
    assert page.status_code == 200 and "合成" in page.text and "2026-03" in page.text and "已更正" in page.text
    assert client.get("/market/public/2026-03", params={"version": 1}).status_code == 200
    assert client.get("/market/public/2025-01").status_code == 404
    assert client.get(f"{API}/public/2025-01").status_code == 404


def test_public_page_is_empty_before_a_publication(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    _run(city_engine, w)
    page = client.get("/market/public")
    assert page.status_code == 200 and "尚未发布" in page.text
    assert client.get(f"{API}/public").json()["total"] == 0


def test_publish_refuses_a_month_outside_the_run(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    run = _run(city_engine, w)
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    r = _publish(client, csrf, "2030-01", run)
    assert r.status_code == 422 and "月份" in r.text and _count(city_engine) == 0


# --------------------------------------------------------------------------------------------- report


def pdf_text(pdf: bytes) -> str:
    """The text a PDF shows, as far as reportlab writes it: every string shown by ``Tj``, decoded as the
    UCS-2 of the CID font (or Latin-1), concatenated (wrapped lines join up again)."""
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        raw = m.group(1).strip()
        if raw.endswith(b"~>"):  # reportlab's /ASCII85Decode /FlateDecode
            raw = base64.a85decode(raw[:-2].replace(b"\n", b""))
        with contextlib.suppress(zlib.error):
            raw = zlib.decompress(raw)
        for s in re.finditer(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", raw, re.S):
            b = _unescape(s.group(1))
            try:
                out.append(b.decode("utf-16-be") if len(b) % 2 == 0 else b.decode("latin-1"))
            except UnicodeDecodeError:
                out.append(b.decode("latin-1"))
    return "".join(out)


def _unescape(s: bytes) -> bytes:
    out, i = bytearray(), 0
    simple = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while i < len(s):
        c = s[i]
        if c == 0x5C and i + 1 < len(s):
            n = s[i + 1]
            if 0x30 <= n <= 0x37:
                j = i + 1
                while j < len(s) and j < i + 4 and 0x30 <= s[j] <= 0x37:
                    j += 1
                out.append(int(s[i + 1 : j], 8) & 0xFF)
                i = j
                continue
            out.append(simple.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def test_monthly_report_pdf_and_docx_carry_the_summary_and_figures(city_engine: Engine, env: Any) -> None:
    client, w, settings = env
    _run(city_engine, w, synthetic=True)
    with city_engine.connect() as c:
        rep = report.build(c, Scope.whole_city(), w.city, "2026-03", method="hedonic", city_name="测试市")
    city_sales = new_sales(0, 14)
    assert rep.summary.startswith(f"2026年3月，全市新建商品住宅成交{city_sales:,}套，环比增长")
    assert "同比增长" in rep.summary and "去化周期" in rep.summary
    assert rep.published_version is None and "尚未发布" in rep.source  # the run's unsuppressed figures
    text = pdf_text(report_pdf.render(rep, compress=False))
    assert "全市新建商品住宅成交" in text and f"{city_sales:,}" in text and "合成" in text

    doc = Document(io.BytesIO(report_docx.render(rep)))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert rep.summary in body
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    assert f"{city_sales:,}" in cells and rep.lines[1].name in cells
    assert "合成" in doc.sections[0].header.paragraphs[0].text
    assert len(doc.inline_shapes) == 2

    token, csrf = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    listing = client.get("/market/reports")
    assert listing.status_code == 200 and 'name="month" value="2026-03"' in listing.text
    # each report is generated as a background job whose page leads to the file: the same report as
    # the direct call, within the district officer's scope (their district and the city)
    pdf_job = _report_job(client, csrf, "2026-03", "pdf")
    assert pdf_job["message"] == "已生成2026年3月月度报告（PDF），点击下载", pdf_job
    pdf = client.get(pdf_job["result_path"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == 'attachment; filename="market-report-2026-03.pdf"'
    with city_engine.connect() as c:
        city_name = divisions.names(c, {w.city})[w.city]
        mine = report.build(c, Scope.of_streets("district", w.district_a, []), w.city, "2026-03", method="hedonic",
                            city_name=city_name)  # fmt: skip
    direct = report_pdf.render(mine)
    assert pdf_text(pdf.content) == pdf_text(direct) and "全市新建商品住宅成交" in pdf_text(pdf.content)
    d = client.get(_report_job(client, csrf, "2026-03", "docx")["result_path"])
    assert d.status_code == 200
    ddoc, direct_doc = Document(io.BytesIO(d.content)), Document(io.BytesIO(report_docx.render(mine)))
    assert [p.text for p in ddoc.paragraphs] == [p.text for p in direct_doc.paragraphs]
    names = {row.cells[0].text for table in ddoc.tables for row in table.rows}
    assert w.district_b not in names  # the district officer's report: their district and the city
    # each download is audited: who fetched which file
    with city_engine.connect() as c:
        audits = c.execute(
            select(audit_log.c.actor_id, audit_log.c.entity, audit_log.c.detail).where(
                audit_log.c.action == "market.download_report"
            )
        ).all()
    mine_id = account_id(city_engine, "district")
    assert [(a, t) for a, t, _ in audits] == [(mine_id, "market_report"), (mine_id, "market_report")]
    assert pdf_job["result_path"].rsplit("/", 1)[1] in str(audits[0][2])
    # the file is its author's: another officer (city-wide), or of the same role and district, cannot fetch it
    client.cookies.set("anju_session", web_session(city_engine, "city")[0])
    assert client.get(pdf_job["result_path"]).status_code == 404
    with city_engine.begin() as c:
        create_account(
            c, Security(settings), NewAccount("district_rpt2", PASSWORD, Role.district_officer, "郑区局",
                                              division_code=w.district_a), Caller.system("t"),
        )  # fmt: skip
    client.cookies.set("anju_session", web_session(city_engine, "district_rpt2")[0])
    assert client.get(pdf_job["result_path"]).status_code == 404
    client.cookies.set("anju_session", token)
    # a file in the author's own folder that no finished job of theirs led to is not served either
    stray = f"market-report-2026-03-{'a' * 32}.pdf"
    (report_dir(settings, mine_id) / stray).write_bytes(b"%PDF-stray")
    assert client.get(f"/market/reports/files/{stray}").status_code == 404
    # refused on the list, in Chinese, before any job: a month the run does not hold, an unknown format
    for data, words in ((("2030-01", "pdf"), "月份：最近一次计算不含该月"), (("2026-03", "txt"), "格式：应为 PDF")):
        r = client.post("/market/reports", data={"csrf_token": csrf, "month": data[0], "format": data[1]},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 422 and words in r.text, r.text


def _report_job(client: TestClient, csrf: str, month: str, fmt: str) -> dict[str, Any]:
    """Start a monthly report from its page and follow the job to its end; the job's JSON view."""
    from anju.core import jobs

    r = client.post("/market/reports", data={"csrf_token": csrf, "month": month, "format": fmt},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/"), r.text
    jobs.wait(int(r.headers["location"].rsplit("/", 1)[1]))
    job: dict[str, Any] = client.get("/api/v1" + r.headers["location"]).json()
    assert job["status"] == "done" and job["kind"] == "market.report", job
    assert job["result_path"].startswith("/market/reports/files/market-report-" + month)
    page = client.get(r.headers["location"], headers={"accept": "text/html"})
    assert "查看结果" in page.text and job["result_path"] in page.text
    return job


def test_summary_words() -> None:
    assert report.change(110, 100) == "增长10.0%"
    assert report.change(90, 100) == "下降10.0%"
    assert report.change(100, 100) == "持平"
    assert report.change(5, 0) is None and report.change(5, None) is None
    assert report.index_change(100.5) == "上涨0.5%" and report.index_change(99.2) == "下降0.8%"
    assert report.index_change(100.0) == "持平" and report.index_change(None) is None
