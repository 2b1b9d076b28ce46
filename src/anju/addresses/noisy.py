"""Synthetic department (police) address records with ground truth, for the address fusion library.

Each record is drawn from a home of the 楼盘表 register and written the way a clerk of another
department might write it: the home's clean address (南京市 + district + road + door + estate +
building + unit + room) with a random mix of named variations (dropped or added parts, former
names, numerals and widths, shorthand, noise, typos). A small share of records describes a home that
does not exist in the register (``house_code`` None). The truth says, per record, which home it is and
which variations were applied, so that a linker's quality can be reported per variation.

Guarantees:

* deterministic for (register contents, n, seed); a record stream for ``n`` is a prefix of the
  stream for any larger ``n``;
* streamed: homes are sampled by id in fixed-size batches (``homes.id`` is dense), each batch fetched
  with one query; only the estates (tens of thousands of rows) are held in memory, to know which
  partial addresses still identify one estate;
* identifiable: a record with a home keeps its building and room (and unit, where the building has
  several), and at least the estate with its district or its road and door, or the road and door
  with the district — each only where that combination names one estate of the register — unless
  the record is tagged ``underspecified`` (about 1 % of records);
* no-home records are checked against the register (batched) before they are emitted.

The phone numbers are random digits and the notes and names are made up.
"""

from __future__ import annotations

import csv
import random
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pypinyin import lazy_pinyin
from sqlalchemy import Connection, Select, bindparam, func, select

from anju import divisions as div
from anju.addresses.gazetteer import Gazetteer, gazetteer
from anju.addresses.parser import estate_key
from anju.registry import Status, buildings, estates, homes

#: Homes sampled per batch (one query each). Fixed, so that a shorter run is a prefix of a longer one.
BATCH = 4096
#: Statuses of homes that do not (or no longer) exist as homes: never the truth of a record.
EXCLUDED_STATUSES = (Status.planned.value, Status.demolished.value, Status.retired.value)
#: Share of records with a home that are deliberately underspecified.
UNDERSPECIFIED_SHARE = 0.01

# -- variation names --------------------------------------------------------------------------------
DROP_CITY = "drop_city"
ADD_PROVINCE = "add_province"
DROP_DISTRICT = "drop_district"
FORMER_DISTRICT = "former_district"
ZONE_FOR_DISTRICT = "zone_for_district"
ZONE_AFTER_DISTRICT = "zone_after_district"
ADD_STREET = "add_street"
FORMER_ROAD = "former_road"
FULLWIDTH = "fullwidth_digits"
CN_NUMERALS = "chinese_numerals"
BUILDING_WORD = "building_word"
BUILDING_DI = "building_di"
SHORTHAND = "hyphen_shorthand"
UNIT_ONE = "unit_one"
UNIT_WORD_DROPPED = "unit_word_dropped"
FLOOR = "floor_explicit"
POSITION = "position_suffix"
PHONE = "phone"
BRACKET = "bracket_note"
XIAOQU = "estate_xiaoqu"
SPACES = "spaces"
TRADITIONAL = "traditional"
HOMOPHONE = "estate_homophone"
SIMILAR = "estate_similar_char"
DROP_ROAD = "drop_road"
DROP_ESTATE = "drop_estate"
# only in underspecified records
UNDERSPECIFIED = "underspecified"
DROP_UNIT = "drop_unit"
DROP_BUILDING = "drop_building"
AMBIGUOUS_IN_REGISTER = "ambiguous_in_register"  # even the full address names several estates
NO_HOME_ROOM = "no_home:room"
NO_HOME_BUILDING = "no_home:building"
NO_HOME_ESTATE = "no_home:estate"

#: Probability of each variation for a record it applies to (former names only where the place has
#: one, the zone only in its districts, unit forms by the building's units, …), drawn independently;
#: on average a record gets about two. Where two drawn variations conflict, the first in a random
#: order wins, and an identity variation is dropped where the rest would no longer name one estate.
RATES: dict[str, float] = {
    DROP_CITY: 0.25,
    ADD_PROVINCE: 0.08,
    DROP_DISTRICT: 0.10,
    FORMER_DISTRICT: 0.12,
    ZONE_FOR_DISTRICT: 0.15,
    ZONE_AFTER_DISTRICT: 0.08,
    ADD_STREET: 0.10,
    FORMER_ROAD: 0.35,
    FULLWIDTH: 0.07,
    CN_NUMERALS: 0.07,
    BUILDING_WORD: 0.18,
    BUILDING_DI: 0.06,
    SHORTHAND: 0.14,
    UNIT_ONE: 0.10,
    UNIT_WORD_DROPPED: 0.10,
    FLOOR: 0.08,
    POSITION: 0.05,
    PHONE: 0.05,
    BRACKET: 0.05,
    XIAOQU: 0.06,
    SPACES: 0.08,
    TRADITIONAL: 0.03,
    HOMOPHONE: 0.05,
    SIMILAR: 0.03,
    DROP_ROAD: 0.18,
    DROP_ESTATE: 0.08,
}

