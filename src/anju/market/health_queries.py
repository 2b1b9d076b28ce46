"""Reads of the health evaluation, the warnings and the forecasts for pages and the API: always the
latest finished run's rows, only the areas the caller may see (:mod:`anju.market.areas`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, func, select

from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.market import areas as market_areas
from anju.market import domain
from anju.market.health_model import Edition, HealthModelError, configured_editions, edition_by_code
from anju.market.indicator_codes import INDICATORS
from anju.market.runs import Run, is_synthetic, latest_run
from anju.market.tables import (
    market_forecasts,
    market_health_scores,
    market_index_values,
    market_indicator_values,
    market_supply,
    market_warnings,
)

HS, IV, W, F = market_health_scores.c, market_indicator_values.c, market_warnings.c, market_forecasts.c


@dataclass(frozen=True)
class AreaScores:
    area_code: str
    month: str
    scores: dict[str, float | None]  # dimension (and total) → score
    grades: dict[str, str | None]


@dataclass(frozen=True)
class Health:
    run: Run | None
    months: list[str]
    month: str | None
    areas: list[AreaScores]  # the chosen month, every visible area
    totals: dict[str, dict[str, float | None]]  # area → month → total
    sample_model: bool = False  # scored with a labelled sample edition
    synthetic: bool = False  # the register is a synthetic city (合成)
    #: the scores of every dimension (and the total) of one area (``history_of``) by month
    history: dict[str, dict[str, float | None]] = field(default_factory=dict)


def health(conn: Connection, scope: Scope, city: str, month: str | None, *, history_of: str | None = None) -> Health:
    """The scores of every visible area (:func:`anju.market.areas.listing`) for a month (default the
    last scored), every area's total over time and, for ``history_of``, every dimension over time: one
    query on the key (run, area, month, dimension)."""
    run = latest_run(conn)
    if run is None:
        return Health(None, [], None, [], {})
    areas = [code for code, _ in market_areas.listing(conn, scope, city)]
    months = [r[0] for r in conn.execute(select(HS.month).where(HS.run_id == run.id).distinct().order_by(HS.month))]
    if not months:
        return Health(run, [], None, [], {})
    chosen = month if month in months else months[-1]
    rows = conn.execute(
        select(HS.area_code, HS.month, HS.dimension, HS.score, HS.grade).where(
            HS.run_id == run.id, HS.area_code.in_(areas)
        )
    ).all()
    by: dict[str, AreaScores] = {}
    totals: dict[str, dict[str, float | None]] = {a: {} for a in areas}
    history: dict[str, dict[str, float | None]] = {}
    for area, m, dim, score, grade in rows:
        if dim == domain.TOTAL:
            totals[area][m] = score
        if area == history_of:
            history.setdefault(m, {})[dim] = score
        if m == chosen:
            s = by.setdefault(area, AreaScores(area, m, {}, {}))
            s.scores[dim] = score
            s.grades[dim] = grade
    ed = _edition(run.edition)
    return Health(
        run,
        months,
        chosen,
        [by[a] for a in areas if a in by],
        totals,
        sample_model=bool(ed and ed.sample),
        synthetic=is_synthetic(conn, run),
        history=dict(sorted(history.items())),
    )


@dataclass(frozen=True)
class IndicatorLine:
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


@dataclass(frozen=True)
class DimensionLine:
    code: str
    label: str
    weight: float
    score: float | None
    grade: str | None
    contributions: dict[str, Any]
    indicators: list[IndicatorLine]


@dataclass(frozen=True)
class Explanation:
    run: Run
    area_code: str
    month: str
    edition: Edition | None
    edition_code: str | None
    total: float | None
    grade: str | None
    total_contributions: dict[str, Any]
    dimensions: list[DimensionLine]


def _edition(code: str | None) -> Edition | None:
    if not code:
        return None
    try:
        return edition_by_code(configured_editions(), code)
    except HealthModelError:
        return None


def explain(conn: Connection, scope: Scope, city: str, area: str, month: str) -> Explanation:
    """Every score of an area and month explained back to its indicators, inputs and weights."""
    market_areas.require(scope, city, area)
    domain.parse_month(month)
    run = latest_run(conn)
    missing = f"没有 {area} 在 {month} 的健康评价"
    if run is None:
        raise NotFound(missing)
    scores = {
        r.dimension: r
        for r in conn.execute(
            select(market_health_scores).where(HS.run_id == run.id, HS.area_code == area, HS.month == month)
        )
    }
    if not scores:
        raise NotFound(missing)
    values = {
        r.indicator: r
        for r in conn.execute(
            select(market_indicator_values).where(IV.run_id == run.id, IV.area_code == area, IV.month == month)
        )
    }
    total = scores.get(domain.TOTAL)
    total_contrib = json.loads(total.contributions) if total is not None else {}
    edition = _edition(total_contrib.get("edition") or run.edition)
    dims = []
    for code, label in domain.DIMENSIONS.items():
        row = scores.get(code)
        contrib = json.loads(row.contributions) if row is not None else {"parts": []}
        d = next((x for x in edition.dimensions if x.code == code), None) if edition else None
        lines = []
        for part in contrib.get("parts", []):
            ind = edition.indicators.get(part["code"]) if edition else None
            v = values.get(part["code"])
            lines.append(
                IndicatorLine(
                    code=part["code"],
                    name=ind.name if ind else part["code"],
                    unit=ind.unit if ind else "",
                    formula=ind.formula if ind else "",
                    source=ind.source if ind else "",
                    normalisation=ind.normalise.describe() if ind else "",
                    weight=float(part["weight"]),
                    value=v.value if v is not None else None,
                    score=v.score if v is not None else None,
                    inputs=json.loads(v.inputs) if v is not None else {},
                )
            )
        dims.append(
            DimensionLine(
                code=code,
                label=label,
                weight=d.weight if d else 0.0,
                score=row.score if row is not None else None,
                grade=row.grade if row is not None else None,
                contributions=contrib,
                indicators=lines,
            )
        )
    return Explanation(
        run=run,
        area_code=area,
        month=month,
        edition=edition,
        edition_code=total_contrib.get("edition") or run.edition,
        total=total.score if total is not None else None,
        grade=total.grade if total is not None else None,
        total_contributions=total_contrib,
        dimensions=dims,
    )


# ------------------------------------------------------------------------------------------ warnings


@dataclass(frozen=True)
class MarketWarning:
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

    @property
    def indicator_name(self) -> str:
        """The indicator's (or score's) Chinese name, for pages and exports."""
        return indicator_label(self.indicator)


def _warning(r: Any) -> MarketWarning:
    return MarketWarning(**{k: (json.loads(v) if k == "inputs" else v) for k, v in r._mapping.items()})


@dataclass(frozen=True)
class WarningFilter:
    status: str = ""
    severity: str = ""
    area: str = ""
    month: str = ""


def warnings(
    conn: Connection, scope: Scope, city: str, f: WarningFilter, *, limit: int, offset: int
) -> Page[MarketWarning]:
    """Warnings of the visible areas (:func:`anju.market.areas.listing`), newest month first, filtered."""
    areas = [code for code, _ in market_areas.listing(conn, scope, city)]
    conds: list[ColumnElement[bool]] = [W.area_code.in_(areas)]
    if f.status:
        conds.append(W.status == f.status)
    if f.severity:
        conds.append(W.severity == f.severity)
    if f.area:
        conds.append(W.area_code == f.area)
    if f.month:
        conds.append(W.month == f.month)
    stmt = select(market_warnings).where(*conds).order_by(W.month.desc(), W.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_warning)


#: Rows read per query of the warnings export (the export is not capped: it streams batch by batch).
EXPORT_BATCH = 2_000


def export_warnings(engine: Engine, scope: Scope, city: str, f: WarningFilter) -> Iterator[MarketWarning]:
    """Every filtered warning, newest month first, read in batches of :data:`EXPORT_BATCH` (each its own
    short read), for a streamed CSV."""
    offset = 0
    while True:
        with engine.connect() as conn:
            page = warnings(conn, scope, city, f, limit=EXPORT_BATCH, offset=offset)
        yield from page.items
        if len(page.items) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


#: The one CSV layout of warnings (the warnings page's export and the dashboard's): attributes of
#: :class:`MarketWarning`, also the header.
WARNING_CSV_COLUMNS = (
    "id",
    "area_code",
    "month",
    "rule",
    "indicator",
    "indicator_name",
    "severity",
    "message",
    "status",
    "raised_at",
    "acknowledged_by",
    "acknowledge_note",
    "closed_by",
    "close_note",
)


#: The header of a warnings export, in Chinese, column for column with :data:`WARNING_CSV_COLUMNS`.
WARNING_CSV_HEADER = (
    "编号",
    "区域代码",
    "月份",
    "规则",
    "指标",
    "指标名称",
    "级别",
    "预警内容",
    "状态",
    "触发时间",
    "确认人",
    "确认说明",
    "关闭人",
    "关闭说明",
)
_CSV_LABELS: dict[str, Mapping[str, str]] = {"severity": domain.SEVERITIES, "status": domain.WARNING_STATUSES}


def warning_csv_rows(found: Iterable[MarketWarning]) -> Iterator[list[Any]]:
    """One row per warning (severity and status in Chinese), under :data:`WARNING_CSV_HEADER`."""
    for w in found:
        yield [
            _CSV_LABELS[c].get(getattr(w, c), getattr(w, c)) if c in _CSV_LABELS else getattr(w, c)
            for c in WARNING_CSV_COLUMNS
        ]


def warning(conn: Connection, scope: Scope, city: str, warning_id: int) -> MarketWarning:
    row = conn.execute(select(market_warnings).where(W.id == warning_id)).first()
    if row is None or (row.area_code != city and not scope.allows_division(row.area_code)):
        raise NotFound(f"没有编号为 {warning_id} 的市场预警")
    return _warning(row)


def open_warnings(conn: Connection, scope: Scope) -> tuple[int, int]:
    """Open warnings the caller may act on (its districts'; every one for a city-wide scope): (all, red
    or orange)."""
    total = urgent = 0
    for area, n, bad in conn.execute(
        select(W.area_code, func.count(), func.count().filter(W.severity.in_(("red", "orange"))))
        .where(W.status == "open")
        .group_by(W.area_code)
    ):
        if scope.allows_division(area):
            total, urgent = total + int(n), urgent + int(bad)
    return total, urgent


# ----------------------------------------------------------------------------------------- forecasts


@dataclass(frozen=True)
class ForecastPoint:
    month: str
    actual: float | None
    value: float | None
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class ForecastSeries:
    series: str
    label: str
    area_code: str
    model: str | None
    backtest_mape: float | None
    level: float | None
    points: list[ForecastPoint]
    #: Why there is no forecast (from the run's summary), when there is none.
    reason: str | None = None
    #: The back-test error is above :data:`LOW_RELIABILITY_MAPE` (a forecast of little use).
    low_reliability: bool = False


#: A back-test MAPE (%) above which a forecast is flagged 参考性低.
LOW_RELIABILITY_MAPE = 50.0


def _skip_reasons(summary: dict[str, Any] | None, area: str) -> dict[str, str]:
    """``forecast_skipped:<series>:<area>`` entries of any step of a run's summary, by series."""
    out: dict[str, str] = {}
    steps = (summary or {}).get("steps") or {}
    for step in steps.values() if isinstance(steps, dict) else ():
        if not isinstance(step, dict):
            continue
        for k, v in step.items():
            parts = str(k).split(":")
            if len(parts) == 3 and parts[0] == "forecast_skipped" and parts[2] == area:
                out[parts[1]] = str(v).rstrip("。")
    return out


