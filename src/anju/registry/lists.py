"""Paginated lists of the register within the caller's scope: estates, buildings, homes, and the changes
in a division over a period."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from sqlalchemy import ColumnElement, Connection, Select, Table, and_, select
from sqlalchemy.engine import Row

from anju import divisions
from anju.core.errors import ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import OutOfScope, Scope
from anju.registry import shapes
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
) -> Page[shapes.Estate]:
    cond = scope.where(estates.c.street_code)
    if street_code:
        cond.append(estates.c.street_code == street_code)
    if district_code:
        cond.append(estates.c.district_code == district_code)
    if name:
        cond.append(estates.c.name.contains(name, autoescape=True))
    return _page(conn, estates, cond, select(estates).order_by(estates.c.id), offset, limit)


def list_buildings(
    conn: Connection,
    *,
    estate_id: int | None = None,
    street_code: str | None = None,
    status: str | None = None,
    scope: Scope,
    offset: int = 0,
    limit: int = 50,
) -> Page[shapes.BuildingSummary]:
    cond = _unit_filters(buildings, scope, buildings.c.estate_id, estate_id, street_code, status)
    stmt = select(*BUILDING_LIST_COLS).order_by(buildings.c.estate_id, buildings.c.id)
    return _page(conn, buildings, cond, stmt, offset, limit)


def list_homes(
    conn: Connection,
    *,
    building_id: int | None = None,
    street_code: str | None = None,
    status: str | None = None,
    scope: Scope,
    offset: int = 0,
    limit: int = 50,
) -> Page[shapes.Home]:
    cond = _unit_filters(homes, scope, homes.c.building_id, building_id, street_code, status)
    return _page(conn, homes, cond, select(homes).order_by(homes.c.id), offset, limit)


def _unit_filters(
    table: Table,
    scope: Scope,
    parent_col: ColumnElement[Any],
    parent_id: int | None,
    street_code: str | None,
    status: str | None,
) -> list[Any]:
    """The filters buildings and homes share: scope, parent (estate or building), street and status."""
    cond = scope.where(table.c.street_code)
    if parent_id is not None:
        cond.append(parent_col == parent_id)
    if street_code:
        cond.append(table.c.street_code == street_code)
    if status:
        cond.append(table.c.status == status)
    return cond


def changes_in_division(
    conn: Connection, code: str, start: date, end: date, *, scope: Scope, offset: int = 0, limit: int = 50
) -> Page[shapes.HomeChange]:
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
        streets_of = divisions.children(conn, code, "street", limit=10_000).items
        streets = [street.code for street in streets_of]
    if scope.streets is not None:
        streets = [s for s in streets if s in scope.streets]
    cond = and_(
        home_versions.c.street_code.in_(streets),
        home_versions.c.valid_from >= start,
        home_versions.c.valid_from <= end,
        home_versions.c.superseded_at.is_(None),
    )
    stmt = (
        select(
            home_versions.c.home_id,
            homes.c.house_code,
            home_versions.c.valid_from,
            home_versions.c.change_kind,
            home_versions.c.status,
            home_versions.c.address,
            home_versions.c.construction_area,
            home_versions.c.reason,
            home_versions.c.recorded_at,
        )
        .join(homes, homes.c.id == home_versions.c.home_id)
        .where(cond)
        .order_by(home_versions.c.valid_from, home_versions.c.home_id)
    )
    # counted without the join (it only adds the house code)
    count_stmt = select(home_versions.c.home_id).where(cond)
    return fetch_page(conn, stmt, offset=offset, limit=limit, row=_change, count_stmt=count_stmt)


def _change(row: Row[Any]) -> shapes.HomeChange:
    return cast(shapes.HomeChange, dict(row._mapping))


def _page(conn: Connection, table: Table, cond: list[Any], stmt: Select[Any], offset: int, limit: int) -> Page[Any]:
    """One page of a whole-table list (rows as dicts, typed by the caller); its total is :func:`count_rows`
    (an estimate for large whole tables)."""
    total = count_rows(conn, table, cond)
    rows = conn.execute(stmt.where(*cond).offset(offset).limit(limit)).mappings()
    return Page([dict(r) for r in rows], total)
