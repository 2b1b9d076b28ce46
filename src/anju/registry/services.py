"""Use cases of the 楼盘表 register. Each write runs inside the caller's one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shapely.geometry import shape
from sqlalchemy import Connection, Table, and_, func, select

from anju import divisions as div
from anju.core import clock, dialect
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.scope import OutOfScope, Scope
from anju.registry import domain as d
from anju.registry.history import Piece, Versioned, apply_change, as_of_condition, versions_of
from anju.registry.tables import (
    building_versions,
    buildings,
    estates,
    home_lineage,
    home_versions,
    homes,
    rooms,
)

BUILDING_ATTRS = (
    "building_no",
    "name",
    "use",
    "structure",
    "floors_above",
    "floors_below",
    "units",
    "year_built",
    "status",
    "construction_area",
    "address",
    "footprint",
    "centroid_lon",
    "centroid_lat",
)
HOME_ATTRS = (
    "unit_no",
    "floor_no",
    "floor_label",
    "floor_to",
    "room_no",
    "use",
    "rooms",
    "halls",
    "orientation",
    "construction_area",
    "inner_area",
    "status",
    "address",
    "property_unit_code",
)
BUILDING_SPEC = Versioned(buildings, building_versions, "building_id", BUILDING_ATTRS, ("street_code",))
HOME_SPEC = Versioned(homes, home_versions, "home_id", HOME_ATTRS, ("building_id", "street_code"))


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
    use: d.Use
    structure: d.Structure
    floors_above: int
    floors_below: int = 0
    units: int = 1
    year_built: int | None = None
    status: d.Status = d.Status.planned
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
    use: d.Use = d.Use.residential
    unit_no: str | None = None
    floor_label: str | None = None
    floor_to: int | None = None
    rooms: int | None = None
    halls: int | None = None
    orientation: str | None = None
    inner_area: Decimal | None = None
    status: d.Status | None = None  # defaults to the building's status
    property_unit_code: str | None = None
    valid_from: date | None = None
    source: str = "manual"


@dataclass
class Change:
    """A change of attributes from ``valid_from`` (until ``valid_to``, or for ever)."""

    patch: dict[str, Any]
    valid_from: date
    valid_to: date | None = None
    kind: str = "update"  # update | status | correction
    reason: str | None = None
    source: str = "manual"


@dataclass
class SplitPart:
    room_no: str
    construction_area: Decimal
    inner_area: Decimal | None = None
    rooms: int | None = None
    halls: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------------
# writes
# ------------------------------------------------------------------------------------------------


def estate_address(city_name: str, district_name: str, road: str, door_no: str) -> str:
    return f"{city_name}{district_name}{road}{door_no}号"


def building_address(estate_addr: str, estate_name: str, building_no: str) -> str:
    return f"{estate_addr}{estate_name}{building_no}幢"


def create_estate(conn: Connection, cmd: NewEstate, *, scope: Scope, now: datetime | None = None) -> int:
    now = now or clock.now()
    if not cmd.name.strip():
        raise ValidationError.of("name", "小区名称不能为空")
    street = div.get(conn, cmd.street_code) if div.exists(conn, cmd.street_code) else None
    if street is None or street.level != "street":
        raise ValidationError.of("street_code", f"未知的街道代码 {cmd.street_code}")
    if not scope.allows(cmd.street_code):
        raise ValidationError.of("street_code", f"街道 {cmd.street_code} 不在您的管辖范围内")
    assert street.parent_code is not None
    district = div.get(conn, street.parent_code)
    city = div.get(conn, district.parent_code or "")
    seq = conn.execute(
        select(func.count()).select_from(estates).where(estates.c.street_code == cmd.street_code)
    ).scalar_one()
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
            address=estate_address(city.name, district.name, cmd.road, cmd.door_no),
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
        import json

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
        d.check_year_built(cmd.year_built, cmd.status, today)
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
    code = d.make_house_code(street_code, segment, seq, 0)
    addr = building_address(est["address"], est["name"], cmd.building_no)
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
    names = div.names(conn, {street_code})
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


def _home_attrs(cmd: NewHome, bld: Any, status: d.Status) -> dict[str, Any]:
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
        "address": d.home_address(bld["address"], cmd.unit_no, cmd.room_no),
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
        d.parse_area(cmd.construction_area, field="construction_area")
        if cmd.inner_area is not None:
            d.parse_area(cmd.inner_area, field="inner_area")
    except ValueError as e:
        f, _, reason = str(e).partition(": ")
        raise ValidationError.of(f, reason) from None
    if cmd.inner_area is not None and cmd.inner_area > cmd.construction_area:
        raise ValidationError.of("inner_area", "套内面积不能大于建筑面积")
    for name, val in (("rooms", cmd.rooms), ("halls", cmd.halls)):
        if val is not None and not 0 <= val <= 30:
            raise ValidationError.of(name, "数量应在 0–30 之间")
    if cmd.orientation is not None and cmd.orientation not in d.ORIENTATIONS:
        raise ValidationError.of("orientation", f"朝向应为 {'、'.join(d.ORIENTATIONS)} 之一")


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
    status = cmd.status or d.Status(bld["status"])
    if status in d.TERMINAL and change_kind == "create":
        raise ValidationError.of("status", f"不能新建状态为「{status.value}」的房屋")
    valid_from = cmd.valid_from or today
    if valid_from > today:
        raise ValidationError.of("valid_from", f"生效日期 {valid_from} 在未来")
    clash = conn.execute(
        select(homes.c.id).where(
            homes.c.building_id == cmd.building_id,
            homes.c.room_no == cmd.room_no,
            homes.c.unit_no.is_(None) if cmd.unit_no is None else homes.c.unit_no == cmd.unit_no,
            homes.c.status.not_in([d.Status.retired.value, d.Status.demolished.value]),
        )
    ).first()
    if clash:
        raise Conflict(f"该幢已有房号 {cmd.unit_no or ''}{cmd.room_no}", [])
    code_b = d.parse_house_code(bld["house_code"])
    code = d.make_house_code(code_b.street_code, code_b.segment, code_b.building_seq, next_home_seq(conn, bld["id"]))
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


def _normalise_home_patch(patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(patch)
    try:
        if "status" in out:
            out["status"] = d.parse_status(str(out["status"])).value
        if "use" in out:
            out["use"] = d.parse_use(str(out["use"])).value
        for f in ("construction_area", "inner_area"):
            if f in out and out[f] is not None:
                out[f] = d.parse_area(out[f], field=f)
    except ValueError as e:
        f = next((k for k in ("status", "use", "construction_area", "inner_area") if k in str(e)), "patch")
        raise ValidationError.of(f, str(e)) from None
    if "orientation" in out and out["orientation"] not in (None, *d.ORIENTATIONS):
        raise ValidationError.of("orientation", f"朝向应为 {'、'.join(d.ORIENTATIONS)} 之一")
    for k in ("address", "floor_no", "room_no", "unit_no"):
        if k in out:
            raise ValidationError.of(k, "位置字段不能直接修改；请使用分户/合户")
    return out


def _home_validator(timeline: list[Piece]) -> None:
    for p in timeline:
        inner, area = p.attrs.get("inner_area"), p.attrs["construction_area"]
        if inner is not None and inner > area:
            raise ValidationError.of("inner_area", "套内面积不能大于建筑面积")


def change_home(
    conn: Connection,
    home_id: int,
    change: Change,
    *,
    scope: Scope,
    now: datetime | None = None,
    today: date | None = None,
) -> bool:
    """Record a change of a home's attributes; ``kind='correction'`` fixes a past fact."""
    if not scope.unrestricted:
        get_home(conn, home_id, scope=scope)
    patch = _normalise_home_patch(change.patch)
    return apply_change(
        conn,
        HOME_SPEC,
        home_id,
        patch,
        valid_from=change.valid_from,
        valid_to=change.valid_to,
        today=today or clock.today(),
        now=now or clock.now(),
        change_kind=change.kind,
        reason=change.reason,
        source=change.source,
        validate=_home_validator,
    )


