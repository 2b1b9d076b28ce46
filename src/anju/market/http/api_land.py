"""REST mirrors of the land, supply and rent-to-price pages (``market.read``, scoped: a district officer
sees their district's transfers, their district's and the city's supply, their streets' ratios)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from anju.core.errors import ValidationError
from anju.market import land, land_views
from anju.market.http.deps import MarketRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market", responses=ERRORS)

DistrictQ = Annotated[str, Query(pattern=r"^(\d{6})?$", description="区代码（GB/T 2260）")]
AreaQ = Annotated[str, Query(pattern=r"^(\d{6})?$", description="区域：区代码或全市代码；空为全市")]
UseQ = Annotated[Literal["", "residential", "mixed", "commercial", "rental", "industrial"], Query()]
RentalQ = Annotated[Literal["", "yes", "no"], Query(description="是否租赁住房用地")]
DateQ = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]


def _day(name: str, v: str) -> date | None:
    try:
        return date.fromisoformat(v) if v else None
    except ValueError:
        raise ValidationError.of(name, "不是有效的日期（格式 YYYY-MM-DD）") from None


def land_filter(district: str, land_use: str, rental: str, date_from: str, date_to: str) -> land.LandFilter:
    """The list's filter from query text (shared with the page)."""
    f = land.LandFilter(
        district or None,
        land_use or None,
        None if not rental else rental == "yes",
        _day("date_from", date_from),
        _day("date_to", date_to),
    )
    if f.date_from and f.date_to and f.date_to < f.date_from:
        raise ValidationError.of("date_to", "截止日期不能早于起始日期")
    return f


class TransferOut(BaseModel):
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


class LandTotalsOut(BaseModel):
    parcels: int
    site_area: Decimal
    floor_area: Decimal
    price_fen: int
    mean_floor_price_fen: int | None


class LandPage(Page[TransferOut]):
    totals: LandTotalsOut


@router.get("/land", operation_id="market_list_land_transfers")
def land_transfers(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    paging: PagingDep,
    district: DistrictQ = "",
    land_use: UseQ = "",
    rental: RentalQ = "",
    date_from: DateQ = "",
    date_to: DateQ = "",
) -> LandPage:
    """Land transfers (土地出让) in scope, newest first, with the totals of the filter."""
    f = land_filter(district, land_use, rental, date_from, date_to)
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        ds = ps.district_codes()
        page = land.list_transfers(
            conn, caller.scope, settings.city_code, ds, f, limit=paging.page_size, offset=paging.offset
        )
        tot = land.totals(conn, caller.scope, settings.city_code, ds, f)
    return LandPage(
        items=[TransferOut(**asdict(t)) for t in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
        totals=LandTotalsOut(**asdict(tot)),
    )


class SupplyMonthOut(BaseModel):
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


class SupplyOut(BaseModel):
    run_id: int | None
    area_code: str
    months: list[SupplyMonthOut]
    #: the last month of every area the caller may see (districts, then the city)
    overview: list[SupplyMonthOut]


@router.get("/supply", operation_id="market_supply")
def supply_series(uow: UowDep, caller: MarketRead, settings: SettingsDep, area: AreaQ = "") -> SupplyOut:
    """The supply pipeline of one area (default the city) in the latest run; run_id null before the
    first run. An area outside the caller's scope is 404."""
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        v = land_views.supply_view(conn, caller.scope, settings.city_code, area or None, [p.code for p in ps.visible])
    return SupplyOut(
        run_id=v.run.id if v.run else None,
        area_code=v.area,
        months=[SupplyMonthOut(**asdict(m)) for m in v.months],
        overview=[SupplyMonthOut(**asdict(m)) for m in v.overview],
    )


class RatioOut(BaseModel):
    street_code: str
    district_code: str
    leases: int
    sales: int
    median_rent_fen_m2: int | None
    median_price_fen_m2: int | None
    ratio: float | None
    status: str


class RatioPage(Page[RatioOut]):
    run_id: int | None
    month: str | None


@router.get("/rent-ratios", operation_id="market_rent_ratios")
def rent_ratios(
    uow: UowDep, caller: MarketRead, settings: SettingsDep, paging: PagingDep, district: DistrictQ = ""
) -> RatioPage:
    """Rent-to-price ratios (租售比) per street in scope, for the latest run's last month."""
    with uow.read() as conn:
        v = land_views.ratio_view(
            conn, caller.scope, settings.city_code, district or None, limit=paging.page_size, offset=paging.offset
        )
    return RatioPage(
        items=[RatioOut(**asdict(r)) for r in v.page.items],
        total=v.page.total,
        page=paging.page,
        page_size=paging.page_size,
        run_id=v.run.id if v.run else None,
        month=v.run.last_month if v.run else None,
    )
