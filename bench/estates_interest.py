"""Annual interest (年度计息) of the maintenance fund over N homes' 分户账, on SQLite or PostgreSQL.

    python bench/estates_interest.py --homes 200000 --sqlite data/bench/interest.db
    python bench/estates_interest.py --homes 200000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_interest

Into a fresh database: a minimal register (one estate per 500 homes, one building per 100), one
district special account, every home's 分户账 opened (``fund_ledger.open_homes``) and its deposit posted
during the year before (one allocation journal per estate and month through ``fund_deposits.post_lines``),
then — the measurement — ``fund_interest.run_interest`` for that year: the grouped day-weighted query,
the exact allocation, the ``interest_in`` journal and one allocation journal per building (the lines
grouped by building, copied in bulk, the balances, log entries with their lines
roots). Prints one JSON line. The
PostgreSQL database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import divisions, funds, registry
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.dialect import bulk_insert
from anju.divisions.tables import divisions as division_rows
from anju.estates import fund_deposits, fund_interest, fund_ledger
from ledger import drop_postgres, fresh_postgres

CITY = "320100"
YEAR = 2024
TODAY = date(2026, 6, 30)
DISTRICT, STREET = "", ""  # the first street of the city's divisions and its district (set by build)


def build(engine: Engine, homes: int, seed: int = 1, year: int = YEAR) -> dict[str, float]:
    """The register, the account, the 分户账 and a year of deposits; returns the seconds of each step."""
    rng = random.Random(seed)
    now = clock.now()
    took: dict[str, float] = {}
    t = time.perf_counter()
    global DISTRICT, STREET
    with engine.begin() as c:
        divisions.load_city(c, CITY)
        street = c.execute(
            select(division_rows.c.code, division_rows.c.parent_code)
            .where(division_rows.c.level == "street").order_by(division_rows.c.code).limit(1)
        ).one()  # fmt: skip
        STREET, DISTRICT = street.code, street.parent_code
        n_est, n_bld = (homes + 499) // 500, (homes + 99) // 100
        est_cols = ("id", "estate_code", "name", "kind", "district_code", "street_code", "address", "recorded_at")
        bulk_insert(
            c, registry.estates, est_cols,
            ((e, f"B{e:08d}", f"基准小区{e}", "commodity", DISTRICT, STREET, "基准路", now)
             for e in range(1, n_est + 1)),
        )  # fmt: skip
        bld_cols = ("id", "house_code", "estate_id", "district_code", "street_code", "building_no", "name", "use",
                    "structure", "floors_above", "floors_below", "units", "status", "address", "search_text",
                    "valid_from", "recorded_at", "version")  # fmt: skip
        built = date(2000, 1, 1)
        bulk_insert(
            c, registry.buildings, bld_cols,
            ((b, f"B{b:022d}", (b - 1) // 5 + 1, DISTRICT, STREET, str(b), f"{b}幢", "住宅", "框架", 18, 1, 2,
              "in_use", "基准路", "基准路", built, now, 1) for b in range(1, n_bld + 1)),
        )  # fmt: skip
        home_cols = ("id", "house_code", "building_id", "estate_id", "district_code", "street_code", "floor_no",
                     "floor_label", "room_no", "use", "construction_area", "status", "address", "valid_from",
                     "recorded_at", "version")  # fmt: skip
        area = Decimal("89.50")
        bulk_insert(
            c, registry.homes, home_cols,
            ((h, f"H{h:022d}", (h - 1) // 100 + 1, (h - 1) // 500 + 1, DISTRICT, STREET, 1, "1", str(h), "住宅",
              area, "sold", "基准路", built, now, 1) for h in range(1, homes + 1)),
        )  # fmt: skip
    took["register_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:
        acct = fund_ledger.district_account(c, DISTRICT, bank="基准银行", account_no="BENCH-WX-1")
        fund_ledger.open_homes(c, [
            fund_ledger.HomeFundIn(h, acct, (h - 1) // 500 + 1, (h - 1) // 100 + 1, DISTRICT, STREET, Decimal("89.50"),
                                   "high", date(year - 1, 12, 1), "import")
            for h in range(1, homes + 1)
        ])  # fmt: skip
    took["open_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:
        lids = fund_ledger.home_ledgers(c, list(range(1, homes + 1)))
        bank = funds.ledger_accounts(c, acct)["bank"]
        month = {h: rng.randrange(1, 13) for h in range(1, homes + 1)}
        allocs, lines = [], []
        for e in range(1, (homes + 499) // 500 + 1):
            for m in range(1, 13):
                ref = f"bench:{e}:{m}"
                allocs.append(
                    funds.AllocationIn(acct, "deposit", ref, date(year, m, 15), "交存", bank, subject=f"estate:{e}")
                )
        have = set()
        for h in range(1, homes + 1):
            ref = f"bench:{(h - 1) // 500 + 1}:{month[h]}"
            have.add(ref)
            lines.append((ref, lids[h], 716_000 + rng.randrange(0, 50_000)))
        allocs = [a for a in allocs if a.reference in have]
        fund_deposits.post_lines(c, allocs, lines, side="credit")
    took["deposits_s"] = time.perf_counter() - t
    return took


def _trace_slow(engine: Engine, over_s: float = 0.05) -> None:
    """Print every statement that took longer than ``over_s`` to stderr (with --profile)."""

    @event.listens_for(engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        conn.info.setdefault("t0", []).append(time.perf_counter())

    @event.listens_for(engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any, executemany: bool) -> None:
        took = time.perf_counter() - conn.info["t0"].pop()
        if took > over_s:
            print(f"{took:7.2f} s  {' '.join(statement.split())[:160]}", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--homes", type=int, default=4_000_000)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--year", type=int, default=YEAR, help="the year to allocate (a later one on a reused database)")
    ap.add_argument("--setup-only", action="store_true", help="build the database and stop (implies --keep)")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure on a database built before with --setup-only (copy it first: the run writes)",
    )
    ap.add_argument("--profile", type=int, default=0, metavar="N", help="cProfile the run, print the top N to stderr")
    a = ap.parse_args()
    if a.reuse:
        url = f"sqlite:///{a.sqlite}" if a.sqlite else a.postgres.replace("postgresql://", "postgresql+psycopg://", 1)
    elif a.sqlite:
        p = Path(a.sqlite)
        p.parent.mkdir(parents=True, exist_ok=True)
        for f in p.parent.glob(p.name + "*"):
            f.unlink()
        url = f"sqlite:///{p}"
    else:
        url = fresh_postgres(a.postgres)
    engine = make_engine(url)
    t = time.perf_counter()
    migrate.upgrade(engine)
    setup = {"migrate_s": time.perf_counter() - t}
    if a.reuse:
        global DISTRICT, STREET
        with engine.connect() as c:
            STREET, DISTRICT = c.execute(
                select(division_rows.c.code, division_rows.c.parent_code)
                .where(division_rows.c.level == "street").order_by(division_rows.c.code).limit(1)
            ).one()  # fmt: skip
    else:
        setup |= build(engine, a.homes)
    if a.setup_only:
        print(json.dumps({"bench": "estates_interest", "setup": True, "homes": a.homes,
                          **{k: round(v, 2) for k, v in setup.items()}}))  # fmt: skip
        engine.dispose()
        return
    prof = cProfile.Profile() if a.profile else None
    if prof:
        _trace_slow(engine)
    t, cpu = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    with engine.begin() as c:
        run: Any = fund_interest.run_interest(
            c, district_code=DISTRICT, year=a.year, total_fen=a.homes * 1_000 + 7, actor_account_id=None, today=TODAY
        )
    took, took_cpu = time.perf_counter() - t, time.process_time() - cpu
    if prof:
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(a.profile)
    print(json.dumps({
        "bench": "estates_interest", "db": engine.dialect.name, "homes": a.homes, "interest_s": round(took, 2),
        "interest_cpu_s": round(took_cpu, 2), "load": round(os.getloadavg()[0], 1),
        "homes_per_s": round(a.homes / took), "journals": run["journals"], "allocated_homes": run["homes"],
        **{k: round(v, 2) for k, v in setup.items()}, "python": platform.python_version(),
    }))  # fmt: skip
    engine.dispose()
    if a.postgres and not a.keep and not a.reuse:
        drop_postgres(url)


if __name__ == "__main__":
    main()
