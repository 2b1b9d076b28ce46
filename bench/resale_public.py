"""Public resale listings (GET /api/v1/transactions/resale/public/listings) through the HTTP API.

    python bench/resale_public.py --database-url sqlite:////abs/path/city.db [--listings 100000] [--n 500]

Makes sure the database has ``--listings`` published resale listings (adds the missing ones in bulk on
in-use homes, asking prices 0.8–8 million yuan), starts ``anju serve`` on a loopback port and times
sequential requests of one keep-alive client over a mix of filters: none, a district, a street, a
price range (alone or with a district), pages 1–3. Prints JSON with p50/p95/p99 in milliseconds, in
all and by kind of filter.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadgen
from anju.core import migrate
from anju.registry import tables as rt
from anju.rental import domain as rental_domain
from anju.transactions import resale_listings


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2)


def ensure_listings(url: str, want: int, rng: random.Random) -> int:
    engine = create_engine(url)
    migrate.upgrade(engine)
    lt, h = resale_listings, rt.homes
    with engine.begin() as c:
        have = c.execute(select(func.count()).select_from(lt).where(lt.c.status == "published")).scalar_one()
        if have >= want:
            return int(have)
        listed = select(lt.c.home_id)
        rows = c.execute(
            select(h.c.id, h.c.district_code, h.c.street_code, h.c.construction_area)
            .where(h.c.status == "使用", h.c.id.not_in(listed))
            .limit(want - have)
        ).all()
        now = datetime.now(UTC)
        batch = []
        for r in rows:
            batch.append(
                {
                    "listing_no": f"CB{rng.randrange(10**16):016d}",
                    "home_id": r.id,
                    "agency_party_id": None,
                    "lister_account_id": None,
                    "owner_bidx": None,
                    "title": "基准存量房源",
                    "description": "",
                    "area": r.construction_area,
                    "asking_price_fen": rng.randrange(80, 800) * 1_000_000,
                    "status": "published",
                    "active": 1,
                    "verification": "[]",
                    "verify_code": rental_domain.make_verify_code([rng.randrange(31) for _ in range(10)]),
                    "district_code": r.district_code,
                    "street_code": r.street_code,
                    "created_at": now,
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
    ap.add_argument("--n", type=int, default=500)
    args = ap.parse_args()
    rng = random.Random(18)
    total = ensure_listings(args.database_url, args.listings, rng)
    engine = create_engine(args.database_url)
    with engine.connect() as c:
        streets = [r[0] for r in c.execute(select(resale_listings.c.street_code).distinct().limit(500))]
        districts = sorted({s[:6] for s in streets})
    engine.dispose()
    kinds: dict[str, list[float]] = {}
    with loadgen.serve_anju(args.database_url) as base, httpx.Client(base_url=base, timeout=30) as cl:

        def mix() -> tuple[str, dict[str, str | int]]:
            k = rng.random()
            p: dict[str, str | int] = {"page": rng.choice([1, 1, 1, 2, 3])}
            lo = rng.choice([100, 200, 300, 500]) * 1_000_000
            if k < 0.2:
                return "none", p
            if k < 0.45:
                return "district", p | {"district": rng.choice(districts)}
            if k < 0.7:
                return "street", p | {"street": rng.choice(streets)}
            if k < 0.85:
                return "price", p | {"price_min_fen": lo, "price_max_fen": lo + 100_000_000}
            return "district+price", p | {
                "district": rng.choice(districts), "price_min_fen": lo, "price_max_fen": lo + 100_000_000,
            }  # fmt: skip

        url = "/api/v1/transactions/resale/public/listings"
        for _ in range(30):
            cl.get(url, params=mix()[1])
        for _ in range(args.n):
            kind, params = mix()
            t = time.perf_counter()
            r = cl.get(url, params=params)
            kinds.setdefault(kind, []).append(time.perf_counter() - t)
            assert r.status_code == 200, r.text[:200]
    every = [x for xs in kinds.values() for x in xs]
    out = {
        "database": args.database_url.split(":", 1)[0],
        "published_listings": total,
        "requests": args.n,
        "all_ms": {"p50": pct(every, 50), "p95": pct(every, 95), "p99": pct(every, 99)},
        "by_filter_ms": {k: {"n": len(v), "p50": pct(v, 50), "p95": pct(v, 95)} for k, v in sorted(kinds.items())},
    }
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
