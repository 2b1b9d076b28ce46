"""Public transaction figures (成交统计): the plan of the window scan on PostgreSQL, without and with the
``filed_at`` indexes of migration 0044, and the figures kept per day (migration 0045) beside them.

    python bench/tx_figures_plan.py --postgres postgresql://postgres@127.0.0.1:5432/postgres \
        [--contracts 600000] [--years 6]

Makes a scratch database (``anju_bench_tx_figures``) migrated to head — the real schema and every
index — and fills ``homes``, ``sale_contracts`` and ``resale_contracts`` in bulk with SQL
(``generate_series``; foreign keys not enforced for the load: ``session_replication_role``): per
market ``--contracts`` filed contracts spread evenly over ``--years`` years up to now (Nanjing files
≈ 100k new and ≈ 110k resale contracts a year at scale 1.0), plus 5 % drafts and cancelled ones
without ``filed_at``. Then, after ``ANALYZE``, without the two indexes and with them: ``EXPLAIN
(ANALYZE, BUFFERS)`` of the public figures' two statements per market — the 30-day window read and
one month's grouped count, built by ``anju.transactions.figures`` itself — and the median time of the
whole window scan as ``public_figures()`` did it until migration 0045 (2 × (1 + 12) statements, rows
fetched) over ``--runs`` runs. Then the kept figures: ``figures.rebuild`` (what migration 0045's
backfill does) timed, and the median of ``--runs`` calls of today's ``public_figures()``, which reads
only ``transaction_daily_figures``. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, Integer, LargeBinary, Numeric, String, Text, create_engine, func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import registry
from anju.core import clock, migrate
from anju.transactions import figures
from anju.transactions.tables import resale_contracts, sale_contracts
from common import pg_database

INDEXES = {"sale_contracts": "ix_sale_contracts_filed_at", "resale_contracts": "ix_resale_contracts_filed_at"}


def _filler(table: Any, given: dict[str, str]) -> tuple[str, str]:
    """The column list and SELECT expressions (over ``i``) filling every NOT NULL column of ``table``:
    ``given`` first, then a value of the column's type."""
    cols, exprs = [], []
    for c in table.columns:
        if c.name in given:
            cols.append(c.name)
            exprs.append(given[c.name])
        elif not c.nullable and not c.primary_key:
            t = c.type.impl if hasattr(c.type, "impl") and not isinstance(c.type, String) else c.type
            if isinstance(t, String | Text):
                n = getattr(t, "length", None) or 32
                e = f"left(md5(i::text), {min(n, 32)})"
            elif isinstance(t, LargeBinary):
                e = "'\\x00'::bytea"
            elif isinstance(t, Numeric):
                e = "89.50"
            elif isinstance(t, Integer):
                e = "1"
            elif isinstance(t, Date):
                e = "date '2020-01-01'"
            else:  # timestamps
                e = "now()"
            cols.append(c.name)
            exprs.append(e)
    return ", ".join(cols), ", ".join(exprs)


def fill(conn: Connection, n: int, years: int) -> None:
    span = f"{years * 365} days"
    conn.exec_driver_sql("SET session_replication_role = replica")
    total = 2 * n + n // 10
    cols, exprs = _filler(
        registry.homes,
        {"id": "i", "house_code": "'H' || i", "building_id": "1 + i / 100", "estate_id": "1 + i / 1000",
         "district_code": "'3201' || lpad((2 + i % 11)::text, 2, '0')", "street_code": "'320102001001'",
         "use": "(ARRAY['住宅','住宅','住宅','商业','办公'])[1 + i % 5]", "status": "'使用'",
         "construction_area": "60 + (i % 90)", "version": "1"},
    )  # fmt: skip
    conn.execute(text(f"INSERT INTO homes ({cols}) SELECT {exprs} FROM generate_series(1, {total}) AS i"))
    for table, offset, filed in ((sale_contracts, 0, "filed"), (resale_contracts, n, "filed")):
        # filed contracts over the span (newest at i = n), then 5 % without filed_at (drafts, cancelled)
        given = {
            # homes in no particular order of filing (a permutation of 1..m: 7919 is prime to m)
            "home_id": f"mod(i::bigint * 7919, {n + n // 20}) + 1 + {offset}",
            "status": f"CASE WHEN i <= {n} THEN '{filed}' ELSE 'cancelled' END",
            "filed_at": f"CASE WHEN i <= {n} THEN now() - interval '{span}' * (1 - i::float / {n}) END",
            "active": f"CASE WHEN i <= {n} THEN 1 END", "district_code": "'3201' || lpad((2 + i % 11)::text, 2, '0')",
            "area": "60 + (i % 90)", "source": "'history'",
        }  # fmt: skip
        cols, exprs = _filler(table, given)
        m = n + n // 20
        conn.execute(text(f"INSERT INTO {table.name} ({cols}) SELECT {exprs} FROM generate_series(1, {m}) AS i"))
    conn.exec_driver_sql("SET session_replication_role = DEFAULT")


