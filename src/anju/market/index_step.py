"""The index step of a market run: every price index with its quality, written with the run's id.

For every segment (new, resale) × method (hedonic, repeat-sales-geometric, repeat-sales-arithmetic,
median) × area (each district and the city) × band (``all`` and the three size bands): the series over
the run's months (``first_month`` = period 0 = 100), with month-on-month and year-on-year ratios
(``indices.chain``), the observations behind each month and its status, into ``market_index_values``;
and the series' quality into ``market_index_quality``:

- **accuracy**: k-fold (``folds``, the fold of a sale is its home's) RMSE of held-out repeat pairs'
  log ratios predicted by the index estimated without the fold (``indices.quality.accuracy``); for the
  hedonic index the training input is the moments without the fold's homes. The median has none
  (NULL: its level is not a prediction of a home's price change).
- **volatility**: the mean rolling standard deviation of the monthly log changes.
- **revision**: the series re-estimated on the data up to each of the last ``revision_months`` months
  (moments and pair cells per month make this exact and cheap), mean absolute change of past values.
  The median's is NULL (a district's median of a month never changes when a month is added).
- **truth_mae**: with a truth file (the synthetic market's ``index.csv``), the mean absolute log error
  against the generator's true index of the area (the city: the city trend).

City medians are the stratified combination of the district medians (``indices.median.stratified``),
weighted by the districts' sales of the segment and band over the run's months.

The heavy part — aggregation of every sale — is the engine's (:mod:`anju.market.indices.aggregate`:
DuckDB, or Spark); estimation runs on the reduced cells in numpy/statsmodels.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
from sqlalchemy import Connection, insert

from anju import divisions
from anju.market import domain
from anju.market.indices import chain, hedonic, median, quality, repeat_sales
from anju.market.indices.aggregate import ALL_BANDS, DEFAULT_FOLDS, SEGMENTS, Aggregates, Selection, run_queries
from anju.market.indices.cells import Floats, IndexSeries
from anju.market.sales_frame import batches as frame_batches
from anju.market.steps import StepContext
from anju.market.tables import market_index_quality, market_index_values

METHODS = tuple(domain.METHODS)  # hedonic, repeat-sales-geometric, repeat-sales-arithmetic, median
REVISION_MONTHS = 12
INSERT_BATCH = 5000


@dataclass(frozen=True)
class Quality:
    accuracy: float | None
    volatility: float | None
    revision: float | None
    truth_mae: float | None


@dataclass(frozen=True)
class SeriesResult:
    segment: str
    method: str
    area: str
    band: str
    series: IndexSeries
    quality: Quality
    #: The median method's level per period (fen per m²; None without sales), else None.
    levels: tuple[int | None, ...] | None = None


def _num(v: float) -> float | None:
    return float(v) if v is not None and math.isfinite(v) else None


def _estimators() -> dict[str, Callable[[Any], IndexSeries]]:
    return {
        "hedonic": hedonic.hedonic,
        "repeat-sales-geometric": repeat_sales.geometric,
        "repeat-sales-arithmetic": repeat_sales.arithmetic,
    }


def _cell_results(
    agg: Aggregates,
    segment: str,
    area: str,
    band: str,
    *,
    truth: Mapping[str, Floats] | None,
    folds: int,
    revision_months: int,
) -> Iterator[SeriesResult]:
    p = agg.periods
    sel = Selection(segment, area, band)
    held = [agg.pairs(Selection(segment, area, band, only_fold=f)) for f in range(folds)]
    inputs: dict[str, Callable[[Selection], Any]] = {
        "hedonic": agg.moments,
        "repeat-sales-geometric": agg.pairs,
        "repeat-sales-arithmetic": agg.pairs,
    }
    age: float | None = None
    for method, estimate in _estimators().items():
        make = inputs[method]
        test = held
        if method != "hedonic" and age is not None:
            # repeat sales for homes of constant age: the hedonic depreciation of the same cell taken out
            make = _adjusted(agg.pairs, age)
            test = [repeat_sales.age_adjusted(h, age) for h in held]
        series = estimate(make(sel))
        if method == "hedonic":
            found = series.coefficient("age")
            age = found if found is not None and np.isfinite(found) else None
            if age is not None:  # its accuracy: predicting held-out pairs of homes that aged in between
                test = [repeat_sales.age_adjusted(h, age) for h in held]
        fold_list = [
            quality.Fold(make(Selection(segment, area, band, exclude_fold=f)), test[f])
            for f in range(folds)
            if test[f].count.sum() > 0
        ]
        acc = quality.accuracy(fold_list, estimate).rmse if fold_list else float("nan")
        rev = float("nan")
        if revision_months > 0 and p > revision_months + 1:
            past = [
                estimate(make(Selection(segment, area, band, last_period=last))).log_index[: last + 1]
                for last in range(p - 1 - revision_months, p - 1)
            ]
            rev = quality.revision([*past, series.log_index]).mean
        yield SeriesResult(
            segment,
            method,
            area,
            band,
            series,
            Quality(_num(acc), _num(quality.volatility(series.log_index).mean), _num(rev), _truth(series, truth, area)),
        )


def _adjusted(pairs: Callable[[Selection], Any], age: float) -> Callable[[Selection], Any]:
    return lambda sel: repeat_sales.age_adjusted(pairs(sel), age)


def _truth(series: IndexSeries, truth: Mapping[str, Floats] | None, area: str) -> float | None:
    if truth is None or area not in truth or np.isfinite(series.log_index).sum() < 2:
        return None  # nothing but the base (100 by definition) to compare
    return _num(quality.truth_mae(series.log_index, truth[area]))


def _median_results(
    agg: Aggregates, segment: str, band: str, *, city_code: str, truth: Mapping[str, Floats] | None
) -> Iterator[SeriesResult]:
    by_district: dict[str, IndexSeries] = {}
    weights: dict[str, float] = {}
    for d in agg.districts:
        counts, meds = agg.medians(segment, d, band)
        s = median.median_index(meds, counts)
        by_district[d] = s
        weights[d] = float(counts.sum())
        levels = tuple(round(m) if math.isfinite(m) else None for m in meds)
        yield SeriesResult(segment, "median", d, band, s, _median_quality(s, truth, d), levels)
    city = median.stratified(by_district, weights) if any(weights.values()) else _none_series("median", agg.periods)
    _, city_meds = agg.medians(segment, city_code, band)  # the level: the plain median of the city's sales
    levels = tuple(round(m) if math.isfinite(m) else None for m in city_meds)
    yield SeriesResult(segment, "median", city_code, band, city, _median_quality(city, truth, city_code), levels)


def _median_quality(s: IndexSeries, truth: Mapping[str, Floats] | None, area: str) -> Quality:
    return Quality(None, _num(quality.volatility(s.log_index).mean), None, _truth(s, truth, area))


def _none_series(method: str, periods: int) -> IndexSeries:
    log_index = np.full(periods, np.nan)
    return IndexSeries(method, log_index, np.zeros(periods, dtype=np.int64), ("none",) * periods)


def estimate_all(
    agg: Aggregates,
    *,
    city_code: str,
    truth: Mapping[str, Floats] | None = None,
    folds: int = DEFAULT_FOLDS,
    revision_months: int = REVISION_MONTHS,
    progress: Callable[[str, float], None] | None = None,
    segments: Sequence[str] = SEGMENTS,
    bands: Sequence[str] = ALL_BANDS,
    areas: Sequence[str] | None = None,
    area_names: Mapping[str, str] | None = None,
) -> Iterator[SeriesResult]:
    """Every series of every segment × method × area × band (see the module docstring); ``areas`` limits
    the model-based methods to some areas (the medians are always every district's and the city's)."""
    areas = tuple(areas) if areas is not None else (*agg.districts, city_code)
    total = len(segments) * len(bands) * (len(areas) + 1)
    done = 0
    for segment in segments:
        for band in bands:
            for area in areas:
                yield from _cell_results(
                    agg, segment, area, band, truth=truth, folds=folds, revision_months=revision_months
                )
                done += 1
                if progress:
                    place = (area_names or {}).get(area, area)
                    progress(f"价格指数：{domain.SEGMENTS[segment]} {place} {domain.BAND_LABELS[band]}", done / total)
            yield from _median_results(agg, segment, band, city_code=city_code, truth=truth)
            done += 1


def read_truth(directory: Path, *, first_month: str, periods: int, city_code: str) -> dict[str, Floats]:
    """The synthetic market's true log index per area over the run's periods (``index.csv``; its city
    row ``320100`` is the city trend, mapped to ``city_code``). Months the file lacks are NaN."""
    base = domain.month_index(first_month)
    out: dict[str, Floats] = {}
    with (directory / "index.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            t = domain.month_index(row["month"]) - base
            if not 0 <= t < periods:
                continue
            area = city_code if row["district_code"] == "320100" else row["district_code"]
            out.setdefault(area, np.full(periods, np.nan))[t] = float(row["log_index"])
    return out


def stored_status(series: IndexSeries) -> list[str]:
    """Each period's stored status: the estimator's, and ``none`` wherever there is no finite value (so a
    NULL value and ``none`` always go together)."""
    return [
        "none" if st == "none" or not math.isfinite(float(v)) else st
        for st, v in zip(series.status, series.log_index, strict=True)
    ]


def value_rows(run_id: int, months: Sequence[str], r: SeriesResult) -> list[dict[str, Any]]:
    """The ``market_index_values`` rows of one series: the fixed-base value is ``100·exp(log index)``
    (the estimators' log index is 0 at the base; a median series whose base month had no sale is
    based on its first month with sales, as its notes say)."""
    s = r.series
    status = stored_status(s)
    mom = chain.month_on_month(s.log_index)
    yoy = chain.year_on_year(s.log_index)
    rows = []
    for t, month in enumerate(months):
        value = float(100.0 * math.exp(float(s.log_index[t]))) if status[t] != "none" else None
        rows.append(
            {
                "run_id": run_id,
                "segment": r.segment,
                "method": r.method,
                "area_code": r.area,
                "band": r.band,
                "month": month,
                "value": value,
                "mom": mom[t] if value is not None else None,
                "yoy": yoy[t] if value is not None else None,
                "observations": int(s.observations[t]),
                "median_unit_price_fen": r.levels[t] if r.levels is not None else None,
                "status": status[t],
            }
        )
    return rows


class QualityRow(TypedDict):
    """A ``market_index_quality`` row."""

    run_id: int
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


def quality_row(run_id: int, r: SeriesResult) -> QualityRow:
    q = r.quality
    status = stored_status(r.series)
    return {
        "run_id": run_id,
        "segment": r.segment,
        "method": r.method,
        "area_code": r.area,
        "band": r.band,
        "accuracy": q.accuracy,
        "volatility": q.volatility,
        "revision": q.revision,
        "truth_mae": q.truth_mae,
        "months": len(status),
        "thin_months": sum(1 for x in status if x == "thin"),
        "missing_months": sum(1 for x in status if x == "none"),
    }


def make_engine(name: str) -> Any:
    if name == "spark":
        from anju.market.indices.engine_spark import SparkEngine

        return SparkEngine()
    from anju.market.indices.engine_duckdb import DuckDBEngine

    return DuckDBEngine()


def aggregate_from_db(
    conn: Connection, engine: Any, *, first_month: str, last_month: str, districts: Sequence[str], city_code: str,
    folds: int = DEFAULT_FOLDS,
) -> tuple[Aggregates, int]:  # fmt: skip
    """Stream the sales frame into ``engine`` and aggregate it; returns the aggregates and the sales."""
    sales = engine.load(frame_batches(conn, first_month=first_month, last_month=last_month))
    raw = run_queries(engine, folds)
    periods = len(domain.months_between(first_month, last_month))
    return Aggregates(raw, periods=periods, districts=districts, city_code=city_code, folds=folds), sales


def write_results(
    conn: Connection, run_id: int, months: Sequence[str], results: Iterator[SeriesResult]
) -> tuple[int, int]:
    """Bulk-insert the series' values and quality; returns (value rows, series)."""
    values: list[dict[str, Any]] = []
    qualities: list[QualityRow] = []
    n_values = n_series = 0
    for r in results:
        values.extend(value_rows(run_id, months, r))
        qualities.append(quality_row(run_id, r))
        n_series += 1
        if len(values) >= INSERT_BATCH:
            conn.execute(insert(market_index_values), values)
            n_values += len(values)
            values = []
    if values:
        conn.execute(insert(market_index_values), values)
        n_values += len(values)
    if qualities:
        conn.execute(insert(market_index_quality), qualities)
    return n_values, n_series