#: Variations that cannot go together (symmetric).
_CONFLICTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (DROP_CITY, (ADD_PROVINCE,)),
    (DROP_DISTRICT, (FORMER_DISTRICT, ZONE_FOR_DISTRICT, ZONE_AFTER_DISTRICT)),
    (FORMER_DISTRICT, (ZONE_FOR_DISTRICT, ZONE_AFTER_DISTRICT)),
    (ZONE_FOR_DISTRICT, (ZONE_AFTER_DISTRICT,)),
    (DROP_ROAD, (DROP_ESTATE, FORMER_ROAD)),
    (DROP_ESTATE, (XIAOQU, HOMOPHONE, SIMILAR)),
    (HOMOPHONE, (SIMILAR,)),
    (SHORTHAND, (BUILDING_WORD, BUILDING_DI, CN_NUMERALS, FLOOR, UNIT_ONE, UNIT_WORD_DROPPED)),
    (FLOOR, (UNIT_WORD_DROPPED,)),
)


def _conflict_table() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {name: set() for name in RATES}
    for a, bs in _CONFLICTS:
        for b in bs:
            out[a].add(b)
            out[b].add(a)
    return {k: frozenset(v) for k, v in out.items()}


CONFLICTS = _conflict_table()
_ORDER = {v: i for i, v in enumerate(RATES)}
#: Variations that change which parts identify the estate (checked against the register).
_IDENTITY = frozenset({DROP_DISTRICT, ZONE_FOR_DISTRICT, DROP_ROAD, DROP_ESTATE})
#: Variations a no-home record may get (none that weakens what it names).
_NO_HOME_ALLOWED = frozenset(RATES) - {DROP_DISTRICT, ZONE_FOR_DISTRICT, DROP_ESTATE, DROP_ROAD, HOMOPHONE, SIMILAR}
#: Relative frequency of the kinds of no-home record (among those a home allows).
_NO_HOME_WEIGHTS = {NO_HOME_ROOM: 2.0, NO_HOME_BUILDING: 1.0, NO_HOME_ESTATE: 1.0}

_POSITION_WORDS = ("附近", "对面", "旁边")
_NOTES = ("张先生", "李女士", "王先生", "刘女士", "陈师傅", "出租", "自住", "空置", "群租", "房东", "租户")
_PHONE_SEPARATORS = (" ", "，", " 电话", "，手机", " 联系电话:")
_BUILDING_WORDS = ("栋", "号楼", "#", "#楼")
_FULLWIDTH = str.maketrans("0123456789-#", "０１２３４５６７８９－＃")
_CN_DIGITS = "零一二三四五六七八九"

# Characters a typo never introduces: structural words, numerals, position and note words.
_FORBIDDEN = frozenset(
    "路街巷弄道区县镇号幢栋楼室层单元座期户房村社居委会第零〇○一二两三四五六七八九十百千"
    "附近对面旁边隔壁门口下后侧带周斜正省市小电话手机"
)
# Common characters among which homophones are looked for (plus every character of the estates).
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把"
    "性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质"
    "气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活"
    "设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则"
    "任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美"
    "再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元"
    "况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委"
    "素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江"
    "型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞园苑庭居邸佳雅景湖城"
    "村阳翠绿春秋香兰梅桃荷枫云锦福康乐幸泰润泽滨岸凤凰麒麟紫陵钟秦淮莫愁凉栖霞牙鹭仙郊澜杏樟银薇芳草聚"
    "源元员原圆缘远院愿苑媛垣沅湾万晚碗宛婉挽皖玩丸庭廷亭停婷霆挺佳家加嘉夹甲价假嫁驾架华花化画话划滑桦"
    "骅居局菊橘举巨聚俱句具据惧府富付副复赋傅腐妇符福服浮扶夫肤孚芙雅亚压鸭牙芽涯哑讶轩宣萱喧玄选悬旋"
)
# Visually similar characters (形近字) for the estate-name typo.
_SIMILAR: dict[str, str] = dict(
    zip(
        "园苑庭佳雅居邸湖金陵翠屏城凤凰林栖霞锦绣澜阳光春秋桃亭御朝新家润泽滨岸明麒麟紫银杏樟荷塘薇芳云福聚安康幸月牙白天石莫清凉梅名寓华里府",
        "圆宛延住鸦局抵胡全凌萃平域风皇材牺暇绵锈斓阴先舂秒挑亮卸潮亲冢闰择宾岩朋骐鳞柴很呆漳何唐微劳去幅娶按庚辛用芽自夭右奠请谅海各遇毕理符",
        strict=True,
    )
)
_ROOM_RE = re.compile(r"^(\d+)(\d\d)$")
_PERIOD = re.compile(r"\d+期$")


