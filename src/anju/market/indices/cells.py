"""The reduced inputs every index estimator works on, and its output.

The heavy part of an index is aggregation over millions of sales; the estimation runs on small
matrices. The engines (DuckDB, Spark: the same SQL) aggregate a cell's sales into these shapes; the
estimators (``repeat_sales``, ``hedonic``, ``median``) never see a sale. The reduction is exact:

- **Repeat sales.** Every pair of consecutive sales of one home with the same (first period, second
  period) has the same design row, so the pairs of a cell aggregate by (t1, t2) into counts and sums
  (:class:`PairCells`), and the weighted least-squares (geometric) and instrumental-variable
  (arithmetic, Shiller 1991) estimates from the sums equal those from the pairs.
- **Hedonic time dummy with a location fixed effect.** The normal equations of
  ``log p = Σ_t δ_t D_t + x'β + u_g + ε`` after absorbing the group effect ``u_g`` (within-group
  demeaning, Frisch–Waugh–Lovell) need only per-(group, period) counts and sums and the global cross
  products (:class:`HedonicMoments`). Moments add, so the training set of a k-fold split is the total
  minus the fold.

Periods are integers 0 … ``periods`` − 1 (period 0 is the base, index 100).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]

#: Counts are whole numbers held as floats; a cell whose count falls below this is empty.
_EPS = 1e-9


@dataclass(frozen=True)
class PairCells:
    """Repeat-sales pairs aggregated by (first period ``t1``, second period ``t2``), t1 < t2: one entry per
    distinct (t1, t2), arrays of equal length. ``log ratio`` = log(p2 / p1) of a pair; ``p1``/``p2`` are
    the prices (any consistent unit: yuan, or yuan per m² when areas do not change)."""

    periods: int
    t1: Ints
    t2: Ints
    count: Floats
    sum_log_ratio: Floats
    sum_sq_log_ratio: Floats
    sum_p1: Floats
    sum_p2: Floats

    @classmethod
    def from_pairs(cls, periods: int, t1: Ints, t2: Ints, p1: Floats, p2: Floats) -> PairCells:
        """Aggregate individual pairs (``t1 < t2``, positive prices) into cells."""
        t1, t2 = np.asarray(t1, dtype=np.int64), np.asarray(t2, dtype=np.int64)
        p1, p2 = np.asarray(p1, dtype=np.float64), np.asarray(p2, dtype=np.float64)
        if not (len(t1) == len(t2) == len(p1) == len(p2)):
            raise ValueError("pair arrays differ in length")
        if len(t1) and (np.any(t1 >= t2) or t1.min() < 0 or t2.max() >= periods):
            raise ValueError("pairs need 0 ≤ t1 < t2 < periods")
        if np.any(~(p1 > 0)) or np.any(~(p2 > 0)):
            raise ValueError("prices must be positive")
        keys, inverse = np.unique(t1 * periods + t2, return_inverse=True)
        lr = np.log(p2 / p1)

        def total(values: Floats) -> Floats:
            return np.bincount(inverse, weights=values, minlength=len(keys)).astype(np.float64)

        return cls(
            periods=periods,
            t1=(keys // periods).astype(np.int64),
            t2=(keys % periods).astype(np.int64),
            count=total(np.ones(len(t1))),
            sum_log_ratio=total(lr),
            sum_sq_log_ratio=total(lr * lr),
            sum_p1=total(p1),
            sum_p2=total(p2),
        )

    @classmethod
    def empty(cls, periods: int) -> PairCells:
        z = np.zeros(0, dtype=np.float64)
        i = np.zeros(0, dtype=np.int64)
        return cls(periods, i, i, z, z, z, z, z)

    def plus(self, other: PairCells) -> PairCells:
        """The cells of both pair sets (sums add)."""
        return self._combine(other, 1.0)

    def minus(self, other: PairCells) -> PairCells:
        """The cells of this pair set without ``other`` (a subset of it: a k-fold's held-out homes), so the
        training input of a fold is ``total.minus(fold)``. Cells left without pairs are removed;
        ValueError if ``other`` is not part of this set."""
        return self._combine(other, -1.0)

    def _combine(self, other: PairCells, sign: float) -> PairCells:
        if other.periods != self.periods:
            raise ValueError("pair cells of different period ranges")
        n = self.periods
        keys, inverse = np.unique(np.concatenate([self.t1 * n + self.t2, other.t1 * n + other.t2]), return_inverse=True)

        def total(a: Floats, b: Floats) -> Floats:
            both = np.concatenate([a, sign * b])
            return np.bincount(inverse, weights=both, minlength=len(keys)).astype(np.float64)

        count = total(self.count, other.count)
        if np.any(count < -_EPS):
            raise ValueError("minus: the pairs taken away are not part of these cells")
        keep = count > _EPS
        return PairCells(
            periods=n,
            t1=(keys // n).astype(np.int64)[keep],
            t2=(keys % n).astype(np.int64)[keep],
            count=count[keep],
            sum_log_ratio=total(self.sum_log_ratio, other.sum_log_ratio)[keep],
            sum_sq_log_ratio=total(self.sum_sq_log_ratio, other.sum_sq_log_ratio)[keep],
            sum_p1=total(self.sum_p1, other.sum_p1)[keep],
            sum_p2=total(self.sum_p2, other.sum_p2)[keep],
        )


@dataclass(frozen=True)
class HedonicMoments:
    """Sufficient statistics of a hedonic time-dummy regression of ``y`` (log price, or log unit price)
    on period dummies and ``k`` characteristics ``x`` (named ``names``), with an optional absorbed group
    fixed effect (location: the estate).

    ``group_*`` are per (group, period) cell: ``group`` and ``period`` index the cell, ``cell_count`` its
    sales, ``cell_y`` Σy, ``cell_x`` Σx (cells × k). Without a fixed effect every cell has ``group`` 0
    and the estimator fits a common intercept instead. ``xx`` = Σ x x' (k × k), ``xy`` = Σ x y (k),
    ``yy`` = Σ y², over every sale of the cell."""

    periods: int
    names: tuple[str, ...]
    fixed_effect: bool
    group: Ints
    period: Ints
    cell_count: Floats
    cell_y: Floats
    cell_x: Floats
    xx: Floats
    xy: Floats
    yy: float

    def plus(self, other: HedonicMoments) -> HedonicMoments:
        """The moments of both sale sets (moments add)."""
        return self._combine(other, 1.0)

    def minus(self, other: HedonicMoments) -> HedonicMoments:
        """The moments without ``other`` (a subset of the sales: a k-fold's held-out homes); cells left
        without sales are removed; ValueError if ``other`` is not part of these sales."""
        return self._combine(other, -1.0)

    def _combine(self, other: HedonicMoments, sign: float) -> HedonicMoments:
        if (other.periods, other.names, other.fixed_effect) != (self.periods, self.names, self.fixed_effect):
            raise ValueError("moments of different shapes (periods, characteristics or fixed effect)")
        k = len(self.names)
        keys = np.concatenate(
            [np.stack([self.group, self.period], axis=1), np.stack([other.group, other.period], axis=1)]
        ).reshape(-1, 2)
        cells, inverse = np.unique(keys, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)

        def total(a: Floats, b: Floats) -> Floats:
            return np.bincount(inverse, weights=np.concatenate([a, sign * b]), minlength=len(cells)).astype(np.float64)

        count = total(self.cell_count, other.cell_count)
        if np.any(count < -_EPS):
            raise ValueError("minus: the sales taken away are not part of these moments")
        keep = count > _EPS
        cell_x = np.zeros((len(cells), k), dtype=np.float64)
        for j in range(k):
            cell_x[:, j] = total(self.cell_x[:, j], other.cell_x[:, j])
        return HedonicMoments(
            periods=self.periods,
            names=self.names,
            fixed_effect=self.fixed_effect,
            group=cells[keep, 0].astype(np.int64),
            period=cells[keep, 1].astype(np.int64),
            cell_count=count[keep],
            cell_y=total(self.cell_y, other.cell_y)[keep],
            cell_x=cell_x[keep],
            xx=self.xx + sign * other.xx,
            xy=self.xy + sign * other.xy,
            yy=float(self.yy + sign * other.yy),
        )


@dataclass(frozen=True)
class IndexSeries:
    """An estimated index: ``log_index[t]`` (0 at period 0; NaN where the method cannot estimate the
    period), the observations behind each period (sales, or pairs touching it), and each period's
    status (``ok`` | ``thin`` | ``none``, see ``anju.market.domain.INDEX_STATUSES``)."""

    method: str
    log_index: Floats
    observations: Ints
    status: tuple[str, ...]
    std_error: Floats | None = None
    #: What the estimator did that a reader should know (dropped characteristics, a weighting
    #: fallback, …), in Chinese: shown on the CLI's stderr and beside the figures.
    notes: tuple[str, ...] = ()
    #: The characteristics' estimated coefficients (hedonic only): (name, coefficient) of those kept.
    coefficients: tuple[tuple[str, float], ...] = ()

    def coefficient(self, name: str) -> float | None:
        """The estimated coefficient of characteristic ``name``, or None (not estimated, dropped)."""
        return next((v for n, v in self.coefficients if n == name), None)

    @property
    def index(self) -> Floats:
        """The fixed-base index (period 0 = 100), NaN where not estimable."""
        return np.asarray(100.0 * np.exp(self.log_index), dtype=np.float64)


def components(nodes: int, a: Ints, b: Ints) -> Ints:
    """Connected components of the graph on ``nodes`` nodes with edges ``a[i]``–``b[i]``: each node's
    label is the smallest node of its component (label propagation with pointer jumping; vectorised)."""
    label = np.arange(nodes, dtype=np.int64)
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    while True:
        low = np.minimum(label[a], label[b])
        new = label.copy()
        np.minimum.at(new, a, low)
        np.minimum.at(new, b, low)
        new = new[new]
        if np.array_equal(new, label):
            return label
        label = new


#: The note of a series whose base period has no observations (the one rule of every method, see
#: :func:`without_base`), per kind of observation.
NO_BASE_PAIRS = "基期没有重复交易：整个序列无法估计"
NO_BASE_SALES = "基期没有成交：整个序列无法估计"


def empty_series(method: str) -> IndexSeries:
    """The index of no periods at all (an empty input): no values, no statuses."""
    return IndexSeries(method, np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64), (), None, ())


def without_base(method: str, observations: Ints, note: str) -> IndexSeries:
    """The series of a method whose base period has no observations. **One rule for every method**
    (repeat sales, hedonic, median): the index is relative to the base, so without a base observation
    no period is estimable — every period, the base included, is ``none`` (NaN) with ``note``; no method
    re-anchors to a later month."""
    n = len(observations)
    return IndexSeries(method, np.full(n, np.nan), np.asarray(observations, dtype=np.int64), ("none",) * n,
                       None, (note,))  # fmt: skip


def statuses(estimable: npt.NDArray[np.bool_], observations: Ints, minimum: int) -> tuple[str, ...]:
    """Each period's status: ``none`` where not estimable, ``thin`` under ``minimum`` observations, else
    ``ok``. Period 0 (the base, 100 by definition) is never ``none`` here: a base without observations
    makes the whole series ``none`` (:func:`without_base`), before this is called."""
    out = []
    for t, (can, n) in enumerate(zip(estimable, observations, strict=True)):
        out.append("none" if not can and t != 0 else ("thin" if n < minimum else "ok"))
    return tuple(out)
