"""Repeat sales adjusted for the ageing of a home between its two sales (the hedonic depreciation)."""

from __future__ import annotations

import numpy as np

from anju.market.indices import hedonic, repeat_sales
from anju.market.indices.cells import PairCells


def _pairs(true_log: np.ndarray, depreciation: float, rng: np.random.Generator) -> PairCells:
    """Pairs of homes that age between their sales: log(p2/p1) = L(t2) − L(t1) + dep × Δyears + noise."""
    t1s, t2s, p1s, p2s = [], [], [], []
    n = len(true_log)
    for _ in range(4000):
        t1 = int(rng.integers(0, n - 1))
        t2 = int(rng.integers(t1 + 1, n))
        p1 = float(np.exp(rng.normal(10.0, 0.3)))
        lr = true_log[t2] - true_log[t1] + depreciation * (t2 - t1) / 12.0 + rng.normal(0.0, 0.01)
        t1s.append(t1)
        t2s.append(t2)
        p1s.append(p1)
        p2s.append(p1 * float(np.exp(lr)))
    return PairCells.from_pairs(n, np.array(t1s), np.array(t2s), np.array(p1s), np.array(p2s))


def test_the_age_adjustment_removes_the_depreciation_a_plain_repeat_sales_index_carries():
    rng = np.random.default_rng(7)
    months = 60
    true_log = np.cumsum(np.r_[0.0, rng.normal(0.003, 0.01, months - 1)])
    cells = _pairs(true_log, -0.02, rng)
    plain = repeat_sales.geometric(cells, weights="none")
    adjusted = repeat_sales.geometric(repeat_sales.age_adjusted(cells, -0.02), weights="none")
    # the plain index drifts below the truth by 2 % a year; the adjusted one recovers it
    assert abs((plain.log_index[-1] - true_log[-1]) - (-0.02 * (months - 1) / 12)) < 0.01
    assert np.max(np.abs(adjusted.log_index - true_log)) < 0.01
    arith = repeat_sales.arithmetic(repeat_sales.age_adjusted(cells, -0.02), weights="none")
    assert np.max(np.abs(arith.log_index - true_log)) < 0.02


def test_an_adjustment_of_zero_changes_nothing():
    rng = np.random.default_rng(3)
    cells = _pairs(np.linspace(0.0, 0.2, 24), 0.0, rng)
    same = repeat_sales.age_adjusted(cells, 0.0)
    for field in ("sum_log_ratio", "sum_sq_log_ratio", "sum_p1", "sum_p2", "count"):
        assert np.array_equal(getattr(same, field), getattr(cells, field))


def test_the_hedonic_index_reports_the_coefficients_of_its_characteristics():
    rng = np.random.default_rng(5)
    n, periods = 3000, 12
    period = rng.integers(0, periods, n)
    age = rng.uniform(0, 30, n)
    y = 0.01 * period - 0.008 * age + rng.normal(0, 0.02, n)
    series = hedonic.hedonic(hedonic.moments_from_arrays(period, y, age[:, None], ("age",)))
    got = series.coefficient("age")
    assert got is not None and abs(got - (-0.008)) < 0.001
    assert series.coefficient("floor") is None