@dataclass(frozen=True)
class NoisyRecord:
    record_id: str  # e.g. "P00000001"
    address: str  # the noisy free text
    house_code: str | None  # ground truth; None = this address truly has no home in the register
    variations: tuple[str, ...]  # names of the variations applied (for per-variation quality reports)


# -- numerals ---------------------------------------------------------------------------------------
def cn_integer(n: int) -> str:
    """0 ≤ n < 10000 in Chinese numerals as read aloud: 12 → 十二, 502 → 五百零二, 1010 → 一千零一十."""
    if not 0 <= n < 10_000:
        raise ValueError(n)
    if n < 10:
        return _CN_DIGITS[n]
    if n < 20:
        return "十" + (_CN_DIGITS[n % 10] if n % 10 else "")
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit:
            if zero and out:
                out.append("零")
            out.append(_CN_DIGITS[digit] + unit)
            zero = False
        else:
            zero = True
    return "".join(out)


def cn_digits(s: str, zero: str = "〇") -> str:
    """Digit by digit: 502 → 五〇二."""
    return "".join(zero if c == "0" else _CN_DIGITS[int(c)] for c in s)


# -- typo tables ------------------------------------------------------------------------------------
@cache
def _homophone_groups() -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for c in dict.fromkeys(_COMMON):
        if c in _FORBIDDEN:
            continue
        groups.setdefault(lazy_pinyin(c)[0], []).append(c)
    return {k: tuple(v) for k, v in groups.items() if len(v) > 1}


@cache
def _s2t() -> object:
    import opencc

    return opencc.OpenCC("s2t")


@lru_cache(maxsize=1 << 16)
def to_traditional(s: str) -> str:
    """OpenCC's simplified → traditional conversion (phrase-aware), cached: parts repeat a lot."""
    conv = _s2t()
    return str(conv.convert(s))  # type: ignore[attr-defined]


def _pick(seq: Sequence[str], rnd: Callable[[], float]) -> str:
    """A uniform choice, cheaper than ``Random.choice``."""
    return seq[int(rnd() * len(seq))]


# -- the register side ------------------------------------------------------------------------------
@dataclass(slots=True)
class _Estate:
    id: int
    name: str
    key: str
    district_code: str
    district: str
    street: str | None
    road: str | None
    door: str | None
    # whether a partial address names this estate alone in the register
    by_district: bool  # name within the district
    by_road: bool  # name with road and door
    road_in_district: bool  # road and door within the district
    by_zone: bool  # name within the zone's districts
    road_in_zone: bool  # road and door within the zone's districts
    zone: str | None
    former_districts: tuple[str, ...]
    former_roads: tuple[str, ...]
    max_building: int  # largest numeric building number (0: none)
    # similar? → where the name can be misspelt (computed when first needed)
    typos: dict[bool, tuple[tuple[int, tuple[str, ...]], ...]] = field(default_factory=dict)


def typo_options(name: str, similar: bool) -> tuple[tuple[int, tuple[str, ...]], ...]:
    """Where ``name`` can be misspelt: (position, replacements) with a homophone or a look-alike.

    Homophones share the toneless pinyin of the character as read in the name (长江: cháng), among a
    few hundred common characters; structural words and numerals are never written in or out.
    """
    readings = lazy_pinyin(name)
    aligned = len(readings) == len(name)
    groups = _homophone_groups()
    out: list[tuple[int, tuple[str, ...]]] = []
    for i, c in enumerate(name):
        if c in _FORBIDDEN:
            continue
        if similar:
            alt = _SIMILAR.get(c)
            options: tuple[str, ...] = (alt,) if alt else ()
        else:
            reading = readings[i] if aligned else lazy_pinyin(c)[0]
            options = tuple(x for x in groups.get(reading, ()) if x != c)
        if options:
            out.append((i, options))
    return tuple(out)


def typo_names(name: str, similar: bool, taken: set[str] | frozenset[str] = frozenset()) -> tuple[str, ...]:
    """Every misspelling of ``name`` by one character (see ``typo_options``) whose key is not ``taken``."""
    out = []
    for i, options in typo_options(name, similar):
        for o in options:
            new = name[:i] + o + name[i + 1 :]
            if (estate_key(new) or new) not in taken:
                out.append(new)
    return tuple(out)