def explain(conn: Connection, stmt: Any) -> dict[str, Any]:
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    sql = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + str(compiled)
    rows: Any = conn.exec_driver_sql(sql, compiled.params).scalar()
    plan = rows[0]

    def nodes(p: dict[str, Any]) -> list[str]:
        here = p["Node Type"] + (f" using {p['Index Name']}" if "Index Name" in p else "")
        here += f" on {p['Relation Name']}" if "Relation Name" in p else ""
        return [here] + [x for c in p.get("Plans", []) for x in nodes(c)]

    return {"execution_ms": round(plan["Execution Time"], 2), "nodes": nodes(plan["Plan"])}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, dtime(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def _filed_between(table: Any, statuses: tuple[str, ...], start: datetime, end: datetime) -> list[Any]:
    """The window scan's filter, as ``figures.public_figures`` built it until migration 0045."""
    return [table.c.status.in_(statuses), table.c.filed_at >= start, table.c.filed_at < end]


def scan_statements(months: int = 12) -> list[Any]:
    """Every statement of the window scan (per market the 30-day window and ``months`` grouped months)."""
    today = clock.today()
    homes = registry.homes
    out: list[Any] = []
    for _market, (_label, table, statuses) in figures.MARKETS.items():
        joined = table.join(homes, homes.c.id == table.c.home_id)
        start, end = _midnight(today - timedelta(days=29)), _midnight(today + timedelta(days=1))
        out.append(
            select(table.c.filed_at, table.c.district_code, homes.c.use, table.c.area)
            .select_from(joined)
            .where(*_filed_between(table, statuses, start, end))
        )
        for back in range(months):
            m0, m1 = figures._month_start(today, back), figures._month_start(today, back - 1)
            out.append(
                select(table.c.district_code, homes.c.use, func.count(), func.sum(table.c.area))
                .select_from(joined)
                .where(*_filed_between(table, statuses, _midnight(m0), _midnight(m1)))
                .group_by(table.c.district_code, homes.c.use)
            )
    return out


def statements() -> dict[str, Any]:
    """The public figures' statements, as ``figures.public_figures`` builds them."""
    today = clock.today()
    homes = registry.homes
    out = {}
    for market, (_label, table, statuses) in figures.MARKETS.items():
        joined = table.join(homes, homes.c.id == table.c.home_id)
        start, end = _midnight(today - timedelta(days=29)), _midnight(today + timedelta(days=1))
        out[f"{market}: 30-day window"] = (
            select(table.c.filed_at, table.c.district_code, homes.c.use, table.c.area)
            .select_from(joined)
            .where(*_filed_between(table, statuses, start, end))
        )
        m0, m1 = figures._month_start(today, 3), figures._month_start(today, 2)
        out[f"{market}: one month grouped"] = (
            select(table.c.district_code, homes.c.use)
            .select_from(joined)
            .where(*_filed_between(table, statuses, _midnight(m0), _midnight(m1)))
            .group_by(table.c.district_code, homes.c.use)
        )
    return out


def measure(conn: Connection, runs: int) -> dict[str, Any]:
    conn.exec_driver_sql("ANALYZE homes, sale_contracts, resale_contracts")
    plans = {k: explain(conn, s) for k, s in statements().items()}
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        for stmt in scan_statements():
            conn.execute(stmt).all()
        times.append(time.perf_counter() - t)
    return {"plans": plans, "window_scan_median_ms": round(statistics.median(times) * 1000, 1)}


def measure_kept(conn: Connection, runs: int) -> dict[str, Any]:
    t = time.perf_counter()
    rows = figures.rebuild(conn)
    rebuild_s = time.perf_counter() - t
    conn.exec_driver_sql("ANALYZE transaction_daily_figures")
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        figures.public_figures(conn)
        times.append(time.perf_counter() - t)
    return {
        "rebuild_s": round(rebuild_s, 1),
        "rows": rows,
        "public_figures_median_ms": round(statistics.median(times) * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--postgres", required=True, help="an admin URL of the server (a scratch database is made)")
    ap.add_argument("--contracts", type=int, default=600_000, help="filed contracts per market")
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    url = pg_database(a.postgres, "anju_bench_tx_figures").replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(url)
    migrate.upgrade(engine)
    t = time.perf_counter()
    with engine.begin() as conn:
        fill(conn, a.contracts, a.years)
    out: dict[str, Any] = {
        "contracts_per_market": a.contracts,
        "years": a.years,
        "fill_s": round(time.perf_counter() - t, 1),
    }
    with engine.begin() as conn:
        for index in INDEXES.values():
            conn.exec_driver_sql(f"DROP INDEX {index}")
        out["without_index"] = measure(conn, a.runs)
    with engine.begin() as conn:
        for table, index in INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX {index} ON {table} (filed_at)")
        out["with_index"] = measure(conn, a.runs)
    with engine.begin() as conn:
        out["kept_per_day"] = measure_kept(conn, a.runs)
    engine.dispose()
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
