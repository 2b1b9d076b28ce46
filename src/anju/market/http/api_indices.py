"""Price indices of the latest finished run (``market.read``, scoped by area) and starting a run
(``market.compute``, a background job)."""

from __future__ import annotations

import csv
import io
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from anju import divisions
from anju.core import jobs
from anju.core.db import UnitOfWork
from anju.core.errors import NotFound
from anju.market import areas, domain
from anju.market.compute import ComputeRequest, compute, validate
from anju.market.http.deps import MarketCompute, MarketRead
from anju.market.index_reads import qualities, series
from anju.market.runs import latest_run
from anju.security import Caller
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market", responses=ERRORS)

Segment = Literal["new", "resale"]
Method = Literal["hedonic", "repeat-sales-geometric", "repeat-sales-arithmetic", "median"]
Band = Literal["all", "le90", "90to144", "gt144"]
AreaQ = Annotated[str | None, Query(pattern=r"^\d{6}$", description="A district's code or the city's (default)")]


class PointOut(BaseModel):
    month: str
    value: float | None
    mom: float | None
    yoy: float | None
    observations: int
    median_unit_price_fen: int | None
    status: str


class QualityOut(BaseModel):
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


class SeriesOut(BaseModel):
    run_id: int
    segment: str
    method: str
    area_code: str
    band: str
    points: list[PointOut]
    quality: QualityOut | None


class RunIn(BaseModel):
    engine: Literal["duckdb", "spark"] = "duckdb"
    first_month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$")


class JobOut(BaseModel):
    job_id: int
    job_url: str


def _run_id(uow: UnitOfWork) -> int:
    with uow.read() as conn:
        run = latest_run(conn)
    if run is None:
        raise NotFound("还没有完成的市场监测计算")
    return run.id


@router.get("/indices", operation_id="market_index_series")
def index_series(
    uow: UowDep,
    settings: SettingsDep,
    caller: MarketRead,
    segment: Segment = "resale",
    method: Method = "hedonic",
    band: Band = "all",
    area: AreaQ = None,
) -> SeriesOut:
    """One index series (every month) of the latest finished run, with its quality. 404 before the first
    run, or for an area outside the caller's scope."""
    code = area or settings.city_code
    areas.require(caller.scope, settings.city_code, code)
    run_id = _run_id(uow)
    with uow.read() as conn:
        s = series(conn, run_id, segment=segment, method=method, area=code, band=band)
    if not s.points:
        raise NotFound(f"没有区域 {code} 的指数")
    return SeriesOut(**asdict(s))


@router.get("/indices.csv", operation_id="market_index_series_csv", response_class=Response)
def index_series_csv(
    uow: UowDep,
    settings: SettingsDep,
    caller: MarketRead,
    segment: Segment = "resale",
    method: Method = "hedonic",
    band: Band = "all",
    area: AreaQ = None,
) -> Response:
    """The same series as CSV (UTF-8 with BOM, Chinese headers)."""
    code = area or settings.city_code
    areas.require(caller.scope, settings.city_code, code)
    run_id = _run_id(uow)
    with uow.read() as conn:
        s = series(conn, run_id, segment=segment, method=method, area=code, band=band)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["月份", "定基指数", "环比(上月=100)", "同比(上年同月=100)", "样本数", "中位单价(元/㎡)", "状态"])
    for p in s.points:
        w.writerow(
            [
                p.month,
                "" if p.value is None else f"{p.value:.2f}",
                "" if p.mom is None else f"{p.mom:.2f}",
                "" if p.yoy is None else f"{p.yoy:.2f}",
                p.observations,
                "" if p.median_unit_price_fen is None else f"{p.median_unit_price_fen / 100:.0f}",
                domain.INDEX_STATUSES.get(p.status, p.status),
            ]
        )
    name = f"index-{segment}-{method}-{code}-{band}.csv"
    return Response(
        "\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/indices/quality", operation_id="market_index_quality")
def index_quality(
    uow: UowDep,
    settings: SettingsDep,
    caller: MarketRead,
    paging: PagingDep,
    segment: Segment | None = None,
    method: Method | None = None,
    band: Band | None = None,
) -> Page[QualityOut]:
    """The quality (accuracy, volatility, revision, error against the truth) of the latest run's series
    in the caller's areas, paginated."""
    run_id = _run_id(uow)
    with uow.read() as conn:
        visible = areas.visible(
            caller.scope, settings.city_code, [*[c["code"] for c in divisions.choices(conn)], settings.city_code]
        )
        page = qualities(
            conn, run_id, areas=visible, segment=segment, method=method, band=band,
            limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    return Page(
        items=[QualityOut(**asdict(q)) for q in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


def start_compute_job(uow: UnitOfWork, settings: SettingsDep, caller: Caller, req: ComputeRequest) -> int:
    """Check the request (ValidationError naming the field, nothing started), then start the run as a
    background job; returns the job's id."""
    from anju.core import clock

    validate(req, today=clock.today(), default_first=settings.market_first_month)

    def work(progress: jobs.Progress) -> jobs.Done:
        run = compute(
            uow, caller, req, city_code=settings.city_code, default_first_month=settings.market_first_month,
            progress=progress,
        )  # fmt: skip
        return jobs.Done("/market/runs", f"第 {run.id} 次计算已完成（{run.first_month}–{run.last_month}）")

    return jobs.start(
        uow, settings.data_dir, kind="market.compute", title="计算市场监测指标", owner=caller.account_id, work=work
    )


@router.post("/runs", operation_id="market_start_run", status_code=202)
def start_run(uow: UowDep, settings: SettingsDep, caller: MarketCompute, body: RunIn) -> JobOut:
    """Start a computation of the market figures as a background job (202: its id and page). 422 naming
    the field for a bad month or engine."""
    job = start_compute_job(uow, settings, caller, ComputeRequest(body.engine, body.first_month))
    return JobOut(job_id=job, job_url=f"/jobs/{job}")
