"""Index quality (hpiR's measures): k-fold accuracy from held-out pair sums, volatility, revision, and
the error against a known truth."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anju.market.indices.cells import IndexSeries, PairCells
from anju.market.indices.hedonic import hedonic, moments_from_arrays
from anju.market.indices.quality import Fold, accuracy, pair_folds, revision, truth_mae, volatility
from anju.market.indices.repeat_sales import geometric, pairs_from_sales


def _homes(seed=1, homes=400, periods=8):
    rng = np.random.default_rng(seed)
    truth = np.concatenate([[0.0], np.cumsum(rng.normal(0.01, 0.02, periods - 1))])
    pid, per, price = [], [], []
    for h in range(homes):
        ts = np.sort(rng.choice(periods, size=rng.integers(2, 4), replace=False))
        base = rng.normal(13, 0.3)
        for t in ts:
            pid.append(h)
            per.append(int(t))
            price.append(math.exp(base + truth[t] + rng.normal(0, 0.05)))
    return truth, np.array(pid), np.array(per), np.array(price)


def test_accuracy_equals_the_rmse_computed_pair_by_pair():
    _, pid, per, price = _homes()
    fold_of = pid % 4
    held = [pairs_from_sales(pid[fold_of == k], per[fold_of == k], price[fold_of == k], periods=8) for k in range(4)]
    folds = pair_folds(held)
    acc = accuracy(folds, lambda cells: geometric(cells, weights="none", min_pairs=1))
    errors = []
    for k in range(4):
        train = fold_of != k
        b = geometric(pairs_from_sales(pid[train], per[train], price[train], periods=8), weights="none").log_index
        for h in np.unique(pid[fold_of == k]):
            m = pid == h
            order = np.argsort(per[m], kind="stable")
            ts, ps = per[m][order], price[m][order]
            errors += [math.log(ps[i + 1] / ps[i]) - (b[ts[i + 1]] - b[ts[i]]) for i in range(len(ts) - 1)]
    assert acc.pairs_predicted == len(errors) and acc.pairs_unpredicted == 0
    assert acc.rmse == pytest.approx(math.sqrt(np.mean(np.square(errors))), rel=1e-10)
    assert 0.05 < acc.rmse < 0.1  # two sales' noise of 0.05 each: ≈ 0.07


def test_accuracy_of_a_hedonic_estimate_on_moments_minus_the_fold():
    _, pid, per, price = _homes(2)
    x = np.zeros((len(pid), 0))
    total = moments_from_arrays(per, np.log(price), x, [], pid, periods=8)
    folds = []
    for k in range(2):
        m = pid % 2 == k
        part = moments_from_arrays(per[m], np.log(price[m]), x[m], [], pid[m], periods=8)
        folds.append(Fold(total.minus(part), pairs_from_sales(pid[m], per[m], price[m], periods=8)))
    acc = accuracy(folds, lambda mom: hedonic(mom, min_sales=1))
    assert acc.pairs_predicted > 0 and 0.05 < acc.rmse < 0.1


def test_unpredictable_pairs_are_counted_not_guessed():
    held = PairCells.from_pairs(3, np.array([0, 1]), np.array([1, 2]), np.array([1.0, 1.0]), np.array([2.0, 2.0]))
    series = IndexSeries("x", np.array([0.0, math.log(2), np.nan]), np.zeros(3, dtype=np.int64), ("ok",) * 3)
    acc = accuracy([Fold(None, held)], lambda _: series)
    assert (acc.pairs_predicted, acc.pairs_unpredicted) == (1, 1)
    assert acc.rmse == pytest.approx(0.0)


def test_volatility_is_the_mean_rolling_sd_of_monthly_log_changes():
    changes = [0.01, 0.03, 0.02, 0.05]
    b = np.concatenate([[0.0], np.cumsum(changes)])
    v = volatility(b, window=3)
    expected = [np.std(changes[0:3], ddof=1), np.std(changes[1:4], ddof=1)]
    assert np.allclose(v.rolling, expected) and v.mean == pytest.approx(np.mean(expected))
    assert volatility(np.linspace(0, 1, 10)).mean == pytest.approx(0.0, abs=1e-12)  # a steady trend
    assert math.isnan(volatility([0.0, np.nan, 0.1, np.nan]).mean)


def test_revision_is_the_mean_absolute_change_between_successive_estimates():
    estimates = [[0.0, 0.10], [0.0, 0.12, 0.20], [0.0, 0.11, 0.22, 0.3]]
    r = revision(estimates)
    assert np.allclose(r.per_period[:3], [0.0, (0.02 + 0.01) / 2, 0.02])
    assert math.isnan(r.per_period[3])
    assert r.mean == pytest.approx((0.0 + 0.015 + 0.02) / 3)
    with pytest.raises(ValueError):
        revision([[0.0, 0.1]])


def test_truth_mae_over_the_periods_both_have():
    truth = np.log([2.0, 2.2, 2.4, 2.6])  # normalised to its own first period
    b = np.array([0.0, math.log(1.1) + 0.01, np.nan, math.log(1.3) - 0.03])
    assert truth_mae(b, truth) == pytest.approx((0 + 0.01 + 0.03) / 3)
