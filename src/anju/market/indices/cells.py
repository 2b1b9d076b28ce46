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

    @property
    def index(self) -> Floats:
        """The fixed-base index (period 0 = 100), NaN where not estimable."""
        return np.asarray(100.0 * np.exp(self.log_index), dtype=np.float64)
