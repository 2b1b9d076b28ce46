"""Synthetic estate management, part "fund" (issue 22): written by `anju synth` and `anju demo` through
the same checks as live data. Called by `anju.synth.estates.generate_estates` in its order.

Every sold home (a home with an owner in the register) gets its 分户账: homes first sold in the last
ten years are opened on the day of their first sale with the deposit of that day's rate; older ones are
opened by an import on 1 January ten years ago with a balance of that day's rate. The deposits are
allocation journals (one per district account, estate and month), then every finished year's interest
is allocated through the live path (``fund_interest.run_interest``, about 1.5 % a year of the
day-weighted balance), then a few homes are due a top-up (some paid) and the latest sales' deposits
are still outstanding. Everything in bulk; the accounts' bank is labelled synthetic.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from anju import funds, registry
from anju.core import clock
from anju.core.dialect import bulk_insert
from anju.core.errors import ValidationError
from anju.estates import (
    SYNTHETIC_LABEL,
    estates_fund_dues,
    fund_deposits,
    fund_interest,
    fund_ledger,
    fund_rules,
    fund_transfers,
)
from anju.security import Keyring

YEARS = 10
BANK = "合成数据银行"
INTEREST_PERMILLE = 15  # a year's interest ≈ 1.5 % of the day-weighted balance


def _sold(conn: Connection) -> list[tuple[int, date]]:
    """(home, first sale day) of every home the register gives an owner."""
    o = registry.home_owners
    q = (
        select(o.c.home_id, func.min(o.c.acquired_on))
        .where(registry.OWNERS_BELIEVED)
        .group_by(o.c.home_id)
        .order_by(o.c.home_id)
    )
    return [(int(h), d) for h, d in conn.execute(q)]


def generate(conn: Connection, kr: Keyring, rng: random.Random, *, scale: float, today: date) -> dict[str, int]:
    """What this part made, by name (counts)."""
    sold = [(h, d) for h, d in _sold(conn) if d <= today]
    if not sold:
        return {}
    facts = fund_deposits.home_facts(conn, [h for h, _ in sold])
    city = next(iter(facts.values())).district_code[:4] + "00"  # the city's code from its districts'
    editions = fund_rules.rates_for(str(fund_rules.sample_path(city)))
    if not editions:
        return {}
    start = date(today.year - YEARS, 1, 1)
    accounts = {
        dc: fund_ledger.district_account(conn, dc, bank=f"{BANK}（{SYNTHETIC_LABEL[:4]}）", account_no=f"SYN-WX-{dc}")
        for dc in sorted({f.district_code for f in facts.values()})
    }
    paid, outstanding = _open(conn, sold, facts, accounts, editions, start, today)
    journals = _deposit(conn, paid, facts, accounts, start)
    runs = 0
    for year in range(start.year, today.year):
        for dc in accounts:
            try:
                fund_interest.run_interest(
                    conn,
                    district_code=dc,
                    year=year,
                    total_fen=_bank_interest(year),
                    actor_account_id=None,
                    today=today,
                )
            except ValidationError:  # no balance that year yet: the bank paid nothing
                continue
            runs += 1
    topups, topups_paid = _topups(conn, rng, paid, today)
    # the history's completed resales: each home's account transfer recorded, as the feed's follower does
    transfers = fund_transfers.record_resale_transfers(conn, None, today, clock.now())
    return {
        "transfers": transfers,
        "accounts": len(accounts),
        "homes": len(paid),
        "deposit_journals": journals,
        "interest_runs": runs,
        "topups": topups,
        "topups_paid": topups_paid,
        "dues_outstanding": outstanding + topups - topups_paid,
        "area_m2": int(sum((facts[h].area for h in paid), Decimal(0))),
    }


def _bank_interest(year: int) -> Callable[[int], int]:
    """The synthetic bank's interest of a year: ≈ 1.5 % of the day-weighted balance (fen·days)."""
    return lambda weighted: weighted * INTEREST_PERMILLE // (1000 * fund_rules.days_in_year(year))