class _Register:
    """What the generator holds of the register beyond one batch: its estates (tens of thousands)."""

    def __init__(self, conn: Connection, g: Gazetteer) -> None:
        rows = conn.execute(
            select(
                estates.c.id,
                estates.c.name,
                estates.c.district_code,
                estates.c.street_code,
                estates.c.road,
                estates.c.door_no,
            ).order_by(estates.c.id)
        ).all()
        names = div.names(conn, {r.district_code for r in rows} | {r.street_code for r in rows})
        zone_of: dict[str, str] = {}
        for zname, dcodes in sorted(g.zones.items()):
            for code in dcodes:
                zone_of.setdefault(code, zname)
        former: dict[str, list[str]] = {}
        for fname, code in g.former_districts.items():
            former.setdefault(code, []).append(fname)
        roads_now = {r.road for r in rows if r.road}
        former_roads: dict[str, list[str]] = {}
        for old, new in g.roads.items():
            if old not in roads_now:  # a former name that is a road of today names another place
                former_roads.setdefault(new, []).append(old)
        max_building: dict[int, int] = {}
        for eid, bno in conn.execute(select(buildings.c.estate_id, buildings.c.building_no)):
            if bno.isdigit():
                max_building[eid] = max(max_building.get(eid, 0), int(bno))

        def area(code: str) -> str:
            return zone_of.get(code, code)

        keys = [estate_key(r.name) or r.name for r in rows]
        pairs = list(zip(rows, keys, strict=True))
        by_district = Counter((r.district_code, k) for r, k in pairs)
        by_zone = Counter((area(r.district_code), k) for r, k in pairs)
        by_road = Counter((k, r.road, r.door_no) for r, k in pairs if r.road and r.door_no)
        road_d = Counter((r.district_code, r.road, r.door_no) for r in rows if r.road and r.door_no)
        road_z = Counter((area(r.district_code), r.road, r.door_no) for r in rows if r.road and r.door_no)
        self.keys_in_district: set[tuple[str, str]] = set(by_district)
        self.all_keys: set[str] = set(keys)
        self.roads_in_district: set[tuple[str, str, str]] = {(d, r, n) for d, r, n in road_d if r and n}
        self.by_id: dict[int, _Estate] = {}
        for r, k in pairs:
            has_road = bool(r.road and r.door_no)
            dc = r.district_code
            self.by_id[r.id] = _Estate(
                id=r.id,
                name=r.name,
                key=k,
                district_code=dc,
                district=names.get(dc) or g.district_names.get(dc, ""),
                street=names.get(r.street_code),
                road=r.road if has_road else None,
                door=r.door_no if has_road else None,
                by_district=by_district[(dc, k)] == 1,
                by_road=has_road and by_road[(k, r.road, r.door_no)] == 1,
                road_in_district=has_road and road_d[(dc, r.road, r.door_no)] == 1,
                by_zone=dc in zone_of and by_zone[(area(dc), k)] == 1,
                road_in_zone=has_road and dc in zone_of and road_z[(area(dc), r.road, r.door_no)] == 1,
                zone=zone_of.get(dc),
                former_districts=tuple(sorted(former.get(dc, ()))),
                former_roads=tuple(sorted(former_roads.get(r.road, ()))) if has_road and r.road else (),
                max_building=max_building.get(r.id, 0),
            )
        # parts of names for estates that do not exist: heads (first two characters) and tails
        self.heads = tuple(sorted({k[:2] for k in keys if len(k) >= 4})) or ("新建",)
        self.tails = tuple(sorted({t for k in keys if len(k) >= 3 and (t := _PERIOD.sub("", k[2:]))})) or ("花园",)

    def typo(self, e: _Estate, similar: bool, rnd: Callable[[], float]) -> str | None:
        """The estate's name misspelt by one character so that it names no estate of the register."""
        opts = e.typos.get(similar)
        if opts is None:
            opts = e.typos[similar] = typo_options(e.name, similar)
        if not opts:
            return None
        plain = e.key == e.name  # then the key of a misspelling is the misspelling
        for _ in range(4):
            i, options = opts[int(rnd() * len(opts))]
            new = e.name[:i] + options[int(rnd() * len(options))] + e.name[i + 1 :]
            if (new if plain else estate_key(new) or new) not in self.all_keys:
                return new
        return None


@dataclass(slots=True)
class _Home:
    id: int
    house_code: str
    building_id: int
    unit_no: str | None
    floor_label: str
    room_no: str
    building_no: str
    units: int
    floors_above: int
    estate: _Estate


def _batch_query() -> Select[Any]:
    return (
        select(
            homes.c.id,
            homes.c.house_code,
            homes.c.building_id,
            homes.c.unit_no,
            homes.c.floor_label,
            homes.c.room_no,
            buildings.c.building_no,
            buildings.c.units,
            buildings.c.floors_above,
            homes.c.estate_id,
        )
        .select_from(homes.join(buildings, buildings.c.id == homes.c.building_id))
        .where(homes.c.id.in_(bindparam("ids", expanding=True)), homes.c.status.not_in(EXCLUDED_STATUSES))
    )


