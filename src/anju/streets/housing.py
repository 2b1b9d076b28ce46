"""The figures the street database takes from the other contexts, set-wise (one grouped query per
figure and year, never one per street), through their public APIs:

- the register: residential homes and their floor area per street, by the year their building was
  completed (one grouped query for every year at once);
- assistance: persons with a benefit current at the year's end, per street, district and city (its
  coverage calibre, docs/assistance.md "Figures");
- rental: homes under a filed lease in force at the year's end, per street;
- market: residential land transferred in the year (site area), per street and district.

Calibres are in docs/streets.md and in each indicator's dictionary entry.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, case, distinct, extract, func, or_, select

from anju import assistance, divisions, market, registry, rental

#: Residential homes (住宅, 商住) that exist: completed (现房) or in use (使用).
RESIDENTIAL_USES = (registry.Use.residential.value, registry.Use.mixed.value)
EXISTING = (registry.Status.completed.value, registry.Status.in_use.value)


def year_end(year: int) -> date:
    return date(year, 12, 31)


def residential(conn: Connection, years: Sequence[int]) -> dict[tuple[str, int], tuple[int, Decimal]]:
    """(street, year) → (homes, floor area m²) of the residential homes existing now whose building was
    completed by the year (a building without a completion year counts in every year), in the building's
    street. Two queries: the homes grouped by building (one pass, no join: on SQLite a third of the time
    of the grouped join), and every building's street and completion year."""
    h, b = registry.homes.c, registry.buildings.c
    per_building = select(h.building_id, func.count(), func.sum(h.construction_area)).where(
        h.use.in_(RESIDENTIAL_USES), h.status.in_(EXISTING)
    )
    where = {int(i): (str(s), y) for i, s, y in conn.execute(select(b.id, b.street_code, b.year_built))}
    counts: dict[tuple[str, int | None], int] = defaultdict(int)
    areas: dict[tuple[str, int | None], Decimal] = defaultdict(Decimal)
    for bid, n, area in conn.execute(per_building.group_by(h.building_id)):
        key = where[int(bid)]
        counts[key] += int(n)
        areas[key] += area or Decimal(0)
    parts: dict[str, list[tuple[int | None, int, Decimal]]] = defaultdict(list)
    for (street, built), n in counts.items():
        parts[street].append((built, n, areas[(street, built)]))
    out: dict[tuple[str, int], tuple[int, Decimal]] = {}
    for street, got_parts in parts.items():
        for y in years:
            counted = [p for p in got_parts if p[0] is None or p[0] <= y]
            out[(street, y)] = (sum(p[1] for p in counted), sum((p[2] for p in counted), Decimal(0)))
    return out


def _per_year(
    conn: Connection, key: Any, counted: Any, years: Sequence[int], cond: Any, **q: Any
) -> Iterator[tuple[str, int, int]]:
    """(key, year, n) of ``count(DISTINCT counted)`` where ``cond(year)`` holds, for every year in one
    pass (one ``CASE`` column per year), grouped by ``key`` (None: the whole table)."""
    cols = [func.count(distinct(case((cond(y), counted)))) for y in years]
    stmt = select(*([key] if key is not None else []), *cols).select_from(q["source"]).where(*q.get("where", ()))
    if key is not None:
        stmt = stmt.where(key.is_not(None)).group_by(key)
    for row in conn.execute(stmt):
        code, counts = (row[0], row[1:]) if key is not None else ("", row)
        for y, n in zip(years, counts, strict=True):
            yield str(code), y, int(n or 0)


def assisted_persons(conn: Connection, years: Sequence[int]) -> dict[tuple[str, int], int]:
    """(area code, year) → persons (distinct ID index) with a benefit current on 31 December, by the
    application's street, district, zone and the city ("" ): distinct counts per level, so a person
    counts once in a district even with benefits in two of its streets. Four grouped queries (one pass
    each for every year)."""
    ben, app = assistance.benefits.c, assistance.applications.c
    dv = divisions.divisions_table.c
    joined = assistance.benefits.join(assistance.applications, assistance.applications.c.id == ben.application_id)
    with_div = joined.join(divisions.divisions_table, dv.code == app.street_code)
    first = year_end(min(years))
    live = [or_(ben.until.is_(None), ben.until > first), ben.since <= year_end(max(years))]

    def cond(y: int) -> Any:
        return assistance.current_benefit(year_end(y))

    out: dict[tuple[str, int], int] = {}
    for key, source in (
        (app.street_code, joined),
        (dv.parent_code, with_div),
        (dv.managing_code, with_div),
        (None, joined),
    ):
        for code, y, n in _per_year(conn, key, ben.id_bidx, years, cond, source=source, where=live):
            out[(code, y)] = n
    return out


def rented_homes(conn: Connection, years: Sequence[int]) -> dict[tuple[str, int], int]:
    """(street, year) → homes with a filed lease (备案) in force on 31 December (its term covering the
    day and not ended early). One grouped query (a pass over the leases for every year)."""
    lc = rental.rental_leases.c

    def cond(y: int) -> Any:
        end = year_end(y)
        return and_(lc.start_on <= end, lc.end_on >= end, or_(lc.ended_on.is_(None), lc.ended_on > end))

    live = [lc.filed_at.is_not(None), lc.end_on >= year_end(min(years)), lc.start_on <= year_end(max(years))]
    return {
        (code, y): n
        for code, y, n in _per_year(
            conn, lc.street_code, lc.home_id, years, cond, source=rental.rental_leases, where=live
        )
    }


def land_supply(conn: Connection, years: Sequence[int]) -> tuple[dict[tuple[str, int], Decimal], set[int]]:
    """(street or district code, year) → residential land transferred (site area m², 住宅、商住混合和
    租赁住房用地) per the market's land-transfer feed, and the years the feed has any transfer in (for
    other years the panel's loaded supply is used). Two grouped queries."""
    t = market.market_land_transfers.c
    yr = extract("year", t.transferred_on)
    uses = ("residential", "mixed", "rental")
    out: dict[tuple[str, int], Decimal] = {}
    covered = {int(y) for (y,) in conn.execute(select(yr).where(yr.in_(list(years))).group_by(yr))}
    for col in (t.street_code, t.district_code):
        q = select(col, yr, func.sum(t.site_area)).where(t.land_use.in_(uses), yr.in_(list(years)), col.is_not(None))
        for code, y, area in conn.execute(q.group_by(col, yr)):
            out[(code, int(y))] = out.get((code, int(y)), Decimal(0)) + (area or Decimal(0))
    return out, covered
