"""Reads of the register within the caller's scope: an estate, building or home, a building's grid on
a date, a home's history and rooms, and the headline figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, func, select

from anju.core import dialect, paging
from anju.core.errors import NotFound, ValidationError
from anju.core.scope import Scope
from anju.registry import domain, shapes
from anju.registry.history import HOME_SPEC, as_of_condition, versions_of
from anju.registry.tables import building_versions, buildings, estates, home_lineage, home_versions, homes, rooms


def get_home(conn: Connection, home_id: int, *, scope: Scope) -> shapes.Home:
    row = conn.execute(select(homes).where(homes.c.id == home_id)).mappings().first()
    missing = f"没有编号为 {home_id} 的房屋"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return cast(shapes.Home, dict(row))


def get_home_by_code(conn: Connection, code: str, *, scope: Scope) -> shapes.Home:
    c = code.strip().upper()
    if not domain.HOUSE_CODE_RE.match(c):
        raise ValidationError.of("house_code", "房屋代码应为 23 位（22 位数字加 1 位校验码）")
    row = conn.execute(select(homes).where(homes.c.house_code == c)).mappings().first()
    if row is None:
        raise NotFound(f"没有房屋代码为 {c} 的房屋")
    scope.require(row["street_code"], f"没有房屋代码为 {c} 的房屋")
    return cast(shapes.Home, dict(row))


def get_building(conn: Connection, building_id: int, *, scope: Scope) -> shapes.Building:
    row = conn.execute(select(buildings).where(buildings.c.id == building_id)).mappings().first()
    missing = f"没有编号为 {building_id} 的楼幢"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return cast(shapes.Building, dict(row))


def get_estate(conn: Connection, estate_id: int, *, scope: Scope) -> shapes.Estate:
    row = conn.execute(select(estates).where(estates.c.id == estate_id)).mappings().first()
    missing = f"没有编号为 {estate_id} 的小区"
    if row is None:
        raise NotFound(missing)
    scope.require(row["street_code"], missing)
    return cast(shapes.Estate, dict(row))


def building_as_of(
    conn: Connection, building_id: int, on: date, known_at: datetime | None = None, *, scope: Scope
) -> shapes.BuildingGrid:
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
    rows = conn.execute(
        select(home_versions, homes.c.house_code)
        .join(homes, homes.c.id == home_versions.c.home_id)
        .where(
            home_versions.c.building_id == building_id,
            as_of_condition(home_versions, on, known_at),
            home_versions.c.status != domain.Status.retired.value,  # a retired unit no longer exists as a unit
        )
        .order_by(home_versions.c.floor_no.desc(), home_versions.c.unit_no, home_versions.c.room_no)
    ).mappings()
    return {
        "building_id": building_id,
        "house_code": code[0],
        "estate_id": code[1],
        "as_of": on,
        "known_at": known_at,
        "building": cast(shapes.BuildingVersion, dict(b)) if b else None,
        "homes": [cast(shapes.GridHome, dict(r)) for r in rows],
    }


def home_history(conn: Connection, home_id: int, *, scope: Scope) -> shapes.HomeHistory:
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
    parents = (
        conn.execute(
            select(
                home_lineage.c.kind,
                home_lineage.c.effective_date,
                home_lineage.c.reason,
                homes.c.id,
                homes.c.house_code,
            )
            .join(homes, homes.c.id == home_lineage.c.parent_home_id)
            .where(home_lineage.c.child_home_id == home_id)
        )
        .mappings()
        .all()
    )
    children = (
        conn.execute(
            select(
                home_lineage.c.kind,
                home_lineage.c.effective_date,
                home_lineage.c.reason,
                homes.c.id,
                homes.c.house_code,
            )
            .join(homes, homes.c.id == home_lineage.c.child_home_id)
            .where(home_lineage.c.parent_home_id == home_id)
        )
        .mappings()
        .all()
    )
    return {
        "home": h,
        "versions": [cast(shapes.HomeVersion, dict(v)) for v in versions],
        "current_belief": [cast(shapes.HomeVersion, dict(v)) for v in versions_of(conn, HOME_SPEC, home_id)],
        "parents": [cast(shapes.Lineage, dict(p)) for p in parents],
        "children": [cast(shapes.Lineage, dict(c)) for c in children],
    }


def home_rooms(conn: Connection, home_id: int, *, scope: Scope) -> list[shapes.Room]:
    get_home(conn, home_id, scope=scope)
    found = conn.execute(select(rooms).where(rooms.c.home_id == home_id).order_by(rooms.c.room_code)).mappings()
    return [cast(shapes.Room, dict(r)) for r in found]


#: Above this many rows (by the planner's estimate) whole-table totals are estimates, not counts.
LARGE_TABLE = 100_000


def count_rows(conn: Connection, table: Table, cond: list[Any]) -> int:
    """Exact count of a filtered list; the planner's estimate for a whole table of 100k+ rows."""
    if not cond:
        estimate = dialect.estimated_rows(conn, table)
        if estimate is not None and estimate >= LARGE_TABLE:
            return estimate
    return paging.count(conn, select(table.c.id).where(*cond))


def stats(conn: Connection, *, scope: Scope) -> shapes.RegisterStats:
    """Headline figures of the register within the scope (estimates for large whole tables; see count_rows)."""
    return shapes.RegisterStats(
        estates=count_rows(conn, estates, scope.where(estates.c.street_code)),
        buildings=count_rows(conn, buildings, scope.where(buildings.c.street_code)),
        homes=count_rows(conn, homes, scope.where(homes.c.street_code)),
    )


def homes_in_building_count(conn: Connection, building_ids: list[int]) -> dict[int, int]:
    if not building_ids:
        return {}
    rows = conn.execute(
        select(homes.c.building_id, func.count())
        .where(homes.c.building_id.in_(building_ids))
        .group_by(homes.c.building_id)
    )
    return {int(r[0]): int(r[1]) for r in rows}
