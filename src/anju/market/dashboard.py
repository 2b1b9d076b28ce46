"""The monitoring dashboard's reads (``/market``, ``/api/v1/market/dashboard/…``): the supply pipeline,
the price indices with a method choice, the health radar and the open warnings, from the stored rows of
the latest finished run only (``runs.latest_run``), never recomputed.

Each read is one or two indexed queries (the tables' primary keys lead with ``run_id`` and the area, so
"this run, these areas, these months" is a range scan), whatever the number of areas: no per-area
loops. Every read takes the caller's scope through :mod:`anju.market.areas` (a district officer: their
district and the city). Before the first run every read answers with ``run`` None and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, select

from anju.core.paging import Page
from anju.core.scope import Scope
from anju.market import areas, domain
from anju.market import health_queries as hq
from anju.market import supply as market_supply
from anju.market.runs import Run, is_synthetic, latest_run
from anju.market.tables import market_index_values
from anju.market.tables import market_supply as supply_table

S, IV = supply_table, market_index_values

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
    """The areas of :func:`anju.market.areas.listing` the run has figures of, the city first, then
    districts by code (one query on the supply table's key, besides the listing)."""
    codes = {r[0] for r in conn.execute(select(S.c.area_code).where(S.c.run_id == run.id).distinct())}
    listed = areas.listing(conn, scope, city_code)
    out = [AreaRef(c, n, c == city_code) for c, n in listed if c in codes or c == city_code]
    return sorted(out, key=lambda a: (not a.city, a.code))


def _ref(conn: Connection, scope: Scope, city_code: str, area: str) -> AreaRef:
    name = dict(areas.listing(conn, scope, city_code)).get(area, area)
    return AreaRef(area, name, area == city_code)


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
class SupplySeries:
    run: RunRef | None
    area: AreaRef | None
    points: list[market_supply.SupplyMonth]


def supply(
    conn: Connection, scope: Scope, city_code: str, *, area: str | None, months: int, last: str | None = None
) -> SupplySeries:
    """The supply pipeline of one area (default the city) month by month (land → permits → sales →
    inventory, months of supply), read by :func:`anju.market.supply.series`."""
    area = area or city_code
    areas.require(scope, city_code, area)
    run = latest_run(conn)
    if run is None:
        return SupplySeries(None, None, [])
    start, end = _window(run, last, months)
    points = market_supply.series(conn, run.id, area, start=start, end=end)
    return SupplySeries(run_ref(conn, run), _ref(conn, scope, city_code, area), points)


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
    """The health radar of every visible area for one month (default the last scored), and the history of
    one area's scores (default the city) over time, read by :func:`anju.market.health_queries.health`."""
    area = area or city_code
    areas.require(scope, city_code, area)
    run = latest_run(conn)
    if run is None:
        return Health(None, None, [], None, [])
    h = hq.health(conn, scope, city_code, month, history_of=area)
    chosen = h.month or run.last_month
    refs = area_refs(conn, run, scope, city_code)
    by = {s.area_code: s for s in h.areas}
    radar = [HealthScore(a, by[a.code].scores, by[a.code].grades.get(domain.TOTAL)) for a in refs if a.code in by]
    start, end = _window(run, chosen, months)
    history = [HealthPoint(m, s) for m, s in h.history.items() if start <= m <= end]
    ref = next((a for a in refs if a.code == area), AreaRef(area, area, area == city_code))
    return Health(run_ref(conn, run), chosen, radar, ref, history)


# ----------------------------------------------------------------------------------------- warnings


def open_warnings(
    conn: Connection, scope: Scope, city_code: str, *, area: str | None, limit: int, offset: int
) -> Page[hq.MarketWarning]:
    """Open warnings of the areas the caller may see (or one of them), the newest month first:
    :func:`anju.market.health_queries.warnings` with status open."""
    if area:
        areas.require(scope, city_code, area)
    f = hq.WarningFilter(status="open", area=area or "")
    return hq.warnings(conn, scope, city_code, f, limit=limit, offset=offset)


# -------------------------------------------------------------------------------------------- tables

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


def warning_export(engine: Engine, scope: Scope, city_code: str, *, area: str | None) -> Iterator[list[Any]]:
    """Every open warning of the dashboard's filter as CSV rows in the one warnings layout
    (:data:`anju.market.health_queries.WARNING_CSV_COLUMNS`), read in batches."""
    if area:
        areas.require(scope, city_code, area)
    f = hq.WarningFilter(status="open", area=area or "")
    return hq.warning_csv_rows(hq.export_warnings(engine, scope, city_code, f))


def _r(v: float | None, places: int = 2) -> float | None:
    return None if v is None else round(v, places)