def change_building(
    conn: Connection,
    building_id: int,
    change: Change,
    *,
    scope: Scope,
    now: datetime | None = None,
    today: date | None = None,
    cascade_status: bool = True,
) -> bool:
    """Change a building; a status change to demolished carries down to its live homes."""
    if not scope.unrestricted:
        get_building(conn, building_id, scope=scope)
    now = now or clock.now()
    today = today or clock.today()
    patch = dict(change.patch)
    for k in ("building_no", "address", "name"):
        if k in patch:
            raise ValidationError.of(k, "楼幢编号与地址不能直接修改")
    try:
        if "status" in patch:
            patch["status"] = d.parse_status(str(patch["status"])).value
        if "use" in patch:
            patch["use"] = d.parse_use(str(patch["use"])).value
        if "structure" in patch:
            patch["structure"] = d.parse_structure(str(patch["structure"])).value
    except ValueError as e:
        raise ValidationError.of(next(iter(k for k in ("status", "use", "structure") if k in patch)), str(e)) from None

    def validate(timeline: list[Piece]) -> None:
        for p in timeline:
            try:
                d.check_year_built(p.attrs["year_built"], d.Status(p.attrs["status"]), today)
            except ValueError as e:
                raise ValidationError.of("year_built", str(e)) from None

    changed = apply_change(
        conn,
        BUILDING_SPEC,
        building_id,
        patch,
        valid_from=change.valid_from,
        valid_to=change.valid_to,
        today=today,
        now=now,
        change_kind=change.kind,
        reason=change.reason,
        source=change.source,
        validate=validate,
    )
    if (
        changed
        and cascade_status
        and patch.get("status")
        in (d.Status.demolished.value, d.Status.in_use.value, d.Status.completed.value, d.Status.presale.value)
    ):
        live = conn.execute(
            select(homes.c.id, homes.c.status).where(
                homes.c.building_id == building_id,
                homes.c.status.not_in([d.Status.retired.value, d.Status.demolished.value]),
            )
        ).all()
        target = d.Status(patch["status"])
        for hid, st in live:
            if st != target.value and d.can_transition(d.Status(st), target):
                change_home(
                    conn,
                    int(hid),
                    Change(
                        {"status": target.value},
                        change.valid_from,
                        change.valid_to,
                        change.kind,
                        change.reason,
                        change.source,
                    ),
                    scope=scope,
                    now=now,
                    today=today,
                )
    return changed


