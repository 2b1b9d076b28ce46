"""Public transaction figures (like a city's 网上房地产 daily and monthly 成交): contracts filed, new homes
(商品房) and existing homes (存量房) apart, by day and by month, by district and the home's use — counts
and floor areas only, no person, no price of any one home. A contract counts on the local day it was
filed while it stays filed (a resale contract also once its transfer is registered); a cancelled
filing leaves the figures in the cancellation's own transaction.

The figures are kept, not re-read: ``transaction_daily_figures`` holds per local day, district, use
and market the filed contracts' count and exact area, ``transaction_monthly_figures`` the same per
month. :func:`filed` adds a contract in the filing's
transaction and :func:`cancelled` takes it out in the cancellation's (one upsert each, as the last
writes of the transaction, day then month: the rows' locks are held briefly); bulk loads call :func:`rebuild` (set-wise,
from the contracts themselves), as migration 0045 did once. :func:`public_figures` reads only that
tables (the last 30 days' rows and the last 12 months' rows)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import BigInteger, Connection, Date, Integer, String, bindparam, delete, func, insert, literal, select

from anju import divisions, registry
from anju.core import clock, dialect
from anju.core.dialect import DialectStatement
from anju.core.types import area_to_db
from anju.transactions import domain
from anju.transactions.resale_domain import ContractStatus as ResaleStatus
from anju.transactions.tables import (
    resale_contracts,
    sale_contracts,
    transaction_daily_figures,
    transaction_monthly_figures,
)

#: The two markets: label, the contracts' table, the statuses of a deal that counts.
MARKETS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "new": ("新建商品房", sale_contracts, (domain.ContractStatus.filed,)),
    "resale": ("存量房", resale_contracts, (ResaleStatus.filed, ResaleStatus.registered)),
}

_F = transaction_daily_figures
_M = transaction_monthly_figures


class FigureRow(TypedDict):
    market: str  # new | resale
    market_label: str
    period: str  # YYYY-MM-DD (a day) or YYYY-MM (a month)
    district_code: str
    district_name: str
    use: str
    contracts: int
    area: Decimal  # m², construction area as filed


class PublicFigures(TypedDict):
    as_of: date
    daily: list[FigureRow]  # the last ``days`` days, newest first
    monthly: list[FigureRow]  # the last ``months`` months, newest first
    daily_total: int
    monthly_total: int
    daily_by_market: dict[str, int]  # market → contracts in the days shown
    monthly_by_market: dict[str, int]


def _bump_statement(table: Any, mod: Any) -> Any:
    p: dict[str, Any] = {
        "period": bindparam("period", type_=Date()), "market": bindparam("market", type_=String()),
        "district": bindparam("district", type_=String()), "n": bindparam("n", type_=Integer()),
        "area": bindparam("area", type_=BigInteger()),  # integer hundredths of a m² (``Area`` as stored)
    }  # fmt: skip
    homes = registry.homes
    ins = mod.insert(table).from_select(
        list(table.c.keys()),
        select(p["period"], p["market"], p["district"], homes.c.use, p["n"], p["area"]).where(
            homes.c.id == bindparam("home_id")
        ),
    )
    return ins.on_conflict_do_update(
        index_elements=[c.name for c in table.primary_key.columns],
        set_={"contracts": table.c.contracts + ins.excluded.contracts, "area": table.c.area + ins.excluded.area},
    )


#: ``INSERT … SELECT`` (the home's use) ``ON CONFLICT DO UPDATE`` adding to a day's and a month's counts.
_BUMP_DAY = DialectStatement(lambda mod: _bump_statement(_F, mod))
_BUMP_MONTH = DialectStatement(lambda mod: _bump_statement(_M, mod))


def _bump(conn: Connection, market: str, row: Any, n: int) -> None:
    """Add ``n`` (+1 or −1) filed contracts of ``row`` (a contract: home_id, district_code, area, filed_at)
    to its day's and its month's figures (in that order, in every transaction: no deadlock)."""
    area = area_to_db(Decimal(row.area))
    day = clock.to_local(row.filed_at).date()
    params = {
        "market": market,
        "district": row.district_code,
        "n": n,
        "area": n * (area or 0),
        "home_id": int(row.home_id),
    }
    conn.execute(_BUMP_DAY(conn), params | {"period": day})
    conn.execute(_BUMP_MONTH(conn), params | {"period": day.replace(day=1)})


def filed(conn: Connection, market: str, row: Any) -> None:
    """A contract of ``market`` was filed (``row`` as it now stands, ``filed_at`` set): count it, in the
    filing's transaction."""
    _bump(conn, market, row, 1)