def forecasts(conn: Connection, scope: Scope, city: str, area: str, history: int = 24) -> list[ForecastSeries]:
    """Every forecast series of an area with the last ``history`` months of its actual values."""
    market_areas.require(scope, city, area)
    run = latest_run(conn)
    if run is None:
        return []
    actual: dict[str, dict[str, float]] = {s: {} for s in domain.FORECAST_SERIES}
    s = market_supply.c
    for month, new, resale in conn.execute(
        select(s.month, s.new_sales, s.resales).where(s.run_id == run.id, s.area_code == area)
    ):
        actual["sales_new"][month] = float(new)
        actual["sales_resale"][month] = float(resale)
    iv = market_index_values.c
    for seg, month, value in conn.execute(
        select(iv.segment, iv.month, iv.value).where(
            iv.run_id == run.id, iv.area_code == area, iv.method == "hedonic", iv.band == "all", iv.value.is_not(None)
        )
    ):
        actual[f"price_{seg}"][month] = float(value)
    fc: dict[str, list[Any]] = {}
    for r in conn.execute(select(market_forecasts).where(F.run_id == run.id, F.area_code == area).order_by(F.month)):
        fc.setdefault(r.series, []).append(r)
    out = []
    reasons = _skip_reasons(run.summary, area)
    recent = domain.months_between(domain.add_months(run.last_month, -(history - 1)), run.last_month)
    for series, label in domain.FORECAST_SERIES.items():
        rows = fc.get(series, [])
        points = [ForecastPoint(m, actual[series].get(m), None, None, None) for m in recent]
        points += [ForecastPoint(r.month, None, r.value, r.lower, r.upper) for r in rows]
        out.append(
            ForecastSeries(
                series=series,
                label=label,
                area_code=area,
                model=rows[0].model if rows else None,
                backtest_mape=rows[0].backtest_mape if rows else None,
                level=rows[0].level if rows else None,
                points=points,
                reason=None if rows else reasons.get(series),
                low_reliability=bool(
                    rows and rows[0].backtest_mape is not None and rows[0].backtest_mape > LOW_RELIABILITY_MAPE
                ),
            )
        )
    return out


