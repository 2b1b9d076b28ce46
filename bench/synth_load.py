"""Full-scale synthetic generation + load: wall time and peak memory.

    python bench/synth_load.py --scale 1.0 --sqlite data/bench/full.db
    python bench/synth_load.py --scale 1.0 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench

Runs ``anju synth`` in a child process against a fresh database and reports wall time, the child's
peak resident memory (getrusage of children), the row counts and the database size. The city only
(``--no-people``) unless ``--people`` is given: the people step has its own benchmark
(``bench/assistance_eligibility.py build``). ``--rental`` adds the people and the rental market
(≈1M filed leases at scale 1.0) and reports the rental step's time and counts.
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


def fresh_postgres(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


def db_size(url: str) -> int:
    if url.startswith("sqlite"):
        p = Path(url.split("///", 1)[1])
        return sum(f.stat().st_size for f in p.parent.glob(p.name + "*"))
    eng = create_engine(url)
    with eng.connect() as c:
        n = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    eng.dispose()
    return n


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--people", action="store_true", help="also generate owners and the assistance history")
    ap.add_argument("--rental", action="store_true", help="also the rental market (implies --people)")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite", type=Path, help="path of a new SQLite file")
    g.add_argument("--postgres", help="URL of a PostgreSQL database to (re)create")
    args = ap.parse_args()
    if args.sqlite:
        for f in args.sqlite.parent.glob(args.sqlite.name + "*"):
            f.unlink()
        args.sqlite.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{args.sqlite.resolve()}"
    else:
        url = fresh_postgres(args.postgres)
    env = {**os.environ, "ANJU_DATABASE_URL": url}
    anju = str(Path(sys.executable).with_name("anju"))
    t0 = time.perf_counter()
    proc = subprocess.run(
        [
            anju,
            "synth",
            "--scale",
            str(args.scale),
            "--seed",
            str(args.seed),
            "--people" if args.people or args.rental else "--no-people",
            "--rental" if args.rental else "--no-rental",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "scale": args.scale,
        "seed": args.seed,
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(peak_kib / 1024),
        "db_size_mib": round(db_size(url) / 2**20),
        "rows": {
            k: report[k] for k in ("estates", "buildings", "homes", "home_versions", "building_versions", "rooms")
        },
        **{k: report[k] for k in ("seconds", "people_seconds", "rental_seconds", "rental") if k in report},
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
