"""Rent-to-price ratio (租售比) per street for a run's last month: a step of the market computation
(:data:`step`) and the reader of its rows.

- **Rent side**: the filed leases (rental context: ``rental_leases``, status filed, terminated or
  expired — not cancelled 备案注销) *in force* at the end of the run's last month (filed before the
  month ended, started on or before its last day, term not over, not ended early), let for living
  with a let area; the median monthly rent per m² (fen).
- **Price side**: the resale contracts filed or registered (``resale_contracts``) signed in the
  twelve months ending with the last month; the median unit price (fen per m²).
- **Ratio** = 12 × median rent per m² / median price per m² (a yearly gross yield, e.g. 0.018 =
  1.8 %), from the exact medians (the stored medians are rounded half-even to the fen).
- **Status**: ``none`` when a side has no observation (ratio NULL); ``thin`` when a side has fewer
  than :data:`MIN_OBSERVATIONS` (10; a run may set ``rent_ratio_min_observations`` in its params) —
  the ratio is computed and flagged; ``ok`` otherwise.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from datetime import time as dtime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Connection, insert, or_, select

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


def _median(values: list[Decimal]) -> Decimal | None:
    return statistics.median(values) if values else None


def _fen(v: Decimal | None) -> int | None:
    return None if v is None else int(v.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


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
    """Every street with a lease or a sale: its medians, ratio and status (two set-wise queries)."""
    start, end, before = _bounds(last_month)
    lc = rental_leases.c
    rents: dict[str, list[Decimal]] = defaultdict(list)
    district: dict[str, str] = {}
    q = select(lc.street_code, lc.district_code, lc.rent_fen, lc.area).where(
        lc.status.in_(FILED),
        lc.filed_at < before,
        lc.start_on <= end,
        lc.end_on >= end,
        or_(lc.ended_on.is_(None), lc.ended_on > end),
        lc.use == "居住",
        lc.area > 0,
    )
    for street, dist, rent, area in conn.execute(q):
        rents[street].append(Decimal(int(rent)) / Decimal(area))
        district[street] = dist
    xc = resale_contracts.c
    prices: dict[str, list[Decimal]] = defaultdict(list)
    q2 = select(xc.street_code, xc.district_code, xc.unit_price_fen).where(
        xc.status.in_(["filed", "registered"]), xc.signed_on >= start, xc.signed_on <= end
    )
    for street, dist, unit in conn.execute(q2):
        prices[street].append(Decimal(int(unit)))
        district.setdefault(street, dist)
    out = []
    for street in sorted(set(rents) | set(prices)):
        r, p = _median(rents.get(street, [])), _median(prices.get(street, []))
        n, k = len(rents.get(street, [])), len(prices.get(street, []))
        if r is None or p is None or p <= 0:
            ratio, status = None, "none"
        else:
            ratio = float(12 * r / p)
            status = "thin" if min(n, k) < minimum else "ok"
        out.append(StreetRatio(street, district[street], n, k, _fen(r), _fen(p), ratio, status))
    return out


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
