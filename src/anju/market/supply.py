"""The supply pipeline (土地→项目→预售→竣工→销售) per area × month, and inventory with months of supply
(去化周期): a step of the market computation (:data:`step`), and the readers of its stored rows.

Every figure is computed from what the platform holds, set-wise (one GROUP BY query per source, months
in Asia/Shanghai through ``anju.core.dialect.month_of``), never typed in:

- **land**: transfers of land for housing (``market_land_transfers``: uses residential, mixed and
  rental) by transfer month: parcels, floor area, deal price;
- **projects**: sale projects (``transactions.sale_projects``) by filing month;
- **permits**: presale permits by issue day: permits, their homes and area;
- **completions**: the register's homes (residential, not retired) of buildings completed in the
  month — a building's completion day is its first version (current knowledge) of status 现房 or
  使用, for buildings the register followed through construction (a version 在建 or 预售 before);
  old stock entered in use is not a completion;
- **new-home sales** and **resales**: the sales of the month as :mod:`anju.market.sales_month` defines
  them for every market figure (filed new-home contracts, filed or registered resale contracts, by the
  local month they were signed): contracts, contract area, total price;
- **inventory** at the month's end: permitted homes (their register area) not held by a contract —
  a new-home contract holds its home from its drafting (``created_at``) until it is cancelled
  (``cancelled_at``), whatever its status in between — counted from all history, not only the run's
  months;
- **months of supply** = inventory area / the mean monthly new-sales area of the twelve months ending
  with the month; NULL when those twelve months have no sales, and NULL for the run's first eleven
  months (fewer than twelve months of sales since the run's first month: dividing a partial year's
  sales by 12 would understate the pace and inflate the months of supply).

A district's row counts what lies in the district; the city's row counts everything (so also records
of a district code outside the city's list, if any).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, func, insert, select

from anju.core import dialect
from anju.market import domain, sales_month
from anju.market.steps import StepContext
from anju.market.tables import market_land_transfers, market_supply
from anju.registry import Status, Use, building_versions, homes
from anju.transactions import presale_permit_homes, presale_permits, resale_contracts, sale_contracts, sale_projects

#: Land uses that supply housing (the pipeline's first stage).
HOUSING_LAND = ("residential", "mixed", "rental")
#: Months of new-home sales the months of supply averages over.
SALES_WINDOW = 12
ZERO = Decimal("0.00")


@dataclass(slots=True)
class Cell:
    """One area × month of the pipeline (the columns of ``market_supply`` without run, area, month)."""

    land_parcels: int = 0
    land_floor_area: Decimal = ZERO
    land_price_fen: int = 0
    projects: int = 0
    permits: int = 0
    permitted_homes: int = 0
    permitted_area: Decimal = ZERO
    completed_homes: int = 0
    new_sales: int = 0
    new_sales_area: Decimal = ZERO
    new_sales_fen: int = 0
    resales: int = 0
    resales_area: Decimal = ZERO
    resales_fen: int = 0
    inventory_homes: int = 0
    inventory_area: Decimal = ZERO
    months_of_supply: float | None = None


FLOWS = (
    "land_parcels",
    "land_floor_area",
    "land_price_fen",
    "projects",
    "permits",
    "permitted_homes",
    "permitted_area",
    "completed_homes",
    "new_sales",
    "new_sales_area",
    "new_sales_fen",
    "resales",
    "resales_area",
    "resales_fen",
)

#: (district, month) → values of some of the cell's fields
Grouped = dict[tuple[str, str], tuple[Any, ...]]


def _grouped(conn: Connection, q: Any) -> Grouped:
    return {(str(r[0]), str(r[1])): tuple(r[2:]) for r in conn.execute(q) if r[0] is not None and r[1] is not None}


def _area(v: Any) -> Decimal:
    return ZERO if v is None else Decimal(v).quantize(Decimal("0.01"))


def gather(conn: Connection) -> dict[str, dict[tuple[str, str], tuple[Any, ...]]]:
    """Every source grouped by (district, month), all history (one query each)."""
    month = dialect.month_of
    lc = market_land_transfers.c
    lm = month(conn, lc.transferred_on, timestamp=False)
    out: dict[str, Grouped] = {}
    out["land"] = _grouped(
        conn,
        select(lc.district_code, lm, func.count(), func.sum(lc.floor_area), func.sum(lc.price_fen))
        .where(lc.land_use.in_(HOUSING_LAND))
        .group_by(lc.district_code, lm),
    )
    pc = sale_projects.c
    pm = month(conn, pc.filed_at, timestamp=True)
    out["projects"] = _grouped(conn, select(pc.district_code, pm, func.count()).group_by(pc.district_code, pm))
    rc = presale_permits.c
    rm = month(conn, rc.issued_on, timestamp=False)
    out["permits"] = _grouped(
        conn,
        select(rc.district_code, rm, func.count(), func.sum(rc.homes), func.sum(rc.area)).group_by(
            rc.district_code, rm
        ),
    )
    # completions: a building's first completed/in-use day, for buildings seen under construction
    vc = building_versions.c
    done_status = vc.status.in_([Status.completed.value, Status.in_use.value])
    built = (
        select(vc.building_id, func.min(case((done_status, vc.valid_from))).label("done"))
        .where(vc.superseded_at.is_(None))
        .group_by(vc.building_id)
        .having(func.count(case((vc.status.in_([Status.under_construction.value, Status.presale.value]), 1))) > 0)
        .subquery()
    )
    hc = homes.c
    cm = month(conn, built.c.done, timestamp=False)
    out["completed"] = _grouped(
        conn,
        select(hc.district_code, cm, func.count())
        .select_from(homes.join(built, built.c.building_id == hc.building_id))
        .where(hc.use == Use.residential.value, hc.status != Status.retired.value, built.c.done.is_not(None))
        .group_by(hc.district_code, cm),
    )
    # sales: the one definition of "the sales of a month" (anju.market.sales_month)
    sc = sale_contracts.c
    new_sold, sm = sales_month.sold(conn, "new")
    out["new_sales"] = _grouped(
        conn,
        select(sc.district_code, sm, func.count(), func.sum(sc.area), func.sum(sc.total_price_fen))
        .where(new_sold)
        .group_by(sc.district_code, sm),
    )
    xc = resale_contracts.c
    resold, xm = sales_month.sold(conn, "resale")
    out["resales"] = _grouped(
        conn,
        select(xc.district_code, xm, func.count(), func.sum(xc.area), func.sum(xc.total_price_fen))
        .where(resold)
        .group_by(xc.district_code, xm),
    )
    # inventory: permitted homes in, contracts holding them out, cancellations back in
    ph = presale_permit_homes.c
    stock = presale_permit_homes.join(presale_permits, rc.id == ph.permit_id).join(homes, hc.id == ph.home_id)
    out["stock_in"] = _grouped(
        conn,
        select(rc.district_code, rm, func.count(), func.sum(hc.construction_area))
        .select_from(stock)
        .group_by(rc.district_code, rm),
    )
    held = sale_contracts.join(presale_permit_homes, and_(ph.permit_id == sc.permit_id, ph.home_id == sc.home_id)).join(
        homes, hc.id == sc.home_id
    )
    hm = month(conn, sc.created_at, timestamp=True)
    out["held"] = _grouped(
        conn,
        select(sc.district_code, hm, func.count(), func.sum(hc.construction_area))
        .select_from(held)
        .group_by(sc.district_code, hm),
    )
    um = month(conn, sc.cancelled_at, timestamp=True)
    out["released"] = _grouped(
        conn,
        select(sc.district_code, um, func.count(), func.sum(hc.construction_area))
        .select_from(held)
        .where(sc.cancelled_at.is_not(None))
        .group_by(sc.district_code, um),
    )
    return out


def pipeline(
    sources: Mapping[str, Mapping[tuple[str, str], tuple[Any, ...]]],
    districts: Sequence[str],
    city_code: str,
    first_month: str,
    last_month: str,
) -> dict[tuple[str, str], Cell]:
    """The cells of every area × month from ``first_month`` to ``last_month`` (pure: from the grouped
    sources of :func:`gather`)."""
    inside = set(districts)

    def areas_of(d: str) -> tuple[str, ...]:
        return (d, city_code) if d in inside else (city_code,)

    # every month any source mentions, from the earliest on (stocks and windows need the history)
    months = [m for src in sources.values() for (_d, m) in src]
    start = min([*months, first_month]) if months else first_month
    span = domain.months_between(start, last_month)
    flows: dict[tuple[str, str], Cell] = defaultdict(Cell)
    stock: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, ZERO])  # area, month → Δ homes, Δ area

    def add(src: str, names: tuple[str, ...], convert: tuple[Any, ...]) -> None:
        for (d, m), vals in sources.get(src, {}).items():
            for a in areas_of(d):
                c = flows[a, m]
                for name, fn, v in zip(names, convert, vals, strict=True):
                    setattr(c, name, getattr(c, name) + fn(v))

    add("land", ("land_parcels", "land_floor_area", "land_price_fen"), (int, _area, _int))
    add("projects", ("projects",), (int,))
    add("permits", ("permits", "permitted_homes", "permitted_area"), (int, _int, _area))
    add("completed", ("completed_homes",), (int,))
    add("new_sales", ("new_sales", "new_sales_area", "new_sales_fen"), (int, _area, _int))
    add("resales", ("resales", "resales_area", "resales_fen"), (int, _area, _int))
    for src, sign in (("stock_in", 1), ("held", -1), ("released", 1)):
        for (d, m), (n, area) in sources.get(src, {}).items():
            for a in areas_of(d):
                s = stock[a, m]
                s[0] += sign * int(n)
                s[1] += sign * _area(area)
    kept_months = domain.months_between(first_month, last_month)
    keep = set(kept_months)
    # months of supply needs twelve months of sales since the run's first month
    full_window = set(kept_months[SALES_WINDOW - 1 :])
    out: dict[tuple[str, str], Cell] = {}
    for a in (*districts, city_code):
        homes_left, area_left = 0, ZERO
        window: list[Decimal] = []
        for m in span:
            c = flows.get((a, m), Cell())
            delta = stock.get((a, m))
            if delta is not None:
                homes_left += delta[0]
                area_left += delta[1]
            window = [*window[-(SALES_WINDOW - 1) :], c.new_sales_area]
            if m not in keep:
                continue
            cell = Cell(**{f.name: getattr(c, f.name) for f in fields(Cell)})
            cell.inventory_homes = homes_left
            cell.inventory_area = area_left
            sold = sum(window, ZERO)
            enough = m in full_window and sold > 0
            cell.months_of_supply = float(area_left / (sold / SALES_WINDOW)) if enough else None
            out[a, m] = cell
    return out


def _int(v: Any) -> int:
    return int(v or 0)


def step(ctx: StepContext) -> Mapping[str, int | float | str]:
    """The supply step: every area × month of the run written to ``market_supply`` in bulk."""
    t0 = time.perf_counter()
    ctx.progress("供应与去化：汇总土地、项目、预售、竣工、销售", 0.0)
    cells = pipeline(gather(ctx.conn), ctx.districts, ctx.city_code, ctx.run.first_month, ctx.run.last_month)
    rows = [
        {"run_id": ctx.run.id, "area_code": a, "month": m, **{f.name: getattr(c, f.name) for f in fields(Cell)}}
        for (a, m), c in sorted(cells.items())
    ]
    for i in range(0, len(rows), 5000):
        ctx.conn.execute(insert(market_supply), rows[i : i + 5000])
    ctx.progress("供应与去化：已写入", 1.0)
    return {"supply_rows": len(rows), "supply_seconds": round(time.perf_counter() - t0, 3)}


# ------------------------------------------------------------------------------------------ readers


@dataclass(frozen=True, slots=True)
class SupplyMonth:
    area_code: str
    month: str
    land_parcels: int
    land_floor_area: Decimal
    land_price_fen: int
    projects: int
    permits: int
    permitted_homes: int
    permitted_area: Decimal
    completed_homes: int
    new_sales: int
    new_sales_area: Decimal
    new_sales_fen: int
    resales: int
    resales_area: Decimal
    resales_fen: int
    inventory_homes: int
    inventory_area: Decimal
    months_of_supply: float | None


def _month(r: Any) -> SupplyMonth:
    return SupplyMonth(**{f.name: getattr(r, f.name) for f in fields(SupplyMonth)})


def series(
    conn: Connection, run_id: int, area: str, *, start: str | None = None, end: str | None = None
) -> list[SupplyMonth]:
    """One area's months of a run (from ``start`` to ``end`` when given), oldest first: one range scan
    of the key (run, area, month). The caller checked the area is in scope."""
    s = market_supply.c
    q = select(market_supply).where(s.run_id == run_id, s.area_code == area)
    if start:
        q = q.where(s.month >= start)
    if end:
        q = q.where(s.month <= end)
    return [_month(r) for r in conn.execute(q.order_by(s.month))]


def latest(conn: Connection, run_id: int, areas: Iterable[str], month: str) -> list[SupplyMonth]:
    """The given areas' rows of one month of a run (the areas overview), in the given order."""
    wanted = list(areas)
    s = market_supply.c
    q = select(market_supply).where(s.run_id == run_id, s.month == month, s.area_code.in_(wanted))
    by = {r.area_code: _month(r) for r in conn.execute(q)}
    return [by[a] for a in wanted if a in by]


