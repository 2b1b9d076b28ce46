"""The map's layers and the one interface every layer implements.

A layer says what it is (name, Chinese title, geometry kind, zoom range, attributes with their
legend) and answers one question: the features inside a WGS-84 bounding box at a zoom, within a
scope, as of a date. Tiles (``tiles.py``) project, generalise, clip and encode whatever a layer
returns, so a layer never deals with tile coordinates. Later capabilities add layers with
:func:`register_layer` (see ``docs/map.md`` for a worked example).

Aggregates (homes per building, buildings per estate, …) are computed with one grouped query per
tile, never one query per feature.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, Literal, NotRequired, TypedDict

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, and_, func, select

from anju import registry
from anju.core import clock
from anju.core.scope import Scope
from anju.divisions import divisions_table
from anju.map.domain import GONE, STATUS_COLOURS, USE_COLOURS
from anju.registry import Status, Use

BBox = tuple[float, float, float, float]  # min_lon, min_lat, max_lon, max_lat (WGS-84)
Feature = tuple[BaseGeometry, dict[str, Any]]
Kind = Literal["polygon", "point", "line"]

MAX_ZOOM = 22


class CategoryDescription(TypedDict):
    value: str
    label: str
    colour: str


class AttributeDescription(TypedDict):
    """What :meth:`Attribute.describe` answers (``categories``/``stops`` only where the attribute has them)."""

    name: str
    label: str
    type: Literal["category", "number", "text"]
    categories: NotRequired[list[CategoryDescription]]
    stops: NotRequired[list[float]]


class LayerDescription(TypedDict):
    """What :meth:`Layer.describe` answers: the layer as the map page lists it."""

    name: str
    title: str
    kind: Kind
    minzoom: int
    maxzoom: int
    description: str
    attributes: list[AttributeDescription]


@dataclass(frozen=True)
class Attribute:
    """One property of a layer's features, with what the page needs to style and explain it."""

    name: str
    label: str
    type: Literal["category", "number", "text"]
    #: For categories: (value, Chinese label, colour "#rrggbb").
    categories: tuple[tuple[str, str, str], ...] | None = None
    #: For numbers: class breaks suggested for a graduated style (ascending).
    stops: tuple[float, ...] | None = None

    def describe(self) -> AttributeDescription:
        out: AttributeDescription = {"name": self.name, "label": self.label, "type": self.type}
        if self.categories is not None:
            out["categories"] = [{"value": v, "label": lab, "colour": c} for v, lab, c in self.categories]
        if self.stops is not None:
            out["stops"] = list(self.stops)
        return out


@dataclass(frozen=True)
class Layer:
    """Base of every map layer. Subclasses implement :meth:`features`."""

    name: str  # url-safe: [a-z0-9_-]
    title: str
    kind: Kind
    minzoom: int
    maxzoom: int
    attributes: tuple[Attribute, ...] = ()
    description: str = ""

    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        """Features (geometry in WGS-84, properties) whose geometry may touch ``bbox``."""
        raise NotImplementedError

    def version(self, conn: Connection) -> int:
        """A counter that changes whenever the layer's own data changes (part of the tile cache's key,
        beside the register's version): 0 for layers drawn from the register alone."""
        return 0

    def describe(self) -> LayerDescription:
        return {
            "name": self.name,
            "title": self.title,
            "kind": self.kind,
            "minzoom": self.minzoom,
            "maxzoom": self.maxzoom,
            "description": self.description,
            "attributes": [a.describe() for a in self.attributes],
        }


_LAYERS: dict[str, Layer] = {}
_LOCK = threading.Lock()


def register_layer(layer: Layer) -> Layer:
    """Add (or replace) a layer. Its name must be url-safe and its zoom range within 0–22."""
    import re

    if not re.fullmatch(r"[a-z0-9_-]{1,40}", layer.name):
        raise ValueError(f"layer name {layer.name!r} is not url-safe")
    if not 0 <= layer.minzoom <= layer.maxzoom <= MAX_ZOOM:
        raise ValueError(f"layer {layer.name}: zoom range {layer.minzoom}–{layer.maxzoom} outside 0–{MAX_ZOOM}")
    if layer.kind not in ("polygon", "point", "line"):
        raise ValueError(f"layer {layer.name}: unknown kind {layer.kind}")
    with _LOCK:
        _LAYERS[layer.name] = layer
    return layer


