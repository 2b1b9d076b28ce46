"""Short-horizon forecasts (趋势预测): per area, a SARIMAX model of monthly new-home and resale sales
counts (``market_supply``) and of the hedonic price index of each segment (``market_index_values``,
band ``all``), six months ahead with an 80 % interval, written to ``market_forecasts`` with the model's
back-test error.

Model: SARIMAX(1,1,1)(0,1,1,12) on the series (sales counts on log(1 + x), back-transformed; the interval
is back-transformed too, so it stays positive) when it has at least 36 months; otherwise, or when the
seasonal fit fails, the fallback ARIMA(1,1,1) (at least 24 months). Shorter series, series with gaps
in the last 24 months, and constant series are skipped with the reason in the step's summary — never
a crash, never a made-up number. A price series uses only index cells of status ``ok``: a ``thin`` or
``none`` month ends the series there (the model is fitted on the months after it, or the series is
skipped when too few are left), and the summary says so (``forecast_cut:…``).

Back-test (reported as ``backtest_mape``): rolling-origin one-step-ahead forecasts over the last 12
months. The model is fitted once on the series without its last 12 months; its parameters are then
applied to the whole series (``results.apply``) and each of the last 12 months is predicted from the
months before it only. MAPE = mean |actual − forecast| / |actual| × 100 over the months whose actual is
not 0 (NULL when every one is 0). The forecast itself is then fitted on the whole series. Fits are
bounded (``maxiter``), their warnings silenced and counted in the summary.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, insert, select

from anju.market import domain
from anju.market.steps import StepContext
from anju.market.tables import market_forecasts, market_index_values, market_supply

HORIZON = 6
LEVEL = 0.8
HOLDOUT = 12
SEASONAL_MIN = 36
MIN_MONTHS = 24
MAXITER = 60
#: At most this many of the last months are fitted (enough for the seasonal model, and fast).
MAX_MONTHS = 72
#: An interval whose upper end exceeds this many times the series' largest value has diverged.
DIVERGES = 20
SEASONAL = ((1, 1, 1), (0, 1, 1, 12))
FALLBACK = ((1, 1, 1), (0, 0, 0, 0))


@dataclass(frozen=True)
class Forecast:
    series: str
    area: str
    model: str
    months: tuple[str, ...]
    values: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    mape: float | None
    fit_warnings: int


def _fit(y: Sequence[float], order: tuple[Any, Any]) -> tuple[Any, int]:
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = SARIMAX(
            list(y), order=order[0], seasonal_order=order[1], enforce_stationarity=False, enforce_invertibility=False
        )
        res = model.fit(disp=False, maxiter=MAXITER)
    return res, len(caught)


def _mape(actual: Sequence[float], predicted: Sequence[float]) -> float | None:
    pairs = [(a, p) for a, p in zip(actual, predicted, strict=True) if a != 0 and math.isfinite(p)]
    if not pairs:
        return None
    return 100.0 * sum(abs(a - p) / abs(a) for a, p in pairs) / len(pairs)


def _back1(v: float, log: bool) -> float:
    if not math.isfinite(v):
        raise ArithmeticError("预测值不是有限数")
    return max(math.expm1(v), 0.0) if log else v


def _back(mean: Any, ci: Any, log: bool) -> tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...]]:
    """The forecast and its interval on the series' own scale (OverflowError when they explode)."""
    return (
        tuple(_back1(float(v), log) for v in mean),
        tuple(_back1(float(v), log) for v in ci[:, 0]),
        tuple(_back1(float(v), log) for v in ci[:, 1]),
    )


def forecast_series(
    series: str, area: str, months: Sequence[str], values: Sequence[float], *, log: bool
) -> Forecast | str:
    """The forecast of one series, or the reason (Chinese) it was skipped."""
    if len(values) < MIN_MONTHS:
        return f"只有 {len(values)} 个月的数据，少于 {MIN_MONTHS} 个月"
    if max(values) == min(values):
        return "序列为常数，无法建模"
    months, values = months[-MAX_MONTHS:], values[-MAX_MONTHS:]
    y = [math.log1p(v) for v in values] if log else list(values)
    orders = [SEASONAL, FALLBACK] if len(y) >= SEASONAL_MIN else [FALLBACK]
    last_error = ""
    warned = 0
    for order in orders:
        try:
            train, w1 = _fit(y[:-HOLDOUT], order)
            applied = train.apply(y)
            pred = applied.get_prediction(start=len(y) - HOLDOUT).predicted_mean
            full, w2 = _fit(y, order)
            fc = full.get_forecast(HORIZON)
            mean, ci = fc.predicted_mean, fc.conf_int(alpha=1 - LEVEL)
            out = _back(mean, ci, log)
            predicted = [_back1(float(p), log) for p in pred]
        except (ValueError, ArithmeticError, IndexError, RuntimeError, np.linalg.LinAlgError) as err:
            last_error = str(err)[:80]  # a numerical failure: the next order, else skipped with it
            continue
        warned += w1 + w2
        values_, lows, highs = out
        if max(highs) > DIVERGES * max(abs(v) for v in values) + 1:
            last_error = "预测区间发散"
            continue
        (p, d, q), (sp, sd, sq, s) = order
        name = f"SARIMAX({p},{d},{q})({sp},{sd},{sq},{s})" if s else f"ARIMA({p},{d},{q})"
        last = months[-1]
        return Forecast(
            series=series,
            area=area,
            model=name + (" log1p" if log else ""),
            months=tuple(domain.add_months(last, k) for k in range(1, HORIZON + 1)),
            values=values_,
            lower=lows,
            upper=highs,
            mape=_mape(values[-HOLDOUT:], predicted),
            fit_warnings=warned,
        )
    return f"模型拟合失败：{last_error}"


