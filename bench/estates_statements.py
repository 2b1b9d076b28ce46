"""The maintenance fund's statement (对账单) with proofs: p50/p95 of one home's statement, on SQLite or
PostgreSQL (target: p95 ≤ 100 ms).

    python bench/estates_statements.py --homes 20000 --sqlite data/bench/statements.db
    python bench/estates_statements.py --homes 20000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_statements

Into a fresh database: the register, account and 分户账 of ``bench/estates_interest.py`` with deposits
in 2015, then every year's interest 2015–2025 through ``fund_interest.run_interest`` (one allocation
journal per building of 100 homes a year; the deposits one per estate and month, ~40 lines: a statement
has twelve movements, each proved in its journal). Then ``--samples`` statements of random homes
(``fund_queries.home_statement``: the movements, the log's current signed head, each line's proof in
its journal's lines root and the journal's entry in the log), each in its own transaction, timed.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import estates_interest as setup
from anju import ledger
from anju.core import migrate
from anju.core.db import make_engine
from anju.estates import fund_interest
from anju.estates.fund_queries import home_statement
from ledger import drop_postgres, fresh_postgres

FIRST, LAST = 2015, 2025
SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"  # a bench-only signing key


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--homes", type=int, default=20_000)
    ap.add_argument("--samples", type=int, default=200)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.sqlite:
        p = Path(a.sqlite)
        p.parent.mkdir(parents=True, exist_ok=True)
        for f in p.parent.glob(p.name + "*"):
            f.unlink()
        url = f"sqlite:///{p}"
    else:
        url = fresh_postgres(a.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    t = time.perf_counter()
    setup.build(engine, a.homes, year=FIRST)
    for year in range(FIRST, LAST + 1):
        with engine.begin() as c:
            fund_interest.run_interest(
                c, district_code=setup.DISTRICT, year=year, total_fen=a.homes * 1_200 + year, actor_account_id=None,
                today=setup.TODAY,
            )  # fmt: skip
    built = time.perf_counter() - t
    signer = ledger.signer_from_seed(SEED)
    rng = random.Random(5)
    times, lines = [], 0
    for _ in range(a.samples):
        home = rng.randrange(1, a.homes + 1)
        t = time.perf_counter()
        with engine.begin() as c:
            st = home_statement(c, home, f"H{home:022d}", 0, signer)
        times.append(time.perf_counter() - t)
        lines += len(st["lines"])
        assert all(x["proof"] for x in st["lines"])
    times.sort()
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    print(json.dumps({
        "bench": "estates_statements", "db": engine.dialect.name, "homes": a.homes, "samples": a.samples,
        "movements_per_statement": round(lines / a.samples, 1),
        "p50_ms": round(statistics.median(times) * 1000, 1), "p95_ms": round(p95 * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1), "build_s": round(built, 1), "python": platform.python_version(),
    }))  # fmt: skip
    engine.dispose()
    if a.postgres and not a.keep:
        drop_postgres(url)


if __name__ == "__main__":
    main()
