"""Reading land transfers (土地出让): the filtered list (paginated), its totals and its export, scoped by
district through :mod:`anju.market.areas` (a district officer sees the transfers of their district;
a transfer is a district's fact even when its street is not given)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Select, false, func, select

from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.market import areas, domain
from anju.market.land_feed import LAND_TRANSFERS, as_feed_record
from anju.market.tables import market_land_transfers

T = market_land_transfers


@dataclass(frozen=True, slots=True)
class LandFilter:
    district: str | None = None
    land_use: str | None = None
    rental: bool | None = None
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    id: int
    record_id: str
    parcel_no: str
    parcel_name: str
    district_code: str
    street_code: str | None
    land_use: str
    rental_housing: bool
    method: str
    site_area: Decimal
    plot_ratio: Decimal
    floor_area: Decimal
    starting_price_fen: int
    price_fen: int
    floor_price_fen: int
    premium_rate: Decimal
    buyer: str
    transferred_on: date
    source: str


@dataclass(frozen=True, slots=True)
class LandTotals:
    parcels: int
    site_area: Decimal
    floor_area: Decimal
    price_fen: int
    #: total price / total floor area (fen per m², half-even), None without floor area
    mean_floor_price_fen: int | None


def _transfer(r: Any) -> Transfer:
    return Transfer(
        id=int(r.id),
        record_id=r.record_id,
        parcel_no=r.parcel_no,
        parcel_name=r.parcel_name,
        district_code=r.district_code,
        street_code=r.street_code,
        land_use=r.land_use,
        rental_housing=bool(r.rental_housing),
        method=r.method,
        site_area=r.site_area,
        plot_ratio=Decimal(r.plot_ratio).quantize(Decimal("0.01")),
        floor_area=r.floor_area,
        starting_price_fen=int(r.starting_price_fen),
        price_fen=int(r.price_fen),
        floor_price_fen=int(r.floor_price_fen),
        premium_rate=Decimal(r.premium_rate).quantize(Decimal("0.0001")),
        buyer=r.buyer,
        transferred_on=r.transferred_on,
        source=r.source,
    )


def _where(scope: Scope, city_code: str, districts: Sequence[str], f: LandFilter) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if f.district:
        areas.require(scope, city_code, f.district)  # outside the scope: 404, as a missing district
    if not scope.unrestricted:
        seen = [d for d in areas.visible(scope, city_code, districts) if d != city_code]
        out.append(T.c.district_code.in_(seen) if seen else false())
    if f.district:
        out.append(T.c.district_code == f.district)
    if f.land_use:
        out.append(T.c.land_use == f.land_use)
    if f.rental is not None:
        out.append(T.c.rental_housing == (1 if f.rental else 0))
    if f.date_from:
        out.append(T.c.transferred_on >= f.date_from)
    if f.date_to:
        out.append(T.c.transferred_on <= f.date_to)
    return out


def _query(scope: Scope, city_code: str, districts: Sequence[str], f: LandFilter) -> Select[Any]:
    return select(T).where(*_where(scope, city_code, districts, f)).order_by(T.c.transferred_on.desc(), T.c.id.desc())


def list_transfers(
    conn: Connection,
    scope: Scope,
    city_code: str,
    districts: Sequence[str],
    f: LandFilter,
    *,
    limit: int,
    offset: int,
) -> Page[Transfer]:
    """The transfers in scope matching the filter, newest first, one page."""
    return fetch_page(conn, _query(scope, city_code, districts, f), limit=limit, offset=offset, row=_transfer)


def totals(conn: Connection, scope: Scope, city_code: str, districts: Sequence[str], f: LandFilter) -> LandTotals:
    """Counts and sums of the transfers in scope matching the filter (one aggregate query)."""
    q = select(func.count(), func.sum(T.c.site_area), func.sum(T.c.floor_area), func.sum(T.c.price_fen)).where(
        *_where(scope, city_code, districts, f)
    )
    n, site, floor, price = conn.execute(q).one()
    floor = floor or Decimal("0.00")
    price = int(price or 0)
    mean = int((Decimal(price) / floor).quantize(Decimal(1))) if floor else None
    return LandTotals(int(n), site or Decimal("0.00"), floor, price, mean)


#: The export's columns: the feed's fields (its Chinese labels: the file reloads as a feed file) and
#: the derived figures.
EXPORT_HEADER = (
    *(fl.label for fl in LAND_TRANSFERS.fields),
    "规划建筑面积（平方米）",
    "楼面地价（元/平方米）",
    "溢价率",
    "来源",
)
SOURCES = {"feed": "土地管理部门报送", "synthetic": domain.SYNTHETIC_TAG}
#: Rows read per query of an export (the export itself is not capped: it streams batch after batch).
EXPORT_BATCH = 5_000


def export_rows(
    engine: Engine, scope: Scope, city_code: str, districts: Sequence[str], f: LandFilter
) -> Iterator[list[Any]]:
    """Every filtered transfer as an export row, read in batches of :data:`EXPORT_BATCH` (each batch
    its own short read; the order is the list's, newest first, with the id as the tie-break)."""
    q = _query(scope, city_code, districts, f)
    offset = 0
    while True:
        with engine.connect() as conn:
            batch = conn.execute(q.limit(EXPORT_BATCH).offset(offset)).all()
        yield from (_export_row(r) for r in batch)
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


def _export_row(r: Any) -> list[Any]:
    rec = as_feed_record(r)
    return [
        *(rec[fl.name] for fl in LAND_TRANSFERS.fields),
        f"{r.floor_area:.2f}",
        f"{int(r.floor_price_fen) / 100:.2f}",
        f"{Decimal(r.premium_rate):.4f}",
        SOURCES.get(r.source, r.source),
    ]


LAND_USE_LABELS = domain.LAND_USES
METHOD_LABELS = domain.TRANSFER_METHODS