def split_home(
    conn: Connection,
    home_id: int,
    parts: list[SplitPart],
    effective: date,
    reason: str,
    *,
    scope: Scope,
    now: datetime | None = None,
    today: date | None = None,
) -> list[int]:
    """分户: one home becomes several. The parent is retired; lineage is kept both ways."""
    now = now or clock.now()
    today = today or clock.today()
    if len(parts) < 2:
        raise ValidationError.of("parts", "分户至少要分成两户")
    parent = _live_home(conn, home_id, "home_id", scope)
    total = sum((p.construction_area for p in parts), Decimal(0))
    if total > parent["construction_area"]:
        raise ValidationError.of("parts", f"分户后建筑面积合计 {total} 超过原户 {parent['construction_area']}")
    retire = Change({"status": d.Status.retired.value}, effective, None, "split", reason)
    change_home(conn, home_id, retire, scope=scope, now=now, today=today)
    op = str(uuid.uuid4())
    children = []
    for p in parts:
        cid = create_home(
            conn,
            NewHome(
                building_id=parent["building_id"],
                floor_no=parent["floor_no"],
                room_no=p.room_no,
                construction_area=p.construction_area,
                use=d.Use(parent["use"]),
                unit_no=parent["unit_no"],
                floor_label=parent["floor_label"],
                floor_to=parent["floor_to"],
                rooms=p.rooms,
                halls=p.halls,
                orientation=parent["orientation"],
                inner_area=p.inner_area,
                status=d.Status(parent["status"]),
                valid_from=effective,
            ),
            scope=scope,
            now=now,
            today=today,
            change_kind="split",
        )
        children.append(cid)
        conn.execute(
            home_lineage.insert().values(
                operation_id=op,
                kind="split",
                parent_home_id=home_id,
                child_home_id=cid,
                effective_date=effective,
                recorded_at=now,
                reason=reason,
            )
        )
    return children


