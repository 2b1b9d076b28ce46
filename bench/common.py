"""What the dashboard and refresh benchmarks share (``plan_dashboard``, ``market_dashboard``,
``streets_refresh``, ``renewal_progress``): percentiles, a fresh database (a SQLite file replaced, or a
PostgreSQL database made anew), the city's divisions loaded, bench accounts with API tokens, and the
timing of GET endpoints through the ASGI app (a warm-up, then ``n`` timed requests).

Bench scripts put this folder on ``sys.path`` and ``from common import …``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text

#: A request to time: () -> (path, query parameters), drawn anew for each request.
Request = Callable[[], tuple[str, dict[str, Any]]]


def pct(xs: list[float], p: float) -> float:
    """The ``p``-th percentile of durations in seconds, in milliseconds (nearest rank)."""
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2)


def pg_database(admin_url: str, name: str) -> str:
    """The database ``name`` made anew on the PostgreSQL server of ``admin_url``; its URL."""
    eng = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    eng.dispose()
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


def fresh_sqlite(path: str) -> str:
    """The SQLite file at ``path`` removed (with its -wal/-shm) so the bench starts empty; its URL."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    for f in p.parent.glob(p.name + "*"):
        f.unlink()
    return f"sqlite:///{p}"


def load_city(engine: Engine, city: str) -> list[Any]:
    """The city's divisions loaded; its streets (``Division`` rows, with parent and managing codes)."""
    from anju import divisions

    with engine.begin() as c:
        divisions.load_city(c, city)
        return list(divisions.by_level(c, "street"))


def officer_tokens(engine: Engine, settings: Any, city: str, district: str) -> dict[str, str]:
    """A city officer and a district officer of ``district`` made for the bench: role → API token."""
    from anju.security import Caller, NewAccount, Role, Security, create_account, issue_session

    sec = Security(settings)
    tokens = {}
    with engine.begin() as c:
        for who, role, division in (
            ("bench_city", Role.city_officer, city),
            ("bench_district", Role.district_officer, district),
        ):
            cmd = NewAccount(
                username=who, password="Bench-Passw0rd!", role=role, name="基准测试", division_code=division
            )
            aid = create_account(c, sec, cmd, Caller.system("bench")).account_id
            tokens[who.removeprefix("bench_")], _, _ = issue_session(c, sec, int(aid), kind="api", ip="127.0.0.1")
    return tokens


def time_endpoints(
    client: Any, database: str, tokens: dict[str, str], endpoints: dict[str, Request], n: int
) -> list[dict[str, Any]]:
    """Each endpoint per role: 10 warm-up requests, then ``n`` timed ones (every answer must be 200);
    one row per role × endpoint with p50/p95/p99 and the mean in ms."""
    out = []
    for who, token in tokens.items():
        h = {"Authorization": f"Bearer {token}"}
        for name, make in endpoints.items():
            for _ in range(10):  # warm-up
                path, params = make()
                r = client.get(path, params=params, headers=h)
                assert r.status_code == 200, (path, r.text[:200])
            xs = []
            for _ in range(n):
                path, params = make()
                t0 = time.perf_counter()
                r = client.get(path, params=params, headers=h)
                xs.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text
            out.append(
                {"database": database, "role": who, "endpoint": name, "n": n, "p50_ms": pct(xs, 50),
                 "p95_ms": pct(xs, 95), "p99_ms": pct(xs, 99), "mean_ms": round(statistics.fmean(xs) * 1000, 2)}
            )  # fmt: skip
    return out