def unregister_layer(name: str) -> None:
    """Remove a layer (tests, or a capability switched off)."""
    with _LOCK:
        _LAYERS.pop(name, None)


def layers() -> list[Layer]:
    return list(_LAYERS.values())


def get_layer(name: str) -> Layer | None:
    return _LAYERS.get(name)


# --- shared helpers ---------------------------------------------------------------------------------

STATUS_ATTR = Attribute("status", "状态", "category", tuple((s.value, s.value, STATUS_COLOURS[s]) for s in Status))
USE_ATTR = Attribute("use", "用途", "category", tuple((u.value, u.value, USE_COLOURS[u]) for u in Use))
HOMES_ATTR = Attribute("homes", "房屋套数", "number", stops=(0, 20, 50, 100, 200, 500))


@lru_cache(maxsize=4096)
def parse_geojson(text: str) -> BaseGeometry:
    """GeoJSON text → shapely geometry (memoised: boundaries are re-read for every tile)."""
    return shape(json.loads(text))


def _bbox_overlaps(bbox: BBox) -> list[Any]:
    min_lon, min_lat, max_lon, max_lat = bbox
    return [
        divisions_table.c.min_lon <= max_lon,
        divisions_table.c.max_lon >= min_lon,
        divisions_table.c.min_lat <= max_lat,
        divisions_table.c.max_lat >= min_lat,
    ]


def _point_in(table: Any, bbox: BBox, margin: float = 0.0) -> list[Any]:
    min_lon, min_lat, max_lon, max_lat = bbox
    return [
        table.c.centroid_lon.between(min_lon - margin, max_lon + margin),
        table.c.centroid_lat.between(min_lat - margin, max_lat + margin),
    ]


def _is_today(as_of: date) -> bool:
    return as_of >= clock.today()


# --- division figures (memoised per register version) ----------------------------------------------


@dataclass
class Figures:
    homes: int = 0
    buildings: int = 0
    estates: int = 0


_FIGURES: dict[tuple[str, int, date], dict[str, Figures]] = {}
_FIGURES_LOCK = threading.Lock()


def register_version(conn: Connection) -> int:
    """The register's change counter (bumped by triggers on every register write; migration 0004)."""
    return int(
        conn.execute(
            select(registry.register_changes.c.n).where(registry.register_changes.c.id == 1)
        ).scalar_one_or_none()
        or 0
    )


def street_figures(conn: Connection, as_of: date, version: int | None = None) -> dict[str, Figures]:
    """Homes, buildings and estates per street as of a date: three grouped queries over the city,
    memoised until the register changes (city-wide: callers filter by scope)."""
    if version is None:
        version = register_version(conn)
    key = (str(conn.engine.url), version, as_of)
    hit = _FIGURES.get(key)
    if hit is not None:
        return hit
    with _FIGURES_LOCK:  # single flight: the map's first tiles arrive together; compute once, not six times
        hit = _FIGURES.get(key)
        if hit is not None:
            return hit
        return _compute_street_figures(conn, as_of, key)


