"""The house-safety map layer's tiles (``safety``, docs/safety.md) against the map's tile budget (p95 ≤ 50 ms
uncached, ≤ 5 ms cached, zooms 10–17; docs/benchmarks.md, "Map tiles"), on a full-scale city:

    python bench/synth_load.py --scale 1.0 --sqlite /ABS/PATH/full.db          # once
    PYTHONPATH=src python bench/safety_tiles.py --db sqlite:////ABS/PATH/full.db --samples 150

The first run fills house safety with the synthetic generator (``anju.synth.generate_safety`` at
``--scale``, timed) when the database has none. Tile addresses: for a seeded random sample of appraised
buildings, the tile containing each at every zoom the layer serves (10–17 within its range); each is
rendered once through ``anju.map.render`` (no cache) and then served from a warm ``TileCache``.
Whole-city scope (the largest tiles).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import time
from typing import Any

from sqlalchemy import func, select

from anju import map as housing_map
from anju import registry
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.scope import SYSTEM
from anju.core.settings import load_settings
from anju.safety import SAFETY_LAYER
from anju.safety.tables import safety_appraisals, safety_hazards
from anju.security import keyring_from_settings
from anju.synth import generate_safety
from tiles import summary, tile_of

ZOOMS = range(10, 18)


def run(url: str, k: int, seed: int, scale: float) -> dict[str, Any]:
    engine = make_engine(url, False, False)
    migrate.upgrade(engine)
    today = clock.today()
    out: dict[str, Any] = {"database": engine.dialect.name, "samples": k, "zooms": {}}
    with engine.connect() as conn:
        have = int(conn.execute(select(func.count()).select_from(safety_appraisals)).scalar_one())
    if not have:
        t = time.perf_counter()
        made = generate_safety(engine, keyring_from_settings(load_settings()), seed, scale=scale)
        out["synth_s"] = round(time.perf_counter() - t, 1)
        out["synth"] = dict(made)
    b, a = registry.buildings.c, safety_appraisals.c
    with engine.connect() as conn:
        out["appraised_buildings"] = int(conn.execute(select(func.count(func.distinct(a.building_id)))).scalar_one())
        out["open_hazards"] = int(
            conn.execute(select(func.count()).where(safety_hazards.c.status == "open")).scalar_one()
        )
        ids = [int(i) for (i,) in conn.execute(select(a.building_id).distinct().order_by(a.building_id))]
        chosen = random.Random(seed).sample(ids, min(k, len(ids)))
        points = [(r[0], r[1]) for r in conn.execute(select(b.centroid_lon, b.centroid_lat).where(
            b.id.in_(chosen), b.centroid_lon.is_not(None)))]  # fmt: skip
        cache = housing_map.TileCache(1 << 30)
        for z in ZOOMS:
            if not SAFETY_LAYER.minzoom <= z <= SAFETY_LAYER.maxzoom:
                continue
            addresses = sorted({tile_of(lo, la, z) for lo, la in points})
            unc, cached, sizes = [], [], []
            for x, y in addresses:
                t = time.perf_counter()
                body = housing_map.render(conn, SAFETY_LAYER, z, x, y, SYSTEM, today)
                unc.append((time.perf_counter() - t) * 1000)
                sizes.append(len(body))
                housing_map.tile(conn, cache, SAFETY_LAYER.name, z, x, y, scope=SYSTEM, as_of=today)
            for x, y in addresses:
                t = time.perf_counter()
                housing_map.tile(conn, cache, SAFETY_LAYER.name, z, x, y, scope=SYSTEM, as_of=today)
                cached.append((time.perf_counter() - t) * 1000)
            out["zooms"][z] = {
                "tiles": len(addresses),
                "uncached_ms": summary(unc),
                "cached_ms": summary(cached),
                "bytes_p50": int(statistics.median(sizes)),
            }
            print(json.dumps({z: out["zooms"][z]}, ensure_ascii=False))
    out["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True, help="SQLAlchemy URL of a loaded database")
    ap.add_argument("--samples", type=int, default=150, help="appraised buildings whose tiles are sampled")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scale", type=float, default=1.0, help="scale of the synthetic safety data, if generated")
    args = ap.parse_args()
    print(json.dumps(run(args.db, args.samples, args.seed, args.scale), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
