"""Look-up of the register by house code (full or prefix) or by address text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

from sqlalchemy import Connection, select

from anju.core import dialect
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import domain, shapes
from anju.registry.lists import BUILDING_LIST_COLS
from anju.registry.tables import buildings, homes


def search(conn: Connection, query: str, *, scope: Scope, limit: int = 20) -> shapes.SearchResult:
    """Search by house code (full or prefix) or by address text; returns buildings and homes."""
    q = query.strip().replace(" ", "").replace("\u3000", "")
    q = q.translate(domain.FULLWIDTH)
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
        return _result("house_code", rows, blds)
    base, unit, room = domain.split_home_part(q)
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
    return _result("address", home_rows, blds)


def _result(
    kind: Literal["house_code", "address"], homes_found: Sequence[Any], buildings_found: Sequence[Any]
) -> shapes.SearchResult:
    return shapes.SearchResult(
        kind=kind,
        homes=[cast(shapes.Home, dict(r)) for r in homes_found],
        buildings=[cast(shapes.BuildingSummary, dict(b)) for b in buildings_found],
    )
