"""Look-up of the district and street a row names (codes or names), against the divisions held in memory."""

from __future__ import annotations

from sqlalchemy import Connection, select

from anju.divisions import divisions_table
from anju.registry.imports.cells import Bad


class StreetLookup:
    """The city's districts, zones and streets, held in memory (a few hundred rows)."""

    def __init__(self, conn: Connection) -> None:
        rows = conn.execute(
            select(
                divisions_table.c.code,
                divisions_table.c.name,
                divisions_table.c.level,
                divisions_table.c.parent_code,
                divisions_table.c.managing_code,
            ).where(divisions_table.c.level.in_(("city", "district", "zone", "street")))
        ).all()
        self.rows = {r[0]: r for r in rows}
        self.district_by_name = {r[1]: r[0] for r in rows if r[2] in ("district", "zone")}
        self.street_by_name: dict[str, list[str]] = {}
        for r in rows:
            if r[2] == "street":
                self.street_by_name.setdefault(r[1], []).append(r[0])
        self.cache: dict[tuple[str, str], str] = {}

    def name(self, code: str) -> str:
        r = self.rows.get(code)
        return str(r[1]) if r else ""

    def street(self, district_raw: str, street_raw: str) -> str:
        """The street code a row's district and street cells name (codes or names); cached."""
        key = (district_raw, street_raw)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        district = self._district(district_raw) if district_raw else None
        if not street_raw:
            raise Bad("street", "不能为空")
        code = self._street_code(street_raw) if street_raw.isdigit() else self._street_named(street_raw, district)
        if district is None:
            if not street_raw.isdigit():
                raise Bad("district", "不能为空（或在街道列填写 9 位街道代码）")
        elif district not in (self.rows[code][3], self.rows[code][4]):
            raise Bad("street", f"街道 {street_raw} 不属于 {self.name(district)}（{district}）")
        self.cache[key] = code
        return code

    def _district(self, district_raw: str) -> str:
        """The district (or zone) a district cell names by code or name."""
        if district_raw.isdigit():
            r = self.rows.get(district_raw)
            if r is None or r[2] not in ("district", "zone"):
                raise Bad("district", f"未知的区划代码 {district_raw}")
            return district_raw
        district = self.district_by_name.get(district_raw)
        if district is None:
            raise Bad("district", f"未知的区（县）名称「{district_raw}」")
        return str(district)

    def _street_code(self, street_raw: str) -> str:
        r = self.rows.get(street_raw)
        if r is None or r[2] != "street":
            raise Bad("street", f"未知的街道代码 {street_raw}")
        return street_raw

    def _street_named(self, street_raw: str, district: str | None) -> str:
        """The one street of that name (within the district, when given)."""
        codes = self.street_by_name.get(street_raw, [])
        if district:
            codes = [c for c in codes if district in (self.rows[c][3], self.rows[c][4])]
        if not codes:
            where = f"{self.name(district)}内" if district else ""
            raise Bad("street", f"{where}没有名为「{street_raw}」的街道")
        if len(codes) > 1:
            raise Bad("street", f"街道名称「{street_raw}」不唯一，请填写区或街道代码")
        return codes[0]
