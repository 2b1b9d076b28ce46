"""Pages of the market computation and the price indices (``market.read``; starting a run
``market.compute``).

* 市场监测计算 (``/market/runs``): the runs, newest first, paginated, and for city officers the
  开始计算 form (engine, first month) that starts a background job and leads to its progress page;
* 房价指数 (``/market/indices``): one series of the latest run — segment, method, area (in the
  caller's scope), size band — as an ECharts line chart (``web/static/market-indices.js``, from a JSON
  data block: data, not script), its table, CSV download, and the quality of the series.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from anju import divisions
from anju.core.errors import ValidationError
from anju.market import areas, domain
from anju.market.compute import ComputeRequest
from anju.market.http.api_indices import start_compute_job
from anju.market.http.deps import MarketCompute, MarketRead
from anju.market.index_reads import series
from anju.market.runs import latest_run, list_runs
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

SegmentQ = Annotated[str, Query(pattern=r"^(new|resale)$")]
MethodQ = Annotated[str, Query(pattern=r"^(hedonic|repeat-sales-geometric|repeat-sales-arithmetic|median)$")]
BandQ = Annotated[str, Query(pattern=r"^(all|le90|90to144|gt144)$")]
AreaQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]


def _runs_page(request: Request, uow: Any, caller: Any, paging: Any, settings: Any, **extra: Any) -> HTMLResponse:
    with uow.read() as conn:
        page = list_runs(conn, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "market/runs.html",
        runs=page.items,
        total=page.total,
        pager=pager(page.total, paging.page, paging.page_size),
        engines=domain.ENGINES,
        statuses=domain.RUN_STATUSES,
        can_compute=caller.can("market.compute"),
        first_month=settings.market_first_month,
        **extra,
    )


@router.get("/market/runs", response_class=HTMLResponse)
def runs_page(
    request: Request, uow: UowDep, caller: MarketRead, paging: PagingDep, settings: SettingsDep
) -> HTMLResponse:
    return _runs_page(request, uow, caller, paging, settings)


@router.post("/market/runs", response_class=HTMLResponse)
def runs_start(
    request: Request,
    uow: UowDep,
    caller: MarketCompute,
    paging: PagingDep,
    settings: SettingsDep,
    engine: Annotated[str, Form()] = "duckdb",
    first_month: Annotated[str, Form()] = "",
) -> Any:
    """Start a run (开始计算) and answer with the job's page; a bad field re-shows the form (422)."""
    try:
        job = start_compute_job(uow, settings, caller, ComputeRequest(engine, first_month or None))
    except ValidationError as e:
        err = e.errors[0] if e.errors else None
        labels = {"engine": "计算引擎", "first_month": "起始月份", "last_month": "最后月份"}
        message = f"{labels.get(err.field, err.field)}：{err.reason}" if err else e.message
        resp = _runs_page(
            request, uow, caller, paging, settings, message=message, form_engine=engine, form_first=first_month
        )
        resp.status_code = 422
        return resp
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/market/indices", response_class=HTMLResponse)
def indices_page(
    request: Request,
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    segment: SegmentQ = "resale",
    method: MethodQ = "hedonic",
    band: BandQ = "all",
    area: AreaQ = None,
) -> HTMLResponse:
    city = settings.city_code
    code = area or city
    areas.require(caller.scope, city, code)
    with uow.read() as conn:
        districts = divisions.choices(conn)
        visible = areas.visible(caller.scope, city, [d["code"] for d in districts])
        names = {d["code"]: d["name"] for d in districts}
        run = latest_run(conn)
        s = series(conn, run.id, segment=segment, method=method, area=code, band=band) if run else None
    data = {
        "points": [asdict(p) for p in s.points] if s else [],
        "title": f"{names.get(code, '全市')} {domain.SEGMENTS[segment]} {domain.METHODS[method]}",
    }
    return render(
        request,
        "market/indices.html",
        run=run,
        s=s,
        data=data,
        segment=segment,
        method=method,
        band=band,
        area=code,
        city=city,
        areas=[(c, names.get(c, c)) for c in visible if c != city],
        area_name=names.get(code, "全市"),
        segments=domain.SEGMENTS,
        methods=domain.METHODS,
        bands=domain.BAND_LABELS,
        statuses=domain.INDEX_STATUSES,
    )
