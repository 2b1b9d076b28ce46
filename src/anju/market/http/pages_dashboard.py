"""Pages of the monitoring dashboard, the monthly report and the publication (officers).

* 市场监测 (``/market``, ``market.read``): supply pipeline, price indices with a method choice, the health
  radar per district for a month and over time, the open warnings; every chart with its table and a CSV
  download, drawn by ``web/static/market-dashboard.js`` (ECharts) from a JSON data block (CSP: data, not
  script). Detail pages (/market/indices, /market/supply, /market/health, /market/warnings) are linked.
* 月度报告 (``/market/reports``, ``market.report``): the months of the latest run; a month's PDF or .docx is
  generated as a background job (its page ``/jobs/{id}`` leads to the file, kept for its author only).
* 市场数据发布 (``/market/publish``, ``market.publish``): choose a month, preview the public figures,
  confirm (a correction needs a note).
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path as FilePath
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core import jobs
from anju.core.db import UnitOfWork
from anju.core.errors import AnjuError, NotFound
from anju.core.settings import Settings
from anju.market import dashboard as dash
from anju.market import domain, report, report_docx, report_pdf
from anju.market import publication as pub
from anju.market.http.deps import MarketPublish, MarketRead, MarketReport
from anju.market.runs import is_synthetic
from anju.security import Caller, audited, set_audit_detail, set_audit_target
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
def reports_page(request: Request, uow: UowDep, caller: MarketReport) -> HTMLResponse:
    """The months a monthly report can be generated for (the latest run's), newest first."""
    return _reports_page(request, uow)


def _reports_page(
    request: Request, uow: UowDep, *, status: int = 200, message: str = "", month: str = ""
) -> HTMLResponse:
    with uow.read() as conn:
        run, months = report.report_months(conn)
        synthetic = is_synthetic(conn, run) if run else False
    return render(
        request,
        "market/reports.html",
        status_code=status,
        run=run,
        months=[(m, report.month_label(m)) for m in months],
        synthetic=synthetic,
        message=message,
        month=month,
        formats=REPORT_FORMATS,
    )


#: What a report can be written as: format → (its name on the page, media type).
REPORT_FORMATS = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word（.docx）", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}
REPORT_FILE = re.compile(r"^market-report-(\d{4}-\d{2})-[0-9a-f]{32}\.(pdf|docx)$")


def report_dir(settings: Settings, account_id: int) -> FilePath:
    """Where the reports one account generated are kept (each account reads only its own: a report holds
    what its author's scope sees)."""
    return jobs.results_dir(FilePath(settings.data_dir), "market-reports") / str(account_id)


def start_report(uow: UnitOfWork, settings: Settings, caller: Caller, month: str, fmt: str) -> int:
    """Generate the monthly report of ``month`` as a background job (``anju.core.jobs``): the figures are
    read, laid out and written to a file of the caller's; the job leads to its download."""
    assert caller.account_id is not None  # market.report is staff's: signed in
    label, _ = REPORT_FORMATS[fmt]
    name = f"market-report-{month}-{uuid.uuid4().hex}.{fmt}"

    def work(progress: jobs.Progress) -> jobs.Done:
        progress(f"读取 {report.month_label(month)} 的存储结果（供需、价格指数、走势）", 0.05)
        with uow.read() as conn:
            r = report.build(
                conn,
                caller.scope,
                settings.city_code,
                month,
                method=settings.market_published_method,
                city_name=divisions.names(conn, {settings.city_code}).get(settings.city_code, "本市"),
            )
        progress(f"排版 {label}：{len(r.lines)} 个区域的数据表、{len(r.trend)} 个月的指数走势和成交图", 0.3)
        body = report_pdf.render(r) if fmt == "pdf" else report_docx.render(r)
        progress(f"保存文件（{len(body) // 1024} KB）", 0.95)
        folder = report_dir(settings, caller.account_id or 0)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(body)
        return jobs.Done(f"/market/reports/files/{name}", f"已生成{r.month_label}月度报告（{label}），点击下载")

    return jobs.start(
        uow,
        settings.data_dir,
        kind="market.report",
        title=f"生成{report.month_label(month)}房地产市场月度报告（{label}）",
        owner=caller.account_id,
        work=work,
    )


@router.post("/market/reports", response_class=HTMLResponse)
def report_form(
    request: Request,
    uow: UowDep,
    caller: MarketReport,
    settings: SettingsDep,
    month: Annotated[str, Form(max_length=7)] = "",
    format: Annotated[str, Form(max_length=4)] = "",
) -> Response:
    """Start generating a month's report (PDF or .docx) as a background job; its page leads to the file.
    A month the latest run does not hold or an unknown format is refused here, on the list, in Chinese."""
    with uow.read() as conn:
        _, months = report.report_months(conn)
    if format not in REPORT_FORMATS:
        return _reports_page(request, uow, status=422, message="格式：应为 PDF 或 Word（.docx）", month=month)
    if month not in months:
        why = "还没有完成的市场监测计算" if not months else f"最近一次计算不含该月（可选 {months[-1]} 至 {months[0]}）"
        return _reports_page(request, uow, status=422, message=f"月份：{why}", month=month)
    job = start_report(uow, settings, caller, month, format)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/market/reports/files/{name}", response_class=FileResponse)
def report_file(
    uow: UowDep, settings: SettingsDep, caller: MarketReport, name: Annotated[str, Path(max_length=80)]
) -> FileResponse:
    """A report file of a finished job the caller started (``jobs.owns_result``): another account, even
    of the same role and district, is told it does not exist; each download is audited."""
    missing = "没有这份月度报告（或已被清理），请重新生成"
    m = REPORT_FILE.fullmatch(name)
    path = report_dir(settings, caller.account_id or 0) / name
    if m is None or caller.account_id is None or not path.is_file():
        raise NotFound(missing)
    with uow.read() as conn:
        mine = jobs.owns_result(conn, f"/market/reports/files/{name}", owner=caller.account_id)
    if not mine:
        raise NotFound(missing)
    month, fmt = m.groups()
    with audited(uow, caller, "market.download_report", "market_report") as conn:
        set_audit_detail(conn, {"file": name, "month": month})
    return FileResponse(path, media_type=REPORT_FORMATS[fmt][1], filename=f"market-report-{month}.{fmt}")


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
