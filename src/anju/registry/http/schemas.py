"""API shapes of the register."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, Field

from anju.registry.domain import Status, Structure, Use

#: Largest id a request may name (ids are 64-bit in the database; larger values are refused, not sent).
MAX_ID = 2**62


class EstateOut(BaseModel):
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


class EstateIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    street_code: str = Field(pattern=r"^\d{9}$")
    road: str = Field(min_length=1, max_length=40)
    door_no: str = Field(min_length=1, max_length=16)
    kind: str = Field("小区", max_length=16)
    community_code: str | None = None
    developer: str | None = Field(None, max_length=80)
    year_built: int | None = Field(None, ge=1800, le=2100)


class BuildingOut(BaseModel):
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


class BuildingIn(BaseModel):
    estate_id: int = Field(ge=1, le=MAX_ID)
    building_no: str = Field(min_length=1, max_length=16, pattern=r"^[0-9A-Za-z\-]+$")
    use: Use
    structure: Structure
    floors_above: int
    floors_below: int = 0
    units: int = 1
    year_built: int | None = None
    status: Status = Status.planned
    construction_area: Decimal | None = Field(None, gt=0, le=10_000_000, decimal_places=2)
    footprint: dict[str, Any] | None = None
    valid_from: date | None = None


class HomeOut(BaseModel):
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


class HomeIn(BaseModel):
    building_id: int = Field(ge=1, le=MAX_ID)
    floor_no: int
    room_no: str = Field(min_length=1, max_length=16)
    construction_area: Decimal = Field(gt=0, le=100_000, decimal_places=2)
    use: Use = Use.residential
    unit_no: str | None = Field(None, max_length=8)
    floor_label: str | None = Field(None, max_length=8)
    floor_to: int | None = None
    rooms: int | None = None
    halls: int | None = None
    orientation: str | None = None
    inner_area: Decimal | None = Field(None, gt=0, le=100_000, decimal_places=2)
    status: Status | None = None
    property_unit_code: str | None = Field(None, max_length=28)
    valid_from: date | None = None


class ChangeIn(BaseModel):
    patch: dict[str, Any] = Field(description="要修改的字段与新值")
    valid_from: date = Field(description="事实生效日期")
    valid_to: date | None = Field(None, description="事实失效日期（更正一段历史时使用）")
    kind: str = Field("update", pattern="^(update|status|correction)$")
    reason: str | None = Field(None, max_length=200)


class ChangeOut(BaseModel):
    changed: bool
    version: int


class VersionOut(BaseModel):
    id: int
    valid_from: date
    valid_to: date | None
    recorded_at: datetime
    superseded_at: datetime | None
    change_kind: str
    reason: str | None
    source: str
    status: str
    use: str
    construction_area: Decimal
    inner_area: Decimal | None
    rooms: int | None
    halls: int | None
    orientation: str | None
    address: str


class LineageOut(BaseModel):
    kind: str
    effective_date: date
    reason: str | None
    id: int
    house_code: str


class HistoryOut(BaseModel):
    home: HomeOut
    versions: list[VersionOut]
    current_belief: list[VersionOut]
    parents: list[LineageOut]
    children: list[LineageOut]


class SplitPartIn(BaseModel):
    room_no: str = Field(min_length=1, max_length=16)
    construction_area: Decimal = Field(gt=0, le=100_000, decimal_places=2)
    inner_area: Decimal | None = Field(None, gt=0, decimal_places=2)
    rooms: int | None = None
    halls: int | None = None


class SplitIn(BaseModel):
    parts: list[SplitPartIn] = Field(min_length=2, max_length=20)
    effective_date: date
    reason: str = Field(min_length=1, max_length=200)


class MergeIn(BaseModel):
    home_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(min_length=2, max_length=20)
    room_no: str = Field(min_length=1, max_length=16)
    effective_date: date
    reason: str = Field(min_length=1, max_length=200)
    construction_area: Decimal | None = Field(None, gt=0, decimal_places=2)


class RoomIn(BaseModel):
    name: str = Field(min_length=1, max_length=16)
    area: Decimal = Field(gt=0, le=1000, decimal_places=2)


class RoomOut(BaseModel):
    id: int
    room_code: str
    home_id: int
    name: str
    area: Decimal
    status: str


class GridHome(BaseModel):
    home_id: int
    house_code: str
    unit_no: str | None
    floor_no: int
    floor_label: str
    room_no: str
    use: str
    status: str
    construction_area: Decimal
    rooms: int | None
    halls: int | None


class GridBuilding(BaseModel):
    building_no: str
    status: str
    use: str
    floors_above: int
    floors_below: int
    units: int
    address: str


class GridOut(BaseModel):
    building_id: int
    house_code: str
    as_of: date
    known_at: datetime | None
    building: GridBuilding | None
    homes: list[GridHome]


class ChangeRow(BaseModel):
    home_id: int
    house_code: str
    valid_from: date
    change_kind: str
    status: str
    address: str
    construction_area: Decimal
    reason: str | None
    recorded_at: datetime


class SearchOut(BaseModel):
    kind: str
    homes: list[HomeOut]
    buildings: list[BuildingOut]
    homes_total: int
    buildings_total: int
    capped: bool = Field(description="地址搜索最多排出 200 幢楼；为真时请缩小查询范围")
