"""Pages of the health evaluation (健康评价), the early warnings (市场预警) and the forecasts (趋势预测).

Thin: parse the query or form, call a read or the warning service, render or redirect. Every chart
has its table beside it and a CSV (the REST mirrors under /api/v1/market/).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, NotFound
from anju.market import domain
from anju.market import health_queries as hq
from anju.market import warnings as market_warnings
from anju.market.areas import listing, require
from anju.market.http.deps import MarketRead, MarketWarn
from anju.market.http.health_support import AreaCode, MonthParam, OptionalMonth
from anju.market.runs import is_synthetic, latest_is_synthetic
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render, render_error

router = APIRouter(include_in_schema=False)

WarningId = Annotated[int, Path(ge=1, le=2**62)]
AreaQuery = Annotated[str, Query(max_length=12, pattern=r"^(\d{6,12})?$")]
Action = Literal["acknowledge", "close"]
DONE = {"acknowledge": "已确认该预警。", "close": "已关闭该预警。"}


def _names(conn: Any, caller: Any, city: str) -> dict[str, str]:
    """The Chinese names of the areas the caller may see (:func:`anju.market.areas.listing`)."""
    return dict(listing(conn, caller.scope, city))


@router.get("/market/health", response_class=HTMLResponse)
def health_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketRead,
    month: OptionalMonth = "",
    area: AreaQuery = "",
) -> HTMLResponse:
    """Per area: the radar of the seven dimensions for a month (the city and one chosen district by
    default, more on demand), the total over time, and the table."""
    city = sec.settings.city_code
    try:
        if area:
            require(caller.scope, city, area)
    except NotFound as e:
        return render_error(request, 404, e.message)
    with uow.read() as conn:
        h = hq.health(conn, caller.scope, city, month or None)
        names = _names(conn, caller, city)
    districts_shown = [a.area_code for a in h.areas if a.area_code != city]
    chosen = area if area and area != city else (districts_shown[0] if districts_shown else "")
    data = {
        "selected": [names.get(city, city)] + ([names.get(chosen, chosen)] if chosen else []),
        "dimensions": domain.DIMENSIONS,
        "month": h.month,
        "months": h.months,
        "areas": [{**asdict(a), "name": names.get(a.area_code, a.area_code)} for a in h.areas],
        "totals": {names.get(a, a): [h.totals[a].get(m) for m in h.months] for a in h.totals},
    }
    return render(
        request,
        "market/health.html",
        h=h,
        chosen=chosen,
        names=names,
        dimensions=domain.DIMENSION_LABELS,
        data=data,
    )


@router.get("/market/health/{area}/{month}", response_class=HTMLResponse)
def explain_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: MarketRead, area: AreaCode, month: MonthParam
) -> HTMLResponse:
    """An area's scores of a month explained back to indicators, inputs, normalisation and weights."""
    city = sec.settings.city_code
    with uow.read() as conn:
        try:
            e = hq.explain(conn, caller.scope, city, area, month)
        except NotFound as err:
            return render_error(request, 404, err.message)
        names = _names(conn, caller, city)
        synthetic = is_synthetic(conn, e.run)
    return render(
        request,
        "market/health_explain.html",
        synthetic=synthetic,
        e=e,
        area_name=names.get(area, area),
        dimension_labels=domain.DIMENSION_LABELS,
    )


# ------------------------------------------------------------------------------------------ warnings


