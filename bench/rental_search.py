"""Public listing search latency (GET /api/v1/rental/public/listings) through the HTTP API.

    python bench/rental_search.py --database-url sqlite:////abs/path/city.db [--listings 100000] [--n 1000]

Makes sure the database has ``--listings`` published listings (adds the missing ones in bulk, on
homes of real buildings with their centroids, rents 1,000–15,000 yuan), starts ``anju serve`` on a
loopback port and times sequential requests of one keep-alive client over a realistic mix of
filters: a district, a street, a rent range, an area range, bedrooms, mode, sorted by newest or rent,
and near a real address (bounding box + distance ordering). Also times a trivial endpoint of the same
server for the ratio. Prints JSON with p50/p95/p99 in milliseconds (goal: p95 ≤ 50 ms at scale 1.0).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from anju.core import migrate
from anju.registry import tables as rt
from anju.rental import domain
from anju.rental.tables import rental_listings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2)


def ensure_listings(url: str, want: int, rng: random.Random) -> int:
    engine = create_engine(url)
    migrate.upgrade(engine)
    lt, h, b = rental_listings, rt.homes, rt.buildings
    with engine.begin() as c:
        for idx in lt.indexes:  # a database built before the search indexes were added gets them now
            idx.create(c, checkfirst=True)
        have = c.execute(select(func.count()).select_from(lt).where(lt.c.status == "published")).scalar_one()
        if have >= want:
            return int(have)
        listed = select(lt.c.home_id)
        rows = c.execute(
            select(
                h.c.id,
                h.c.district_code,
                h.c.street_code,
                h.c.construction_area,
                h.c.rooms,
                h.c.floor_no,
                b.c.centroid_lon,
                b.c.centroid_lat,
                b.c.year_built,
            )
            .join(b, b.c.id == h.c.building_id)
            .where(h.c.use == "住宅", h.c.status == "使用", h.c.id.not_in(listed))
            .limit(want - have)
        ).all()
        now = datetime.now(UTC)
        batch = []
        for r in rows:
            n = rng.randrange(10**12)
            code = domain.make_verify_code([rng.randrange(31) for _ in range(10)])
            rent = rng.randrange(1_000, 15_000) * 100
            batch.append(
                {
                    "listing_no": f"FB{n:012d}",
                    "unit_key": domain.unit_key(r.id, None),
                    "home_id": r.id,
                    "room_id": None,
                    "mode": "whole" if rng.random() < 0.85 else "room",
                    "district_code": r.district_code,
                    "street_code": r.street_code,
                    "lister_account_id": None,
                    "party_id": None,
                    "owner_bidx": None,
                    "entrustment_id": None,
                    "title": "基准房源",
                    "description": "",
                    "area": r.construction_area or Decimal(50),
                    "bedrooms": r.rooms or rng.randint(1, 4),
                    "living_rooms": 1,
                    "floor": r.floor_no,
                    "rent_fen": rent,
                    "deposit_fen": rent,
                    "photos": 5,
                    "build_year": r.year_built,
                    "lon": r.centroid_lon,
                    "lat": r.centroid_lat,
                    "status": "published",
                    "active": 1,
                    "verification": "[]",
                    "verify_code": code,
                    "flags": "",
                    "created_at": now,
                    "verified_at": now,
                    "published_at": now,
                    "closed_at": None,
                    "updated_at": now,
                }
            )
        for i in range(0, len(batch), 5000):
            c.execute(lt.insert(), batch[i : i + 5000])
        return int(have) + len(batch)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--listings", type=int, default=100_000)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args()
    rng = random.Random(6)
    total = ensure_listings(args.database_url, args.listings, rng)
    engine = create_engine(args.database_url)
    with engine.connect() as c:
        streets = [r[0] for r in c.execute(select(rental_listings.c.street_code).distinct().limit(500))]
        districts = sorted({s[:6] for s in streets})
        addrs = list(c.execute(select(rt.homes.c.address).order_by(rt.homes.c.id).limit(2000)).scalars())
    port = free_port()
    env = dict(os.environ, ANJU_DATABASE_URL=args.database_url, ANJU_RATE_LIMIT_PUBLIC="1000000/minute")
    server = subprocess.Popen(
        [sys.executable, "-m", "anju.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as cl:
            for _ in range(300):
                try:
                    if cl.get("/healthz").status_code < 500:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)

            def mix() -> dict[str, object]:
                k = rng.random()
                p: dict[str, object] = {"page": rng.choice([1, 1, 1, 2, 3])}
                if k < 0.3:
                    p["district"] = rng.choice(districts)
                elif k < 0.6:
                    p["street"] = rng.choice(streets)
                elif k < 0.8:
                    p |= {"near": rng.choice(addrs), "sort": "nearest"}
                lo = rng.choice([None, 2000, 3000, 5000])
                if lo and rng.random() < 0.6:
                    p |= {"rent_min": lo * 100, "rent_max": (lo + rng.choice([1000, 3000])) * 100}
                if rng.random() < 0.3:
                    p["bedrooms"] = rng.randint(1, 4)
                if rng.random() < 0.2:
                    p |= {"area_min": 40, "area_max": 120}
                if rng.random() < 0.1:
                    p["mode"] = "room"
                if "sort" not in p:
                    p["sort"] = rng.choice(["newest", "newest", "rent_asc", "rent_desc"])
                return p

            times: list[float] = []
            for _ in range(50):
                cl.get("/api/v1/rental/public/listings", params=mix())  # type: ignore[arg-type]
            for _ in range(args.n):
                t = time.perf_counter()
                r = cl.get("/api/v1/rental/public/listings", params=mix())  # type: ignore[arg-type]
                times.append(time.perf_counter() - t)
                assert r.status_code in (200, 422), r.text[:200]
            trivial: list[float] = []
            for _ in range(300):
                t = time.perf_counter()
                cl.get("/healthz")
                trivial.append(time.perf_counter() - t)
    finally:
        server.terminate()
        server.wait(10)
    out = {
        "database": args.database_url.split(":", 1)[0],
        "published_listings": total,
        "requests": args.n,
        "search_ms": {"p50": pct(times, 50), "p95": pct(times, 95), "p99": pct(times, 99)},
        "trivial_ms": {"p50": pct(trivial, 50), "p95": pct(trivial, 95)},
    }
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
