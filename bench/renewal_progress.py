"""The renewal progress table (district × year against the plan's 专栏6) over N projects, on SQLite or
PostgreSQL.

    python bench/renewal_progress.py --projects 100000 --sqlite data/bench/renewal.db
    python bench/renewal_progress.py --projects 100000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_renewal

Into a fresh database: the city's divisions, a minimal register (one estate per 20 projects, spread over
every street) and N projects of every kind spread over the plan's years and the lifecycle (bulk
inserts). The full-scale synthetic city has ≈ 3,500 projects (``anju.renewal.synthetic``), so the
default 100,000 is ≈ 30 × full scale. The measurement: ``progress.progress`` for the whole city (one
grouped query plus the districts' names), the median of five runs after one warm-up. Prints one JSON
line. The PostgreSQL database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import registry
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.dialect import bulk_insert
from anju.core.scope import Scope
from anju.renewal import domain, progress, rules
from anju.renewal.tables import renewal_projects
from common import fresh_sqlite, load_city
from ledger import drop_postgres, fresh_postgres

CITY = "320100"


def build(engine: Engine, n: int, seed: int = 1) -> float:
    rng = random.Random(seed)
    now = clock.now()
    t = time.perf_counter()
    streets = sorted((s.code, s.managing_code or s.parent_code or "") for s in load_city(engine, CITY))
    with engine.begin() as c:
        n_estates = max(1, n // 20)
        estates = []
        for i in range(n_estates):
            street, _district = streets[i % len(streets)]
            estates.append(
                {
                    "id": i + 1,
                    "estate_code": f"B{i:09d}",
                    "name": f"小区{i}",
                    "kind": "小区",
                    "district_code": street[:6],
                    "street_code": street,
                    "address": f"路{i}号",
                    "year_built": rng.randint(1970, 2004),
                    "recorded_at": now,
                }
            )
        bulk_insert(c, registry.estates, list(estates[0]), [tuple(e.values()) for e in estates])
        kinds = list(domain.KINDS)
        rows = []
        for i in range(n):
            e = estates[i % n_estates]
            kind = rng.choice(kinds)
            status = rng.choice(domain.LIFECYCLES[kind])
            rows.append(
                (
                    f"RN{i:010d}",
                    kind,
                    "项目",
                    e["id"],
                    dict(streets)[str(e["street_code"])],
                    e["street_code"],
                    status,
                    clock.today(),
                    rng.randint(2021, 2026) if status != "reserve" else None,
                    Decimal(rng.randint(1000, 90000)),
                    100,
                    "bench",
                    False,
                    now,
                    now,
                )
            )
        cols = (
            "project_no",
            "kind",
            "name",
            "estate_id",
            "district_code",
            "street_code",
            "status",
            "status_on",
            "plan_year",
            "area",
            "households",
            "eligibility_reason",
            "synthetic",
            "created_at",
            "updated_at",
        )
        bulk_insert(c, renewal_projects, cols, rows)
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE renewal_projects")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, default=100_000)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    url = fresh_sqlite(a.sqlite) if a.sqlite else fresh_postgres(a.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    setup = build(engine, a.projects)
    plan = rules.shipped_plan(CITY)
    assert plan is not None, "no shipped plan for the city"
    times = []
    for i in range(6):
        t = time.perf_counter()
        with engine.connect() as c:
            out = progress.progress(c, plan, scope=Scope.whole_city())
        if i:
            times.append(time.perf_counter() - t)
    print(
        json.dumps(
            {
                "bench": "renewal_progress",
                "db": engine.dialect.name,
                "projects": a.projects,
                "progress_s_median": round(statistics.median(times), 4),
                "progress_s_max": round(max(times), 4),
                "accepted": sum(c.done for c in out.total.cells),
                "rows": len(out.rows),
                "setup_s": round(setup, 1),
                "python": platform.python_version(),
            }
        )
    )
    engine.dispose()
    if a.postgres and not a.keep:
        drop_postgres(url)


if __name__ == "__main__":
    main()
