"""Repeat-sales indices from :class:`~anju.market.indices.cells.PairCells`: the geometric (log) index with
Case–Shiller (1987) interval weights and Shiller's (1991) arithmetic (value-weighted) index.

**Geometric.** A pair of sales of one home at periods t1 < t2 gives ``log(p2/p1) = b_t2 − b_t1 + e``
(``b_0 = 0``): a regression of the log ratios on −1/+1 period dummies (the base column dropped). Every
pair of a cell (t1, t2) has the same design row, so the weighted least squares on the pairs equals the
weighted least squares on the cells with response the cell's mean log ratio and weight
``count × w(t2 − t1)``: the pair objective is Σ w (lr − ŷ)² = Σ_cells w [Σ (lr − l̄r)² + n (l̄r − ŷ)²] and
the first term does not depend on b. The residual sums a pair-level fit reports come from the sums:
Σ (lr − ŷ)² = Σ lr² − 2ŷ Σ lr + n ŷ², so the standard errors are the pair-level ones too.

**Case–Shiller weights** (``weights="case-shiller"``, what the platform publishes with): stage 1 is the
unweighted fit; stage 2 regresses the pairs' squared stage-1 residuals on the interval Δ = t2 − t1
(``e² = α + βΔ``: the random-walk model of a home's price, Var = 2σ²_N + Δσ²_H; a pair-level OLS,
done exactly on the cells as a count-weighted regression of each cell's mean squared residual); stage 3
refits with weights 1/σ̂²(Δ). **Guard:** if every pair has the same interval the variance model is not
identified and the weights are equal; if the fitted variance is not positive at some interval present in
the data (a negative slope or a perfect stage-1 fit; "positive" means above :data:`VARIANCE_FLOOR` times
the mean squared stage-1 residual, so rounding noise is not a variance), the variance model is rejected and the stage-1
(equal-weight) estimate is kept — never a zero or negative weight, which would silently drop pairs or
flip their sign. Either case is recorded in the series' notes.

**Arithmetic** (Shiller 1991, the matrices of R's ``rsmatrix``): Z holds the −1/+1 dummies, X the
prices (−p1 in the t1 column, +p2 in the t2 column), the base column of X moves (negated) to Y; the
instrumental-variable estimate is β = (Z'WX)⁻¹ Z'WY and the index 100/β. The cells' price sums are all
it needs (Z is constant in a cell). Weights are the geometric form's interval weights (the residuals in
price units would need per-cell sums of squared prices, which the cells do not carry).

**Estimability.** A period is estimable only if pairs connect it to the base, directly or through other
periods (the connected component of the base in the graph whose edges are the pairs). Periods outside it
are NaN with status ``none``; the rest is estimated on the base's component alone. A period touched by
fewer than ``min_pairs`` pairs is ``thin`` (:data:`MIN_PAIRS`: with a residual spread of ~0.1 log points
twenty pairs give a standard error of a few percent, the size of a large monthly move; below that the
value is mostly noise). The base is 100 by definition (``ok`` or ``thin`` by its pair count). **If no pair
touches the base** no period is estimable: the whole series, the base included, is ``none`` with the note
:data:`~anju.market.indices.cells.NO_BASE_PAIRS` (the rule every method follows,
:func:`~anju.market.indices.cells.without_base`). An input of no periods gives the empty series.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

from anju.market.indices.cells import (
    NO_BASE_PAIRS,
    Floats,
    IndexSeries,
    Ints,
    PairCells,
    components,
    empty_series,
    statuses,
    without_base,
)

Weights = Literal["case-shiller", "none"]
WEIGHTS: Final = ("case-shiller", "none")
#: Default threshold under which a period is ``thin`` (pairs touching it).
MIN_PAIRS: Final = 20
#: A fitted stage-2 variance at or below this fraction of the mean squared stage-1 residual counts as
#: non-positive (the guard in the module docstring).
VARIANCE_FLOOR: Final = 1e-8


@dataclass(frozen=True)
class _Prepared:
    cells: PairCells  # the base's component only
    columns: Ints  # period → design column (−1: base or not estimable)
    estimable: npt.NDArray[np.bool_]
    observations: Ints


def pairs_from_sales(property_id: npt.ArrayLike, period: npt.ArrayLike, price: npt.ArrayLike, *,
                     periods: int | None = None) -> PairCells:  # fmt: skip
    """The repeat-sales pairs of a list of sales: each home's sales in period order (input order within a
    period), every two consecutive sales one pair. A pair whose two sales fall in the **same period** is
    dropped (it says nothing about the index, and its zero interval fits no interval weight); the sales on
    either side still pair with their own other neighbours. ``periods`` defaults to the last period + 1."""
    pid = np.asarray(property_id)
    t = np.asarray(period, dtype=np.int64)
    p = np.asarray(price, dtype=np.float64)
    n = int(t.max()) + 1 if periods is None and len(t) else (periods or 0)
    if len(t) < 2:
        return PairCells.empty(n)
    order = np.lexsort((np.arange(len(t)), t, pid))
    pid, t, p = pid[order], t[order], p[order]
    same = pid[1:] == pid[:-1]
    pair = same & (t[1:] > t[:-1])
    return PairCells.from_pairs(n, t[:-1][pair], t[1:][pair], p[:-1][pair], p[1:][pair])


def _prepare(cells: PairCells) -> _Prepared:
    n = cells.periods
    touched = np.bincount(cells.t1, weights=cells.count, minlength=n) + np.bincount(
        cells.t2, weights=cells.count, minlength=n
    )
    label = components(n, cells.t1, cells.t2)
    estimable = label == label[0]
    estimable[0] = True
    keep = estimable[cells.t1] & (cells.count > 0)
    sub = PairCells(
        n,
        cells.t1[keep],
        cells.t2[keep],
        cells.count[keep],
        cells.sum_log_ratio[keep],
        cells.sum_sq_log_ratio[keep],
        cells.sum_p1[keep],
        cells.sum_p2[keep],
    )
    columns = np.full(n, -1, dtype=np.int64)
    others = np.flatnonzero(estimable)[1:]
    columns[others] = np.arange(len(others))
    return _Prepared(sub, columns, estimable, np.rint(touched).astype(np.int64))


def _design(prep: _Prepared) -> Floats:
    c = prep.cells
    p = int((prep.columns >= 0).sum())
    x = np.zeros((len(c.count), p), dtype=np.float64)
    rows = np.arange(len(c.count))
    a, b = prep.columns[c.t1], prep.columns[c.t2]
    x[rows[a >= 0], a[a >= 0]] = -1.0
    x[rows[b >= 0], b[b >= 0]] = 1.0
    return x


def _wls(y: Floats, x: Floats, w: Floats) -> Floats:
    """Weighted least squares by the normal equations (X'WX) b = X'Wy. The designs here are small and of
    full column rank (the periods kept are connected to the base; the interval regression has two
    distinct intervals), so a Cholesky-free solve of the p × p system is exact to rounding and far
    cheaper than an SVD of the cells × p design, which the index step would otherwise run some twenty
    thousand times at scale 1.0 (docs/benchmarks.md). Equal to statsmodels' WLS: tested."""
    xw = x * w[:, None]
    return np.asarray(np.linalg.solve(xw.T @ x, xw.T @ y), dtype=np.float64)


def _cell_ssr(c: PairCells, fitted: Floats) -> Floats:
    """Σ (lr − ŷ)² over each cell's pairs, from its sums (never below 0: rounding)."""
    return np.maximum(c.sum_sq_log_ratio - 2.0 * fitted * c.sum_log_ratio + c.count * fitted**2, 0.0)


def interval_weights(prep_cells: PairCells, x: Floats) -> tuple[Floats, tuple[str, ...]]:
    """Case–Shiller stage 1 and 2 on the cells: each cell's per-pair weight 1/σ̂²(Δ) (see the module
    docstring for the guard), and notes."""
    c = prep_cells
    mean = c.sum_log_ratio / c.count
    e2 = _cell_ssr(c, x @ _wls(mean, x, c.count)) / c.count
    interval = (c.t2 - c.t1).astype(np.float64)
    ones = np.ones(len(c.count), dtype=np.float64)
    if len(np.unique(interval)) < 2:
        return ones, ("所有重复交易的间隔相同：等权估计",)
    stage2 = _wls(e2, np.column_stack([ones, interval]), c.count)
    variance = stage2[0] + stage2[1] * interval
    # "positive" with a margin: a fitted variance of rounding-error size (an exact stage-1 fit) is zero
    if not np.all(variance > VARIANCE_FLOOR * float((e2 * c.count).sum() / c.count.sum())):
        return ones, ("间隔方差模型的拟合值非正（Case–Shiller 第二步不成立）：改用等权估计",)
    return np.asarray(1.0 / variance, dtype=np.float64), ()


def _weights(prep: _Prepared, x: Floats, weights: str) -> tuple[Floats, tuple[str, ...]]:
    if weights not in WEIGHTS:
        raise ValueError(f"unknown weights {weights!r}; one of {', '.join(WEIGHTS)}")
    if weights == "none":
        return np.ones(len(prep.cells.count), dtype=np.float64), ()
    return interval_weights(prep.cells, x)


def _unestimable(method: str, prep: _Prepared, min_pairs: int, notes: tuple[str, ...] = ()) -> IndexSeries:
    n = len(prep.estimable)
    log_index = np.full(n, np.nan)
    log_index[0] = 0.0
    mask = np.zeros(n, dtype=bool)
    return IndexSeries(method, log_index, prep.observations, statuses(mask, prep.observations, min_pairs),
                       None, notes)  # fmt: skip


def geometric(cells: PairCells, *, weights: str = "case-shiller", min_pairs: int = MIN_PAIRS) -> IndexSeries:
    """The geometric repeat-sales index (log index, base 0) with its pair-level standard errors."""
    if cells.periods == 0:
        return empty_series("repeat-sales-geometric")
    prep = _prepare(cells)
    if prep.observations[0] == 0:
        return without_base("repeat-sales-geometric", prep.observations, NO_BASE_PAIRS)
    x = _design(prep)
    if x.shape[1] == 0:
        return _unestimable("repeat-sales-geometric", prep, min_pairs)
    c = prep.cells
    w, notes = _weights(prep, x, weights)
    b = _wls(c.sum_log_ratio / c.count, x, c.count * w)
    # pair-level residual variance (the cell-level fit's own scale is not the pairs')
    dof = float(c.count.sum()) - x.shape[1]
    ssr = float((w * _cell_ssr(c, x @ b)).sum())
    cov = np.linalg.inv(x.T @ ((c.count * w)[:, None] * x))
    se = np.sqrt(np.diag(cov) * ssr / dof) if dof > 0 else np.full(len(b), np.nan)
    return _series("repeat-sales-geometric", prep, b, se, min_pairs, notes)


def arithmetic(cells: PairCells, *, weights: str = "case-shiller", min_pairs: int = MIN_PAIRS) -> IndexSeries:
    """Shiller's (1991) arithmetic repeat-sales index (instrumental variables; no standard errors)."""
    if cells.periods == 0:
        return empty_series("repeat-sales-arithmetic")
    prep = _prepare(cells)
    if prep.observations[0] == 0:
        return without_base("repeat-sales-arithmetic", prep.observations, NO_BASE_PAIRS)
    z = _design(prep)
    if z.shape[1] == 0:
        return _unestimable("repeat-sales-arithmetic", prep, min_pairs)
    c = prep.cells
    w, notes = _weights(prep, z, weights)
    xmat = np.zeros_like(z)
    rows = np.arange(len(c.count))
    a, b = prep.columns[c.t1], prep.columns[c.t2]
    xmat[rows[a >= 0], a[a >= 0]] = -c.sum_p1[a >= 0]
    xmat[rows[b >= 0], b[b >= 0]] = c.sum_p2[b >= 0]
    y = np.where(c.t1 == 0, c.sum_p1, 0.0)
    try:
        beta = np.linalg.solve(z.T @ (w[:, None] * xmat), z.T @ (w * y))
    except np.linalg.LinAlgError:
        return _unestimable("repeat-sales-arithmetic", prep, min_pairs, (*notes, "工具变量方程组奇异：无法估计"))
    bad = ~(beta > 0)
    if bad.any():
        notes = (*notes, f"{int(bad.sum())} 个月的估计值非正：无法估计")
    with np.errstate(divide="ignore", invalid="ignore"):
        log_b = np.where(bad, np.nan, -np.log(np.where(bad, 1.0, beta)))
    return _series("repeat-sales-arithmetic", prep, log_b, None, min_pairs, notes)


def _series(method: str, prep: _Prepared, b: Floats, se: Floats | None, min_pairs: int,
            notes: tuple[str, ...]) -> IndexSeries:  # fmt: skip
    n = len(prep.estimable)
    log_index = np.full(n, np.nan)
    log_index[0] = 0.0
    cols = prep.columns >= 0
    log_index[cols] = b[prep.columns[cols]]
    estimable = np.isfinite(log_index)
    std_error = None
    if se is not None:
        std_error = np.full(n, np.nan)
        std_error[0] = 0.0
        std_error[cols] = se[prep.columns[cols]]
    return IndexSeries(method, log_index, prep.observations, statuses(estimable, prep.observations, min_pairs),
                       std_error, notes)  # fmt: skip


def age_adjusted(cells: PairCells, age_per_year: float) -> PairCells:
    """The pairs with the home's ageing between its two sales taken out: a pair ``t1 → t2`` (months) is
    ``(t2 − t1) / 12`` years older at its second sale, so its log ratio is reduced by
    ``age_per_year × (t2 − t1) / 12`` and its second price divided by ``exp`` of that (``age_per_year``:
    the hedonic index's coefficient of age, in log price per year — negative: depreciation). A plain
    repeat-sales index measures the market *with* the depreciation of the homes that sold twice; the
    adjusted one measures it for homes of constant age, as the hedonic index does (the standard remedy:
    an age adjustment from a hedonic estimate, since age and time move together within a pair and the
    pairs alone cannot separate them). Exact on the cell sums: every pair of a cell has the same
    interval."""
    shift = age_per_year * (cells.t2 - cells.t1).astype(np.float64) / 12.0
    return PairCells(
        cells.periods,
        cells.t1,
        cells.t2,
        cells.count,
        cells.sum_log_ratio - cells.count * shift,
        cells.sum_sq_log_ratio - 2.0 * shift * cells.sum_log_ratio + cells.count * shift**2,
        cells.sum_p1,
        cells.sum_p2 * np.exp(-shift),
    )
