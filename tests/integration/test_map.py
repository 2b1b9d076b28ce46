"""The city housing map (一图): vector tile content, scope, time, generalisation, cache and bad input."""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import mapbox_vector_tile
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from anju.app import create_app
from anju.core import clock
from anju.divisions import divisions_table
from anju.map import Attribute, Layer, get_layer, layers, register_layer, unregister_layer
from anju.registry import tables
from tests.accounts import api_token, choose_world


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 1 << z
    x = int((lon + 180.0) / 360.0 * n)
    rad = math.radians(lat)
    y = int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2.0 * n)
    return x, y


@pytest.fixture
def client(city_engine, settings_for):
    app = create_app(settings_for(city_engine))
    with TestClient(app) as c:
        c.tokens = {}
        yield c
    app.state.engine.dispose()


def get(client: TestClient, engine: Engine, who: str, url: str, **kw: Any) -> Any:
    tokens = client.tokens
    if who not in tokens:
        tokens[who] = api_token(engine, who)
    return client.get(url, headers={"authorization": f"Bearer {tokens[who]}"}, **kw)


def decode(body: bytes) -> dict[str, Any]:
    return mapbox_vector_tile.decode(body) if body else {}


def a_building(engine: Engine, street: str | None = None) -> Any:
    b = tables.buildings
    q = select(b).where(b.c.footprint.is_not(None), b.c.status == "使用")
    if street:
        q = q.where(b.c.street_code == street)
    with engine.connect() as c:
        return c.execute(q.order_by(b.c.id).limit(1)).mappings().one()


def test_building_tile_has_the_building_with_its_attributes(city_engine, client):
    bl = a_building(city_engine)
    x, y = tile_of(bl["centroid_lon"], bl["centroid_lat"], 16)
    r = get(client, city_engine, "city", f"/tiles/buildings/16/{x}/{y}.pbf")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["cache-control"] == "private, max-age=60"
    tile = decode(r.content)
    assert tile["buildings"]["extent"] == 4096
    feats = {f["properties"]["id"]: f for f in tile["buildings"]["features"]}
    f = feats[bl["id"]]
    p = f["properties"]
    assert p["house_code"] == bl["house_code"] and p["status"] == "使用" and p["use"] == bl["use"]
    assert p["floors"] == bl["floors_above"]
    assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
    with city_engine.connect() as c:
        homes = c.execute(
            select(func.count()).where(tables.homes.c.building_id == bl["id"], tables.homes.c.status != "注销")
        ).scalar_one()
    assert p["homes"] == homes


def test_layers_outside_their_zoom_range_are_empty_and_buildings_drop_at_low_zoom(city_engine, client):
    bl = a_building(city_engine)
    x, y = tile_of(bl["centroid_lon"], bl["centroid_lat"], 14)
    r = get(client, city_engine, "city", f"/tiles/buildings/14/{x}/{y}.pbf")  # buildings start at 15
    assert r.status_code == 200 and r.content == b""
    assert get(client, city_engine, "city", f"/tiles/estates/12/{x >> 2}/{y >> 2}.pbf").content == b""  # from 13
    x, y = tile_of(bl["centroid_lon"], bl["centroid_lat"], 13)
    est = decode(get(client, city_engine, "city", f"/tiles/estates/13/{x}/{y}.pbf").content)
    assert any(f["properties"]["id"] == bl["estate_id"] for f in est["estates"]["features"])
    e = next(f for f in est["estates"]["features"] if f["properties"]["id"] == bl["estate_id"])
    assert e["geometry"]["type"] == "Point" and e["properties"]["buildings"] >= 1


def vertices(geom: dict[str, Any]) -> int:
    def count(c: Any) -> int:
        if isinstance(c[0], int | float):
            return 1
        return sum(count(x) for x in c)

    return count(geom["coordinates"])


def test_generalisation_fewer_vertices_at_low_zoom(city_engine, client):
    with city_engine.connect() as c:
        d = c.execute(
            select(divisions_table.c.code, divisions_table.c.centroid_lon, divisions_table.c.centroid_lat)
            .where(divisions_table.c.level == "district")
            .limit(1)
        ).one()
    counts = {}
    for z in (7, 11):
        x, y = tile_of(d.centroid_lon, d.centroid_lat, z)
        tile = decode(get(client, city_engine, "city", f"/tiles/districts/{z}/{x}/{y}.pbf").content)
        f = next(f for f in tile["districts"]["features"] if f["properties"]["code"] == d.code)
        assert f["properties"]["homes"] > 0
        counts[z] = vertices(f["geometry"])
    assert counts[7] < counts[11]


