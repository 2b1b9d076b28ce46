"""Look-up latency through the HTTP API at full scale.

    python bench/lookups.py --database-url sqlite:////abs/path/full.db [--n 2000]

Starts ``anju serve`` on a loopback port over the given database, samples real house codes,
addresses and building ids from it, then times sequential requests with one keep-alive client:
home by house code (goal p99 ≤ 10 ms), address-text search (goal p95 ≤ 50 ms) and the as-of grid
of one building (goal p95 ≤ 20 ms). Prints JSON with p50/p95/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2)


def summary(xs: list[float]) -> dict[str, float]:
    return {
        "p50_ms": pct(xs, 50),
        "p95_ms": pct(xs, 95),
        "p99_ms": pct(xs, 99),
        "mean_ms": round(statistics.fmean(xs) * 1000, 2),
        "n": len(xs),
    }


def sample(url: str, n: int, seed: int) -> tuple[list[str], list[str], list[int]]:
    eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    rng = random.Random(seed)
    with eng.connect() as c:
        top = int(c.execute(text("SELECT MAX(id) FROM homes")).scalar_one())
        btop = int(c.execute(text("SELECT MAX(id) FROM buildings")).scalar_one())
        ids = [rng.randint(1, top) for _ in range(n)]
        rows = c.execute(
            text(
                "SELECT house_code, address, building_id, room_no, unit_no FROM homes WHERE id IN ("
                + ",".join(map(str, ids))
                + ")"
            )
        ).all()
        codes = [r[0] for r in rows]
        # address queries as a clerk types them: without the city prefix, building + unit + room
        addrs = [r[1].removeprefix("南京市") for r in rows]
        bids = [rng.randint(1, btop) for _ in range(n)]
    eng.dispose()
    return codes, addrs, bids


def bench_token(url: str, data_dir: Path) -> str:
    """A bearer token of a city officer (created once), so look-ups go through the real authorisation."""
    from anju.core import migrate
    from anju.core.db import make_engine
    from anju.core.settings import Settings
    from anju.security import Caller, NewAccount, Role, Security, create_account, issue_session

    settings = Settings(database_url=url, data_dir=data_dir, environment="development")
    engine = make_engine(settings.resolved_database_url)
    migrate.upgrade(engine)
    sec = Security(settings)
    with engine.begin() as c:
        aid = c.execute(text("SELECT id FROM accounts WHERE username = 'bench_lookups'")).scalar()
        if aid is None:
            cmd = NewAccount(
                username="bench_lookups",
                password="Bench-Passw0rd!",
                role=Role.city_officer,
                name="基准测试",
                division_code=settings.city_code,
            )
            aid = create_account(c, sec, cmd, Caller.system("bench")).account_id
        token, _, _ = issue_session(c, sec, int(aid), kind="api", ip="127.0.0.1")
    engine.dispose()
    return token


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    codes, addrs, bids = sample(args.database_url, args.n, args.seed)
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="anju-bench-lookups-")
    token = bench_token(args.database_url, Path(data_dir))
    env = {**os.environ, "ANJU_DATABASE_URL": args.database_url, "ANJU_LOG_LEVEL": "WARNING", "ANJU_DATA_DIR": data_dir}
    anju = str(Path(sys.executable).with_name("anju"))
    server = subprocess.Popen([anju, "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"authorization": f"Bearer {token}"}) as c:
            for _ in range(300):
                try:
                    if c.get("/stats").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            results: dict[str, object] = {}
            rng = random.Random(args.seed)

            def timed(path: str, params: dict[str, str] | None = None) -> float:
                t = time.perf_counter()
                r = c.get(path, params=params)
                dt = time.perf_counter() - t
                if r.status_code != 200:
                    raise RuntimeError(f"{path} {params} → {r.status_code} {r.text[:200]}")
                return dt

            for code in codes[:50]:  # warm-up
                timed(f"/homes/by-code/{code}")
            results["home_by_code"] = summary([timed(f"/homes/by-code/{code}") for code in codes])
            hits = 0
            times = []
            for a, code in zip(addrs, codes, strict=True):
                t = time.perf_counter()
                r = c.get("/search", params={"q": a})
                times.append(time.perf_counter() - t)
                hits += code in {h["house_code"] for h in r.json()["homes"]}
            results["address_search"] = summary(times) | {"found_share": round(hits / len(addrs), 4)}
            start = date(1990, 1, 1)
            results["building_as_of"] = summary(
                [
                    timed(
                        f"/buildings/{b}/grid", {"as_of": (start + timedelta(days=rng.randint(0, 13000))).isoformat()}
                    )
                    for b in bids
                ]
            )
            results["database"] = args.database_url.split(":", 1)[0]
            print(json.dumps(results, ensure_ascii=False))
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
