"""Synthetic estate management, part "spending" (issue 22): written by `anju synth` and `anju demo` through
the same checks as live data. Called by `anju.synth.estates.generate_estates` in its order.

Over the last ten years, a share of the estates whose homes have maintenance-fund records spend it:
an ordinary repair where the owners part made a passed ``use_fund`` vote (linked to it), else an
emergency (lifts, leaks). Each goes through ``anju.estates.spending`` at historical times — created,
submitted, approved (shares by area), paid in 1–3 stages on the fund's ledger, published (a few recent
emergencies are left unpublished or in works). Budgets stay within what every home can cover. With no
fund records (the fund part made none) nothing is made.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import Connection

from anju import funds
from anju.core.clock import CITY_TZ
from anju.core.errors import AnjuError
from anju.estates import SYNTHETIC_LABEL, fund_ledger, spending, spending_rules
from anju.security import Caller, Keyring

SHARE = 0.3  # of the estates with fund records
MAX_ESTATES = 400
CAP_FEN = 20_000_000
ORDINARY = (("roof", "屋面防水翻修"), ("facade", "外墙修缮"), ("pipes", "给排水管道更换"), ("roads", "道路与场地整修"),
            ("security", "安防设施更新"))  # fmt: skip
EMERGENCY = (("lift", "lift", "电梯主机故障抢修"), ("roof", "leak", "屋面渗漏应急维修"))
STAGES = ((("竣工验收", 1),), (("预付款", 3), ("竣工验收", 7)), (("预付款", 3), ("进度款", 4), ("竣工验收", 3)))


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), CITY_TZ).astimezone(UTC)


def _affordable(conn: Connection, homes: list[spending.FundHome]) -> int:
    """The largest amount every home can cover when apportioned by area (with a margin), in fen."""
    ledgers = fund_ledger.home_ledgers(conn, [int(h.home_id) for h in homes])
    bal = funds.ledger_balances(conn, list(ledgers.values()))
    area = sum((Decimal(h.area) for h in homes), Decimal(0))
    per_m2 = min(Decimal(-bal.get(ledgers[int(h.home_id)], 0)) / Decimal(h.area) for h in homes)
    return int(per_m2 * area * Decimal("0.5")) if per_m2 > 0 else 0


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts)."""
    by_estate = spending.fund_homes_by_estate(conn)
    if not by_estate:
        return {}
    votes = spending.passed_fund_votes(conn)
    # every estate whose owners voted to use the fund applies (the ordinary route); others by chance
    chosen = [e for e in sorted(by_estate) if e in votes or rng.random() < SHARE][:MAX_ESTATES]
    made: dict[str, int] = defaultdict(int)
    for estate in chosen:
        _one(conn, rng, estate, by_estate[estate], votes.get(estate), today, made)
    return dict(made)


def _one(
    conn: Connection,
    rng: random.Random,
    estate: int,
    homes: list[spending.FundHome],
    vote: tuple[int, datetime | None] | None,
    today: date,
    made: dict[str, int],
) -> None:
    """One application of the estate, as far as it got by ``today``."""
    system = Caller.system("synth-estates")
    limits = spending.Limits(CAP_FEN, 30)
    room = min(_affordable(conn, homes), CAP_FEN)
    if room < 200_000:  # less than 2,000 元 the estate can spend: nothing realistic to do
        return
    opened = max(min(h.opened_on for h in homes), today - timedelta(days=3650))
    if vote is not None and vote[1] is not None:
        start = vote[1].astimezone(CITY_TZ).date() + timedelta(days=rng.randint(5, 40))
        category, title = rng.choice(ORDINARY)
        kind = None
    else:
        span = max(1, (today - opened).days - 60)
        start = opened + timedelta(days=rng.randint(30, max(30, span)))
        category, kind, title = rng.choice(EMERGENCY)
    if start >= today - timedelta(days=5):
        return
    budget = rng.randint(room // 4, room)
    quote = budget - budget % 100
    cmd = spending.ApplicationIn(
        estate, f"{title}（合成）", category, budget,
        [spending.QuoteIn("合成建设工程有限公司（合成）", quote, True),
         spending.QuoteIn("合成修缮工程有限公司（合成）", budget + rng.randint(1, 50) * 10_000)],
        description=f"{SYNTHETIC_LABEL}。", emergency=kind is not None, emergency_kind=kind,
        vote_id=None if vote is None else vote[0],
    )  # fmt: skip
    plan = rng.choice(STAGES)
    weights = [w for _, w in plan]
    parts = [quote * w // sum(weights) for w in weights]
    parts[-1] += quote - sum(parts)
    stages = [spending_rules.StageIn(label, amt) for (label, _), amt in zip(plan, parts, strict=True)]
    decided = min(start + timedelta(days=rng.randint(1, 3) if kind else rng.randint(5, 20)), today)
    try:
        sid = spending.create(conn, system, cmd, applicant="street", limits=limits, at=_at(start))
        spending.submit(conn, system, sid, limits=limits, at=_at(start, 11))
        spending.decide(conn, system, sid, spending.DecisionIn("approve", "同意（合成）", quote, stages),
                        limits=limits, at=_at(decided))  # fmt: skip
    except AnjuError:
        made["refused"] += 1
        return
    made["applications"] += 1
    made["emergencies"] += kind is not None
    day = decided
    for seq in range(1, len(stages) + 1):
        day += timedelta(days=rng.randint(7, 60))
        if day >= today:
            return
        spending.accept_stage(conn, system, sid, seq, day, at=_at(day, 15))
        made["stages"] += 1
    publish_on = day + timedelta(days=rng.randint(2, 25))
    if publish_on < today and rng.random() < 0.9:
        spending.publish(conn, system, sid, at=_at(publish_on))
        made["published"] += 1
