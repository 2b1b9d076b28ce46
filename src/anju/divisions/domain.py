"""The divisions domain: the levels of the administrative hierarchy and a division's summary.

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The levels, from the top: the city, its districts and functional zones (功能区), streets, communities.
LEVELS = ("city", "district", "zone", "street", "community")
#: Levels that hold streets directly (a zone manages streets whose legal parent is a district).
DISTRICT_LEVELS = ("district", "zone")


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str
    parent_code: str | None
    managing_code: str | None
    centroid_lon: float | None
    centroid_lat: float | None
    geometry_source: str | None
    synthetic: bool