def _compute_street_figures(conn: Connection, as_of: date, key: tuple[str, int, date]) -> dict[str, Figures]:
    out: dict[str, Figures] = {}
    if _is_today(as_of):
        homes_q = (
            select(registry.homes.c.street_code, func.count())
            .where(registry.homes.c.status.not_in(GONE))
            .group_by(registry.homes.c.street_code)
        )
        blds_q = select(registry.buildings.c.street_code, func.count()).group_by(registry.buildings.c.street_code)
    else:
        homes_q = (
            select(registry.home_versions.c.street_code, func.count())
            .where(
                registry.as_of_condition(registry.home_versions, as_of, None),
                registry.home_versions.c.status.not_in(GONE),
            )
            .group_by(registry.home_versions.c.street_code)
        )
        blds_q = (
            select(registry.building_versions.c.street_code, func.count())
            .where(registry.as_of_condition(registry.building_versions, as_of, None))
            .group_by(registry.building_versions.c.street_code)
        )
    for street, n in conn.execute(homes_q):
        out.setdefault(street, Figures()).homes = int(n)
    for street, n in conn.execute(blds_q):
        out.setdefault(street, Figures()).buildings = int(n)
    for street, n in conn.execute(
        select(registry.estates.c.street_code, func.count()).group_by(registry.estates.c.street_code)
    ):
        out.setdefault(street, Figures()).estates = int(n)
    if len(_FIGURES) > 32:
        _FIGURES.clear()
    _FIGURES[key] = out
    return out


_ESTATE_FIGURES: dict[tuple[str, int, date], dict[int, tuple[int, int]]] = {}


def estate_figures(conn: Connection, as_of: date, version: int | None = None) -> dict[int, tuple[int, int]]:
    """(buildings, homes) per estate as of a date: two grouped queries over the city, memoised until
    the register changes. Counting per tile instead cost p95 81 ms (PostgreSQL) / 121 ms (SQLite) on
    dense zoom-12/13 tiles at full scale; a memoised look-up is a dict access."""
    if version is None:
        version = register_version(conn)
    key = (str(conn.engine.url), version, as_of)
    hit = _ESTATE_FIGURES.get(key)
    if hit is not None:
        return hit
    with _FIGURES_LOCK:
        hit = _ESTATE_FIGURES.get(key)
        if hit is not None:
            return hit
        return _compute_estate_figures(conn, as_of, key)


def _compute_estate_figures(conn: Connection, as_of: date, key: tuple[str, int, date]) -> dict[int, tuple[int, int]]:
    if _is_today(as_of):
        homes_q = (
            select(registry.homes.c.estate_id, func.count())
            .where(registry.homes.c.status.not_in(GONE))
            .group_by(registry.homes.c.estate_id)
        )
        blds_q = select(registry.buildings.c.estate_id, func.count()).group_by(registry.buildings.c.estate_id)
    else:
        homes_q = (
            select(registry.homes.c.estate_id, func.count())
            .select_from(
                registry.home_versions.join(registry.homes, registry.homes.c.id == registry.home_versions.c.home_id)
            )
            .where(
                registry.as_of_condition(registry.home_versions, as_of, None),
                registry.home_versions.c.status.not_in(GONE),
            )
            .group_by(registry.homes.c.estate_id)
        )
        blds_q = (
            select(registry.buildings.c.estate_id, func.count())
            .select_from(
                registry.building_versions.join(
                    registry.buildings, registry.buildings.c.id == registry.building_versions.c.building_id
                )
            )
            .where(registry.as_of_condition(registry.building_versions, as_of, None))
            .group_by(registry.buildings.c.estate_id)
        )
    nb = {int(k): int(n) for k, n in conn.execute(blds_q)}
    nh = {int(k): int(n) for k, n in conn.execute(homes_q)}
    out = {k: (nb.get(k, 0), nh.get(k, 0)) for k in nb.keys() | nh.keys()}
    if len(_ESTATE_FIGURES) > 32:
        _ESTATE_FIGURES.clear()
    _ESTATE_FIGURES[key] = out
    return out


def district_of(row: Any) -> str:
    """The district (or functional zone) that manages a street."""
    return str(row.managing_code or row.parent_code)


def streets_in_scope(conn: Connection, scope: Scope) -> list[Any]:
    """code, name, parent_code, managing_code of every street the scope may see."""
    q = select(
        divisions_table.c.code, divisions_table.c.name, divisions_table.c.parent_code, divisions_table.c.managing_code
    ).where(divisions_table.c.level == "street")
    q = q.where(*scope.where(divisions_table.c.code)).order_by(divisions_table.c.code)
    return list(conn.execute(q))


