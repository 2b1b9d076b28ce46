"""The status rules of a plan target's progress (anju.plan.progress): each period, each comparison,
pro rata for cumulative targets, missing data named, the factor to the plan's unit."""

from __future__ import annotations

from decimal import Decimal

import pytest

from anju.plan import progress as pr
from anju.plan.domain import Comparison, Target
from tests.plan_builders import CITY, plan, target


def vals(code: str = "test.supply", area: str = CITY, **by_year: str | None) -> pr.Values:
    return {
        (code, area, int(y[1:])): ((Decimal(v), None) if v is not None else (None, "登记数据缺失"))
        for y, v in by_year.items()
    }


def one(t: Target, values: pr.Values, as_of: int, **kw: bool) -> pr.TargetProgress:
    return pr.target_progress(plan(t), t, values, as_of, **kw)


def test_cumulative_pro_rata_on_track_and_behind() -> None:
    t = target(value="100")
    # 2 of 5 years elapsed: 40 expected
    got = one(t, vals(y2021="20", y2022="21"), 2022)
    assert (got.actual, got.expected, got.status) == (Decimal(41), Decimal(40), "on_track")
    got = one(t, vals(y2021="20", y2022="19"), 2022)
    assert got.status == "behind" and got.gap == Decimal(-61)


def test_cumulative_achieved_early_and_at_end() -> None:
    t = target(value="100")
    assert one(t, vals(y2021="60", y2022="50"), 2022).status == "achieved"
    five = vals(y2021="20", y2022="20", y2023="20", y2024="20", y2025="19")
    assert one(t, five, 2025).status == "behind"
    five = vals(y2021="20", y2022="20", y2023="20", y2024="20", y2025="20")
    done = one(t, five, 2025)
    assert done.status == "achieved" and done.actual == Decimal(100) and done.percent == Decimal("100.0")


def test_as_of_after_the_plan_counts_the_plan_years_only() -> None:
    t = target(value="100")
    five = vals(y2021="20", y2022="20", y2023="20", y2024="20", y2025="20", y2026="999")
    assert one(t, five, 2027).actual == Decimal(100)


def test_factor_converts_to_the_plan_unit() -> None:
    t = target(value="7", unit="万套", factor="0.0001")
    got = one(t, vals(y2021="20000", y2022="15000"), 2022)
    assert got.actual == Decimal("3.5") and got.status == "on_track"  # 2.8 expected


def test_missing_year_is_no_data_naming_the_year_and_reason() -> None:
    t = target(value="100")
    got = one(t, vals(y2021="20", y2022=None), 2022)
    assert got.status == "no_data" and got.actual is None
    assert got.missing == "2022 年：登记数据缺失"
    got = one(t, vals(y2021="20"), 2022)
    assert got.missing == f"2022 年：{pr.NOT_COMPUTED}"
    got = one(t, {}, 2022, reported_by_hand=True)
    assert got.missing == f"2021、2022 年：{pr.REPORTED_BY_HAND}"


def test_annual_average() -> None:
    t = target(value="8", period="annual_average", comparison="about", tolerance="0.1")
    assert one(t, vals(y2021="7.5", y2022="8.1"), 2022).status == "on_track"
    assert one(t, vals(y2021="6", y2022="6"), 2022).status == "behind"
    five = vals(y2021="8", y2022="8", y2023="8", y2024="8", y2025="8.5")
    got = one(t, five, 2025)
    assert got.status == "achieved" and got.actual == Decimal("8.1")


def test_final_year_path_from_the_baseline() -> None:
    t = target(value="42", period="final_year", unit="平方米")
    # baseline 2020 = 37; after 2 of 5 years the path expects 37 + 5 × 2/5 = 39
    got = one(t, vals(y2020="37", y2021="38", y2022="39.5"), 2022)
    assert (got.expected, got.status) == (Decimal(39), "on_track")
    assert one(t, vals(y2020="37", y2021="38", y2022="38.5"), 2022).status == "behind"
    # no baseline: the level against the target itself
    assert one(t, vals(y2021="38", y2022="39.5"), 2022).status == "behind"
    assert one(t, vals(y2022="42.5"), 2022).status == "on_track"  # only the as-of year's level is needed
    assert one(t, vals(y2025="42"), 2025).status == "achieved"
    assert one(t, vals(y2025="41.9"), 2025).status == "behind"


def test_each_year_every_elapsed_year_must_meet() -> None:
    t = target(value="100", period="each_year", comparison="equal", unit="%")
    assert one(t, vals(y2021="100", y2022="100"), 2022).status == "on_track"
    assert one(t, vals(y2021="99", y2022="100"), 2022).status == "behind"
    five = vals(y2021="100", y2022="100", y2023="100", y2024="100", y2025="100")
    assert one(t, five, 2025).status == "achieved"


def test_single_year_target() -> None:
    t = target(value="50", year=2023, period="each_year")
    got = one(t, vals(y2023="55"), 2022)
    assert got.status == "no_data" and got.missing == "尚未到 2023 年度"
    assert one(t, vals(y2023="55"), 2023).status == "achieved"
    assert one(t, vals(y2023="45"), 2024).status == "behind"
    assert one(t, vals(), 2023).status == "no_data"


@pytest.mark.parametrize(
    ("comparison", "actual", "ok"),
    [
        ("at_least", "28", True),
        ("at_least", "27.9", False),
        ("at_most", "28", True),
        ("at_most", "28.1", False),
        ("about", "29.4", True),  # within 5 %
        ("about", "29.5", False),
        ("equal", "28", True),
        ("equal", "28.0001", False),
    ],
)
def test_comparisons(comparison: Comparison, actual: str, ok: bool) -> None:
    assert pr.meets(Decimal(actual), Decimal(28), comparison, Decimal("0.05")) is ok
    t = target(value="28", comparison=comparison, period="final_year", unit="%")
    assert one(t, vals(y2025=actual), 2025).status == ("achieved" if ok else "behind")


def test_at_most_cumulative_is_achieved_only_when_due() -> None:
    t = target(value="100", comparison="at_most")
    assert one(t, vals(y2021="10"), 2021).status == "on_track"
    assert one(t, vals(y2021="30"), 2021).status == "behind"  # 20 allowed pro rata


def test_progress_filters_areas_and_default_as_of() -> None:
    a = target("city")
    b = target("d1", area="320102")
    p = plan(a, b)
    got = pr.progress(p, {}, 2021, areas=[CITY])
    assert [g.key for g in got] == ["city"]
    assert pr.default_as_of(p, [2019, 2022, 2030]) == 2022
    assert pr.default_as_of(p, []) == 2021
    assert pr.needed_years(p) == [2020, 2021, 2022, 2023, 2024, 2025]


def test_before_the_plan_is_no_data() -> None:
    assert one(target(), vals(y2020="1"), 2020).status == "no_data"
