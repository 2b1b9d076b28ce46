"""Allocation throughput under concurrent selection (选房), and the proof that no home is allocated twice.

    python bench/assistance_allocation.py --sqlite /tmp/ab/alloc.db
    python bench/assistance_allocation.py --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_alloc

Builds a fresh database (migrations, a small synthetic city of ``--scale``, the sample programmes),
then ``--threads`` draws of ``--per-thread`` approved one-person households each (one priority class
per thread, frozen and drawn through the services) and as many one-bedroom assisted homes per phase.
Every selection is one write transaction through ``selection.select_home`` (the draw's row lock, the
savepoint-guarded insert, the application, benefits, the log entry), as the API runs it without HTTP.

* **disjoint** — each thread selects for its own draw's candidates, in rank order, from its own homes:
  no two threads want the same home.
* **race** — new draws; every thread picks the *first* available home of one shared pool and, when
  another thread got it first (409 naming ``home_id``), counts the conflict and tries the next one.

Reports selections/s and the latency of successful selections (p50 / p99, ms), the conflicts, and
checks the database: zero homes or applications with two active allocations, every allocated home
has exactly one active allocation. The PostgreSQL database is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from anju.assistance import catalogue, domain, drawing, selection, tenancy
from anju.assistance.tables import allocations, application_members, applications, assisted_homes, draw_candidates
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.errors import Conflict
from anju.core.scope import SYSTEM
from anju.registry import homes
from anju.security import Caller

PROGRAMME = "public_rental"


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


def ms(xs: list[float], q: int) -> float:
    if len(xs) < 2:
        return round((xs[0] if xs else 0.0) * 1000, 2)
    return round(statistics.quantiles(xs, n=100, method="inclusive")[q - 1] * 1000, 2)


class Builder:
    """Approved households and assisted homes, written in bulk (no encryption: nothing decrypts them)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.n = 0
        with engine.connect() as conn:
            self.edition_id, _ = catalogue.in_force(conn, PROGRAMME, clock.today())
            self.free_homes = [
                (int(r.id), str(r.street_code))
                for r in conn.execute(
                    select(homes.c.id, homes.c.street_code).where(homes.c.status == "使用").order_by(homes.c.id)
                )
            ]

    def households(self, priority: str, count: int) -> None:
        now = clock.now()
        street = self.free_homes[0][1]
        with self.engine.begin() as conn:
            rows = []
            for _ in range(count):
                self.n += 1
                rows.append(
                    {
                        "app_no": f"BA{self.n:08d}",
                        "programme_code": PROGRAMME,
                        "edition_id": self.edition_id,
                        "district_code": street[:6],
                        "street_code": street,
                        "status": "approved",
                        "priority_class": priority,
                        "household_size": 1,
                        "housing_status": "rented",
                        "eligible": True,
                        "checked_at": now,
                        "submitted_at": now - timedelta(days=60, seconds=-self.n),
                        "decided_at": now - timedelta(days=1),
                        "created_at": now - timedelta(days=90),
                        "updated_at": now,
                        "version": 1,
                    }
                )
            conn.execute(applications.insert(), rows)
            ids = conn.execute(
                select(applications.c.id, applications.c.app_no).where(applications.c.priority_class == priority)
            ).all()
            conn.execute(
                application_members.insert(),
                [
                    {
                        "application_id": int(r.id),
                        "seq": 0,
                        "relation": "本人",
                        "name_enc": b"-",
                        "id_number_enc": b"-",
                        "id_bidx": hashlib.sha256(r.app_no.encode()).hexdigest(),
                        "birth_year": 1980,
                        "annual_income_fen": 2_000_000,
                        "assets_fen": 0,
                        "local_hukou": True,
                        "hukou_years": 10,
                        "social_insurance_months": 60,
                        "employed": True,
                        "pending": 1,
                    }
                    for r in ids
                ],
            )

    def homes(self, count: int) -> list[int]:
        if count > len(self.free_homes):
            raise SystemExit(f"the city has only {len(self.free_homes)} more homes in use; raise --scale")
        take, self.free_homes = self.free_homes[:count], self.free_homes[count:]
        ids = [h for h, _ in take]
        with self.engine.begin() as conn:
            for i in range(0, len(ids), 5000):
                tenancy.make_assisted(conn, PROGRAMME, ids[i : i + 5000], scope=SYSTEM)
            conn.execute(assisted_homes.update().where(assisted_homes.c.home_id.in_(ids)).values(bedrooms=1))
        return ids


def draws_for(engine: Engine, b: Builder, phase: str, threads: int, per_thread: int) -> list[tuple[int, list[int]]]:
    """One drawn draw per thread: (draw id, its applications in rank order)."""
    system = Caller.system("bench")
    out = []
    for t in range(threads):
        cls = f"{phase}{t}"
        b.households(cls, per_thread)
        with engine.begin() as conn:
            draw_id = drawing.freeze_draw(conn, system, PROGRAMME, cls, f"bench {cls}")
            drawing.run_draw(conn, system, draw_id, f"{phase}-{t}", "bench", ["bench"])
            order = [
                int(x)
                for x in conn.execute(
                    select(draw_candidates.c.application_id)
                    .where(draw_candidates.c.draw_id == draw_id)
                    .order_by(draw_candidates.c.rank)
                ).scalars()
            ]
        out.append((draw_id, order))
    return out