# -- drafting one record ----------------------------------------------------------------------------
@dataclass(slots=True)
class _Draft:
    """The parts of one record being written, and what it still names."""

    home: _Home
    estate_name: str
    building: str
    unit: str | None  # None: not written (the building has one unit)
    floor: str
    room: str
    road: str | None
    door: str | None
    has_district: bool = True
    zone_only: bool = False
    has_estate: bool = True
    has_road: bool = True
    has_building: bool = True

    def identifies(self) -> bool:
        """Whether what is written names one estate of the register (building, unit, room: the home)."""
        e = self.home.estate
        if self.has_district:
            name_ok = e.by_zone if self.zone_only else e.by_district
            road_ok = e.road_in_zone if self.zone_only else e.road_in_district
        else:
            name_ok = road_ok = False
        road = self.has_road and self.road is not None
        return (self.has_estate and (name_ok or (road and e.by_road))) or (road and road_ok)


def _draft(h: _Home) -> _Draft:
    e = h.estate
    return _Draft(
        home=h,
        estate_name=e.name,
        building=h.building_no,
        unit=h.unit_no if h.units > 1 or (h.unit_no and h.unit_no != "1") else None,
        floor=h.floor_label,
        room=h.room_no,
        road=e.road,
        door=e.door,
    )


#: Applicable variations and the negated chance that none up to each is drawn (increasing).
_Menu = tuple[tuple[str, ...], tuple[float, ...]]


