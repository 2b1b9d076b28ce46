"""Free-text Chinese address → standard components and the canonical standard address.

A single left-to-right pass of compiled patterns over a normalised string (no tokeniser, no
model), so that it parses tens of thousands of addresses per second per core:

1. repair and clean: mojibake (UTF-8 read as Latin-1), control characters, full-width forms (NFKC),
   traditional characters (OpenCC's character table), whitespace; bracketed notes, phone numbers
   and position words (附近, 对面, …) are removed and reported as notes;
2. Chinese numerals before a structural word become digits (十二栋 → 12栋, 五〇二室 → 502室);
3. administrative prefix: province, city, district (current, former and homophone names, or a
   functional zone), street/town, community;
4. road/lane and door number (former road names are renamed);
5. the rest is the estate name followed by building, unit, floor and room — written out
   (3幢1单元502室) or as hyphenated shorthand (3-1-502). A two-part shorthand (3-502) is ambiguous
   (building–room or unit–room): the parser takes building–room and says so in ``ambiguities``.

Every choice the parser makes that a reader might doubt is listed in ``notes`` or ``ambiguities``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import opencc

from anju.addresses.gazetteer import Gazetteer, gazetteer, pinyin_key

MAX_LENGTH = 1000


@cache
def _t2s_table() -> dict[int, str]:
    """Traditional → simplified, character by character, from OpenCC's own dictionary."""
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    table: dict[int, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        trad, _, simp = line.partition("\t")
        if len(trad) == 1 and simp:
            table[ord(trad)] = simp.split(" ")[0]
    return table


@dataclass
class ParsedAddress:
    """Components of one address; ``None`` where the text does not say."""

    input: str
    province: str | None = None
    city: str | None = None
    district: str | None = None
    district_code: str | None = None
    zone: str | None = None  # a functional zone (江北新区) written instead of a district
    zone_districts: list[str] = field(default_factory=list)  # the districts the zone may mean
    street: str | None = None
    street_code: str | None = None
    community: str | None = None
    road: str | None = None
    door: str | None = None
    estate: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: int | None = None
    room: str | None = None
    canonical: str | None = None
    notes: list[str] = field(default_factory=list)
    ambiguities: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def ok(self) -> bool:
        return self.error is None


_CN_DIGIT = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "○": 0, "两": 2}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = "零〇○一二两三四五六七八九十百千"
# Numerals become digits only before a structural word (or after 第), so names keep their 一/二.
_CN_RUN = re.compile(f"(第?)([{_CN_NUM}]+)(?=号楼|号|幢|栋|座|单元|层|楼|室|房|户|期|弄|#)")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACE = re.compile(r"[\s\u3000,，、;；:：。.·'\"“”‘’]+")
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕|<([^<>]*)>|《([^《》]*)》")
_PHONE = re.compile(r"(?:电话|手机|联系电话|tel|TEL)?(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})")
_POSITION = re.compile(r"(?:斜对面|正对面|对面|附近|旁边|隔壁|门口|楼下|后面|东侧|西侧|南侧|北侧|一带|周边)")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_DISTRICT_LIKE = re.compile(r"([\u4e00-\u9fff]{1,3})(区|县)")
_STREET_GENERIC = re.compile(r"([\u4e00-\u9fff]{2,6}?)(街道|镇)(?:办事处)?")
_COMMUNITY = re.compile(r"([\u4e00-\u9fff]{2,8}?)(社区|村委会|居委会)(?:居委会)?")
_ROAD = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:大道|大街|路|街|巷|弄))(\d+)(?:-(\d+))?号(?!楼)")
# The structural tail: building, unit, floor and room tokens (written out or shorthand).
_SHORT3 = re.compile(r"([A-Z]|\d+)-(\d+)-(\d+)(?:室|房|户)?$")
_SHORT2 = re.compile(r"([A-Z]|\d+)-(\d+)(?:室|房|户)?$")
_BUILDING = re.compile(r"(?:第)?([A-Z]|\d+)(?:号楼|幢|栋|座|#楼|#|号)(?=\d|[A-Z]|$|单元|-)")
_BUILDING_LETTER = re.compile(r"([A-Z])(?:区)?(?=\d|$)")
_UNIT = re.compile(r"(?:第)?(\d+)单元")
_FLOOR = re.compile(r"(?:第)?(-?\d+)(?:层|楼)(?!\d*单元)")
_ROOM = re.compile(r"(\d+)(?:室|房|户)?$")
_ESTATE_TAIL_NOISE = re.compile(r"(?:小区)$")