_DUE_COLS = ("home_id", "kind", "reference", "amount_fen", "rate_fen_per_m2", "due_on", "status", "journal_id")


def _open(
    conn: Connection,
    sold: list[tuple[int, date]],
    facts: dict[int, fund_deposits.HomeFacts],
    accounts: dict[str, int],
    editions: tuple[fund_rules.RateEdition, ...],
    start: date,
    today: date,
) -> tuple[dict[int, tuple[int, date]], int]:
    """Open the 分户账 of the sold homes with their initial dues; the latest sales' dues stay
    outstanding. Returns home → (deposit fen, day) of the paid ones and the number outstanding."""
    recent_cut = date.fromordinal(today.toordinal() - 45)
    opening: list[fund_ledger.HomeFundIn] = []
    dues: list[tuple[Any, ...]] = []
    paid: dict[int, tuple[int, date]] = {}
    now = clock.now()
    for h, sold_on in sold:
        f = facts[h]
        opened = max(sold_on, start)
        _, rate = fund_rules.rate_on(editions, f.building_type, opened)
        fen = fund_rules.deposit_fen(f.area, rate)
        status = "due" if sold_on >= recent_cut else "paid"
        dues.append((h, "initial", f"synthetic:{opened.year}", fen, rate, opened, status, None, now))
        if status == "paid":
            opening.append(
                fund_ledger.HomeFundIn(h, accounts[f.district_code], f.estate_id, f.building_id, f.district_code,
                                       f.street_code, f.area, f.building_type, opened, "synthetic")
            )  # fmt: skip
            paid[h] = (fen, opened)
    fund_ledger.open_homes(conn, opening)
    bulk_insert(conn, estates_fund_dues, (*_DUE_COLS, "created_at"), dues)
    return paid, len(dues) - len(paid)


def _deposit(
    conn: Connection,
    paid: dict[int, tuple[int, date]],
    facts: dict[int, fund_deposits.HomeFacts],
    accounts: dict[str, int],
    start: date,
) -> int:
    """The paid deposits as allocation journals, one per account, estate and month."""
    ledgers = fund_ledger.home_ledgers(conn, sorted(paid))
    groups: dict[tuple[int, int, int, int], list[int]] = defaultdict(list)
    for h, (_, on) in paid.items():
        f = facts[h]
        groups[(accounts[f.district_code], f.estate_id, on.year, on.month)].append(h)
    banks = {a: funds.ledger_accounts(conn, a)["bank"] for a in accounts.values()}
    allocs, lines = [], []
    for (acct, estate, y, m), homes in sorted(groups.items()):
        ref = f"fund-synth:{acct}:{estate}:{y}{m:02d}"
        on = max(paid[h][1] for h in homes)
        memo = "存量分户账导入（合成）" if on == start else "首次交存（合成）"
        allocs.append(funds.AllocationIn(acct, "deposit", ref, on, memo, banks[acct], subject=f"estate:{estate}"))
        lines += [(ref, ledgers[h], paid[h][0]) for h in homes]
    return len(fund_deposits.post_lines(conn, allocs, lines, side="credit"))


def _topups(conn: Connection, rng: random.Random, paid: dict[int, tuple[int, date]], today: date) -> tuple[int, int]:
    """Top-up dues (续筹) for about one home in 200 (a tenth of its deposit), half of them paid."""
    homes = rng.sample(sorted(paid), k=min(len(paid), max(1, len(paid) // 200)))
    now = clock.now()
    rows = [
        (h, "topup", f"topup:{today.year}", max(100, paid[h][0] // 10), None, today, "due", None, now) for h in homes
    ]
    bulk_insert(conn, estates_fund_dues, (*_DUE_COLS, "created_at"), rows)
    d = estates_fund_dues
    q = select(d.c.id).where(d.c.kind == "topup", d.c.home_id.in_(homes[: len(homes) // 2]))
    pay = [int(x) for x in conn.execute(q).scalars()]
    fund_deposits.pay_dues(conn, pay, paid_on=today, actor_account_id=None)
    return len(rows), len(pay)
