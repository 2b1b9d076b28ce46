"""Index quality, measured the way R's ``hpiR`` measures it (accuracy, volatility, revision), plus the
error against a known true index (the synthetic market's generator).

- :func:`accuracy`: k-fold out-of-sample prediction error of held-out repeat pairs. For each fold the
  index is estimated without the fold's homes (the training input is the total minus the fold:
  ``PairCells.minus`` / ``HedonicMoments.minus``), and each held-out pair's log ratio is predicted by the
  index's change ``b_t2 − b_t1``. The error is the RMSE over the pairs, from the held-out cells' sums:
  Σ (lr − d)² = Σ lr² − 2d Σ lr + n d². Pairs touching a period the training index cannot estimate are
  counted as unpredicted, not guessed.
- :func:`volatility`: the rolling standard deviation (sample, n − 1) of the month-on-month changes over a
  window of ``window`` changes, and its mean over the windows — hpiR's ``calcVolatility``; hpiR takes the
  relative changes (I_t − I_{t−1}) / I_{t−1}, we take the log changes b_t − b_{t−1} (equal to first
  order; symmetric, additive). Windows containing an unestimable month are skipped.
- :func:`revision`: given the series estimated with data up to T − n, …, T (each one period longer), the
  absolute change of each period's log value between successive estimates, averaged per period and
  overall (hpiR's ``calcRevision`` on log values: log points, ≈ percent / 100).
- :func:`truth_mae`: mean absolute log error against a true log index over the periods both have (the
  true index is first normalised to its own period 0).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from anju.market.indices.cells import Floats, IndexSeries, PairCells

T = TypeVar("T")


@dataclass(frozen=True)
class Fold(Generic[T]):
    """One fold: the estimator's training input (everything but the held-out homes) and the held-out
    homes' repeat pairs."""

    training: T
    held_out: PairCells


@dataclass(frozen=True)
class Accuracy:
    rmse: float  # NaN when no held-out pair could be predicted
    pairs_predicted: int
    pairs_unpredicted: int
    fold_rmse: tuple[float, ...]


@dataclass(frozen=True)
class Volatility:
    rolling: Floats
    mean: float
    median: float


@dataclass(frozen=True)
class Revision:
    per_period: Floats  # mean absolute revision of each period (NaN: never revised)
    mean: float
    median: float


def pair_folds(folds: Sequence[PairCells]) -> list[Fold[PairCells]]:
    """Folds for a repeat-sales estimator from the held-out pair cells of each fold (the folds partition
    the homes): training = the total minus the fold."""
    if not folds:
        raise ValueError("no folds")
    total = folds[0]
    for f in folds[1:]:
        total = total.plus(f)
    return [Fold(total.minus(f), f) for f in folds]


def _held_out_error(series: IndexSeries, held: PairCells) -> tuple[float, int, int]:
    b = series.log_index
    d = b[held.t2] - b[held.t1]
    ok = np.isfinite(d)
    sq = held.sum_sq_log_ratio - 2.0 * d * held.sum_log_ratio + held.count * d * d
    return float(np.maximum(sq[ok], 0.0).sum()), int(held.count[ok].sum()), int(held.count[~ok].sum())


def accuracy(folds: Sequence[Fold[T]], estimate: Callable[[T], IndexSeries]) -> Accuracy:
    """k-fold out-of-sample accuracy (see the module docstring)."""
    total_sq, predicted, unpredicted = 0.0, 0, 0
    per_fold = []
    for fold in folds:
        sq, n, missed = _held_out_error(estimate(fold.training), fold.held_out)
        total_sq += sq
        predicted += n
        unpredicted += missed
        per_fold.append(float(np.sqrt(sq / n)) if n else float("nan"))
    rmse = float(np.sqrt(total_sq / predicted)) if predicted else float("nan")
    return Accuracy(rmse, predicted, unpredicted, tuple(per_fold))


def volatility(log_index: npt.ArrayLike, window: int = 3) -> Volatility:
    """Mean rolling standard deviation of the month-on-month log changes (see the module docstring)."""
    if window < 2:
        raise ValueError("the window needs at least two changes")
    changes = np.diff(np.asarray(log_index, dtype=np.float64))
    rolls = [
        float(np.std(changes[i : i + window], ddof=1))
        for i in range(len(changes) - window + 1)
        if np.all(np.isfinite(changes[i : i + window]))
    ]
    r = np.asarray(rolls, dtype=np.float64)
    if not len(r):
        return Volatility(r, float("nan"), float("nan"))
    return Volatility(r, float(r.mean()), float(np.median(r)))


def revision(estimates: Sequence[npt.ArrayLike]) -> Revision:
    """Mean absolute revision of each period's log value between successive estimates (each estimate at
    least as long as the previous; see the module docstring)."""
    series = [np.asarray(e, dtype=np.float64) for e in estimates]
    if len(series) < 2:
        raise ValueError("revision needs at least two successive estimates")
    longest = max(len(s) for s in series)
    total = np.zeros(longest)
    count = np.zeros(longest)
    for prev, nxt in itertools.pairwise(series):
        if len(nxt) < len(prev):
            raise ValueError("each estimate must cover at least the periods of the previous one")
        change = np.abs(nxt[: len(prev)] - prev)
        ok = np.isfinite(change)
        total[: len(prev)][ok] += change[ok]
        count[: len(prev)][ok] += 1
    with np.errstate(invalid="ignore"):
        per_period = np.where(count > 0, total / np.where(count > 0, count, 1.0), np.nan)
    valid = per_period[np.isfinite(per_period)]
    if not len(valid):
        return Revision(per_period, float("nan"), float("nan"))
    return Revision(per_period, float(valid.mean()), float(np.median(valid)))


def truth_mae(log_index: npt.ArrayLike, true_log_index: npt.ArrayLike) -> float:
    """Mean absolute log error against the true index over the periods both have (NaN if none)."""
    b = np.asarray(log_index, dtype=np.float64)
    truth = np.asarray(true_log_index, dtype=np.float64)
    if len(b) != len(truth):
        raise ValueError("series of different lengths")
    err = np.abs(b - (truth - truth[0]))
    ok = np.isfinite(err)
    return float(err[ok].mean()) if ok.any() else float("nan")