class _Writer:
    def __init__(self, g: Gazetteer, reg: _Register, rng: random.Random) -> None:
        self.g = g
        self.reg = reg
        self.rng = rng
        self._items: dict[tuple[int, bool, bool, bool, bool, bool], _Menu] = {}

    def items(self, dr: _Draft, no_home: bool) -> _Menu:
        """The variations that apply to a draft, ready to draw from (cached per kind of draft)."""
        h, e = dr.home, dr.home.estate
        numeric = h.building_no.isdigit() and dr.room.isdigit()
        xiaoqu = not dr.estate_name.endswith("小区")
        has_road = dr.road is not None
        key = (e.id, dr.unit is None, numeric, has_road, no_home, xiaoqu)
        got = self._items.get(key)
        if got is not None:
            return got
        out = [DROP_CITY, ADD_PROVINCE, DROP_DISTRICT, FULLWIDTH, BUILDING_WORD, BUILDING_DI, SHORTHAND, FLOOR]
        out += [POSITION, PHONE, BRACKET, SPACES, TRADITIONAL, HOMOPHONE, SIMILAR]
        if numeric:
            out.append(CN_NUMERALS)
        if e.former_districts:
            out.append(FORMER_DISTRICT)
        if e.zone:
            out += [ZONE_FOR_DISTRICT, ZONE_AFTER_DISTRICT]
        if e.street:
            out.append(ADD_STREET)
        if has_road:
            out += [DROP_ROAD, DROP_ESTATE]
            if e.former_roads and dr.road == e.road:
                out.append(FORMER_ROAD)
        out.append(UNIT_ONE if dr.unit is None else UNIT_WORD_DROPPED)
        if xiaoqu:
            out.append(XIAOQU)
        if no_home:
            out = [v for v in out if v in _NO_HOME_ALLOWED]
        names = tuple(sorted(out, key=_ORDER.__getitem__))
        survival, neg = 1.0, []
        for v in names:
            survival *= 1 - RATES[v]
            neg.append(-survival)
        got = self._items[key] = (names, tuple(neg))
        return got

    def choose(self, dr: _Draft, no_home: bool = False) -> list[str]:
        """Draw the variations of one record; identity variations only where the record still names one estate."""
        rnd = self.rng.random
        # Each applicable variation is drawn independently with its rate. Rather than a draw per
        # variation, jump from one drawn variation to the next: with S(k) the chance that none of
        # the first k is drawn, the next one drawn after position lo is the first k where
        # S(k + 1) < (1 - u) · S(lo) (one uniform u and a bisection per drawn variation).
        names, neg = self.items(dr, no_home)
        hits: list[tuple[float, str]] = []
        lo, survival, n = 0, 1.0, len(names)
        while lo < n:
            k = bisect_right(neg, (rnd() - 1) * survival, lo)
            if k >= n:
                break
            hits.append((rnd(), names[k]))  # drawn ones are then taken in a random order
            survival, lo = -neg[k], k + 1
        if not hits:
            return []
        if len(hits) > 1:
            hits.sort()
        chosen: list[str] = []
        blocked: set[str] = set()
        for _, v in hits:
            if v in blocked:
                continue
            if v in _IDENTITY:
                before = (dr.has_district, dr.zone_only, dr.has_road, dr.has_estate)
                if v == DROP_DISTRICT:
                    dr.has_district = False
                elif v == ZONE_FOR_DISTRICT:
                    dr.zone_only = True
                elif v == DROP_ROAD:
                    dr.has_road = False
                else:
                    dr.has_estate = False
                if not dr.identifies():
                    dr.has_district, dr.zone_only, dr.has_road, dr.has_estate = before
                    continue
            chosen.append(v)
            blocked.update(CONFLICTS[v])
        return chosen

    def render(self, dr: _Draft, vs: list[str]) -> tuple[str, list[str]]:
        """The text of a draft written with variations ``vs``, and the variations it really shows."""
        rng, g, e = self.rng, self.g, dr.home.estate
        rnd = rng.random
        v = set(vs)
        kept = list(vs)
        parts: list[str] = []
        if ADD_PROVINCE in v:
            parts.append(g.province + g.city_name)
        elif DROP_CITY not in v:
            parts.append(g.city_name)
        if dr.has_district:
            if ZONE_FOR_DISTRICT in v and e.zone:
                parts.append(e.zone)
            elif FORMER_DISTRICT in v:
                parts.append(_pick(e.former_districts, rnd))
            else:
                parts.append(e.district)
            if ZONE_AFTER_DISTRICT in v and e.zone:
                parts.append(e.zone)
        if ADD_STREET in v and e.street:
            parts.append(e.street)
        road_at = -1
        if dr.has_road and dr.road is not None:
            road = _pick(e.former_roads, rnd) if FORMER_ROAD in v else dr.road
            road_at = len(parts)
            if TRADITIONAL in v:  # converted apart from the door number: fewer strings to convert
                parts.append(f"{to_traditional(road)}{dr.door}{to_traditional('号')}")
            else:
                parts.append(f"{road}{dr.door}号")
        if dr.has_estate:
            name = dr.estate_name
            for t in (HOMOPHONE, SIMILAR):
                if t in v:
                    new = self.reg.typo(e, t == SIMILAR, rnd) if name == e.name else None
                    if new:
                        name = new
                    else:
                        kept.remove(t)
            if XIAOQU in v:
                name += "小区"
            parts.append(name)
            if BRACKET in v and rnd() < 0.3:
                parts.append(f"（{_pick(_NOTES, rnd)}）")
                v.discard(BRACKET)
        else:
            for t in (HOMOPHONE, SIMILAR):
                if t in v:
                    kept.remove(t)
        parts += self._tail(dr, v)
        trail = ""
        if BRACKET in v:
            note = _pick(_NOTES, rnd)
            trail += f"（{note}）" if rnd() < 0.7 else f"({note})"
        if POSITION in v:
            trail += _pick(_POSITION_WORDS, rnd)
        if TRADITIONAL in v:
            parts = [x if i == road_at else to_traditional(x) for i, x in enumerate(parts)]
            trail = to_traditional(trail) if trail else trail
        text = (" " if SPACES in v else "").join(parts) + trail
        if PHONE in v:
            text += _pick(_PHONE_SEPARATORS, rnd) + f"1{int(rnd() * 7) + 3}{int(rnd() * 10**9):09d}"
        if FULLWIDTH in v:
            text = text.translate(_FULLWIDTH)
        return text, kept

    def _tail(self, dr: _Draft, v: set[str]) -> list[str]:
        """Building, unit, floor and room."""
        rnd = self.rng.random
        b, u, room = dr.building, dr.unit, dr.room
        if UNIT_ONE in v and u is None:
            u = "1"
        if SHORTHAND in v and dr.has_building:
            core = f"{b}-{u}-{room}" if u else f"{b}-{room}"
            return [core + ("室" if rnd() < 0.4 else "")]
        out: list[str] = []
        cn_b = cn_r = False
        if CN_NUMERALS in v:
            which = rnd()
            cn_b, cn_r = which < 0.66, which >= 0.33
        if dr.has_building:
            word = _pick(_BUILDING_WORDS, rnd) if BUILDING_WORD in v else "幢"
            out.append(("第" if BUILDING_DI in v else "") + (cn_integer(int(b)) if cn_b else b) + word)
        if u is not None:
            out.append(f"{u}-" if UNIT_WORD_DROPPED in v else f"{u}单元")
        if FLOOR in v:
            f = dr.floor
            if cn_r and f.isdigit() and rnd() < 0.5:
                f = cn_integer(int(f))
            out.append(f + ("楼" if rnd() < 0.6 else "层"))
        r = room
        if cn_r:
            r = cn_integer(int(room)) if rnd() < 0.5 else cn_digits(room, "〇" if rnd() < 0.5 else "零")
        if u is not None and UNIT_WORD_DROPPED in v:
            out[-1] += r + "室"  # "2-502室": the unit and room stay together even where parts are spaced
        else:
            out.append(r + "室")
        return out


# -- the generator ----------------------------------------------------------------------------------
_Out = tuple[str, str | None, tuple[str, ...]]