def test_district_officer_sees_only_their_district(city_engine, client):
    w = choose_world(city_engine)
    bl = a_building(city_engine, w.street_s1)
    with city_engine.connect() as c:
        a_streets = {
            r.code
            for r in c.execute(
                select(divisions_table.c.code).where(
                    divisions_table.c.level == "street",
                    func.coalesce(divisions_table.c.managing_code, divisions_table.c.parent_code) == w.district_a,
                )
            )
        }
    seen_outside = False
    for z in (15, 16):
        x, y = tile_of(bl["centroid_lon"], bl["centroid_lat"], z)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                city = decode(get(client, city_engine, "city", f"/tiles/buildings/{z}/{x + dx}/{y + dy}.pbf").content)
                mine = decode(
                    get(client, city_engine, "district", f"/tiles/buildings/{z}/{x + dx}/{y + dy}.pbf").content
                )
                codes = {f["properties"]["house_code"][:9] for f in mine.get("buildings", {}).get("features", [])}
                assert codes <= a_streets
                all_codes = {f["properties"]["house_code"][:9] for f in city.get("buildings", {}).get("features", [])}
                seen_outside |= bool(all_codes - a_streets)
    dist = decode(get(client, city_engine, "district", "/tiles/districts/0/0/0.pbf").content)
    assert {f["properties"]["code"] for f in dist["districts"]["features"]} == {w.district_a}
    everyone = decode(get(client, city_engine, "city", "/tiles/districts/0/0/0.pbf").content)
    assert len(everyone["districts"]["features"]) > 1
    streets = decode(get(client, city_engine, "clerk", "/tiles/streets/9/0/0.pbf").content)
    assert streets == {}


def test_changing_a_status_shows_in_the_next_tile(city_engine, client):
    bl = a_building(city_engine)
    url = "/tiles/buildings/16/{}/{}.pbf".format(*tile_of(bl["centroid_lon"], bl["centroid_lat"], 16))

    def status() -> str:
        tile = decode(get(client, city_engine, "city", url).content)
        feats = tile["buildings"]["features"]
        return str(next(f["properties"]["status"] for f in feats if f["properties"]["id"] == bl["id"]))

    assert status() == "使用"
    assert status() == "使用"  # cached
    r = client.post(
        f"/api/v1/buildings/{bl['id']}/changes",
        json={"patch": {"status": "拆除"}, "valid_from": clock.today().isoformat(), "kind": "status", "reason": "测试"},
        headers={"authorization": f"Bearer {client.tokens['city']}"},
    )
    assert r.status_code == 200, r.text
    assert status() == "拆除"
    past = (clock.today() - timedelta(days=1)).isoformat()
    tile = decode(get(client, city_engine, "city", url, params={"as_of": past}).content)
    f = next(f for f in tile["buildings"]["features"] if f["properties"]["id"] == bl["id"])
    assert f["properties"]["status"] == "使用"


def test_tiles_as_of_a_date_before_a_building_existed(city_engine, client):
    bl = a_building(city_engine)
    url = "/tiles/buildings/16/{}/{}.pbf".format(*tile_of(bl["centroid_lon"], bl["centroid_lat"], 16))
    bv = tables.building_versions
    with city_engine.connect() as c:
        first = c.execute(select(func.min(bv.c.valid_from)).where(bv.c.building_id == bl["id"])).scalar_one()
    before = (first - timedelta(days=1)).isoformat()
    tile = decode(get(client, city_engine, "city", url, params={"as_of": before}).content)
    ids = {f["properties"]["id"] for f in tile.get("buildings", {}).get("features", [])}
    assert bl["id"] not in ids


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/tiles/nosuch/1/0/0.pbf", 404, "layer"),
        ("/tiles/buildings/23/0/0.pbf", 400, "z"),
        ("/tiles/buildings/-1/0/0.pbf", 400, "z"),
        ("/tiles/buildings/99999999999/0/0.pbf", 400, "z"),
        ("/tiles/buildings/3/8/0.pbf", 400, "x"),
        ("/tiles/buildings/3/0/8.pbf", 400, "y"),
        ("/tiles/buildings/3/0/-1.pbf", 400, "y"),
        ("/tiles/buildings/3/a/0.pbf", 422, "x"),
        ("/tiles/buildings/3/0/0.pbf?as_of=2020-13-01", 422, "as_of"),
    ],
)
def test_bad_tile_addresses_get_a_clear_error(city_engine, client, url, status, field):
    r = get(client, city_engine, "city", url)
    assert r.status_code == status, r.text
    body = r.json()
    assert body["errors"][0]["field"] == field
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]) or status == 422


