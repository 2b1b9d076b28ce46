"""Map tile generation at full scale: uncached and cached latency per zoom and layer, and DuckDB
spatial's ST_AsMVT on the same building tiles.

    python bench/synth_load.py --scale 1.0 --sqlite data/bench/full.db      # once, ~3 min
    PYTHONPATH=src python bench/tiles.py --db sqlite:///data/bench/full.db --samples 150 --duckdb

Tile addresses are real: for a seeded random sample of buildings, the tile containing each one at
every zoom 10–17. For every (zoom, layer visible at that zoom) each address is rendered once through
``anju.map.render`` (no tile cache: the database is queried, features generalised, clipped and
encoded) and then served through ``anju.map.tile`` from a warm ``TileCache`` (the cached path: one
register-version query plus the LRU look-up). The city-wide street figures (homes, buildings and
estates per street) are memoised per register version; their one-off cost is reported separately.
Scope: the whole city (the largest tiles).

With ``--duckdb`` the buildings (footprints, attributes) and the homes (building, status) are copied
into an in-memory DuckDB with the spatial extension (loaded from the ``duckdb-extension-spatial``
package's file; no network), sorted by centroid so DuckDB's zone maps prune like our centroid index,
and the same building tiles (z14–17, same features, same attributes including homes per building)
are generated with ``ST_AsMVTGeom``/``ST_AsMVT``.
"""

from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date
from typing import Any

from sqlalchemy import func, select

from anju import map as housing_map
from anju import registry
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.scope import SYSTEM

ZOOMS = range(10, 18)


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(ms: list[float]) -> dict[str, float]:
    return {"n": len(ms), "p50": round(pct(ms, 50), 2), "p95": round(pct(ms, 95), 2), "max": round(max(ms), 2)}


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    import math

    n = 1 << z
    rad = math.radians(lat)
    return int((lon + 180.0) / 360.0 * n), int((1.0 - math.log(math.tan(rad) + 1.0 / math.cos(rad)) / math.pi) / 2 * n)


def sample_points(conn: Any, k: int, seed: int) -> list[tuple[float, float]]:
    top = int(conn.execute(select(func.max(registry.buildings.c.id))).scalar_one())
    ids = random.Random(seed).sample(range(1, top + 1), min(k * 2, top))
    rows = conn.execute(
        select(registry.buildings.c.centroid_lon, registry.buildings.c.centroid_lat).where(
            registry.buildings.c.id.in_(ids), registry.buildings.c.centroid_lon.is_not(None)
        )
    ).all()
    return [(r[0], r[1]) for r in rows][:k]


def run(url: str, k: int, seed: int, with_duckdb: bool) -> dict[str, Any]:
    engine = make_engine(url, False, False)
    migrate.upgrade(engine)
    today = clock.today()
    out: dict[str, Any] = {"database": engine.dialect.name, "samples": k, "zooms": {}}
    with engine.connect() as conn:
        out["buildings"] = int(conn.execute(select(func.count()).select_from(registry.buildings)).scalar_one())
        points = sample_points(conn, k, seed)
        t = time.perf_counter()
        housing_map.street_figures(conn, today)
        out["street_figures_once_ms"] = round((time.perf_counter() - t) * 1000, 1)
        cache = housing_map.TileCache(1 << 30)
        addresses: dict[int, list[tuple[int, int]]] = {
            z: sorted({tile_of(lo, la, z) for lo, la in points}) for z in ZOOMS
        }
        for z in ZOOMS:
            per_layer: dict[str, Any] = {}
            for layer in housing_map.layers():
                if not layer.minzoom <= z <= layer.maxzoom:
                    continue
                unc, cached, sizes = [], [], []
                for x, y in addresses[z]:
                    t = time.perf_counter()
                    body = housing_map.render(conn, layer, z, x, y, SYSTEM, today)
                    unc.append((time.perf_counter() - t) * 1000)
                    sizes.append(len(body))
                    housing_map.tile(conn, cache, layer.name, z, x, y, scope=SYSTEM, as_of=today)  # fill the cache
                for x, y in addresses[z]:
                    t = time.perf_counter()
                    housing_map.tile(conn, cache, layer.name, z, x, y, scope=SYSTEM, as_of=today)
                    cached.append((time.perf_counter() - t) * 1000)
                per_layer[layer.name] = {
                    "uncached_ms": summary(unc),
                    "cached_ms": summary(cached),
                    "bytes_p50": int(statistics.median(sizes)),
                }
            out["zooms"][z] = per_layer
            print(json.dumps({z: {n: (v["uncached_ms"]["p95"], v["cached_ms"]["p95"]) for n, v in per_layer.items()}}))
        if with_duckdb:
            out["duckdb"] = duckdb_compare(conn, addresses, today)
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return out


