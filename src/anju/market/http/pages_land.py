"""Pages of land transfers (土地出让), the supply pipeline (供应与去化) and rent-to-price ratios (租售比)
(``market.read``, scoped), each with its CSV. Thin: parse the query, read through
:mod:`anju.market.land_views`, render."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from anju.core import csvout
from anju.market import domain, land, land_views, rent_ratio, supply
from anju.market.http.api_land import AreaQ, DateQ, DistrictQ, RentalQ, UseQ, land_filter
from anju.market.http.deps import MarketRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)


def _csv(body: bytes, name: str) -> Response:
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"content-disposition": f"attachment; filename={name}"}
    )


@router.get("/market/land", response_class=HTMLResponse)
def land_page(
    request: Request,
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    paging: PagingDep,
    district: DistrictQ = "",
    land_use: UseQ = "",
    rental: RentalQ = "",
    date_from: DateQ = "",
    date_to: DateQ = "",
) -> HTMLResponse:
    """Land transfers in scope with filters, totals, paging and the export of the same filter."""
    f = land_filter(district, land_use, rental, date_from, date_to)
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        ds = ps.district_codes()
        page = land.list_transfers(
            conn, caller.scope, settings.city_code, ds, f, limit=paging.page_size, offset=paging.offset
        )
        tot = land.totals(conn, caller.scope, settings.city_code, ds, f)
    values = {"district": district, "land_use": land_use, "rental": rental, "date_from": date_from, "date_to": date_to}
    return render(
        request,
        "market/land.html",
        items=page.items,
        totals=tot,
        places=[p for p in ps.visible if p.code != settings.city_code],
        names=ps.names,
        uses=domain.LAND_USES,
        methods=domain.TRANSFER_METHODS,
        sources=land.SOURCES,
        f=values,
        query=urlencode({k: v for k, v in values.items() if v}),
        pager=pager(page.total, paging.page, paging.page_size),
    )


@router.get("/market/land.csv")
def land_csv(
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    district: DistrictQ = "",
    land_use: UseQ = "",
    rental: RentalQ = "",
    date_from: DateQ = "",
    date_to: DateQ = "",
) -> Response:
    """The filtered transfers as CSV (the feed's columns, then the derived figures), at most 100 000."""
    f = land_filter(district, land_use, rental, date_from, date_to)
    with uow.read() as conn:
        ds = land_views.places(conn, caller.scope, settings.city_code).district_codes()
        body = csvout.to_bytes(land.EXPORT_HEADER, land.export_rows(conn, caller.scope, settings.city_code, ds, f))
    return _csv(body, "market-land-transfers.csv")


@router.get("/market/supply", response_class=HTMLResponse)
def supply_page(
    request: Request, uow: UowDep, caller: MarketRead, settings: SettingsDep, area: AreaQ = ""
) -> HTMLResponse:
    """One area's supply pipeline (chart and table) and every visible area's last month."""
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        v = land_views.supply_view(conn, caller.scope, settings.city_code, area or None, [p.code for p in ps.visible])
    return render(
        request,
        "market/supply.html",
        view=v,
        places=ps.visible,
        names=ps.names,
        data={
            "months": [{k: float(x) if isinstance(x, Decimal) else x for k, x in asdict(m).items()} for m in v.months]
        },
    )


@router.get("/market/supply.csv")
def supply_csv(uow: UowDep, caller: MarketRead, settings: SettingsDep, area: AreaQ = "") -> Response:
    """One area's pipeline in the latest run as CSV (empty but for the header before the first run)."""
    with uow.read() as conn:
        v = land_views.supply_view(conn, caller.scope, settings.city_code, area or None, [])
    body = csvout.to_bytes(supply.EXPORT_HEADER, (supply.export_row(m) for m in v.months))
    return _csv(body, f"market-supply-{v.area}.csv")


@router.get("/market/rent-ratios", response_class=HTMLResponse)
def ratios_page(
    request: Request,
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    paging: PagingDep,
    district: DistrictQ = "",
) -> HTMLResponse:
    """Rent-to-price ratios per street in scope, by district, paginated."""
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        v = land_views.ratio_view(
            conn, caller.scope, settings.city_code, district or None, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "market/rent_ratios.html",
        view=v,
        places=[p for p in ps.visible if p.code != settings.city_code],
        names=ps.names,
        district=district,
        statuses=rent_ratio.STATUS_LABELS,
        minimum=rent_ratio.MIN_OBSERVATIONS,
        pager=pager(v.page.total, paging.page, paging.page_size),
    )


@router.get("/market/rent-ratios.csv")
def ratios_csv(uow: UowDep, caller: MarketRead, settings: SettingsDep, district: DistrictQ = "") -> Response:
    """Every street ratio in scope (the district filter applied) as CSV."""
    with uow.read() as conn:
        names = land_views.places(conn, caller.scope, settings.city_code).names
        rows = land_views.ratio_rows(conn, caller.scope, settings.city_code, district or None)
    body = csvout.to_bytes(rent_ratio.EXPORT_HEADER, (rent_ratio.export_row(s, names) for s in rows))
    return _csv(body, "market-rent-ratios.csv")
