"""The health evaluation, the warnings and the forecasts on a run of the tiny synthetic city, on both
databases: the steps are called directly with a StepContext on a run started with runs.start_run, the
supply and index rows a run's earlier steps would write inserted by the test. Then the pages and the
REST mirrors: scores explained, warnings listed, filtered, exported, acknowledged and closed (scoped,
audited, bad transitions refused), forecasts shown."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from anju.app import create_app
from anju.market import domain, forecast, health, warnings
from anju.market.health_model import load_editions, sample_path
from anju.market.indicator_codes import INDICATORS
from anju.market.runs import finish_run, start_run
from anju.market.steps import StepContext
from anju.market.tables import (
    market_forecasts,
    market_health_scores,
    market_index_values,
    market_indicator_values,
    market_supply,
    market_warnings,
)
from anju.registry import synthetic_scale
from anju.security import audit_log
from tests.accounts import World, choose_world, web_session
from tests.tx_builders import auth

FIRST, LAST = "2023-01", "2025-12"  # 36 months
MONTHS = domain.months_between(FIRST, LAST)
EDITION = load_editions(sample_path("320100"), INDICATORS)[0]


def supply_row(run_id: int, area: str, month: str, k: int, *, mos: float | None = 12.0) -> dict[str, Any]:
    n = 20 + (k % 12) + k // 6
    return {
        "run_id": run_id, "area_code": area, "month": month, "land_parcels": 1, "land_floor_area": Decimal(n * 90),
        "land_price_fen": 10**8, "projects": 1, "permits": 1, "permitted_homes": n, "permitted_area": Decimal(n * 95),
        "completed_homes": 0, "new_sales": n, "new_sales_area": Decimal(n * 100), "new_sales_fen": n * 10**8,
        "resales": n + 5, "resales_area": Decimal((n + 5) * 80), "resales_fen": (n + 5) * 10**8,
        "inventory_homes": n * 12, "inventory_area": Decimal(n * 1200), "months_of_supply": mos,
    }  # fmt: skip


def index_rows(run_id: int, area: str, months: list[str]) -> list[dict[str, Any]]:
    rows = []
    for seg in ("new", "resale"):
        for k, m in enumerate(months):
            rows.append({"run_id": run_id, "segment": seg, "method": "hedonic", "area_code": area, "band": "all",
                         "month": m, "value": 100 + k, "mom": 100.8, "yoy": 112.0 if seg == "resale" else 103.0,
                         "observations": 50, "median_unit_price_fen": None, "status": "ok"})  # fmt: skip
        rows.append({"run_id": run_id, "segment": seg, "method": "median", "area_code": area, "band": "all",
                     "month": months[-1], "value": 100, "mom": None, "yoy": None, "observations": 50,
                     "median_unit_price_fen": 3_000_000, "status": "ok"})  # fmt: skip
    return rows


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "world": choose_world(city_engine)}
    app.state.engine.dispose()


def run_steps(engine: Engine, w: World, *, long_supply_in_a: bool) -> tuple[int, dict[str, Any]]:
    """A run over 36 months with supply rows for districts A, B and the city, index rows for the last
    20 months; the health, warnings and forecast steps; the run finished."""
    areas = (w.district_a, w.district_b, w.city)
    summaries: dict[str, Any] = {}
    with engine.begin() as conn:
        run = start_run(conn, engine="duckdb", first_month=FIRST, last_month=LAST, edition=None, params={},
                        started_by="test")  # fmt: skip
        rows = []
        for area in areas:
            for k, m in enumerate(MONTHS):
                mos = 30.0 if long_supply_in_a and area == w.district_a and k >= len(MONTHS) - 4 else 12.0
                rows.append(supply_row(run.id, area, m, k, mos=mos))
        conn.execute(insert(market_supply), rows)
        for area in areas:
            conn.execute(insert(market_index_values), index_rows(run.id, area, MONTHS[-20:]))
        ctx = StepContext(conn=conn, run=run, city_code=w.city, districts=(w.district_a, w.district_b),
                          today=__import__("datetime").date(2026, 1, 5), progress=lambda _m, _f: None)  # fmt: skip
        summaries.update(health.step(ctx))
        summaries.update(warnings.step(ctx))
        summaries.update(forecast.step(ctx))
        finish_run(conn, run.id, status="done", summary=summaries)
    return run.id, summaries


def test_the_steps_score_explain_warn_and_forecast(env: dict[str, Any]) -> None:
    eng, w = env["engine"], env["world"]
    run_id, summary = run_steps(eng, w, long_supply_in_a=True)
    n_ind = len(EDITION.indicators)
    assert summary["health_edition"] == "nj-sample-2021" and summary["health_months"] == 24
    assert summary["health_indicator_rows"] == n_ind * 3 * 24
    with eng.connect() as conn:
        scale = synthetic_scale(conn) or 1.0
        iv = market_indicator_values.c
        vals = {
            (r.indicator, r.area_code, r.month): r
            for r in conn.execute(select(market_indicator_values).where(iv.run_id == run_id))
        }
        # scale: the city's last twelve months of new sales against the plan's 9.29万 a year (scaled)
        n12 = sum(20 + (k % 12) + k // 6 for k in range(24, 36))
        city_sales = vals[("new_sales_vs_plan", w.city, LAST)]
        assert city_sales.value == pytest.approx(100 * n12 / (92900 * scale))
        assert json.loads(city_sales.inputs)["last_12_months"] == n12
        # the first scored month has no twelve months of history before the run's first month
        assert vals[("new_sales_vs_plan", w.city, "2024-01")].value == pytest.approx(
            100 * sum(20 + (k % 12) + k // 6 for k in range(1, 13)) / (92900 * scale)
        )
        assert vals[("months_of_supply", w.district_a, LAST)].value == 30.0
        assert vals[("resale_price_yoy", w.city, LAST)].value == pytest.approx(12.0)
        assert vals[("land_to_sales", w.city, LAST)].value == pytest.approx(0.9)
        # an index cell that is not there is NULL with its reason, never invented
        missing = vals[("resale_price_yoy", w.city, "2024-01")]
        assert missing.value is None and missing.score is None and "missing" in json.loads(missing.inputs)
        # price-to-income: the median unit price × 90 m² over the year's (or latest) household income
        pti = vals[("price_to_income", w.city, LAST)]
        assert pti.value == pytest.approx(30_000 * 90 / 225700)
        hs = market_health_scores.c
        scores = {
            (r.area_code, r.month, r.dimension): r
            for r in conn.execute(select(market_health_scores).where(hs.run_id == run_id))
        }
        assert len(scores) == 3 * 24 * 8
        total = scores[(w.city, LAST, "total")]
        parts = json.loads(total.contributions)["parts"]
        assert sum(p["effective_weight"] for p in parts) == pytest.approx(1)
        present = [p for p in parts if not p["missing"]]
        assert total.score == pytest.approx(sum(p["contribution"] for p in present), abs=1e-3)
        assert total.grade == EDITION.grade(total.score)
        # warnings: supply > 24 months in district A over the last three months; the yoy of 12 % everywhere
        rows = conn.execute(select(market_warnings).order_by(market_warnings.c.id)).all()
        long_a = sorted(r.month for r in rows if r.rule == "months_of_supply_long")
        assert long_a == ["2025-10", "2025-11", "2025-12"]
        assert {r.area_code for r in rows if r.rule == "months_of_supply_long"} == {w.district_a}
        assert {r.area_code for r in rows if r.rule == "resale_price_yoy_high"} == {w.district_a, w.district_b, w.city}
        assert all(r.status == "open" and r.run_id == run_id for r in rows)
        # forecasts: the sales series of 36 months; the index (20 months) is too short and said so
        fc = conn.execute(select(market_forecasts).where(market_forecasts.c.run_id == run_id)).all()
    assert {(r.series, r.area_code) for r in fc} == {
        (s, a) for s in ("sales_new", "sales_resale") for a in (w.district_a, w.district_b, w.city)
    }
    assert all(r.lower <= r.value <= r.upper and r.level == 0.8 for r in fc)
    assert summary["forecast_series"] == 6 and summary["forecast_skipped"] == 6
    assert "少于 24 个月" in summary[f"forecast_skipped:price_new:{w.city}"]
    # a later run raises nothing twice
    _run2, summary2 = run_steps(eng, w, long_supply_in_a=True)
    assert summary2["warnings_raised"] == 0 and summary2["warnings_already_raised"] == summary["warnings_raised"]


def test_pages_and_api_explain_scores_and_handle_warnings_in_scope(env: dict[str, Any]) -> None:
    eng, w, c = env["engine"], env["world"], env["client"]
    run_steps(eng, w, long_supply_in_a=True)
    city, district = auth(eng, "city"), auth(eng, "district")
    h = c.get("/api/v1/market/health", headers=district).json()
    assert h["month"] == LAST and {a["area_code"] for a in h["areas"]} == {w.district_a, w.city}
    assert set(h["areas"][0]["scores"]) == {*domain.DIMENSIONS, "total"}
    e = c.get(f"/api/v1/market/health/{w.district_a}/{LAST}", headers=district).json()
    mos = next(i for d in e["dimensions"] for i in d["indicators"] if i["code"] == "months_of_supply")
    assert (
        mos["value"] == 30.0
        and mos["score"] == pytest.approx(100 * (36 - 30) / (36 - 18))
        and "健康区间" in mos["normalisation"]
    )
    assert c.get(f"/api/v1/market/health/{w.district_b}/{LAST}", headers=district).status_code == 404
    assert c.get(f"/api/v1/market/health/{w.district_a}/2019-01", headers=district).status_code == 404
    # warnings: the district officer sees its district's and the city's, filtered and exported
    page = c.get(
        "/api/v1/market/warnings", params={"severity": "orange", "area": w.district_a}, headers=district
    ).json()
    assert page["total"] >= 3 and all(
        i["area_code"] == w.district_a and i["severity"] == "orange" for i in page["items"]
    )
    every = c.get("/api/v1/market/warnings", params={"page_size": 200}, headers=district).json()["items"]
    assert {i["area_code"] for i in every} == {w.district_a, w.city}
    csv = c.get("/api/v1/market/warnings.csv", params={"area": w.district_a}, headers=district)
    assert csv.status_code == 200 and "months_of_supply_long" in csv.text
    header = csv.text.lstrip("\ufeff").splitlines()[0]
    assert header.startswith("编号,区域代码,月份,规则") and "橙色" in csv.text  # Chinese header and labels
    with eng.connect() as conn:
        ids = {(r.rule, r.area_code, r.month): r.id for r in conn.execute(select(market_warnings))}
    mine = ids[("months_of_supply_long", w.district_a, LAST)]
    theirs = ids[("resale_price_yoy_high", w.district_b, LAST)]
    citys = ids[("resale_price_yoy_high", w.city, LAST)]
    api = "/api/v1/market/warnings"
    assert c.post(f"{api}/{mine}/acknowledge", json={"note": ""}, headers=district).status_code == 422
    r = c.post(f"{api}/{mine}/acknowledge", json={"note": "已约谈开发企业"}, headers=district)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged" and r.json()["acknowledged_by"] == "district"
    again = c.post(f"{api}/{mine}/acknowledge", json={"note": "再次"}, headers=district)
    assert again.status_code == 409 and "已确认" in again.json()["message"]
    assert c.post(f"{api}/{mine}/close", json={"note": "库存已消化"}, headers=district).json()["status"] == "closed"
    assert c.post(f"{api}/{mine}/close", json={"note": "x"}, headers=district).status_code == 409
    assert c.post(f"{api}/{theirs}/close", json={"note": "x"}, headers=district).status_code == 404
    assert c.post(f"{api}/{citys}/close", json={"note": "x"}, headers=district).status_code == 403
    assert (
        c.post(f"{api}/{citys}/close", json={"note": "全市核查，直接关闭"}, headers=city).json()["status"] == "closed"
    )
    with eng.connect() as conn:
        acts = [r.action for r in conn.execute(select(audit_log).where(audit_log.c.entity == "market_warning"))]
    assert acts.count("market.warning.acknowledge") == 1 and acts.count("market.warning.close") == 2
    # the pages: radar and table, explanation, list, confirmation, the form with a note, forecasts
    token, csrf = web_session(eng, "district")
    p = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token})
    body = p.get("/market/health").text
    assert 'data-chart="radar"' in body and f"/market/health/{w.district_a}/{LAST}" in body and "合成数据" in body
    assert "去化周期" in p.get(f"/market/health/{w.district_a}/{LAST}").text
    assert p.get(f"/market/health/{w.district_b}/{LAST}").status_code == 404
    listing = p.get("/market/warnings", params={"status": "open"}).text
    assert "市场预警" in listing and "下载 CSV" in listing
    # codes are shown by their Chinese names; the city's warnings are only viewed by a district officer
    assert "months_of_supply_long" not in listing and "去化周期" in listing
    assert f'/market/warnings/{citys}">处理' not in p.get("/market/warnings").text
    assert p.get("/market/warnings", params={"area": w.district_b}).status_code == 404
    assert p.get("/market/health", params={"area": w.district_b}).status_code == 404
    other_json = p.get(f"/market/health/{w.district_b}/{LAST}", headers={"accept": "application/json"})
    assert other_json.status_code == 404 and "text/html" in other_json.headers["content-type"]
    detail = p.get(f"/market/warnings/{mine}").text
    assert "触发时的数据" in detail and "run_id" not in detail and "计算编号" in detail
    explain = p.get(f"/market/health/{w.district_a}/{LAST}").text
    assert "[&#39;" not in explain and "['" not in explain
    assert "确认已知悉" in p.get(f"/market/warnings/{ids[('months_of_supply_long', w.district_a, '2025-11')]}").text
    other = ids[("months_of_supply_long", w.district_a, "2025-11")]
    assert "处理说明" in p.get(f"/market/warnings/{other}/confirm", params={"action": "close"}).text
    bad = p.post(f"/market/warnings/{other}/close", data={"csrf_token": csrf, "note": "  "})
    assert bad.status_code == 422 and "请填写处理说明" in bad.text
    ok = p.post(f"/market/warnings/{other}/close", data={"csrf_token": csrf, "note": "已核查"})
    assert ok.status_code == 303 and ok.headers["location"] == f"/market/warnings/{other}?done=close"
    assert "已关闭该预警" in p.get(ok.headers["location"]).text
    fc = p.get("/market/forecasts", params={"area": w.district_a}).text
    assert 'data-chart="forecast"' in fc and "回测 MAPE" in fc
    assert p.get("/market/forecasts", params={"area": w.district_b}).status_code == 404
    series = c.get("/api/v1/market/forecasts", params={"area": w.city}, headers=city).json()
    sales = next(s for s in series if s["series"] == "sales_new")
    assert sales["model"].startswith("SARIMAX") and len([p for p in sales["points"] if p["value"] is not None]) == 6


def test_empty_states_before_any_run(env: dict[str, Any]) -> None:
    eng, c = env["engine"], env["client"]
    token, _csrf = web_session(eng, "city")
    p = TestClient(c.app, follow_redirects=False, cookies={"anju_session": token})
    assert "尚未完成市场监测计算" in p.get("/market/health").text
    assert "暂无符合条件的市场预警" in p.get("/market/warnings").text
    assert "暂无预测" in p.get("/market/forecasts").text
