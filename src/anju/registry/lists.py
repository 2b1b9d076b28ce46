"""Paginated lists of the register within the caller's scope: estates, buildings, homes, and the changes
in a division over a period."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, func, select

from anju import divisions
from anju.core.errors import ValidationError
from anju.core.scope import OutOfScope, Scope
from anju.registry.reads import count_rows
from anju.registry.tables import buildings, estates, home_versions, homes

BUILDING_LIST_COLS = [c for c in buildings.c if c.name not in ("footprint", "search_text")]


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


def changes_in_division(
    conn: Connection, code: str, start: date, end: date, *, scope: Scope, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """Home versions whose valid time began in [start, end] within a street or district."""
    if end < start:
        raise ValidationError.of("to", "结束日期早于开始日期")
    division = divisions.get(conn, code)
    if not scope.allows_division(code):
        raise OutOfScope(f"没有区划 {code}")
    if division.level == "street":
        streets = [code]
    elif division.level == "city":
        streets = [s.code for s in divisions.by_level(conn, "street")]
    else:
        kids, _ = divisions.children(conn, code, "street", limit=10_000)
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
