"""Creating estates, buildings and homes (with their first version and their house codes). Each write
runs inside the caller's one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Connection, func, select

from anju import divisions
from anju.core import clock, csvout, paging
from anju.core.errors import Conflict, ValidationError
from anju.core.scope import Scope
from anju.registry import domain, shapes
from anju.registry.tables import building_versions, buildings, estates, home_versions, homes


@dataclass
class NewEstate:
    name: str
    street_code: str
    road: str
    door_no: str
    kind: str = "小区"
    community_code: str | None = None
    developer: str | None = None
    year_built: int | None = None
    centroid_lon: float | None = None
    centroid_lat: float | None = None


@dataclass
class NewBuilding:
    estate_id: int
    building_no: str
    use: domain.Use
    structure: domain.Structure
    floors_above: int
    floors_below: int = 0
    units: int = 1
    year_built: int | None = None
    status: domain.Status = domain.Status.planned
    construction_area: Decimal | None = None
    footprint: str | None = None  # GeoJSON polygon
    valid_from: date | None = None
    source: str = "manual"


@dataclass
class NewHome:
    building_id: int
    floor_no: int
    room_no: str
    construction_area: Decimal
    use: domain.Use = domain.Use.residential
    unit_no: str | None = None
    floor_label: str | None = None
    floor_to: int | None = None
    rooms: int | None = None
    halls: int | None = None
    orientation: str | None = None
    inner_area: Decimal | None = None
    status: domain.Status | None = None  # defaults to the building's status
    property_unit_code: str | None = None
    valid_from: date | None = None
    source: str = "manual"


def create_estate(conn: Connection, cmd: NewEstate, *, scope: Scope, now: datetime | None = None) -> int:
    now = now or clock.now()
    if not cmd.name.strip():
        raise ValidationError.of("name", "小区名称不能为空")
    for fld, value in (("name", cmd.name), ("road", cmd.road)):
        if reason := csvout.formula_reason(value):
            raise ValidationError.of(fld, reason)
    street = divisions.get(conn, cmd.street_code) if divisions.exists(conn, cmd.street_code) else None
    if street is None or street.level != "street":
        raise ValidationError.of("street_code", f"未知的街道代码 {cmd.street_code}")
    if not scope.allows(cmd.street_code):
        raise ValidationError.of("street_code", f"街道 {cmd.street_code} 不在您的管辖范围内")
    assert street.parent_code is not None
    district = divisions.get(conn, street.parent_code)
    city = divisions.get(conn, district.parent_code or "")
    seq = paging.count(conn, select(estates.c.id).where(estates.c.street_code == cmd.street_code))
    code = f"{cmd.street_code}E{int(seq) + 1:04d}"
    res = conn.execute(
        estates.insert().values(
            estate_code=code,
            name=cmd.name.strip(),
            kind=cmd.kind,
            district_code=district.code,
            street_code=cmd.street_code,
            community_code=cmd.community_code,
            road=cmd.road,
            door_no=cmd.door_no,
            address=domain.estate_address(city.name, district.name, cmd.road, cmd.door_no),
            developer=cmd.developer,
            year_built=cmd.year_built,
            centroid_lon=cmd.centroid_lon,
            centroid_lat=cmd.centroid_lat,
            recorded_at=now,
        )
    )
    assert res.inserted_primary_key is not None
    return int(res.inserted_primary_key[0])


def allocate_building_seq(conn: Connection, street_code: str, segment: int) -> int:
    prefix = f"{street_code}{segment:04d}"
    top = conn.execute(
        select(func.max(buildings.c.house_code)).where(
            buildings.c.house_code >= prefix, buildings.c.house_code < prefix + "A"
        )
    ).scalar_one()
    seq = int(top[13:17]) + 1 if top else 1
    if seq > 9999:
        raise Conflict(f"街道 {street_code} 在 {segment} 年段的幢序号已用尽")
    return seq


def _footprint_centroid(footprint: str | None) -> tuple[float | None, float | None]:
    if not footprint:
        return None, None
    try:
        g = shape(json.loads(footprint))
    except Exception:
        raise ValidationError.of("footprint", "不是有效的 GeoJSON 几何") from None
    if g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError.of("footprint", "必须是面（Polygon）")
    c = g.representative_point()
    return round(c.x, 7), round(c.y, 7)


def create_building(
    conn: Connection, cmd: NewBuilding, *, scope: Scope, now: datetime | None = None, today: date | None = None
) -> int:
    now = now or clock.now()
    today = today or clock.today()
    est = conn.execute(select(estates).where(estates.c.id == cmd.estate_id)).mappings().first()
    if est is None or not scope.allows(est["street_code"]):
        raise ValidationError.of("estate_id", f"没有编号为 {cmd.estate_id} 的小区")
    if cmd.floors_above < 1 or cmd.floors_above > 200:
        raise ValidationError.of("floors_above", "地上层数应在 1–200 之间")
    if cmd.floors_below < 0 or cmd.floors_below > 20:
        raise ValidationError.of("floors_below", "地下层数应在 0–20 之间")
    if cmd.units < 1 or cmd.units > 50:
        raise ValidationError.of("units", "单元数应在 1–50 之间")
    try:
        domain.check_year_built(cmd.year_built, cmd.status, today)
    except ValueError as e:
        raise ValidationError.of("year_built", str(e)) from None
    valid_from = cmd.valid_from or today
    if valid_from > today:
        raise ValidationError.of("valid_from", f"生效日期 {valid_from} 在未来")
    dup = conn.execute(
        select(buildings.c.id).where(buildings.c.estate_id == cmd.estate_id, buildings.c.building_no == cmd.building_no)
    ).first()
    if dup:
        raise Conflict(f"小区中已有 {cmd.building_no} 幢", [])
    lon, lat = _footprint_centroid(cmd.footprint)
    street_code = est["street_code"]
    segment = cmd.year_built or valid_from.year
    seq = allocate_building_seq(conn, street_code, segment)
    code = domain.make_house_code(street_code, segment, seq, 0)
    addr = domain.building_address(est["address"], est["name"], cmd.building_no)
    attrs = {
        "building_no": cmd.building_no,
        "name": f"{cmd.building_no}幢",
        "use": cmd.use.value,
        "structure": cmd.structure.value,
        "floors_above": cmd.floors_above,
        "floors_below": cmd.floors_below,
        "units": cmd.units,
        "year_built": cmd.year_built,
        "status": cmd.status.value,
        "construction_area": cmd.construction_area,
        "address": addr,
        "footprint": cmd.footprint,
        "centroid_lon": lon,
        "centroid_lat": lat,
    }
    names = divisions.names(conn, {street_code})
    res = conn.execute(
        buildings.insert().values(
            house_code=code,
            estate_id=cmd.estate_id,
            district_code=est["district_code"],
            street_code=street_code,
            **attrs,
            search_text=addr + names.get(street_code, ""),
            valid_from=valid_from,
            recorded_at=now,
            version=1,
        )
    )
    assert res.inserted_primary_key is not None
    bid = int(res.inserted_primary_key[0])
    conn.execute(
        building_versions.insert().values(
            building_id=bid,
            street_code=street_code,
            **attrs,
            valid_from=valid_from,
            valid_to=None,
            recorded_at=now,
            superseded_at=None,
            change_kind="create",
            reason=None,
            source=cmd.source,
        )
    )
    return bid


def next_home_seq(conn: Connection, building_id: int) -> int:
    top = conn.execute(select(func.max(homes.c.house_code)).where(homes.c.building_id == building_id)).scalar_one()
    return int(top[17:22]) + 1 if top else 1


def _home_attrs(cmd: NewHome, bld: Any, status: domain.Status) -> shapes.HomeAttrs:
    return {
        "unit_no": cmd.unit_no,
        "floor_no": cmd.floor_no,
        "floor_label": cmd.floor_label or str(cmd.floor_no),
        "floor_to": cmd.floor_to,
        "room_no": cmd.room_no,
        "use": cmd.use.value,
        "rooms": cmd.rooms,
        "halls": cmd.halls,
        "orientation": cmd.orientation,
        "construction_area": cmd.construction_area,
        "inner_area": cmd.inner_area,
        "status": status.value,
        "address": domain.home_address(bld["address"], cmd.unit_no, cmd.room_no),
        "property_unit_code": cmd.property_unit_code,
    }


def validate_home(cmd: NewHome, bld: Any) -> None:
    if not cmd.room_no.strip():
        raise ValidationError.of("room_no", "房号不能为空")
    if cmd.floor_no == 0 or cmd.floor_no > bld["floors_above"] or cmd.floor_no < -bld["floors_below"]:
        raise ValidationError.of(
            "floor_no",
            f"楼层 {cmd.floor_no} 超出该幢范围（地下 {bld['floors_below']} 层，地上 {bld['floors_above']} 层）",
        )
    if cmd.floor_to is not None and not cmd.floor_no < cmd.floor_to <= bld["floors_above"]:
        raise ValidationError.of("floor_to", "跃层的结束层必须高于起始层且不超过总层数")
    try:
        domain.parse_area(cmd.construction_area, field="construction_area")
        if cmd.inner_area is not None:
            domain.parse_area(cmd.inner_area, field="inner_area")
    except ValueError as e:
        f, _, reason = str(e).partition(": ")
        raise ValidationError.of(f, reason) from None
    if cmd.inner_area is not None and cmd.inner_area > cmd.construction_area:
        raise ValidationError.of("inner_area", "套内面积不能大于建筑面积")
    for name, val in (("rooms", cmd.rooms), ("halls", cmd.halls)):
        if val is not None and not 0 <= val <= 30:
            raise ValidationError.of(name, "数量应在 0–30 之间")
    if cmd.orientation is not None and cmd.orientation not in domain.ORIENTATIONS:
        raise ValidationError.of("orientation", f"朝向应为 {'、'.join(domain.ORIENTATIONS)} 之一")


def create_home(
    conn: Connection,
    cmd: NewHome,
    *,
    scope: Scope,
    now: datetime | None = None,
    today: date | None = None,
    change_kind: str = "create",
) -> int:
    now = now or clock.now()
    today = today or clock.today()
    bld = conn.execute(select(buildings).where(buildings.c.id == cmd.building_id)).mappings().first()
    if bld is None or not scope.allows(bld["street_code"]):
        raise ValidationError.of("building_id", f"没有编号为 {cmd.building_id} 的楼幢")
    validate_home(cmd, bld)
    status = cmd.status or domain.Status(bld["status"])
    if status in domain.TERMINAL and change_kind == "create":
        raise ValidationError.of("status", f"不能新建状态为「{status.value}」的房屋")
    valid_from = cmd.valid_from or today
    if valid_from > today:
        raise ValidationError.of("valid_from", f"生效日期 {valid_from} 在未来")
    clash = conn.execute(
        select(homes.c.id).where(
            homes.c.building_id == cmd.building_id,
            homes.c.room_no == cmd.room_no,
            homes.c.unit_no.is_(None) if cmd.unit_no is None else homes.c.unit_no == cmd.unit_no,
            homes.c.status.not_in([domain.Status.retired.value, domain.Status.demolished.value]),
        )
    ).first()
    if clash:
        raise Conflict(f"该幢已有房号 {cmd.unit_no or ''}{cmd.room_no}", [])
    code_b = domain.parse_house_code(bld["house_code"])
    code = domain.make_house_code(
        code_b.street_code, code_b.segment, code_b.building_seq, next_home_seq(conn, bld["id"])
    )
    attrs = _home_attrs(cmd, bld, status)
    res = conn.execute(
        homes.insert().values(
            house_code=code,
            building_id=bld["id"],
            estate_id=bld["estate_id"],
            district_code=bld["district_code"],
            street_code=bld["street_code"],
            **attrs,
            valid_from=valid_from,
            recorded_at=now,
            version=1,
        )
    )
    assert res.inserted_primary_key is not None
    hid = int(res.inserted_primary_key[0])
    conn.execute(
        home_versions.insert().values(
            home_id=hid,
            building_id=bld["id"],
            street_code=bld["street_code"],
            **attrs,
            valid_from=valid_from,
            valid_to=None,
            recorded_at=now,
            superseded_at=None,
            change_kind=change_kind,
            reason=None,
            source=cmd.source,
        )
    )
    return hid