def duckdb_compare(conn: Any, addresses: dict[int, list[tuple[int, int]]], today: date) -> dict[str, Any]:
    import duckdb
    import duckdb_extension_spatial

    ext = glob.glob(
        os.path.join(os.path.dirname(duckdb_extension_spatial.__file__), "extensions", "*", "*.duckdb_extension")
    )
    db = duckdb.connect()
    db.execute(f"INSTALL '{ext[0]}'")
    db.execute("LOAD spatial")
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        bpath, hpath = os.path.join(tmp, "b.csv"), os.path.join(tmp, "h.csv")
        with open(bpath, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "house_code", "name", "status", "year_built", "use", "floors", "footprint", "lon", "lat"])
            for r in conn.execute(
                select(
                    registry.buildings.c.id,
                    registry.buildings.c.house_code,
                    registry.buildings.c.name,
                    registry.buildings.c.status,
                    registry.buildings.c.year_built,
                    registry.buildings.c.use,
                    registry.buildings.c.floors_above,
                    registry.buildings.c.footprint,
                    registry.buildings.c.centroid_lon,
                    registry.buildings.c.centroid_lat,
                )
            ):
                w.writerow(r)
        with open(hpath, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["building_id", "status"])
            w.writerows(conn.execute(select(registry.homes.c.building_id, registry.homes.c.status)))
        db.execute(f"CREATE TABLE homes AS SELECT * FROM read_csv('{hpath}', header=true)")
        db.execute(
            "CREATE TABLE b AS SELECT id, house_code, name, status, year_built, use, floors, lon, lat, "
            "ST_Transform(CASE WHEN footprint <> '' THEN ST_GeomFromGeoJSON(footprint) ELSE ST_Point(lon, lat) END, "
            "'EPSG:4326', 'EPSG:3857', always_xy := true) AS geom "
            f"FROM read_csv('{bpath}', header=true, all_varchar=false) ORDER BY lon, lat"
        )
    load_s = time.perf_counter() - t0
    sql = """
        WITH sel AS (SELECT * FROM b WHERE lon BETWEEN $1 AND $2 AND lat BETWEEN $3 AND $4),
             n AS (SELECT building_id, count(*) AS homes FROM homes
                   WHERE building_id IN (SELECT id FROM sel) AND status <> '注销' GROUP BY building_id)
        SELECT ST_AsMVT(t, 'buildings', 4096, 'geom') FROM (
            SELECT ST_AsMVTGeom(sel.geom, ST_Extent(ST_TileEnvelope($5, $6, $7)), 4096, 64, true) AS geom,
                   sel.id, sel.house_code, sel.name, sel.status, sel.year_built, sel.use, sel.floors,
                   coalesce(n.homes, 0) AS homes
            FROM sel LEFT JOIN n ON n.building_id = sel.id) t
        WHERE geom IS NOT NULL
    """
    layer = housing_map.get_layer("buildings")
    assert layer is not None
    result: dict[str, Any] = {"load_s": round(load_s, 1), "zooms": {}}
    for z in (14, 15, 16, 17):
        duck, ours = [], []
        same = 0
        for x, y in addresses[z]:
            min_lon, min_lat, max_lon, max_lat = housing_map.tile_bounds(z, x, y, 64)
            m = 0.002
            t = time.perf_counter()
            row = db.execute(sql, [min_lon - m, max_lon + m, min_lat - m, max_lat + m, z, x, y]).fetchone()
            duck.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            body = housing_map.render(conn, layer, z, x, y, SYSTEM, today)
            ours.append((time.perf_counter() - t) * 1000)
            same += int(_feature_count(row[0] if row else None) == _feature_count(body))
        result["zooms"][z] = {
            "duckdb_ms": summary(duck),
            "anju_ms": summary(ours),
            "p50_ratio_anju_over_duckdb": round(pct(ours, 50) / pct(duck, 50), 2),
            "p95_ratio_anju_over_duckdb": round(pct(ours, 95) / pct(duck, 95), 2),
            "tiles_with_equal_feature_count": f"{same}/{len(duck)}",
        }
        print(json.dumps({z: result["zooms"][z]}))
    return result


def _feature_count(body: bytes | None) -> int:
    import mapbox_vector_tile

    if not body:
        return 0
    return sum(len(v["features"]) for v in mapbox_vector_tile.decode(bytes(body)).values())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded database")
    ap.add_argument("--samples", type=int, default=150, help="buildings whose tiles are sampled at every zoom")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--duckdb", action="store_true", help="compare building tiles with DuckDB spatial ST_AsMVT")
    a = ap.parse_args()
    print(json.dumps(run(a.db, a.samples, a.seed, a.duckdb), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
