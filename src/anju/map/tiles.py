"""Vector tiles: tile addresses, generalisation, clipping, Mapbox Vector Tile encoding and the cache.

A tile is rendered from whatever a layer's ``features`` returns (WGS-84): each geometry is projected
to the tile's pixel grid (Web Mercator, extent 4096, y down), simplified with a tolerance of about
one screen pixel (``SIMPLIFY``, topology preserved), clipped to the tile plus a small buffer
(``BUFFER``), and encoded with ``mapbox_vector_tile``. Outside a layer's zoom range a tile is empty.

Encoded tiles are kept in an in-process LRU (:class:`TileCache`) keyed by layer, z, x, y, as-of date,
the caller's scope and the register version (``register_changes.n``, bumped by triggers in the same
transaction as every register write), so any change to the register makes new keys at once.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import date
from typing import Any

import mapbox_vector_tile
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection

from anju.core.errors import AnjuError, FieldError, NotFound
from anju.core.scope import Scope
from anju.map.layers import MAX_ZOOM, BBox, Layer, get_layer, register_version

EXTENT = 4096
#: Clip buffer around the tile, in tile units (64/4096 of the tile: lines and outlines join across tiles).
BUFFER = 64
#: Simplification tolerance in tile units: one pixel of a 512-pixel rendering of the tile.
SIMPLIFY = EXTENT / 512
MEDIA_TYPE = "application/vnd.mapbox-vector-tile"


class BadTile(AnjuError):
    """A tile address that cannot exist (400, naming the field)."""

    status_code = 400
    code = "invalid"

    @classmethod
    def of(cls, field_name: str, reason: str) -> BadTile:
        return cls(f"{field_name}: {reason}", [FieldError(field_name, reason)])


def check_address(layer_name: str, z: int, x: int, y: int) -> Layer:
    layer = get_layer(layer_name)
    if layer is None:
        raise NotFound(f"layer: 没有名为「{layer_name[:40]}」的图层", [FieldError("layer", "没有这个图层")])
    if not 0 <= z <= MAX_ZOOM:
        raise BadTile.of("z", f"缩放级别必须在 0 到 {MAX_ZOOM} 之间")
    n = 1 << z
    if not 0 <= x < n:
        raise BadTile.of("x", f"在缩放级别 {z} 下列号必须在 0 到 {n - 1} 之间")
    if not 0 <= y < n:
        raise BadTile.of("y", f"在缩放级别 {z} 下行号必须在 0 到 {n - 1} 之间")
    return layer


def tile_bounds(z: int, x: int, y: int, buffer: float = 0.0) -> BBox:
    """WGS-84 (min_lon, min_lat, max_lon, max_lat) of a tile, widened by ``buffer`` tile units."""
    n = 1 << z
    b = buffer / EXTENT

    def lon(px: float) -> float:
        return px / n * 360.0 - 180.0

    def lat(py: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * py / n))))

    return lon(x - b), lat(min(y + 1 + b, n)), lon(x + 1 + b), lat(max(y - b, 0))


def _projector(z: int, x: int, y: int) -> Any:
    scale = (1 << z) * EXTENT

    def project(coords: np.ndarray) -> np.ndarray:
        lon = coords[:, 0]
        lat = np.clip(coords[:, 1], -85.05112878, 85.05112878)
        px = (lon + 180.0) / 360.0 * scale - x * EXTENT
        rad = np.radians(lat)
        py = (1.0 - np.log(np.tan(rad) + 1.0 / np.cos(rad)) / math.pi) / 2.0 * scale - y * EXTENT
        return np.column_stack((px, py))

    return project


def generalise(geoms: list[BaseGeometry], z: int, x: int, y: int) -> list[BaseGeometry | None]:
    """WGS-84 geometries → tile units, simplified, clipped and with MVT winding (exterior rings
    counter-clockwise in tile coordinates); None where nothing is left. Vectorised over the tile."""
    if not geoms:
        return []
    g = shapely.transform(np.asarray(geoms, dtype=object), _projector(z, x, y))
    points = np.isin(shapely.get_type_id(g), POINT_TYPES)
    lo, hi = -BUFFER, EXTENT + BUFFER
    shapes = ~points
    g[shapes] = shapely.simplify(g[shapes], SIMPLIFY, preserve_topology=True)
    bounds = shapely.bounds(g)
    outside = (bounds[:, 2] < lo) | (bounds[:, 3] < lo) | (bounds[:, 0] > hi) | (bounds[:, 1] > hi)
    crossing = (
        shapes & ~outside & ((bounds[:, 0] < lo) | (bounds[:, 1] < lo) | (bounds[:, 2] > hi) | (bounds[:, 3] > hi))
    )
    if crossing.any():
        g[crossing] = shapely.clip_by_rect(g[crossing], lo, lo, hi, hi)
    g[shapes] = shapely.orient_polygons(g[shapes], exterior_cw=False)
    keep = ~outside & ~shapely.is_empty(g)
    return [geom if k else None for geom, k in zip(g.tolist(), keep.tolist(), strict=True)]


#: shapely type ids of Point and MultiPoint (not simplified or clipped, only dropped when outside).
POINT_TYPES = np.array([0, 4])


def render(conn: Connection, layer: Layer, z: int, x: int, y: int, scope: Scope, as_of: date) -> bytes:
    """The encoded tile (empty bytes when the layer has nothing there or is outside its zoom range)."""
    if not layer.minzoom <= z <= layer.maxzoom:
        return b""
    bbox = tile_bounds(z, x, y, BUFFER)
    found = list(layer.features(conn, bbox, z, scope, as_of))
    features = []
    for g, (_, props) in zip(generalise([f[0] for f in found], z, x, y), found, strict=True):
        if g is None:
            continue
        feature: dict[str, Any] = {"geometry": g, "properties": {k: v for k, v in props.items() if v is not None}}
        if isinstance(props.get("id"), int):
            feature["id"] = props["id"]
        features.append(feature)
    if not features:
        return b""
    out: bytes = mapbox_vector_tile.encode(
        [{"name": layer.name, "features": features}],
        default_options={
            "extents": EXTENT,
            "y_coord_down": True,
            "check_winding_order": False,  # oriented above, vectorised
            "on_invalid_geometry": mapbox_vector_tile.encoder.on_invalid_geometry_make_valid,
        },
    )
    return out


def scope_key(scope: Scope) -> Hashable:
    return (scope.level, scope.code, scope.account_id, scope.streets)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0


class TileCache:
    """An LRU of encoded tiles bounded by total bytes. Thread-safe."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self.stats = CacheStats()
        self._data: OrderedDict[Hashable, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            tile = self._data.get(key)
            if tile is None:
                self.stats.misses += 1
                return None
            self._data.move_to_end(key)
            self.stats.hits += 1
            return tile

    def put(self, key: Hashable, tile: bytes) -> None:
        if len(tile) > self.max_bytes:
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self.bytes -= len(old)
            self._data[key] = tile
            self.bytes += len(tile)
            while self.bytes > self.max_bytes:
                _, dropped = self._data.popitem(last=False)
                self.bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._data)


def tile(
    conn: Connection,
    cache: TileCache | None,
    layer_name: str,
    z: int,
    x: int,
    y: int,
    *,
    scope: Scope,
    as_of: date,
) -> bytes:
    """Check the address, then answer from the cache or render (and remember) the tile."""
    layer = check_address(layer_name, z, x, y)
    if cache is None:
        return render(conn, layer, z, x, y, scope, as_of)
    key = (layer.name, z, x, y, as_of, scope_key(scope), register_version(conn), layer.version(conn))
    hit = cache.get(key)
    if hit is not None:
        return hit
    out = render(conn, layer, z, x, y, scope, as_of)
    cache.put(key, out)
    return out