def merge_homes(
    conn: Connection,
    home_ids: list[int],
    room_no: str,
    effective: date,
    reason: str,
    construction_area: Decimal | None = None,
    *,
    scope: Scope,
    now: datetime | None = None,
    today: date | None = None,
) -> int:
    """合户: several homes of one building become one. Parents are retired; lineage kept."""
    now = now or clock.now()
    today = today or clock.today()
    if len(set(home_ids)) < 2:
        raise ValidationError.of("home_ids", "合户至少需要两户")
    parents = [_live_home(conn, h, "home_ids", scope) for h in home_ids]
    if len({p["building_id"] for p in parents}) != 1:
        raise ValidationError.of("home_ids", "只能合并同一幢楼内的房屋")
    first = parents[0]
    area = construction_area or sum((p["construction_area"] for p in parents), Decimal(0))
    for h in home_ids:
        retire = Change({"status": d.Status.retired.value}, effective, None, "merge", reason)
        change_home(conn, h, retire, scope=scope, now=now, today=today)
    cid = create_home(
        conn,
        NewHome(
            building_id=first["building_id"],
            floor_no=min(p["floor_no"] for p in parents),
            room_no=room_no,
            construction_area=area,
            use=d.Use(first["use"]),
            unit_no=first["unit_no"],
            floor_label=first["floor_label"],
            rooms=sum(p["rooms"] or 0 for p in parents) or None,
            halls=max(p["halls"] or 0 for p in parents) or None,
            orientation=first["orientation"],
            status=d.Status(first["status"]),
            valid_from=effective,
            floor_to=max(p["floor_no"] for p in parents) if len({p["floor_no"] for p in parents}) > 1 else None,
        ),
        scope=scope,
        now=now,
        today=today,
        change_kind="merge",
    )
    op = str(uuid.uuid4())
    for h in home_ids:
        conn.execute(
            home_lineage.insert().values(
                operation_id=op,
                kind="merge",
                parent_home_id=h,
                child_home_id=cid,
                effective_date=effective,
                recorded_at=now,
                reason=reason,
            )
        )
    return cid


def _live_home(conn: Connection, home_id: int, field_name: str, scope: Scope) -> Any:
    h = conn.execute(select(homes).where(homes.c.id == home_id)).mappings().first()
    if h is None or not scope.allows(h["street_code"]):
        raise ValidationError.of(field_name, f"没有编号为 {home_id} 的房屋")
    if d.Status(h["status"]) in d.TERMINAL:
        raise ValidationError.of(field_name, f"房屋 {h['house_code']} 已{h['status']}，不能再分合")
    return h


def add_rooms(
    conn: Connection, home_id: int, parts: list[tuple[str, Decimal]], *, scope: Scope, now: datetime | None = None
) -> list[str]:
    """Register the rooms (间) of a home for room-by-room renting."""
    now = now or clock.now()
    h = _live_home(conn, home_id, "home_id", scope)
    existing = conn.execute(select(func.count()).select_from(rooms).where(rooms.c.home_id == home_id)).scalar_one()
    codes = []
    total = Decimal(0)
    for i, (name, area) in enumerate(parts, start=int(existing) + 1):
        try:
            a = d.parse_area(area, field="area")
        except ValueError as e:
            raise ValidationError.of("area", str(e)) from None
        total += a
        code = f"{h['house_code']}-{i:02d}"
        conn.execute(
            rooms.insert().values(room_code=code, home_id=home_id, name=name, area=a, status="in_use", recorded_at=now)
        )
        codes.append(code)
    if total > h["construction_area"]:
        raise ValidationError.of("area", "各间面积之和超过房屋建筑面积")
    return codes


# ------------------------------------------------------------------------------------------------
# reads
# ------------------------------------------------------------------------------------------------


