"""Whole-year date arithmetic (``anju.core.clock.add_years``): the one rule for terms, bans, deadlines."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from anju.core import clock


def test_29_february_falls_on_the_28th_in_a_common_year() -> None:
    assert clock.add_years(date(2024, 2, 29), 5) == date(2029, 2, 28)
    assert clock.add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert clock.add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert clock.add_years(date(2025, 12, 8), -3) == date(2022, 12, 8)


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2200, 12, 31)), st.integers(-40, 40))
def test_month_is_kept_and_the_day_moves_at_most_one(day: date, years: int) -> None:
    got = clock.add_years(day, years)
    assert (got.year, got.month) == (day.year + years, day.month)
    assert got.day == day.day or (day.month, day.day, got.day) == (2, 29, 28)