# ------------------------------------------------------------------------------ display (labels)

#: Chinese labels of the keys a warning's or an indicator's inputs carry (unknown keys stay as they are).
INPUT_LABELS: dict[str, str] = {
    "indicator": "指标",
    "kind": "规则类型",
    "op": "比较",
    "run_id": "计算编号",
    "threshold": "阈值",
    "before_month": "对比月份",
    "before": "对比月份的值",
    "value": "当月值",
    "values": "各月的值",
    "months": "月数",
    "change": "变动",
    "window": "统计期间",
    "last_12_months": "最近 12 个月",
    "baseline_used": "采用的基准",
    "plan_baseline": "计划基准",
    "district_share": "本区占比",
    "district_share_key": "分摊依据",
    "synthetic_scale": "合成数据规模系数",
    "small_le90_12m": "90㎡及以下成交（近 12 个月）",
    "sales_12m": "成交套数（近 12 个月）",
    "sales": "成交套数",
    "homes": "套数",
    "new_sales_area_12m": "新建成交面积（近 12 个月，㎡）",
    "standard_area_m2": "标准面积（㎡）",
    "median_unit_price_fen": "单价中位数（分/㎡）",
    "inventory_homes": "可售库存（套）",
    "inventory_area": "可售面积（㎡）",
    "leases_in_force": "在租租赁合同",
    "assisted_homes": "保障性住房套数",
    "population": "人口",
    "population_note": "人口说明",
    "persons": "人数",
    "income_source": "收入来源",
    "income_sample": "收入样本",
    "household_income_yuan": "户均收入（元）",
    "income_year": "收入年份",
    "supervised_fen_12m": "监管资金（近 12 个月，分）",
    "filed_fen_12m": "备案金额（近 12 个月，分）",
    "events_12m": "失信事件（近 12 个月）",
    "subjects": "主体数",
    "sales_on_listings": "挂牌成交数",
    "withdrawn": "撤回挂牌数",
    "segment": "类型",
    "band": "面积段",
    "method": "方法",
    "source": "来源",
    "reason": "原因",
    "status": "状态",
    "month": "月份",
    "first_month": "起始月份",
}
_OPS = {">": "大于", ">=": "不小于", "<": "小于", "<=": "不大于"}
_KINDS = {"level": "当月水平", "change": "变动", "persistence": "持续"}
_MONTH = re.compile(r"^\d{4}-\d{2}$")


