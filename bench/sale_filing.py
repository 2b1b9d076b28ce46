"""New-home contract filing (商品房网签备案) throughput and latency against the running server.

    python bench/sale_filing.py --sqlite data/bench/sale.db [--scale 0.01] [--n 3000] [--concurrency 16]
    python bench/sale_filing.py --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_sale
    (an existing database is used as it is; --workers N starts N server processes)

1. Builds a synthetic city of ``--scale`` into the database if it is empty; then, through the services
   (not timed): a developer whose staff account is an ``agency`` account of its credit code, a project on
   a new estate of ``n`` homes under construction (buildings of 100 homes), a presale permit for all of
   them (moving them to 预售), their filed prices, and ``n`` contracts signed by both parties (written
   as rows: drafting and signing are not what is measured).
2. Starts ``anju serve`` and drives it over loopback with ``--concurrency`` keep-alive connections
   (``bench/loadgen.py``): ``GET /healthz`` (the trivial endpoint of the same server), then
   ``POST /api/v1/transactions/contracts/{id}/filing`` for every contract (each files a different
   contract: the status check, the restriction check of the home, the filing number, the audit row).
3. Prints JSON: per operation the throughput, p50/p95/p99 latency, errors, and the ratio of the
   filing throughput to the trivial endpoint's in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, insert, select
from stdnum.cn import uscc

import loadgen
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.scope import SYSTEM
from anju.core.settings import Settings
from anju.registry import (
    NewBuilding,
    NewEstate,
    NewHome,
    Status,
    Structure,
    Use,
    create_building,
    create_estate,
    create_home,
)
from anju.registry import tables as rt
from anju.security import Caller, NewAccount, Role, Security, create_account, issue_session
from anju.transactions import filings, prices, sale_contracts
from rental_filing import PASSWORD, drive, resident_id

AREA = Decimal("89.50")
UNIT_FEN = 3_000_000
TOTAL_FEN = UNIT_FEN * 8950 // 100


def credit_code(tag: str) -> str:
    body = f"91320100MA{int(tag, 16) % 10**7:07d}"
    return body + uscc.calc_check_digit(body)


def prepare(url: str, data_dir: Path, scale: float, n: int) -> tuple[list[int], str]:
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
    code = credit_code(tag)
    system = Caller.system("bench")
    print(f"• filing a developer, a project and a permit of {n} homes", file=sys.stderr, flush=True)
    with engine.begin() as c:
        street = c.execute(select(rt.estates.c.street_code).order_by(rt.estates.c.id).limit(1)).scalar_one()
        staff = create_account(
            c,
            sec,
            NewAccount(
                username=f"bench_dev_{tag}",
                role=Role.agency,
                name="开发企业销售",
                password=PASSWORD,
                org_code=code,
                phone="13800004444",
            ),
            system,
        ).account_id
        buyer = create_account(
            c,
            sec,
            NewAccount(
                username=f"bench_buyer_{tag}",
                role=Role.citizen,
                name="张买房",
                password=PASSWORD,
                id_number=resident_id(int(tag, 16) % 5000),
                phone="13800003333",
            ),
            system,
        ).account_id
        estate = create_estate(c, NewEstate(f"基准测试苑{tag}（合成）", street, "基准大道", "1"), scope=SYSTEM)
        built_from = clock.today() - timedelta(days=400)
        homes: list[int] = []
        for b in range((n + 99) // 100):
            bid = create_building(
                c,
                NewBuilding(estate, f"{b + 1}", Use.residential, Structure.steel_concrete, 34,
                            status=Status.under_construction, valid_from=built_from),
                scope=SYSTEM,
            )  # fmt: skip
            for i in range(min(100, n - len(homes))):
                homes.append(
                    create_home(
                        c,
                        NewHome(bid, floor_no=1 + i // 4, room_no=f"{1 + i // 4}0{1 + i % 4}",
                                construction_area=AREA, valid_from=built_from),
                        scope=SYSTEM,
                    )
                )  # fmt: skip
        dev = filings.file_developer(
            c,
            kr,
            system,
            filings.DeveloperIn(
                code, f"基准置业有限公司{tag}（合成）", "1", "建开企〔2020〕001号", "基准大道 1 号", street
            ),
        )
        project = filings.file_project(c, system, filings.ProjectIn(f"基准府{tag}", dev, estate))
        permit = filings.file_permit(
            c, kr, system, filings.PermitIn(project, clock.today() - timedelta(days=10), home_ids=homes)
        )
        for i in range(0, len(homes), prices.MAX_LINES):
            lines = [prices.PriceLine(h, UNIT_FEN, TOTAL_FEN) for h in homes[i : i + prices.MAX_LINES]]
            prices.file_prices(c, system, permit, lines)
        now = clock.now()
        street_row = c.execute(select(rt.homes.c.district_code).where(rt.homes.c.id == homes[0])).first()
        district = street_row[0] if street_row else street[:6]
        buyer_id = resident_id(int(tag, 16) % 5000)
        c.execute(
            insert(sale_contracts),
            [
                {
                    "home_id": h,
                    "project_id": project,
                    "permit_id": permit,
                    "developer_id": dev,
                    "buyer_account_id": buyer,
                    "buyer_name_enc": kr.encrypt("张买房", "sale_contracts.buyer_name"),
                    "buyer_id_enc": kr.encrypt(buyer_id, "sale_contracts.buyer_id"),
                    "buyer_id_bidx": kr.blind_index(buyer_id, "id_number"),
                    "buyer_hukou": "local",
                    "buyer_si_months": 24,
                    "area": AREA,
                    "total_price_fen": TOTAL_FEN,
                    "unit_price_fen": UNIT_FEN,
                    "payment_method": "commercial_loan",
                    "down_payment_fen": TOTAL_FEN - TOTAL_FEN * 7 // 10,
                    "loan_fen": TOTAL_FEN * 7 // 10,
                    "delivery_date": clock.today() + timedelta(days=700),
                    "status": "signed",
                    "active": 1,
                    "developer_signed_at": now,
                    "buyer_signed_at": now,
                    "district_code": district,
                    "street_code": street,
                    "created_by": f"bench_dev_{tag}",
                    "created_at": now,
                    "updated_at": now,
                }
                for h in homes
            ],
        )
        ids = [
            int(x)
            for x in c.execute(
                select(sale_contracts.c.id).where(sale_contracts.c.project_id == project).order_by(sale_contracts.c.id)
            ).scalars()
        ]
        token, _, _ = issue_session(c, sec, staff, kind="api", ip="127.0.0.1")
    engine.dispose()
    return ids, token


def main() -> None:
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--scale", type=float, default=0.01)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1, help="server processes (anju serve --workers)")
    args = ap.parse_args()
    url = f"sqlite:///{Path(args.sqlite).resolve()}" if args.sqlite else args.postgres
    data_dir = Path(tempfile.mkdtemp(prefix="anju-bench-sale-"))
    contract_ids, token = prepare(url, data_dir, args.scale, args.n)
    with loadgen.serve_anju(url, str(data_dir), args.workers) as base:
        drive(base, token, [("GET", "/healthz")] * 500, args.concurrency, "warm-up")  # not reported
        trivial = drive(base, token, [("GET", "/healthz")] * args.n, args.concurrency, "trivial")
        paths = [("POST", f"/api/v1/transactions/contracts/{i}/filing") for i in contract_ids]
        filing = drive(base, token, paths, args.concurrency, "file")
    engine = make_engine(url)
    with engine.connect() as c:
        filed = c.execute(
            select(func.count()).where(sale_contracts.c.id.in_(contract_ids), sale_contracts.c.status == "filed")
        ).scalar_one()
    engine.dispose()
    out = {
        "database": "sqlite" if args.sqlite else "postgresql",
        "concurrency": args.concurrency,
        "workers": args.workers,
        "contracts": len(contract_ids),
        "filed_after_run": filed,
        "trivial": trivial,
        "filing": filing | {"throughput_ratio_to_trivial": round(filing["per_s"] / trivial["per_s"], 3)},
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
