"""The public transaction pages (网上房地产) through the running server, on a database holding the
synthetic market history: the figures (page and API), the project list, a project's page, a
building's sales table (page and API).

    python bench/tx_public_pages.py --database-url sqlite:////abs/path/market.db [--n 60] [--label after]
    python bench/tx_public_pages.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/anju_x

Starts ``anju serve`` (one worker, in a child process, over the code on ``PYTHONPATH``: run it once
with the old code's ``src`` and once with the new to compare) and times sequential requests of one
keep-alive client: per route 5 warm-up requests, then ``--n`` timed ones over a sample of projects
and buildings with presale permits (seeded). Reports per route p50/p95/p99 and the mean (ms, wall
time seen by the client on loopback), the server process's CPU seconds spent on the route's timed
requests (``/proc/<pid>/stat``: on a shared machine wall ÷ CPU shows the share of a core it got; the
PostgreSQL server's own CPU is not in it) and the 1-minute load average before and after. JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
from anju.transactions import presale_permit_homes, presale_permits, resale_contracts, sale_contracts

API = "/api/v1/transactions"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 1)


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its children so far."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pids = [pid]
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(k) for k in kids]
    except OSError:
        pass
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def sample(url: str, rng: random.Random, k: int) -> tuple[list[int], list[int], dict[str, int]]:
    eng = create_engine(url)
    pph = presale_permit_homes
    with eng.connect() as c:
        projects = sorted({int(p) for p in c.execute(select(presale_permits.c.project_id).distinct()).scalars()})
        buildings = sorted({int(b) for b in c.execute(select(pph.c.building_id).distinct()).scalars()})
        sizes = {
            "sale_contracts": int(c.execute(select(func.count()).select_from(sale_contracts)).scalar_one()),
            "resale_contracts": int(c.execute(select(func.count()).select_from(resale_contracts)).scalar_one()),
            "projects_with_permits": len(projects),
            "buildings_with_permits": len(buildings),
            "permitted_homes": int(c.execute(select(func.count()).select_from(pph)).scalar_one()),
        }
    eng.dispose()
    return rng.sample(projects, min(k, len(projects))), rng.sample(buildings, min(k, len(buildings))), sizes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--n", type=int, default=60)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--label", default="")
    a = ap.parse_args()
    rng = random.Random(a.seed)
    projects, buildings, sizes = sample(a.database_url, rng, 50)
    pages = max(1, sizes["projects_with_permits"] // 20)
    routes: dict[str, Callable[[], str]] = {
        "GET /api/v1/transactions/public/figures": lambda: f"{API}/public/figures",
        "GET /transactions/figures": lambda: "/transactions/figures",
        "GET /transactions/projects (pages 1–5)": lambda: (
            f"/transactions/projects?page={rng.randint(1, min(5, pages))}"
        ),
        "GET /transactions/projects/{id}": lambda: f"/transactions/projects/{rng.choice(projects)}",
        "GET /transactions/buildings/{id}": lambda: f"/transactions/buildings/{rng.choice(buildings)}",
        "GET /api/v1/transactions/public/buildings/{id}/sales": (
            lambda: f"{API}/public/buildings/{rng.choice(buildings)}/sales"
        ),
    }
    out: dict[str, Any] = {"label": a.label, "database": a.database_url.split(":", 1)[0], "sizes": sizes, "routes": []}
    with loadgen.serve_anju(a.database_url) as base:
        pid = next(
            int(p.name)
            for p in Path("/proc").iterdir()
            if p.name.isdigit()
            and b"serve" in (p / "cmdline").read_bytes()
            and base.rsplit(":", 1)[1].encode() in (p / "cmdline").read_bytes()
        )
        with httpx.Client(base_url=base, timeout=120) as client:
            for name, make in routes.items():
                for _ in range(5):
                    r = client.get(make())
                    assert r.status_code == 200, (name, r.status_code, r.text[:200])
                load0, cpu0, xs = os.getloadavg()[0], server_cpu(pid), []
                for _ in range(a.n):
                    path = make()
                    t0 = time.perf_counter()
                    r = client.get(path)
                    xs.append(time.perf_counter() - t0)
                    assert r.status_code == 200, (path, r.status_code)
                cpu = server_cpu(pid) - cpu0
                out["routes"].append(
                    {"route": name, "n": a.n, "p50_ms": pct(xs, 50), "p95_ms": pct(xs, 95), "p99_ms": pct(xs, 99),
                     "mean_ms": round(statistics.fmean(xs) * 1000, 1),
                     "server_cpu_ms_per_request": round(cpu / a.n * 1000, 1),
                     "load_1min": [round(load0, 1), round(os.getloadavg()[0], 1)]}
                )  # fmt: skip
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