def cancelled(conn: Connection, market: str, row: Any) -> None:
    """A filed contract of ``market`` was cancelled (``row`` as it was, ``filed_at`` set): take it out of
    the day it was filed, in the cancellation's transaction."""
    _bump(conn, market, row, -1)


def rebuild(conn: Connection) -> int:
    """Recount every day from the contracts themselves, set-wise (one grouped ``INSERT … SELECT`` per
    market), then every month from the days: for bulk loads that write contracts without the filing
    (the market history), offline. Returns the day rows written."""
    conn.execute(delete(_F))
    homes = registry.homes
    for market, (_label, table, statuses) in MARKETS.items():
        day = dialect.day_of(conn, table.c.filed_at)
        grouped = (
            select(day, literal(market), table.c.district_code, homes.c.use, func.count(), func.sum(table.c.area))
            .select_from(table.join(homes, homes.c.id == table.c.home_id))
            .where(table.c.status.in_(statuses), table.c.filed_at.is_not(None))
            .group_by(day, table.c.district_code, homes.c.use)
        )
        conn.execute(insert(_F).from_select(["day", "market", "district_code", "use", "contracts", "area"], grouped))
    month = dialect.month_start_of(conn, _F.c.day)
    conn.execute(delete(_M))
    conn.execute(
        insert(_M).from_select(
            list(_M.c.keys()),
            select(
                month, _F.c.market, _F.c.district_code, _F.c.use, func.sum(_F.c.contracts), func.sum(_F.c.area)
            ).group_by(month, _F.c.market, _F.c.district_code, _F.c.use),
        )
    )
    return int(conn.execute(select(func.count()).select_from(_F)).scalar_one())


def _month_start(day: date, back: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(y, m + 1, 1)


def public_figures(conn: Connection, *, today: date | None = None, days: int = 30, months: int = 12) -> PublicFigures:
    today = today or clock.today()
    first_day = today - timedelta(days=days - 1)
    cols = (_F.c.market, _F.c.district_code, _F.c.use)
    day_rows = conn.execute(
        select(_F.c.day, *cols, _F.c.contracts, _F.c.area).where(
            _F.c.day >= first_day, _F.c.day <= today, _F.c.contracts != 0
        )
    ).all()
    month_rows = conn.execute(
        select(_M.c.month, _M.c.market, _M.c.district_code, _M.c.use, _M.c.contracts, _M.c.area).where(
            _M.c.month >= _month_start(today, months - 1), _M.c.month <= _month_start(today, 0), _M.c.contracts != 0
        )
    ).all()
    codes = {r.district_code for r in day_rows} | {r[2] for r in month_rows}
    names = divisions.names(conn, codes)

    def row(market: str, period: str, district: str, use: str, n: int, area: Decimal) -> FigureRow:
        return FigureRow(
            market=market, market_label=MARKETS[market][0], period=period, district_code=district,
            district_name=names.get(district, district), use=use, contracts=n, area=area.quantize(Decimal("0.01")),
        )  # fmt: skip

    daily = [row(r.market, r.day.isoformat(), r.district_code, r.use, int(r.contracts), r.area) for r in day_rows]
    monthly = [row(m, p.strftime("%Y-%m"), d, u, int(n), a) for p, m, d, u, n, a in month_rows]
    order = lambda r: (r["period"], r["market"] == "new", r["district_code"], r["use"])  # noqa: E731
    daily.sort(key=order, reverse=True)
    monthly.sort(key=order, reverse=True)
    return PublicFigures(
        as_of=today,
        daily=daily,
        monthly=monthly,
        daily_total=sum(r["contracts"] for r in daily),
        monthly_total=sum(r["contracts"] for r in monthly),
        daily_by_market={m: sum(r["contracts"] for r in daily if r["market"] == m) for m in MARKETS},
        monthly_by_market={m: sum(r["contracts"] for r in monthly if r["market"] == m) for m in MARKETS},
    )