def run_phase(
    engine: Engine, work: list[tuple[int, list[int]]], pick: Callable[[int, int], Iterable[int]]
) -> dict[str, Any]:
    """Each thread selects for its draw's candidates in order; ``pick(thread, i)`` gives the homes to
    try, in order, for its i-th candidate (the next is tried after a 409 naming ``home_id``)."""
    system = Caller.system("bench")
    lat: list[list[float]] = [[] for _ in work]
    conflicts = [0] * len(work)
    errors: list[str] = []
    barrier = threading.Barrier(len(work))

    def worker(t: int) -> None:
        draw_id, order = work[t]
        barrier.wait()
        for i, app_id in enumerate(order):
            for home_id in pick(t, i):
                t0 = time.perf_counter()
                try:
                    with engine.begin() as conn:
                        selection.select_home(conn, system, draw_id, app_id, home_id)
                    lat[t].append(time.perf_counter() - t0)
                    break
                except Conflict as e:
                    if e.errors and e.errors[0].field == "home_id":
                        conflicts[t] += 1
                        continue
                    errors.append(f"{type(e).__name__}: {e.message}")
                    break
                except Exception as e:  # a benchmark reports, it does not stop
                    errors.append(f"{type(e).__name__}: {e}")
                    break

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(len(work))]
    t0 = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    seconds = time.perf_counter() - t0
    ok = [x for xs in lat for x in xs]
    return {
        "selections": len(ok),
        "seconds": round(seconds, 2),
        "per_second": round(len(ok) / seconds, 1),
        "p50_ms": ms(ok, 50),
        "p99_ms": ms(ok, 99),
        "conflicts": sum(conflicts),
        "errors": len(errors),
        "first_errors": errors[:3],
    }


def check(engine: Engine) -> dict[str, int]:
    """What the database holds: no home or application with two active allocations."""
    with engine.connect() as conn:
        dup_homes = conn.execute(
            select(func.count()).select_from(
                select(allocations.c.home_id)
                .where(allocations.c.active == 1)
                .group_by(allocations.c.home_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        dup_apps = conn.execute(
            select(func.count()).select_from(
                select(allocations.c.application_id)
                .where(allocations.c.active == 1)
                .group_by(allocations.c.application_id)
                .having(func.count() > 1)
                .subquery()
            )
        ).scalar_one()
        active = conn.execute(
            select(func.count()).select_from(allocations).where(allocations.c.active == 1)
        ).scalar_one()
        allocated_homes = conn.execute(
            select(func.count()).select_from(assisted_homes).where(assisted_homes.c.status == "allocated")
        ).scalar_one()
    return {
        "active_allocations": int(active),
        "homes_marked_allocated": int(allocated_homes),
        "homes_allocated_twice": int(dup_homes),
        "applications_allocated_twice": int(dup_apps),
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=8)
    ap.add_argument("--per-thread", type=int, default=150, help="candidates per thread and phase")
    ap.add_argument("--scale", type=float, default=0.005, help="synthetic city scale (homes to allocate from)")
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite", type=Path, help="path of a new SQLite file")
    g.add_argument("--postgres", help="URL of a PostgreSQL database to (re)create")
    args = ap.parse_args()
    if args.sqlite:
        args.sqlite.parent.mkdir(parents=True, exist_ok=True)
        for f in args.sqlite.parent.glob(args.sqlite.name + "*"):
            f.unlink()
        url = f"sqlite:///{args.sqlite}"
    else:
        url = fresh_postgres(args.postgres)
    engine = make_engine(url)  # its pool holds a connection per thread (PostgreSQL 10 + 10 overflow)
    t0 = time.perf_counter()
    migrate.upgrade(engine)
    from anju.synth import generate

    generate(engine, args.scale, 7, batch=5000)
    with engine.begin() as conn:
        catalogue.load_programmes(conn, domain.load_policies(domain.sample_policy_path("320100")))
    b = Builder(engine)
    n = args.threads * args.per_thread
    disjoint_work = draws_for(engine, b, "d", args.threads, args.per_thread)
    own = b.homes(n)
    shared_work = draws_for(engine, b, "r", args.threads, args.per_thread)
    b.homes(n)  # the shared pool: the only available homes left after the disjoint phase
    setup = time.perf_counter() - t0
    print(f"setup {setup:.1f} s: {n} candidates and homes per phase", file=sys.stderr, flush=True)

    disjoint = run_phase(engine, disjoint_work, lambda t, i: [own[t * args.per_thread + i]])

    def first_free(t: int, i: int) -> Iterator[int]:
        """Like a client refreshing the list: the first available home (every thread sees the same)."""
        while True:
            with engine.connect() as conn:
                h = conn.execute(
                    select(assisted_homes.c.home_id)
                    .where(assisted_homes.c.status == "available", assisted_homes.c.programme_code == PROGRAMME)
                    .order_by(assisted_homes.c.home_id)
                    .limit(1)
                ).scalar()
            if h is None:
                return
            yield int(h)

    race = run_phase(engine, shared_work, first_free)
    result = {
        "database": "PostgreSQL" if url.startswith("postgresql") else "SQLite",
        "threads": args.threads,
        "per_thread": args.per_thread,
        "scale": args.scale,
        "setup_seconds": round(setup, 1),
        "disjoint": disjoint,
        "race": race,
        "check": check(engine),
        "python": platform.python_version(),
    }
    engine.dispose()
    if args.postgres and not args.keep:
        drop_postgres(url)
    print(json.dumps(result, ensure_ascii=False))
    c = result["check"]
    for name, r in (("disjoint homes", disjoint), ("racing for the same homes", race)):
        print(
            f"| {result['database']} | {name} | {args.threads} | {r['selections']} | {r['per_second']} | "
            f"{r['p50_ms']} / {r['p99_ms']} | {r['conflicts']} | {c['homes_allocated_twice']} |"
        )
    return 0 if c["homes_allocated_twice"] == 0 and c["applications_allocated_twice"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