EXPORT_HEADER = (
    "区域代码",
    "月份",
    "出让宗数",
    "出让建筑面积（平方米）",
    "出让价款（元）",
    "新立项目",
    "预售许可",
    "许可套数",
    "许可面积（平方米）",
    "竣工套数",
    "新房成交套数",
    "新房成交面积（平方米）",
    "新房成交金额（元）",
    "二手房成交套数",
    "二手房成交面积（平方米）",
    "二手房成交金额（元）",
    "月末库存套数",
    "月末库存面积（平方米）",
    "去化周期（月）",
)


def export_row(r: SupplyMonth) -> list[Any]:
    def yuan(fen: int) -> str:
        return f"{fen / 100:.2f}"

    return [
        r.area_code,
        r.month,
        r.land_parcels,
        f"{r.land_floor_area:.2f}",
        yuan(r.land_price_fen),
        r.projects,
        r.permits,
        r.permitted_homes,
        f"{r.permitted_area:.2f}",
        r.completed_homes,
        r.new_sales,
        f"{r.new_sales_area:.2f}",
        yuan(r.new_sales_fen),
        r.resales,
        f"{r.resales_area:.2f}",
        yuan(r.resales_fen),
        r.inventory_homes,
        f"{r.inventory_area:.2f}",
        "" if r.months_of_supply is None else f"{r.months_of_supply:.1f}",
    ]
