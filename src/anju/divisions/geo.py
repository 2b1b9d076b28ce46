"""Geometry helpers: coordinate conversion and synthetic partitions of real polygons."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

import eviltransform
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry


def _ring_to_wgs84(coords: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    res = []
    for lon, lat in coords:
        wlat, wlon = eviltransform.gcj2wgs(lat, lon)
        res.append((round(wlon, 6), round(wlat, 6)))
    return res


def gcj02_to_wgs84(geom: BaseGeometry) -> BaseGeometry:
    """AMap publishes GCJ-02; the platform stores WGS-84 everywhere."""
    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]
    out_polys = []
    for p in polys:
        assert isinstance(p, Polygon)
        out_polys.append(Polygon(_ring_to_wgs84(p.exterior.coords), [_ring_to_wgs84(i.coords) for i in p.interiors]))
    result: BaseGeometry = MultiPolygon(out_polys) if len(out_polys) > 1 else out_polys[0]
    if not result.is_valid:
        result = shapely.make_valid(result)
    return result


def to_geojson(geom: BaseGeometry) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


def from_geojson(text: str) -> BaseGeometry:
    return shape(json.loads(text))


def random_points_in(geom: BaseGeometry, n: int, rng: random.Random) -> list[Point]:
    minx, miny, maxx, maxy = geom.bounds
    prepared = shapely.prepared.prep(geom)
    pts: list[Point] = []
    tries = 0
    while len(pts) < n:
        tries += 1
        if tries > n * 10_000:
            raise RuntimeError("could not place points inside polygon")
        p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if prepared.contains(p):
            pts.append(p)
    return pts


def partition(geom: BaseGeometry, n: int, seed: int) -> list[BaseGeometry]:
    """Split a polygon into ``n`` contiguous, roughly equal cells (synthetic boundaries).

    Seeds are spread by a few rounds of Lloyd relaxation over sample points, then the polygon is
    cut by their Voronoi cells. Deterministic for a seed.
    """
    if n == 1:
        return [geom]
    rng = random.Random(seed)
    samples = random_points_in(geom, max(400, n * 60), rng)
    pts = np.array([(p.x, p.y) for p in samples])
    centers = pts[:n].copy()
    for _ in range(12):
        nearest = ((pts[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)
        for k in range(n):
            members = pts[nearest == k]
            if len(members):
                centers[k] = members.mean(axis=0)
    centers_list = [(float(x), float(y)) for x, y in centers]
    mp = shapely.MultiPoint([Point(c) for c in centers_list])
    cells = shapely.voronoi_polygons(mp, extend_to=geom.envelope.buffer(0.5))
    out: list[BaseGeometry] = []
    for c in centers_list:
        cell = next(g for g in cells.geoms if g.contains(Point(c)))
        piece = cell.intersection(geom)
        if not piece.is_valid:
            piece = shapely.make_valid(piece)
        out.append(piece)
    return out
