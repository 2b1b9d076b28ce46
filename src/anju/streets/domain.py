"""The street database's terms (人—地—房—产业街道数据库, issue 24): the yearly panel row of one street
(population, land, industry by sector), the columns of its load format, the sector list (data), and the
labels shown with synthetic data.

A panel row is *versioned*: the key is (street, year, source); a delivery whose values for a key differ
from the current version records a new version (``recorded_at``) and closes the old one
(``superseded_at``) — a correction never overwrites. Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Literal

SYNTHETIC_LABEL = "合成数据：人口、用地和产业数据为按南京公开总量合成的示例，不是统计部门的数据。"
#: The source name of the synthetic panel (a loaded file names its own source, e.g. 市统计局).
SYNTHETIC_SOURCE = "合成"
#: The first year of the panel (the plan's period begins in 2021; 2020 is its base year, 七普).
FIRST_YEAR = 2020
LAST_YEAR = 2100
#: The largest count a cell may give (a street of more than ten million people is a typing error).
MAX_COUNT = 10_000_000
#: The largest land area a cell may give, m² (100 km²).
MAX_AREA = Decimal(100_000_000)
CENT = Decimal("0.01")

Kind = Literal["int", "area"]


@dataclass(frozen=True)
class Sector:
    code: str
    name: str
    gbt4754: str
    share: float
    jobs_per_enterprise: int


@cache
def sectors() -> tuple[Sector, ...]:
    """The sector list (``data/sectors.toml``), in file order."""
    raw = tomllib.loads((Path(__file__).parent / "data" / "sectors.toml").read_text("utf-8"))
    out = tuple(
        Sector(s["code"], s["name"], s["gbt4754"], float(s["share"]), int(s["jobs_per_enterprise"]))
        for s in raw["sector"]
    )
    if abs(sum(s.share for s in out) - 1) > 1e-9 or len({s.code for s in out}) != len(out):
        raise ValueError("sectors.toml: 各行业 share 之和应为 1，代码不得重复")
    return out


@dataclass(frozen=True)
class Column:
    """One column of the load format: its stored name, the Chinese header, its kind, whether a value is
    required."""

    name: str
    header: str
    kind: Kind
    required: bool = False
    description: str = ""


#: The fixed columns (after 街道代码; 街道名称 is optional and checked against the division's name).
BASE_COLUMNS: tuple[Column, ...] = (
    Column("resident", "常住人口", "int", True, "年末常住人口（人）"),
    Column("registered", "户籍人口", "int", False, "年末户籍人口（人）"),
    Column("households", "户数", "int", True, "常住户数（户，家庭户与集体户）"),
    Column("age_0_14", "0-14岁", "int", False, "常住人口中 0–14 岁（人）"),
    Column("age_15_59", "15-59岁", "int", False, "常住人口中 15–59 岁（人）"),
    Column("age_60_plus", "60岁及以上", "int", False, "常住人口中 60 岁及以上（人）"),
    Column("land_stock", "住宅用地存量(平方米)", "area", False, "年末住宅用地（含商住）存量，平方米"),
    Column("land_supply", "住宅用地供应(平方米)", "area", False, "当年住宅用地（含商住、租赁住房用地）供应，平方米"),
)
AGE_COLUMNS = ("age_0_14", "age_15_59", "age_60_plus")
STREET_HEADER = "街道代码"
NAME_HEADER = "街道名称"


def sector_columns() -> tuple[Column, ...]:
    """Two columns per sector: jobs (``jobs:<code>``) and enterprises (``enterprises:<code>``)."""
    out: list[Column] = []
    for s in sectors():
        out.append(Column(f"jobs:{s.code}", f"{s.name}从业人员", "int", False, f"{s.name}从业人员（人，年末）"))
        out.append(Column(f"enterprises:{s.code}", f"{s.name}企业数", "int", False, f"{s.name}法人单位数（个）"))
    return tuple(out)


def columns() -> tuple[Column, ...]:
    return BASE_COLUMNS + sector_columns()


def header() -> list[str]:
    """The header of the load format (and of the export), in order."""
    return [STREET_HEADER, NAME_HEADER, *(c.header for c in columns())]


@dataclass(frozen=True)
class SectorFigures:
    jobs: int | None
    enterprises: int | None


@dataclass(frozen=True)
class PanelRow:
    """One street's figures for one year from one source (a checked row of a file)."""

    street_code: str
    resident: int | None = None
    registered: int | None = None
    households: int | None = None
    age_0_14: int | None = None
    age_15_59: int | None = None
    age_60_plus: int | None = None
    land_stock: Decimal | None = None  # m², 2 places
    land_supply: Decimal | None = None
    #: sector code → figures (every sector of the list, values None when the file leaves them empty)
    industry: dict[str, SectorFigures] = field(default_factory=dict)

    @property
    def jobs(self) -> int | None:
        """Jobs of every sector, or None when a sector's jobs are not given."""
        vals = [f.jobs for f in self.industry.values()]
        return None if not vals or any(v is None for v in vals) else sum(v for v in vals if v is not None)

    @property
    def enterprises(self) -> int | None:
        vals = [f.enterprises for f in self.industry.values()]
        return None if not vals or any(v is None for v in vals) else sum(v for v in vals if v is not None)

    def same_as(self, other: PanelRow) -> bool:
        return self == other