def _series(
    conn: Connection, ctx: StepContext
) -> tuple[dict[tuple[str, str], dict[str, float]], dict[tuple[str, str], dict[str, str]]]:
    """(series, area) → month → value, from the run's own rows; and (series, area) → month → status
    of the index cells that are not ``ok`` (left out of the values)."""
    out: dict[tuple[str, str], dict[str, float]] = {}
    flagged: dict[tuple[str, str], dict[str, str]] = {}
    s = market_supply.c
    for area, month, new, resale in conn.execute(
        select(s.area_code, s.month, s.new_sales, s.resales).where(s.run_id == ctx.run.id)
    ):
        out.setdefault(("sales_new", area), {})[month] = float(new)
        out.setdefault(("sales_resale", area), {})[month] = float(resale)
    iv = market_index_values.c
    for seg, area, month, value, status in conn.execute(
        select(iv.segment, iv.area_code, iv.month, iv.value, iv.status).where(
            iv.run_id == ctx.run.id, iv.method == "hedonic", iv.band == "all"
        )
    ):
        if status == "ok" and value is not None:
            out.setdefault((f"price_{seg}", area), {})[month] = float(value)
        else:
            flagged.setdefault((f"price_{seg}", area), {})[month] = str(status)
    return out, flagged


def usable_run(
    months_all: Sequence[str], points: Mapping[str, float], flagged: Mapping[str, str]
) -> tuple[list[str], str | None]:
    """The longest run of consecutive months with a usable value ending at the run's last month, and the
    reason it stops at a flagged (``thin``/``none``) index cell, if it does."""
    months: list[str] = []
    for m in reversed(months_all):
        if m not in points:
            if m in flagged:
                return months, f"{m} 的指数值为 {flagged[m]}（样本不足或无法估计）：序列截止于其后"
            break
        months.insert(0, m)
    return months, None


def step(ctx: StepContext) -> Mapping[str, int | float | str]:
    """The computation's forecast step (see the module's documentation)."""
    started = time.perf_counter()
    data, flagged = _series(ctx.conn, ctx)
    cut: dict[str, str] = {}
    months_all = domain.months_between(ctx.run.first_month, ctx.run.last_month)
    rows: list[dict[str, Any]] = []
    skipped: dict[str, str] = {}
    fits = warned = 0
    todo = [(series, area) for series in domain.FORECAST_SERIES for area in ctx.areas]
    for n, (series, area) in enumerate(todo):
        ctx.progress(f"趋势预测：{domain.FORECAST_SERIES[series]}", n / max(len(todo), 1))
        points = data.get((series, area), {})
        months, why = usable_run(months_all, points, flagged.get((series, area), {}))
        if why is not None:
            cut[f"{series}:{area}"] = why
        result = forecast_series(series, area, months, [points[m] for m in months], log=series.startswith("sales"))
        if isinstance(result, str):
            skipped[f"{series}:{area}"] = result if why is None else f"{result}；{why}"
            continue
        fits += 1
        warned += result.fit_warnings
        for k, m in enumerate(result.months):
            rows.append(
                {
                    "run_id": ctx.run.id,
                    "series": series,
                    "area_code": area,
                    "month": m,
                    "value": result.values[k],
                    "lower": result.lower[k],
                    "upper": result.upper[k],
                    "level": LEVEL,
                    "model": result.model,
                    "backtest_mape": result.mape,
                }
            )
    if rows:
        ctx.conn.execute(insert(market_forecasts), rows)
    summary: dict[str, int | float | str] = {
        "forecast_series": fits,
        "forecast_rows": len(rows),
        "forecast_skipped": len(skipped),
        "forecast_cut": len(cut),
        "forecast_fit_warnings": warned,
        "forecast_seconds": round(time.perf_counter() - started, 3),
    }
    for i, (key, reason) in enumerate(sorted(skipped.items())):
        if i >= 40:
            summary["forecast_skipped_more"] = len(skipped) - 40
            break
        summary[f"forecast_skipped:{key}"] = reason
    for i, (key, reason) in enumerate(sorted(cut.items())):
        if i >= 40:
            summary["forecast_cut_more"] = len(cut) - 40
            break
        summary[f"forecast_cut:{key}"] = reason
    return summary
