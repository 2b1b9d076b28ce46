"""Stratified medians and the published forms of an index: 环比, 同比, 定基, rebasing, chain-linking."""

from __future__ import annotations

import math

import numpy as np
import pytest

from anju.market.indices.chain import chain, fixed_base, month_on_month, rebase, year_on_year
from anju.market.indices.median import median_index, medians, stratified

NAN = float("nan")


def test_medians_per_period_and_the_index_against_the_base():
    med, n = medians([0, 0, 0, 1, 1, 3], [10.0, 30.0, 20.0, 22.0, 26.0, 40.0], periods=4)
    assert med[0] == 20 and med[1] == 24 and math.isnan(med[2]) and med[3] == 40
    assert n.tolist() == [3, 2, 0, 1]
    s = median_index(med, n, min_sales=2)
    assert s.index[1] == pytest.approx(120) and s.index[3] == pytest.approx(200)
    assert s.status == ("ok", "ok", "none", "thin")
    assert s.notes == ()


def test_base_without_sales_takes_the_first_month_with_sales_as_reference():
    s = median_index([NAN, NAN, 50.0, 55.0], [0, 0, 30, 30], min_sales=1)
    assert s.status == ("none", "none", "ok", "ok")
    assert s.index[2] == pytest.approx(100) and s.index[3] == pytest.approx(110)
    assert "第 2 期" in s.notes[0]


def test_stratified_fixed_weights_ignore_a_shift_in_the_mix():
    # two districts each +10 %; the raw city median would jump because sales move to the dear one
    cheap = median_index([10.0, 11.0], [100, 100], min_sales=1)
    dear = median_index([30.0, 33.0], [100, 100], min_sales=1)
    city = stratified({"cheap": cheap, "dear": dear}, {"cheap": 0.7, "dear": 0.3})
    assert city.index[1] == pytest.approx(110)
    assert city.status == ("ok", "ok")
    assert city.observations.tolist() == [200, 200]


def test_stratified_weighted_mean_of_log_ratios_with_missing_strata():
    a = median_index([10.0, 12.0, NAN], [5, 5, 0], min_sales=1)
    b = median_index([10.0, 9.0, 11.0], [5, 5, 5], min_sales=1)
    late = median_index([NAN, 10.0, 10.0], [0, 5, 5], min_sales=1)
    city = stratified({"a": a, "b": b}, {"a": 3.0, "b": 1.0})
    assert city.log_index[1] == pytest.approx((3 * math.log(1.2) + math.log(0.9)) / 4)
    assert city.log_index[2] == pytest.approx(math.log(1.1))  # only b: weights renormalised
    assert city.status == ("ok", "ok", "thin")
    with_late = stratified({"a": a, "b": b, "late": late}, {"a": 3.0, "b": 1.0, "late": 1.0})
    assert np.allclose(with_late.log_index, city.log_index)
    assert "late" in with_late.notes[0]
    with pytest.raises(ValueError, match="weight"):
        stratified({"a": a}, {"b": 1.0})


def test_month_on_month_year_on_year_and_fixed_base():
    b = np.log(np.array([100.0] * 12 + [105.0, 110.0, NAN, 121.0]) / 100)
    mom = month_on_month(b)
    assert mom[0] is None and mom[1] == pytest.approx(100)
    assert mom[12] == pytest.approx(105) and mom[13] == pytest.approx(100 * 110 / 105)
    assert mom[14] is None and mom[15] is None  # an unestimable side: no ratio
    yoy = year_on_year(b)
    assert yoy[:12] == [None] * 12
    assert yoy[13] == pytest.approx(110) and yoy[14] is None and yoy[15] == pytest.approx(121)
    fb = fixed_base(b)
    assert fb[13] == pytest.approx(110) and fb[14] is None


def test_rebase_makes_the_mean_of_the_base_months_100():
    levels = np.array([90.0, 100.0, 110.0, 120.0, NAN])
    out = rebase(levels, [1, 2, 3])
    assert np.mean(out[1:4]) == pytest.approx(100)
    assert out[0] == pytest.approx(90 / 1.1) and math.isnan(out[4])
    with pytest.raises(ValueError, match="rebase"):
        rebase(levels, [3, 4])


def test_chain_keeps_published_history_and_carries_the_new_movements():
    published = np.array([100.0, 102.0, 104.0, 103.0])
    new = np.array([100.0, 101.0, 105.0, 106.0, 110.0])  # a new run revises the past
    out = chain(published, new, link_period=3)
    assert out[:4].tolist() == published.tolist()
    assert out[4] == pytest.approx(103.0 * 110 / 106)
    with pytest.raises(ValueError, match="link"):
        chain(published, np.array([100.0, NAN, 1.0, NAN, 2.0]), link_period=3)
