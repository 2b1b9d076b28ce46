"""Public transaction figures (like a city's 网上房地产 daily and monthly 成交): new-home contracts filed,
by day and by month, by district and the home's use — counts and floor areas only, no person, no
price of any one home. A contract counts on the local day it was filed while it stays filed; a
cancelled filing leaves the figures (they are re-read, never stored)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select

from anju import divisions, registry
from anju.core import clock
from anju.transactions import domain
from anju.transactions.tables import sale_contracts


class FigureRow(TypedDict):
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


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def _month_start(day: date, back: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(y, m + 1, 1)


def _filed_between(start: datetime, end: datetime) -> list[Any]:
    return [
        sale_contracts.c.status == domain.ContractStatus.filed,
        sale_contracts.c.filed_at >= start,
        sale_contracts.c.filed_at < end,
    ]


def public_figures(conn: Connection, *, today: date | None = None, days: int = 30, months: int = 12) -> PublicFigures:
    today = today or clock.today()
    homes = registry.homes
    joined = sale_contracts.join(homes, homes.c.id == sale_contracts.c.home_id)
    # days: the filed contracts of the window, bucketed by their local day here (a month holds a few
    # thousand at full scale)
    day_rows: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
    first_day = today - timedelta(days=days - 1)
    q = select(sale_contracts.c.filed_at, sale_contracts.c.district_code, homes.c.use, sale_contracts.c.area)
    for filed_at, district, use, area in conn.execute(
        q.select_from(joined).where(*_filed_between(_midnight(first_day), _midnight(today + timedelta(days=1))))
    ):
        day_rows[(clock.to_local(filed_at).date().isoformat(), district, use)].append(Decimal(area))
    # months: one grouped count per month
    month_rows: dict[tuple[str, str, str], tuple[int, Decimal]] = {}
    for back in range(months):
        start = _month_start(today, back)
        end = _month_start(today, back - 1)
        grouped = (
            select(sale_contracts.c.district_code, homes.c.use, func.count(), func.sum(sale_contracts.c.area))
            .select_from(joined)
            .where(*_filed_between(_midnight(start), _midnight(end)))
            .group_by(sale_contracts.c.district_code, homes.c.use)
        )
        for district, use, n, area in conn.execute(grouped):
            month_rows[(start.strftime("%Y-%m"), district, use)] = (int(n), Decimal(str(area or 0)))
    codes = {k[1] for k in day_rows} | {k[1] for k in month_rows}
    names = divisions.names(conn, codes)

    def row(key: tuple[str, str, str], n: int, area: Decimal) -> FigureRow:
        period, district, use = key
        return FigureRow(
            period=period, district_code=district, district_name=names.get(district, district), use=use,
            contracts=n, area=area.quantize(Decimal("0.01")),
        )  # fmt: skip

    daily = [row(k, len(v), sum(v, Decimal(0))) for k, v in day_rows.items()]
    monthly = [row(k, n, a) for k, (n, a) in month_rows.items()]
    order = lambda r: (r["period"], r["district_code"], r["use"])  # noqa: E731
    daily.sort(key=order, reverse=True)
    monthly.sort(key=order, reverse=True)
    return PublicFigures(
        as_of=today,
        daily=daily,
        monthly=monthly,
        daily_total=sum(r["contracts"] for r in daily),
        monthly_total=sum(r["contracts"] for r in monthly),
    )
