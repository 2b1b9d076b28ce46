"""Public transaction figures (like a city's 网上房地产 daily and monthly 成交): contracts filed, new homes
(商品房) and existing homes (存量房) apart, by day and by month, by district and the home's use — counts
and floor areas only, no person, no price of any one home. A contract counts on the local day it was
filed while it stays filed (a resale contract also once its transfer is registered); a cancelled
filing leaves the figures (they are re-read, never stored)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select

from anju import divisions, registry
from anju.core import clock
from anju.transactions import domain
from anju.transactions.resale_domain import ContractStatus as ResaleStatus
from anju.transactions.tables import resale_contracts, sale_contracts

#: The two markets: label, the contracts' table, the statuses of a deal that counts.
MARKETS: dict[str, tuple[str, Any, tuple[str, ...]]] = {
    "new": ("新建商品房", sale_contracts, (domain.ContractStatus.filed,)),
    "resale": ("存量房", resale_contracts, (ResaleStatus.filed, ResaleStatus.registered)),
}


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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def _month_start(day: date, back: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(y, m + 1, 1)


def _filed_between(table: Any, statuses: tuple[str, ...], start: datetime, end: datetime) -> list[Any]:
    return [table.c.status.in_(statuses), table.c.filed_at >= start, table.c.filed_at < end]


def public_figures(conn: Connection, *, today: date | None = None, days: int = 30, months: int = 12) -> PublicFigures:
    today = today or clock.today()
    homes = registry.homes
    day_rows: dict[tuple[str, str, str, str], list[Decimal]] = defaultdict(list)
    month_rows: dict[tuple[str, str, str, str], tuple[int, Decimal]] = {}
    first_day = today - timedelta(days=days - 1)
    for market, (_label, table, statuses) in MARKETS.items():
        joined = table.join(homes, homes.c.id == table.c.home_id)
        # days: the filed contracts of the window, bucketed by their local day here (a month holds a
        # few thousand at full scale)
        q = select(table.c.filed_at, table.c.district_code, homes.c.use, table.c.area).select_from(joined)
        window = _filed_between(table, statuses, _midnight(first_day), _midnight(today + timedelta(days=1)))
        for filed_at, district, use, area in conn.execute(q.where(*window)):
            day_rows[(market, clock.to_local(filed_at).date().isoformat(), district, use)].append(Decimal(area))
        # months: one grouped count per month
        for back in range(months):
            start = _month_start(today, back)
            end = _month_start(today, back - 1)
            grouped = (
                select(table.c.district_code, homes.c.use, func.count(), func.sum(table.c.area))
                .select_from(joined)
                .where(*_filed_between(table, statuses, _midnight(start), _midnight(end)))
                .group_by(table.c.district_code, homes.c.use)
            )
            for district, use, n, area in conn.execute(grouped):
                month_rows[(market, start.strftime("%Y-%m"), district, use)] = (int(n), Decimal(str(area or 0)))
    codes = {k[2] for k in day_rows} | {k[2] for k in month_rows}
    names = divisions.names(conn, codes)

    def row(key: tuple[str, str, str, str], n: int, area: Decimal) -> FigureRow:
        market, period, district, use = key
        return FigureRow(
            market=market, market_label=MARKETS[market][0], period=period, district_code=district,
            district_name=names.get(district, district), use=use, contracts=n, area=area.quantize(Decimal("0.01")),
        )  # fmt: skip

    daily = [row(k, len(v), sum(v, Decimal(0))) for k, v in day_rows.items()]
    monthly = [row(k, n, a) for k, (n, a) in month_rows.items()]
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
