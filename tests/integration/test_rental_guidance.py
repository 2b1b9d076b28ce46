"""Guidance rents and rent monitoring (both databases): the hedonic regression recovers a planted street
premium and area elasticity; ranges are ordered; publishing supersedes and keeps; ``range_for`` answers
from the published edition only; flags find planted outliers; monitoring figures equal a hand
computation; scope; exports; pages; the command line.

Leases are written with ``tests/rental_builders.filed_lease`` on the small city's homes, with rents
built from a known structure: rent per m² = 40 yuan × street premium × (area / 90)^-0.2 × noise.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select

from anju.app import create_app
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import Scope
from anju.registry import tables as rt
from anju.rental import domain, guidance, guidance_model, monitoring
from anju.rental.tables import rental_guidance_editions, rental_guidance_rents, rental_leases, rental_listings
from anju.security import Security
from tests import rental_builders as rb
from tests.accounts import World, api_token, choose_world, web_session
from tests.helpers import finished_job

ELASTICITY = -0.2  # planted: rent per m² falls with the let area
PREMIUM = 1.5  # planted: street S2 is 50 % dearer than S1
BASE_FEN_M2 = 4000
API = "/api/v1/rental"


def homes_of(conn: Connection, street: str, n: int) -> list[Any]:
    h = rt.homes
    rows = conn.execute(
        select(h).where(h.c.street_code == street, h.c.status == "使用", h.c.use == "住宅").order_by(h.c.id).limit(n)
    ).all()
    assert rows, f"street {street} has no homes"
    return list(rows)


def plant(
    conn: Connection,
    kr: Any,
    street: str,
    n: int,
    *,
    premium: float,
    rng: random.Random,
    start_on: date | None = None,
    noise: float = 0.05,
) -> list[int]:
    """``n`` filed leases in ``street`` (its homes reused in turn) with the planted rent structure."""
    homes = homes_of(conn, street, n)
    ids = []
    for i in range(n):
        home = homes[i % len(homes)]
        area = float(home.construction_area)
        rent_m2 = BASE_FEN_M2 * premium * (area / 90) ** ELASTICITY * math.exp(rng.gauss(0, noise))
        ids.append(
            rb.filed_lease(
                conn, kr, home, start_on=start_on or clock.today() - timedelta(days=30), rent_fen=round(rent_m2 * area)
            )
        )
    return ids


@dataclass
class Data:
    world: World
    sb: str  # a street of district B


@pytest.fixture
def data(city_engine: Engine, settings_for: Any) -> Data:
    w = choose_world(city_engine)
    kr = Security(settings_for(city_engine)).keyring
    rng = random.Random(6)
    with city_engine.begin() as c:
        sb = c.execute(
            select(rt.homes.c.street_code)
            .where(rt.homes.c.district_code == w.district_b, rt.homes.c.use == "住宅")
            .limit(1)
        ).scalar_one()
        plant(c, kr, w.street_s1, 120, premium=1.0, rng=rng)
        plant(c, kr, w.street_s2, 120, premium=PREMIUM, rng=rng)
        plant(c, kr, sb, 6, premium=1.2, rng=rng)  # too few for a location effect of its own
    return Data(w, sb)


def _app(engine: Engine, settings_for: Any, **over: Any) -> TestClient:
    return TestClient(create_app(settings_for(engine, **over)))


def _h(engine: Engine, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_token(engine, who)}"}


# ------------------------------------------------------------------------------------- the regression


def test_the_regression_recovers_the_planted_premium_and_elasticity(city_engine: Engine, data: Data) -> None:
    with city_engine.begin() as c:
        ed = guidance.compute_edition(c)
    m = ed["method"]
    assert ed["status"] == "draft" and ed["effective_from"] is None
    assert m["n"] == ed["leases_used"] == 246
    assert abs(m["coefficients"]["log_area"]["estimate"] - ELASTICITY) < 0.03
    assert m["coefficients"]["log_area"]["se"] > 0
    fx = m["location_effects"]
    premium = fx[data.world.street_s2] - fx[data.world.street_s1]
    assert abs(premium - math.log(PREMIUM)) < 0.03
    assert f"district:{data.world.district_b}" in fx  # the thin street's district pool
    assert data.sb not in fx
    assert m["r2_overall"] > 0.8
    with city_engine.connect() as c:
        rows = guidance.ranges_of(c, ed["id"])
    assert rows and all(r.low_fen_m2 <= r.mid_fen_m2 <= r.high_fen_m2 for r in rows)
    by = {(r.street_code, r.home_type): r for r in rows}
    # the planted street premium shows in the published mids of the same type
    t = next(t for t in domain.HOME_TYPES if (data.world.street_s1, t) in by and (data.world.street_s2, t) in by)
    s1, s2 = by[(data.world.street_s1, t)], by[(data.world.street_s2, t)]
    assert s1.basis == s2.basis == "street"
    assert 1.3 < s2.mid_fen_m2 / s1.mid_fen_m2 < 1.7
    # about 80 % of a street's leases lie inside its range (10th–90th percentile of the residuals)
    thin = [r for r in rows if r.street_code == data.sb]
    assert thin and all(r.basis == "district" for r in thin)
    # streets without any lease in district A fall back to the district too
    others = {r.street_code for r in rows if r.basis == "district" and r.district_code == data.world.district_a}
    assert others and data.world.street_s1 not in others


def test_pure_fit_on_a_planted_design() -> None:
    """The within estimator equals the dummy-variable OLS on a small planted design."""
    import numpy as np
    import statsmodels.api as sm

    rng = np.random.default_rng(1)
    n, g = 600, 5
    group = rng.integers(0, g, n)
    x = rng.normal(size=(n, 2))
    y = np.array([0.0, 0.3, -0.2, 0.5, 0.1])[group] + x @ np.array([0.7, -0.4]) + rng.normal(0, 0.1, n)
    fit = guidance_model.fit_model(y, x, group.astype(np.int64), g)
    dummies = np.eye(g)[group]
    full = sm.OLS(y, np.column_stack([x, dummies])).fit()
    assert np.allclose(fit.beta, full.params[:2], atol=1e-9)
    assert np.allclose(fit.effects, full.params[2:], atol=1e-9)
    assert np.allclose(fit.resid, full.resid, atol=1e-9)
    q = guidance_model.group_quantile(np.arange(10.0), np.array([0] * 5 + [2] * 5, dtype=np.int64), 3, 0.5)
    assert q[0] == 2.0 and math.isnan(q[1]) and q[2] == 7.0


def test_too_few_leases_is_refused_and_writes_nothing(city_engine: Engine) -> None:
    with city_engine.begin() as c, pytest.raises(ValidationError) as e:
        guidance.compute_edition(c)
    assert e.value.errors[0].field == "until"
    with city_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(rental_guidance_editions)).scalar_one() == 0
    with city_engine.begin() as c, pytest.raises(ValidationError) as e:
        guidance.compute_edition(c, months=0)
    assert e.value.errors[0].field == "months"


# --------------------------------------------------------------------------------------- publishing


def test_publishing_supersedes_the_previous_edition_and_keeps_it(city_engine: Engine, data: Data) -> None:
    s1 = data.world.street_s1
    with city_engine.begin() as c:
        first = guidance.compute_edition(c)
    with city_engine.connect() as c:
        assert guidance.range_for(c, s1, "2室", clock.today()) is None  # a draft is not in force
        row = next(r for r in guidance.ranges_of(c, first["id"]) if r.street_code == s1)
    with city_engine.begin() as c:
        guidance.publish(c, first["id"], by=None)
    with city_engine.connect() as c:
        got = guidance.range_for(c, s1, row.home_type, clock.today())
    assert got == (row.low_fen_m2, row.mid_fen_m2, row.high_fen_m2, first["edition_no"])
    with city_engine.begin() as c:
        second = guidance.compute_edition(c)
    assert second["edition_no"] != first["edition_no"]
    with city_engine.connect() as c:  # the new draft changes nothing in force
        assert guidance.range_for(c, s1, row.home_type, clock.today())[3] == first["edition_no"]  # type: ignore[index]
    with city_engine.begin() as c:
        guidance.publish(c, second["id"], by=None)
    with city_engine.connect() as c:
        statuses = dict(c.execute(select(rental_guidance_editions.c.id, rental_guidance_editions.c.status)).all())
        assert guidance.range_for(c, s1, row.home_type, clock.today())[3] == second["edition_no"]  # type: ignore[index]
        kept = c.execute(select(func.count()).where(rental_guidance_rents.c.edition_id == first["id"])).scalar_one()
        page = guidance.list_editions(c, staff=False)
        public, total = page.items, page.total
    assert statuses == {first["id"]: "superseded", second["id"]: "published"}
    assert kept > 0 and total == 2 and [e["id"] for e in public] == [second["id"], first["id"]]
    with city_engine.begin() as c, pytest.raises(Conflict):
        guidance.publish(c, first["id"], by=None)
    with city_engine.begin() as c, pytest.raises(NotFound):
        guidance.publish(c, 999_999, by=None)


def test_drafts_are_staff_only_and_the_api_publishes(city_engine: Engine, settings_for: Any, data: Data) -> None:
    client = _app(city_engine, settings_for)
    city, district = _h(city_engine, "city"), _h(city_engine, "district")
    r = client.post(f"{API}/guidance/editions", json={"months": 12}, headers=district)
    assert r.status_code == 403
    early = client.post(f"{API}/guidance/editions", json={"months": 1, "until": "0001-01-01"}, headers=city)
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "until", early.text  # found by fuzzing
    r = client.post(f"{API}/guidance/editions", json={"months": 12}, headers=city)
    assert r.status_code == 201, r.text
    ed = r.json()
    assert ed["status"] == "draft" and ed["ranges"] > 0 and "log_area" in ed["method"]["coefficients"]
    # the public sees no draft, anywhere
    assert client.get(f"{API}/guidance/editions").json()["total"] == 0
    assert client.get(f"{API}/guidance/editions/{ed['id']}").status_code == 404
    assert client.get(f"{API}/guidance/rents", params={"edition_id": ed["id"]}).status_code == 404
    assert client.get(f"{API}/guidance/rents").json() == {
        "edition": None,
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 50,
    }
    assert client.get(f"{API}/guidance/editions", headers=city).json()["total"] == 1
    # bad input changes nothing
    bad = client.post(
        f"{API}/guidance/editions/{ed['id']}/publish", json={"effective_from": "2000-01-01"}, headers=city
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "effective_from"
    r = client.post(f"{API}/guidance/editions/{ed['id']}/publish", json={}, headers=city)
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert client.post(f"{API}/guidance/editions/{ed['id']}/publish", json={}, headers=city).status_code == 409
    page = client.get(f"{API}/guidance/rents", params={"district": data.world.district_a, "page_size": 500}).json()
    assert page["edition"]["id"] == ed["id"] and page["total"] == len(page["items"]) > 0
    assert {i["district_code"] for i in page["items"]} == {data.world.district_a}
    s2 = client.get(f"{API}/guidance/rents", params={"street": data.world.street_s2, "home_type": "2室"}).json()
    assert all(i["street_code"] == data.world.street_s2 and i["home_type"] == "2室" for i in s2["items"])
    assert client.get(f"{API}/guidance/rents", params={"home_type": "5室"}).status_code == 422


# -------------------------------------------------------------------------------------------- flags


def test_flags_find_planted_outliers_in_scope(city_engine: Engine, settings_for: Any, data: Data) -> None:
    kr = Security(settings_for(city_engine)).keyring
    w = data.world
    with city_engine.begin() as c:
        ed = guidance.compute_edition(c)
        guidance.publish(c, ed["id"], by=None)
    with city_engine.begin() as c:
        home = homes_of(c, w.street_s1, 1)[0]
        area = float(home.construction_area)
        high = rb.filed_lease(c, kr, home, start_on=clock.today(), rent_fen=round(BASE_FEN_M2 * 5 * area))
        low_listing = rb.listing(c, homes_of(c, w.street_s2, 3)[2], status="published", rent_fen=round(5 * area))
        outside_b = rb.filed_lease(
            c, kr, homes_of(c, data.sb, 1)[0], start_on=clock.today(), rent_fen=round(BASE_FEN_M2 * 9 * area)
        )
        fine = rb.listing(c, homes_of(c, w.street_s1, 5)[4], status="published", rent_fen=round(BASE_FEN_M2 * area))
    client = _app(city_engine, settings_for)
    got = client.get(f"{API}/guidance/flags", headers=_h(city_engine, "city")).json()
    ids = {i["id"] for i in got["items"]}
    assert {high, outside_b} <= ids and got["edition_no"] == ed["edition_no"] and got["band_pct"] == 30
    item = next(i for i in got["items"] if i["id"] == high)
    assert item["direction"] == "above" and item["rent_fen_m2"] > item["high_fen_m2"]
    # the planted structure itself is inside the band (noise 5 %, band ±30 % beyond low/high)
    assert got["total"] == len(ids) == 2
    district = client.get(f"{API}/guidance/flags", headers=_h(city_engine, "district")).json()
    assert {i["id"] for i in district["items"]} == {high}
    assert client.get(f"{API}/guidance/flags", headers=_h(city_engine, "clerk")).json()["total"] == 1
    listings = client.get(f"{API}/guidance/flags", params={"kind": "listing"}, headers=_h(city_engine, "city")).json()
    assert [(i["id"], i["direction"]) for i in listings["items"]] == [(low_listing, "below")]
    assert fine not in {i["id"] for i in listings["items"]}
    assert client.get(f"{API}/guidance/flags", headers=_h(city_engine, "citizen")).status_code == 403
    paged = client.get(f"{API}/guidance/flags", params={"page_size": 1, "page": 2}, headers=_h(city_engine, "city"))
    assert paged.json()["total"] == 2 and len(paged.json()["items"]) == 1
    # the flag agrees with the domain rule
    with city_engine.connect() as c:
        lo, _, hi, _ = guidance.range_for(c, w.street_s1, item["home_type"], clock.today())  # type: ignore[misc]
    assert domain.outside_band(item["rent_fen_m2"], lo, hi, 30) == "above"


# --------------------------------------------------------------------------------------- monitoring


def _lease_at(conn: Connection, kr: Any, home: Any, month: str, rent_fen: int) -> int:
    return rb.filed_lease(conn, kr, home, start_on=date.fromisoformat(month + "-10"), rent_fen=rent_fen)


def test_monitoring_equals_a_hand_computation(city_engine: Engine, settings_for: Any) -> None:
    w = choose_world(city_engine)
    kr = Security(settings_for(city_engine)).keyring
    # (street, month, rent per m² in fen) — areas are the homes' own
    plan = {
        w.street_s1: {"2025-05": [3000, 3300], "2026-04": [3500], "2026-05": [3600, 4000, 4400]},
        w.street_s2: {"2026-04": [5000, 5200], "2026-05": [5500]},
    }
    values: dict[tuple[str, str], list[float]] = {}
    with city_engine.begin() as c:
        for street, months in plan.items():
            homes = homes_of(c, street, 6)
            i = 0
            for month, rents in months.items():
                for r in rents:
                    home = homes[i % len(homes)]
                    i += 1
                    rent = round(r * float(home.construction_area))
                    _lease_at(c, kr, home, month, rent)
                    values.setdefault((street, month), []).append(rent / float(home.construction_area))
                    values.setdefault(("", month), []).append(rent / float(home.construction_area))
        # a cancelled filing never counts
        _lease_at(c, kr, homes_of(c, w.street_s1, 1)[0], "2026-05", 999_999_00)
        c.execute(rental_leases.update().where(rental_leases.c.rent_fen == 999_999_00).values(status="cancelled"))

    def med(k: tuple[str, str]) -> float:
        return statistics.median(values[k])

    client = _app(city_engine, settings_for)
    city = _h(city_engine, "city")
    got = client.get(f"{API}/monitoring/streets", params={"month": "2026-05"}, headers=city).json()
    assert got["month"] == "2026-05"
    rows = {r["street_code"]: r for r in got["streets"]}
    assert set(rows) == {w.street_s1, w.street_s2}
    s1 = rows[w.street_s1]
    assert s1["leases"] == 3
    assert s1["median_fen_m2"] == round(med((w.street_s1, "2026-05")))
    assert s1["mean_fen_m2"] == round(statistics.mean(values[(w.street_s1, "2026-05")]))
    assert s1["mom_pct"] == round((med((w.street_s1, "2026-05")) / med((w.street_s1, "2026-04")) - 1) * 100, 2)
    assert s1["yoy_pct"] == round((med((w.street_s1, "2026-05")) / med((w.street_s1, "2025-05")) - 1) * 100, 2)
    assert rows[w.street_s2]["yoy_pct"] is None and rows[w.street_s2]["leases"] == 1
    assert got["total"]["leases"] == 4
    assert got["total"]["median_fen_m2"] == round(med(("", "2026-05")))
    # the series of S1, and the default month (the latest with leases)
    ser = client.get(
        f"{API}/monitoring/series", params={"street": w.street_s1, "until": "2026-05", "months": 13}, headers=city
    ).json()
    assert ser["months"][0] == "2025-05" and ser["months"][-1] == "2026-05" and len(ser["points"]) == 13
    pts = {p["month"]: p for p in ser["points"]}
    assert pts["2025-05"]["leases"] == 2 and pts["2025-05"]["median_fen_m2"] == round(med((w.street_s1, "2025-05")))
    assert pts["2025-06"] == {
        "month": "2025-06",
        "leases": 0,
        "median_fen_m2": None,
        "mean_fen_m2": None,
        "mom_pct": None,
        "yoy_pct": None,
    }
    assert pts["2026-05"]["yoy_pct"] == s1["yoy_pct"] and pts["2026-05"]["mom_pct"] == s1["mom_pct"]
    whole = client.get(f"{API}/monitoring/series", params={"until": "2026-05", "months": 2}, headers=city).json()
    assert [p["leases"] for p in whole["points"]] == [3, 4]
    # exports: the same figures
    text = client.get(f"{API}/monitoring/streets.csv", params={"month": "2026-05"}, headers=city).content
    rows_csv = list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))
    assert rows_csv[0][0] == "月份" and len(rows_csv) == 3
    s1_csv = next(r for r in rows_csv[1:] if r[3] == w.street_s1)
    assert float(s1_csv[6]) == round(s1["median_fen_m2"] / 100, 2) and int(s1_csv[5]) == 3
    from openpyxl import load_workbook

    x = client.get(f"{API}/monitoring/series.xlsx", params={"street": w.street_s1, "month": "2026-05"}, headers=city)
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxml")
    sheet = load_workbook(io.BytesIO(x.content)).active
    cells = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert cells[1][0] == "月份" and cells[-1][0] == "2026-05" and cells[-1][2] == 3
    # bad input
    assert client.get(f"{API}/monitoring/streets", params={"month": "2026-13"}, headers=city).status_code == 422
    assert client.get(f"{API}/monitoring/series", params={"months": 0}, headers=city).status_code == 422
    assert client.get(f"{API}/monitoring/streets", params={"district": "999999"}, headers=city).status_code == 422


def test_monitoring_is_scoped_and_has_empty_states(city_engine: Engine, settings_for: Any) -> None:
    w = choose_world(city_engine)
    kr = Security(settings_for(city_engine)).keyring
    client = _app(city_engine, settings_for)
    empty = client.get(f"{API}/monitoring/streets", headers=_h(city_engine, "city")).json()
    assert empty["month"] is None and empty["streets"] == [] and empty["total"] is None
    assert client.get(f"{API}/monitoring/series", headers=_h(city_engine, "city")).json()["points"] == []
    with city_engine.begin() as c:
        sb = c.execute(
            select(rt.homes.c.street_code).where(rt.homes.c.district_code == w.district_b).limit(1)
        ).scalar_one()
        for street in (w.street_s1, w.street_s2, sb):
            _lease_at(c, kr, homes_of(c, street, 1)[0], "2026-05", 300_000)
    seen = {
        who: {
            r["street_code"]
            for r in client.get(f"{API}/monitoring/streets", headers=_h(city_engine, who)).json()["streets"]
        }
        for who in ("city", "auditor", "district", "clerk")
    }
    assert seen["city"] == seen["auditor"] == {w.street_s1, w.street_s2, sb}
    assert seen["district"] == {w.street_s1, w.street_s2}
    assert seen["clerk"] == {w.street_s1}
    # a district filter narrows; a district outside the scope shows nothing of it
    d = _h(city_engine, "district")
    assert client.get(f"{API}/monitoring/streets", params={"district": w.district_b}, headers=d).json()["streets"] == []
    other = client.get(f"{API}/monitoring/series", params={"street": sb, "until": "2026-05"}, headers=d).json()
    assert all(p["leases"] == 0 for p in other["points"])
    narrowed = client.get(
        f"{API}/monitoring/streets", params={"district": w.district_b}, headers=_h(city_engine, "city")
    )
    assert {r["street_code"] for r in narrowed.json()["streets"]} == {sb}
    assert client.get(f"{API}/monitoring/streets", headers=_h(city_engine, "citizen")).status_code == 403
    with city_engine.connect() as c:
        assert monitoring.streets(c, scope=Scope.nothing())["streets"] == []


# -------------------------------------------------------------------------------------------- pages


def test_pages(city_engine: Engine, settings_for: Any, data: Data) -> None:
    client = _app(city_engine, settings_for)
    r = client.get("/rental/guidance")
    assert r.status_code == 200 and "暂无已发布的租赁指导价格" in r.text
    token, csrf = web_session(city_engine, "city")
    client.cookies.set("anju_session", token)
    r = client.get("/rental/guidance/manage")
    assert r.status_code == 200 and "还没有测算过指导价格" in r.text
    r = client.post("/rental/guidance/manage", data={"csrf_token": csrf, "until": "x", "months": "12"})
    assert r.status_code == 422 and "日期格式" in r.text
    # the service's period check runs before any job starts: the form again, no job
    r = client.post("/rental/guidance/manage", data={"csrf_token": csrf, "until": "2999-01-01", "months": "12"})
    assert r.status_code == 422 and "不能晚于今天" in r.text
    r = client.post("/rental/guidance/manage", data={"csrf_token": csrf, "until": "", "months": "40"})
    assert r.status_code == 422 and "1 到 36" in r.text
    assert client.get("/api/v1/jobs").json()["total"] == 0
    r = client.post(
        "/rental/guidance/manage", data={"csrf_token": csrf, "until": "", "months": "12"}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    job = finished_job(client, r.headers["location"])  # computed as a background job with a progress page
    assert job["status"] == "done" and job["result_path"].startswith("/rental/guidance/manage/"), job
    where = job["result_path"]
    page = client.get(where)
    assert page.status_code == 200 and "草稿" in page.text and "特征价格" in page.text
    edition_id = int(where.rsplit("/", 1)[1])
    confirm = client.get(f"/rental/guidance/manage/{edition_id}/confirm")
    assert confirm.status_code == 200 and "确认发布" in confirm.text and "目前没有现行版本" in confirm.text
    r = client.post(f"/rental/guidance/manage/{edition_id}/publish", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    client.cookies.clear()
    public = client.get("/rental/guidance")
    assert public.status_code == 200 and "现行" in public.text and "历次版本" in public.text
    assert "<script>" not in public.text
    filtered = client.get("/rental/guidance", params={"district": data.world.district_b, "home_type": ""})
    assert filtered.status_code == 200 and "参照所在区" in filtered.text
    # the dashboard: data block + chart boxes, empty states when nothing is in range
    token, _ = web_session(city_engine, "district")
    client.cookies.set("anju_session", token)
    dash = client.get("/rental/monitoring")
    assert dash.status_code == 200 and 'id="monitoring-data"' in dash.text and 'data-chart="series"' in dash.text
    assert "/static/rental-monitoring.js" in dash.text
    block = dash.text.split('id="monitoring-data">', 1)[1].split("</script>", 1)[0]
    assert {r["street_code"] for r in json.loads(block)["streets"]["streets"]} <= {
        data.world.street_s1,
        data.world.street_s2,
    }
    none = client.get("/rental/monitoring", params={"month": "2001-01"})
    assert none.status_code == 200 and "暂无数据" in none.text


def test_cli_compute_publish_list(city_engine: Engine, settings_for: Any, data: Data, monkeypatch: Any) -> None:
    from click.testing import CliRunner

    from anju import cli
    from anju.rental import cli as rental_cli

    settings = settings_for(city_engine)
    monkeypatch.setattr(rental_cli, "load_settings", lambda: settings)
    runner = CliRunner()
    r = runner.invoke(cli.main, ["rental", "guidance", "compute", "--months", "12"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["status"] == "draft" and out["leases_used"] == 246
    r = runner.invoke(cli.main, ["rental", "guidance", "publish", out["edition_no"]])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli.main, ["rental", "guidance", "list"])
    assert r.exit_code == 0 and out["edition_no"] in r.output and "现行" in r.output
    r = runner.invoke(cli.main, ["rental", "guidance", "publish", out["edition_no"]])
    assert r.exit_code != 0 and "草稿" in r.output
    r = runner.invoke(cli.main, ["rental", "guidance", "compute", "--until", "2001-01-01"])
    assert r.exit_code != 0


def test_listing_and_lease_home_types_match_the_domain(city_engine: Engine) -> None:
    """The SQL home type of flags agrees with ``domain.home_type``."""
    for mode, beds in (("whole", None), ("whole", 1), ("whole", 2), ("whole", 4), ("room", 3)):
        assert domain.home_type(mode, beds) in domain.HOME_TYPES
    with city_engine.connect() as c:
        t = rental_listings
        expr = guidance_model.home_type_sql(t.c.room_id, t.c.bedrooms, t.c.mode)
        assert c.execute(select(func.count()).where(expr == "分间")).scalar_one() == 0


def test_the_demo_publishes_a_first_edition_when_there_are_leases(city_engine: Engine, data: Data) -> None:
    from anju.rental.cli import publish_demo_guidance
    from anju.rental.tables import rental_guidance_editions as ge

    edition = publish_demo_guidance(city_engine)
    assert edition is not None
    with city_engine.connect() as c:
        status = c.execute(select(ge.c.status).where(ge.c.edition_no == edition)).scalar_one()
    assert status == "published"


def test_the_demo_publishes_nothing_without_leases(empty_engine: Engine) -> None:
    from anju.rental.cli import publish_demo_guidance

    assert publish_demo_guidance(empty_engine) is None
