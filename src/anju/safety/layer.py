"""The map layer 房屋安全等级与隐患 (``safety``, issue 23), through the map context's layer interface: one
point per appraised building (at its centroid) with its latest JGJ 125 grade as of the map's date and
whether a hazard case was open then (its path). One query per tile, driven by the buildings in the tile,
scoped by the building's street; from zoom 14 (below it a tile holds thousands of points and misses the
map's budget, docs/benchmarks.md); the tile cache follows appraisals and hazard cases (the
register-version triggers of 0036).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shapely.geometry import Point
from sqlalchemy import Connection, and_, or_, select

from anju.core.scope import Scope
from anju.map import Attribute, BBox, Feature, Layer, register_layer
from anju.registry import buildings
from anju.safety.tables import safety_appraisals, safety_hazards

#: Grade colours (A green … D red) and the hazard categories of the legend.
GRADE_COLOURS = (("A", "A 级（安全）", "#2e7d32"), ("B", "B 级（基本安全）", "#9ccc65"),
                 ("C", "C 级（局部危险）", "#ff9800"), ("D", "D 级（整幢危险）", "#c62828"))  # fmt: skip
HAZARD_COLOURS = (
    ("none", "无处置中隐患", "#9e9e9e"),
    ("monitor", "处置中：留（监测）", "#fdd835"),
    ("reinforce", "处置中：改（加固）", "#fb8c00"),
    ("demolish", "处置中：拆", "#b71c1c"),
)
#: How far outside the tile a centroid is still taken (the tile adds its own buffer).
MARGIN = 0.002


@dataclass(frozen=True)
class SafetyLayer(Layer):
    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        a, b, h = safety_appraisals.c, buildings.c, safety_hazards.c
        min_lon, min_lat, max_lon, max_lat = bbox
        in_box = [
            b.centroid_lon.between(min_lon - MARGIN, max_lon + MARGIN),
            b.centroid_lat.between(min_lat - MARGIN, max_lat + MARGIN),
            *scope.where(b.street_code),
        ]
        # Driven by the buildings in the box (the centroid index), each appraised one's latest appraisal
        # and open case found through their building indexes: the cost follows the tile, not the city.
        latest = (
            select(a.id)
            .where(a.building_id == b.id, a.appraised_on <= as_of)
            .order_by(a.appraised_on.desc(), a.id.desc())
            .limit(1)
            .correlate(buildings)
            .scalar_subquery()
        )
        open_case = and_(
            h.building_id == b.id,
            h.opened_on <= as_of,
            or_(h.closed_on.is_(None), h.closed_on > as_of),
        )
        q = (
            select(b.id, b.house_code, b.centroid_lon, b.centroid_lat, a.grade, a.appraised_on, h.path, h.case_no)
            .select_from(buildings)
            .join(safety_appraisals, a.id == latest)
            .outerjoin(safety_hazards, open_case)
            .where(*in_box)
        )
        for bid, code, lon, lat, grade, on, path, case_no in conn.execute(q):
            if lon is None or lat is None:
                continue
            props: dict[str, object] = {
                "id": int(bid), "house_code": code, "grade": grade, "appraised_on": on.isoformat(),
                "hazard": path or "none",
            }  # fmt: skip
            if case_no:
                props["case_no"] = case_no
            yield Point(lon, lat), props


SAFETY_LAYER = register_layer(
    SafetyLayer(
        name="safety",
        title="房屋安全等级与隐患",
        kind="point",
        minzoom=14,
        maxzoom=22,
        attributes=(
            Attribute("grade", "鉴定等级（JGJ 125）", "category", GRADE_COLOURS),
            Attribute("hazard", "危房隐患", "category", HAZARD_COLOURS),
            Attribute("house_code", "房屋代码", "text"),
            Attribute("appraised_on", "鉴定日期", "text"),
        ),
        description="已鉴定楼幢的最近一次鉴定等级（所选日期时），及当时处置中的危房隐患案件（留/改/拆）。",
    )
)
