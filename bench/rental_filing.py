"""Listing verification and lease filing throughput and latency against the running server.

    python bench/rental_filing.py --sqlite data/bench/filing.db [--scale 0.01] [--n 2000] [--concurrency 16]
    python bench/rental_filing.py --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_filing
    (an existing database, e.g. the full-scale city of bench/synth_load.py, is used as it is; --workers N
    starts N server processes)

1. Builds a synthetic city of ``--scale`` into the database if it is empty, makes a landlord account
   the owner of ``2 × n`` free residential homes, drafts ``n`` listings on half of them and drafts and
   signs (both sides) ``n`` leases on the other half — through the services, not timed.
2. Starts the platform in a separate process (``anju serve``, ``--workers`` uvicorn processes) and,
   from this process, drives it over loopback with ``--concurrency`` keep-alive HTTP/1.1 connections
   (``bench/loadgen.py``, asyncio streams: a lean client, so the server gets the CPU):
   ``GET /healthz`` (the trivial endpoint of the same server), ``POST …/me/listings/{id}/verify`` for
   every listing, ``POST …/me/leases/{id}/file`` (with an ``Idempotency-Key``) for every lease.
3. Prints JSON: per operation the throughput (requests/s), p50/p95/p99 latency, error count, and the
   ratio of its throughput to the trivial endpoint's in the same run.

The load generator shares the machine's two cores with the server, as any loopback benchmark does.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import tempfile
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import loadgen
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.registry import tables as rt
from anju.rental import lease_drafting, leases, listings
from anju.rental.tables import rental_listings
from anju.security import Caller, NewAccount, Role, Security, accounts, create_account, issue_session

PASSWORD = "Bench-Passw0rd!"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def resident_id(n: int, area: str = "320102") -> str:
    from stdnum.cn import ric

    born = date(1985, 1, 1) + timedelta(days=n % 9000)
    body = f"{area}{born:%Y%m%d}{(300 + 2 * n) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def prepare(url: str, data_dir: Path, scale: float, n: int) -> tuple[Settings, list[int], list[int], str]:
    settings = Settings(database_url=url, data_dir=data_dir, staff_totp_required=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    with engine.connect() as c:
        empty = c.execute(select(func.count()).select_from(rt.homes)).scalar_one() == 0
    if empty:
        from anju.synth import generate

        print(f"• building a synthetic city (scale {scale})", file=sys.stderr, flush=True)
        generate(engine, scale, 7, batch=5000)
    sec = Security(settings)
    kr = sec.keyring
    tag = uuid.uuid4().hex[:6]
    landlord_id = resident_id(int(tag, 16) % 5000, area="320104")  # another district: never a tenant's
    system = Caller.system("bench")
    with engine.begin() as c:
        land = create_account(
            c,
            sec,
            NewAccount(
                username=f"bench_landlord_{tag}",
                role=Role.landlord,
                name="王房东",
                password=PASSWORD,
                id_number=landlord_id,
                phone="13800001111",
            ),
            system,
        ).account_id
        tenant = create_account(
            c,
            sec,
            NewAccount(
                username=f"bench_tenant_{tag}",
                role=Role.citizen,
                name="李租客",
                password=PASSWORD,
                id_number=resident_id(0),
                phone="13800002222",
            ),
            system,
        ).account_id
        assert land is not None and tenant is not None
        land_bidx = c.execute(select(accounts.c.id_number_bidx).where(accounts.c.id == land)).scalar_one()
        h = rt.homes
        # NOT EXISTS, not NOT IN: at full scale PostgreSQL cannot hash a 1.7M-row NOT IN list in work_mem
        listed = select(rental_listings.c.id).where(rental_listings.c.home_id == h.c.id).exists()
        owned = select(rt.home_owners.c.id).where(rt.home_owners.c.home_id == h.c.id).exists()
        homes = c.execute(
            select(h.c.id, h.c.house_code, h.c.construction_area, h.c.floor_no, h.c.rooms)
            .where(h.c.status == "使用", h.c.use == "住宅", ~listed, ~owned)
            .order_by(h.c.id)
            .limit(2 * n)
        ).all()
        if len(homes) < 2 * n:
            sys.exit(f"only {len(homes)} free homes: use a larger --scale or a smaller --n")
        now = clock.now()
        c.execute(
            rt.home_owners.insert(),
            [
                {
                    "home_id": r.id,
                    "owner_kind": "person",
                    "owner_bidx": land_bidx,
                    "owner_id_enc": kr.encrypt(landlord_id, "home_owners.owner_id"),
                    "owner_name_enc": kr.encrypt("王房东", "home_owners.owner_name"),
                    "share_pct": 100,
                    "acquired_on": date(2015, 1, 1),
                    "released_on": None,
                    "recorded_at": now,
                }
                for r in homes
            ],
        )
    landlord = Caller(land, f"bench_landlord_{tag}", Role.landlord, None, Scope.own(land))
    tenant_caller = Caller(tenant, f"bench_tenant_{tag}", Role.citizen, None, Scope.own(tenant))
    listing_ids: list[int] = []
    lease_ids: list[int] = []
    print(f"• drafting {n} listings and {n} signed leases", file=sys.stderr, flush=True)
    start = clock.today() + timedelta(days=10)
    with engine.begin() as c:
        for r in homes[:n]:
            listing_ids.append(
                listings.create_listing(
                    c,
                    landlord,
                    listings.ListingIn(
                        house_code=r.house_code,
                        room_code=None,
                        title="整租 两室一厅",
                        description="",
                        area=Decimal(r.construction_area),
                        bedrooms=r.rooms or 2,
                        living_rooms=1,
                        floor=r.floor_no,
                        rent_fen=3_000_00,
                        deposit_fen=3_000_00,
                        photos=5,
                    ),
                )
            )
        for i, r in enumerate(homes[n:]):
            # the tenant signs with their own account: its real-name ID is the lease's tenant ID
            lid = lease_drafting.create_lease(
                c,
                kr,
                settings,
                landlord,
                leases.LeaseIn(
                    tenant_name="李租客",
                    tenant_id_number=resident_id(i),
                    start_on=start,
                    end_on=start + timedelta(days=364),
                    rent_fen=3_000_00,
                    deposit_fen=3_000_00,
                    home_id=r.id,
                ),
            )
            lease_ids.append(lid)
        # sign both sides (the tenant's account takes each tenant ID in turn through its blind index)
        for i, lid in enumerate(lease_ids):
            lease_drafting.sign(c, landlord, lid)
            c.execute(
                accounts.update()
                .where(accounts.c.id == tenant)
                .values(id_number_bidx=kr.blind_index(resident_id(i), "id_number"))
            )
            lease_drafting.sign(c, tenant_caller, lid)
        token, _, _ = issue_session(c, sec, land, kind="api", ip="127.0.0.1")
    engine.dispose()
    return settings, listing_ids, lease_ids, token


def drive(base: str, token: str, paths: list[tuple[str, str]], concurrency: int, what: str) -> dict[str, Any]:
    print(f"• driving {len(paths)} × {what}", file=sys.stderr, flush=True)

    def fresh(path: str) -> dict[str, str]:
        return {"Idempotency-Key": uuid.uuid4().hex} if path.endswith("/file") else {}

    requests: list[loadgen.Request] = [(m, p, {}) for m, p in paths]
    got = asyncio.run(
        loadgen.drive(base, requests, concurrency, {"Authorization": f"Bearer {token}"}, fresh_headers=fresh)
    )
    return got.summary()


def main() -> None:
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1, help="server processes (anju serve --workers)")
    args = ap.parse_args()
    url = f"sqlite:///{Path(args.sqlite).resolve()}" if args.sqlite else args.postgres
    data_dir = Path(tempfile.mkdtemp(prefix="anju-bench-filing-"))
    _settings, listing_ids, lease_ids, token = prepare(url, data_dir, args.scale, args.n)
    with loadgen.serve_anju(url, str(data_dir), args.workers) as base:
        api = "/api/v1/rental/me"
        drive(base, token, [("GET", "/healthz")] * 500, args.concurrency, "warm-up")  # not reported
        trivial = drive(base, token, [("GET", "/healthz")] * args.n, args.concurrency, "trivial")
        listings_ = [("POST", f"{api}/listings/{i}/verify") for i in listing_ids]
        verify = drive(base, token, listings_, args.concurrency, "verify")
        filing = drive(base, token, [("POST", f"{api}/leases/{i}/file") for i in lease_ids], args.concurrency, "file")
    out = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "concurrency": args.concurrency,
        "workers": args.workers,
        "trivial": trivial,
        "verify": verify | {"throughput_ratio_to_trivial": round(verify["per_s"] / trivial["per_s"], 3)},
        "filing": filing | {"throughput_ratio_to_trivial": round(filing["per_s"] / trivial["per_s"], 3)},
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
