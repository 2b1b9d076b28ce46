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
from itertools import product
from pathlib import Path

from pypinyin import Style, lazy_pinyin, pinyin

from anju.divisions import read_city_spec

DATA = Path(__file__).parent / "data"


def pinyin_key(text: str) -> str:
    """Toneless pinyin of a name: homophones (翠屏/翠平, 建邺/建业) share a key."""
    return "".join(lazy_pinyin(text))


def pinyin_keys(name: str) -> set[str]:
    """Every toneless reading of a reference name, character by character (六合 is lù hé in Nanjing,
    栖 is often read xī): a text's ``pinyin_key`` matching any of them is a homophone of the name."""
    readings = [pinyin(c, style=Style.NORMAL, heteronym=True)[0] for c in name]  # per character: no phrase
    return {"".join(r) for r in product(*readings)} | {pinyin_key(name)}


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
    district_by_pinyin: dict[str, str] = field(default_factory=dict)  # any reading → code
    district_short: dict[str, str] = field(default_factory=dict)  # 玄武 → code (written after the city)
    zones: dict[str, tuple[str, ...]] = field(default_factory=dict)  # zone name → district codes
    streets: dict[str, Street] = field(default_factory=dict)  # street name → street
    street_by_pinyin: dict[str, str] = field(default_factory=dict)  # any reading → street name
    street_ends: frozenset[str] = frozenset()  # last characters of street names (a cheap pre-check)
    roads: dict[str, str] = field(default_factory=dict)  # former road name → current
    admin_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    street_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    district_short_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    road_alias_re: re.Pattern[str] | None = None
    other_province_re: re.Pattern[str] = field(default=re.compile("(?!)"))
    # the province's other cities by their short names (苏州, 无锡): after the province's name they name
    # another city even without 市 (江苏苏州工业园区…)
    sibling_city_re: re.Pattern[str] = field(default=re.compile("(?!)"))

    @property
    def city_short(self) -> str:
        return self.city_name.removesuffix("市")


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


# Every provincial-level division (GB/T 2260), so that an address in another province is recognised.
PROVINCE_NAMES = (
    "北京市", "天津市", "河北省", "山西省", "内蒙古自治区", "辽宁省", "吉林省", "黑龙江省", "上海市", "江苏省",
    "浙江省", "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "广西壮族自治区",
    "海南省", "重庆市", "四川省", "贵州省", "云南省", "西藏自治区", "陕西省", "甘肃省", "青海省",
    "宁夏回族自治区", "新疆维吾尔自治区", "台湾省", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip

# Province of a city by the first two digits of its code (GB/T 2260); extend when a city needs it.
PROVINCES = {"32": ("江苏省", "江苏"), "11": ("北京市", "北京"), "31": ("上海市", "上海"), "33": ("浙江省", "浙江")}


@cache
def gazetteer(city_code: str = "320100") -> Gazetteer:
    spec = read_city_spec(city_code)
    province, province_short = PROVINCES.get(city_code[:2], ("", ""))
    g = Gazetteer(province, province_short, spec.code, spec.name, {c: n for c, n, _ in spec.districts})
    for code, name in g.district_names.items():
        g.districts[name] = code
        for key in pinyin_keys(name):
            g.district_by_pinyin.setdefault(key, code)
        short = name.removesuffix("区").removesuffix("县")
        if len(short) >= 2 and short != name:
            g.district_short[short] = code
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
        for key in pinyin_keys(s.name):
            g.street_by_pinyin.setdefault(key, s.name)
    g.street_ends = frozenset(name[-1] for name in g.streets) - {"道", "镇"}
    admin = list(g.districts) + list(g.zones)
    g.admin_re = re.compile(f"(?:{_alternation(admin)})")
    g.street_re = re.compile(f"(?:{_alternation(list(g.streets))})(?:办事处)?")
    g.district_short_re = re.compile(_alternation(list(g.district_short)))
    others = [n for n in PROVINCE_NAMES if n != province]
    others += [n.removesuffix("市") for n in others if n.endswith("市")]  # 北京朝阳区…
    g.other_province_re = re.compile(_alternation(others))
    siblings = [n for n in aliases.get("province", {}).get("other_cities", []) if n != g.city_short]
    if siblings:
        g.sibling_city_re = re.compile(f"(?:{_alternation(siblings)})(?![路街巷大道])")
    if g.roads:
        g.road_alias_re = re.compile(_alternation(list(g.roads)))
    return g
