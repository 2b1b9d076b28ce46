"""The monitoring dashboard's reads (``/market``, ``/api/v1/market/dashboard/…``): the supply pipeline,
the price indices with a method choice, the health radar and the open warnings, from the stored rows of
the latest finished run only (``runs.latest_run``), never recomputed.

Each read is one or two indexed queries (the tables' primary keys lead with ``run_id`` and the area, so
"this run, these areas, these months" is a range scan), whatever the number of areas: no per-area
loops. Every read takes the caller's scope through :mod:`anju.market.areas` (a district officer: their
district and the city). Before the first run every read answers with ``run`` None and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, and_, select

from anju import divisions
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.market import areas, domain
from anju.market.health_queries import indicator_label
from anju.market.runs import Run, is_synthetic, latest_run
from anju.market.tables import (
    market_health_scores,
    market_index_values,
    market_supply,
    market_warnings,
)

S, IV, H, W = market_supply, market_index_values, market_health_scores, market_warnings

#: The longest series a dashboard read returns (ten years and a bit: the full history at scale).
MAX_MONTHS = 180


@dataclass(frozen=True, slots=True)
class AreaRef:
    code: str
    name: str
    city: bool


@dataclass(frozen=True, slots=True)
class RunRef:
    id: int
    first_month: str
    last_month: str
    edition: str | None
    synthetic: bool


def run_ref(conn: Connection, run: Run) -> RunRef:
    return RunRef(run.id, run.first_month, run.last_month, run.edition, is_synthetic(conn, run))


def area_refs(conn: Connection, run: Run, scope: Scope, city_code: str) -> list[AreaRef]:
    """The areas of the run the caller may see, the city first, then districts by code (one query on
    the supply table's key, and one for the names)."""
    codes = [r[0] for r in conn.execute(select(S.c.area_code).where(S.c.run_id == run.id).distinct())]
    seen = areas.visible(scope, city_code, sorted(set(codes) | {city_code}))
    names = divisions.names(conn, set(seen))
    out = [AreaRef(c, names.get(c, "全市" if c == city_code else c), c == city_code) for c in seen]
    return sorted(out, key=lambda a: (not a.city, a.code))


def _window(run: Run, last: str | None, months: int) -> tuple[str, str]:
    end = last if last and domain.month_index(last) <= domain.month_index(run.last_month) else run.last_month
    start = domain.add_months(end, -(min(months, MAX_MONTHS) - 1))
    if domain.month_index(start) < domain.month_index(run.first_month):
        start = run.first_month
    return start, end


# ------------------------------------------------------------------------------------------ summary


@dataclass(frozen=True, slots=True)
class Summary:
    run: RunRef | None
    areas: list[AreaRef]
    months: list[str]


def summary(conn: Connection, scope: Scope, city_code: str) -> Summary:
    """The latest run, the areas the caller may see and the months it covers (for the pickers)."""
    run = latest_run(conn)
    if run is None:
        return Summary(None, [], [])
    return Summary(
        run_ref(conn, run),
        area_refs(conn, run, scope, city_code),
        domain.months_between(run.first_month, run.last_month),
    )


# ------------------------------------------------------------------------------------------- supply


@dataclass(frozen=True, slots=True)
class SupplyPoint:
    month: str
    land_parcels: int
    land_floor_area: float
    land_price_fen: int
    projects: int
    permits: int
    permitted_homes: int
    completed_homes: int
    new_sales: int
    new_sales_area: float
    resales: int
    resales_area: float
    inventory_homes: int
    inventory_area: float
    months_of_supply: float | None


@dataclass(frozen=True, slots=True)
class SupplySeries:
    run: RunRef | None
    area: AreaRef | None
    points: list[SupplyPoint]


def supply(
    conn: Connection, scope: Scope, city_code: str, *, area: str | None, months: int, last: str | None = None
) -> SupplySeries:
    """The supply pipeline of one area (default the city) month by month (land → permits → sales →
    inventory, months of supply): one range scan of the key (run, area, month)."""
    area = area or city_code
    areas.require(scope, city_code, area)
    run = latest_run(conn)
    if run is None:
        return SupplySeries(None, None, [])
    start, end = _window(run, last, months)
    rows = conn.execute(
        select(S)
        .where(S.c.run_id == run.id, S.c.area_code == area, S.c.month >= start, S.c.month <= end)
        .order_by(S.c.month)
    ).all()
    name = divisions.names(conn, {area}).get(area, "全市" if area == city_code else area)
    return SupplySeries(run_ref(conn, run), AreaRef(area, name, area == city_code), [_supply_point(r) for r in rows])


def _supply_point(r: Any) -> SupplyPoint:
    return SupplyPoint(
        month=r.month,
        land_parcels=r.land_parcels,
        land_floor_area=float(r.land_floor_area),
        land_price_fen=r.land_price_fen,
        projects=r.projects,
        permits=r.permits,
        permitted_homes=r.permitted_homes,
        completed_homes=r.completed_homes,
        new_sales=r.new_sales,
        new_sales_area=float(r.new_sales_area),
        resales=r.resales,
        resales_area=float(r.resales_area),
        inventory_homes=r.inventory_homes,
        inventory_area=float(r.inventory_area),
        months_of_supply=r.months_of_supply,
    )


# ------------------------------------------------------------------------------------------ indices


@dataclass(frozen=True, slots=True)
class IndexPoint:
    month: str
    value: float | None
    mom: float | None
    yoy: float | None
    observations: int
    median_unit_price_fen: int | None
    status: str


@dataclass(frozen=True, slots=True)
class IndexSeries:
    area: AreaRef
    points: list[IndexPoint]


@dataclass(frozen=True, slots=True)
class Indices:
    run: RunRef | None
    segment: str
    method: str
    band: str
    series: list[IndexSeries]


def indices(
    conn: Connection,
    scope: Scope,
    city_code: str,
    *,
    segment: str,
    method: str,
    band: str,
    area: str | None,
    months: int,
    last: str | None = None,
) -> Indices:
    """Index series of one segment × method × band, for one area or every area the caller may see: one
    query (``area_code IN (…)`` on the key (run, segment, method, area, band, month))."""
    if segment not in domain.SEGMENTS:
        raise ValueError(f"segment: {segment!r}")
    if method not in domain.METHODS:
        raise ValueError(f"method: {method!r}")
    if band not in domain.BAND_LABELS:
        raise ValueError(f"band: {band!r}")
    if area:
        areas.require(scope, city_code, area)
    run = latest_run(conn)
    if run is None:
        return Indices(None, segment, method, band, [])
    refs = area_refs(conn, run, scope, city_code)
    if area:
        refs = [a for a in refs if a.code == area] or [AreaRef(area, area, area == city_code)]
    start, end = _window(run, last, months)
    rows = conn.execute(
        select(IV)
        .where(
            IV.c.run_id == run.id,
            IV.c.segment == segment,
            IV.c.method == method,
            IV.c.area_code.in_([a.code for a in refs]),
            IV.c.band == band,
            IV.c.month >= start,
            IV.c.month <= end,
        )
        .order_by(IV.c.area_code, IV.c.month)
    ).all()
    by_area: dict[str, list[IndexPoint]] = {}
    for r in rows:
        by_area.setdefault(r.area_code, []).append(
            IndexPoint(r.month, r.value, r.mom, r.yoy, r.observations, r.median_unit_price_fen, r.status)
        )
    series = [IndexSeries(a, by_area[a.code]) for a in refs if a.code in by_area]
    return Indices(run_ref(conn, run), segment, method, band, series)


# ------------------------------------------------------------------------------------------- health


@dataclass(frozen=True, slots=True)
class HealthScore:
    area: AreaRef
    scores: dict[str, float | None]  # dimension (and ``total``) → score
    grade: str | None  # the total's grade


@dataclass(frozen=True, slots=True)
class HealthPoint:
    month: str
    scores: dict[str, float | None]


@dataclass(frozen=True, slots=True)
class Health:
    run: RunRef | None
    month: str | None
    radar: list[HealthScore]
    area: AreaRef | None
    history: list[HealthPoint]


def health(
    conn: Connection, scope: Scope, city_code: str, *, month: str | None, area: str | None, months: int
) -> Health:
    """The health radar of every visible area for one month (default the run's last), and the history of
    one area's scores (default the city) over time: two queries on the key (run, area, month, dimension)."""
    area = area or city_code
    areas.require(scope, city_code, area)
    run = latest_run(conn)
    if run is None:
        return Health(None, None, [], None, [])
    month = month if month and run.first_month <= month <= run.last_month else run.last_month
    refs = area_refs(conn, run, scope, city_code)
    rows = conn.execute(
        select(H.c.area_code, H.c.dimension, H.c.score, H.c.grade).where(
            H.c.run_id == run.id, H.c.area_code.in_([a.code for a in refs]), H.c.month == month
        )
    ).all()
    scores: dict[str, dict[str, float | None]] = {}
    grades: dict[str, str | None] = {}
    for r in rows:
        scores.setdefault(r.area_code, {})[r.dimension] = r.score
        if r.dimension == domain.TOTAL:
            grades[r.area_code] = r.grade
    radar = [HealthScore(a, scores[a.code], grades.get(a.code)) for a in refs if a.code in scores]
    start, end = _window(run, month, months)
    hist: dict[str, dict[str, float | None]] = {}
    for m, dim, score in conn.execute(
        select(H.c.month, H.c.dimension, H.c.score)
        .where(H.c.run_id == run.id, H.c.area_code == area, H.c.month >= start, H.c.month <= end)
        .order_by(H.c.month)
    ):
        hist.setdefault(m, {})[dim] = score
    ref = next((a for a in refs if a.code == area), AreaRef(area, area, area == city_code))
    return Health(run_ref(conn, run), month, radar, ref, [HealthPoint(m, s) for m, s in hist.items()])


# ----------------------------------------------------------------------------------------- warnings


@dataclass(frozen=True, slots=True)
class WarningRow:
    id: int
    rule: str
    indicator: str
    indicator_label: str
    area_code: str
    area_name: str
    month: str
    severity: str
    severity_label: str
    message: str
    inputs: dict[str, Any]
    status: str
    raised_at: Any


def open_warnings(
    conn: Connection, scope: Scope, city_code: str, *, area: str | None, limit: int, offset: int
) -> Page[WarningRow]:
    """Open warnings of the areas the caller may see (or one of them), the newest month first: one page
    of the index (status, area)."""
    if area:
        areas.require(scope, city_code, area)
        cond = W.c.area_code == area
    elif scope.unrestricted:
        cond = None
    else:
        run = latest_run(conn)
        universe = [a.code for a in area_refs(conn, run, scope, city_code)] if run else [city_code]
        cond = W.c.area_code.in_(universe)
    where = [W.c.status == "open"] + ([cond] if cond is not None else [])
    stmt = select(W).where(and_(*where)).order_by(W.c.month.desc(), W.c.id.desc())
    page = fetch_page(conn, stmt, limit=limit, offset=offset)
    names = divisions.names(conn, {r.area_code for r in page.items})
    return Page(
        [
            WarningRow(
                id=r.id,
                rule=r.rule,
                indicator=r.indicator,
                indicator_label=indicator_label(r.indicator),
                area_code=r.area_code,
                area_name=names.get(r.area_code, "全市" if r.area_code == city_code else r.area_code),
                month=r.month,
                severity=r.severity,
                severity_label=domain.SEVERITIES.get(r.severity, r.severity),
                message=r.message,
                inputs=json.loads(r.inputs) if r.inputs else {},
                status=r.status,
                raised_at=r.raised_at,
            )
            for r in page.items
        ],
        page.total,
    )


# -------------------------------------------------------------------------------------------- tables

#: Column headers (Chinese) of the dashboard's CSV downloads.
SUPPLY_COLUMNS = (
    "月份",
    "出让地块（宗）",
    "出让建筑面积（㎡）",
    "出让价款（元）",
    "预售许可（个）",
    "许可套数",
    "竣工套数",
    "新建商品住宅成交（套）",
    "新建成交面积（㎡）",
    "二手住宅成交（套）",
    "二手成交面积（㎡）",
    "可售库存（套）",
    "可售面积（㎡）",
    "去化周期（月）",
)


def supply_rows(s: SupplySeries) -> list[list[Any]]:
    return [
        [
            p.month,
            p.land_parcels,
            round(p.land_floor_area, 2),
            round(p.land_price_fen / 100, 2),
            p.permits,
            p.permitted_homes,
            p.completed_homes,
            p.new_sales,
            round(p.new_sales_area, 2),
            p.resales,
            round(p.resales_area, 2),
            p.inventory_homes,
            round(p.inventory_area, 2),
            None if p.months_of_supply is None else round(p.months_of_supply, 1),
        ]
        for p in s.points
    ]


INDEX_COLUMNS = (
    "区域",
    "区域代码",
    "月份",
    "定基指数",
    "环比（上月=100）",
    "同比（上年同月=100）",
    "样本数",
    "中位单价（元/㎡）",
    "状态",
)


def index_rows(ix: Indices) -> list[list[Any]]:
    return [
        [
            s.area.name,
            s.area.code,
            p.month,
            _r(p.value),
            _r(p.mom),
            _r(p.yoy),
            p.observations,
            None if p.median_unit_price_fen is None else round(p.median_unit_price_fen / 100),
            domain.INDEX_STATUSES.get(p.status, p.status),
        ]
        for s in ix.series
        for p in s.points
    ]


HEALTH_COLUMNS = ("区域", "区域代码", "月份", *domain.DIMENSION_LABELS.values(), "等级")


def health_rows(h: Health) -> list[list[Any]]:
    dims = list(domain.DIMENSION_LABELS)
    return [[r.area.name, r.area.code, h.month, *(_r(r.scores.get(d)) for d in dims), r.grade] for r in h.radar]


WARNING_COLUMNS = ("编号", "区域", "月份", "级别", "规则", "指标", "说明", "状态")


#: Rows read per query of the warnings export (not capped: batch after batch).
EXPORT_BATCH = 2_000


def warning_export(engine: Engine, scope: Scope, city_code: str, *, area: str | None) -> Iterator[list[Any]]:
    """Every open warning of the dashboard's filter as CSV rows, read in batches of
    :data:`EXPORT_BATCH` (each its own short read)."""
    offset = 0
    while True:
        with engine.connect() as conn:
            page = open_warnings(conn, scope, city_code, area=area, limit=EXPORT_BATCH, offset=offset)
        yield from warning_rows(list(page.items))
        if len(page.items) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


def warning_rows(items: list[WarningRow]) -> list[list[Any]]:
    return [
        [
            w.id,
            w.area_name,
            w.month,
            w.severity_label,
            w.inputs.get("condition", ""),
            w.indicator_label,
            w.message,
            domain.WARNING_STATUSES[w.status],
        ]
        for w in items
    ]


def _r(v: float | None, places: int = 2) -> float | None:
    return None if v is None else round(v, places)
