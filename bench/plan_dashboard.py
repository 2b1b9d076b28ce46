"""Benchmark: the plan monitoring's dashboard API from stored results (goal p95 ≤ 100 ms) and the
evaluation report (goal ≤ 30 s).

Builds a database (SQLite file and/or PostgreSQL), loads the city's divisions (≈ 100 streets in 11
districts and the zones), and fills ``indicator_values`` the way refreshes would leave them: every
indicator the shipped 14th plan names plus ``--extra`` other indicators (the street database's), for
the city, every district and every street, each year 2015–2025 (a few missing with a reason); hand
entries for a few reported figures; the annual reports 2021–2024 (2023 corrected once). Then times the
JSON endpoints through the ASGI app (``TestClient``, bearer tokens of a city and a district officer),
``--requests`` requests each after a warm-up, and the mid-term and final reports (gather + .docx +
PDF)::

    PYTHONPATH=src .venv/bin/python bench/plan_dashboard.py --sqlite /tmp/plan_dash.db \\
        --pg postgresql://postgres@127.0.0.1:5432/postgres --requests 200

Prints one JSON line per database × role × endpoint (p50/p95/p99 in ms) and per report.
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
from urllib.parse import quote

from sqlalchemy import func, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import load_city, officer_tokens, pg_database, time_endpoints

YEARS = range(2015, 2026)


def build(url: str, data_dir: Path, extra: int, seed: int) -> tuple[Any, dict[str, str], int]:
    """The database filled; (settings, role → token, stored values)."""
    from anju import divisions
    from anju.core import clock, migrate
    from anju.core.db import make_engine
    from anju.core.dialect import bulk_insert
    from anju.core.settings import Settings
    from anju.indicators.tables import indicator_runs, indicator_values
    from anju.plan import monitoring, shipped

    rng = random.Random(seed)
    settings = Settings(
        database_url=url, data_dir=data_dir, environment="development", rate_limit_public="1000000/minute"
    )
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    city = settings.city_code
    plan = shipped(city)[0]
    streets = [d.code for d in load_city(engine, city)]
    with engine.begin() as c:
        districts = [d.code for d in divisions.by_level(c, "district")]
    print(f"{len(districts)} districts, {len(streets)} streets", file=sys.stderr)
    codes = sorted({t.indicator for t in plan.targets}) + [f"streets.bench_{i:02d}" for i in range(extra)]
    areas = [("city", city)] + [("district", d) for d in districts] + [("street", s) for s in streets]
    t0 = time.perf_counter()
    with engine.begin() as c:
        run = c.execute(
            insert(indicator_runs).values(
                started_at=clock.now(),
                finished_at=clock.now(),
                status="done",
                years="2015-2025",
                values_written=0,
                actor="bench",
            )
        ).inserted_primary_key
        assert run is not None
        rows: list[tuple[str, str, str, int, str | None, str | None, int]] = []
        for code in codes:
            scale = rng.choice([10, 100, 10_000, 1_000_000])
            for level, area in areas:
                for y in YEARS:
                    if rng.random() < 0.03:
                        rows.append((code, level, area, y, None, "该年度数据缺失（基准测试）", int(run[0])))
                    else:
                        rows.append(
                            (code, level, area, y, str(round(rng.uniform(0.1, 1.0) * scale, 2)), None, int(run[0]))
                        )
        cols = ("code", "level", "area_code", "year", "value", "missing", "run_id")
        bulk_insert(c, indicator_values, cols, rows)
    n = len(rows)
    print(f"{n} stored values written: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    with engine.begin() as c:
        for code in sorted(monitoring.hand_codes(plan))[:5]:
            for y in range(2020, 2025):
                monitoring.enter(c, plan, indicator=code, area_code=city, year=y, value=str(rng.randint(1, 99)),
                                 source_note="基准测试报送", by="bench")  # fmt: skip
        for y in range(2021, 2025):
            monitoring.report_year(c, plan, y, by="bench")
        monitoring.report_year(c, plan, 2023, by="bench", note="基准测试更正")
    tokens = officer_tokens(engine, settings, city, "320102" if "320102" in districts else districts[0])
    with engine.connect() as c:
        assert c.execute(select(func.count()).select_from(indicator_values)).scalar() == n
    engine.dispose()
    return settings, tokens, n


def measure(settings: Any, tokens: dict[str, str], n: int, seed: int) -> list[dict[str, Any]]:
    from fastapi.testclient import TestClient

    from anju.app import create_app
    from anju.plan import shipped

    rng = random.Random(seed)
    plan = shipped(settings.city_code)[0]
    keys = [t.key for t in plan.targets if t.area == plan.city]
    client = TestClient(create_app(settings))
    db = settings.resolved_database_url.split(":")[0].split("+")[0]
    endpoints: dict[str, Any] = {
        "progress": lambda: ("/api/v1/plan/progress", {"year": rng.choice(plan.years)}),
        "progress_csv": lambda: ("/api/v1/plan/progress.csv", {"year": rng.choice(plan.years)}),
        "target": lambda: (f"/api/v1/plan/targets/{quote(rng.choice(keys), safe='')}", {}),
        "reports": lambda: ("/api/v1/plan/reports", {}),
        "export_json": lambda: ("/api/v1/plan/export", {"year": rng.choice([2021, 2022, 2023, 2024])}),
        "public": lambda: ("/api/v1/plan/public", {}),
    }
    return time_endpoints(client, db, tokens, endpoints, n)


def reports(settings: Any) -> list[dict[str, Any]]:
    from anju.core.db import make_engine
    from anju.plan import evaluation, report_docx, report_pdf, shipped

    engine = make_engine(settings.resolved_database_url)
    plan = shipped(settings.city_code)[0]
    db = settings.resolved_database_url.split(":")[0].split("+")[0]
    out = []
    for kind in evaluation.KINDS:
        t0 = time.perf_counter()
        with engine.connect() as c:
            e = evaluation.gather(c, plan, kind)
        t1 = time.perf_counter()
        docx = report_docx.render(e)
        t2 = time.perf_counter()
        pdf = report_pdf.render(e)
        t3 = time.perf_counter()
        out.append(
            {"database": db, "report": kind, "targets": len(e.lines) + len(e.districts), "gather_s": round(t1 - t0, 3),
             "docx_s": round(t2 - t1, 2), "docx_bytes": len(docx), "pdf_s": round(t3 - t2, 2), "pdf_bytes": len(pdf),
             "total_s": round(t3 - t0, 2)}
        )  # fmt: skip
    engine.dispose()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sqlite", help="build the SQLite database at this path (replaced)")
    p.add_argument("--pg", help="admin URL of a PostgreSQL server: the database anju_bench_plan_dash is made there")
    p.add_argument("--extra", type=int, default=20, help="other indicators stored besides the plan's")
    p.add_argument("--requests", type=int, default=200)
    p.add_argument("--seed", type=int, default=5)
    a = p.parse_args()
    urls = []
    if a.sqlite:
        Path(a.sqlite).unlink(missing_ok=True)
        urls.append(f"sqlite:///{a.sqlite}")
    if a.pg:
        urls.append(pg_database(a.pg, "anju_bench_plan_dash"))
    for url in urls:
        with tempfile.TemporaryDirectory() as tmp:
            settings, tokens, n = build(url, Path(tmp), a.extra, a.seed)
            print(json.dumps({"database": url.split(":")[0], "stored_values": n}), flush=True)
            for line in measure(settings, tokens, a.requests, a.seed):
                print(json.dumps(line, ensure_ascii=False), flush=True)
            for line in reports(settings):
                print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
