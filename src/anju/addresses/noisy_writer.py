"""Writing one noisy record: what the generator holds of the register (its estates, and which
partial addresses still name one of them), the draft of a record, and the writer that draws a draft's
variations and renders its text."""

from __future__ import annotations

import random
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from anju import divisions
from anju.addresses.gazetteer import Gazetteer
from anju.addresses.noisy_variations import (
    ADD_PROVINCE,
    ADD_STREET,
    BRACKET,
    BUILDING_DI,
    BUILDING_WORD,
    CN_NUMERALS,
    CONFLICTS,
    DROP_CITY,
    DROP_DISTRICT,
    DROP_ESTATE,
    DROP_ROAD,
    FLOOR,
    FORMER_DISTRICT,
    FORMER_ROAD,
    FULLWIDTH,
    HOMOPHONE,
    IDENTITY,
    NO_HOME_ALLOWED,
    ORDER,
    PHONE,
    POSITION,
    RATES,
    SHORTHAND,
    SIMILAR,
    SPACES,
    TRADITIONAL,
    UNIT_ONE,
    UNIT_WORD_DROPPED,
    XIAOQU,
    ZONE_AFTER_DISTRICT,
    ZONE_FOR_DISTRICT,
    cn_digits,
    cn_integer,
    to_traditional,
    typo_options,
)
from anju.addresses.parser import estate_key
from anju.registry import buildings, estates

_POSITION_WORDS = ("附近", "对面", "旁边")
_NOTES = ("张先生", "李女士", "王先生", "刘女士", "陈师傅", "出租", "自住", "空置", "群租", "房东", "租户")
_PHONE_SEPARATORS = (" ", "，", " 电话", "，手机", " 联系电话:")
_BUILDING_WORDS = ("栋", "号楼", "#", "#楼")
_FULLWIDTH = str.maketrans("0123456789-#", "０１２３４５６７８９－＃")

_PERIOD = re.compile(r"\d+期$")


def pick(seq: Sequence[str], rnd: Callable[[], float]) -> str:
    """A uniform choice, cheaper than ``Random.choice``."""
    return seq[int(rnd() * len(seq))]


# -- the register side ------------------------------------------------------------------------------
@dataclass(slots=True)
class Estate:
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


class EstateIndex:
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
        names = divisions.names(conn, {r.district_code for r in rows} | {r.street_code for r in rows})
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
        self.by_id: dict[int, Estate] = {}
        for r, k in pairs:
            has_road = bool(r.road and r.door_no)
            dc = r.district_code
            self.by_id[r.id] = Estate(
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

    def typo(self, e: Estate, similar: bool, rnd: Callable[[], float]) -> str | None:
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
class Home:
    id: int
    house_code: str
    building_id: int
    unit_no: str | None
    floor_label: str
    room_no: str
    building_no: str
    units: int
    floors_above: int
    estate: Estate


# -- drafting one record ----------------------------------------------------------------------------
@dataclass(slots=True)
class Draft:
    """The parts of one record being written, and what it still names."""

    home: Home
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


def draft_of(h: Home) -> Draft:
    e = h.estate
    return Draft(
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
Menu = tuple[tuple[str, ...], tuple[float, ...]]


class RecordWriter:
    def __init__(self, g: Gazetteer, reg: EstateIndex, rng: random.Random) -> None:
        self.g = g
        self.reg = reg
        self.rng = rng
        self._items: dict[tuple[int, bool, bool, bool, bool, bool], Menu] = {}

    def items(self, dr: Draft, no_home: bool) -> Menu:
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
            out = [v for v in out if v in NO_HOME_ALLOWED]
        names = tuple(sorted(out, key=ORDER.__getitem__))
        survival, neg = 1.0, []
        for v in names:
            survival *= 1 - RATES[v]
            neg.append(-survival)
        got = self._items[key] = (names, tuple(neg))
        return got

    def choose(self, dr: Draft, no_home: bool = False) -> list[str]:
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
            if v in IDENTITY:
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

    def render(self, dr: Draft, vs: list[str]) -> tuple[str, list[str]]:
        """The text of a draft written with variations ``vs``, and the variations it really shows."""
        rnd = self.rng.random
        v = set(vs)
        kept = list(vs)
        parts = self._place(dr, v)
        road_at = -1
        if dr.has_road and dr.road is not None:
            road_at = len(parts)
            parts.append(self._road(dr, v))
        if dr.has_estate:
            parts += self._estate(dr, v, kept)
        else:
            for t in (HOMOPHONE, SIMILAR):
                if t in v:
                    kept.remove(t)
        parts += self._tail(dr, v)
        trail = self._trail(v)
        if TRADITIONAL in v:
            parts = [x if i == road_at else to_traditional(x) for i, x in enumerate(parts)]
            trail = to_traditional(trail) if trail else trail
        text = (" " if SPACES in v else "").join(parts) + trail
        if PHONE in v:
            text += pick(_PHONE_SEPARATORS, rnd) + f"1{int(rnd() * 7) + 3}{int(rnd() * 10**9):09d}"
        if FULLWIDTH in v:
            text = text.translate(_FULLWIDTH)
        return text, kept

    def _place(self, dr: Draft, v: set[str]) -> list[str]:
        """Province and city, district (or zone, or a former name), street."""
        g, e = self.g, dr.home.estate
        parts: list[str] = []
        if ADD_PROVINCE in v:
            parts.append(g.province + g.city_name)
        elif DROP_CITY not in v:
            parts.append(g.city_name)
        if dr.has_district:
            if ZONE_FOR_DISTRICT in v and e.zone:
                parts.append(e.zone)
            elif FORMER_DISTRICT in v:
                parts.append(pick(e.former_districts, self.rng.random))
            else:
                parts.append(e.district)
            if ZONE_AFTER_DISTRICT in v and e.zone:
                parts.append(e.zone)
        if ADD_STREET in v and e.street:
            parts.append(e.street)
        return parts

    def _road(self, dr: Draft, v: set[str]) -> str:
        """Road (or its former name) and door number."""
        e = dr.home.estate
        road = pick(e.former_roads, self.rng.random) if FORMER_ROAD in v else dr.road
        if TRADITIONAL in v:  # converted apart from the door number: fewer strings to convert
            return f"{to_traditional(road or '')}{dr.door}{to_traditional('号')}"
        return f"{road}{dr.door}号"

    def _estate(self, dr: Draft, v: set[str], kept: list[str]) -> list[str]:
        """The estate's name (misspelt, with 小区) and maybe a note right after it."""
        rnd = self.rng.random
        e = dr.home.estate
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
        out = [name]
        if BRACKET in v and rnd() < 0.3:
            out.append(f"（{pick(_NOTES, rnd)}）")
            v.discard(BRACKET)
        return out

    def _trail(self, v: set[str]) -> str:
        """A note and a position word after the address."""
        rnd = self.rng.random
        trail = ""
        if BRACKET in v:
            note = pick(_NOTES, rnd)
            trail += f"（{note}）" if rnd() < 0.7 else f"({note})"
        if POSITION in v:
            trail += pick(_POSITION_WORDS, rnd)
        return trail

    def _tail(self, dr: Draft, v: set[str]) -> list[str]:
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
            word = pick(_BUILDING_WORDS, rnd) if BUILDING_WORD in v else "幢"
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
