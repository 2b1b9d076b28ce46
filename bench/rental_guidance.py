"""Benchmark: computing a guidance-rent edition over all filed leases (goal ≤ 60 s at scale 1.0).

Either measure existing databases (the full-scale synthetic city)::

    .venv/bin/python bench/rental_guidance.py --url sqlite:////path/anju.db --url postgresql://…/anju

or build synthetic ones first: a small synthetic city (``--city-scale``) with ``--leases`` filed leases
written through the bulk path (rents with a street premium and an area elasticity), then measure::

    .venv/bin/python bench/rental_guidance.py --synthetic 1000000 --sqlite /tmp/g.db --pg postgresql://postgres@127.0.0.1:5432/postgres

Each measurement runs in a fresh subprocess (so its peak RSS is the computation's own): one
``compute_edition`` over the leases filed in the 12 months up to today, in a transaction rolled back
afterwards. Prints one JSON line per database.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, create_engine, select, text


def measure(url: str, months: int = 12) -> dict[str, Any]:
    from anju.core.db import make_engine
    from anju.rental import guidance
    from anju.rental.tables import rental_leases

    engine = make_engine(url)
    with engine.connect() as c:
        from sqlalchemy import func

        total = c.execute(select(func.count()).select_from(rental_leases)).scalar_one()
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    with engine.connect() as conn:
        tx = conn.begin()
        out = guidance.compute_edition(conn, months=months)
        tx.rollback()
    seconds = time.perf_counter() - t0
    rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    m = out["method"]
    return {
        "database": engine.dialect.name,
        "leases_in_table": int(total),
        "months": months,
        "leases_used": out["leases_used"],
        "ranges": out["ranges"],
        "seconds": round(seconds, 1),
        "read_seconds": m["seconds"]["read"],
        "peak_rss_mb": round(rss1 / 1024, 0),
        "rss_before_mb": round(rss0 / 1024, 0),
        "r2_overall": m["r2_overall"],
        "log_area": m["coefficients"]["log_area"]["estimate"],
    }


def build(url: str, n: int, city_scale: float, seed: int = 11) -> None:
    """A fresh database: the synthetic city at ``city_scale`` and ``n`` filed leases on its homes."""
    from anju.core import dialect, migrate
    from anju.core.db import make_engine
    from anju.registry import tables as rt
    from anju.rental.tables import rental_leases
    from anju.synth.city import generate

    engine: Engine = make_engine(url)
    migrate.upgrade(engine)
    t0 = time.perf_counter()
    generate(engine, city_scale, seed, batch=5000)
    print(f"city at scale {city_scale}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    h = rt.homes
    with engine.connect() as c:
        homes = c.execute(
            select(h.c.id, h.c.street_code, h.c.district_code, h.c.construction_area, h.c.rooms).where(
                h.c.use == "住宅"
            )
        ).all()
    rng = random.Random(seed)
    premium = {s: math.exp(rng.gauss(0, 0.25)) for s in {x.street_code for x in homes}}
    now = datetime.now(UTC)
    today = date.today()
    blob = b"\x00" * 32  # synthetic: no personal data

    def rows() -> Any:
        for i in range(n):
            home = homes[rng.randrange(len(homes))]
            area = float(home.construction_area)
            room = rng.random() < 0.1
            let_area = round(area / 3, 2) if room else area
            rent_m2 = 4500 * premium[home.street_code] * (let_area / 90) ** -0.2 * math.exp(rng.gauss(0, 0.15))
            filed = now - timedelta(days=rng.uniform(0, 360))
            start = filed.date()
            yield (
                f"HT{i:012d}",
                f"BA{i:012d}",
                f"h{home.id}",
                home.id,
                home.district_code,
                home.street_code,
                "person",
                "b" * 64,
                blob,
                "t" * 64,
                blob,
                blob,
                start,
                start + timedelta(days=364),
                round(rent_m2 * let_area),
                "monthly",
                round(rent_m2 * let_area),
                round(let_area * 100),
                (home.rooms or 2) if not room else 1,
                "居住",
                2,
                "{}",
                "filed" if start + timedelta(days=364) >= today else "expired",
                now,
                now,
                now,
                now,
                filed,
                0,
                False,
            )

    cols = [
        "lease_no", "filing_no", "unit_key", "home_id", "district_code", "street_code", "landlord_kind",
        "landlord_bidx", "landlord_name_enc", "tenant_bidx", "tenant_name_enc", "tenant_id_enc", "start_on",
        "end_on", "rent_fen", "payment_cycle", "deposit_fen", "area", "bedrooms", "use", "occupants", "terms",
        "status", "landlord_signed_at", "tenant_signed_at", "created_at", "updated_at", "filed_at", "amendments",
        "escrow_required",
    ]  # fmt: skip
    t0 = time.perf_counter()
    with dialect.bulk_load(engine) as conn, dialect.deferred_indexes(conn, [rental_leases]):
        dialect.bulk_insert(conn, rental_leases, cols, rows(), db_ready=frozenset({"area"}))
    print(f"{n} leases: {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", action="append", default=[], help="measure this database (repeatable)")
    p.add_argument("--synthetic", type=int, default=0, help="build databases with this many leases first")
    p.add_argument("--city-scale", type=float, default=0.02)
    p.add_argument("--sqlite", help="SQLite file for --synthetic")
    p.add_argument("--pg", help="PostgreSQL server URL for --synthetic (a database rental_guidance_bench is made)")
    p.add_argument("--months", type=int, default=12, help="months of filed leases (36: the synthetic history)")
    p.add_argument("--measure", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.measure:
        print(json.dumps(measure(a.measure, a.months), ensure_ascii=False))
        return
    urls = list(a.url)
    if a.synthetic:
        if a.sqlite:
            from pathlib import Path

            Path(a.sqlite).unlink(missing_ok=True)
            build(f"sqlite:///{a.sqlite}", a.synthetic, a.city_scale)
            urls.append(f"sqlite:///{a.sqlite}")
        if a.pg:
            admin = create_engine(a.pg, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text("DROP DATABASE IF EXISTS rental_guidance_bench"))
                c.execute(text("CREATE DATABASE rental_guidance_bench"))
            admin.dispose()
            url = a.pg.rsplit("/", 1)[0] + "/rental_guidance_bench"
            build(url, a.synthetic, a.city_scale)
            urls.append(url)
    for url in urls:
        out = subprocess.run(
            [sys.executable, __file__, "--measure", url, "--months", str(a.months)],
            check=True,
            capture_output=True,
            text=True,
        )
        print(out.stdout.strip())


if __name__ == "__main__":
    main()
