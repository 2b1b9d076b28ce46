"""Annual interest (年度计息, 增值分配) of a district's maintenance-fund account.

The bank's interest of a year is booked into the account (``interest_in``: bank debit, 待分配增值收益
credit) and allocated to every open home by its day-weighted balance over the year (Σ balance × days,
from the postings), exactly: each home gets the floor of its share and the fen left over go to the
largest remainders (``fund_rules.allocate``), so the lines sum to the bank's total. The allocation is
one journal per building (so an owner's proof of a line is over a building's homes, not an estate's),
posted set-wise (``funds.post_allocation_groups``: the lines grouped by building here, in numpy,
copied in bulk), and the run is recorded in
``estates_interest_runs`` (one per account and year, else Conflict).

The weights come from one grouped query: a home's balance on 1 January is its balance now less what
was posted since, so only the postings since the year began are read (the journals' index on
(account, booked_on)).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date
from operator import itemgetter
from typing import Any, TypedDict

import numpy as np
from sqlalchemy import Connection, Date, Integer, Select, case, cast, func, insert, literal, select

from anju import funds
from anju.core import clock
from anju.core.dialect import stream_tuples
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.estates import fund_deposits, fund_ledger, fund_rules
from anju.estates.tables import estates_fund_homes, estates_interest_runs
from anju.funds import fund_journals, fund_ledger_accounts, fund_postings

Progress = Callable[[str, float], None]
_LID, _BUILDING, _WEIGHT = itemgetter(0), itemgetter(1), itemgetter(2)


class InterestRun(TypedDict):
    id: int
    fund_account_id: int
    district_code: str
    year: int
    total_fen: int
    homes: int
    journals: int


def _days_to(conn: Connection, end: date, day: Any) -> Any:
    """Whole days from the date column ``day`` to ``end``."""
    if conn.dialect.name == "postgresql":
        return cast(literal(end, Date) - day, Integer)
    return cast(func.julianday(literal(end.isoformat())) - func.julianday(day), Integer)


def _weights_query(conn: Connection, fund_account_id: int, year: int) -> Select[Any]:
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    p, j, la, h = fund_postings, fund_journals, fund_ledger_accounts, estates_fund_homes
    net = p.c.credit_fen - p.c.debit_fen
    since = (
        select(
            p.c.ledger_account_id.label("lid"),
            func.sum(net).label("after"),
            func.sum(case((j.c.booked_on < end, net * _days_to(conn, end, j.c.booked_on)), else_=0)).label("win"),
        )
        .join(j, j.c.id == p.c.journal_id)
        .where(j.c.fund_account_id == fund_account_id, j.c.booked_on >= start)
        .group_by(p.c.ledger_account_id)
        .subquery("since")
    )
    days = fund_rules.days_in_year(year)
    weight = (-la.c.balance_fen - func.coalesce(since.c.after, 0)) * days + func.coalesce(since.c.win, 0)
    q = (
        select(la.c.id, h.c.building_id, weight)
        .select_from(h.join(la, fund_deposits.home_join()).outerjoin(since, since.c.lid == la.c.id))
        .where(h.c.fund_account_id == fund_account_id, h.c.status == "open")
        .order_by(la.c.id)
    )
    return q


def weights(conn: Connection, fund_account_id: int, year: int) -> list[tuple[int, int, int]]:
    """(ledger account, building, Σ balance × days over ``year`` in fen·days) of every open home of the
    account, in ledger-account order; a home's balance is the owners' money (credit-positive)."""
    lids, buildings, ws = weight_columns(conn, fund_account_id, year)
    return list(zip(lids, buildings, ws, strict=True))


def weight_columns(conn: Connection, fund_account_id: int, year: int) -> tuple[list[int], list[int], list[int]]:
    """:func:`weights` as three columns (ledger accounts, buildings, weights), read batch by batch
    without a tuple per home: millions of homes a year."""
    lids: list[int] = []
    buildings: list[int] = []
    ws: list[int] = []
    for rows in stream_tuples(conn, _weights_query(conn, fund_account_id, year), 50_000):
        # column by column (``zip(*rows)`` would make an iterator per row: garbage collections)
        lids.extend(map(_LID, rows))
        buildings.extend(map(_BUILDING, rows))
        ws.extend(map(int, map(_WEIGHT, rows)))  # PostgreSQL's sums are numeric
    return lids, buildings, ws


def run_interest(
    conn: Connection,
    *,
    district_code: str,
    year: int,
    total_fen: int | Callable[[int], int],
    actor_account_id: int | None,
    progress: Progress | None = None,
    today: date | None = None,
) -> InterestRun:
    """Book and allocate a year's interest of a district's account (see the module docstring).
    ``total_fen``: the bank's interest, or (synthetic data) a function of the account's day-weighted
    balance (Σ fen·days) giving it."""
    say = progress or (lambda _m, _f: None)
    today = today or clock.today()
    if not 1990 <= year < today.year:
        raise ValidationError.of("year", "只能为已结束的年度计息")
    if isinstance(total_fen, int) and total_fen <= 0:
        raise ValidationError.of("total_fen", "利息金额应大于 0")
    acct = fund_ledger.district_accounts(conn, [district_code]).get(district_code)
    if acct is None:
        raise NotFound(f"区 {district_code} 尚未开立维修资金专户")
    r = estates_interest_runs
    if conn.execute(select(r.c.id).where(r.c.fund_account_id == acct, r.c.year == year)).first():
        raise Conflict(f"{district_code} 区 {year} 年度已计息")
    say("计算各户日积数", 0.05)
    lids, buildings, ws = weight_columns(conn, acct, year)
    weighted = sum(w for w in ws if w > 0)
    if weighted == 0:
        raise ValidationError.of("year", f"{year} 年度没有可计息的分户余额")
    if not isinstance(total_fen, int):
        total_fen = total_fen(weighted)
        if total_fen <= 0:
            raise ValidationError.of("total_fen", "利息金额应大于 0")
    say("按日积数分配利息", 0.4)
    shares = fund_rules.allocate(total_fen, ws)
    booked = date(year, 12, 31)
    own = funds.ledger_accounts(conn, acct)
    funds.post(
        conn,
        funds.JournalIn(
            acct, "interest_in", f"fund-interest-in:{acct}:{year}",
            [(own["bank"], total_fen, 0), (own["interest"], 0, total_fen)],
            booked, f"{year} 年度专户银行结息", actor_account_id=actor_account_id,
        ),
    )  # fmt: skip
    by_building = _by_building(lids, buildings, shares)
    allocs = [
        funds.AllocationIn(acct, "interest", f"fund-interest:{acct}:{year}:{b}", booked, f"{year} 年度增值分配",
                           own["interest"], subject=f"building:{b}", actor_account_id=actor_account_id,
                           extra={"year": year})
        for b in by_building
    ]  # fmt: skip
    say("记账（逐幢分配凭证）", 0.6)
    jids = funds.post_allocation_groups(conn, allocs, list(by_building.values()), side="credit")
    homes = sum(map(len, by_building.values()))
    run_id = int(
        conn.execute(
            insert(r).returning(r.c.id),
            {"fund_account_id": acct, "year": year, "total_fen": total_fen, "homes": homes, "journals": len(jids),
             "run_at": clock.now(), "run_by": actor_account_id},
        ).scalar_one()
    )  # fmt: skip
    say("完成", 1.0)
    return {"id": run_id, "fund_account_id": acct, "district_code": district_code, "year": year,
            "total_fen": total_fen, "homes": homes, "journals": len(jids)}  # fmt: skip


def _by_building(lids: list[int], buildings: list[int], shares: list[int]) -> dict[int, list[tuple[int, int]]]:
    """The lines ``(ledger account, fen)`` above zero of each building with any, buildings ascending,
    each building's lines in the order given (ledger-account order). In numpy when the shares fit 64
    bits (a stable sort by building, one slice per building, not a Python step per home)."""
    if not shares or max(shares) >= 2**63:
        out: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for lid, b, fen in zip(lids, buildings, shares, strict=True):
            if fen > 0:
                out[b].append((lid, fen))
        return {b: out[b] for b in sorted(out)}
    amounts = np.asarray(shares, dtype=np.int64)
    keep = np.flatnonzero(amounts > 0)
    bld = np.asarray(buildings, dtype=np.int64)
    order = keep[np.argsort(bld[keep], kind="stable")]
    bs = bld[order]
    starts = np.flatnonzero(np.r_[True, bs[1:] != bs[:-1]]) if len(bs) else np.zeros(0, dtype=np.int64)
    ends = np.r_[starts[1:], len(bs)].astype(np.int64)
    ls, fs = np.asarray(lids, dtype=np.int64)[order].tolist(), amounts[order].tolist()
    return {
        int(bs[i]): list(zip(ls[i:j], fs[i:j], strict=True))
        for i, j in zip(starts.tolist(), ends.tolist(), strict=True)
    }
