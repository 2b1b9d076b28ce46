"""Time: stored in UTC, timezone-aware everywhere, displayed in the city's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    """Today's date in the city's time zone (valid-time dates are local calendar dates)."""
    return datetime.now(CITY_TZ).date()


def to_local(ts: datetime, tz: ZoneInfo = CITY_TZ) -> datetime:
    if ts.tzinfo is None:
        raise ValueError("naive datetime")
    return ts.astimezone(tz)


def add_years(day: date, years: int) -> date:
    """``day`` moved by whole years (negative: back); 29 February falls on the 28th in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
