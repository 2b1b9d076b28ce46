"""Rent-to-price ratio (租售比) per street for a run's last month: a step of the market computation
(:data:`step`) and the reader of its rows.

- **Rent side**: the filed leases (rental context: ``rental_leases``, status filed, terminated or
  expired — not cancelled 备案注销) *in force* at the end of the run's last month (filed before the
  month ended, started on or before its last day, term not over, not ended early), let for living
  with a let area; the median monthly rent per m² (fen).
- **Price side**: the resale contracts filed or registered (``resale_contracts``) signed in the
  twelve months ending with the last month; the median unit price (fen per m²).
- **Ratio** = 12 × median rent per m² / median price per m² (a yearly gross yield, e.g. 0.018 =
  1.8 %), from the unrounded medians (the stored medians are rounded half-even to the fen). The medians
  are computed by the database per street (floating point; the mean of the two middle values for an
  even count), so only one row per street and side leaves it.
- **Status**: ``none`` when a side has no observation (ratio NULL); ``thin`` when a side has fewer
  than :data:`MIN_OBSERVATIONS` (10; a run may set ``rent_ratio_min_observations`` in its params) —
  the ratio is computed and flagged; ``ok`` otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from datetime import time as dtime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, Float, Select, and_, cast, func, insert, or_, select

from anju.core import dialect
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.market import domain
from anju.market.steps import StepContext
from anju.market.tables import market_rent_ratios
from anju.rental import rental_leases
from anju.transactions import resale_contracts

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Fewer observations on a side than this: the ratio is flagged ``thin``.
MIN_OBSERVATIONS = 10
#: Lease statuses of a filed lease (one that ended since still counts for the months it was in force).
FILED = ("filed", "terminated", "expired")
PRICE_MONTHS = 12


def _bounds(last_month: str) -> tuple[date, date, datetime]:
    """(first day of the price window, last day of the month, the next month's start in Shanghai)."""
    ny, nm = domain.parse_month(domain.add_months(last_month, 1))
    fy, fm = domain.parse_month(domain.add_months(last_month, 1 - PRICE_MONTHS))
    nxt = date(ny, nm, 1)
    return date(fy, fm, 1), date.fromordinal(nxt.toordinal() - 1), datetime.combine(nxt, dtime(), SHANGHAI)


def _fen(v: float | None) -> int | None:
    """A median rounded half-even to the fen (exactly: through the float's decimal value)."""
    return None if v is None else int(Decimal(v).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


@dataclass(frozen=True, slots=True)
class StreetRatio:
    street_code: str
    district_code: str
    leases: int
    sales: int
    median_rent_fen_m2: int | None
    median_price_fen_m2: int | None
    ratio: float | None
    status: str


def compute(conn: Connection, last_month: str, minimum: int = MIN_OBSERVATIONS) -> list[StreetRatio]:
    """Every street with a lease or a sale: its medians, ratio and status. The medians are computed in
    the database, one grouped query per side (``anju.core.dialect.grouped_median``: PostgreSQL
    ``percentile_cont``, SQLite window functions); only one row per street comes back."""
    start, end, before = _bounds(last_month)
    lc = rental_leases.c
    leases = and_(
        lc.status.in_(FILED),
        lc.filed_at < before,
        lc.start_on <= end,
        lc.end_on >= end,
        or_(lc.ended_on.is_(None), lc.ended_on > end),
        lc.use == "居住",
        lc.area > 0,
    )
    # areas are stored as integer hundredths of a m² (anju.core.types.Area) on both databases
    per_m2 = cast(lc.rent_fen, Float) * 100.0 / cast(lc.area, Float)
    rents = _medians(conn, select(lc.street_code.label("key"), per_m2.label("value")).where(leases))
    xc = resale_contracts.c
    sales = and_(xc.status.in_(["filed", "registered"]), xc.signed_on >= start, xc.signed_on <= end)
    prices = _medians(conn, select(xc.street_code.label("key"), xc.unit_price_fen.label("value")).where(sales))
    district: dict[str, str] = {}
    for street, dist in conn.execute(
        select(lc.street_code, func.min(lc.district_code)).where(leases).group_by(lc.street_code)
    ):
        district[street] = dist
    for street, dist in conn.execute(
        select(xc.street_code, func.min(xc.district_code)).where(sales).group_by(xc.street_code)
    ):
        district.setdefault(street, dist)
    out = []
    for street in sorted(set(rents) | set(prices)):
        r, n = rents.get(street, (None, 0))
        p, k = prices.get(street, (None, 0))
        if r is None or p is None or p <= 0:
            ratio, status = None, "none"
        else:
            ratio = 12 * r / p
            status = "thin" if min(n, k) < minimum else "ok"
        out.append(StreetRatio(street, district[street], n, k, _fen(r), _fen(p), ratio, status))
    return out


def _medians(conn: Connection, rows: Select[Any]) -> dict[str, tuple[float, int]]:
    """street → (median, count) of ``rows`` (key, value), computed in the database."""
    return {str(key): (float(med), int(n)) for key, med, n in conn.execute(dialect.grouped_median(conn, rows))}


def step(ctx: StepContext) -> Mapping[str, int | float | str]:
    """The rent-to-price step: one row per street for the run's last month."""
    t0 = time.perf_counter()
    ctx.progress("租售比：按街道计算", 0.0)
    minimum = int(ctx.run.params.get("rent_ratio_min_observations", MIN_OBSERVATIONS))
    found = compute(ctx.conn, ctx.run.last_month, minimum)
    rows = [{"run_id": ctx.run.id, **asdict(s)} for s in found]
    for i in range(0, len(rows), 5000):
        ctx.conn.execute(insert(market_rent_ratios), rows[i : i + 5000])
    ctx.progress("租售比：已写入", 1.0)
    return {
        "rent_ratio_streets": len(rows),
        "rent_ratio_ok": sum(1 for s in found if s.status == "ok"),
        "rent_ratio_seconds": round(time.perf_counter() - t0, 3),
    }


# ------------------------------------------------------------------------------------------ readers

R = market_rent_ratios


def _ratio(r: Any) -> StreetRatio:
    return StreetRatio(
        r.street_code,
        r.district_code,
        int(r.leases),
        int(r.sales),
        r.median_rent_fen_m2,
        r.median_price_fen_m2,
        r.ratio,
        r.status,
    )


def _where(run_id: int, scope: Scope, district: str | None) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = [R.c.run_id == run_id, *scope.where(R.c.street_code)]
    if district:
        out.append(R.c.district_code == district)
    return out


def list_ratios(
    conn: Connection, run_id: int, scope: Scope, district: str | None, *, limit: int, offset: int
) -> Page[StreetRatio]:
    """A run's street ratios in the caller's scope (streets by district, then code), one page."""
    q = select(R).where(*_where(run_id, scope, district)).order_by(R.c.district_code, R.c.street_code)
    return fetch_page(conn, q, limit=limit, offset=offset, row=_ratio)


def all_ratios(conn: Connection, run_id: int, scope: Scope, district: str | None) -> Sequence[StreetRatio]:
    """Every street ratio in scope (the export: a city has a few hundred streets)."""
    q = select(R).where(*_where(run_id, scope, district)).order_by(R.c.district_code, R.c.street_code)
    return [_ratio(r) for r in conn.execute(q)]


STATUS_LABELS = {"ok": "正常", "thin": "样本偏少", "none": "无数据"}
EXPORT_HEADER = (
    "区代码",
    "街道代码",
    "街道",
    "在租备案合同数",
    "近12个月二手房成交数",
    "月租金中位数（元/平方米）",
    "二手房成交单价中位数（元/平方米）",
    "租售比（年租金/房价）",
    "状态",
)


def export_row(s: StreetRatio, names: Mapping[str, str]) -> list[Any]:
    return [
        s.district_code,
        s.street_code,
        names.get(s.street_code, ""),
        s.leases,
        s.sales,
        "" if s.median_rent_fen_m2 is None else f"{s.median_rent_fen_m2 / 100:.2f}",
        "" if s.median_price_fen_m2 is None else f"{s.median_price_fen_m2 / 100:.2f}",
        "" if s.ratio is None else f"{s.ratio:.6f}",
        STATUS_LABELS[s.status],
    ]
