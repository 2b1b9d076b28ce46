"""Spending the maintenance fund, the pure rules: apportionment by the largest remainder is exact
(remainders, ties, zero weights), a stage never takes more than a home's unpaid share and the last
stage clears every share, stages sum to the approved amount."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from anju.core.errors import Conflict, ValidationError
from anju.estates.spending_rules import StageIn, apportion, check_stages, must_be, split_stage


def test_apportionment_is_exact_and_gives_remainders_to_the_largest_fractions() -> None:
    # 100 fen over areas 1 : 1 : 1 → 33.33 each; the one fen left goes to the first (a tie)
    assert apportion(100, [Decimal("50.00")] * 3) == [34, 33, 33]
    # quotas 100 × (10, 20, 70.5) / 100.5 = 9.95, 19.90, 70.15 → floors 9, 19, 70, two fen left: the
    # largest remainders are .95 and .90
    assert apportion(100, [Decimal("10"), Decimal("20"), Decimal("70.5")]) == [10, 20, 70]
    assert apportion(7, [Decimal("1"), Decimal("2"), Decimal("4")]) == [1, 2, 4]
    assert apportion(0, [Decimal("3"), Decimal("4")]) == [0, 0]


def test_zero_area_homes_get_nothing() -> None:
    parts = apportion(1001, [Decimal("0"), Decimal("60.25"), Decimal("0"), Decimal("89.75")])
    assert parts[0] == parts[2] == 0 and sum(parts) == 1001
    with pytest.raises(ValueError, match="positive weight"):
        apportion(5, [Decimal("0"), Decimal("0")])
    with pytest.raises(ValueError):
        apportion(-1, [Decimal("1")])


def test_apportionment_is_exact_on_random_estates() -> None:
    rng = random.Random(7)
    for _ in range(300):
        areas = [Decimal(rng.randint(0, 20000)) / 100 for _ in range(rng.randint(1, 60))]
        if not sum(areas):
            continue
        total = rng.randint(0, 10**9)
        parts = apportion(total, areas)
        assert sum(parts) == total
        whole = sum(areas)
        for a, p in zip(areas, parts, strict=True):
            quota = Decimal(total) * a / whole
            assert int(quota) <= p <= int(quota) + 1  # the floor or the ceiling of its quota


def test_stages_never_overpay_a_home_and_the_last_clears_every_share() -> None:
    rng = random.Random(3)
    for _ in range(200):
        shares = [rng.randint(0, 50_000) for _ in range(rng.randint(1, 40))]
        total = sum(shares)
        if not total:
            continue
        cuts = sorted(rng.sample(range(1, total), min(rng.randint(0, 3), total - 1))) if total > 1 else []
        stages = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        paid = [0] * len(shares)
        for amount in stages:
            part = split_stage(amount, [s - p for s, p in zip(shares, paid, strict=True)])
            assert sum(part) == amount
            paid = [p + x for p, x in zip(paid, part, strict=True)]
            assert all(p <= s for p, s in zip(paid, shares, strict=True))
        assert paid == shares
    with pytest.raises(ValueError):
        split_stage(11, [5, 5])


def test_stage_sums_must_equal_the_approved_amount() -> None:
    check_stages([StageIn("预付款", 300), StageIn("竣工验收", 700)], 1000)
    with pytest.raises(ValidationError) as e:
        check_stages([StageIn("预付款", 300), StageIn("竣工验收", 600)], 1000)
    assert e.value.errors[0].field == "stages" and "900" in e.value.errors[0].reason
    with pytest.raises(ValidationError) as e:
        check_stages([StageIn("预付款", 0), StageIn("竣工验收", 1000)], 1000)
    assert e.value.errors[0].field == "stages[0].amount_fen"
    with pytest.raises(ValidationError):
        check_stages([], 1000)
    with pytest.raises(ValidationError):
        check_stages([StageIn(f"S{i}", 1) for i in range(11)], 11)


def test_status_guard_names_the_action() -> None:
    must_be("submitted", "submitted", action="审核")
    with pytest.raises(Conflict, match=r"已批准.*审核"):
        must_be("approved", "submitted", action="审核")
