"""Calendar months for open data's aggregates: the owning contexts count by month through these, so
every open dataset means the same thing by "a month" (a local calendar month, Asia/Shanghai)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case

from anju.core import clock

#: How many whole months back an open dataset's monthly aggregate reaches (the current month included).
OPEN_DATA_MONTHS = 12


@dataclass(frozen=True)
class Month:
    label: str  # YYYY-MM
    first: date  # its first local day
    next_first: date  # the first local day of the month after
    start: datetime  # aware UTC: its first local midnight
    end: datetime  # aware UTC: the next month's first local midnight


def _first(day: date, back: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - back, 12)
    return date(y, m + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def months_back(today: date, months: int = OPEN_DATA_MONTHS) -> list[Month]:
    """The ``months`` calendar months ending with ``today``'s, oldest first."""
    out = []
    for back in range(months - 1, -1, -1):
        first, nxt = _first(today, back), _first(today, back - 1)
        out.append(Month(first.strftime("%Y-%m"), first, nxt, _midnight(first), _midnight(nxt)))
    return out


def month_of(column: ColumnElement[Any], months: list[Month]) -> ColumnElement[Any]:
    """A SQL expression naming the month (``YYYY-MM``) of a UTC timestamp ``column`` among ``months``
    (NULL outside them): one grouped scan counts every month, on both databases."""
    return case(*((and_(column >= m.start, column < m.end), m.label) for m in months), else_=None)


def completed_months(today: date, months: int = OPEN_DATA_MONTHS) -> list[Month]:
    """The ``months`` calendar months ending with the one before ``today``'s, oldest first: open data
    publishes completed months only, so a month's figures do not change from one release to the next."""
    return months_back(_first(today, 1), months)
