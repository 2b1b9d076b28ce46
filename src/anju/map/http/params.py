"""Query parameters both of the map's routers read."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query

from anju.core import clock

AsOf = Annotated[date | None, Query(description="登记簿截至日期（YYYY-MM-DD），默认今天")]


def as_of_or_today(value: date | None) -> date:
    """The register date a request asks for: today when absent or in the future."""
    today = clock.today()
    return today if value is None or value > today else value
