"""Administrative divisions: city, districts, functional zones, streets and communities."""

from anju.divisions.domain import Division
from anju.divisions.geo import from_geojson, partition, random_points_in, to_geojson
from anju.divisions.loader import CitySpec, load_city, read_city_spec
from anju.divisions.services import (
    DistrictChoice,
    ancestry,
    by_level,
    children,
    choices,
    exists,
    geometry,
    get,
    names,
    street_geometries,
)
from anju.divisions.tables import divisions as divisions_table

__all__ = [
    "CitySpec",
    "DistrictChoice",
    "Division",
    "ancestry",
    "by_level",
    "children",
    "choices",
    "divisions_table",
    "exists",
    "from_geojson",
    "geometry",
    "get",
    "load_city",
    "names",
    "partition",
    "random_points_in",
    "read_city_spec",
    "street_geometries",
    "to_geojson",
]
