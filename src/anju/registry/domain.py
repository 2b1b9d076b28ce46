"""The 楼盘表 domain: vocabularies, the life-cycle state machine and house codes.

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from stdnum.iso7064 import mod_11_2


class Use(StrEnum):
    residential = "住宅"
    commercial = "商业"
    office = "办公"
    industrial = "工业"
    warehouse = "仓储"
    mixed = "商住"
    public = "公共服务"
    parking = "车库"
    other = "其他"


class Structure(StrEnum):
    steel = "钢结构"
    steel_concrete = "钢筋混凝土"
    masonry_concrete = "砖混"
    masonry_wood = "砖木"
    other = "其他"


class Status(StrEnum):
    """Life-cycle status of a building or home (楼盘表 状态)."""

    planned = "规划"
    under_construction = "在建"
    suspended = "停建"
    presale = "预售"
    completed = "现房"
    in_use = "使用"
    retired = "注销"  # the home ceased to exist as a unit through a split or merge (分户/合户)
    demolished = "拆除"


#: Legal transitions of the life cycle. Everything not listed is refused.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.planned: frozenset({Status.under_construction, Status.demolished}),
    Status.under_construction: frozenset({Status.suspended, Status.presale, Status.completed}),
    Status.suspended: frozenset({Status.under_construction, Status.demolished}),
    Status.presale: frozenset({Status.completed, Status.suspended}),
    Status.completed: frozenset({Status.in_use, Status.demolished, Status.retired}),
    Status.in_use: frozenset({Status.demolished, Status.retired}),
    Status.retired: frozenset(),
    Status.demolished: frozenset(),
}

#: States that mean the thing physically exists (a completion year in the future is absurd).
BUILT = frozenset({Status.completed, Status.in_use})
#: States from which a unit cannot change any more.
TERMINAL = frozenset({Status.retired, Status.demolished})

ORIENTATIONS = ("南", "北", "东", "西", "南北", "东南", "西南", "东北", "西北", "东西")

AREA_MAX = Decimal("100000")  # m²; a single home above this is absurd
YEAR_MIN = 1800


def can_transition(old: Status, new: Status) -> bool:
    return old == new or new in TRANSITIONS[old]


E = TypeVar("E", bound=StrEnum)


def _parse_label(kind: type[E], what: str, value: str) -> E:
    """A vocabulary term by its Chinese label or its English name."""
    v = value.strip()
    for term in kind:
        if v in (term.value, term.name):
            return term
    raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(t.value for t in kind)}")


def parse_status(value: str) -> Status:
    return _parse_label(Status, "status", value)


def parse_use(value: str) -> Use:
    return _parse_label(Use, "use", value)


def parse_structure(value: str) -> Structure:
    return _parse_label(Structure, "structure", value)


def parse_area(value: str | Decimal | int | float, *, field: str = "area") -> Decimal:
    """An area in m² as an exact decimal with at most two places, positive and not absurd."""
    try:
        d = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{field}: {value!r} is not a number") from None
    if not d.is_finite():
        raise ValueError(f"{field}: {value!r} is not a finite number")
    if d <= 0:
        raise ValueError(f"{field}: must be greater than 0 m², got {d}")
    if d > AREA_MAX:
        raise ValueError(f"{field}: {d} m² is absurd (more than {AREA_MAX} m²)")
    if d != d.quantize(Decimal("0.01")):
        raise ValueError(f"{field}: at most two decimal places, got {d}")
    return d.quantize(Decimal("0.01"))


def check_year_built(year: int | None, status: Status, today: date) -> None:
    if year is None:
        return
    if year < YEAR_MIN:
        raise ValueError(f"year {year} is before {YEAR_MIN}")
    if status in BUILT and year > today.year:
        raise ValueError(f"year built {year} is in the future but status is {status.value}")
    if year > today.year + 10:
        raise ValueError(f"year built {year} is too far in the future")


# ---------------------------------------------------------------------------------------------
# House codes (房屋代码), after the structure of JGJ/T 246-2012:
#
#   SSSSSSSSS YYYY BBBB HHHHH C
#   9-digit street division code (GB/T 2260 county code + 3-digit street)
#   4-digit segment: the year the building was completed (or first registered, if not yet built)
#   4-digit building sequence within street and segment (0001-9999)
#   5-digit home sequence within the building; 00000 is the building itself
#   1 check character over the 22 digits: ISO 7064 MOD 11-2 (digits 0-9 or X)
#
# The printed standard's check table is unconfirmed; the algorithm is pluggable (CHECKERS).
# ---------------------------------------------------------------------------------------------

HOUSE_CODE_RE = re.compile(r"^\d{22}[0-9X]$")


def _iso7064(body: str) -> str:
    return str(mod_11_2.calc_check_digit(body))


CHECKERS = {"iso7064-mod11-2": _iso7064}

# ISO 7064 MOD 11-2 is a weighted sum: checksum(b) = Σ d_i · 2^(n-1-i) mod 11, check = (1 - 2·checksum) mod 11
# (10 → X). Bulk paths compute the building prefix once and add each home's five digits; a test checks
# this against python-stdnum on random codes.
_W = [pow(2, 22 - 1 - i, 11) for i in range(22)]
_CHECK_CHARS = "0123456789X"


def prefix_checksum(prefix17: str) -> int:
    return sum(int(c) * w for c, w in zip(prefix17, _W, strict=False)) % 11


def fast_check(prefix_sum: int, home_seq: int) -> str:
    """Check character of a 22-digit body, given the checksum of its first 17 digits."""
    s = prefix_sum
    for i, c in enumerate(f"{home_seq:05d}"):
        s += int(c) * _W[17 + i]
    return _CHECK_CHARS[(1 - 2 * s) % 11]


@dataclass(frozen=True)
class HouseCode:
    street_code: str
    segment: int
    building_seq: int
    home_seq: int

    def body(self) -> str:
        return f"{self.street_code}{self.segment:04d}{self.building_seq:04d}{self.home_seq:05d}"

    def render(self, checker: str = "iso7064-mod11-2") -> str:
        b = self.body()
        return b + CHECKERS[checker](b)

    @property
    def is_building(self) -> bool:
        return self.home_seq == 0

    def building(self) -> HouseCode:
        return HouseCode(self.street_code, self.segment, self.building_seq, 0)


def make_house_code(street_code: str, segment: int, building_seq: int, home_seq: int) -> str:
    if not re.fullmatch(r"\d{9}", street_code):
        raise ValueError(f"street code {street_code!r} must be 9 digits")
    if not 0 <= segment <= 9999:
        raise ValueError(f"segment {segment} out of range")
    if not 1 <= building_seq <= 9999:
        raise ValueError(f"building sequence {building_seq} out of range 1..9999")
    if not 0 <= home_seq <= 99999:
        raise ValueError(f"home sequence {home_seq} out of range 0..99999")
    return HouseCode(street_code, segment, building_seq, home_seq).render()


def parse_house_code(code: str, checker: str = "iso7064-mod11-2") -> HouseCode:
    c = code.strip().upper()
    if not HOUSE_CODE_RE.match(c):
        raise ValueError("house code must be 22 digits and a check character (0-9 or X), 23 in all")
    expected = CHECKERS[checker](c[:22])
    if c[22] != expected:
        raise ValueError(f"house code check character is {c[22]}, expected {expected}")
    return HouseCode(c[:9], int(c[9:13]), int(c[13:17]), int(c[17:22]))


def is_valid_house_code(code: str) -> bool:
    try:
        parse_house_code(code)
    except ValueError:
        return False
    return True


def estate_address(city_name: str, district_name: str, road: str, door_no: str) -> str:
    return f"{city_name}{district_name}{road}{door_no}号"


def building_address(estate_addr: str, estate_name: str, building_no: str) -> str:
    return f"{estate_addr}{estate_name}{building_no}幢"


def home_address(building_address: str, unit_no: str | None, room_no: str) -> str:
    unit = f"{unit_no}单元" if unit_no else ""
    return f"{building_address}{unit}{room_no}室"


# ------------------------------------------------------------------------------------------------
# search queries
# ------------------------------------------------------------------------------------------------

FULLWIDTH = str.maketrans({chr(0xFF10 + i): str(i) for i in range(10)} | {"－": "-", "＃": "#"})


def split_home_part(q: str) -> tuple[str, str | None, str | None]:
    """'…3幢2单元502室' → ('…3幢', '2', '502'); '…3幢502' → ('…3幢', None, '502')."""
    m = re.search(r"(?:(\d+)单元)?(\d+)(?:室|号房)?$", q)
    if m and ("幢" in q[: m.start()] or "单元" in m.group(0) or q.endswith("室")):
        return q[: m.start()], m.group(1), m.group(2)
    return q, None, None


# ------------------------------------------------------------------------------------------------
# imports: sources, modes, job statuses, and the fields merged from the sources
# ------------------------------------------------------------------------------------------------

#: Sources a file can come from, with their Chinese names (the ``source`` of an import).
IMPORT_SOURCES: dict[str, str] = {
    "presale": "预售",
    "survey": "测绘",
    "registration": "登记",
    "rental": "租赁",
    "manual": "手工",
}
IMPORT_MODES: dict[str, str] = {"all_or_nothing": "全部或全不", "good_rows": "只导入正确的行"}
IMPORT_JOB_STATUS: dict[str, str] = {
    "loaded": "已导入",
    "partial": "部分导入",
    "unchanged": "无变化",
    "rejected": "已拒绝",
    "running": "进行中",
}
#: Fields whose register value is merged from the sources (the fields ``source_rules`` may name).
MERGED = (
    "use",
    "status",
    "construction_area",
    "inner_area",
    "rooms",
    "halls",
    "orientation",
    "floor_label",
    "property_unit_code",
)
AREA_FIELDS = frozenset({"construction_area", "inner_area"})
