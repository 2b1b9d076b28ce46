"""The hedonic time-dummy index from moments equals statsmodels OLS with explicit estate dummies on the
raw sales, recovers a known index, drops singular characteristics, and flags empty and thin periods."""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.market.indices.hedonic import hedonic, moments_from_arrays


def _market(seed: int, n: int = 300, periods: int = 6, estates: int = 12, noise: float = 0.05):
    rng = np.random.default_rng(seed)
    truth = np.concatenate([[0.0], np.cumsum(rng.normal(0.01, 0.03, periods - 1))])
    t = rng.integers(0, periods, n)
    g = rng.integers(0, estates, n)
    area = rng.uniform(40, 160, n)
    floor = rng.integers(1, 33, n).astype(float)
    y = 10 + truth[t] + 0.003 * area + 0.004 * floor + rng.normal(0, 0.3, estates)[g] + rng.normal(0, noise, n)
    return truth, t, g, np.column_stack([area, floor]), y


def _se(series):
    assert series.std_error is not None
    return series.std_error


def _dummies(codes, levels, drop_first):
    d = np.zeros((len(codes), levels))
    d[np.arange(len(codes)), codes] = 1
    return d[:, 1:] if drop_first else d


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), periods=st.integers(2, 8), estates=st.integers(1, 20))
def test_equals_ols_with_explicit_estate_dummies(seed, periods, estates):
    _, t, g, x, y = _market(seed, n=200, periods=periods, estates=estates)
    if len(np.unique(t)) < periods:
        return  # covered by the empty-period test
    s = hedonic(moments_from_arrays(t, y, x, ["area", "floor"], g, periods=periods))
    fit = sm.OLS(y, np.column_stack([_dummies(t, periods, True), x, _dummies(g, estates, False)])).fit()
    assert np.allclose(s.log_index[1:], fit.params[: periods - 1], atol=1e-8)
    assert np.allclose(_se(s)[1:], fit.bse[: periods - 1], atol=1e-8)


def test_common_intercept_equals_ols_with_a_constant():
    _, t, _, x, y = _market(5)
    s = hedonic(moments_from_arrays(t, y, x, ["area", "floor"]))
    fit = sm.OLS(y, sm.add_constant(np.column_stack([_dummies(t, 6, True), x]))).fit()
    assert np.allclose(s.log_index[1:], fit.params[1:6], atol=1e-8)
    assert np.allclose(_se(s)[1:], fit.bse[1:6], atol=1e-8)


def test_recovers_a_known_index_within_the_noise():
    noise = 0.08
    truth, t, g, x, y = _market(42, n=6000, periods=12, estates=60, noise=noise)
    s = hedonic(moments_from_arrays(t, y, x, ["area", "floor"], g))
    # each period has ~500 sales: the standard error is ~ noise·√(2/500) ≈ 0.005; allow four of them
    tolerance = 4 * noise * np.sqrt(2 / (6000 / 12))
    assert np.max(np.abs(s.log_index - truth)) < tolerance
    assert np.allclose(_se(s)[1:], noise * np.sqrt(2 / (6000 / 12)), rtol=0.3)
    assert set(s.status) == {"ok"}


def test_a_characteristic_constant_within_estates_is_dropped_with_a_note():
    _, t, g, x, y = _market(7)
    estate_age = np.arange(12, dtype=float)[g] * 3.0  # constant within each estate: absorbed by the effect
    twice = 2 * x[:, 0]  # collinear with area
    s = hedonic(moments_from_arrays(t, y, np.column_stack([x, estate_age, twice]), ["area", "floor", "age", "2a"], g))
    assert len(s.notes) == 2 and "age" in s.notes[0] and "2a" in s.notes[1]
    fit = sm.OLS(y, np.column_stack([_dummies(t, 6, True), x, _dummies(g, 12, False)])).fit()
    assert np.allclose(s.log_index[1:], fit.params[:5], atol=1e-8)


def test_empty_thin_and_unconnected_periods():
    _, t, g, x, y = _market(9, n=400, periods=6, estates=10)
    keep = t != 3  # period 3: no sales
    t, g, x, y = t[keep], g[keep], x[keep], y[keep]
    # period 5: three sales, all in an estate sold in no other period: not connected to the base
    t = np.concatenate([t[t != 5], [5, 5, 5]])
    g = np.concatenate([g[: len(t) - 3], [99, 99, 99]])
    x = np.concatenate([x[: len(t) - 3], [[80.0, 3.0], [90.0, 5.0], [100.0, 9.0]]])
    y = np.concatenate([y[: len(t) - 3], [11.0, 11.1, 11.3]])
    s = hedonic(moments_from_arrays(t, y, x, ["area", "floor"], g, periods=6), min_sales=40)
    assert s.status[3] == "none" and s.observations[3] == 0
    assert s.status[5] == "none" and s.observations[5] == 3
    assert np.isnan(s.log_index[[3, 5]]).all()
    assert s.status[:3] == ("ok", "ok", "ok") and s.status[4] == "ok"
    thin = hedonic(moments_from_arrays(t, y, x, ["area", "floor"], g, periods=6), min_sales=10_000)
    assert thin.status == ("thin", "thin", "thin", "none", "thin", "none")
    # without the estate effect period 5 is connected through the common intercept
    pooled = hedonic(moments_from_arrays(t, y, x, ["area", "floor"], periods=6))
    assert np.isfinite(pooled.log_index[5]) and np.isnan(pooled.log_index[3])


def test_no_sales_in_the_base_period_means_nothing_is_estimable():
    _, t, g, x, y = _market(3)
    keep = t != 0
    s = hedonic(moments_from_arrays(t[keep], y[keep], x[keep], ["area", "floor"], g[keep], periods=6))
    assert np.isnan(s.log_index[1:]).all() and s.log_index[0] == 0


def test_moments_add_and_subtract():
    _, t, g, x, y = _market(4)
    total = moments_from_arrays(t, y, x, ["a", "f"], g, periods=6)
    head = moments_from_arrays(t[:100], y[:100], x[:100], ["a", "f"], g[:100], periods=6)
    tail = moments_from_arrays(t[100:], y[100:], x[100:], ["a", "f"], g[100:], periods=6)
    for combined in (head.plus(tail), total.minus(head).plus(head)):
        assert np.allclose(hedonic(combined).log_index, hedonic(total).log_index, atol=1e-10)
    rest = total.minus(head)
    assert np.allclose(hedonic(rest).log_index, hedonic(tail).log_index, atol=1e-10)
    with pytest.raises(ValueError, match="not part"):
        head.minus(total)