def _cn_to_int(s: str) -> int | None:
    if not any(c in _CN_UNIT for c in s):
        # digit by digit: 五〇二 → 502
        return int("".join(str(_CN_DIGIT[c]) for c in s)) if all(c in _CN_DIGIT for c in s) else None
    total, cur = 0, 0
    for c in s:
        if c in _CN_DIGIT:
            cur = _CN_DIGIT[c]
        elif c in _CN_UNIT:
            total += (cur or 1) * _CN_UNIT[c]
            cur = 0
        else:
            return None
    return total + cur


def _cn_numerals(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        n = _cn_to_int(m.group(2))
        return m.group(0) if n is None else str(n)

    return _CN_RUN.sub(repl, s) if any(c in _CN_NUM for c in s) else s


def _repair_mojibake(text: str) -> tuple[str, bool]:
    """UTF-8 bytes decoded as Latin-1/cp1252 ("å\x8d\x97äº¬" for 南京): undo it when it round-trips."""
    if not any("\x80" <= c <= "\xff" for c in text):
        return text, False
    for enc in ("latin-1", "cp1252"):
        try:
            return text.encode(enc).decode("utf-8"), True
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    return text, False


def normalise_text(text: str) -> str:
    """Width, script and case normalisation shared by the parser and the register side."""
    s = unicodedata.normalize("NFKC", text).translate(_t2s_table())
    return s.upper()


def normalise_name(name: str | None) -> str | None:
    """Comparable form of an estate or road name: normalised text, numerals as digits, no spaces."""
    if not name:
        return None
    s = _cn_numerals(_SPACE.sub("", normalise_text(name)))
    return s or None


def estate_key(name: str | None) -> str | None:
    """An estate name without a trailing generic 小区 (金陵花园小区 and 金陵花园 are one estate)."""
    s = normalise_name(name)
    if s is None:
        return None
    stripped = _ESTATE_TAIL_NOISE.sub("", s)
    return stripped if len(stripped) >= 2 else s


def canonical(p: ParsedAddress, g: Gazetteer) -> str | None:
    """The standard address: 省市区 + 街道 + 路 + 号 + 小区 + 幢 + 单元 + 室 (层 only without a room)."""
    if not (p.road or p.estate or p.building or p.room):
        return None
    parts = [g.province, g.city_name, p.district or p.zone or "", p.street or ""]
    if p.road:
        parts.append(f"{p.road}{p.door}号" if p.door else p.road)
    parts.append(p.estate or "")
    if p.building:
        parts.append(f"{p.building}幢")
    if p.unit:
        parts.append(f"{p.unit}单元")
    if p.room:
        parts.append(f"{p.room}室")
    elif p.floor is not None:
        parts.append(f"{p.floor}层")
    return "".join(parts)


class Parser:
    def __init__(self, city_code: str = "320100") -> None:
        self.g = gazetteer(city_code)
        g = self.g
        names = ("中华人民共和国", "中国", g.province, g.province_short, g.city_name, g.city_short)
        self._prefixes = tuple(x for x in names if x)

    def parse(self, text: object) -> ParsedAddress:
        if not isinstance(text, str):
            return ParsedAddress(input="", error="not_text: 地址必须是文本")
        p = ParsedAddress(input=text[:MAX_LENGTH])
        if len(text) > MAX_LENGTH:
            p.error = f"too_long: 地址超过 {MAX_LENGTH} 个字符"
            return p
        s, repaired = _repair_mojibake(text)
        if repaired:
            p.notes.append("encoding_repaired: 按 UTF-8 修复了乱码")
        if "\ufffd" in s:
            p.error = "encoding: 地址含无法识别的字符（编码混杂）"
            return p
        if _CONTROL.search(s):
            s = _CONTROL.sub("", s)
            p.notes.append("control_removed: 删除了控制字符")
        s = _SPACE.sub("", normalise_text(s))
        if not s:
            p.error = "empty: 地址为空"
            return p
        if not _CHINESE.search(s):
            p.error = "no_chinese: 地址不含中文"
            return p
        s = self._strip_noise(s, p)
        s = _cn_numerals(s)
        pos = self._admin(s, p)
        pos = self._road(s, pos, p)
        self._tail(s[pos:], p)
        if p.room and p.floor is None and len(p.room) >= 3 and p.room.isdigit():
            p.floor = int(p.room[:-2])
        p.canonical = canonical(p, self.g)
        if p.canonical is None:
            p.error = "no_place: 未识别出道路、小区、楼栋或房号"
        return p

    # -- steps ---------------------------------------------------------------------------------
    def _strip_noise(self, s: str, p: ParsedAddress) -> str:
        # phone numbers first, so that no note ever repeats one
        if _PHONE.search(s):
            p.notes.append("phone_removed: 删除了电话号码")
            s = _PHONE.sub("", s)
        if "(" in s or "[" in s or "【" in s or "〔" in s or "<" in s or "《" in s:
            for m in _BRACKETS.finditer(s):
                note = next(g for g in m.groups() if g is not None)
                p.notes.append(f"bracket_removed: （{note}）")
            s = _BRACKETS.sub("", s)
            s = re.sub(r"[()\[\]【】〔〕<>《》]", "", s)
        m2 = _POSITION.search(s)
        if m2:
            p.notes.append(f"position_removed: {m2.group(0)}")
            s = _POSITION.sub("", s)
        return s

    def _admin(self, s: str, p: ParsedAddress) -> int:
        g = self.g
        pos = 0
        for pre in self._prefixes:
            if s.startswith(pre, pos):
                if pre in (g.province, g.province_short, "中国", "中华人民共和国"):
                    if pre in (g.province, g.province_short):
                        p.province = g.province
                else:
                    p.city = g.city_name
                pos += len(pre)
        m = g.admin_re.match(s, pos)
        if m:
            name = m.group(0)
            if name in g.zones:
                p.zone = name
                p.zone_districts = list(g.zones[name])
            else:
                code = g.districts[name]
                p.district_code, p.district = code, g.district_names[code]
                if name in g.former_districts:
                    p.notes.append(f"former_name: {name} → {p.district}")
            pos = m.end()
        else:
            dm = _DISTRICT_LIKE.match(s, pos)
            if dm and pinyin_key(dm.group(0)) in g.district_by_pinyin:
                code = g.district_by_pinyin[pinyin_key(dm.group(0))]
                p.district_code, p.district = code, g.district_names[code]
                p.notes.append(f"homophone: {dm.group(0)} → {p.district}")
                pos = dm.end()
        if p.zone is None:
            m2 = g.admin_re.match(s, pos)  # 江北新区 after the district, or a district after the zone
            if m2 and m2.group(0) in g.zones:
                p.zone = m2.group(0)
                p.zone_districts = list(g.zones[p.zone])
                pos = m2.end()
        sm = g.street_re.match(s, pos)
        if sm:
            st = g.streets[sm.group(0).removesuffix("办事处")]
            p.street, p.street_code = st.name, st.code
            if p.district_code is None:
                p.district_code, p.district = st.district_code, g.district_names.get(st.district_code)
            elif p.district_code != st.district_code:
                p.ambiguities.append(f"street_district: {st.name} 不属于 {p.district}")
            pos = sm.end()
        else:
            gm = _STREET_GENERIC.match(s, pos)
            if gm and not _ROAD.match(s, pos):
                p.street = gm.group(1) + gm.group(2)
                p.notes.append(f"unknown_street: {p.street} 不在区划数据中")
                pos = gm.end()
        cm = _COMMUNITY.match(s, pos)
        if cm:
            p.community = cm.group(1) + ("社区" if cm.group(2) == "社区" else cm.group(2))
            pos = cm.end()
        return pos

    def _road(self, s: str, pos: int, p: ParsedAddress) -> int:
        m = _ROAD.search(s, pos)
        if m is None:
            return pos
        road = m.group(1)
        if self.g.road_alias_re is not None:
            am = self.g.road_alias_re.search(road)
            if am and am.end() == len(road):
                new = road[: am.start()] + self.g.roads[am.group(0)]
                p.notes.append(f"former_road: {road} → {new}")
                road = new
        p.road, p.door = road, m.group(2)
        if m.group(3):
            p.door = f"{m.group(2)}-{m.group(3)}"
        before = s[pos : m.start()]
        if before:
            # text between the admin prefix and the road: an estate written first, or an unknown place
            p.notes.append(f"before_road: {before}")
            rest = s[m.end() :]
            if not _leading_name(rest):
                p.estate = before
        return m.end()

    def _tail(self, t: str, p: ParsedAddress) -> None:
        if not t:
            return
        m3 = _SHORT3.search(t)
        if m3:
            p.building, p.unit, p.room = m3.group(1), m3.group(2), m3.group(3)
            p.notes.append(f"shorthand: {m3.group(0)} → {p.building}幢{p.unit}单元{p.room}室")
            head = t[: m3.start()]
            self._estate(head, p)
            return
        rest = t
        bm = _BUILDING.search(rest)
        first = len(rest)
        if bm:
            p.building = bm.group(1)
            first = min(first, bm.start())
        um = _UNIT.search(rest, bm.end() if bm else 0)
        if um:
            p.unit = um.group(1)
            first = min(first, um.start())
        after = um.end() if um else (bm.end() if bm else 0)
        m2 = _SHORT2.search(rest, after)
        if m2 and m2.start() >= after:
            a, b = m2.group(1), m2.group(2)
            if p.building is None:
                p.building, p.room = a, b
                p.ambiguities.append(f"shorthand: {a}-{b} 按“{a}幢{b}室”理解，也可能是“{a}单元{b}室”")
            elif p.unit is None:
                p.unit, p.room = a, b
                p.notes.append(f"shorthand: {a}-{b} → {a}单元{b}室")
            else:
                p.room = b
                p.ambiguities.append(f"shorthand: {a}-{b} 多余的“{a}”被忽略")
            first = min(first, m2.start())
        else:
            fm = _FLOOR.search(rest, after)
            if fm:
                p.floor = int(fm.group(1))
                first = min(first, fm.start())
                after = fm.end()
            rm = _ROOM.search(rest, after)
            if rm and rm.start() >= after:
                p.room = rm.group(1)
                first = min(first, rm.start())
        if p.building is None and first < len(rest):
            # a letter building without 座 ("A1203" = A座1203室)
            lm = _BUILDING_LETTER.search(rest, 0, first + 1)
            if lm and lm.end() == first and lm.start() > 0:
                p.building = lm.group(1)
                first = lm.start()
        self._estate(rest[:first], p)

    def _estate(self, head: str, p: ParsedAddress) -> None:
        head = head.strip("-#")
        if not head:
            return
        if p.estate and head != p.estate:
            p.notes.append(f"estate_after_road: {head}")
        p.estate = head


def _leading_name(s: str) -> bool:
    return bool(s) and _CHINESE.match(s) is not None


@cache
def default_parser(city_code: str = "320100") -> Parser:
    return Parser(city_code)


def parse(text: object, city_code: str = "320100") -> ParsedAddress:
    return default_parser(city_code).parse(text)
