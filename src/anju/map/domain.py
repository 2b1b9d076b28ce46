"""The map's vocabularies: the colours of statuses and uses, the figures a choropleth shows, and where
the map opens for each level of division.

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

from typing import Literal

from anju.registry import Status, Use

#: The 楼盘表 page's status colours (``web/static/anju.css``: --planned … --demolished).
STATUS_COLOURS: dict[Status, str] = {
    Status.planned: "#e8eaf6",
    Status.under_construction: "#fff3cd",
    Status.suspended: "#f8d7da",
    Status.presale: "#cfe8ff",
    Status.completed: "#d4edda",
    Status.in_use: "#9fd8a8",
    Status.retired: "#e2e3e5",
    Status.demolished: "#c9c9c9",
}
USE_COLOURS: dict[Use, str] = {
    Use.residential: "#f4a261",
    Use.commercial: "#e76f51",
    Use.office: "#457b9d",
    Use.industrial: "#6d597a",
    Use.warehouse: "#8d99ae",
    Use.mixed: "#e9c46a",
    Use.public: "#2a9d8f",
    Use.parking: "#adb5bd",
    Use.other: "#ced4da",
}
#: Homes that no longer exist as units are not counted.
GONE = (Status.retired.value,)

#: What a street choropleth counts.
Figure = Literal["homes", "buildings", "estates"]

#: The zoom the map page opens at for the caller's division level (others: ``DEFAULT_ZOOM``).
ZOOM_BY_LEVEL: dict[str, int] = {"city": 9, "district": 11, "zone": 11, "street": 13}
DEFAULT_ZOOM = 10
#: Where the map opens when a division has no centroid (Nanjing's centre), as (lon, lat).
DEFAULT_CENTRE = (118.7969, 32.0603)