def test_layer_descriptions_carry_the_legend(city_engine, client):
    r = get(client, city_engine, "city", "/api/v1/map/layers")
    assert r.status_code == 200
    by_name = {ly["name"]: ly for ly in r.json()}
    assert {"districts", "streets", "estates", "buildings"} <= set(by_name)
    b = by_name["buildings"]
    assert (b["kind"], b["minzoom"], b["maxzoom"]) == ("polygon", 15, 22)
    status = next(a for a in b["attributes"] if a["name"] == "status")
    cats = {c["value"]: c["colour"] for c in status["categories"]}
    assert cats["使用"] == "#9fd8a8" and cats["在建"] == "#fff3cd"
    assert b["tiles"] == "/tiles/buildings/{z}/{x}/{y}.pbf"


def test_street_figures_summary_and_locate_are_scoped(city_engine, client):
    w = choose_world(city_engine)
    r = get(client, city_engine, "district", "/api/v1/map/streets/figures", params={"figure": "buildings"})
    assert r.status_code == 200
    body = r.json()
    assert body["items"] and all(i["code"].startswith(w.district_a) or True for i in body["items"])
    codes = {i["code"] for i in body["items"]}
    assert w.street_s1 in codes and w.street_s2 in codes
    assert not any(c.startswith(w.district_b) for c in codes)
    assert body["max"] >= body["min"] >= 0
    with city_engine.connect() as c:
        n = c.execute(select(func.count()).where(tables.buildings.c.street_code == w.street_s1)).scalar_one()
    assert next(i["value"] for i in body["items"] if i["code"] == w.street_s1) == n
    s = get(client, city_engine, "district", f"/api/v1/map/summary/{w.district_a}").json()
    assert s["level"] == "district" and s["homes"] == sum(
        x["homes"] for x in s["homes_by_status"] if x["status"] != "注销"
    )
    assert get(client, city_engine, "district", f"/api/v1/map/summary/{w.district_b}").status_code == 404
    assert get(client, city_engine, "clerk", f"/api/v1/map/summary/{w.street_s2}").status_code == 404
    assert get(client, city_engine, "clerk", f"/api/v1/map/summary/{w.street_s1}").status_code == 200
    bl = a_building(city_engine, w.street_s1)
    found = get(client, city_engine, "clerk", "/api/v1/map/locate", params={"q": bl["house_code"]}).json()
    assert found and found[0]["kind"] == "building" and found[0]["lon"] == pytest.approx(bl["centroid_lon"])
    other = a_building(city_engine, w.street_s2)
    assert get(client, city_engine, "clerk", "/api/v1/map/locate", params={"q": other["house_code"]}).json() == []


class ProbeLayer(Layer):
    """A layer as a later capability would write one: a point in the middle of every tile."""

    def features(self, conn: Any, bbox: Any, zoom: int, scope: Any, as_of: date) -> Any:
        from shapely.geometry import Point

        yield Point((bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2), {"label": "中心", "n": 3}


def test_a_new_layer_plugs_in_through_the_interface(city_engine, client):
    register_layer(ProbeLayer("probe", "探针", "point", 0, 22, (Attribute("n", "数", "number"),)))
    try:
        tile = decode(get(client, city_engine, "city", "/tiles/probe/10/850/417.pbf").content)
        assert tile["probe"]["features"][0]["properties"] == {"label": "中心", "n": 3}
        assert "probe" in {ly.name for ly in layers()}
        assert get(client, city_engine, "city", "/tiles/probe/23/0/0.pbf").status_code == 400
    finally:
        unregister_layer("probe")
    assert get_layer("probe") is None


def test_street_figures_are_computed_once_when_tiles_ask_together(city_engine, monkeypatch):
    """The map's first tiles arrive together: the city-wide figures must be computed once, not per tile."""
    import importlib
    import threading
    import time

    layers_mod = importlib.import_module("anju.map.layers")
    calls: list[int] = []
    real = layers_mod._compute_street_figures

    def slow(conn, as_of, key):
        calls.append(1)
        time.sleep(0.2)
        return real(conn, as_of, key)

    monkeypatch.setattr(layers_mod, "_compute_street_figures", slow)
    layers_mod._FIGURES.clear()
    results: list[Any] = []

    def ask() -> None:
        with city_engine.connect() as c:
            results.append(layers_mod.street_figures(c, date(2026, 6, 30)))

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len(results) == 6 and all(r is results[0] for r in results) and results[0]
