"""Reading records the parser left unplaced again, with what the register knows (issue 26).

Used by :func:`anju.addresses.linkage.link` before Splink, on Arrow tables of the components
(``linkage.SCHEMA``), so it does not depend on the backend.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from anju.addresses.gazetteer import gazetteer
from anju.addresses.parser import estate_columns, estate_key


def _distinct(register: pa.Table, cols: list[str]) -> set[tuple[Any, ...]]:
    t = register.select(cols).group_by(cols).aggregate([])
    return set(zip(*(t.column(c).to_pylist() for c in cols), strict=True))


def reread(records: pa.Table, register: pa.Table, city_code: str = "320100") -> pa.Table:
    """Records' components read again with what the register knows (issue 26), as a clerk would:

    * a road name the register does not have, ending with one it has at the record's door number
      (朝阳龙蟠大道61号 where 龙蟠大道61号 is a register estate's door): the rest before it is the estate
      written first without its generic word (朝阳), when no estate was read;
    * a district's short name at the start of such a rest, or of an estate name the register does not
      have (浦口雨花公寓, no district read), when the rest is the name of an estate of that district (or
      the road and door are one of its doors): that district and the rest.

    Only rows the parser left unplaced change (no district, or an unknown road); the register's
    distinct names come from Arrow group-bys, so the cost does not grow with the register's homes."""
    if records.num_rows == 0 or register.num_rows == 0:
        return records
    cols = {name: records.column(name).combine_chunks() for name in records.column_names}
    roads = pc.unique(register.column("road").drop_null())
    names = pc.unique(register.column("estate").drop_null())
    unknown_road = pc.and_(pc.is_valid(cols["road"]), pc.invert(pc.is_in(cols["road"], roads)))
    unknown_estate = pc.and_(
        pc.and_(pc.is_null(cols["district"]), pc.is_valid(cols["estate"])),
        pc.invert(pc.is_in(cols["estate"], names)),
    )
    mask = pc.fill_null(pc.or_(unknown_road, unknown_estate), False)
    if not pc.any(mask).as_py():
        return records
    reader = _Rereader(register, set(roads.to_pylist()), set(names.to_pylist()), city_code)
    rows = pa.table(cols).filter(mask).select(["district", "road", "door", "estate"]).to_pylist()
    for r in rows:
        reader.row(r)
    parts = [estate_columns(r["estate"]) for r in rows]
    new = {
        "district": [r["district"] for r in rows],
        "road": [r["road"] for r in rows],
        "estate": [r["estate"] for r in rows],
        "estate_py": [p[0] for p in parts],
        "estate_head": [p[1] for p in parts],
        "estate_rest": [p[2] for p in parts],
    }
    for name, values in new.items():
        cols[name] = pc.replace_with_mask(cols[name], mask, pa.array(values, pa.string()))
    return pa.table(cols, schema=records.schema)


class _Rereader:
    """What :func:`reread` needs of the register: its distinct roads, doors and estate names."""

    def __init__(self, register: pa.Table, roads: set[str], names: set[str], city_code: str) -> None:
        self.roads, self.names = roads, names
        self.road_doors = _distinct(register, ["road", "door"])
        self.district_doors = _distinct(register, ["district", "road", "door"])
        self.district_names = _distinct(register, ["district", "estate"])
        self.short = sorted(gazetteer(city_code).district_short.items(), key=lambda kv: -len(kv[0]))
        self.ends = sorted(roads, key=len, reverse=True)

    def row(self, r: dict[str, Any]) -> None:
        """Changes the row (district, road, door, estate) in place."""
        rest: str | None = None
        road, door = r["road"], r["door"]
        if road is not None and road not in self.roads and door is not None:
            rest = self._split_road(r, road, door)
        if rest is None and r["road"] is None and r["estate"] is not None and r["estate"] not in self.names:
            rest = r["estate"]
        if rest is not None and r["district"] is None:
            rest = self._district_first(r, rest, door)
        if rest is not None and r["estate"] is None and len(rest) >= 2:
            r["estate"] = estate_key(rest)

    def _split_road(self, r: dict[str, Any], road: str, door: str) -> str | None:
        for end in self.ends:
            if len(end) < len(road) - 1 and road.endswith(end) and (end, door) in self.road_doors:
                if r["district"] is None or (r["district"], end, door) in self.district_doors:
                    r["road"] = end
                    return road[: -len(end)]
                return None
        return None

    def _district_first(self, r: dict[str, Any], rest: str, door: str | None) -> str:
        for name, code in self.short:
            tail = rest[len(name) :]
            if rest.startswith(name) and len(tail) >= 2:
                if (code, tail) in self.district_names or (code, r["road"], door) in self.district_doors:
                    r["district"] = code
                    if r["estate"] is not None:
                        r["estate"] = estate_key(tail)
                    return tail
                break
        return rest