def indicator_label(code: str) -> str:
    """The Chinese name of an indicator code or of a score (``score:total`` → 综合得分)."""
    if code.startswith("score:"):
        dim = code.split(":", 1)[1]
        return "综合得分" if dim == domain.TOTAL else f"{domain.DIMENSION_LABELS.get(dim, dim)}维度得分"
    return INDICATORS.get(code, code)


def _show(key: str, v: object) -> str:
    out = str(v)
    if v is None:
        out = "—"
    elif isinstance(v, bool):
        out = "是" if v else "否"
    elif isinstance(v, str):
        code_names = {"indicator": {v: indicator_label(v)}, "op": _OPS, "kind": _KINDS}.get(key, {})
        out = code_names.get(v, v)
    elif isinstance(v, float):
        out = f"{v:.2f}"
    elif isinstance(v, (list, tuple)):
        items = list(v)
        if items and all(isinstance(x, str) and _MONTH.match(x) for x in items):
            out = items[0] if len(items) == 1 else f"{items[0]} 至 {items[-1]}"
        else:
            out = "、".join(_show(key, x) for x in items) if items else "—"
    elif isinstance(v, dict):
        out = "；".join(f"{INPUT_LABELS.get(str(k), str(k))}：{_show(str(k), x)}" for k, x in v.items())
    return out


def describe_inputs(inputs: Mapping[str, object], skip: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """A warning's or an indicator's inputs as (Chinese label, displayed value) pairs: floats to two
    decimals, month lists as "起 至 止", codes translated; unknown keys keep their name."""
    return [(INPUT_LABELS.get(k, k), _show(k, v)) for k, v in inputs.items() if k not in skip]
