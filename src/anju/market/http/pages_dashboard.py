"""Pages of the monitoring dashboard, the monthly report and the publication (officers).

* 市场监测 (``/market``, ``market.read``): supply pipeline, price indices with a method choice, the health
  radar per district for a month and over time, the open warnings; every chart with its table and a CSV
  download, drawn by ``web/static/market-dashboard.js`` (ECharts) from a JSON data block (CSP: data, not
  script). Detail pages (/market/indices, /market/supply, /market/health, /market/warnings) are linked.
* 月度报告 (``/market/reports``, ``market.read``): the months of the latest run, each with its PDF and .docx.
* 市场数据发布 (``/market/publish``, ``market.publish``): choose a month, preview the public figures,
  confirm (a correction needs a note).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core.errors import AnjuError
from anju.market import dashboard as dash
from anju.market import domain, report, report_docx, report_pdf
from anju.market import publication as pub
from anju.market.http.deps import MarketPublish, MarketRead
from anju.market.runs import is_synthetic
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
#: Filter forms send an empty value for "the default".
AreaQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
MonthQ = Annotated[str | None, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$")]
SegmentQ = Annotated[Literal["new", "resale"], Query()]
MethodQ = Annotated[Literal["hedonic", "repeat-sales-geometric", "repeat-sales-arithmetic", "median"], Query()]
BandQ = Annotated[Literal["all", "le90", "90to144", "gt144"], Query()]
MonthP = Annotated[str, Path(pattern=MONTH)]


@router.get("/market", response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    uow: UowDep,
    caller: MarketRead,
    settings: SettingsDep,
    area: AreaQ = None,
    segment: SegmentQ = "new",
    method: MethodQ = "hedonic",
    band: BandQ = "all",
    month: MonthQ = None,
    index_area: AreaQ = None,
) -> HTMLResponse:
    """The monitoring dashboard of the latest run (an empty state before the first)."""
    area, month, index_area = area or None, month or None, index_area or None
    scope, city = caller.scope, settings.city_code
    with uow.read() as conn:
        s = dash.summary(conn, scope, city)
        if s.run is None:
            return render(request, "market/dashboard.html", summary=s, empty=True)
        sup = dash.supply(conn, scope, city, area=area, months=36, last=month)
        ix = dash.indices(
            conn, scope, city, segment=segment, method=method, band=band, area=index_area, months=36, last=month
        )
        h = dash.health(conn, scope, city, month=month, area=area, months=36)
        w = dash.open_warnings(conn, scope, city, area=None, limit=10, offset=0)
    data = {
        "supply": sup,
        "indices": ix,
        "health": h,
        "dimensions": domain.DIMENSION_LABELS,
        "area": h.area.code if h.area else area,
    }
    return render(
        request,
        "market/dashboard.html",
        empty=False,
        summary=s,
        supply=sup,
        indices=ix,
        health=h,
        warnings=w,
        data=jsonable_encoder(data),
        area=area or city,
        index_area=index_area or "",
        segment=segment,
        method=method,
        band=band,
        month=h.month or "",
        segments=domain.SEGMENTS,
        methods=domain.METHODS,
        bands=domain.BAND_LABELS,
        dimensions=domain.DIMENSION_LABELS,
        statuses=domain.INDEX_STATUSES,
        severities=domain.SEVERITIES,
        area_names={a.code: a.name for a in s.areas},
    )


# -------------------------------------------------------------------------------------------- reports


@router.get("/market/reports", response_class=HTMLResponse)
def reports_page(request: Request, uow: UowDep, caller: MarketRead) -> HTMLResponse:
    """The months a monthly report can be generated for (the latest run's), newest first."""
    with uow.read() as conn:
        run, months = report.report_months(conn)
        synthetic = is_synthetic(conn, run) if run else False
    return render(
        request,
        "market/reports.html",
        run=run,
        months=[(m, report.month_label(m)) for m in months],
        synthetic=synthetic,
    )


def _report(uow: UowDep, caller: MarketRead, settings: SettingsDep, month: str) -> report.MonthReport:
    with uow.read() as conn:
        return report.build(
            conn,
            caller.scope,
            settings.city_code,
            month,
            method=settings.market_published_method,
            city_name=divisions.names(conn, {settings.city_code}).get(settings.city_code, "本市"),
        )


@router.get("/market/reports/{month}.pdf", response_class=Response)
def report_pdf_file(uow: UowDep, caller: MarketRead, settings: SettingsDep, month: MonthP) -> Response:
    """The monthly report of ``month`` as PDF."""
    r = _report(uow, caller, settings, month)
    return Response(
        report_pdf.render(r),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{r.file_stem}.pdf"'},
    )


@router.get("/market/reports/{month}.docx", response_class=Response)
def report_docx_file(uow: UowDep, caller: MarketRead, settings: SettingsDep, month: MonthP) -> Response:
    """The monthly report of ``month`` as a Word document."""
    r = _report(uow, caller, settings, month)
    return Response(
        report_docx.render(r),
        media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{r.file_stem}.docx"'},
    )


# ----------------------------------------------------------------------------------------- publication


_FIELDS = {"month": "月份", "note": "更正说明", "run_id": "计算批次"}


def _message(e: AnjuError) -> str:
    """A refusal in Chinese, naming the field when it is about one."""
    if e.errors:
        return "；".join(f"{_FIELDS.get(x.field, x.field)}：{x.reason}" for x in e.errors)
    return e.message


@router.get("/market/publish", response_class=HTMLResponse)
def publish_page(
    request: Request,
    uow: UowDep,
    caller: MarketPublish,
    settings: SettingsDep,
    paging: PagingDep,
    month: MonthQ = None,
) -> HTMLResponse:
    """Choose a month of the latest run; with a month, the preview of its public figures and the
    confirmation form."""
    month = month or None
    with uow.read() as conn:
        run, months = report.report_months(conn)
        preview, error = None, None
        if run is not None and month:
            try:
                preview = pub.preview(
                    conn,
                    month,
                    city_code=settings.city_code,
                    method=settings.market_published_method,
                    k=settings.exchange_open_data_k,
                )
            except AnjuError as e:
                error = _message(e)
        published = pub.published_months(conn, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "market/publish.html",
        run=run,
        months=months,
        month=month or "",
        preview=preview,
        error=error,
        published=published.items,
        pager=pager(published.total, paging.page, paging.page_size),
        columns=pub.FIGURE_COLUMNS,
        rows=pub.figure_rows(preview.figures) if preview else [],
    )


@router.post("/market/publish", response_class=RedirectResponse)
def publish_form(
    request: Request,
    uow: UowDep,
    caller: MarketPublish,
    settings: SettingsDep,
    month: Annotated[str, Form(pattern=MONTH)],
    run_id: Annotated[int, Form(ge=1, le=2**62)],
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Publish the previewed month (a new version when it is already published: a correction, with a
    note); the public page of the month follows. A refusal shows the preview again with the reason."""
    try:
        with audited(uow, caller, "market.publish", "market_publication") as conn:
            got = pub.publish(
                conn,
                month=month,
                run_id=run_id,
                note=note,
                by=caller.username,
                city_code=settings.city_code,
                method=settings.market_published_method,
                k=settings.exchange_open_data_k,
            )
            set_audit_target(conn, got.head.id)
    except AnjuError as e:
        with uow.read() as conn:
            run, months = report.report_months(conn)
            try:
                preview = pub.preview(
                    conn,
                    month,
                    city_code=settings.city_code,
                    method=settings.market_published_method,
                    k=settings.exchange_open_data_k,
                )
            except AnjuError:
                preview = None
            published = pub.published_months(conn, limit=settings.page_size_default, offset=0)
        return render(
            request,
            "market/publish.html",
            status_code=e.status_code,
            run=run,
            months=months,
            month=month,
            preview=preview,
            error=_message(e),
            note=note,
            published=published.items,
            pager=pager(published.total, 1, settings.page_size_default),
            columns=pub.FIGURE_COLUMNS,
            rows=pub.figure_rows(preview.figures) if preview else [],
        )
    return RedirectResponse(f"/market/public/{got.head.month}", status_code=303)
