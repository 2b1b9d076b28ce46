"""Reading the stored indices of the latest finished run (the dashboard's and the API's source).

Stored results only: nothing is recomputed on a read. Every read names its areas, already checked
against the caller's scope by the route (``anju.market.areas``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from anju.core.paging import Page, fetch_page
from anju.market.tables import market_index_quality, market_index_values

V = market_index_values.c
Q = market_index_quality.c


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
class IndexQuality:
    segment: str
    method: str
    area_code: str
    band: str
    accuracy: float | None
    volatility: float | None
    revision: float | None
    truth_mae: float | None
    months: int
    thin_months: int
    missing_months: int


@dataclass(frozen=True, slots=True)
class IndexSeriesView:
    run_id: int
    segment: str
    method: str
    area_code: str
    band: str
    points: list[IndexPoint]
    quality: IndexQuality | None


def _quality(r: object) -> IndexQuality:
    return IndexQuality(*(getattr(r, f) for f in IndexQuality.__dataclass_fields__))


def series(conn: Connection, run_id: int, *, segment: str, method: str, area: str, band: str) -> IndexSeriesView:
    """One stored series (every month of the run, oldest first) and its quality."""
    key = (V.run_id == run_id, V.segment == segment, V.method == method, V.area_code == area, V.band == band)
    rows = conn.execute(
        select(V.month, V.value, V.mom, V.yoy, V.observations, V.median_unit_price_fen, V.status)
        .where(*key)
        .order_by(V.month)
    ).all()
    q = conn.execute(
        select(market_index_quality).where(
            Q.run_id == run_id, Q.segment == segment, Q.method == method, Q.area_code == area, Q.band == band
        )
    ).first()
    return IndexSeriesView(
        run_id, segment, method, area, band, [IndexPoint(*r) for r in rows], _quality(q) if q is not None else None
    )


def qualities(
    conn: Connection,
    run_id: int,
    *,
    areas: Sequence[str],
    segment: str | None = None,
    method: str | None = None,
    band: str | None = None,
    limit: int,
    offset: int,
) -> Page[IndexQuality]:
    """The quality of the run's series in ``areas`` (optionally one segment, method, band), one page."""
    stmt = select(market_index_quality).where(Q.run_id == run_id, Q.area_code.in_(list(areas)))
    if segment:
        stmt = stmt.where(Q.segment == segment)
    if method:
        stmt = stmt.where(Q.method == method)
    if band:
        stmt = stmt.where(Q.band == band)
    stmt = stmt.order_by(Q.segment, Q.method, Q.area_code, Q.band)
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_quality)
