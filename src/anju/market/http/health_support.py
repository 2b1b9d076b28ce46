"""Shared pieces of the health, warnings and forecast routes: path and query types."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

__all__ = ["AreaCode", "MonthParam", "OptionalMonth"]

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
AreaCode = Annotated[str, Path(pattern=r"^\d{6,12}$", max_length=12, description="区划代码（区或全市）")]
MonthParam = Annotated[str, Path(pattern=MONTH, max_length=7, description="月份 YYYY-MM")]
OptionalMonth = Annotated[str, Query(pattern=r"^(\d{4}-(0[1-9]|1[0-2]))?$", max_length=7)]
