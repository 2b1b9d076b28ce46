"""The land, supply and rent-to-price pages and their REST mirrors (both databases): empty states before
the first run, the district officer's scope (transfers, areas, streets), filters, totals, paging and
the CSV exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from anju import exchange
from anju.app import create_app
from anju.market import domain, rent_ratio, supply
from anju.market.land_feed import DATASET
from anju.market.runs import finish_run
from anju.rental import rental_leases
from anju.security import Caller, keyring_from_settings
from tests import market_builders as mb
from tests import rental_builders as rb
from tests.accounts import World, choose_world, web_session
from tests.integration.test_market_land_feed import rec
from tests.tx_builders import auth


@pytest.fixture
def env(city_engine: Engine, settings_for: Any) -> Iterator[dict[str, Any]]:
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as client:
        yield {"engine": city_engine, "client": client, "settings": settings, "world": choose_world(city_engine)}
    app.state.engine.dispose()


def page(env: dict[str, Any], who: str) -> TestClient:
    token, _csrf = web_session(env["engine"], who)
    return TestClient(env["client"].app, follow_redirects=False, cookies={"anju_session": token})


def land(env: dict[str, Any], w: World) -> None:
    rows = [
        rec(record_id="A-1", district_code=w.district_a, street_code=w.street_s1, transferred_on="2026-01-15"),
        rec(
            record_id="A-2",
            district_code=w.district_a,
            street_code="",
            land_use="rental",
            rental_housing="是",
            transferred_on="2026-02-15",
        ),
        rec(
            record_id="B-1",
            district_code=w.district_b,
            street_code="",
            land_use="industrial",
            transferred_on="2025-12-01",
        ),
    ]
    r = exchange.load_feed(env["engine"], env["settings"], DATASET, rows, caller=Caller.system("t"))
    assert r.accepted == 3, r.rejections


def compute(env: dict[str, Any], w: World) -> int:
    eng = env["engine"]
    kr = keyring_from_settings(env["settings"])
    with eng.begin() as c:
        for h in rb.free_homes(c, w.street_s1, 2):
            rb.filed_lease(c, kr, h, start_on=date(2026, 1, 1), months=12)
        c.execute(update(rental_leases).values(filed_at=mb.at(2026, 1, 1)))
        run = mb.run(c, "2025-12", "2026-02")
        ctx = mb.context(c, run, (w.district_a, w.district_b), date(2026, 3, 10))
        supply.step(ctx)
        rent_ratio.step(ctx)
        finish_run(c, run.id, status="done", summary={})
    return run.id


def test_land_transfers_are_scoped_filtered_totalled_and_exported(env: dict[str, Any]) -> None:
    w, eng = env["world"], env["engine"]
    land(env, w)
    c = env["client"]
    city = c.get("/api/v1/market/land", headers=auth(eng, "city")).json()
    assert {i["record_id"] for i in city["items"]} == {"A-1", "A-2", "B-1"} and city["totals"]["parcels"] == 3
    mine = c.get("/api/v1/market/land", headers=auth(eng, "district")).json()
    assert {i["record_id"] for i in mine["items"]} == {"A-1", "A-2"}
    assert mine["totals"]["price_fen"] == 2 * 253_000_000_000
    rental = c.get("/api/v1/market/land?rental=yes", headers=auth(eng, "city")).json()
    assert [i["record_id"] for i in rental["items"]] == ["A-2"]
    dated = c.get("/api/v1/market/land?date_from=2026-01-01&date_to=2026-01-31", headers=auth(eng, "city")).json()
    assert [i["record_id"] for i in dated["items"]] == ["A-1"]
    paged = c.get("/api/v1/market/land?page=2&page_size=2", headers=auth(eng, "city")).json()
    assert (len(paged["items"]), paged["total"]) == (1, 3)
    bad = c.get("/api/v1/market/land?date_from=2026-02-30", headers=auth(eng, "city"))
    assert bad.status_code == 422 and "date_from" in bad.text
    assert c.get("/api/v1/market/land?land_use=farm", headers=auth(eng, "city")).status_code == 422
    html = page(env, "district").get("/market/land")
    assert html.status_code == 200 and "A-1" in html.text and "B-1" not in html.text and "土地出让" in html.text
    out = page(env, "district").get("/market/land.csv?land_use=residential")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    assert rows[0][0] == "出让编号" and [r[0] for r in rows[1:]] == ["A-1"]
    assert page(env, "district").get(f"/market/land?district={w.district_b}").status_code == 404
    assert c.get(f"/api/v1/market/land?district={w.district_b}", headers=auth(eng, "district")).status_code == 404


def test_supply_and_ratios_say_so_before_the_first_run_then_show_the_areas_in_scope(env: dict[str, Any]) -> None:
    w, eng, c = env["world"], env["engine"], env["client"]
    for path in ("/market/supply", "/market/rent-ratios"):
        r = page(env, "city").get(path)
        assert r.status_code == 200 and "尚无市场监测计算结果" in r.text and "/market/runs" in r.text
    assert c.get("/api/v1/market/supply", headers=auth(eng, "city")).json()["run_id"] is None
    land(env, w)
    run_id = compute(env, w)
    api = c.get(f"/api/v1/market/supply?area={w.district_a}", headers=auth(eng, "district")).json()
    assert api["run_id"] == run_id and [m["month"] for m in api["months"]] == ["2025-12", "2026-01", "2026-02"]
    assert api["months"][1]["land_parcels"] == 1 and api["months"][2]["land_parcels"] == 1  # residential, rental
    assert {m["area_code"] for m in api["overview"]} == {w.district_a, "320100"}  # not district b
    assert c.get(f"/api/v1/market/supply?area={w.district_b}", headers=auth(eng, "district")).status_code == 404
    assert c.get(f"/api/v1/market/supply?area={w.district_b}", headers=auth(eng, "city")).status_code == 200
    html = page(env, "district").get("/market/supply")
    assert html.status_code == 200 and 'data-chart="pipeline"' in html.text and "供应与去化" in html.text
    assert page(env, "district").get(f"/market/supply?area={w.district_b}").status_code == 404
    out = page(env, "city").get(f"/market/supply.csv?area={w.district_a}")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    # three months, then the 合成 note row: the run has no synthetic flag and the register is synthetic
    assert rows[0][1] == "月份" and len(rows) == 5 and rows[-1][0] == domain.SYNTHETIC_LABEL
    ratios = c.get("/api/v1/market/rent-ratios", headers=auth(eng, "district")).json()
    assert ratios["month"] == "2026-02" and [i["street_code"] for i in ratios["items"]] == [w.street_s1]
    assert ratios["items"][0]["status"] == "none"  # leases, no sale
    assert (
        c.get(f"/api/v1/market/rent-ratios?district={w.district_b}", headers=auth(eng, "district")).status_code == 404
    )
    r = page(env, "district").get("/market/rent-ratios")
    assert r.status_code == 200 and "无数据" in r.text
    out = page(env, "district").get("/market/rent-ratios.csv")
    assert out.content.decode("utf-8-sig").splitlines()[0].startswith("区代码")
