"""Housing-assistance eligibility check against the full-scale register: time, rate, peak memory.

    # the full-scale city with owners and applications (once; the people step alone if the city exists)
    python bench/assistance_eligibility.py build --db sqlite:///data/bench/full_as.db
    python bench/assistance_eligibility.py build --db postgresql://postgres@127.0.0.1:5432/anju_bench_full_as
    # the check: eligibility.check_many over 100,000 pending applications in batches, then check_all
    python bench/assistance_eligibility.py check --db sqlite:///data/bench/full_as.db
    python bench/assistance_eligibility.py check --db postgresql://postgres@127.0.0.1:5432/anju_bench_full_as

``build`` runs ``anju synth --scale S --seed N`` (city and people) on an empty database, or only the
people step (``generate_people``) on a database that has the city but no applications, in a child
process, and reports its wall time, peak resident memory and the database size. ``check`` reads the
ids of up to ``--n`` pending applications (submitted, returned, notice, approved; others fill up if
there are fewer), runs ``check_many(conn, batch, today, store=False)`` over them batch by batch on
one connection, then ``check_all`` (which re-checks every pending application and stores the
result, one transaction per batch of 20,000), and prints one JSON line.
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

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]


def _url(url: str) -> str:
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def db_size(url: str) -> int:
    if url.startswith("sqlite"):
        p = Path(url.split("///", 1)[1])
        return sum(f.stat().st_size for f in p.parent.glob(p.name + "*"))
    eng = create_engine(_url(url))
    with eng.connect() as c:
        n = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    eng.dispose()
    return n


def ensure_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.split("///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        return
    u = make_url(_url(url))
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first():
            c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()


def build(args: argparse.Namespace) -> int:
    from anju.assistance import applications
    from anju.core import migrate
    from anju.core.db import make_engine
    from anju.registry import homes

    ensure_database(args.db)
    engine = make_engine(args.db)
    migrate.upgrade(engine)
    with engine.connect() as c:
        has_city = c.execute(select(homes.c.id).limit(1)).first() is not None
        has_people = c.execute(select(applications.c.id).limit(1)).first() is not None
        n_homes = int(c.execute(select(func.count()).select_from(homes)).scalar_one()) if has_city else 0
    engine.dispose()
    if has_people:
        print("the database already has applications: nothing to build", file=sys.stderr)
        return 1
    env = {**os.environ, "ANJU_DATABASE_URL": args.db}
    if has_city:
        cmd = [
            sys.executable,
            __file__,
            "people",
            "--db",
            args.db,
            "--seed",
            str(args.seed),
            "--scale",
            str(args.scale),
        ]
        step = "people"
    else:
        anju = str(Path(sys.executable).with_name("anju"))
        cmd = [anju, "synth", "--scale", str(args.scale), "--seed", str(args.seed)]
        step = "city+people"
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        return proc.returncode
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    out = {
        "database": "sqlite" if args.db.startswith("sqlite") else "postgresql",
        "step": step,
        "homes": n_homes or report.get("homes"),
        "wall_s": round(wall, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "db_size_mib": round(db_size(args.db) / 2**20),
        "report": report,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(out, ensure_ascii=False))
    return 0


def people(args: argparse.Namespace) -> int:
    """The people step alone, in this process (``build`` runs it as a child)."""
    from anju.core.db import make_engine
    from anju.core.settings import load_settings
    from anju.security import keyring_from_settings
    from anju.synth import generate_people

    settings = load_settings()
    engine = make_engine(args.db)
    t0 = time.perf_counter()

    def progress(msg: str, frac: float) -> None:
        print(f"[{frac * 100:5.1f}%] {time.perf_counter() - t0:7.1f}s {msg}", file=sys.stderr, flush=True)

    report = generate_people(
        engine,
        keyring_from_settings(settings),
        args.seed,
        scale=args.scale,
        batch=settings.import_batch_rows,
        progress=progress,
    )
    print(json.dumps(report.__dict__ | {"seconds": round(time.perf_counter() - t0, 1)}, ensure_ascii=False))
    return 0


def check(args: argparse.Namespace) -> int:
    from anju.assistance import AppStatus, applications, check_all, check_many, domain
    from anju.core import clock
    from anju.core.db import make_engine

    engine = make_engine(args.db)
    on = clock.today()
    pending = [s.value for s in domain.PENDING]
    with engine.connect() as c:
        ids = [
            int(x)
            for x in c.execute(
                select(applications.c.id).where(applications.c.status.in_(pending)).order_by(applications.c.id)
            ).scalars()
        ][: args.n]
        if len(ids) < args.n:
            more = c.execute(
                select(applications.c.id)
                .where(applications.c.status.not_in(pending))
                .order_by(applications.c.id)
                .limit(args.n - len(ids))
            ).scalars()
            ids += [int(x) for x in more]
        q = select(applications.c.status, func.count()).group_by(applications.c.status)
        by_status = {r[0]: int(r[1]) for r in c.execute(q)}
    results: dict[str, object] = {
        "database": engine.dialect.name,
        "applications": sum(by_status.values()),
        "pending": sum(v for k, v in by_status.items() if k in pending),
        "submitted": by_status.get(AppStatus.submitted.value, 0),
        "checked": len(ids),
    }
    for size in args.batch:
        eligible = 0
        t0 = time.perf_counter()
        with engine.connect() as c:
            for i in range(0, len(ids), size):
                res = check_many(c, ids[i : i + size], on, store=False)
                eligible += sum(1 for e in res.values() if e.eligible)
        s = time.perf_counter() - t0
        results[f"check_many_batch_{size}"] = {
            "seconds": round(s, 1),
            "per_second": round(len(ids) / s),
            "eligible": eligible,
        }
        print(json.dumps({size: results[f"check_many_batch_{size}"]}), file=sys.stderr, flush=True)
    if not args.no_check_all:
        t0 = time.perf_counter()
        counts = check_all(engine)
        s = time.perf_counter() - t0
        results["check_all"] = counts | {"seconds": round(s, 1), "per_second": round(counts["checked"] / s)}
    results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    results["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(json.dumps(results, ensure_ascii=False))
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    p = sub.add_parser("people")
    for x in (b, p):
        x.add_argument("--db", required=True)
        x.add_argument("--scale", type=float, default=1.0)
        x.add_argument("--seed", type=int, default=1)
    c = sub.add_parser("check")
    c.add_argument("--db", required=True)
    c.add_argument("--n", type=int, default=100_000)
    c.add_argument("--batch", type=int, nargs="+", default=[5000, 20000])
    c.add_argument("--no-check-all", action="store_true", help="skip check_all (it stores its results)")
    args = ap.parse_args()
    return {"build": build, "people": people, "check": check}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