def generate(
    conn: Connection,
    n: int,
    seed: int = 1,
    *,
    no_home_share: float = 0.05,
    city_code: str = "320100",
) -> Iterator[NoisyRecord]:
    """Stream ``n`` noisy address records drawn from the register's homes (see the module doc).

    While one batch is written, the next is fetched on a helper thread through the same connection;
    the connection is idle whenever a record is handed out, so the caller may use it between records.
    """
    if n < 0:
        raise ValueError("n must be ≥ 0")
    if not 0 <= no_home_share <= 1:
        raise ValueError("no_home_share must be in [0, 1]")
    if n == 0:
        return
    g = gazetteer(city_code)
    max_id = conn.execute(select(func.max(homes.c.id))).scalar_one_or_none()
    if not max_id:
        raise ValueError("the register has no homes")
    reg = _Register(conn, g)
    # two streams: which homes (ahead, one batch at a time) and how each is written
    sample = random.Random(f"{seed}:homes")
    w = _Writer(g, reg, random.Random(f"{seed}:records"))
    query = _batch_query()

    def fetch() -> tuple[list[int], dict[int, Any]]:
        ids = [sample.randint(1, max_id) for _ in range(BATCH)]
        return ids, {r[0]: r for r in conn.execute(query, {"ids": sorted(set(ids))})}

    produced = 0
    empty_batches = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="noisy-fetch") as pool:
        ahead = pool.submit(fetch)
        while produced < n:
            ids, rows = ahead.result()
            by_id = reg.by_id
            batch = [
                _Home(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], by_id[r[9]])
                for i in ids
                if (r := rows.get(i)) is not None
            ]
            more = produced + len(batch) < n
            ahead = pool.submit(fetch) if more else ahead
            if not batch:
                empty_batches += 1
                if empty_batches >= 20:
                    raise ValueError("the register has (almost) no existing homes to draw from")
                continue
            empty_batches = 0
            out, pending = _write_batch(w, batch, no_home_share)
            if more:
                ahead.exception()  # the helper is done with the connection before it is used here
            _settle_no_home(conn, w, out, pending)
            for rec in out:
                if produced >= n:
                    return
                assert rec is not None
                produced += 1
                yield NoisyRecord(f"P{produced:08d}", *rec)


_Pending = tuple[int, _Home, str, _Draft]


def _write_batch(w: _Writer, batch: list[_Home], no_home_share: float) -> tuple[list[_Out | None], list[_Pending]]:
    """The records of a batch; no-home candidates are left as None, to be checked together."""
    rnd = w.rng.random
    out: list[_Out | None] = []
    pending: list[_Pending] = []
    for h in batch:
        if no_home_share and rnd() < no_home_share:
            cand = _no_home_draft(w, h)
            if cand is not None:
                pending.append((len(out), h, cand[0], cand[1]))
                out.append(None)
                continue
        out.append(_home_record(w, h))
    return out, pending


def _settle_no_home(conn: Connection, w: _Writer, out: list[_Out | None], pending: list[_Pending]) -> None:
    if not pending:
        return
    exists = _existing(conn, [(kind, dr) for _, _, kind, dr in pending])
    for (pos, h, kind, dr), found in zip(pending, exists, strict=True):
        if found:  # the register has it after all: write the home instead
            out[pos] = _home_record(w, h)
            continue
        text, kept = w.render(dr, w.choose(dr, no_home=True))
        out[pos] = (text, None, (kind, *kept))


def _home_record(w: _Writer, h: _Home) -> _Out:
    dr = _draft(h)
    if not dr.identifies():
        # even the full address names several estates of the register (same name, district and road)
        text, kept = w.render(dr, w.choose(dr, no_home=True))
        return text, h.house_code, (UNDERSPECIFIED, AMBIGUOUS_IN_REGISTER, *kept)
    if w.rng.random() < UNDERSPECIFIED_SHARE:
        return _underspecified(w, dr)
    text, kept = w.render(dr, w.choose(dr))
    return text, h.house_code, tuple(kept)


def _underspecified(w: _Writer, dr: _Draft) -> _Out:
    """A record of the home that leaves out what would make it name that home alone."""
    rng = w.rng
    options: list[tuple[str, ...]] = [(DROP_DISTRICT, DROP_ROAD), (DROP_BUILDING,)]
    if dr.road is not None:
        options.append((DROP_DISTRICT, DROP_ESTATE))
    if dr.unit is not None:
        options.append((DROP_UNIT,))
    drops = rng.choice(options)
    for d in drops:
        if d == DROP_DISTRICT:
            dr.has_district = False
        elif d == DROP_ROAD:
            dr.has_road = False
        elif d == DROP_ESTATE:
            dr.has_estate = False
        elif d == DROP_UNIT:
            dr.unit = None
        else:
            dr.has_building = False
    vs = [v for v in (DROP_CITY, FULLWIDTH, BUILDING_WORD, SPACES, PHONE, POSITION) if rng.random() < 0.15]
    text, kept = w.render(dr, vs)
    return text, dr.home.house_code, (UNDERSPECIFIED, *drops, *kept)


