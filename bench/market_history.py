"""The synthetic market history (issue 18): generation + load time, rows/s and peak memory.

    python bench/market_history.py --scale 0.05 --sqlite data/bench/market.db
    python bench/market_history.py --scale 0.05 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_market

Builds the city and its owners first (``anju synth --no-rental --no-market`` in a child process, not
timed here: ``bench/synth_load.py`` measures it), then runs the market step alone in a second child
(:func:`anju.synth.generate_market`) and reports its wall time, the rows it wrote per table, rows/s,
sales/s, the child's CPU time (on a shared machine, wall time ÷ CPU time shows the share of a core it
got; the database server's own CPU is not in it) and its peak resident memory (``getrusage``; the
interpreter and imports included).
Fund-supervision journals are not part of the history yet (built separately): not measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

CHILD = """
import json, resource, sys, time
from pathlib import Path
from anju.core import runtime
from anju.security import keyring_from_settings
from anju.synth import generate_market
settings = runtime.settings()
engine = runtime.engine(settings)
t = time.perf_counter()
r = generate_market(engine, keyring_from_settings(settings), int(sys.argv[1]), scale=float(sys.argv[2]),
                    batch=settings.import_batch_rows, truth_dir=Path(sys.argv[3]))
secs = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": secs, "peak_rss_mb": ru.ru_maxrss / 1024, "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "report": r.__dict__}, ensure_ascii=False))
"""

SYNTH = (sys.executable, "-m", "anju", "synth")
TABLES = (
    "developers",
    "sale_projects",
    "presale_permits",
    "presale_permit_homes",
    "home_prices",
    "sale_contracts",
    "resale_contracts",
    "registrations",
    "restriction_records",
)


def fresh_postgres(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


def counts(url: str) -> dict[str, int]:
    eng = create_engine(url)
    with eng.connect() as c:
        out = {t: int(c.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar_one()) for t in TABLES}
        out["home_owners"] = int(c.execute(text("SELECT COUNT(*) FROM home_owners")).scalar_one())
    eng.dispose()
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=0.05)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--truth", type=Path, default=Path("data/bench/truth"))
    ap.add_argument("--reuse", action="store_true", help="the database already holds the city and owners")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite", type=Path, help="path of a new SQLite file")
    g.add_argument("--postgres", help="URL of a PostgreSQL database to (re)create")
    args = ap.parse_args()
    if args.sqlite:
        args.sqlite.parent.mkdir(parents=True, exist_ok=True)
        if not args.reuse:
            for f in args.sqlite.parent.glob(args.sqlite.name + "*"):
                f.unlink()
        url = f"sqlite:///{args.sqlite}"
    else:
        url = args.postgres if args.reuse else fresh_postgres(args.postgres)
    env = {**os.environ, "ANJU_DATABASE_URL": url, "PYTHONPATH": "src"}
    t0 = time.perf_counter()
    if not args.reuse:
        subprocess.run(
            [*SYNTH, "--scale", str(args.scale), "--seed", str(args.seed), "--no-rental", "--no-market"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    city_s = time.perf_counter() - t0
    before = counts(url)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(args.seed), str(args.scale), str(args.truth)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    child = json.loads(out.stdout.strip().splitlines()[-1])
    after = counts(url)
    written = {t: after[t] - before[t] for t in after}
    rows = sum(written.values())
    rep = child["report"]
    sales = rep["new_sales"] + rep["resales"] + rep["pending_resales"]
    secs = child["seconds"]
    result = {
        "backend": "sqlite" if args.sqlite else "postgresql",
        "scale": args.scale,
        "city_and_owners_seconds": round(city_s, 1),
        "market_seconds": round(secs, 1),
        "market_process_cpu_seconds": round(child.get("cpu_seconds", 0.0), 1),
        "rows_written": rows,
        "rows_per_s": round(rows / secs),
        "sales": sales,
        "sales_per_s": round(sales / secs),
        "registrations": rep["registrations"],
        "peak_rss_mb": round(child["peak_rss_mb"]),
        "extrapolated_scale_1_seconds": round(secs / args.scale),
        "written": written,
        "sales_by_year": rep["sales_by_year"],
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "self_maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
