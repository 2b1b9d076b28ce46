"""Read use cases of the divisions context."""

from __future__ import annotations

from typing import Any, TypedDict

from sqlalchemy import Connection, select

from anju.core import paging
from anju.core.errors import NotFound
from anju.divisions.domain import Division
from anju.divisions.tables import divisions

SUMMARY_COLS = (
    divisions.c.code,
    divisions.c.name,
    divisions.c.level,
    divisions.c.parent_code,
    divisions.c.managing_code,
    divisions.c.centroid_lon,
    divisions.c.centroid_lat,
    divisions.c.geometry_source,
    divisions.c.synthetic,
)


def _division(row: Any) -> Division:
    return Division(**row._mapping)


def get(conn: Connection, code: str) -> Division:
    row = conn.execute(select(*SUMMARY_COLS).where(divisions.c.code == code)).first()
    if row is None:
        raise NotFound(f"没有区划 {code}")
    return _division(row)


def exists(conn: Connection, code: str) -> bool:
    return conn.execute(select(divisions.c.code).where(divisions.c.code == code)).first() is not None


def geometry(conn: Connection, code: str) -> str | None:
    row = conn.execute(select(divisions.c.geometry).where(divisions.c.code == code)).first()
    if row is None:
        raise NotFound(f"没有区划 {code}")
    return str(row[0]) if row[0] is not None else None


def children(
    conn: Connection, code: str, level: str | None = None, *, offset: int = 0, limit: int = 1000
) -> paging.Page[Division]:
    """Direct children by legal parent, plus (for a zone) the streets it manages."""
    cond = (divisions.c.parent_code == code) | (divisions.c.managing_code == code)
    if level:
        cond = cond & (divisions.c.level == level)
    return paging.fetch_page(
        conn,
        select(*SUMMARY_COLS).where(cond).order_by(divisions.c.code),
        limit=limit,
        offset=offset,
        row=_division,
        count_stmt=select(divisions.c.code).where(cond),
    )


def by_level(conn: Connection, level: str) -> list[Division]:
    rows = conn.execute(select(*SUMMARY_COLS).where(divisions.c.level == level).order_by(divisions.c.code))
    return [_division(r) for r in rows]


def names(conn: Connection, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(select(divisions.c.code, divisions.c.name).where(divisions.c.code.in_(codes)))
    return {r[0]: r[1] for r in rows}


def street_geometries(conn: Connection) -> list[tuple[str, str, str]]:
    """(street code, district code, GeoJSON) of every street with a boundary."""
    rows = conn.execute(
        select(divisions.c.code, divisions.c.parent_code, divisions.c.geometry)
        .where(divisions.c.level == "street", divisions.c.geometry.is_not(None))
        .order_by(divisions.c.code)
    )
    return [(r[0], r[1], r[2]) for r in rows]


def ancestry(conn: Connection, code: str) -> list[Division]:
    """The division and its legal ancestors, city first."""
    out: list[Division] = []
    cur: str | None = code
    while cur:
        d = get(conn, cur)
        out.append(d)
        cur = d.parent_code
    return list(reversed(out))


class Choice(TypedDict):
    code: str
    name: str


class DistrictChoice(TypedDict):
    code: str
    name: str
    streets: list[Choice]


def choices(conn: Connection) -> list[DistrictChoice]:
    """Every district with its streets (by administrative parent), in code order: what a page offers
    as choices where a person picks a district or a street (never a code to type)."""
    rows = conn.execute(
        select(divisions.c.code, divisions.c.name, divisions.c.level, divisions.c.parent_code)
        .where(divisions.c.level.in_(("district", "street")))
        .order_by(divisions.c.code)
    ).all()
    out: dict[str, DistrictChoice] = {
        r.code: DistrictChoice(code=r.code, name=r.name, streets=[]) for r in rows if r.level == "district"
    }
    for r in rows:
        if r.level == "street" and r.parent_code in out:
            out[r.parent_code]["streets"].append(Choice(code=r.code, name=r.name))
    return list(out.values())
