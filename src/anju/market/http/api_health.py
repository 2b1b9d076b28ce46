"""REST mirrors of the health evaluation, the early warnings and the forecasts (``market.read``; the
warnings' handling ``market.warn``). Areas outside the caller's scope answer as missing."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from anju.core import csvout
from anju.market import health_queries as hq
from anju.market import warnings as market_warnings
from anju.market.http.deps import MarketRead, MarketWarn
from anju.market.http.health_support import AreaCode, MonthParam, OptionalMonth
from anju.market.runs import latest_is_synthetic, synthetic_note
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market", responses=ERRORS)

WarningId = Annotated[int, Path(ge=1, le=2**62)]
Status = Literal["", "open", "acknowledged", "closed"]
Severity = Literal["", "blue", "yellow", "orange", "red"]


class AreaScoresOut(BaseModel):
    area_code: str
    month: str
    scores: dict[str, float | None]
    grades: dict[str, str | None]


class HealthOut(BaseModel):
    run_id: int | None
    edition: str | None
    months: list[str]
    month: str | None
    areas: list[AreaScoresOut]
    totals: dict[str, dict[str, float | None]]


@router.get("/health", operation_id="market_health")
def health(uow: UowDep, sec: SecurityDep, caller: MarketRead, month: OptionalMonth = "") -> HealthOut:
    """The seven dimension scores and the total of every visible area for a month (default: the last
    scored), and the total over time, from the latest finished run."""
    city = sec.settings.city_code
    with uow.read() as conn:
        h = hq.health(conn, caller.scope, city, month or None)
    return HealthOut(
        run_id=h.run.id if h.run else None,
        edition=h.run.edition if h.run else None,
        months=h.months,
        month=h.month,
        areas=[AreaScoresOut(**asdict(a)) for a in h.areas],
        totals=h.totals,
    )


class IndicatorOut(BaseModel):
    code: str
    name: str
    unit: str
    formula: str
    source: str
    normalisation: str
    weight: float
    value: float | None
    score: float | None
    inputs: dict[str, Any]


class DimensionOut(BaseModel):
    code: str
    label: str
    weight: float
    score: float | None
    grade: str | None
    contributions: dict[str, Any]
    indicators: list[IndicatorOut]


class ExplanationOut(BaseModel):
    run_id: int
    area_code: str
    month: str
    edition: str | None
    total: float | None
    grade: str | None
    total_contributions: dict[str, Any]
    dimensions: list[DimensionOut]


@router.get("/health/{area}/{month}", operation_id="market_health_explain")
def explain(uow: UowDep, sec: SecurityDep, caller: MarketRead, area: AreaCode, month: MonthParam) -> ExplanationOut:
    """An area's scores of a month explained: every indicator's value, inputs, normalisation and weight."""
    with uow.read() as conn:
        e = hq.explain(conn, caller.scope, sec.settings.city_code, area, month)
    return ExplanationOut(
        run_id=e.run.id,
        area_code=e.area_code,
        month=e.month,
        edition=e.edition_code,
        total=e.total,
        grade=e.grade,
        total_contributions=e.total_contributions,
        dimensions=[DimensionOut(**asdict(d)) for d in e.dimensions],
    )


class WarningOut(BaseModel):
    id: int
    rule: str
    edition: str
    indicator: str
    area_code: str
    month: str
    severity: str
    message: str
    inputs: dict[str, Any]
    status: str
    run_id: int
    raised_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    acknowledge_note: str | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None


def _filter(status: str, severity: str, area: str, month: str) -> hq.WarningFilter:
    return hq.WarningFilter(status=status, severity=severity, area=area, month=month)


AreaFilter = Annotated[str, Query(max_length=12, pattern=r"^(\d{6,12})?$")]


@router.get("/warnings", operation_id="market_warnings")
def warnings(
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketRead,
    paging: PagingDep,
    status: Annotated[Status, Query()] = "",
    severity: Annotated[Severity, Query()] = "",
    area: AreaFilter = "",
    month: OptionalMonth = "",
) -> Page[WarningOut]:
    """Early warnings of the visible areas, newest month first; filters status, severity, area, month."""
    city = sec.settings.city_code
    with uow.read() as conn:
        page = hq.warnings(
            conn,
            caller.scope,
            city,
            _filter(status, severity, area, month),
            limit=paging.page_size,
            offset=paging.offset,
        )
    return Page(
        items=[WarningOut(**asdict(w)) for w in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/warnings.csv",
    operation_id="market_warnings_csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM；全部符合条件的预警（分批输出）"}},
)
def warnings_csv(
    uow: UowDep,
    sec: SecurityDep,
    caller: MarketRead,
    status: Annotated[Status, Query()] = "",
    severity: Annotated[Severity, Query()] = "",
    area: AreaFilter = "",
    month: OptionalMonth = "",
) -> StreamingResponse:
    """Every filtered warning as CSV (UTF-8 with BOM), streamed in batches; a synthetic run's export
    ends with the 合成 note row."""
    city = sec.settings.city_code
    with uow.read() as conn:
        note = synthetic_note(latest_is_synthetic(conn))
    found = hq.export_warnings(uow.engine, caller.scope, city, _filter(status, severity, area, month))
    return csvout.response("market-warnings.csv", hq.WARNING_CSV_HEADER, hq.warning_csv_rows(found), note=note)


@router.get("/warnings/{warning_id}", operation_id="market_warning")
def warning(uow: UowDep, sec: SecurityDep, caller: MarketRead, warning_id: WarningId) -> WarningOut:
    """One warning with its rule, inputs, area and handling."""
    with uow.read() as conn:
        w = hq.warning(conn, caller.scope, sec.settings.city_code, warning_id)
    return WarningOut(**asdict(w))


class NoteIn(BaseModel):
    note: str = Field(min_length=1, max_length=500, description="处理说明（必填）")


def _handle(uow: UowDep, sec: SecurityDep, caller: Any, warning_id: int, action: str, note: str) -> WarningOut:
    city = sec.settings.city_code
    with audited(uow, caller, f"market.warning.{action}", "market_warning", warning_id) as conn:
        market_warnings.handle(conn, caller, city, warning_id, action, note)
    with uow.read() as conn:
        return WarningOut(**asdict(hq.warning(conn, caller.scope, city, warning_id)))


@router.post("/warnings/{warning_id}/acknowledge", operation_id="market_warning_acknowledge")
def acknowledge(uow: UowDep, sec: SecurityDep, caller: MarketWarn, warning_id: WarningId, body: NoteIn) -> WarningOut:
    """Acknowledge an open warning with a note (district officers: their district's only)."""
    return _handle(uow, sec, caller, warning_id, "acknowledge", body.note)


@router.post("/warnings/{warning_id}/close", operation_id="market_warning_close")
def close(uow: UowDep, sec: SecurityDep, caller: MarketWarn, warning_id: WarningId, body: NoteIn) -> WarningOut:
    """Close an open or acknowledged warning with a note."""
    return _handle(uow, sec, caller, warning_id, "close", body.note)


class ForecastPointOut(BaseModel):
    month: str
    actual: float | None
    value: float | None
    lower: float | None
    upper: float | None


class ForecastSeriesOut(BaseModel):
    series: str
    label: str
    area_code: str
    model: str | None
    backtest_mape: float | None
    level: float | None
    points: list[ForecastPointOut]


@router.get("/forecasts", operation_id="market_forecasts")
def forecasts(uow: UowDep, sec: SecurityDep, caller: MarketRead, area: AreaFilter = "") -> list[ForecastSeriesOut]:
    """Each forecast series of an area (default: the city): its last 24 months, the forecast six months
    ahead with the interval, the model and the back-test error."""
    city = sec.settings.city_code
    with uow.read() as conn:
        found = hq.forecasts(conn, caller.scope, city, area or city)
    return [ForecastSeriesOut(**asdict(s)) for s in found]


FORECAST_CSV_COLUMNS = (
    "序列",
    "区域代码",
    "月份",
    "实际值",
    "预测值",
    "区间下限",
    "区间上限",
    "模型",
    "回测误差（MAPE）",
)


@router.get(
    "/forecasts.csv",
    operation_id="market_forecasts_csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def forecasts_csv(uow: UowDep, sec: SecurityDep, caller: MarketRead, area: AreaFilter = "") -> StreamingResponse:
    """An area's forecast series (default: the city) as CSV: history, forecast and interval per month."""
    city = sec.settings.city_code
    with uow.read() as conn:
        found = hq.forecasts(conn, caller.scope, city, area or city)
        note = synthetic_note(latest_is_synthetic(conn))
    rows = [
        [s.label, s.area_code, p.month, p.actual, p.value, p.lower, p.upper, s.model, s.backtest_mape]
        for s in found
        for p in s.points
    ]
    return csvout.response(f"market-forecasts-{area or city}.csv", FORECAST_CSV_COLUMNS, rows, note=note)