# --- the register's layers --------------------------------------------------------------------------


@dataclass(frozen=True)
class DistrictsLayer(Layer):
    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        figures = street_figures(conn, as_of)
        totals: dict[str, Figures] = {}
        for s in streets_in_scope(conn, scope):
            f = figures.get(s.code, Figures())
            t = totals.setdefault(district_of(s), Figures())
            t.homes += f.homes
            t.buildings += f.buildings
        rows = conn.execute(
            select(divisions_table.c.code, divisions_table.c.name, divisions_table.c.geometry).where(
                divisions_table.c.level.in_(("district", "zone")),
                divisions_table.c.geometry.is_not(None),
                *_bbox_overlaps(bbox),
            )
        )
        for r in rows:
            if not scope.unrestricted and r.code not in totals:
                continue
            t = totals.get(r.code, Figures())
            yield (
                parse_geojson(r.geometry),
                {
                    "code": r.code,
                    "name": r.name,
                    "homes": t.homes,
                    "buildings": t.buildings,
                },
            )


@dataclass(frozen=True)
class StreetsLayer(Layer):
    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        figures = street_figures(conn, as_of)
        rows = conn.execute(
            select(
                divisions_table.c.code,
                divisions_table.c.name,
                divisions_table.c.parent_code,
                divisions_table.c.managing_code,
                divisions_table.c.geometry,
            ).where(
                divisions_table.c.level == "street",
                divisions_table.c.geometry.is_not(None),
                *_bbox_overlaps(bbox),
                *scope.where(divisions_table.c.code),
            )
        )
        for r in rows:
            f = figures.get(r.code, Figures())
            yield (
                parse_geojson(r.geometry),
                {
                    "code": r.code,
                    "name": r.name,
                    "district_code": district_of(r),
                    "homes": f.homes,
                    "buildings": f.buildings,
                    "estates": f.estates,
                },
            )


def _homes_per_building(conn: Connection, ids: Sequence[int], as_of: date) -> dict[int, int]:
    if not ids:
        return {}
    if _is_today(as_of):
        q = select(registry.homes.c.building_id, func.count()).where(
            registry.homes.c.building_id.in_(ids), registry.homes.c.status.not_in(GONE)
        )
        q = q.group_by(registry.homes.c.building_id)
    else:
        q = select(registry.home_versions.c.building_id, func.count()).where(
            registry.home_versions.c.building_id.in_(ids),
            registry.as_of_condition(registry.home_versions, as_of, None),
            registry.home_versions.c.status.not_in(GONE),
        )
        q = q.group_by(registry.home_versions.c.building_id)
    return {int(b): int(n) for b, n in conn.execute(q)}


@dataclass(frozen=True)
class EstatesLayer(Layer):
    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        rows = list(
            conn.execute(
                select(
                    registry.estates.c.id,
                    registry.estates.c.name,
                    registry.estates.c.centroid_lon,
                    registry.estates.c.centroid_lat,
                ).where(*_point_in(registry.estates, bbox), *scope.where(registry.estates.c.street_code))
            )
        )
        if not rows:
            return
        counts = estate_figures(conn, as_of)
        for r in rows:
            nb, nh = counts.get(r.id, (0, 0))
            yield Point(r.centroid_lon, r.centroid_lat), {"id": r.id, "name": r.name, "buildings": nb, "homes": nh}


#: Footprints are looked up by centroid; a footprint reaches at most this far (degrees) from it.
FOOTPRINT_REACH = 0.002


