"""The shapes the register's reads answer: one TypedDict per kind of row, so callers (routes, pages,
other services) see the fields and their types instead of ``dict[str, Any]``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal, TypedDict


class Estate(TypedDict):
    id: int
    estate_code: str
    name: str
    kind: str
    district_code: str
    street_code: str
    community_code: str | None
    road: str | None
    door_no: str | None
    address: str
    developer: str | None
    year_built: int | None
    centroid_lon: float | None
    centroid_lat: float | None
    recorded_at: datetime


class BuildingSummary(TypedDict):
    """A building as lists and searches answer it (without its footprint and search text)."""

    id: int
    house_code: str
    estate_id: int
    district_code: str
    street_code: str
    building_no: str
    name: str
    use: str
    structure: str
    floors_above: int
    floors_below: int
    units: int
    year_built: int | None
    status: str
    construction_area: Decimal | None
    address: str
    centroid_lon: float | None
    centroid_lat: float | None
    valid_from: date
    recorded_at: datetime
    version: int


class Building(BuildingSummary):
    footprint: str | None  # GeoJSON
    search_text: str


class Home(TypedDict):
    id: int
    house_code: str
    building_id: int
    estate_id: int
    district_code: str
    street_code: str
    unit_no: str | None
    floor_no: int
    floor_label: str
    floor_to: int | None
    room_no: str
    use: str
    rooms: int | None
    halls: int | None
    orientation: str | None
    construction_area: Decimal
    inner_area: Decimal | None
    status: str
    address: str
    property_unit_code: str | None
    valid_from: date
    recorded_at: datetime
    version: int


class HomeAttrs(TypedDict):
    """A home's versioned attributes (``history.HOME_ATTRS``), as a new home's first version sets them."""

    unit_no: str | None
    floor_no: int
    floor_label: str
    floor_to: int | None
    room_no: str
    use: str
    rooms: int | None
    halls: int | None
    orientation: str | None
    construction_area: Decimal
    inner_area: Decimal | None
    status: str
    address: str
    property_unit_code: str | None


class _VersionTimes(TypedDict):
    """The bitemporal bookkeeping of one version row."""

    valid_from: date
    valid_to: date | None
    recorded_at: datetime
    superseded_at: datetime | None
    change_kind: str
    reason: str | None
    source: str


class HomeVersion(HomeAttrs, _VersionTimes):
    """A row of ``home_versions``."""

    id: int
    home_id: int
    building_id: int
    street_code: str


class GridHome(HomeVersion):
    """A home's version on a date, with its house code (a cell of a building's grid)."""

    house_code: str


class BuildingVersion(_VersionTimes):
    """A row of ``building_versions``."""

    id: int
    building_id: int
    street_code: str
    building_no: str
    name: str
    use: str
    structure: str
    floors_above: int
    floors_below: int
    units: int
    year_built: int | None
    status: str
    construction_area: Decimal | None
    address: str
    footprint: str | None  # GeoJSON
    centroid_lon: float | None
    centroid_lat: float | None


class Lineage(TypedDict):
    """A split or merge a home came from or went into, with the other home's id and house code."""

    kind: str  # split | merge
    effective_date: date
    reason: str | None
    id: int
    house_code: str


class Room(TypedDict):
    id: int
    room_code: str
    home_id: int
    name: str
    area: Decimal
    status: str
    recorded_at: datetime


class BuildingGrid(TypedDict):
    """A building and its homes as they were on ``as_of`` (as the register knew at ``known_at``)."""

    building_id: int
    house_code: str
    estate_id: int
    as_of: date
    known_at: datetime | None
    building: BuildingVersion | None  # the building's version on that date
    homes: list[GridHome]  # the homes' versions on that date, with their house codes


class HomeHistory(TypedDict):
    home: Home
    versions: list[HomeVersion]  # every version ever recorded
    current_belief: list[HomeVersion]  # the versions believed now
    parents: list[Lineage]  # lineage: what it was split or merged from
    children: list[Lineage]  # lineage: what it became


class HomeChange(TypedDict):
    """A home's version that began within a period (a row of :func:`changes_in_division`)."""

    home_id: int
    house_code: str
    valid_from: date
    change_kind: str
    status: str
    address: str
    construction_area: Decimal
    reason: str | None
    recorded_at: datetime


class SearchResult(TypedDict):
    kind: Literal["house_code", "address"]
    homes: list[Home]
    buildings: list[BuildingSummary]
    homes_total: int  # homes matching (the list holds at most the page size)
    buildings_total: int  # buildings matching; the list is one page of them
    capped: bool  # an address search stops ranking at lookups.ADDRESS_CAP buildings


class RegisterStats(TypedDict):
    """Headline figures (estimates for large whole tables)."""

    estates: int
    buildings: int
    homes: int