@router.get("/market/warnings", response_class=HTMLResponse)
def warnings_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketRead,
    paging: PagingDep,
    status: Annotated[Literal["", "open", "acknowledged", "closed"], Query()] = "",
    severity: Annotated[Literal["", "blue", "yellow", "orange", "red"], Query()] = "",
    area: AreaQuery = "",
    month: OptionalMonth = "",
) -> HTMLResponse:
    """Warnings of the visible areas, newest month first, with filters, pages and a CSV."""
    city = sec.settings.city_code
    f = hq.WarningFilter(status=status, severity=severity, area=area, month=month)
    try:
        if area:
            require(caller.scope, city, area)
    except NotFound as e:
        return render_error(request, 404, e.message)
    with uow.read() as conn:
        page = hq.warnings(conn, caller.scope, city, f, limit=paging.page_size, offset=paging.offset)
        names = _names(conn, caller, city)
        areas = list(names)
        synthetic = latest_is_synthetic(conn)
    query = "&".join(f"{k}={v}" for k, v in asdict(f).items() if v)
    return render(
        request,
        "market/warnings.html",
        synthetic=synthetic,
        items=page.items,
        f=f,
        areas=areas,
        actable={a for a in areas if caller.scope.allows_division(a)},
        names=names,
        statuses=domain.WARNING_STATUSES,
        severities=domain.SEVERITIES,
        csv_url="/api/v1/market/warnings.csv" + (f"?{query}" if query else ""),
        pager=pager(page.total, paging.page, paging.page_size),
    )


def _warning_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Any,
    warning_id: int,
    *,
    template: str = "market/warning.html",
    action: str = "",
    note: str = "",
    error: AnjuError | None = None,
    done: str = "",
) -> HTMLResponse:
    city = sec.settings.city_code
    with uow.read() as conn:
        w = hq.warning(conn, caller.scope, city, warning_id)
        names = _names(conn, caller, city)
    return render(
        request,
        template,
        status_code=error.status_code if error else 200,
        w=w,
        area_name=names.get(w.area_code, w.area_code),
        is_city=w.area_code == city,
        statuses=domain.WARNING_STATUSES,
        severities=domain.SEVERITIES,
        actions=market_warnings.ACTIONS.get(w.status, ()),
        action_labels=market_warnings.ACTION_LABELS,
        may_act=caller.can("market.warn") and caller.scope.allows_division(w.area_code),
        action=action,
        note=note,
        message=error.message if error else None,
        errors=error.errors if error else [],
        done=DONE.get(done),
    )


@router.get("/market/warnings/{warning_id}", response_class=HTMLResponse)
def warning_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketRead,
    warning_id: WarningId,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """A warning: its rule, inputs, area and handling, with the officer's actions."""
    return _warning_page(request, uow, sec, caller, warning_id, done=done)


@router.get("/market/warnings/{warning_id}/confirm", response_class=HTMLResponse)
def warning_confirm(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketWarn,
    warning_id: WarningId,
    action: Annotated[Action, Query()] = "acknowledge",
) -> HTMLResponse:
    """Asks for the note and a confirmation before acknowledging or closing."""
    return _warning_page(request, uow, sec, caller, warning_id, template="market/warning_confirm.html", action=action)


@router.post("/market/warnings/{warning_id}/{action}", response_class=HTMLResponse)
def warning_action(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketWarn,
    warning_id: WarningId,
    action: Annotated[Action, Path()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def write() -> None:
        with audited(uow, caller, f"market.warning.{action}", "market_warning", warning_id) as conn:
            market_warnings.handle(conn, caller, sec.settings.city_code, warning_id, action, note)

    return form_action(
        write,
        done=f"/market/warnings/{warning_id}?done={action}",
        again=lambda e: _warning_page(
            request,
            uow,
            sec,
            caller,
            warning_id,
            template="market/warning_confirm.html",
            action=action,
            note=note,
            error=e,
        ),
    )


# ----------------------------------------------------------------------------------------- forecasts


@router.get("/market/forecasts", response_class=HTMLResponse)
def forecasts_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: MarketRead, area: AreaQuery = ""
) -> HTMLResponse:
    """An area's forecasts (six months ahead, 80 % interval) with the last 24 months and the back-test error."""
    city = sec.settings.city_code
    with uow.read() as conn:
        names = _names(conn, caller, city)
        areas = list(names)
        chosen = area or city
        found = hq.forecasts(conn, caller.scope, city, chosen)
        synthetic = latest_is_synthetic(conn)
    return render(
        request,
        "market/forecasts.html",
        synthetic=synthetic,
        csv_url=f"/api/v1/market/forecasts.csv?area={chosen}",
        series=found,
        area=chosen,
        areas=areas,
        names=names,
        data={"series": [asdict(s) for s in found]},
    )
