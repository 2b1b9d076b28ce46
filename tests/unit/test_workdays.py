"""Working days follow the State Council's holiday notices (holidays off, 调休 weekend days on); a year
the calendar does not hold is counted Monday to Friday, and says so."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from anju.core import workdays
from anju.core.workdays import CalendarError, add_working_days, covered, is_workday


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # National Day week off (10-01 … 10-07)
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Saturday 2026-02-14 is a make-up working day
        (date(2026, 2, 14), 1, date(2026, 2, 24)),  # Spring Festival 02-15 … 02-23 off
        (date(2025, 12, 31), 1, date(2026, 1, 4)),  # New Year 01-01 … 01-03 off, Sunday 01-04 worked
        (date(2026, 12, 4), 5, date(2026, 12, 11)),  # an ordinary week
    ],
)
def test_holidays_and_make_up_days_count_as_the_notices_say(start: date, n: int, end: date) -> None:
    assert add_working_days(start, n) == end


def test_a_year_not_in_the_calendar_is_counted_monday_to_friday() -> None:
    assert covered(2026) and not covered(2099)
    assert not is_workday(date(2099, 1, 3)) and is_workday(date(2099, 1, 1))  # Saturday; Thursday
    assert add_working_days(date(2099, 1, 2), 1) == date(2099, 1, 5)


def test_the_local_file_adds_a_year_and_a_wrong_date_is_refused(tmp_path: Path) -> None:
    good = tmp_path / "good.toml"
    good.write_text("[[year]]\nyear = 2098\nholidays = [2098-01-01]\nworkdays = [2098-01-04]\n", encoding="utf-8")
    holidays, extra, years = workdays._calendar(good)
    assert date(2098, 1, 1) in holidays and date(2098, 1, 4) in extra and 2098 in years
    bad = tmp_path / "bad.toml"
    bad.write_text("[[year]]\nyear = 2098\nholidays = [2097-01-01]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"bad.toml.year\[0\].holidays"):
        workdays._calendar(bad)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2026, 1, 5), -1)
