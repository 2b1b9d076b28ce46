"""Every price index with its quality at scale 1.0, time and peak memory, and the error against the truth.

    python bench/market_indices.py --scale 1.0                      # DuckDB, the city at scale 1.0
    python bench/market_indices.py --scale 1.0 --engine spark --cities 3   # a province (3 cities) on Spark
    python bench/market_indices.py --compare --cells-only --scale 0.5 --cities 3   # a province: Spark = DuckDB?
    python bench/market_indices.py --scale 0.2 --compare            # both engines, every index equal?
    python bench/market_indices.py --extract sqlite:///data/demo.db # extraction from a database only

**The bench feeds the engine a generated sales frame** (``anju.synth.market.frame``: estates, homes with
the register's kind of characteristics and sales at the synthetic history's volumes — ≈ 95k new and
110k resales a year at scale 1.0 — priced by the same price model, so the generator's true index is
the truth), because building a scale-1.0 city with its market history in a database takes too long
here. ``--extract URL`` measures the other part separately: streaming the sales frame out of a
database through ``anju.transactions.statistical_sales`` into DuckDB.

Reports: sales, wall time per stage (generate, load, aggregate, estimate), peak RSS (psutil, the
process: DuckDB and numpy run in it; Spark's JVM is a separate process, reported apart), and per
segment × method the mean absolute log error against the true index over every district-month
(band ``all``) and of the city against the mean of the districts' true indices weighted by their sales.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import defaultdict
from typing import Any

import numpy as np

from anju.market.index_step import estimate_all
from anju.market.indices import aggregate as ag
from anju.synth.market.frame import generate_frame
from anju.synth.market.model import DISTRICT_LEVEL


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(engine_name: str, scale: float, months: int, cities: int, folds: int, revision: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    g = generate_frame(scale=scale, months=months, seed=1, cities=cities)
    frame = g.frame
    districts = sorted(set(frame.column("district").to_pylist()))
    t1 = time.perf_counter()
    if engine_name == "spark":
        from anju.market.indices.engine_spark import SparkEngine

        engine: Any = SparkEngine(partitions=8, driver_memory="6g")
    else:
        from anju.market.indices.engine_duckdb import DuckDBEngine

        engine = DuckDBEngine()
    engine.load(frame)
    sales = frame.num_rows
    del frame
    t2 = time.perf_counter()
    raw = ag.run_queries(engine, folds)
    engine.close()
    t3 = time.perf_counter()
    agg = ag.Aggregates(raw, periods=months, districts=districts, city_code="320100", folds=folds)
    truth: dict[str, Any] = {}
    for d in districts:
        base = d if d in DISTRICT_LEVEL else f"32{d[2:]}"
        truth[d] = np.array(g.model.log_index[base][:months])
    results = list(estimate_all(agg, city_code="320100", truth=truth, folds=folds, revision_months=revision))
    t4 = time.perf_counter()
    err: dict[str, list[float]] = defaultdict(list)
    city: dict[str, float | None] = {}
    for r in results:
        if r.band != "all":
            continue
        key = f"{r.segment}/{r.method}"
        if r.area != "320100":
            lt = truth[r.area]
            e = np.abs(r.series.log_index - (lt - lt[0]))
            err[key].extend(float(x) for x in e[np.isfinite(e)])
    # the city against the sales-weighted mean of the districts' truths
    for r in results:
        if r.band == "all" and r.area == "320100":
            w = np.array([agg.medians(r.segment, d, "all")[0].sum() for d in districts], dtype=float)
            lt = np.average(np.array([truth[d] for d in districts]), axis=0, weights=w if w.sum() else None)
            e = np.abs(r.series.log_index - (lt - lt[0]))
            city[f"{r.segment}/{r.method}"] = float(np.nanmean(e)) if np.isfinite(e).any() else None
    return {
        "engine": engine_name,
        "scale": scale,
        "cities": cities,
        "months": months,
        "sales": sales,
        "series": len(results),
        "seconds": {
            "generate": round(t1 - t0, 1),
            "load": round(t2 - t1, 1),
            "aggregate": round(t3 - t2, 1),
            "estimate_with_quality": round(t4 - t3, 1),
            "engine_total": round(t4 - t1, 1),
        },
        "peak_rss_mib": round(peak_mib()),
        "district_month_mae": {k: round(float(np.mean(v)), 5) for k, v in sorted(err.items())},
        "district_months": {k: len(v) for k, v in sorted(err.items())},
        "city_mae_vs_weighted_district_truth": {k: (round(v, 5) if v is not None else None) for k, v in city.items()},
        "_results": results,
    }


def extract(url: str) -> dict[str, Any]:
    from anju.core.db import make_engine
    from anju.market.indices.engine_duckdb import DuckDBEngine
    from anju.market.sales_frame import batches

    db = make_engine(url)
    t0 = time.perf_counter()
    eng = DuckDBEngine()
    with db.connect() as conn:
        n = eng.load(batches(conn, first_month="2016-01", last_month="2026-11"))
    return {
        "url": url.rsplit("@", maxsplit=1)[-1],
        "sales": n,
        "seconds": round(time.perf_counter() - t0, 2),
        "peak_rss_mib": round(peak_mib()),
    }


def compare_cells(scale: float, months: int, cities: int, folds: int) -> dict[str, Any]:
    """Both engines aggregate the same frame: time each, and compare every cell."""
    from anju.market.indices.engine_duckdb import DuckDBEngine
    from anju.market.indices.engine_spark import SparkEngine

    frame = generate_frame(scale=scale, months=months, seed=1, cities=cities).frame
    out: dict[str, Any] = {"sales": frame.num_rows}
    t = time.perf_counter()
    d = DuckDBEngine()
    d.load(frame)
    rd = ag.run_queries(d, folds)
    d.close()
    out["duckdb_load_aggregate_s"] = round(time.perf_counter() - t, 1)
    s = SparkEngine(partitions=8, driver_memory="6g")
    t = time.perf_counter()
    s.load(frame)
    rs = ag.run_queries(s, folds)
    out["spark_load_aggregate_s"] = round(time.perf_counter() - t, 1)
    worst = 0.0
    for k in ("pairs", "hedonic_cells", "hedonic_cross", "medians"):
        a, b = getattr(rd, k), getattr(rs, k)
        assert a.num_rows == b.num_rows and a.column_names == b.column_names, k
        for c in a.column_names:
            x, y = a.column(c).to_numpy(zero_copy_only=False), b.column(c).to_numpy(zero_copy_only=False)
            if x.dtype.kind == "f" and len(x):
                worst = max(worst, float(np.max(np.abs(x - y) / np.maximum(np.abs(x), 1e-300))))
            else:
                assert (x == y).all(), (k, c)
        out[f"{k}_rows"] = a.num_rows
    out["max_relative_difference"] = worst
    out["peak_rss_mib"] = round(peak_mib())
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--months", type=int, default=131)  # 2016-01 .. 2026-11
    p.add_argument("--cities", type=int, default=1)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--revision-months", type=int, default=12)
    p.add_argument("--compare", action="store_true", help="run both engines and compare every series")
    p.add_argument("--extract", help="only measure streaming the sales frame out of this database")
    p.add_argument("--cells-only", action="store_true", help="with --compare: the aggregation only (no estimation)")
    a = p.parse_args()
    if a.extract:
        print(json.dumps(extract(a.extract), indent=2))
        return
    if a.compare and a.cells_only:
        print(json.dumps(compare_cells(a.scale, a.months, a.cities, a.folds), indent=2))
        return
    if a.compare:
        one = run("duckdb", a.scale, a.months, a.cities, a.folds, a.revision_months)
        two = run("spark", a.scale, a.months, a.cities, a.folds, a.revision_months)
        worst = 0.0
        for x, y in zip(one.pop("_results"), two.pop("_results"), strict=True):
            both = np.isfinite(x.series.log_index) & np.isfinite(y.series.log_index)
            assert (np.isfinite(x.series.log_index) == np.isfinite(y.series.log_index)).all()
            if both.any():
                worst = max(worst, float(np.max(np.abs(x.series.log_index[both] - y.series.log_index[both]))))
        print(json.dumps({"duckdb": one, "spark": two, "max_abs_log_index_difference": worst}, indent=2))
        return
    out = run(a.engine, a.scale, a.months, a.cities, a.folds, a.revision_months)
    out.pop("_results")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
