"""The street database's indicator provider (named by ``anju/indicators/data/streets.toml``): every
street indicator for every street, district (and functional zone) and the city, for the asked years,
in one pass — one query for the panel, one grouped query over the register, and a few grouped queries
a year for assistance, rental and land (:mod:`anju.streets.housing`), never one per street.

A district's or the city's base figure is the sum of its streets' (a functional zone's: of the streets
it manages); when a street lacks the figure the sum is not given: the value is None and the reason
names the figure and how many streets lack it. A ratio is None when its numerator or denominator is
missing (the reason says which) or the denominator is zero. Assisted persons are counted distinct per
area (the assistance context's coverage calibre), not summed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection

from anju import divisions
from anju.core.scope import Scope
from anju.indicators import Level, Measurement, dictionary, values
from anju.streets import housing, reads

HECTARE = Decimal(10_000)
HUNDRED = Decimal(100)

#: Base figures: Chinese names used in the reasons of missing values.
LABELS = {
    "resident": "常住人口",
    "registered": "户籍人口",
    "households": "户数",
    "age_15_59": "15–59 岁人口",
    "age_60_plus": "60 岁及以上人口",
    "homes": "住宅套数",
    "floor_area": "住宅建筑面积",
    "land_stock": "住宅用地存量",
    "land_supply": "住宅用地供应",
    "jobs": "就业岗位（从业人员）",
    "enterprises": "企业（法人单位）数",
    "rented": "备案租赁住房套数",
    "assisted": "享受住房保障的人数",
}
#: indicator code → (base figure, divisor)
BASES: dict[str, tuple[str, Decimal]] = {
    "population.resident": ("resident", Decimal(1)),
    "population.registered": ("registered", Decimal(1)),
    "population.households": ("households", Decimal(1)),
    "housing.homes": ("homes", Decimal(1)),
    "housing.floor_area": ("floor_area", Decimal(1)),
    "land.residential_stock": ("land_stock", HECTARE),
    "land.residential_supply": ("land_supply", HECTARE),
    "industry.jobs": ("jobs", Decimal(1)),
    "industry.enterprises": ("enterprises", Decimal(1)),
}
#: indicator code → (numerator, denominator, factor)
RATIOS: dict[str, tuple[str, str, Decimal]] = {
    "population.aged_60_share": ("age_60_plus", "resident", HUNDRED),
    "housing.floor_area_per_resident": ("floor_area", "resident", Decimal(1)),
    "housing.homes_per_household": ("homes", "households", Decimal(1)),
    "housing.assisted_coverage": ("assisted", "resident", HUNDRED),
    "housing.rental_share": ("rented", "homes", HUNDRED),
    "jobs_housing.ratio": ("jobs", "age_15_59", Decimal(1)),
}


@dataclass(frozen=True)
class Figure:
    value: Decimal | None
    missing: str | None = None


@dataclass(frozen=True)
class Area:
    level: Level
    code: str
    streets: tuple[str, ...]


def areas(conn: Connection) -> list[Area]:
    """Every street, district, functional zone and the city, with the streets each holds."""
    streets = divisions.by_level(conn, "street")
    out = [Area("street", s.code, (s.code,)) for s in streets]
    for level in ("district", "zone"):
        for d in divisions.by_level(conn, level):
            held = tuple(s.code for s in streets if d.code in (s.parent_code, s.managing_code))
            if held:
                out.append(Area("district", d.code, held))
    for c in divisions.by_level(conn, "city"):
        out.append(Area("city", c.code, tuple(s.code for s in streets)))
    return out


class _Inputs:
    """Everything read once for the asked years."""

    def __init__(self, conn: Connection, years: Sequence[int]) -> None:
        self.panel = reads.figures(conn, years)
        self.register = housing.residential(conn, years)
        self.rented = housing.rented_homes(conn, years)
        self.assisted = housing.assisted_persons(conn, years)
        self.market, self.market_years = housing.land_supply(conn, years)
        self.admin_districts = {d.code for d in divisions.by_level(conn, "district")}

    def street(self, name: str, street: str, year: int) -> Decimal | None:
        if name == "homes":
            return Decimal(self.register.get((street, year), (0, Decimal(0)))[0])
        if name == "floor_area":
            return self.register.get((street, year), (0, Decimal(0)))[1]
        if name == "rented":
            return Decimal(self.rented.get((street, year), 0))
        if name == "land_supply" and year in self.market_years:
            return self.market.get((street, year), Decimal(0))
        v = self.panel.get((street, year))
        got = None if v is None else getattr(v, name)
        return None if got is None else Decimal(got)

    def figure(self, name: str, area: Area, year: int) -> Figure:
        if name == "assisted":
            key = ("" if area.level == "city" else area.code, year)
            return Figure(Decimal(self.assisted.get(key, 0)))
        if name == "land_supply" and year in self.market_years and area.level != "street":
            return self._market_land(area, year)
        vals = [self.street(name, s, year) for s in area.streets]
        lacking = sum(1 for v in vals if v is None)
        if lacking:
            where = "该街道" if area.level == "street" else f" {lacking} 个街道"
            return Figure(None, f"缺少{where} {year} 年的{LABELS[name]}数据")
        return Figure(sum((v for v in vals if v is not None), Decimal(0)))

    def _market_land(self, area: Area, year: int) -> Figure:
        if area.level == "district" and area.code in self.admin_districts:
            return Figure(self.market.get((area.code, year), Decimal(0)))
        if area.level == "city":
            total = sum((v for (c, y), v in self.market.items() if y == year and c in self.admin_districts), Decimal(0))
            return Figure(total)
        return Figure(sum((self.market.get((s, year), Decimal(0)) for s in area.streets), Decimal(0)))


def _ratio(num: Figure, den: Figure, factor: Decimal, den_name: str) -> Figure:
    if num.value is None:
        return num
    if den.value is None:
        return den
    if den.value == 0:
        return Figure(None, f"{LABELS[den_name]}为 0，比值无意义")
    return Figure(num.value * factor / den.value)


def _measure(inputs: _Inputs, area: Area, year: int) -> Iterator[Measurement]:
    cache: dict[str, Figure] = {}

    def fig(name: str) -> Figure:
        if name not in cache:
            cache[name] = inputs.figure(name, area, year)
        return cache[name]

    for code, (name, divisor) in BASES.items():
        f = fig(name)
        yield Measurement(code, area.level, area.code, year, None if f.value is None else f.value / divisor, f.missing)
    for code, (num, den, factor) in RATIOS.items():
        f = _ratio(fig(num), fig(den), factor, den)
        yield Measurement(code, area.level, area.code, year, f.value, f.missing)


def provide(conn: Connection, years: Sequence[int]) -> Iterable[Measurement]:
    """Every street indicator, every area, every asked year."""
    inputs = _Inputs(conn, years)
    every = areas(conn)
    for y in years:
        for a in every:
            yield from _measure(inputs, a, y)


CODES = (*BASES, *RATIOS)


@dataclass(frozen=True)
class IndicatorValue:
    code: str
    name: str
    unit: str
    formula: str
    calibre: str
    source: str
    reference: str
    year: int
    value: Decimal | None
    missing: str | None


def indicator_values(conn: Connection, scope: Scope, code: str) -> list[IndicatorValue]:
    """A street's stored indicator values (every year), with their dictionary definitions, in the
    dictionary's order."""
    book = dictionary()
    order = {c: i for i, c in enumerate(CODES)}
    got = values(conn, scope, codes=list(CODES), level="street", areas=[code])
    out = []
    for v in sorted(got, key=lambda v: (order[v.code], v.year)):
        e = book[v.code]
        out.append(
            IndicatorValue(
                v.code, e.name, e.unit, e.formula, e.calibre, e.source, e.reference, v.year, v.value, v.missing
            )
        )
    return out
