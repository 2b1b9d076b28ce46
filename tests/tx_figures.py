"""The public transaction figures recounted directly from the contracts (the reference the kept
``transaction_daily_figures`` must equal after filings, cancellations and bulk loads)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select

from anju import registry
from anju.core import clock
from anju.transactions import figures
from anju.transactions.tables import transaction_daily_figures, transaction_monthly_figures

Key = tuple[date, str, str, str]  # day, market, district, use


def direct(conn: Connection) -> dict[Key, tuple[int, Decimal]]:
    """Every filed contract (both markets) aggregated in Python by its local day of filing, district and
    the home's use: (count, area)."""
    out: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    homes = registry.homes
    for market, (_label, table, statuses) in figures.MARKETS.items():
        rows = conn.execute(
            select(table.c.filed_at, table.c.district_code, homes.c.use, table.c.area)
            .join(homes, homes.c.id == table.c.home_id)
            .where(table.c.status.in_(statuses), table.c.filed_at.is_not(None))
        )
        for filed_at, district, use, area in rows:
            acc = out[(clock.to_local(filed_at).date(), market, district, use)]
            acc[0] += 1
            acc[1] += area
    return {k: (n, a) for k, (n, a) in out.items()}


def kept(conn: Connection) -> dict[Key, tuple[int, Decimal]]:
    """The kept figures, rows counting no contract left out."""
    f = transaction_daily_figures
    return {
        (r.day, r.market, r.district_code, r.use): (int(r.contracts), r.area)
        for r in conn.execute(select(f)).all()
        if r.contracts != 0
    }


def by_month(days: dict[Key, tuple[int, Decimal]]) -> dict[Key, tuple[int, Decimal]]:
    """Day figures summed by month (keyed by the month's first day); months that sum to nothing left out."""
    out: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for (d, m, dist, u), (n, a) in days.items():
        acc = out[(d.replace(day=1), m, dist, u)]
        acc[0] += n
        acc[1] += a
    return {k: (n, a) for k, (n, a) in out.items() if n != 0}


def kept_months(conn: Connection) -> dict[Key, tuple[int, Decimal]]:
    f = transaction_monthly_figures
    return {
        (r.month, r.market, r.district_code, r.use): (int(r.contracts), r.area)
        for r in conn.execute(select(f)).all()
        if r.contracts != 0
    }


def assert_figures_match_contracts(engine: Engine, today: date | None = None) -> int:
    """The kept figures equal the direct aggregation, and ``public_figures`` (as of ``today``) shows
    exactly the direct aggregation's days and months. Returns the contracts counted."""
    with engine.connect() as conn:
        want = direct(conn)
        assert kept(conn) == want
        assert kept_months(conn) == by_month(want)
        today = today or clock.today()
        shown = figures.public_figures(conn, today=today)
    first = today - timedelta(days=29)
    days = {(d.isoformat(), m, dist, u): v for (d, m, dist, u), v in want.items() if first <= d <= today}
    assert {
        (r["period"], r["market"], r["district_code"], r["use"]): (r["contracts"], r["area"]) for r in shown["daily"]
    } == days
    y, mo = divmod(today.year * 12 + today.month - 1 - 11, 12)
    first_month = date(y, mo + 1, 1).strftime("%Y-%m")
    months: dict[tuple[str, str, str, str], list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for (d, m, dist, u), (n, a) in want.items():
        if first_month <= d.strftime("%Y-%m") <= today.strftime("%Y-%m"):
            months[(d.strftime("%Y-%m"), m, dist, u)][0] += n
            months[(d.strftime("%Y-%m"), m, dist, u)][1] += a
    got = {
        (r["period"], r["market"], r["district_code"], r["use"]): (r["contracts"], r["area"]) for r in shown["monthly"]
    }
    assert got == {k: (n, a) for k, (n, a) in months.items()}
    return sum(n for n, _a in want.values())


Snapshot = tuple[dict[Key, tuple[int, Decimal]], dict[Key, tuple[int, Decimal]]]


def snapshot(engine: Engine) -> Snapshot:
    """(direct aggregation, kept figures) now."""
    with engine.connect() as conn:
        return direct(conn), kept(conn)


def _minus(a: dict[Key, tuple[int, Decimal]], b: dict[Key, tuple[int, Decimal]]) -> dict[Key, tuple[int, Decimal]]:
    zero = (0, Decimal(0))
    out = {
        k: (a.get(k, zero)[0] - b.get(k, zero)[0], a.get(k, zero)[1] - b.get(k, zero)[1]) for k in a.keys() | b.keys()
    }
    return {k: v for k, v in out.items() if v != zero}


def assert_same_change(engine: Engine, before: Snapshot) -> dict[Key, tuple[int, Decimal]]:
    """Since ``before``, the kept figures changed exactly as the direct aggregation did (on a database
    other tests share, where rows written below the services may already differ). Returns the change."""
    d, k = snapshot(engine)
    change = _minus(d, before[0])
    assert _minus(k, before[1]) == change
    assert _minus(by_month(k), by_month(before[1])) == by_month(change)
    with engine.connect() as conn:  # the months kept agree with the days kept
        assert kept_months(conn) == by_month(kept(conn))
    return change