@dataclass(frozen=True)
class Prepared:
    """Every series of the run, estimated (see :func:`prepare`)."""

    results: tuple[SeriesResult, ...]
    summary: dict[str, int | float | str]


def prepare(ctx: StepContext) -> Prepared:
    """Read the sales, aggregate and estimate every series (a :data:`anju.market.steps.Prepare`: it needs
    nothing the run writes, so it runs before the write transaction)."""
    results: list[SeriesResult] = []
    summary = _estimate(ctx, results.append)
    return Prepared(tuple(results), summary)


def index_step(ctx: StepContext) -> dict[str, int | float | str]:
    """The run's indices and their quality (a :data:`anju.market.steps.Step`): written from what
    :func:`prepare` estimated, or estimated here when nothing was prepared."""
    months = domain.months_between(ctx.run.first_month, ctx.run.last_month)
    pre = ctx.prepared.get("indices")
    if isinstance(pre, Prepared):
        n_values, n_series = write_results(ctx.conn, ctx.run.id, months, iter(pre.results))
        return {**pre.summary, "index_series": n_series, "index_values": n_values}
    results: list[SeriesResult] = []
    summary = _estimate(ctx, results.append)
    n_values, n_series = write_results(ctx.conn, ctx.run.id, months, iter(results))
    return {**summary, "index_series": n_series, "index_values": n_values}


