"""Pages of land transfers (土地出让), the supply pipeline (供应与去化) and rent-to-price ratios (租售比)
(``market.read``, scoped), each with its CSV. Thin: parse the query, read through
:mod:`anju.market.land_views`, render."""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from anju.core import csvout
from anju.core.errors import NotFound
from anju.market import areas, domain, land, land_views, rent_ratio, runs, supply
from anju.market.http.api_land import AreaQ, DateQ, DistrictQ, RentalQ, UseQ, land_filter
from anju.market.http.deps import MarketRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render, render_error

router = APIRouter(include_in_schema=False)


def _outside(request: Request, caller: MarketRead, city: str, district: str) -> HTMLResponse | None:
    """Another district's code answers the Chinese 404 page (never the caller's own figures instead)."""
    try:
        if district:
            areas.require(caller.scope, city, district)
    except NotFound as e:
        return render_error(request, 404, e.message)
    return None


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
    if (refused := _outside(request, caller, settings.city_code, district)) is not None:
        return refused
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
) -> StreamingResponse:
    """The filtered transfers as CSV (the feed's columns, then the derived figures), at most 100 000."""
    f = land_filter(district, land_use, rental, date_from, date_to)
    with uow.read() as conn:
        ds = land_views.places(conn, caller.scope, settings.city_code).district_codes()
    rows = land.export_rows(uow.engine, caller.scope, settings.city_code, ds, f)
    return csvout.response("market-land-transfers.csv", land.EXPORT_HEADER, rows)


@router.get("/market/supply", response_class=HTMLResponse)
def supply_page(
    request: Request, uow: UowDep, caller: MarketRead, settings: SettingsDep, area: AreaQ = ""
) -> HTMLResponse:
    """One area's supply pipeline (chart and table) and every visible area's last month."""
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        v = land_views.supply_view(conn, caller.scope, settings.city_code, area or None, [p.code for p in ps.visible])
        synthetic = runs.latest_is_synthetic(conn)
    return render(
        request,
        "market/supply.html",
        synthetic=synthetic,
        view=v,
        places=ps.visible,
        names=ps.names,
        data={
            "months": [{k: float(x) if isinstance(x, Decimal) else x for k, x in asdict(m).items()} for m in v.months]
        },
    )


@router.get("/market/supply.csv")
def supply_csv(uow: UowDep, caller: MarketRead, settings: SettingsDep, area: AreaQ = "") -> StreamingResponse:
    """One area's pipeline in the latest run as CSV (empty but for the header before the first run)."""
    with uow.read() as conn:
        v = land_views.supply_view(conn, caller.scope, settings.city_code, area or None, [])
        note = runs.synthetic_note(runs.latest_is_synthetic(conn))
    rows = [supply.export_row(m) for m in v.months]
    return csvout.response(f"market-supply-{v.area}.csv", supply.EXPORT_HEADER, rows, note=note)


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
    if (refused := _outside(request, caller, settings.city_code, district)) is not None:
        return refused
    with uow.read() as conn:
        ps = land_views.places(conn, caller.scope, settings.city_code)
        v = land_views.ratio_view(
            conn, caller.scope, settings.city_code, district or None, limit=paging.page_size, offset=paging.offset
        )
        synthetic = runs.latest_is_synthetic(conn)
    return render(
        request,
        "market/rent_ratios.html",
        synthetic=synthetic,
        view=v,
        places=[p for p in ps.visible if p.code != settings.city_code],
        names=ps.names,
        district=district,
        statuses=rent_ratio.STATUS_LABELS,
        minimum=rent_ratio.MIN_OBSERVATIONS,
        pager=pager(v.page.total, paging.page, paging.page_size),
    )


@router.get("/market/rent-ratios.csv")
def ratios_csv(uow: UowDep, caller: MarketRead, settings: SettingsDep, district: DistrictQ = "") -> StreamingResponse:
    """Every street ratio in scope (the district filter applied) as CSV."""
    with uow.read() as conn:
        names = land_views.places(conn, caller.scope, settings.city_code).names
        rows = land_views.ratio_rows(conn, caller.scope, settings.city_code, district or None)
        note = runs.synthetic_note(runs.latest_is_synthetic(conn))
    out = [rent_ratio.export_row(s, names) for s in rows]
    return csvout.response("market-rent-ratios.csv", rent_ratio.EXPORT_HEADER, out, note=note)
