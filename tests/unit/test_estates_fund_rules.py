"""The maintenance fund's pure rules: rates by date and building type, deposits, the day-weighted
balance of a year and the exact largest-remainder allocation."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from anju.core.errors import ValidationError
from anju.estates import fund_rules


def test_the_sample_rates_are_dated_editions_by_building_type() -> None:
    eds = fund_rules.load_rates(fund_rules.sample_path("320100"))
    assert [e.effective_from for e in eds] == sorted(e.effective_from for e in eds) and len(eds) >= 2
    assert all(e.sample for e in eds)
    old, rate_old = fund_rules.rate_on(eds, "high", date(2019, 6, 30))
    new, rate_new = fund_rules.rate_on(eds, "high", date(2019, 7, 1))
    assert old.code != new.code and (rate_old, rate_new) == (6000, 8000)
    assert fund_rules.rate_on(eds, "multi", date(2030, 1, 1))[1] == 5500
    with pytest.raises(ValidationError, match="无现行"):
        fund_rules.rate_on(eds, "multi", date(2007, 12, 31))
    with pytest.raises(ValidationError, match="房屋类型"):
        fund_rules.rate_on(eds, "tower", date(2020, 1, 1))


def test_a_rates_file_must_name_every_building_type(tmp_path: Path) -> None:
    p = tmp_path / "r.toml"
    p.write_text('[[edition]]\ncode="a"\nname="a"\neffective_from=2020-01-01\n[edition.rates]\nmulti=1\n')
    with pytest.raises(fund_rules.RatesError, match="building types"):
        fund_rules.load_rates(p)


def test_building_type_and_deposit() -> None:
    assert fund_rules.building_type("住宅", 3) == "villa"
    assert fund_rules.building_type("住宅", 6) == "multi"
    assert fund_rules.building_type("住宅", 18) == "high"
    assert fund_rules.building_type("商业", 18) == "other"
    assert fund_rules.deposit_fen(Decimal("89.37"), 8000) == 714960
    assert fund_rules.deposit_fen(Decimal("0.01"), 50) == 1  # 0.5 fen rounds half up
    with pytest.raises(ValidationError):
        fund_rules.deposit_fen(Decimal(0), 8000)
    assert fund_rules.below_share(299, 1000, 30) and not fund_rules.below_share(300, 1000, 30)


def test_day_weighting_counts_each_day_a_balance_was_held() -> None:
    assert fund_rules.day_weighted(100, [], 2023) == 100 * 365
    assert fund_rules.day_weighted(100, [], 2024) == 100 * 366
    # 1 000 deposited on 31 December counts one day; on 2 July of a leap year, 183 days
    assert fund_rules.day_weighted(0, [(date(2023, 12, 31), 1000)], 2023) == 1000
    assert fund_rules.day_weighted(0, [(date(2024, 7, 2), 1000)], 2024) == 1000 * 183
    # a withdrawal halfway reduces the weight from that day on
    assert fund_rules.day_weighted(1000, [(date(2023, 7, 2), -400)], 2023) == 1000 * 365 - 400 * 183
    with pytest.raises(ValidationError):
        fund_rules.day_weighted(0, [(date(2024, 1, 1), 1)], 2023)


def test_allocation_is_exact_with_largest_remainders() -> None:
    assert fund_rules.allocate(100, [1, 1, 1]) == [34, 33, 33]  # tie: the earlier position
    assert fund_rules.allocate(10, [5, 3, 2]) == [5, 3, 2]
    assert fund_rules.allocate(7, [2, 3]) == [3, 4]  # 2.8 and 4.2: the larger remainder gets the fen
    assert fund_rules.allocate(5, [0, -3, 4]) == [0, 0, 5]
    assert fund_rules.allocate(0, [1, 2]) == [0, 0]
    with pytest.raises(ValidationError):
        fund_rules.allocate(1, [0, 0])
    rng = random.Random(7)
    for _ in range(200):
        ws = [rng.randrange(0, 10**9) for _ in range(rng.randrange(1, 60))]
        if not any(ws):
            continue
        total = rng.randrange(0, 10**7)
        got = fund_rules.allocate(total, ws)
        assert sum(got) == total
        s = sum(ws)
        for g, w in zip(got, ws, strict=True):  # each within one fen of its exact share
            assert abs(g * s - total * w) < s


def _allocate_by_definition(total: int, weights: list[int]) -> list[int]:
    """The allocation's definition in plain Python integers (floors, then a sort by remainder)."""
    w = [max(0, x) for x in weights]
    s = sum(w)
    shares = [total * x // s for x in w]
    order = sorted(range(len(w)), key=lambda i: (-(total * w[i] % s), -w[i], i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


@pytest.mark.parametrize("scale", ["int64", "products_overflow", "sum_overflows"])
def test_allocation_is_the_same_on_every_path(scale: str) -> None:
    # numpy when every product fits 64 bits; Python floors with a numpy sort when only the remainders
    # fit; Python throughout beyond: the same shares, ties included (repeated weights on purpose)
    rng = random.Random(11)
    top = {"int64": 10**6, "products_overflow": 10**13, "sum_overflows": 10**19}[scale]
    for _ in range(300):
        ws = [rng.choice([0, -4, 7, 7, rng.randrange(1, top)]) for _ in range(rng.randrange(1, 80))]
        if not any(x > 0 for x in ws):
            continue
        total = rng.randrange(0, 10**9 if scale == "int64" else 10**12)
        got = fund_rules.allocate(total, ws)
        assert got == _allocate_by_definition(total, ws)
        assert all(type(g) is int for g in got) and sum(got) == total
