"""Repeat-sales indices: the rsmatrix anchor, the cell reduction equals the pair-level regressions
(statsmodels on the raw pairs), estimability, thin cells, the weighting guard."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.market.indices.cells import PairCells
from anju.market.indices.repeat_sales import VARIANCE_FLOOR, arithmetic, geometric, pairs_from_sales

# R rsmatrix's worked example: home 1 sold at 1, 3, 2 in periods 1-3; home 2 at 1 and 1 in periods 1 and 3.
RSMATRIX = pairs_from_sales([1, 1, 1, 2, 2], [0, 1, 2, 0, 2], [1.0, 3.0, 2.0, 1.0, 1.0])


def test_rsmatrix_anchor_geometric_and_arithmetic():
    g = geometric(RSMATRIX, weights="none")
    assert [round(v, 4) for v in g.index] == [100.0, 238.1102, 125.9921]
    assert g.index[1] == pytest.approx(100 * math.exp(math.log(3) - math.log(2) / 3), rel=1e-12)
    assert g.index[2] == pytest.approx(100 * 2 ** (1 / 3), rel=1e-12)
    a = arithmetic(RSMATRIX, weights="none")
    assert [round(v, 4) for v in a.index] == [100.0, 240.0, 133.3333]
    assert a.index[2] == pytest.approx(400 / 3, rel=1e-12)


def _se(series):
    assert series.std_error is not None
    return series.std_error


def _raw_pairs(property_id, period, price):
    """The consecutive pairs (t1 < t2) the way a reader would list them, independent of the cells."""
    rows = sorted(zip(property_id, period, range(len(period)), price, strict=True))
    out = []
    for a, b in itertools.pairwise(rows):
        if a[0] == b[0] and a[1] < b[1]:
            out.append((a[1], b[1], a[3], b[3]))
    return out


def _pair_level(pairs, estimable, weights):
    """Case–Shiller three stages with statsmodels on the raw pairs (the definition)."""
    cols = [t for t in np.flatnonzero(estimable) if t != 0]
    pairs = [p for p in pairs if estimable[p[0]]]
    if not cols:
        return cols, None, None, None, pairs
    x = np.zeros((len(pairs), len(cols)))
    for i, (t1, t2, _, _) in enumerate(pairs):
        if t1 != 0:
            x[i, cols.index(t1)] = -1
        x[i, cols.index(t2)] = 1
    y = np.array([math.log(p2 / p1) for _, _, p1, p2 in pairs])
    delta = np.array([t2 - t1 for t1, t2, _, _ in pairs], dtype=float)
    w = np.ones(len(pairs))
    if weights == "case-shiller" and len(set(delta)) > 1:
        e2 = sm.OLS(y, x).fit().resid ** 2
        fitted = sm.OLS(e2, sm.add_constant(delta)).fit().fittedvalues
        if np.all(fitted > VARIANCE_FLOOR * e2.mean()):
            w = 1 / fitted
    return cols, sm.WLS(y, x, weights=w).fit(), x, w, pairs


sales_strategy = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 5), st.floats(0.5, 4.0)), min_size=8, max_size=60
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sales=sales_strategy, weights=st.sampled_from(["case-shiller", "none"]))
def test_cell_reduction_equals_pair_level_wls(sales, weights):
    pid, period, price = (list(c) for c in zip(*sales, strict=True))
    cells = pairs_from_sales(pid, period, price, periods=6)
    g = geometric(cells, weights=weights, min_pairs=1)
    estimable = np.isfinite(g.log_index)
    cols, fit, *_ = _pair_level(_raw_pairs(pid, period, price), estimable, weights)
    if not cols:
        assert np.all(np.isnan(g.log_index[1:]))
        return
    assert np.allclose(g.log_index[cols], fit.params, atol=1e-9)
    if fit.df_resid > 0:
        assert np.allclose(_se(g)[cols], fit.bse, atol=1e-9, rtol=1e-7)


@settings(max_examples=40, deadline=None)
@given(sales=sales_strategy, weights=st.sampled_from(["case-shiller", "none"]))
def test_arithmetic_from_cells_equals_the_pair_level_instrumental_variables(sales, weights):
    pid, period, price = (list(c) for c in zip(*sales, strict=True))
    cells = pairs_from_sales(pid, period, price, periods=6)
    a = arithmetic(cells, weights=weights, min_pairs=1)
    estimable = np.isfinite(geometric(cells, weights="none").log_index)
    cols, _, z, w, pairs = _pair_level(_raw_pairs(pid, period, price), estimable, weights)
    if not cols:
        return
    x = np.zeros_like(z)
    y = np.zeros(len(pairs))
    for i, (t1, t2, p1, p2) in enumerate(pairs):
        if t1 == 0:
            y[i] = p1
        else:
            x[i, cols.index(t1)] = -p1
        x[i, cols.index(t2)] = p2
    beta = np.linalg.solve(z.T @ (w[:, None] * x), z.T @ (w * y))
    ok = beta > 0
    assert np.allclose(a.index[np.array(cols)[ok]], 100 / beta[ok], rtol=1e-9)
    assert np.all(np.isnan(a.log_index[np.array(cols)[~ok]]))


def test_periods_not_connected_to_the_base_are_none_and_the_rest_is_estimated_alone():
    # periods 0-1-2 linked; 3-4 linked only to each other; 5 has no pair at all
    pid = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    period = [0, 1, 1, 2, 0, 2, 3, 4, 3, 4]
    price = [1.0, 1.1, 1.0, 1.2, 2.0, 2.5, 1.0, 1.3, 2.0, 2.4]
    cells = pairs_from_sales(pid, period, price, periods=6)
    g = geometric(cells, weights="none", min_pairs=1)
    assert g.status[:3] == ("ok", "ok", "ok")
    assert g.status[3:] == ("none", "none", "none")
    assert np.all(np.isnan(g.log_index[3:]))
    alone = geometric(pairs_from_sales(pid[:6], period[:6], price[:6], periods=3), weights="none", min_pairs=1)
    assert np.allclose(g.log_index[:3], alone.log_index)
    assert list(g.observations) == [2, 2, 2, 2, 2, 0]
    assert arithmetic(cells, weights="none", min_pairs=1).status[3:] == ("none", "none", "none")


def test_nothing_estimable_without_pairs_at_the_base():
    cells = pairs_from_sales([1, 1], [1, 2], [1.0, 2.0], periods=3)
    for method in (geometric, arithmetic):
        s = method(cells, weights="none")
        assert s.log_index[0] == 0 and np.all(np.isnan(s.log_index[1:]))
        assert s.status == ("thin", "none", "none")


def test_thin_is_fewer_than_min_pairs_touching_the_period():
    rng = np.random.default_rng(3)
    pid = np.repeat(np.arange(30), 2)
    period = np.tile([0, 1], 30)
    period[-2:] = [0, 2]  # one pair to period 2
    price = rng.uniform(1, 2, 60)
    s = geometric(pairs_from_sales(pid, period, price), min_pairs=5)
    assert s.status == ("ok", "ok", "thin")
    assert list(s.observations) == [30, 29, 1]


def test_same_period_resales_are_dropped_and_the_neighbours_still_pair():
    cells = pairs_from_sales([7, 7, 7, 7], [1, 3, 3, 5], [1.0, 2.0, 4.0, 8.0], periods=6)
    assert sorted(zip(cells.t1.tolist(), cells.t2.tolist(), strict=True)) == [(1, 3), (3, 5)]
    by = {(a, b): (s1, s2) for a, b, s1, s2 in zip(cells.t1, cells.t2, cells.sum_p1, cells.sum_p2, strict=True)}
    assert by[(1, 3)] == (1.0, 2.0) and by[(3, 5)] == (4.0, 8.0)


def test_guard_against_non_positive_fitted_variances_falls_back_to_equal_weights():
    # every pair fits exactly (prices follow the index): the stage-2 variance is zero everywhere
    index = {0: 1.0, 1: 1.1, 2: 1.3, 3: 1.2}
    sales = [(h, t, 100.0 * index[t]) for h, ts in enumerate([(0, 1), (0, 2), (1, 3), (0, 3), (2, 3)]) for t in ts]
    pid, period, price = zip(*sales, strict=True)
    cells = pairs_from_sales(pid, period, price)
    s = geometric(cells, weights="case-shiller", min_pairs=1)
    assert any("等权" in n for n in s.notes)
    assert np.allclose(s.index, [100 * index[t] for t in range(4)])


def test_case_shiller_weights_recover_a_known_index_and_downweight_long_intervals():
    rng = np.random.default_rng(11)
    periods, homes = 24, 3000
    truth = np.cumsum(rng.normal(0.005, 0.01, periods))
    truth -= truth[0]
    t1 = rng.integers(0, periods - 1, homes)
    t2 = np.minimum(t1 + rng.integers(1, 12, homes), periods - 1)
    walk = rng.normal(0, 0.03 * np.sqrt(t2 - t1))  # variance grows with the interval
    lr = truth[t2] - truth[t1] + walk + rng.normal(0, 0.02, homes)
    p1 = np.exp(rng.normal(13, 0.4, homes))
    cells = PairCells.from_pairs(periods, t1, t2, p1, p1 * np.exp(lr))
    cs, eq = geometric(cells), geometric(cells, weights="none")
    assert cs.notes == ()
    assert np.max(np.abs(cs.log_index - truth)) < 4 * np.nanmax(_se(cs))
    assert np.nanmean(_se(cs)) < np.nanmean(_se(eq))  # WLS is the efficient estimator here
    ar = arithmetic(cells)
    assert np.max(np.abs(ar.log_index - truth)) < 0.05


def test_minus_and_plus_are_inverse_and_refuse_what_is_not_a_part():
    a = pairs_from_sales([1, 1, 2, 2], [0, 1, 0, 2], [1.0, 2.0, 1.0, 3.0], periods=3)
    b = pairs_from_sales([3, 3], [1, 2], [2.0, 5.0], periods=3)
    total = a.plus(b)
    back = total.minus(b)
    assert back.t1.tolist() == a.t1.tolist() and back.t2.tolist() == a.t2.tolist()
    assert np.allclose(back.sum_log_ratio, a.sum_log_ratio) and np.allclose(back.sum_p2, a.sum_p2)
    with pytest.raises(ValueError, match="not part"):
        a.minus(b)


def test_unknown_weights_are_refused():
    with pytest.raises(ValueError, match="weights"):
        geometric(RSMATRIX, weights="equal")
