"""Benchmark: the market dashboard's JSON endpoints at full scale (goal p95 ≤ 100 ms).

Builds a database (SQLite file and/or a PostgreSQL database), loads the city's divisions, makes a city
officer and a district officer, and fills the result tables the way a full computation would: ``--runs``
finished runs (the older ones are history the reads must skip), each with 11 districts + the city × 2
segments × 4 methods × 4 bands × 132 months of index values (≈ 50,700 rows a run), supply 12 × 132,
health 12 × 132 × 8, forecasts, and a few hundred warnings. Then times every dashboard endpoint through
the ASGI app (``TestClient``, bearer tokens), ``--requests`` requests each per role with varied
parameters (area, method, band, month), after a warm-up::

    PYTHONPATH=src .venv/bin/python bench/market_dashboard.py --sqlite /tmp/market_dash.db \\
        --pg postgresql://postgres@127.0.0.1:5432/postgres --requests 200

Prints one JSON line per database × role × endpoint (p50/p95/p99 in ms).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.market_dashboard_fixtures writes the rows
sys.path.insert(0, str(ROOT / "bench"))
from common import load_city, officer_tokens, pg_database, time_endpoints  # noqa: E402

FIRST, LAST = "2015-01", "2025-12"  # 132 months


def build(url: str, data_dir: Path, runs: int, warnings: int) -> tuple[Any, dict[str, str], str, str]:
    """The database filled; (settings, role → token, city code, the district officer's district)."""
    from tests.market_dashboard_fixtures import make_run

    from anju import divisions
    from anju.core import migrate
    from anju.core.db import make_engine
    from anju.core.settings import Settings

    settings = Settings(database_url=url, data_dir=data_dir, environment="development")
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    city = settings.city_code
    load_city(engine, city)
    with engine.begin() as c:
        districts = [d.code for d in divisions.children(c, city, "district", limit=100).items]
    print(f"{len(districts)} districts", file=sys.stderr)
    t0 = time.perf_counter()
    for i in range(runs):
        with engine.begin() as c:
            make_run(
                c,
                city=city,
                districts=districts,
                first=FIRST,
                last=LAST,
                synthetic=True,
                warnings=warnings if i == runs - 1 else 20,
            )
    print(f"{runs} runs written: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    tokens = officer_tokens(engine, settings, city, districts[0])
    engine.dispose()
    return settings, tokens, city, districts[0]


def measure(settings: Any, tokens: dict[str, str], city: str, own: str, n: int, seed: int) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from anju.app import create_app
    from anju.market import domain

    rng = random.Random(seed)
    months = domain.months_between(FIRST, LAST)
    methods, bands = list(domain.METHODS), list(domain.BAND_LABELS)
    client = TestClient(create_app(settings))
    areas = [city, own]  # the district officer's own district and the city: visible to both roles
    endpoints: dict[str, Any] = {
        "summary": lambda: ("/api/v1/market/dashboard/summary", {}),
        "supply": lambda: ("/api/v1/market/dashboard/supply", {"area": rng.choice(areas), "months": 36}),
        "supply_132": lambda: ("/api/v1/market/dashboard/supply", {"area": rng.choice(areas), "months": 132}),
        "indices_all_areas": lambda: (
            "/api/v1/market/dashboard/indices",
            {
                "segment": rng.choice(["new", "resale"]),
                "method": rng.choice(methods),
                "band": rng.choice(bands),
                "months": 36,
                "until": rng.choice(months[36:]),
            },
        ),
        "indices_one_area_132": lambda: (
            "/api/v1/market/dashboard/indices",
            {"method": rng.choice(methods), "band": rng.choice(bands), "area": rng.choice(areas), "months": 132},
        ),
        "health": lambda: (
            "/api/v1/market/dashboard/health",
            {"month": rng.choice(months), "area": rng.choice(areas), "months": 36},
        ),
        "warnings": lambda: ("/api/v1/market/dashboard/warnings", {"page": rng.randint(1, 3)}),
    }
    database = settings.resolved_database_url.split(":")[0].split("+")[0]
    return time_endpoints(client, database, tokens, endpoints, n)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqlite", help="build the SQLite database at this path (replaced)")
    p.add_argument("--pg", help="admin URL of a PostgreSQL server: the database anju_bench_market_dash is made there")
    p.add_argument("--runs", type=int, default=4, help="finished runs (the last is the one read)")
    p.add_argument("--warnings", type=int, default=400, help="warnings of the latest run")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seed", type=int, default=5)
    a = p.parse_args()
    urls = []
    if a.sqlite:
        Path(a.sqlite).unlink(missing_ok=True)
        urls.append(f"sqlite:///{a.sqlite}")
    if a.pg:
        urls.append(pg_database(a.pg, "anju_bench_market_dash"))
    for url in urls:
        with tempfile.TemporaryDirectory() as tmp:
            settings, tokens, city, own = build(url, Path(tmp), a.runs, a.warnings)
            for line in measure(settings, tokens, city, own, a.requests, a.seed):
                print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
