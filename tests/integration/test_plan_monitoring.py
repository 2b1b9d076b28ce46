"""Plan monitoring end to end on the tiny city with the shipped 14th plan: progress from the stored
indicator values (one read) and the hand-entered figures; the annual reports kept as versions (a
correction beside what it corrected, the first version unchanged); the public page shows only reported
figures, labelled 合成; a district officer sees the city targets and their own district's breakdowns;
the evaluation reports are valid .docx and PDF carrying the targets; the export round-trips."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest
from docx import Document
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju.app import create_app
from anju.core.errors import Conflict, ValidationError
from anju.core.scope import Scope
from anju.plan import evaluation, export, monitoring, report_docx, report_pdf, shipped
from anju.plan.domain import Plan
from anju.plan.tables import plan_entries, plan_reports
from anju.security import Caller, NewAccount, Role, Security, create_account
from anju.security.tables import audit_log
from tests.accounts import PASSWORD, account_id, api_token, choose_world, web_session
from tests.helpers import finished_job
from tests.integration.test_market_dashboard import pdf_text
from tests.plan_builders import CITY, store_values

OLD_AREA = "main.old_community_area"  # renewal.old_community_area (平方米, computed) → 万平方米, cumulative ≥ 1200
COVERAGE = "main.assisted_coverage"  # assistance.coverage (%, reported by hand), final year ≥ 28


@pytest.fixture
def settings(city_engine: Engine, settings_for: Any) -> Any:
    return settings_for(city_engine)


def the_plan() -> Plan:
    return shipped(CITY)[0]


def seed(engine: Engine, district: str) -> None:
    store_values(
        engine,
        [
            ("renewal.old_community_area", "city", CITY, 2021, "3000000", None),
            ("renewal.old_community_area", "city", CITY, 2022, "2500000", None),
            ("renewal.old_community_area", "city", CITY, 2023, None, "2023 年竣工验收数据未到"),
            ("assistance.talent_homes_raised", "district", district, 2021, "900", None),
        ],
    )


def _enter(engine: Engine, plan: Plan, **kw: Any) -> int:
    with engine.begin() as conn:
        args: dict[str, Any] = {"indicator": "assistance.coverage", "area_code": CITY, "year": 2022, "value": "25",
                                "source_note": "市住房保障部门 2023 年 1 月报送", "by": "test"} | kw  # fmt: skip
        return monitoring.enter(conn, plan, **args)


def _status(items: list[Any], key: str) -> tuple[Any, str, str | None]:
    p = next(i for i in items if i.key == key)
    return p.actual, p.status, p.missing


def test_progress_from_stored_values_and_hand_entries(city_engine: Engine) -> None:
    plan = the_plan()
    w = choose_world(city_engine)
    seed(city_engine, w.district_a)
    with city_engine.connect() as conn:
        got = monitoring.live(conn, plan, Scope.whole_city(), 2022)
    assert _status(got.items, OLD_AREA) == (Decimal(550), "on_track", None)  # 480 expected after 2 of 5 years
    assert _status(got.items, COVERAGE) == (None, "no_data", "2022 年：由统计部门报送，尚未录入")
    with city_engine.connect() as conn:
        later = monitoring.live(conn, plan, Scope.whole_city(), 2023)
    assert _status(later.items, OLD_AREA)[1:] == ("no_data", "2023 年：2023 年竣工验收数据未到")
    # a hand entry (no provider): the latest entry of a key is read; the baseline year sets the path
    _enter(city_engine, plan, value="20")
    _enter(city_engine, plan, value="25")
    _enter(city_engine, plan, year=2020, value="22")
    with city_engine.connect() as conn:
        got = monitoring.live(conn, plan, Scope.whole_city(), 2022)
        assert monitoring.entries(conn, limit=10, offset=0).total == 3  # every entry kept
    assert _status(got.items, COVERAGE) == (Decimal(25), "on_track", None)  # path 22 → 28: 24.4 by 2022


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"indicator": "renewal.old_community_area"}, "indicator"),  # computed by the platform
        ({"indicator": "housing.nothing"}, "indicator"),
        ({"year": 2031}, "year"),
        ({"value": "二十"}, "value"),
        ({"value": "NaN"}, "value"),
        ({"source_note": "  "}, "source_note"),
        ({"area_code": "999999"}, "area_code"),
    ],
)
def test_a_bad_entry_names_the_field_and_writes_nothing(city_engine: Engine, kw: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as e:
        _enter(city_engine, the_plan(), **kw)
    assert e.value.errors[0].field == field
    with city_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(plan_entries)).scalar() == 0


def test_reports_are_versions_and_a_correction_shows_what_it_corrected(city_engine: Engine) -> None:
    plan = the_plan()
    seed(city_engine, choose_world(city_engine).district_a)
    with city_engine.begin() as conn:
        first = monitoring.report_year(conn, plan, 2022, by="city")
    assert first.version == 1
    with city_engine.begin() as conn, pytest.raises(ValidationError) as e:
        monitoring.report_year(conn, plan, 2022, by="city")
    assert e.value.errors[0].field == "note"
    # the data changes; the correction is a new version, the first stays as reported
    store_values(city_engine, [("renewal.old_community_area", "city", CITY, 2022, "1500000", None)])
    with city_engine.begin() as conn:
        second = monitoring.report_year(conn, plan, 2022, by="city", note="2022 年竣工面积按验收备案更正")
    assert second.version == 2
    with city_engine.connect() as conn:
        hist = monitoring.history(conn, plan, OLD_AREA)
        v1 = monitoring.figures(conn, plan.code, report_ids=[first.id], target_key=OLD_AREA)
        current = {f.target_key: f for f in monitoring.current_figures(conn, plan)}
    assert [(h.figure.report.version, h.figure.actual, h.changed) for h in hist] == [
        (1, Decimal(550), False),
        (2, Decimal(450), True),
    ]
    assert hist[1].previous is not None and hist[1].previous.actual == Decimal(550)
    assert hist[1].figure.report.note == "2022 年竣工面积按验收备案更正"
    assert v1[0].actual == Decimal(550) and v1[0].status == "on_track"
    assert current[OLD_AREA].actual == Decimal(450) and current[OLD_AREA].status == "behind"
    assert len(current) == len(plan.targets)


def test_two_reports_of_a_year_at_once_the_second_is_refused_not_a_server_error(
    city_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if city_engine.dialect.name == "sqlite":
        pytest.skip("on SQLite the writers' queue serialises writes: two reports cannot interleave")
    plan = the_plan()
    seed(city_engine, choose_world(city_engine).district_a)
    real_live = monitoring.live

    def racing(conn: Any, *a: Any, **kw: Any) -> Any:  # another officer's report lands meanwhile
        monkeypatch.setattr(monitoring, "live", real_live)
        with city_engine.begin() as other:
            monitoring.report_year(other, plan, 2023, by="other")
        return real_live(conn, *a, **kw)

    monkeypatch.setattr(monitoring, "live", racing)
    with pytest.raises(Conflict, match="刚由他人报送"), city_engine.begin() as conn:
        monitoring.report_year(conn, plan, 2023, by="city")
    with city_engine.connect() as conn:
        versions = [(r.version, r.reported_by) for r in monitoring.reports(conn, plan.code, year=2023)]
    assert versions == [(1, "other")]


def test_export_round_trips(city_engine: Engine) -> None:
    plan = the_plan()
    seed(city_engine, choose_world(city_engine).district_a)
    with city_engine.begin() as conn:
        r = monitoring.report_year(conn, plan, 2022, by="city")
    with city_engine.connect() as conn:
        rows = export.rows(monitoring.figures(conn, plan.code, report_ids=[r.id]))
    assert len(rows) == len(plan.targets)
    assert export.read_csv(export.to_csv(rows)) == rows
    assert export.read_json(export.to_json(rows, synthetic=True)) == rows
    one = next(x for x in rows if x.target_key == OLD_AREA)
    assert (one.plan_code, one.year, one.version, one.target, one.actual, one.unit, one.status) == (
        plan.code, 2022, 1, Decimal(1200), Decimal(550), "万平方米", "on_track"
    )  # fmt: skip


def test_evaluation_reports_are_valid_docx_and_pdf_with_the_targets(city_engine: Engine) -> None:
    plan = the_plan()
    seed(city_engine, choose_world(city_engine).district_a)
    with city_engine.connect() as conn:
        mid = evaluation.gather(conn, plan, "midterm")
        final = evaluation.gather(conn, plan, "final")
    assert (mid.as_of, final.as_of) == (2023, 2025)
    assert mid.synthetic and mid.districts and mid.lines
    doc = Document(io.BytesIO(report_docx.render(mid)))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = "\n".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert "中期评估" in text and "规划目标" in cells and "指标属性" in cells
    assert "城镇居民人均住房建筑面积" in cells and "约束性" in cells and "老旧小区改造规模" in cells
    assert "合成" in "\n".join(p.text for p in doc.sections[0].header.paragraphs)
    assert len(doc.inline_shapes) == 2  # the two charts
    pdf = report_pdf.render(final, compress=False)
    assert pdf.startswith(b"%PDF")
    shown = pdf_text(pdf)
    assert "总结评估" in shown and "城镇居民人均住房建筑面积" in shown and "合成" in shown
    assert "分区完成情况" in shown


def _app(settings: Any) -> TestClient:
    return TestClient(create_app(settings))


def test_public_page_shows_only_reported_figures(city_engine: Engine, settings: Any) -> None:
    plan = the_plan()
    seed(city_engine, choose_world(city_engine).district_a)
    client = _app(settings)
    r = client.get("/plan/public")
    assert r.status_code == 200 and "尚未报送" in r.text
    assert client.get("/api/v1/plan/public").json()["figures"] == []
    with city_engine.begin() as conn:
        monitoring.report_year(conn, plan, 2022, by="city")
    # the live data changes after the report: the public page keeps the reported figure
    store_values(city_engine, [("renewal.old_community_area", "city", CITY, 2022, "9000000", None)])
    body = client.get("/api/v1/plan/public").json()
    figs = {f["target_key"]: f for f in body["figures"]}
    assert body["synthetic"] is True and Decimal(figs[OLD_AREA]["actual"]) == Decimal(550)
    assert {f["year"] for f in body["figures"]} == {2022} and body["year"] == 2022
    assert client.get("/api/v1/plan/public?year=2021").json()["figures"] == []  # 2021 not reported
    page = client.get("/plan/public")
    assert "合成" in page.text and "老旧小区改造规模" in page.text and "550" in page.text
    csv = client.get("/api/v1/plan/public.csv")
    assert csv.status_code == 200 and "main.old_community_area" in csv.text and "合成" in csv.text


def test_dashboard_scope_and_report_through_the_web(city_engine: Engine, settings: Any) -> None:
    w = choose_world(city_engine)
    seed(city_engine, w.district_a)
    plan = the_plan()
    areas = {t.area for t in plan.targets}
    assert w.district_a in areas and w.district_b in areas
    client = _app(settings)
    district = {"authorization": f"Bearer {api_token(city_engine, 'district')}"}
    got = client.get("/api/v1/plan/progress?year=2022", headers=district).json()
    seen = {t["area_code"] for t in got["targets"]}
    assert seen == {CITY, w.district_a}  # the city's targets and the officer's district, never another's
    mine = next(
        t for t in got["targets"] if t["area_code"] == w.district_a and t["indicator"].endswith("talent_homes_raised")
    )
    assert Decimal(mine["years"][0]["value"]) == Decimal(900)  # 2021 stored; 2022 not: no sum compared
    assert mine["status"] == "no_data" and mine["missing"].startswith("2022 年")
    assert client.post("/api/v1/plan/reports", json={"year": 2022}, headers=district).status_code == 403
    # the city officer: dashboard, a target's page, report, correct
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    page = client.get("/plan?year=2022")
    assert page.status_code == 200 and "规划实施监测" in page.text and "老旧小区改造规模" in page.text
    assert "合成" in page.text
    r = client.post("/plan/reports", data={"csrf_token": csrf, "year": "2022"}, follow_redirects=False)
    assert r.status_code == 303
    r = client.post("/plan/reports", data={"csrf_token": csrf, "year": "2022"}, follow_redirects=False)
    assert "%E6%9B%B4%E6%AD%A3" in r.headers["location"]  # 更正…: the note is required, nothing written
    r = client.post("/plan/reports", data={"csrf_token": csrf, "year": "2022", "note": "更正"}, follow_redirects=False)
    assert r.status_code == 303
    with city_engine.connect() as conn:
        versions = conn.execute(select(plan_reports.c.version).order_by(plan_reports.c.version)).scalars().all()
        audits = conn.execute(select(func.count()).where(audit_log.c.action == "plan.report")).scalar()
    assert versions == [1, 2] and audits == 2
    detail = client.get(f"/plan/targets/{OLD_AREA}?year=2022")
    assert detail.status_code == 200 and "统计口径" in detail.text and "第 2 版" in detail.text
    api = client.get(
        f"/api/v1/plan/targets/{OLD_AREA}", headers={"authorization": f"Bearer {api_token(city_engine, 'city')}"}
    )
    assert api.status_code == 200 and len(api.json()["history"]) == 2
    csv = client.get("/api/v1/plan/progress.csv?year=2022")
    assert csv.status_code == 200 and OLD_AREA in csv.text
    exp = client.get("/api/v1/plan/export?year=2022&format=json")
    assert exp.status_code == 200 and json.loads(exp.text)["format"] == export.FORMAT
    assert {r["version"] for r in json.loads(exp.text)["rows"]} == {2}
    exp_csv = client.get("/api/v1/plan/export?year=2022&format=csv&version=1")
    assert export.read_csv(exp_csv.text)[0].version == 1
    # a bad entry through the page: the field's error, nothing written
    r = client.post(
        "/plan/entries",
        data={
            "csrf_token": csrf,
            "indicator": "assistance.coverage",
            "year": "2022",
            "value": "abc",
            "source_note": "x",
        },
    )
    assert r.status_code == 422 and "应为数字" in r.text
    r = client.post(
        "/plan/entries",
        data={
            "csrf_token": csrf,
            "indicator": "assistance.coverage",
            "year": "2022",
            "value": "26",
            "source_note": "报送",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "26" in client.get("/plan/entries").text


def test_evaluation_job_and_download(city_engine: Engine, settings: Any) -> None:
    seed(city_engine, choose_world(city_engine).district_a)
    client = _app(settings)
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    assert client.get("/plan/evaluations").status_code == 200
    r = client.post("/plan/evaluations", data={"csrf_token": csrf, "kind": "midterm", "format": "docx"},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    job = finished_job(client, r.headers["location"])
    assert job["status"] == "done", job
    got = client.get(job["result_path"])
    assert got.status_code == 200
    doc = Document(io.BytesIO(got.content))
    assert "中期评估" in "\n".join(p.text for p in doc.paragraphs)
    assert client.get("/plan/evaluations/" + "0" * 32 + ".pdf").status_code == 404
    with city_engine.connect() as conn:
        audits = conn.execute(
            select(audit_log.c.actor_id, audit_log.c.detail).where(audit_log.c.action == "plan.download_evaluation")
        ).all()
    assert [a for a, _ in audits] == [account_id(city_engine, "city")]
    assert job["result_path"].rsplit("/", 1)[1] in str(audits[0][1])
    # another city officer (same role, same scope) does not get the file: it belongs to the job's owner
    with city_engine.begin() as conn:
        create_account(
            conn,
            Security(settings),
            NewAccount("city2", PASSWORD, Role.city_officer, "赵市局", division_code=CITY),
            Caller.system("t"),
        )
    token2, _ = web_session(city_engine, "city2")
    client.cookies.set("anju_session", token2)
    assert client.get(job["result_path"]).status_code == 404


def test_progress_reads_a_fixed_number_of_queries_whatever_the_targets(city_engine: Engine) -> None:
    """No N+1: the stored values are read per level (city, districts), not per target."""
    from sqlalchemy import event

    from tests.plan_builders import plan, target

    w = choose_world(city_engine)
    small = plan(target("a"), target("b", area=w.district_a))
    big = plan(
        *[target(f"c{i}", indicator=f"test.c{i % 7}") for i in range(40)],
        *[target(f"d{i}", indicator="test.d", area=w.district_a if i % 2 else w.district_b, year=2021 + i % 5)
          for i in range(40)],
    )  # fmt: skip
    counts = []
    for p in (small, big):
        seen: list[str] = []

        def count(*args: Any, seen: list[str] = seen) -> None:
            seen.append("q")

        event.listen(city_engine, "before_cursor_execute", count)
        try:
            with city_engine.connect() as conn:
                assert len(monitoring.live(conn, p, Scope.whole_city(), 2022).items) == len(p.targets)
        finally:
            event.remove(city_engine, "before_cursor_execute", count)
        counts.append(len(seen))
    assert counts[0] == counts[1] <= 5, counts


def test_the_city_officers_work_list_asks_for_last_years_report_until_it_is_filed(
    city_engine: Engine, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import date

    from anju.core import clock
    from anju.plan import worklist
    from anju.security import Caller, Role

    plan = the_plan()
    w = choose_world(city_engine)
    city = Caller(account_id(city_engine, "city"), "city", Role.city_officer, CITY, Scope.whole_city(CITY))
    district = Caller(
        account_id(city_engine, "district"), "district", Role.district_officer, w.district_a,
        Scope.of_streets("district", w.district_a, [w.street_s1]),
    )  # fmt: skip
    monkeypatch.setattr(clock, "today", lambda: date(2024, 3, 1))
    with city_engine.connect() as conn:
        assert [(i.label, i.count, i.path) for i in worklist.items(conn, city)] == [
            ("2023 年度监测报告尚未报送", 1, "/plan?year=2023#h-reports")
        ]
        assert worklist.items(conn, district) == []  # only the city's plan officer reports
    client = _app(settings)
    client.cookies.set("anju_session", web_session(city_engine, "city")[0])
    home = client.get("/", headers={"accept": "text/html"}).text
    assert "2023 年度监测报告尚未报送" in home and "/plan?year=2023#h-reports" in home
    with city_engine.begin() as conn:
        monitoring.report_year(conn, plan, 2023, by="city")
    with city_engine.connect() as conn:
        assert [i.count for i in worklist.items(conn, city)] == [0]
        monkeypatch.setattr(clock, "today", lambda: date(2021, 6, 1))  # 2020 is before the plan
        assert worklist.items(conn, city) == []