def _no_home_draft(w: _Writer, h: _Home) -> tuple[str, _Draft] | None:
    """A draft of an address beside ``h`` that names no home of the register (checked by the caller)."""
    rng = w.rng
    e = h.estate
    dr = _draft(h)
    if not dr.identifies():
        return None
    m = _ROOM_RE.match(h.room_no)
    kinds = [NO_HOME_ESTATE]
    if m:
        kinds.append(NO_HOME_ROOM)
    if e.max_building and h.building_no.isdigit():
        kinds.append(NO_HOME_BUILDING)
    kind = rng.choices(kinds, [_NO_HOME_WEIGHTS[k] for k in kinds])[0]
    if kind == NO_HOME_ROOM:
        assert m is not None
        if rng.random() < 0.6:
            floor = h.floors_above + rng.randint(1, 3)  # above the top floor
            dr.floor = str(floor)
            dr.room = f"{floor}{m.group(2)}"
        else:
            dr.room = f"{m.group(1)}{rng.randint(7, 9):02d}"  # a position the floors do not have
    elif kind == NO_HOME_BUILDING:
        dr.building = str(e.max_building + rng.randint(1, 4))
    else:
        for _ in range(20):
            name = rng.choice(w.reg.heads) + rng.choice(w.reg.tails)
            if (e.district_code, estate_key(name) or name) not in w.reg.keys_in_district:
                break
        else:
            return None
        dr.estate_name = name
        dr.road = dr.door = None
        if e.road is not None and rng.random() < 0.5:
            # the estate's road with a door number that no estate of the district has
            for _ in range(20):
                door = str(rng.randint(1, 999))
                if (e.district_code, e.road, door) not in w.reg.roads_in_district:
                    dr.road, dr.door = e.road, door
                    break
        dr.has_road = dr.road is not None
    return kind, dr


def _existing(conn: Connection, cands: list[tuple[str, _Draft]]) -> list[bool]:
    """For each no-home candidate, whether the register has what it names after all (batched)."""
    rooms = {(dr.home.building_id, dr.room) for kind, dr in cands if kind == NO_HOME_ROOM}
    blds = {(dr.home.estate.id, dr.building) for kind, dr in cands if kind == NO_HOME_BUILDING}
    names = {(dr.home.estate.district_code, estate_key(dr.estate_name) or "") for k, dr in cands if k == NO_HOME_ESTATE}
    found_rooms: set[tuple[int, str]] = set()
    found_blds: set[tuple[int, str]] = set()
    found_names: set[tuple[str, str]] = set()
    # plain IN lists on indexed columns, the pairs matched here (a row-value IN scans on SQLite)
    if rooms:
        q = select(homes.c.building_id, homes.c.room_no).where(
            homes.c.building_id.in_(sorted({b for b, _ in rooms})), homes.c.room_no.in_(sorted({r for _, r in rooms}))
        )
        found_rooms = {(r[0], r[1]) for r in conn.execute(q)} & rooms
    if blds:
        q = select(buildings.c.estate_id, buildings.c.building_no).where(
            buildings.c.estate_id.in_(sorted({e for e, _ in blds})),
            buildings.c.building_no.in_(sorted({b for _, b in blds})),
        )
        found_blds = {(r[0], r[1]) for r in conn.execute(q)} & blds
    if names:
        # the register's spellings of a key: itself and with 小区 (what estate_key strips)
        spellings = sorted({k for _, k in names} | {k + "小区" for _, k in names})
        q = select(estates.c.district_code, estates.c.name).where(
            estates.c.district_code.in_(sorted({d for d, _ in names})), estates.c.name.in_(spellings)
        )
        found_names = {(r[0], estate_key(r[1]) or r[1]) for r in conn.execute(q)} & names
    out: list[bool] = []
    for kind, dr in cands:
        if kind == NO_HOME_ROOM:
            out.append((dr.home.building_id, dr.room) in found_rooms)
        elif kind == NO_HOME_BUILDING:
            out.append((dr.home.estate.id, dr.building) in found_blds)
        else:
            out.append((dr.home.estate.district_code, estate_key(dr.estate_name) or "") in found_names)
    return out


# -- files ------------------------------------------------------------------------------------------
def write_csv(records: Iterable[NoisyRecord], out: Path, truth: Path | None = None) -> int:
    """Write ``record_id,address`` to ``out`` (and ``record_id,house_code,variations`` to ``truth``).

    UTF-8, header first; an empty ``house_code`` is a record without a home; variations are joined
    by ``|``. Returns the number of records written.
    """
    count = 0
    with out.open("w", encoding="utf-8", newline="") as f, ExitStack() as stack:
        wr = csv.writer(f)
        wr.writerow(("record_id", "address"))
        tw = None
        if truth is not None:
            tw = csv.writer(stack.enter_context(truth.open("w", encoding="utf-8", newline="")))
            tw.writerow(("record_id", "house_code", "variations"))
        for r in records:
            wr.writerow((r.record_id, r.address))
            if tw is not None:
                tw.writerow((r.record_id, r.house_code or "", "|".join(r.variations)))
            count += 1
    return count


__all__ = ["RATES", "NoisyRecord", "cn_digits", "cn_integer", "generate", "typo_names", "typo_options", "write_csv"]
