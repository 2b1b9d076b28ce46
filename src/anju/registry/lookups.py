"""Look-up of the register by house code (full or prefix) or by address text."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from anju.core import dialect
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import domain
from anju.registry.lists import BUILDING_LIST_COLS
from anju.registry.tables import buildings, homes


def search(conn: Connection, query: str, *, scope: Scope, limit: int = 20) -> dict[str, Any]:
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
        return {"kind": "house_code", "homes": [dict(r) for r in rows], "buildings": [dict(b) for b in blds]}
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
    return {"kind": "address", "homes": [dict(r) for r in home_rows], "buildings": [dict(b) for b in blds]}
