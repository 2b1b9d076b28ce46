"""Refreshing every street indicator (``anju/indicators/data/streets.toml``) for every street, district
and the city and every year 2020–this year, over a register of full-scale size, on SQLite or PostgreSQL.

    python bench/streets_refresh.py --scale 1.0 --sqlite data/bench/streets.db
    python bench/streets_refresh.py --scale 1.0 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_streets

Into a fresh database, by bulk inserts (not the synthetic generator, which takes minutes): the city's
divisions; ≈4.2 M homes × scale in 280 k buildings × scale (residential and other uses, every status,
completion years 1950–2026) spread over every street; ≈310 k assistance benefits × scale (with their
applications) and ≈1 M filed leases × scale (the full-scale synthetic city's counts, docs/benchmarks.md);
then the synthetic street panel through the loader (``anju.streets.generate_synthetic``). The
measurement: ``anju.indicators.refresh`` of the street indicators for every year (one audited
transaction: the provider's queries, the checks, the replacement of the stored values), one cold run
then the median of two more. Prints one JSON line. The PostgreSQL database is dropped unless --keep.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import assistance, registry, rental, streets
from anju.core import clock, migrate
from anju.core.db import make_engine, unit_of_work
from anju.core.dialect import bulk_insert
from anju.indicators import refresh
from common import fresh_sqlite, load_city
from ledger import drop_postgres, fresh_postgres

CITY = "320100"
HOMES_AT_FULL_SCALE = 4_225_815
HOMES_PER_BUILDING = 15
BENEFITS_AT_FULL_SCALE = 310_892
LEASES_AT_FULL_SCALE = 1_000_000
USES = ["住宅"] * 85 + ["商住"] * 5 + ["商业"] * 6 + ["办公"] * 4
STATUSES = ["使用"] * 88 + ["现房"] * 6 + ["预售"] * 3 + ["在建"] * 2 + ["拆除"]


def _streets(engine: Engine) -> list[tuple[str, str]]:
    return [(d.code, d.parent_code or "") for d in load_city(engine, CITY)]


def _buildings(streets: list[tuple[str, str]], n: int, rng: random.Random, now: object) -> Iterator[tuple[object, ...]]:
    for i in range(1, n + 1):
        street, district = streets[i % len(streets)]
        yield (
            i, f"B{i:022d}", 1, district, street, str(i), f"{i}幢", "住宅", "钢筋混凝土", 6, 0, 1,
            rng.randint(1950, 2026), "使用", f"路{i}号", f"{i}幢", date(2000, 1, 1), now, 1,
        )  # fmt: skip


def _homes(buildings: list[tuple[str, str]], n: int, rng: random.Random, now: object) -> Iterator[tuple[object, ...]]:
    nb = len(buildings)
    for i in range(1, n + 1):
        b = (i - 1) // HOMES_PER_BUILDING % nb + 1
        street, district = buildings[b - 1]
        yield (
            i, f"H{i:022d}", b, 1, district, street, 1, "1", str(i), rng.choice(USES),
            Decimal(rng.randint(4000, 16000)) / 100, rng.choice(STATUSES), f"路{b}号{i}室", date(2000, 1, 1), now, 1,
        )  # fmt: skip


def build(engine: Engine, scale: float, seed: int = 1) -> dict[str, float]:
    rng = random.Random(seed)
    now = clock.now()
    t = time.perf_counter()
    where = _streets(engine)
    n_homes = round(HOMES_AT_FULL_SCALE * scale)
    n_buildings = max(1, n_homes // HOMES_PER_BUILDING)
    b_streets = [where[i % len(where)] for i in range(1, n_buildings + 1)]
    with engine.begin() as c:
        s0, d0 = where[0]
        c.execute(
            insert(registry.estates).values(
                id=1, estate_code="E1", name="基准小区", kind="小区", district_code=d0, street_code=s0,
                address="基准路1号", recorded_at=now,
            )
        )  # fmt: skip
        bcols = (
            "id", "house_code", "estate_id", "district_code", "street_code", "building_no", "name", "use",
            "structure", "floors_above", "floors_below", "units", "year_built", "status", "address", "search_text",
            "valid_from", "recorded_at", "version",
        )  # fmt: skip
        bulk_insert(c, registry.buildings, bcols, _buildings(where, n_buildings, rng, now))
        hcols = (
            "id", "house_code", "building_id", "estate_id", "district_code", "street_code", "floor_no",
            "floor_label", "room_no", "use", "construction_area", "status", "address", "valid_from", "recorded_at",
            "version",
        )  # fmt: skip
        bulk_insert(c, registry.homes, hcols, _homes(b_streets, n_homes, rng, now))
    register_s = time.perf_counter() - t
    t = time.perf_counter()
    _people(engine, where, n_homes, scale, rng)
    people_s = time.perf_counter() - t
    if engine.dialect.name == "postgresql":
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE")
    return {"register_s": register_s, "people_s": people_s, "homes": n_homes, "buildings": n_buildings}


def _people(engine: Engine, streets: list[tuple[str, str]], n_homes: int, scale: float, rng: random.Random) -> None:
    """Applications with one benefit each, and filed leases on random homes, in bulk."""
    now = clock.now()
    n_ben = round(BENEFITS_AT_FULL_SCALE * scale)
    n_leases = round(LEASES_AT_FULL_SCALE * scale)
    with engine.begin() as c:
        c.execute(
            insert(assistance.programme_editions).values(
                id=1, code="public_rental", edition=1, kind="home", name="公共租赁住房",
                effective_from=date(2015, 1, 1), policy="{}", digest="0" * 64, sample=True, loaded_at=now,
            )
        )  # fmt: skip
        apps = (
            (i, f"A{i:012d}", "public_rental", 1, streets[i % len(streets)][1], streets[i % len(streets)][0],
             "approved", 3, "rented", now, now, 1)
            for i in range(1, n_ben + 1)
        )  # fmt: skip
        acols = (
            "id", "app_no", "programme_code", "edition_id", "district_code", "street_code", "status",
            "household_size", "housing_status", "created_at", "updated_at", "version",
        )  # fmt: skip
        bulk_insert(c, assistance.applications, acols, apps)
        start = date(2018, 1, 1)
        bens = (
            (i, f"{i:064d}", i, "public_rental", "home", start + timedelta(days=rng.randint(0, 3000)),
             None if rng.random() < 0.8 else start + timedelta(days=rng.randint(3000, 3400)))
            for i in range(1, n_ben + 1)
        )  # fmt: skip
        cols = ("id", "id_bidx", "application_id", "programme_code", "kind", "since", "until")
        bulk_insert(c, assistance.benefits, cols, bens)
        leases = (
            _lease(i, rng.randint(1, n_homes), streets[i % len(streets)], rng, now) for i in range(1, n_leases + 1)
        )
        lcols = (
            "id", "lease_no", "unit_key", "home_id", "district_code", "street_code", "landlord_kind", "landlord_bidx",
            "landlord_name_enc", "tenant_bidx", "tenant_name_enc", "tenant_id_enc", "start_on", "end_on", "rent_fen",
            "payment_cycle", "deposit_fen", "use", "occupants", "terms", "status", "amendments", "escrow_required",
            "filed_at", "created_at", "updated_at",
        )  # fmt: skip
        bulk_insert(c, rental.rental_leases, lcols, leases)


def _lease(i: int, home: int, street: tuple[str, str], rng: random.Random, now: object) -> tuple[object, ...]:
    start = date(2019, 1, 1) + timedelta(days=rng.randint(0, 2500))
    return (
        i, f"L{i:012d}", f"U{home}", home, street[1], street[0], "person", "b" * 64, b"x", "t" * 64, b"x", b"x",
        start, start + timedelta(days=365), 300000, "monthly", 300000, "居住", 2, "{}", "filed", 0, False, now, now,
        now,
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument(
        "--refresh-only", action="store_true", help="SQLite: measure the refresh over the database a run left"
    )
    a = ap.parse_args()
    if a.sqlite and a.refresh_only:
        url = f"sqlite:///{a.sqlite}"
    elif a.sqlite:
        url = fresh_sqlite(a.sqlite)
    else:
        url = fresh_postgres(a.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    setup = {} if a.refresh_only else build(engine, a.scale)
    t = time.perf_counter()
    panel = streets.generate_synthetic(unit_of_work(engine), 1, scale=a.scale)
    panel_s = time.perf_counter() - t
    years = list(panel.years)
    times, written = [], 0
    for _ in range(3):
        t = time.perf_counter()
        written = refresh(engine, years, codes=streets.INDICATOR_CODES).values
        times.append(time.perf_counter() - t)
    with engine.connect() as c:
        rows = c.execute(select(registry.homes.c.id).order_by(registry.homes.c.id.desc()).limit(1)).scalar()
    print(
        json.dumps(
            {
                "bench": "streets_refresh",
                "db": engine.dialect.name,
                "scale": a.scale,
                "homes": rows,
                "years": f"{years[0]}-{years[-1]}",
                "values": written,
                "refresh_s_cold": round(times[0], 2),
                "refresh_s_median_warm": round(statistics.median(times[1:]), 2),
                "panel_synth_s": round(panel_s, 1),
                "setup": {k: round(v, 1) for k, v in setup.items()},
                "python": platform.python_version(),
            }
        )
    )
    engine.dispose()
    if a.postgres and not a.keep:
        drop_postgres(url)


if __name__ == "__main__":
    main()
