"""The renewal context's map layers (through the map's layer interface, ``anju.map.register_layer``):
projects by status at their estate's centre, and lift retrofits at their building. Both honour the
map's date control: a project's status as of a date is its last step on or before it (a project
with no step by then is not drawn). One grouped query per tile for the statuses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from shapely.geometry import Point
from sqlalchemy import Connection, func, select

from anju import registry
from anju.core.scope import Scope
from anju.map import Attribute, BBox, Feature, Layer, register_layer
from anju.renewal import domain
from anju.renewal.tables import renewal_projects, renewal_steps

P = renewal_projects.c
S = renewal_steps.c

STATUS_COLOURS = {
    "reserve": "#9e9e9e",
    "planned": "#42a5f5",
    "agreed": "#26c6da",
    "designed": "#5c6bc0",
    "permitted": "#7e57c2",
    "tendered": "#ab47bc",
    "construction": "#ffa726",
    "accepted": "#66bb6a",
    "in_service": "#2e7d32",
    "closed": "#1b5e20",
}
KIND_COLOURS = {"old_community": "#ef6c00", "shanty": "#8d6e63", "lift": "#00897b", "energy": "#43a047"}


def _statuses_as_of(conn: Connection, ids: list[int], as_of: date) -> dict[int, str]:
    """Each project's status as of a date: its latest step on or before it (one grouped query)."""
    if not ids:
        return {}
    last = (
        select(func.max(S.id).label("id")).where(S.project_id.in_(ids), S.on <= as_of).group_by(S.project_id).subquery()
    )
    q = select(S.project_id, S.status).join(last, last.c.id == S.id)
    return {int(p): s for p, s in conn.execute(q)}


def _version(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(S.id), 0))).scalar_one())


@dataclass(frozen=True)
class ProjectsLayer(Layer):
    def version(self, conn: Connection) -> int:
        return _version(conn)

    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        es = registry.estates.c
        min_lon, min_lat, max_lon, max_lat = bbox
        rows = list(
            conn.execute(
                select(P.id, P.project_no, P.name, P.kind, P.plan_year, es.centroid_lon, es.centroid_lat)
                .join_from(renewal_projects, registry.estates, registry.estates.c.id == P.estate_id)
                .where(
                    P.kind != "lift",
                    es.centroid_lon.between(min_lon, max_lon),
                    es.centroid_lat.between(min_lat, max_lat),
                    *scope.where(P.street_code),
                )
            )
        )
        status = _statuses_as_of(conn, [int(r.id) for r in rows], as_of)
        for r in rows:
            if int(r.id) in status:
                yield (
                    Point(r.centroid_lon, r.centroid_lat),
                    {
                        "id": int(r.id),
                        "project_no": r.project_no,
                        "name": r.name,
                        "kind": r.kind,
                        "status": status[int(r.id)],
                        "plan_year": r.plan_year or 0,
                    },
                )


@dataclass(frozen=True)
class LiftsLayer(Layer):
    def version(self, conn: Connection) -> int:
        return _version(conn)

    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        bs = registry.buildings.c
        min_lon, min_lat, max_lon, max_lat = bbox
        rows = list(
            conn.execute(
                select(P.id, P.project_no, P.unit_no, bs.name, bs.centroid_lon, bs.centroid_lat)
                .join_from(renewal_projects, registry.buildings, registry.buildings.c.id == P.building_id)
                .where(
                    P.kind == "lift",
                    bs.centroid_lon.between(min_lon, max_lon),
                    bs.centroid_lat.between(min_lat, max_lat),
                    *scope.where(P.street_code),
                )
            )
        )
        status = _statuses_as_of(conn, [int(r.id) for r in rows], as_of)
        for r in rows:
            if int(r.id) in status:
                yield (
                    Point(r.centroid_lon, r.centroid_lat),
                    {
                        "id": int(r.id),
                        "project_no": r.project_no,
                        "building": r.name,
                        "unit_no": r.unit_no or "",
                        "status": status[int(r.id)],
                    },
                )


PROJECTS = register_layer(
    ProjectsLayer(
        name="renewal-projects",
        title="城市更新项目",
        kind="point",
        minzoom=10,
        maxzoom=22,
        attributes=(
            Attribute("project_no", "项目编号", "text"),
            Attribute("name", "项目名称", "text"),
            Attribute(
                "kind",
                "类型",
                "category",
                categories=tuple((k, v, KIND_COLOURS[k]) for k, v in domain.KINDS.items() if k != "lift"),
            ),
            Attribute(
                "status",
                "环节",
                "category",
                categories=tuple(
                    (s, domain.STATUSES[s], STATUS_COLOURS[s]) for s in domain.LIFECYCLES["old_community"]
                ),
            ),
            Attribute("plan_year", "计划年度", "number"),
        ),
        description="老旧小区、棚户区和节能改造项目（小区中心一点），按所选日期的环节着色。",
    )
)
LIFTS = register_layer(
    LiftsLayer(
        name="renewal-lifts",
        title="加装电梯",
        kind="point",
        minzoom=13,
        maxzoom=22,
        attributes=(
            Attribute("project_no", "项目编号", "text"),
            Attribute("building", "楼栋", "text"),
            Attribute("unit_no", "单元", "text"),
            Attribute(
                "status",
                "环节",
                "category",
                categories=tuple((s, domain.STATUSES[s], STATUS_COLOURS[s]) for s in domain.LIFECYCLES["lift"]),
            ),
        ),
        description="既有住宅加装电梯（楼栋中心一点），按所选日期的环节着色。",
    )
)
