"""Review fixes of the market views (both databases): published index levels are chained onto the
published ones (a new run never rewrites a published level); thin and unestimable index cells are
published flagged; one synthetic label on every market page and CSV; CSV downloads stream everything
(no silent cap) with an RFC 6266 file name."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, and_, update

from anju.app import create_app
from anju.core import csvout
from anju.core.settings import Settings
from anju.market import domain, health_queries
from anju.market import publication as pub
from anju.market.tables import market_index_values
from tests.accounts import World, api_token, choose_world, web_session
from tests.market_dashboard_fixtures import make_run

IV = market_index_values


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> tuple[TestClient, World, Any]:
    w = choose_world(city_engine)
    settings = settings_for(city_engine, exchange_open_data_k=10)
    return TestClient(create_app(settings)), w, settings


def _run(engine: Engine, w: World, **kw: Any) -> int:
    with engine.begin() as c:
        return make_run(c, city=w.city, districts=[w.district_a, w.district_b], **kw)


def _publish(engine: Engine, w: World, month: str, run_id: int) -> pub.Publication:
    with engine.begin() as c:
        return pub.publish(
            c, month=month, run_id=run_id, note=None, by="test", city_code=w.city, method="hedonic", k=10
        )


def _raw(engine: Engine, run_id: int, area: str, month: str) -> float:
    with engine.connect() as c:
        return float(
            c.execute(
                IV.select()
                .with_only_columns(IV.c.value)
                .where(
                    IV.c.run_id == run_id,
                    IV.c.segment == "new",
                    IV.c.method == "hedonic",
                    IV.c.band == "all",
                    IV.c.area_code == area,
                    IV.c.month == month,
                )
            ).scalar_one()
        )


def test_published_levels_are_chained_and_never_rewritten(city_engine: Engine, env: Any) -> None:
    _, w, _ = env
    run1 = _run(city_engine, w, last="2026-03")
    first = _publish(city_engine, w, "2026-03", run1)
    level_m = first.figures.city.new.index  # type: ignore[union-attr]
    assert level_m == pytest.approx(round(_raw(city_engine, run1, w.city, "2026-03"), 2))
    assert first.figures.base_month == "2025-01"

    # run 2 revises history: every level of the city 10 % higher up to March, a different base
    run2 = _run(city_engine, w, first="2025-06", last="2026-04")
    with city_engine.begin() as c:
        c.execute(
            update(IV)
            .where(and_(IV.c.run_id == run2, IV.c.area_code == w.city, IV.c.month <= "2026-03"))
            .values(value=IV.c.value * 1.1)
        )
    nxt = _publish(city_engine, w, "2026-04", run2)
    ratio = _raw(city_engine, run2, w.city, "2026-04") / _raw(city_engine, run2, w.city, "2026-03")
    assert nxt.figures.city.new.index == pytest.approx(level_m * ratio, abs=0.006)  # type: ignore[union-attr]
    assert nxt.figures.base_month == "2025-01"  # the published base, not run 2's first month
    with city_engine.connect() as c:
        again = pub.published_month(c, "2026-03").publication.figures
        trend = pub.city_trend(c)
    assert again.city.new.index == level_m  # type: ignore[union-attr]
    assert [p.new_index for p in trend] == [level_m, nxt.figures.city.new.index]  # type: ignore[union-attr]


def test_thin_and_unestimable_cells_are_flagged_not_published_as_numbers(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    run = _run(city_engine, w, synthetic=True)
    with city_engine.begin() as c:
        cell = and_(IV.c.run_id == run, IV.c.segment == "new", IV.c.method == "hedonic", IV.c.band == "all")
        c.execute(update(IV).where(cell, IV.c.area_code == w.city, IV.c.month == "2026-03").values(status="thin"))
        c.execute(
            update(IV)
            .where(
                and_(IV.c.run_id == run, IV.c.segment == "resale", IV.c.area_code == w.city, IV.c.month == "2026-03")
            )
            .values(status="none", value=None, mom=None, yoy=None)
        )
    got = _publish(city_engine, w, "2026-03", run).figures
    city = got.city
    assert city is not None and city.new.status == "thin" and city.new.index is not None
    assert city.resale.status == "none" and (city.resale.index, city.resale.mom, city.resale.yoy) == (None,) * 3
    row = next(r for r in pub.figure_rows(got) if r[2] == w.city)
    assert "样本偏少" in row and "无法估计" in row
    page = client.get("/market/public/2026-03")
    assert page.status_code == 200 and "样本偏少" in page.text and "无法估计" in page.text
    assert domain.SYNTHETIC_LABEL in page.text
    text = client.get("/api/v1/market/public/2026-03.csv").content.decode("utf-8-sig")
    assert "样本偏少" in text and "无法估计" in text
    assert list(csv.reader(io.StringIO(text)))[-1][0] == domain.SYNTHETIC_LABEL


def test_every_market_page_and_csv_says_synthetic(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    _run(city_engine, w, synthetic=True)
    token, _ = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    for path in ("/market", "/market/supply", "/market/rent-ratios", "/market/warnings", "/market/forecasts"):
        r = client.get(path)
        assert r.status_code == 200 and domain.SYNTHETIC_LABEL in r.text, path
    h = {"Authorization": f"Bearer {api_token(city_engine, 'city')}"}
    for url in (
        "/api/v1/market/dashboard/supply.csv",
        "/api/v1/market/dashboard/indices.csv",
        "/api/v1/market/dashboard/health.csv",
        "/api/v1/market/dashboard/warnings.csv",
        "/api/v1/market/warnings.csv",
        "/api/v1/market/forecasts.csv",
        "/market/supply.csv",
        "/market/rent-ratios.csv",
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 200, url
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[-1][0] == domain.SYNTHETIC_LABEL, url


def test_a_real_run_has_no_synthetic_label(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    _run(city_engine, w, synthetic=False)
    h = {"Authorization": f"Bearer {api_token(city_engine, 'city')}"}
    text = client.get("/api/v1/market/dashboard/supply.csv", headers=h).content.decode("utf-8-sig")
    assert domain.SYNTHETIC_LABEL not in text


def test_content_disposition_names_a_chinese_file_properly() -> None:
    value = csvout.content_disposition('市场 "数据".csv')
    assert value.startswith('attachment; filename="')
    assert "filename*=UTF-8''%E5%B8%82%E5%9C%BA%20%22%E6%95%B0%E6%8D%AE%22.csv" in value
    fallback = value.split('filename="')[1].split('"')[0]
    assert fallback.isascii() and fallback.endswith(".csv") and '"' not in fallback


def test_csv_downloads_have_a_proper_file_name(city_engine: Engine, env: Any) -> None:
    client, w, _ = env
    run = _run(city_engine, w)
    _publish(city_engine, w, "2026-03", run)
    r = client.get("/api/v1/market/public/2026-03.csv")
    assert r.headers["content-disposition"] == (
        "attachment; filename=\"market-2026-03-v1.csv\"; filename*=UTF-8''market-2026-03-v1.csv"
    )


def test_warning_exports_stream_past_the_batch_size(
    city_engine: Engine, env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, w, _ = env
    _run(city_engine, w, warnings=7)
    monkeypatch.setattr(health_queries, "EXPORT_BATCH", 2)  # the dashboard's export reads through it too
    h = {"Authorization": f"Bearer {api_token(city_engine, 'city')}"}
    dash_json = client.get("/api/v1/market/dashboard/warnings", headers=h, params={"page_size": 100}).json()
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/market/dashboard/warnings.csv", headers=h).text)))
    assert len(rows) - 1 == dash_json["total"] > 2
    listed = client.get("/api/v1/market/warnings", headers=h, params={"page_size": 100}).json()
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/market/warnings.csv", headers=h).text)))
    assert len(rows) - 1 == listed["total"] > 2
    assert len({r[0] for r in rows[1:]}) == listed["total"]  # no row twice across the batches


def test_the_published_method_setting_is_a_domain_method() -> None:
    field = Settings.model_fields["market_published_method"]
    assert set(field.annotation.__args__) == set(domain.METHODS)  # type: ignore[union-attr]