def get_home(conn: Connection, home_id: int, *, scope: Scope) -> dict[str, Any]:
    row = conn.execute(select(homes).where(homes.c.id == home_id)).mappings().first()
    missing = f"没有编号为 {home_id} 的房屋"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return dict(row)


def get_home_by_code(conn: Connection, code: str, *, scope: Scope) -> dict[str, Any]:
    c = code.strip().upper()
    if not d.HOUSE_CODE_RE.match(c):
        raise ValidationError.of("house_code", "房屋代码应为 23 位（22 位数字加 1 位校验码）")
    row = conn.execute(select(homes).where(homes.c.house_code == c)).mappings().first()
    if row is None:
        raise NotFound(f"没有房屋代码为 {c} 的房屋")
    scope.require(row["street_code"], f"没有房屋代码为 {c} 的房屋")
    return dict(row)


def get_building(conn: Connection, building_id: int, *, scope: Scope) -> dict[str, Any]:
    row = conn.execute(select(buildings).where(buildings.c.id == building_id)).mappings().first()
    missing = f"没有编号为 {building_id} 的楼幢"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return dict(row)


def get_building_by_code(conn: Connection, code: str, *, scope: Scope) -> dict[str, Any]:
    row = conn.execute(select(buildings).where(buildings.c.house_code == code.strip().upper())).mappings().first()
    if row is None:
        raise NotFound(f"没有房屋代码为 {code} 的楼幢")
    scope.require(row["street_code"], f"没有房屋代码为 {code} 的楼幢")
    return dict(row)


def get_estate(conn: Connection, estate_id: int, *, scope: Scope) -> dict[str, Any]:
    row = conn.execute(select(estates).where(estates.c.id == estate_id)).mappings().first()
    missing = f"没有编号为 {estate_id} 的小区"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return dict(row)


