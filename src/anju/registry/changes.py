"""Changes of the register: attribute and status changes of homes and buildings (kept as bitemporal
history), 分户 (split), 合户 (merge) and the rooms (间) of a home. Each write runs inside the caller's one
transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from anju.core import clock, paging
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import domain
from anju.registry.create import NewHome, create_home
from anju.registry.history import BUILDING_SPEC, HOME_SPEC, Piece, apply_change
from anju.registry.reads import get_building, get_home
from anju.registry.tables import home_lineage, homes, rooms


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


def _normalise_home_patch(patch: dict[str, Any]) -> dict[str, Any]:
    out = dict(patch)
    try:
        if "status" in out:
            out["status"] = domain.parse_status(str(out["status"])).value
        if "use" in out:
            out["use"] = domain.parse_use(str(out["use"])).value
        for f in ("construction_area", "inner_area"):
            if f in out and out[f] is not None:
                out[f] = domain.parse_area(out[f], field=f)
    except ValueError as e:
        f = next((k for k in ("status", "use", "construction_area", "inner_area") if k in str(e)), "patch")
        raise ValidationError.of(f, str(e)) from None
    if "orientation" in out and out["orientation"] not in (None, *domain.ORIENTATIONS):
        raise ValidationError.of("orientation", f"朝向应为 {'、'.join(domain.ORIENTATIONS)} 之一")
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
            patch["status"] = domain.parse_status(str(patch["status"])).value
        if "use" in patch:
            patch["use"] = domain.parse_use(str(patch["use"])).value
        if "structure" in patch:
            patch["structure"] = domain.parse_structure(str(patch["structure"])).value
    except ValueError as e:
        raise ValidationError.of(next(iter(k for k in ("status", "use", "structure") if k in patch)), str(e)) from None

    def validate(timeline: list[Piece]) -> None:
        for p in timeline:
            try:
                domain.check_year_built(p.attrs["year_built"], domain.Status(p.attrs["status"]), today)
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
        in (
            domain.Status.demolished.value,
            domain.Status.in_use.value,
            domain.Status.completed.value,
            domain.Status.presale.value,
        )
    ):
        live = conn.execute(
            select(homes.c.id, homes.c.status).where(
                homes.c.building_id == building_id,
                homes.c.status.not_in([domain.Status.retired.value, domain.Status.demolished.value]),
            )
        ).all()
        target = domain.Status(patch["status"])
        for hid, st in live:
            if st != target.value and domain.can_transition(domain.Status(st), target):
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
    retire = Change({"status": domain.Status.retired.value}, effective, None, "split", reason)
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
                use=domain.Use(parent["use"]),
                unit_no=parent["unit_no"],
                floor_label=parent["floor_label"],
                floor_to=parent["floor_to"],
                rooms=p.rooms,
                halls=p.halls,
                orientation=parent["orientation"],
                inner_area=p.inner_area,
                status=domain.Status(parent["status"]),
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
        retire = Change({"status": domain.Status.retired.value}, effective, None, "merge", reason)
        change_home(conn, h, retire, scope=scope, now=now, today=today)
    cid = create_home(
        conn,
        NewHome(
            building_id=first["building_id"],
            floor_no=min(p["floor_no"] for p in parents),
            room_no=room_no,
            construction_area=area,
            use=domain.Use(first["use"]),
            unit_no=first["unit_no"],
            floor_label=first["floor_label"],
            rooms=sum(p["rooms"] or 0 for p in parents) or None,
            halls=max(p["halls"] or 0 for p in parents) or None,
            orientation=first["orientation"],
            status=domain.Status(first["status"]),
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
    if domain.Status(h["status"]) in domain.TERMINAL:
        raise ValidationError.of(field_name, f"房屋 {h['house_code']} 已{h['status']}，不能再分合")
    return h


def add_rooms(
    conn: Connection, home_id: int, parts: list[tuple[str, Decimal]], *, scope: Scope, now: datetime | None = None
) -> list[str]:
    """Register the rooms (间) of a home for room-by-room renting."""
    now = now or clock.now()
    h = _live_home(conn, home_id, "home_id", scope)
    existing = paging.count(conn, select(rooms.c.room_code).where(rooms.c.home_id == home_id))
    codes = []
    total = Decimal(0)
    for i, (name, area) in enumerate(parts, start=int(existing) + 1):
        try:
            a = domain.parse_area(area, field="area")
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
