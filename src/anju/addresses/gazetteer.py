"""Reference names the parser standardises against: the city's divisions and its aliases.

Built from the divisions data folder (``divisions/data/<city>/``) and the address aliases beside
this module (``addresses/data/<city>/aliases.toml``), so parsing needs no database. Nothing here is
Nanjing-specific: another city ships its two folders.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from pypinyin import lazy_pinyin

from anju.divisions import read_city_spec

DATA = Path(__file__).parent / "data"


def pinyin_key(text: str) -> str:
    """Toneless pinyin of a name: homophones (翠屏/翠平, 建邺/建业) share a key."""
    return "".join(lazy_pinyin(text))


@dataclass(frozen=True)
class Street:
    code: str
    name: str
    district_code: str


@dataclass
class Gazetteer:
    province: str
    province_short: str
    city_code: str
    city_name: str
    district_names: dict[str, str]  # code → standard name
    districts: dict[str, str] = field(default_factory=dict)  # any accepted name → code
    former_districts: dict[str, str] = field(default_factory=dict)  # former name → code
    district_by_pinyin: dict[str, str] = field(default_factory=dict)
    zones: dict[str, tuple[str, ...]] = field(default_factory=dict)  # zone name → district codes
    streets: dict[str, Street] = field(default_factory=dict)  # street name → street
    roads: dict[str, str] = field(default_factory=dict)  # former road name → current
    admin_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    street_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    road_alias_re: re.Pattern[str] | None = None

    @property
    def city_short(self) -> str:
        return self.city_name.removesuffix("市")


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# Province of a city by the first two digits of its code (GB/T 2260); extend when a city needs it.
PROVINCES = {"32": ("江苏省", "江苏"), "11": ("北京市", "北京"), "31": ("上海市", "上海"), "33": ("浙江省", "浙江")}


@cache
def gazetteer(city_code: str = "320100") -> Gazetteer:
    spec = read_city_spec(city_code)
    province, province_short = PROVINCES.get(city_code[:2], ("", ""))
    g = Gazetteer(province, province_short, spec.code, spec.name, {c: n for c, n, _ in spec.districts})
    for code, name in g.district_names.items():
        g.districts[name] = code
        g.district_by_pinyin[pinyin_key(name)] = code
    aliases_file = DATA / city_code / "aliases.toml"
    aliases = tomllib.loads(aliases_file.read_text(encoding="utf-8")) if aliases_file.exists() else {}
    for name, code in aliases.get("districts", {}).items():
        g.former_districts[name] = code
        g.districts[name] = code
    for name, codes in aliases.get("zones", {}).items():
        g.zones[name] = tuple(codes)
    for _code, name in spec.zones:
        g.zones.setdefault(name, ())
    g.roads = dict(aliases.get("roads", {}))
    for s in spec.streets:
        g.streets[s.name] = Street(s.code, s.name, s.legal_parent)
    admin = list(g.districts) + list(g.zones)
    g.admin_re = re.compile(f"(?:{_alternation(admin)})")
    g.street_re = re.compile(f"(?:{_alternation(list(g.streets))})(?:办事处)?")
    if g.roads:
        g.road_alias_re = re.compile(_alternation(list(g.roads)))
    return g