@dataclass(frozen=True)
class BuildingsLayer(Layer):
    def features(self, conn: Connection, bbox: BBox, zoom: int, scope: Scope, as_of: date) -> Iterable[Feature]:
        where = [*_point_in(registry.buildings, bbox, FOOTPRINT_REACH), *scope.where(registry.buildings.c.street_code)]
        if _is_today(as_of):
            q = select(
                registry.buildings.c.id,
                registry.buildings.c.house_code,
                *[registry.buildings.c[c] for c in BUILDING_COLS],
            ).where(*where)
        else:
            q = (
                select(
                    registry.buildings.c.id,
                    registry.buildings.c.house_code,
                    *[registry.building_versions.c[c] for c in BUILDING_COLS],
                )
                .select_from(
                    registry.buildings.join(
                        registry.building_versions,
                        and_(
                            registry.building_versions.c.building_id == registry.buildings.c.id,
                            registry.as_of_condition(registry.building_versions, as_of, None),
                        ),
                    )
                )
                .where(*where)
            )
        rows = list(conn.execute(q))
        homes = _homes_per_building(conn, [r.id for r in rows], as_of)
        shapes = shapely.from_geojson([r.footprint or "null" for r in rows], on_invalid="ignore") if rows else []
        for r, footprint in zip(rows, shapes, strict=True):
            geom: BaseGeometry
            if footprint is not None:
                geom = footprint
            elif r.centroid_lon is not None and r.centroid_lat is not None:
                geom = Point(r.centroid_lon, r.centroid_lat)
            else:
                continue
            yield (
                geom,
                {
                    "id": r.id,
                    "house_code": r.house_code,
                    "name": r.name,
                    "status": r.status,
                    "year_built": r.year_built,
                    "use": r.use,
                    "floors": r.floors_above,
                    "homes": homes.get(r.id, 0),
                },
            )


BUILDING_COLS = ("name", "status", "year_built", "use", "floors_above", "footprint", "centroid_lon", "centroid_lat")


DISTRICTS = register_layer(
    DistrictsLayer(
        name="districts",
        title="行政区",
        kind="polygon",
        minzoom=0,
        maxzoom=MAX_ZOOM,
        attributes=(
            Attribute("code", "区划代码", "text"),
            Attribute("name", "名称", "text"),
            HOMES_ATTR,
            Attribute("buildings", "楼栋数", "number", stops=(0, 1000, 5000, 10000, 20000)),
        ),
        description="区（含江北新区）边界；数字为调用者权限范围内的合计。",
    )
)
STREETS = register_layer(
    StreetsLayer(
        name="streets",
        title="街道",
        kind="polygon",
        minzoom=9,
        maxzoom=MAX_ZOOM,
        attributes=(
            Attribute("code", "区划代码", "text"),
            Attribute("name", "名称", "text"),
            Attribute("district_code", "所属区", "text"),
            Attribute("homes", "房屋套数", "number", stops=(0, 1000, 5000, 10000, 30000, 60000)),
            Attribute("buildings", "楼栋数", "number", stops=(0, 100, 500, 1000, 3000)),
            Attribute("estates", "小区数", "number", stops=(0, 10, 30, 60, 100)),
        ),
        description="街道边界及其楼栋、房屋、小区数量。",
    )
)
ESTATES = register_layer(
    EstatesLayer(
        name="estates",
        title="小区",
        kind="point",
        minzoom=13,
        maxzoom=MAX_ZOOM,
        attributes=(
            Attribute("id", "编号", "number"),
            Attribute("name", "名称", "text"),
            Attribute("buildings", "楼栋数", "number", stops=(0, 5, 10, 20, 50)),
            HOMES_ATTR,
        ),
        description="每个小区一个点（小区中心）。",
    )
)
BUILDINGS = register_layer(
    BuildingsLayer(
        name="buildings",
        title="楼栋",
        kind="polygon",
        minzoom=15,
        maxzoom=MAX_ZOOM,
        attributes=(
            Attribute("id", "编号", "number"),
            Attribute("house_code", "房屋代码", "text"),
            Attribute("name", "名称", "text"),
            STATUS_ATTR,
            Attribute("year_built", "建成年份", "number", stops=(1950, 1980, 1990, 2000, 2010, 2020)),
            USE_ATTR,
            Attribute("floors", "地上层数", "number", stops=(1, 3, 7, 12, 18, 33)),
            HOMES_ATTR,
        ),
        description="楼栋轮廓（无轮廓时为中心点），按状态、用途、建成年份、套数着色。",
    )
)