def _estimate(ctx: StepContext, keep: Callable[[SeriesResult], None]) -> dict[str, int | float | str]:
    run = ctx.run
    params = run.params
    folds = int(params.get("folds", DEFAULT_FOLDS))
    revision_months = int(params.get("revision_months", REVISION_MONTHS))
    months = domain.months_between(run.first_month, run.last_month)
    started = time.perf_counter()
    ctx.progress("价格指数：读取成交并汇总", 0.0)
    engine = make_engine(run.engine)
    try:
        agg, sales = aggregate_from_db(
            ctx.conn, engine, first_month=run.first_month, last_month=run.last_month,
            districts=ctx.districts, city_code=ctx.city_code, folds=folds,
        )  # fmt: skip
    finally:
        engine.close()
    aggregated = time.perf_counter()
    truth = None
    if params.get("truth_dir"):
        truth = read_truth(
            Path(str(params["truth_dir"])), first_month=run.first_month, periods=len(months), city_code=ctx.city_code
        )
    for result in estimate_all(
        agg, city_code=ctx.city_code, truth=truth, folds=folds, revision_months=revision_months,
        progress=ctx.progress, area_names=divisions.names(ctx.conn, set(ctx.areas)),
    ):  # fmt: skip
        keep(result)
    return {
        "index_sales": sales,
        "index_aggregate_seconds": round(aggregated - started, 2),
        "index_seconds": round(time.perf_counter() - started, 2),
    }
