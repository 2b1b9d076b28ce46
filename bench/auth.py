"""Sign-in cost and the overhead of the authorisation layer.

    python bench/auth.py --sqlite data/bench/auth.db [--scale 0.01] [--n 3000]
    python bench/auth.py --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_auth

1. argon2id with the configured parameters: time to hash and to verify (p50 of 20), and a whole
   ``POST /api/v1/auth/token`` sign-in over HTTP (p50 of 20).
2. Authorisation overhead: the same app served twice by uvicorn on loopback — once as shipped, once
   in a benchmark-only harness whose policies are overridden to return a fixed caller (so no token
   look-up, no scope resolution, no permission check). Requests alternate between the two servers so
   both see the same machine state; the figure is the ratio of their latencies (goal ≤ 1.2×).

Builds a synthetic city of ``--scale`` into the database if it is empty. Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import random
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import select, text

from anju.app import create_app
from anju.core import migrate
from anju.core.db import make_engine
from anju.core.settings import Settings
from anju.security import Caller, NewAccount, Policy, Role, Security, create_account, issue_session, iter_routes

PASSWORD = "Bench-Passw0rd!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 3)


def serve(app: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    return f"http://127.0.0.1:{port}", server, thread


def bypass(app: Any, caller: Caller) -> None:
    """Benchmark-only: every route's policy returns ``caller`` without looking at the request."""

    async def fixed() -> Caller:
        return caller

    for _path, _methods, route in iter_routes(app):
        dep = getattr(route, "dependant", None)
        stack = [dep] if dep else []
        while stack:
            d = stack.pop()
            if isinstance(d.call, Policy):
                app.dependency_overrides[d.call] = fixed
            stack.extend(d.dependencies)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite")
    ap.add_argument("--postgres")
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--session-cache-seconds", type=float, default=2.0, help="0: look the session up every request")
    args = ap.parse_args()
    if bool(args.sqlite) == bool(args.postgres):
        ap.error("give exactly one of --sqlite PATH or --postgres URL")
    if args.postgres:
        from sqlalchemy import create_engine
        from sqlalchemy.engine import make_url

        u = make_url(args.postgres.replace("postgresql://", "postgresql+psycopg://"))
        admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": u.database}).first():
                c.execute(text(f'CREATE DATABASE "{u.database}"'))
        admin.dispose()
        url = args.postgres
    else:
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{Path(args.sqlite).resolve()}"
    data_dir = Path(tempfile.mkdtemp(prefix="anju-bench-auth-"))
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        environment="development",
        log_level="WARNING",
        staff_totp_required=False,
        rate_limit_login="100000/minute",
        session_cache_seconds=args.session_cache_seconds,
    )
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    with engine.connect() as c:
        empty = int(c.execute(text("SELECT COUNT(*) FROM homes")).scalar_one()) == 0
    if empty:
        from anju.synth import generate

        print(f"building a synthetic city, scale {args.scale} …", file=sys.stderr)
        generate(engine, args.scale, 1)
    sec = Security(settings)
    from anju.security import accounts

    system = Caller.system("bench")
    with engine.begin() as db:
        have = {r[0] for r in db.execute(select(accounts.c.username))}
        if "bench_city" not in have:
            officer = NewAccount(
                username="bench_city",
                password=PASSWORD,
                role=Role.city_officer,
                name="基准测试",
                division_code=settings.city_code,
            )
            create_account(db, sec, officer, system)
        if "bench_citizen" not in have:
            citizen = NewAccount(
                username="bench_citizen",
                password=PASSWORD,
                role=Role.citizen,
                name="基准测试",
                id_number="320102199003070025",
                phone="13900009999",
            )
            create_account(db, sec, citizen, system)
        aid = int(db.execute(select(accounts.c.id).where(accounts.c.username == "bench_city")).scalar_one())
        token, _, _ = issue_session(db, sec, aid, kind="api", ip="127.0.0.1")
        top = int(db.execute(text("SELECT MAX(id) FROM homes")).scalar_one())
        codes = [r[0] for r in db.execute(text("SELECT house_code FROM homes ORDER BY id LIMIT 5000"))]

    # 1. sign-in cost
    ph = sec.hasher
    hashes, verifies = [], []
    for _ in range(20):
        t0 = time.perf_counter()
        h = ph.hash(PASSWORD)
        hashes.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ph.verify(h, PASSWORD)
        verifies.append(time.perf_counter() - t0)
    shipped = create_app(settings)
    base_a, server_a, thread_a = serve(shipped)
    signins = []
    with httpx.Client(base_url=base_a, timeout=30) as c:
        for _ in range(20):
            t0 = time.perf_counter()
            r = c.post("/api/v1/auth/token", json={"username": "bench_citizen", "password": PASSWORD})
            signins.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text

    # 2. authorisation overhead, alternating between the shipped app and the bypass harness
    harness = create_app(settings)
    from anju.core.scope import Scope

    fixed = Caller(aid, "bench_city", Role.city_officer, settings.city_code, Scope.whole_city(settings.city_code))
    bypass(harness, fixed)
    base_b, server_b, thread_b = serve(harness)
    rng = random.Random(7)
    paths: dict[str, Callable[[], str]] = {
        "home by id": lambda: f"/api/v1/homes/{rng.randint(1, top)}",
        "home by code": lambda: f"/api/v1/homes/by-code/{rng.choice(codes)}",
    }
    results: dict[str, Any] = {}
    hdr = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base_a, headers=hdr, timeout=30) as ca, httpx.Client(base_url=base_b, timeout=30) as cb:
        for name, make in paths.items():
            for client in (ca, cb):  # warm up
                for _ in range(200):
                    client.get(make())
            ta: list[float] = []
            tb: list[float] = []
            for i in range(args.n * 2):
                p = make()
                client, sink = (ca, ta) if i % 2 == 0 else (cb, tb)
                t0 = time.perf_counter()
                r = client.get(p)
                sink.append(time.perf_counter() - t0)
                assert r.status_code in (200, 404), r.text
            results[name] = {
                "with_authorisation": {
                    "p50_ms": pct(ta, 50),
                    "p95_ms": pct(ta, 95),
                    "mean_ms": round(statistics.fmean(ta) * 1000, 3),
                },
                "bypassed": {
                    "p50_ms": pct(tb, 50),
                    "p95_ms": pct(tb, 95),
                    "mean_ms": round(statistics.fmean(tb) * 1000, 3),
                },
                "ratio_p50": round(pct(ta, 50) / pct(tb, 50), 3),
                "ratio_mean": round(statistics.fmean(ta) / statistics.fmean(tb), 3),
            }
    for s in (server_a, server_b):
        s.should_exit = True
    thread_a.join(10)
    thread_b.join(10)
    out = {
        "database": engine.dialect.name,
        "argon2": {
            "time_cost": settings.argon2_time_cost,
            "memory_kib": settings.argon2_memory_kib,
            "parallelism": settings.argon2_parallelism,
            "hash_p50_ms": pct(hashes, 50),
            "verify_p50_ms": pct(verifies, 50),
        },
        "sign_in_http_p50_ms": pct(signins, 50),
        "overhead": results,
        "n": args.n,
        "session_cache_seconds": args.session_cache_seconds,
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
