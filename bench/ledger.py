"""Verifiable log at scale: append throughput, proof latency, peak memory.

    python bench/ledger.py --entries 10000000 --sqlite data/bench/ledger.db
    python bench/ledger.py --entries 10000000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_ledger

Appends ``--entries`` entries of about ``--entry-bytes`` bytes in batches of ``--batch`` (one
transaction each, through ``ledger.append``) into a fresh database, calls ``ledger.after_bulk_load``
(on PostgreSQL a ``VACUUM (ANALYZE)``, timed apart; ``--no-vacuum`` skips it), then times ``--proofs`` random
inclusion proofs and as many consistency proofs at full size through the services, on a read
connection as the API opens it. A sample of the proofs is verified. Goals: append ≥ 20,000
entries/s; proof generation p99 ≤ 5 ms. The PostgreSQL database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from anju import ledger
from anju.core import migrate
from anju.core.db import UnitOfWork, make_engine
from anju.ledger import merkle


def fresh_postgres(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def db_size(url: str) -> int:
    if url.startswith("sqlite"):
        p = Path(url.split("///", 1)[1])
        return sum(f.stat().st_size for f in p.parent.glob(p.name + "*"))
    eng = create_engine(url)
    with eng.connect() as c:
        n = int(c.execute(text("SELECT pg_database_size(current_database())")).scalar_one())
    eng.dispose()
    return n


def make_entries(start: int, n: int, size: int) -> list[bytes]:
    """Entries shaped like what the platform logs: a small canonical JSON record."""
    out = []
    for i in range(start, start + n):
        rec = f'{{"seq":{i},"kind":"escrow.deposit","lease":"L{i * 7919 % 10**9:09d}","amount_fen":{i % 500000}}}'
        out.append(rec.encode().ljust(size, b" "))
    return out


def pct(xs: list[float], q: float) -> float:
    return round(statistics.quantiles(xs, n=100, method="inclusive")[int(q) - 1] * 1000, 3)


def latency(xs: list[float]) -> dict[str, float]:
    return {"p50": pct(xs, 50), "p95": pct(xs, 95), "p99": pct(xs, 99), "max": round(max(xs) * 1000, 3)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=10_000_000)
    ap.add_argument("--batch", type=int, default=50_000)
    ap.add_argument("--entry-bytes", type=int, default=100)
    ap.add_argument("--proofs", type=int, default=1000)
    ap.add_argument("--algorithm", choices=merkle.ALGORITHMS, default="sha256")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    ap.add_argument("--no-vacuum", action="store_true", help="skip ledger.after_bulk_load (to compare)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds of proofs; all but the last reported per round")
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
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as c:
        ledger.create_log(c, "bench", args.algorithm)

    appending = 0.0
    t_all = time.perf_counter()
    done = 0
    last_report = time.perf_counter()
    while done < args.entries:
        n = min(args.batch, args.entries - done)
        batch = make_entries(done, n, args.entry_bytes)
        t0 = time.perf_counter()
        with engine.begin() as c:
            first = ledger.append(c, "bench", batch)
        appending += time.perf_counter() - t0
        assert first == done
        done += n
        if time.perf_counter() - last_report > 30:
            last_report = time.perf_counter()
            print(f"  {done:,} appended, {done / appending:,.0f}/s", file=sys.stderr, flush=True)
    wall = time.perf_counter() - t_all
    t0 = time.perf_counter()
    if not args.no_vacuum:
        ledger.after_bulk_load(engine)  # PostgreSQL: VACUUM (ANALYZE) of leaves and nodes
    vacuum = time.perf_counter() - t0

    uow = UnitOfWork(engine)
    size = args.entries
    rng = random.Random(1)
    with uow.read() as c:
        head = ledger.tree_head(c, "bench")
    root = bytes.fromhex(head.root)
    checked = 0

    def proofs() -> tuple[list[float], list[float]]:
        """``--proofs`` random inclusion and consistency proofs at full size, each timed."""
        nonlocal checked
        inc: list[float] = []
        con: list[float] = []
        for k in range(args.proofs):
            index = rng.randrange(size)
            with uow.read() as c:
                t0 = time.perf_counter()
                p = ledger.inclusion_proof(c, "bench", index, size)
                inc.append(time.perf_counter() - t0)
            old = rng.randint(1, size)
            with uow.read() as c:
                t0 = time.perf_counter()
                q = ledger.consistency_proof(c, "bench", old, size)
                con.append(time.perf_counter() - t0)
            if k % 50 == 0:
                leaf = merkle.leaf_hash(make_entries(index, 1, args.entry_bytes)[0], args.algorithm)
                assert p.leaf_hash == leaf and p.root == root
                assert merkle.verify_inclusion(leaf, index, size, p.proof, root, args.algorithm)
                assert merkle.verify_consistency(old, size, q.old_root, q.root, q.proof, args.algorithm)
                checked += 1
        return inc, con

    earlier = [proofs() for _ in range(args.rounds - 1)]  # the first right after the load, caches cold
    inc, con = proofs()  # a last round of fresh random requests
    engine.dispose()
    out = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "entries": args.entries,
        "batch": args.batch,
        "entry_bytes": args.entry_bytes,
        "algorithm": args.algorithm,
        "append_s": round(appending, 1),
        "append_per_s": round(args.entries / appending),
        "wall_s": round(wall, 1),
        "after_bulk_load_s": None if args.no_vacuum else round(vacuum, 1),
        "earlier_rounds": [{"inclusion_ms": latency(i), "consistency_ms": latency(c)} for i, c in earlier],
        "inclusion_ms": latency(inc),
        "consistency_ms": latency(con),
        "proofs_verified": checked,
        "root": head.root,
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "db_size_mib": round(db_size(url) / 2**20),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    if args.postgres and not args.keep:
        drop_postgres(url)
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