def list_estates(
    conn: Connection,
    *,
    street_code: str | None = None,
    district_code: str | None = None,
    name: str | None = None,
    scope: Scope,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    cond = scope.where(estates.c.street_code)
    if street_code:
        cond.append(estates.c.street_code == street_code)
    if district_code:
        cond.append(estates.c.district_code == district_code)
    if name:
        cond.append(estates.c.name.contains(name, autoescape=True))
    total = count_rows(conn, estates, cond)
    rows = conn.execute(select(estates).where(*cond).order_by(estates.c.id).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], int(total)


BUILDING_LIST_COLS = [c for c in buildings.c if c.name not in ("footprint", "search_text")]


def list_buildings(
    conn: Connection,
    *,
    estate_id: int | None = None,
    street_code: str | None = None,
    status: str | None = None,
    scope: Scope,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    cond = scope.where(buildings.c.street_code)
    if estate_id is not None:
        cond.append(buildings.c.estate_id == estate_id)
    if street_code:
        cond.append(buildings.c.street_code == street_code)
    if status:
        cond.append(buildings.c.status == status)
    total = count_rows(conn, buildings, cond)
    rows = conn.execute(
        select(*BUILDING_LIST_COLS)
        .where(*cond)
        .order_by(buildings.c.estate_id, buildings.c.id)
        .offset(offset)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows], int(total)


def list_homes(
    conn: Connection,
    *,
    building_id: int | None = None,
    street_code: str | None = None,
    status: str | None = None,
    scope: Scope,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    cond = scope.where(homes.c.street_code)
    if building_id is not None:
        cond.append(homes.c.building_id == building_id)
    if street_code:
        cond.append(homes.c.street_code == street_code)
    if status:
        cond.append(homes.c.status == status)
    total = count_rows(conn, homes, cond)
    rows = conn.execute(select(homes).where(*cond).order_by(homes.c.id).offset(offset).limit(limit)).mappings()
    return [dict(r) for r in rows], int(total)


def building_as_of(
    conn: Connection, building_id: int, on: date, known_at: datetime | None = None, *, scope: Scope
) -> dict[str, Any]:
    """The building and its homes as they were on ``on`` (as the register knew at ``known_at``)."""
    get_building(conn, building_id, scope=scope)
    b = (
        conn.execute(
            select(building_versions).where(
                building_versions.c.building_id == building_id, as_of_condition(building_versions, on, known_at)
            )
        )
        .mappings()
        .first()
    )
    code = conn.execute(
        select(buildings.c.house_code, buildings.c.estate_id).where(buildings.c.id == building_id)
    ).first()
    if code is None:
        raise NotFound(f"没有编号为 {building_id} 的楼幢")
    hv = home_versions
    rows = conn.execute(
        select(hv, homes.c.house_code)
        .join(homes, homes.c.id == hv.c.home_id)
        .where(
            hv.c.building_id == building_id,
            as_of_condition(hv, on, known_at),
            hv.c.status != d.Status.retired.value,  # a retired unit no longer exists as a unit
        )
        .order_by(hv.c.floor_no.desc(), hv.c.unit_no, hv.c.room_no)
    ).mappings()
    return {
        "building_id": building_id,
        "house_code": code[0],
        "estate_id": code[1],
        "as_of": on,
        "known_at": known_at,
        "building": dict(b) if b else None,
        "homes": [dict(r) for r in rows],
    }


def home_history(conn: Connection, home_id: int, *, scope: Scope) -> dict[str, Any]:
    """Every version ever recorded (superseded ones included) and the lineage both ways."""
    h = get_home(conn, home_id, scope=scope)
    versions = (
        conn.execute(
            select(home_versions)
            .where(home_versions.c.home_id == home_id)
            .order_by(home_versions.c.recorded_at, home_versions.c.valid_from)
        )
        .mappings()
        .all()
    )
    lin = home_lineage
    parents = (
        conn.execute(
            select(lin.c.kind, lin.c.effective_date, lin.c.reason, homes.c.id, homes.c.house_code)
            .join(homes, homes.c.id == lin.c.parent_home_id)
            .where(lin.c.child_home_id == home_id)
        )
        .mappings()
        .all()
    )
    children = (
        conn.execute(
            select(lin.c.kind, lin.c.effective_date, lin.c.reason, homes.c.id, homes.c.house_code)
            .join(homes, homes.c.id == lin.c.child_home_id)
            .where(lin.c.parent_home_id == home_id)
        )
        .mappings()
        .all()
    )
    return {
        "home": h,
        "versions": [dict(v) for v in versions],
        "current_belief": [dict(v) for v in versions_of(conn, HOME_SPEC, home_id)],
        "parents": [dict(p) for p in parents],
        "children": [dict(c) for c in children],
    }


def home_rooms(conn: Connection, home_id: int, *, scope: Scope) -> list[dict[str, Any]]:
    get_home(conn, home_id, scope=scope)
    return [
        dict(r)
        for r in conn.execute(select(rooms).where(rooms.c.home_id == home_id).order_by(rooms.c.room_code)).mappings()
    ]


def changes_in_division(
    conn: Connection, code: str, start: date, end: date, *, scope: Scope, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Home versions whose valid time began in [start, end] within a street or district."""
    if end < start:
        raise ValidationError.of("to", "结束日期早于开始日期")
    division = div.get(conn, code)
    if not scope.allows_division(code):
        raise OutOfScope(f"没有区划 {code}")
    if division.level == "street":
        streets = [code]
    elif division.level == "city":
        streets = [s.code for s in div.by_level(conn, "street")]
    else:
        kids, _ = div.children(conn, code, "street", limit=10_000)
        streets = [k.code for k in kids]
    if scope.streets is not None:
        streets = [s for s in streets if s in scope.streets]
    hv = home_versions
    cond = and_(
        hv.c.street_code.in_(streets),
        hv.c.valid_from >= start,
        hv.c.valid_from <= end,
        hv.c.superseded_at.is_(None),
    )
    total = conn.execute(select(func.count()).select_from(hv).where(cond)).scalar_one()
    rows = conn.execute(
        select(
            hv.c.home_id,
            homes.c.house_code,
            hv.c.valid_from,
            hv.c.change_kind,
            hv.c.status,
            hv.c.address,
            hv.c.construction_area,
            hv.c.reason,
            hv.c.recorded_at,
        )
        .join(homes, homes.c.id == hv.c.home_id)
        .where(cond)
        .order_by(hv.c.valid_from, hv.c.home_id)
        .offset(offset)
        .limit(limit)
    ).mappings()
    return [dict(r) for r in rows], int(total)


def search(conn: Connection, query: str, *, scope: Scope, limit: int = 20) -> dict[str, Any]:
    """Search by house code (full or prefix) or by address text; returns buildings and homes."""
    q = query.strip().replace(" ", "").replace("\u3000", "")
    q = q.translate(FULLWIDTH)
    if not q:
        raise ValidationError.of("q", "请输入房屋代码或地址")
    if len(q) > 100:
        raise ValidationError.of("q", "查询内容过长")
    if q[:9].isdigit() and len(q) >= 9:
        code = q.upper()
        rows = (
            conn.execute(
                select(homes)
                .where(homes.c.house_code >= code, homes.c.house_code < code + "Z", *scope.where(homes.c.street_code))
                .order_by(homes.c.house_code)
                .limit(limit)
            )
            .mappings()
            .all()
        )
        blds = (
            conn.execute(
                select(*BUILDING_LIST_COLS)
                .where(
                    buildings.c.house_code >= code,
                    buildings.c.house_code < code + "Z",
                    *scope.where(buildings.c.street_code),
                )
                .order_by(buildings.c.house_code)
                .limit(limit)
            )
            .mappings()
            .all()
        )
        return {"kind": "house_code", "homes": [dict(r) for r in rows], "buildings": [dict(b) for b in blds]}
    base, unit, room = split_home_part(q)
    streets = None if scope.streets is None else sorted(scope.streets)
    ids = dialect.search_building_ids(conn, base, limit=200, streets=streets) if base else []
    blds = (
        conn.execute(select(*BUILDING_LIST_COLS).where(buildings.c.id.in_(ids[:limit])).order_by(buildings.c.id))
        .mappings()
        .all()
    )
    home_rows: list[Any] = []
    if ids and room:
        cond = [homes.c.building_id.in_(ids), homes.c.room_no == room]
        if unit:
            cond.append(homes.c.unit_no == unit)
        home_rows = list(conn.execute(select(homes).where(*cond).order_by(homes.c.id).limit(limit)).mappings())
    return {"kind": "address", "homes": [dict(r) for r in home_rows], "buildings": [dict(b) for b in blds]}


FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"－": "-", "＃": "#"})


def split_home_part(q: str) -> tuple[str, str | None, str | None]:
    """'…3幢2单元502室' → ('…3幢', '2', '502'); '…3幢502' → ('…3幢', None, '502')."""
    import re

    m = re.search(r"(?:(\d+)单元)?(\d+)(?:室|号房)?$", q)
    if m and ("幢" in q[: m.start()] or "单元" in m.group(0) or q.endswith("室")):
        return q[: m.start()], m.group(1), m.group(2)
    return q, None, None


def count_rows(conn: Connection, table: Table, cond: list[Any]) -> int:
    """Exact count of a filtered list; the planner's estimate for a whole table of 100k+ rows."""
    if not cond:
        estimate = dialect.estimated_rows(conn, table)
        if estimate is not None and estimate >= LARGE_TABLE:
            return estimate
    return int(conn.execute(select(func.count()).select_from(table).where(*cond)).scalar_one())


#: Above this many rows (by the planner's estimate) whole-table totals are estimates, not counts.
LARGE_TABLE = 100_000


def stats(conn: Connection, *, scope: Scope) -> dict[str, int]:
    """Headline figures of the register within the scope (estimates for large whole tables; see count_rows)."""
    return {
        name: count_rows(conn, t, scope.where(t.c.street_code))
        for name, t in (("estates", estates), ("buildings", buildings), ("homes", homes))
    }


def homes_in_building_count(conn: Connection, building_ids: list[int]) -> dict[int, int]:
    if not building_ids:
        return {}
    rows = conn.execute(
        select(homes.c.building_id, func.count())
        .where(homes.c.building_id.in_(building_ids))
        .group_by(homes.c.building_id)
    )
    return {int(r[0]): int(r[1]) for r in rows}
