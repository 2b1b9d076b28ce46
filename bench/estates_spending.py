"""Spending the maintenance fund (维修资金使用) on one large estate: the decision with its apportionment
and the payment of stages, through the services.

    python bench/estates_spending.py --homes 5000 --sqlite data/bench/spending.db
    python bench/estates_spending.py --homes 5000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_sp

Into a fresh database (a synthetic city of scale 0.001 for the divisions), not timed: an estate of
``--homes`` homes (buildings of 100), each home's 分户账 opened and funded by one set-wise deposit
allocation. Timed: an emergency application created and submitted; the approval (shares by area for
every home, each home's balance checked, shares written in bulk); the payment of stage 1 of 2 and of
stage 2 (the stage split over the unpaid shares, one allocation journal by INSERT … SELECT, the payout,
the shares' paid amounts). Prints one JSON line. The PostgreSQL database is dropped unless --keep.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, literal, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import funds
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.scope import SYSTEM
from anju.estates import fund_ledger, spending
from anju.estates.spending_rules import StageIn
from anju.funds.tables import fund_ledger_accounts
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
from anju.security import Caller
from ledger import drop_postgres, fresh_postgres


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--homes", type=int, default=5000)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.sqlite:
        p = Path(a.sqlite)
        p.parent.mkdir(parents=True, exist_ok=True)
        for f in p.parent.glob(p.name + "*"):
            f.unlink()
        url = f"sqlite:///{p}"
    else:
        url = fresh_postgres(a.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    from anju.synth.city import generate

    generate(engine, 0.001, 7, batch=5000)
    system = Caller.system("bench")
    t0 = time.perf_counter()
    with engine.begin() as c:
        street, district = c.execute(select(rt.estates.c.street_code, rt.estates.c.district_code).limit(1)).one()
        estate = create_estate(c, NewEstate("基准维修苑（合成）", street, "基准大道", "9"), scope=SYSTEM)
        built = clock.today() - timedelta(days=3000)
        homes: list[tuple[int, int, Decimal]] = []
        for b in range((a.homes + 99) // 100):
            bid = create_building(
                c, NewBuilding(estate, f"{b + 1}", Use.residential, Structure.steel_concrete, 30,
                               status=Status.in_use, valid_from=built), scope=SYSTEM,
            )  # fmt: skip
            for i in range(min(100, a.homes - len(homes))):
                area = Decimal(60 + (len(homes) * 7) % 90) + Decimal("0.37")
                hid = create_home(
                    c, NewHome(bid, floor_no=1 + i // 4, room_no=f"{1 + i // 4}0{1 + i % 4}", construction_area=area,
                               valid_from=built), scope=SYSTEM,
                )  # fmt: skip
                homes.append((hid, bid, area))
        acct = fund_ledger.district_account(c, district, bank="基准银行", account_no="WX-BENCH-1")
        fund_ledger.open_homes(
            c, [fund_ledger.HomeFundIn(h, acct, estate, b, district, street, ar, "high", date(2019, 1, 1), "import")
                for h, b, ar in homes],
        )  # fmt: skip
        own = funds.ledger_accounts(c, acct)
        la = fund_ledger_accounts
        lines = select(literal("BENCH-DEP"), la.c.id, literal(2_000_000)).where(
            la.c.fund_account_id == acct, la.c.kind == "home"
        )
        funds.post_allocations(
            c, [funds.AllocationIn(acct, "deposit", "BENCH-DEP", date(2019, 1, 1), "交存", own["bank"])], lines,
            side="credit",
        )  # fmt: skip
    setup = time.perf_counter() - t0
    lim = spending.Limits(10**12, 30)
    amount = 150 * a.homes * 10_000 // 7 + 13  # about 2,143 元 a home, odd on purpose
    out: dict[str, object] = {"bench": "estates_spending", "homes": a.homes, "setup_s": round(setup, 2)}

    def timed(name: str, f: object) -> None:
        s = time.perf_counter()
        with engine.begin() as c:
            f(c)  # type: ignore[operator]
        out[name] = round(time.perf_counter() - s, 3)

    sid: list[int] = []
    quote = [spending.QuoteIn("基准电梯（合成）", amount, True)]
    cmd = spending.ApplicationIn(
        estate, "电梯更新（基准）", "lift", amount, quote, emergency=True, emergency_kind="lift"
    )

    def create_submit(c: Connection) -> None:
        sid.append(spending.create(c, system, cmd, applicant="street", limits=lim))
        spending.submit(c, system, sid[0], limits=lim)

    timed("create_submit_s", create_submit)
    stages = [StageIn("预付款", amount * 3 // 10), StageIn("竣工验收", amount - amount * 3 // 10)]
    timed("approve_s", lambda c: spending.decide(c, system, sid[0], spending.DecisionIn("approve", "", amount, stages),
                                                 limits=lim))  # fmt: skip
    timed("pay_stage1_s", lambda c: spending.accept_stage(c, system, sid[0], 1, clock.today()))
    timed("pay_stage2_s", lambda c: spending.accept_stage(c, system, sid[0], 2, clock.today()))
    with engine.connect() as c:
        out["unbalanced"] = len(funds.unbalanced_journals(c))
    out["database"] = "sqlite" if a.sqlite else "postgresql"
    out["python"] = platform.python_version()
    print(json.dumps(out))
    engine.dispose()
    if a.postgres and not a.keep:
        drop_postgres(url)


if __name__ == "__main__":
    main()
