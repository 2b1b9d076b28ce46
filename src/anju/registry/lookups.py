"""Look-up of the register by house code (full or prefix) or by address text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

from sqlalchemy import Connection, func, select

from anju.core import dialect
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.registry import domain, shapes
from anju.registry.lists import BUILDING_LIST_COLS
from anju.registry.tables import buildings, homes

#: An address search ranks at most this many buildings; beyond it the answer says to narrow the query.
ADDRESS_CAP = 200


def search(conn: Connection, query: str, *, scope: Scope, limit: int = 20, offset: int = 0) -> shapes.SearchResult:
    """Search by house code (full or prefix) or by address text; returns one page of the buildings
    (``offset``/``limit``) with their total, and the homes (at most ``limit``) with theirs."""
    q = query.strip().replace(" ", "").replace("\u3000", "")
    q = q.translate(domain.FULLWIDTH)
    if not q:
        raise ValidationError.of("q", "请输入房屋代码或地址")
    if len(q) > 100:
        raise ValidationError.of("q", "查询内容过长")
    if q[:9].isdigit() and len(q) >= 9:
        code = q.upper()
        home_cond = [homes.c.house_code >= code, homes.c.house_code < code + "Z", *scope.where(homes.c.street_code)]
        bld_cond = [
            buildings.c.house_code >= code,
            buildings.c.house_code < code + "Z",
            *scope.where(buildings.c.street_code),
        ]
        rows = conn.execute(select(homes).where(*home_cond).order_by(homes.c.house_code).limit(limit)).mappings().all()
        blds = (
            conn.execute(
                select(*BUILDING_LIST_COLS)
                .where(*bld_cond)
                .order_by(buildings.c.house_code)
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
        n_homes = int(conn.execute(select(func.count()).select_from(homes).where(*home_cond)).scalar_one())
        n_blds = int(conn.execute(select(func.count()).select_from(buildings).where(*bld_cond)).scalar_one())
        return _result("house_code", rows, blds, n_homes, n_blds, capped=False)
    base, unit, room = domain.split_home_part(q)
    streets = None if scope.streets is None else sorted(scope.streets)
    ids = dialect.search_building_ids(conn, base, limit=ADDRESS_CAP, streets=streets) if base else []
    page_ids = ids[offset : offset + limit]
    rank = {bid: i for i, bid in enumerate(page_ids)}
    blds = sorted(
        conn.execute(select(*BUILDING_LIST_COLS).where(buildings.c.id.in_(page_ids))).mappings().all(),
        key=lambda b: rank[b["id"]],
    )
    home_rows: list[Any] = []
    if ids and room:
        cond = [homes.c.building_id.in_(ids), homes.c.room_no == room]
        if unit:
            cond.append(homes.c.unit_no == unit)
        home_rows = list(conn.execute(select(homes).where(*cond).order_by(homes.c.id).limit(limit)).mappings())
    n_homes = len(home_rows)
    if ids and room and n_homes == limit:
        n_homes = int(conn.execute(select(func.count()).select_from(homes).where(*cond)).scalar_one())
    return _result("address", home_rows, blds, n_homes, len(ids), capped=len(ids) >= ADDRESS_CAP)


def _result(
    kind: Literal["house_code", "address"],
    homes_found: Sequence[Any],
    buildings_found: Sequence[Any],
    homes_total: int,
    buildings_total: int,
    *,
    capped: bool,
) -> shapes.SearchResult:
    return shapes.SearchResult(
        kind=kind,
        homes=[cast(shapes.Home, dict(r)) for r in homes_found],
        buildings=[cast(shapes.BuildingSummary, dict(b)) for b in buildings_found],
        homes_total=homes_total,
        buildings_total=buildings_total,
        capped=capped,
    )
