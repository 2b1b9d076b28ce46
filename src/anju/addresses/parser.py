"""Free-text Chinese address → standard components and the canonical standard address.

A single left-to-right pass of compiled patterns over a normalised string (no tokeniser, no
model), so that it parses tens of thousands of addresses per second per core:

1. check and clean: text that is not a string, longer than ``MAX_LENGTH``, carries control
   characters or replacement characters (U+FFFD), or mojibake that cannot be repaired is an error
   (``ParsedAddress.error``, never an exception). Mojibake — UTF-8 bytes shown as
   Latin-1/Windows-1252, or GBK bytes shown as Latin-1 — is repaired run by run, so a record mixing
   both encodings is repaired too; GBK bytes read as UTF-8 with ``surrogateescape`` are decoded as
   GBK. Then full-width forms (NFKC), traditional characters (OpenCC's character table), dashes,
   case and whitespace are normalised; bracketed notes, phone numbers, a trailing contact person
   and position words (附近, 对面, …) are removed and reported as notes;
2. Chinese numerals before a structural word become digits (十二栋 → 12栋, 五〇二室 → 502室), and
   basements become negative floors (地下1层, 负1层 → -1层);
3. administrative prefix: province, city (an address naming another province or city is an
   error), district (current, former and homophone names, a name cut short, the short name without
   区 after the city, or a functional zone), street/town (known, typo, homophone, former town or
   unknown), community;
4. road/lane and door number (former road names are renamed; an estate name written before the
   road is split off; a road without a door number is accepted at the end or before an estate);
5. the rest is the estate name followed by building, unit, floor and room — written out
   (3幢1单元502室) or as hyphenated shorthand (3-1-502, 3-1-5-502). A two-part shorthand (3-502)
   with no building written is ambiguous (building–room or unit–room): the parser takes
   building–room and says so in ``ambiguities``. Numbers lose their leading zeros (03 → 3).

Every choice the parser makes that a reader might doubt is listed in ``notes`` or ``ambiguities``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import cache, lru_cache
from typing import TypedDict, cast

from anju.addresses.gazetteer import Gazetteer, Street, gazetteer, pinyin_key
from anju.addresses.textnorm import (
    ESCAPED_RUN,
    SPACE_RUN,
    cn_numerals,
    estate_key,
    normalise_name,
    normalise_text,
    repair_mojibake,
    unescape_gbk,
)

MAX_LENGTH = 1000


#: What makes a place name the beginning of a road's name (北京路, 北京东路, 上海大街).
_ROAD_AFTER_PLACE = re.compile(r"(?:[东西南北中]?路|大街|街|巷|大道)[0-9]")

#: A road beginning with 大 and its door number (大厂路121号, 大明巷3号, 大厂大街112号), not 大街 or 大道 itself.
_DA_ROAD = re.compile(r"大(?!街|道)[\u4e00-\u9fff]{1,2}?(?:大街|大道|路|街|巷)[0-9]")


class ParsedDict(TypedDict):
    """:class:`ParsedAddress` as a dict (what the API answers and the CLI prints)."""

    input: str
    province: str | None
    city: str | None
    district: str | None
    district_code: str | None
    zone: str | None
    zone_districts: list[str]
    street: str | None
    street_code: str | None
    community: str | None
    road: str | None
    door: str | None
    estate: str | None
    building: str | None
    unit: str | None
    floor: int | None
    room: str | None
    canonical: str | None
    notes: list[str]
    ambiguities: list[str]
    error: str | None


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

    def as_dict(self) -> ParsedDict:
        return cast(ParsedDict, asdict(self))

    @property
    def ok(self) -> bool:
        return self.error is None


# One search decides whether a text needs the slow checks: C0/C1 controls, Latin-1 range (possible
# mojibake), surrogates, U+FFFD, invisible format characters.
_SUSPECT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\xff\ud800-\udfff\ufffd\u200b-\u200f\u2028\u2029\u2060\ufeff]")
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGIT_SLASH = re.compile(r"(?<=\d)/(?=\d)")  # 3/1/502 is shorthand like 3-1-502
# A label before the address in forms and documents (住址：…, 户籍地址：…, 住…); the short ones (住, 现住)
# only before a place name.
_LABEL = re.compile(
    r"^(?:户籍地址|户籍所在地|家庭住址|居住地址|联系地址|通讯地址|送达地址|现住址|现居住地|住所地|住址|地址)"
)
_LABEL_SHORT = re.compile(r"^(?:现住|现居|住所|住)")
# A bracket holding a road and door number is part of the address (金陵花园（中山路12号）).
_BRACKET_ROAD = re.compile(
    r"[\u4e00-\u9fff]{1,10}?(?:大道|大街|路|街|巷|弄)(?:\d+(?:-\d+)?|[〇零一二两三四五六七八九十百千]+)号"
)
# Generic words an estate name may begin with right after a place name (秦淮花园, 玄武苑): then the
# place name belongs to the estate, it is not a district written without 区.
_ESTATE_GENERIC_START = re.compile(
    r"花园|小区|新村|家园|公寓|华庭|名邸|雅居|佳园|广场|大厦|苑|府|里|村|园|居|城|湖|门|山"
)
_DIGIT_DOT = re.compile(r"(?<=\d)\.(?=\d)")  # 3.1.502 is shorthand like 3-1-502
_BRACKETS = re.compile(r"\(([^()]*)\)|\[([^\[\]]*)\]|【([^【】]*)】|〔([^〔〕]*)〕|<([^<>]*)>|《([^《》]*)》")
_BRACKET_CHARS = re.compile(r"[()\[\]【】〔〕<>《》]")
_PHONE = re.compile(r"(?:联系电话|电话|手机|TEL)?(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
_POSITION = re.compile(r"(?:斜对面|正对面|对面|附近|旁边|隔壁|门口|楼下|后面|东侧|西侧|南侧|北侧|一带|周边)")
_CONTACT = re.compile(r"(?:联系人|收件人|收货人|户主|业主)[\u4e00-\u9fff]{0,4}$")
_NOISE_HINT = re.compile(
    r"\d{7}|[(\[【〔<《]|对面|附近|旁边|隔壁|门口|楼下|后面|[东西南北]侧|一带|周边|联系人|收[件货]人|[户业]主"
)
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Another city written where ours belongs (苏州市姑苏区…): a name, 市, then a district, county or city.
_OTHER_CITY = re.compile(r"([\u4e00-\u9fff]{2,4}?)市([\u4e00-\u9fff]{1,4}?(?:区|县|市|镇|乡|街道))")
_BASEMENT = re.compile(r"(?:地下|负)(\d+)(?=层|楼)")
# Something-区/县 right after the city that is no known name: maybe a homophone (建业区 for 建邺区).
_DISTRICT_LIKE = re.compile(r"([\u4e00-\u9fff]{1,3})(区|县)")
_NOT_DISTRICT = ("小区", "社区", "园区", "景区", "校区", "街区", "片区", "新区", "城区", "厂区", "营区", "住区")
_NOT_CITY_PART = ("小区", "社区", "景区", "校区", "街区", "片区", "厂区", "营区", "住区")  # 苏州市工业园区 is a city
_STREET_GENERIC = re.compile(r"([\u4e00-\u9fff]{2,6}?)(街道|街到|镇)(?:办事处)?(?![路街巷道号])")
# 社区 names a community, unless the word goes on as an estate name (明发社区安置房 is an estate)
_COMMUNITY = re.compile(r"([\u4e00-\u9fff]{2,8}?)(社区(?!安置|新村|花园|小区|公寓|家园)|村委会|居委会)(?:居委会)?")
# A phone number with the separator before it, removed before separators are squeezed out so that its
# digits never run into a room number ("9-302，13529900066", "401室/18597564119").
_PHONE_SEP = re.compile(
    r"[/\\]?[\s,;，、；]*(?:联系电话|电话|手机|TEL)?[:：]?(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)"
)
_ROAD = re.compile(r"((?![期幢栋座楼层室号])[\u4e00-\u9fff]{1,10}?(?:大道|大街|路|街|巷|弄))(\d+)(?:-(\d+))?号(?!楼)")
# A road without a door number: at the end of the text or before an estate name.
_ROAD_BARE = re.compile(r"([\u4e00-\u9fff]{1,10}?(?:大道|大街|路|巷))(?=$|[\u4e00-\u9fff])")
_ROAD_BARE_NOT_BEFORE = ("小区", "社区", "街道", "新村", "村", "片区", "口", "桥")
# Where an estate name written before the road ends (金陵花园中山路12号).
_ESTATE_END = re.compile(r"花园|小区|新村|家园|公寓|华庭|名邸|雅居|佳园|广场|大厦|安置房|苑|府|里|村")
# The structural tail: building, unit, floor and room tokens (written out or shorthand).
_SHORT4 = re.compile(r"([A-Z]|\d+)-(\d+)-(-?\d+)-(\d+)(?:室|房|户)?$")
_SHORT3 = re.compile(r"([A-Z]|\d+)-(\d+)-(\d+)(?:室|房|户)?$")
_SHORT2 = re.compile(r"([A-Z]|\d+)-(\d+)(?:室|房|户)?$")
_BUILDING = re.compile(r"(?:第)?([A-Z]|\d+)(?:号楼|幢|栋|座|#楼|#|号)(?=\d|[A-Z]|$|单元|-)")
_BUILDING_LETTER = re.compile(r"([A-Z])(?:区)?(?=\d|$)")
_UNIT = re.compile(r"(?:第)?(\d+)单元")
_FLOOR = re.compile(r"(?:第)?(-?\d+)(?:层|楼)(?!\d*单元)")
_ROOM_MARKED = re.compile(r"(\d+)(?:室|房|户|号$)")
_ROOM = re.compile(r"(\d+)$")
_ROOM_BEFORE_UNIT = re.compile(r"(\d+)(?:室|房|户|号)?")


def _number(s: str) -> str:
    """03 → 3 (a letter or 0 stays)."""
    return (s.lstrip("0") or "0") if s[:1] == "0" else s


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


def _road_base_length(road: str) -> int:
    """Length of a road name without its generic word (中山路 → 2, 仙林大道 → 2)."""
    return len(road) - (2 if road.endswith(("大道", "大街")) else 1)


class Parser:
    def __init__(self, city_code: str = "320100") -> None:
        self.g = gazetteer(city_code)
        g = self.g
        names = ("中华人民共和国", "中国", g.province, g.province_short, g.city_name, g.city_short)
        self._prefixes = tuple(x for x in names if x)
        self._province_names = (g.province, g.province_short)
        self._short_names = (g.province_short, g.city_short)
        self._pinyin = lru_cache(maxsize=4096)(pinyin_key)

    def parse(self, text: object) -> ParsedAddress:
        if not isinstance(text, str):
            return ParsedAddress(input="", error="not_text: 地址必须是文本")
        p = ParsedAddress(input=text[:MAX_LENGTH])
        if len(text) > MAX_LENGTH:
            p.error = f"too_long: 地址超过 {MAX_LENGTH} 个字符"
            return p
        cleaned = self._clean(text, p)
        if cleaned is None:
            return p
        s = cleaned
        if _NOISE_HINT.search(s):
            s = self._strip_noise(s, p)
        if "." in s:
            s = _DIGIT_DOT.sub("-", s).replace(".", "")
        s = cn_numerals(s)
        if "地下" in s or "负" in s:
            s = _BASEMENT.sub(r"-\1", s)
        pos = self._admin(s, p)
        if p.error:
            return p
        pos = self._road(s, pos, p)
        self._tail(s[pos:], p)
        if p.room and p.floor is None and len(p.room) >= 3 and p.room.isdigit():
            p.floor = int(p.room[:-2])
        p.canonical = canonical(p, self.g)
        if p.canonical is None:
            p.error = "no_place: 未识别出道路、小区、楼栋或房号"
        return p

    # -- steps ---------------------------------------------------------------------------------
    def _clean(self, s: str, p: ParsedAddress) -> str | None:
        """The text repaired, normalised, without phone numbers and spaces; None (with ``p.error``)
        when nothing of an address is left."""
        if _SUSPECT.search(s):
            checked = self._check(s, p)
            if checked is None:
                return None
            s = checked
        s = normalise_text(s)
        if _PHONE_SEP.search(s):
            p.notes.append("phone_removed: 删除了电话号码")
            s = _PHONE_SEP.sub("", s)
        if "/" in s:
            s = _DIGIT_SLASH.sub("-", s)
        s = SPACE_RUN.sub("", s).lstrip("-#")
        if not s:
            p.error = "no_place: 只有电话号码，未识别出道路、小区、楼栋或房号" if p.notes else "empty: 地址为空"
            return None
        if not _CHINESE.search(s):
            p.error = "no_chinese: 地址不含中文"
            return None
        return s

    def _check(self, s: str, p: ParsedAddress) -> str | None:
        """The slow path for suspect characters: mojibake, surrogates, U+FFFD, controls, invisibles."""
        if _SURROGATE.search(s):
            # GBK bytes read as UTF-8 with errors="surrogateescape" (Python's way with undecodable
            # bytes): some byte pairs decoded as two-byte UTF-8 characters, the rest as surrogates
            try:
                s = ESCAPED_RUN.sub(unescape_gbk, s)
            except UnicodeError:
                p.error = "encoding: 地址含无法识别的字符（编码混杂）"
                return None
            p.notes.append("encoding_repaired: 按 GBK 修复了无法解码的字节")
        if "\ufffd" in s:
            p.error = "encoding: 地址含无法识别的字符（编码混杂）"
            return None
        if any("\x80" <= c <= "\xff" for c in s):
            repaired = repair_mojibake(s)
            if repaired is None:
                p.error = "encoding: 地址含无法识别的字符（编码混杂）"
                return None
            s, changed = repaired
            if changed:
                p.notes.append("encoding_repaired: 修复了乱码（UTF-8/GBK 被按 Latin-1 读取）")
        if _CONTROL.search(s):
            p.error = "control: 地址含控制字符"
            return None
        return _INVISIBLE.sub("", s)

    def _strip_noise(self, s: str, p: ParsedAddress) -> str:
        # phone numbers first, so that no note ever repeats one
        if _PHONE.search(s):
            p.notes.append("phone_removed: 删除了电话号码")
            s = _PHONE.sub("", s)
        if "(" in s or "[" in s or "【" in s or "〔" in s or "<" in s or "《" in s:

            def drop(m: re.Match[str]) -> str:
                note = next(g for g in m.groups() if g is not None)
                if _BRACKET_ROAD.fullmatch(note):
                    return note  # 金陵花园（中山路12号）: the road and door, kept
                p.notes.append(f"bracket_removed: （{note}）")
                return ""

            s = _BRACKET_CHARS.sub("", _BRACKETS.sub(drop, s))
        cm = _CONTACT.search(s)
        if cm:
            p.notes.append(f"contact_removed: {cm.group(0)}")
            s = s[: cm.start()]
        m2 = _POSITION.search(s)
        if m2:
            p.notes.append(f"position_removed: {m2.group(0)}")
            s = _POSITION.sub("", s)
        return s

    def _admin(self, s: str, p: ParsedAddress) -> int:
        g = self.g
        pos = self._region(s, self._label(s, p), p)
        if p.city is None and self._elsewhere(s, pos, p):
            return pos
        pos = self._district(s, pos, p)
        if "街" in s or "镇" in s or any(c in s for c in g.street_ends):
            sm = g.street_re.match(s, pos)
            if sm:
                pos = self._set_street(g.streets[sm.group(0).removesuffix("办事处")], sm.end(), p)
            else:
                gm = _STREET_GENERIC.match(s, pos)
                if gm:
                    pos = self._other_street(gm, p)
        cm = _COMMUNITY.match(s, pos) if "社区" in s or "委会" in s else None
        if cm:
            p.community = cm.group(1) + ("社区" if cm.group(2) == "社区" else cm.group(2))
            pos = cm.end()
        return pos

    def _region(self, s: str, pos: int, p: ParsedAddress) -> int:
        """Country, province and city names at the start: full or short, in any order, repeated."""
        g = self.g
        seen: list[str] = []
        progress = True
        while progress:  # 江苏南京南京市, 南京市南京市, 江苏省南京: any order, repeated, short or full
            progress = False
            for pre in self._prefixes:
                if s.startswith(pre, pos):
                    end = pos + len(pre)
                    # 江苏路, 南京路, 南京大街, 江苏大厦: a name beginning with the place's, not the
                    # place (but 南京大厂路121号 is the city and a road beginning with 大)
                    if pre in self._short_names and (
                        s[end : end + 1] in ("路", "街", "巷")
                        or (s[end : end + 1] == "大" and not _DA_ROAD.match(s, end))
                    ):
                        continue
                    if pre in self._province_names:
                        level = "province"
                        p.province = g.province
                    elif pre in (g.city_name, g.city_short):
                        level = "city"
                        p.city = g.city_name
                    else:
                        level = "country"
                    if level in seen:
                        p.notes.append(f"redundant_prefix: {pre}")
                    seen.append(level)
                    pos, progress = end, True
                    break
        return pos

    def _label(self, s: str, p: ParsedAddress) -> int:
        """Where the address begins after a label (住址：, 户籍地址：; 住 or 现住 only before a place name)."""
        m = _LABEL.match(s)
        if m is None and s[:1] in ("住", "现"):
            m = _LABEL_SHORT.match(s)
            g, end = self.g, m.end() if m else 0
            if m and not (
                s.startswith(self._prefixes, end)
                or g.admin_re.match(s, end)
                or g.street_re.match(s, end)
                or g.district_short_re.match(s, end)
            ):
                m = None
        if m is None:
            return 0
        p.notes.append(f"label_removed: {m.group(0)}")
        return m.end()

    def _elsewhere(self, s: str, pos: int, p: ParsedAddress) -> bool:
        """An address in another province or city is an error: no canonical form of ours fits it."""
        g = self.g
        m = g.other_province_re.match(s, pos) if p.province is None else g.sibling_city_re.match(s, pos)
        if m is not None and _ROAD_AFTER_PLACE.match(s, m.end()):
            return False  # 北京路58号, 上海路, 北京东路: a road named after the place, not the place
        if m is None:
            m = _OTHER_CITY.match(s, pos)
            # 新城市广场小区 is an estate: what follows 市 must be a district, county, town or city
            if m is None or m.group(1) == g.city_short or m.group(2).endswith(_NOT_CITY_PART):
                return False
        p.error = f"other_city: 地址不在{g.city_name}（{m.group(0)}）"
        return True

    def _other_street(self, gm: re.Match[str], p: ParsedAddress) -> int:
        """A street or town not written as in the divisions data: a typo (街到), a homophone (心街口),
        a town that became a street (禄口镇 → 禄口街道, 撤镇设街道), or one the data does not know."""
        g = self.g
        head, word = gm.group(1), gm.group(2)
        written = head + word
        name = head + ("镇" if word == "镇" else "街道")
        if name in g.streets:
            p.notes.append(f"homophone: {written} → {name}")
            return self._set_street(g.streets[name], gm.end(), p)
        other = head + ("街道" if word == "镇" else "镇")
        if other in g.streets:
            p.notes.append(f"former_name: {written} → {other}")
            return self._set_street(g.streets[other], gm.end(), p)
        known = g.street_by_pinyin.get(self._pinyin(name)) or g.street_by_pinyin.get(self._pinyin(other))
        if known is not None:
            p.notes.append(f"homophone: {written} → {known}")
            return self._set_street(g.streets[known], gm.end(), p)
        p.street = name
        p.notes.append(f"unknown_street: {name} 不在区划数据中")
        return gm.end()

    def _district(self, s: str, pos: int, p: ParsedAddress) -> int:
        g = self.g
        m = g.admin_re.match(s, pos)
        if m:
            self._set_admin(m.group(0), p)
            m2 = g.admin_re.match(s, m.end())  # 江北新区 after the district, or a district after the zone
            if m2 and (m2.group(0) in g.zones) != (m.group(0) in g.zones):
                self._set_admin(m2.group(0), p)
                return m2.end()
            return m.end()
        dm = _DISTRICT_LIKE.match(s, pos)
        if dm and not dm.group(0).endswith(_NOT_DISTRICT):
            code = g.district_by_pinyin.get(self._pinyin(dm.group(0)))
            if code is not None:
                p.district_code, p.district = code, g.district_names[code]
                p.notes.append(f"homophone: {dm.group(0)} → {p.district}")
                return dm.end()
            # a name cut short (雨花区 for 雨花台区): the one district whose name begins so
            starts = [c for short, c in g.district_short.items() if short.startswith(dm.group(1))]
            if len(dm.group(1)) >= 2 and len(starts) == 1:
                p.district_code, p.district = starts[0], g.district_names[starts[0]]
                p.notes.append(f"district_short: {dm.group(0)} → {p.district}")
                return dm.end()
        if not g.street_re.match(s, pos):
            # the short name after the city (南京玄武中山路12号), if a street or a road follows (玄武门街道
            # is a street, not 玄武 + 门街道)
            sm = g.district_short_re.match(s, pos)
            if sm:
                end = sm.end()
                # at the very start (no city before it) only before a road with its door number
                rm = _ROAD.match(s, end) or (_ROAD_BARE.match(s, end) if pos > 0 else None)
                # after the city, before an estate name (南京鼓楼清凉府…), unless the name goes on as an
                # estate's own (秦淮花园, 玄武苑) or a place (玄武湖, 玄武门)
                estate_next = pos > 0 and rm is None and bool(_NAME_START.match(s, end))
                estate_next = estate_next and not _ESTATE_GENERIC_START.match(s, end)
                if g.street_re.match(s, end) or (rm and _road_base_length(rm.group(1)) >= 2) or estate_next:
                    code = g.district_short[sm.group(0)]
                    p.district_code, p.district = code, g.district_names[code]
                    p.notes.append(f"district_short: {sm.group(0)} → {p.district}")
                    return end
        return pos

    def _set_admin(self, name: str, p: ParsedAddress) -> None:
        g = self.g
        if name in g.zones:
            p.zone = name
            p.zone_districts = list(g.zones[name])
            return
        code = g.districts[name]
        p.district_code, p.district = code, g.district_names[code]
        if name in g.former_districts:
            p.notes.append(f"former_name: {name} → {p.district}")

    def _set_street(self, st: Street, end: int, p: ParsedAddress) -> int:
        g = self.g
        p.street, p.street_code = st.name, st.code
        if p.district_code is None:
            p.district_code, p.district = st.district_code, g.district_names.get(st.district_code)
        elif p.district_code != st.district_code:
            p.ambiguities.append(f"street_district: {st.name} 不属于 {p.district}")
        return end

    def _road(self, s: str, pos: int, p: ParsedAddress) -> int:
        m = _ROAD.search(s, pos)
        if m is not None:
            road, start, end = m.group(1), m.start(), m.end()
            if s.startswith("院", end):  # 中山路12号院: the compound of the door number
                end += 1
            door: str | None = _number(m.group(2)) + (f"-{_number(m.group(3))}" if m.group(3) else "")
        else:
            m = _ROAD_BARE.match(s, pos)
            if m is None or s.startswith(_ROAD_BARE_NOT_BEFORE, m.end()) or _road_base_length(m.group(1)) < 2:
                return pos
            road, start, end, door = m.group(1), m.start(), m.end(), None
        if len(road) >= 5:  # room for an estate (2+) and a road (2+ and its generic word)
            split = 0
            for em in _ESTATE_END.finditer(road):
                # 里 and 村 end an estate name of three or more characters (春江里, 金陵村), not 三里 of 三里河东路
                long_enough = em.end() >= (3 if em.group(0) in ("里", "村") else 2)
                if long_enough and _road_base_length(road[em.end() :]) >= 2:
                    split = em.end()
            if split:
                road, start = road[split:], start + split
        if self.g.road_alias_re is not None:
            am = self.g.road_alias_re.search(road)
            if am and am.end() == len(road):
                new = road[: am.start()] + self.g.roads[am.group(0)]
                p.notes.append(f"former_road: {road} → {new}")
                road = new
        p.road, p.door = road, door
        before = s[pos:start]
        if before:
            # text between the admin prefix and the road: an estate written first, or an unknown place
            p.notes.append(f"before_road: {before}")
            if not _leading_name(s[end:]):
                p.estate = before
        return end

    def _shorthand(self, t: str, p: ParsedAddress) -> bool:
        """Building-unit-floor-room or building-unit-room written with hyphens (True: found)."""
        m4 = _SHORT4.search(t)
        if m4:
            p.building, p.unit, p.room = _number(m4.group(1)), _number(m4.group(2)), _number(m4.group(4))
            p.floor = int(m4.group(3))
            p.notes.append(f"shorthand: {m4.group(0)} → {p.building}幢{p.unit}单元{p.floor}层{p.room}室")
            self._estate(t[: m4.start()], p)
            return True
        m3 = _SHORT3.search(t)
        if m3:
            p.building, p.unit, p.room = _number(m3.group(1)), _number(m3.group(2)), _number(m3.group(3))
            p.notes.append(f"shorthand: {m3.group(0)} → {p.building}幢{p.unit}单元{p.room}室")
            self._estate(t[: m3.start()], p)
            return True
        return False

    def _tail(self, t: str, p: ParsedAddress) -> None:
        if not t or ("-" in t and self._shorthand(t, p)):
            return
        rest = t
        bm = _BUILDING.search(rest)
        first = len(rest)
        if bm:
            p.building = _number(bm.group(1))
            first = min(first, bm.start())
        um = _UNIT.search(rest, bm.end() if bm else 0) if "单元" in rest else None
        if um:
            p.unit = _number(um.group(1))
            first = min(first, um.start())
            # the unit written after the room (12幢502室2单元): the room is what lies between
            between = _ROOM_BEFORE_UNIT.fullmatch(rest, bm.end(), um.start()) if bm and um.end() == len(rest) else None
            if bm and between:
                p.room = _number(between.group(1))
                p.notes.append(f"unit_after_room: {rest[bm.end() :]} → {p.unit}单元{p.room}室")
                self._estate(rest[:first], p)
                return
        after = um.end() if um else (bm.end() if bm else 0)
        m2 = _SHORT2.search(rest, after) if "-" in rest else None
        if m2 and m2.start() >= after:
            self._short2(m2.group(1), m2.group(2), p)
            first = min(first, m2.start())
        else:
            fm = _FLOOR.search(rest, after) if "层" in rest or "楼" in rest else None
            if fm:
                p.floor = int(fm.group(1))
                first = min(first, fm.start())
                after = fm.end()
            marked = "室" in rest or "房" in rest or "户" in rest or rest.endswith("号")
            rm = _ROOM_MARKED.search(rest, after) if marked else None
            rm = rm or _ROOM.search(rest, after)
            if rm and rm.start() >= after:
                p.room = _number(rm.group(1))
                first = min(first, rm.start())
                if rm.end() < len(rest):
                    p.notes.append(f"trailing_text: {rest[rm.end() :]}")
        if p.building is None and first < len(rest):
            # a letter building without 座 ("A1203" = A座1203室)
            lm = _BUILDING_LETTER.search(rest, 0, first + 1)
            if lm and lm.end() == first and lm.start() > 0:
                p.building = lm.group(1)
                first = lm.start()
        self._estate(rest[:first], p)

    def _short2(self, a: str, b: str, p: ParsedAddress) -> None:
        a, b = _number(a), _number(b)
        if p.building is None:
            p.building, p.room = a, b
            p.ambiguities.append(f"shorthand: {a}-{b} 按“{a}幢{b}室”理解，也可能是“{a}单元{b}室”")
        elif p.unit is None:
            p.unit, p.room = a, b
            p.notes.append(f"shorthand: {a}-{b} → {a}单元{b}室")
        elif a.isdigit() and b.startswith(a) and len(b) > len(a):
            p.floor, p.room = int(a), b
            p.notes.append(f"shorthand: {a}-{b} → {a}层{b}室")
        else:
            p.room = f"{a}-{b}"
            p.ambiguities.append(f"shorthand: {a}-{b} 按“{a}-{b}室”理解（分户或附号）")

    def _estate(self, head: str, p: ParsedAddress) -> None:
        head = head.strip("-#")
        if not head:
            return
        if p.estate and head != p.estate:
            p.notes.append(f"estate_after_road: {head}")
        p.estate = head


_NAME_START = re.compile(r"(?!第\d)[\u4e00-\u9fff]")  # 第3栋 begins a building, not a name


def _leading_name(s: str) -> bool:
    return bool(s) and _NAME_START.match(s) is not None


#: Phone numbers as written in an address (full-width digits normalise to these first).
PHONE_DIGITS = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")
_PRIVATE_NOTES = ("bracket_removed", "contact_removed")


def stored_notes(notes: list[str]) -> list[str]:
    """Notes safe to keep: the text of removed brackets and contact persons (often a name) is dropped."""
    return [n.split(":", 1)[0] + ": （已省略）" if n.startswith(_PRIVATE_NOTES) else n for n in notes]


@cache
def default_parser(city_code: str = "320100") -> Parser:
    return Parser(city_code)


def parse(text: object, city_code: str = "320100") -> ParsedAddress:
    return default_parser(city_code).parse(text)


@lru_cache(maxsize=200_000)
def _estate_pinyin(key: str) -> str:
    return pinyin_key(key)


def estate_columns(key: str | None) -> tuple[str | None, str | None, str | None]:
    """What linkage compares of an estate key, the same for records and the register: its pinyin (a
    homophone matches), its first character (``estate_head``) and the rest (``estate_rest``, when
    longer than one character: a district's short name glued to the front is told by it)."""
    if not key:
        return None, None, None
    return _estate_pinyin(key), key[0], key[1:] if len(key) > 2 else None


# re-exported: the register side and the noise models normalise names with the parser's functions
__all__ = [
    "MAX_LENGTH",
    "PHONE_DIGITS",
    "ParsedAddress",
    "ParsedDict",
    "Parser",
    "canonical",
    "default_parser",
    "estate_columns",
    "estate_key",
    "normalise_name",
    "normalise_text",
    "parse",
    "stored_notes",
]
