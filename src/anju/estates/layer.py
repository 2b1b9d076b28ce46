"""The map layer 物业服务覆盖 (``estates-coverage``, issue 22), through the map context's layer interface:
one point per residential estate (at its centre: an estate with at least one standing residential
home, as coverage counts them, ``services_coverage``) coloured by whether a property-service project
served it on the map's date, with the project's company, service level and how it was chosen.

One query per tile, driven by the estates in the tile (the centroid index): the project serving each
on the date is found through the project's estate index, the standing home by the homes' estate index.
Scoped by the estate's street; from zoom 13. The tile cache follows the projects (``version``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shapely.geometry import Point
from sqlalchemy import Connection, exists, func, or_, select

from anju import registry
from anju.core.scope import Scope
from anju.estates import domain
from anju.estates.services_coverage import RESIDENTIAL, STANDING
from anju.estates.tables import estates_companies, estates_projects
from anju.map import Attribute, BBox, Feature, Layer, register_layer

SERVED_COLOURS = (("served", "有物业服务", "#2e7d32"), ("unserved", "无物业服务", "#e53935"))
CHOSEN_COLOURS = (("tender", "招投标", "#1e88e5"), ("owners", "业主共同决定", "#8e24aa"),
                  ("negotiation", "协议选聘", "#fb8c00"), ("none", "—", "#9e9e9e"))  # fmt: skip
MARGIN = 0.002


@dataclass(frozen=True)
class CoverageLayer(Layer):
    def version(self, conn: Connection) -> int:
        p = estates_projects.c
        n, last, ended = conn.execute(select(func.count(), func.max(p.id), func.count(p.ended_on))).one()
        return hash((int(n), int(last or 0), int(ended)))

    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        e, p, c, h = registry.estates.c, estates_projects.c, estates_companies.c, registry.homes.c
        min_lon, min_lat, max_lon, max_lat = bbox
        serving = (
            select(p.id)
            .where(p.estate_id == e.id, p.starts_on <= as_of, or_(p.ended_on.is_(None), p.ended_on > as_of))
            .order_by(p.starts_on.desc(), p.id.desc())
            .limit(1)
            .correlate(registry.estates)
            .scalar_subquery()
        )
        standing = exists().where(h.estate_id == e.id, h.use.in_(RESIDENTIAL), h.status.in_(STANDING))
        q = (
            select(e.id, e.name, e.centroid_lon, e.centroid_lat, p.project_no, p.service_level, p.chosen_by, c.name)
            .select_from(registry.estates)
            .outerjoin(estates_projects, p.id == serving)
            .outerjoin(estates_companies, c.id == p.company_id)
            .where(
                e.centroid_lon.between(min_lon - MARGIN, max_lon + MARGIN),
                e.centroid_lat.between(min_lat - MARGIN, max_lat + MARGIN),
                standing,
                *scope.where(e.street_code),
            )
        )
        for eid, name, lon, lat, project_no, level, chosen, company in conn.execute(q):
            if lon is None or lat is None:
                continue
            props: dict[str, object] = {"id": int(eid), "name": name, "service": "served" if project_no else "unserved"}
            if project_no:
                props |= {
                    "project_no": project_no,
                    "company": company,
                    "level": domain.SERVICE_LEVELS.get(level, level),
                    "chosen_by": chosen,
                }
            else:
                props["chosen_by"] = "none"
            yield Point(lon, lat), props


COVERAGE_LAYER = register_layer(
    CoverageLayer(
        name="estates-coverage",
        title="物业服务覆盖",
        kind="point",
        minzoom=13,
        maxzoom=22,
        attributes=(
            Attribute("service", "物业服务", "category", SERVED_COLOURS),
            Attribute("chosen_by", "选聘方式", "category", CHOSEN_COLOURS),
            Attribute("name", "小区", "text"),
            Attribute("company", "物业服务企业", "text"),
            Attribute("level", "服务等级", "text"),
            Attribute("project_no", "项目编号", "text"),
        ),
        description="住宅小区（有在用住宅的）在所选日期是否有物业服务项目，及服务企业、等级和选聘方式。",
    )
)
