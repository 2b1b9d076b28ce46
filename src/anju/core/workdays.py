"""Working days (工作日) in mainland China: Monday to Friday, except the public holidays, plus the weekend
days the State Council moves work to (调休补班) — the calendar every deadline counted in working days
uses (credit objections and repairs, property-service complaints).

The calendar is the ``chinesecalendar`` package's (the State Council's yearly notices from 2004; a new
release follows each November's notice) plus ``core/data/holidays.toml`` for a year the installed
package does not hold yet (the bureau adds the notice there when it is published and the package
cannot be updated at once). A year neither holds is counted Monday to Friday: :func:`covered` says
whether a year is known, so a page can say that a deadline was counted without the holidays.
"""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import chinese_calendar.constants as official

DATA = Path(__file__).parent / "data" / "holidays.toml"


class CalendarError(ValueError):
    """The local holiday file is wrong; the message names the key."""


@cache
def _calendar(path: Path = DATA) -> tuple[frozenset[date], frozenset[date], frozenset[int]]:
    """(holidays, make-up workdays, years known)."""
    holidays = set(official.holidays)
    workdays = set(official.workdays)
    years = {d.year for d in holidays}
    doc = tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for i, y in enumerate(doc.get("year", [])):
        where = f"{path.name}.year[{i}]"
        year = y.get("year")
        if not isinstance(year, int):
            raise CalendarError(f"{where}.year: 应为年份")
        for key, into in (("holidays", holidays), ("workdays", workdays)):
            for d in y.get(key, []):
                if not isinstance(d, date) or d.year != year:
                    raise CalendarError(f"{where}.{key}: {d!r} 应为 {year} 年的日期")
                into.add(d)
        years.add(year)
    return frozenset(holidays), frozenset(workdays), frozenset(years)


def covered(year: int) -> bool:
    """Whether the calendar holds ``year``'s holidays (otherwise it is counted Monday to Friday)."""
    return year in _calendar()[2]


def is_workday(d: date) -> bool:
    holidays, workdays, _years = _calendar()
    if d in workdays:
        return True
    return d.weekday() < 5 and d not in holidays


def add_working_days(d: date, n: int) -> date:
    """The date ``n`` working days after ``d`` (``d`` itself not counted, whatever day it is)."""
    if n < 0:
        raise ValueError("n must not be negative")
    out = d
    while n > 0:
        out += timedelta(days=1)
        if is_workday(out):
            n -= 1
    return out
