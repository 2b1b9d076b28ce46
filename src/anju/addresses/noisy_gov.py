"""A second, independent noise model: addresses as departments' own records write them.

:mod:`anju.addresses.noisy` is the model the parser and the linkage model were built against. This
one is written separately, from how addresses appear in police household registration, utility
accounts, court documents, tax records and delivery labels (the GB/T 23705 element order
province–city–district–street–road–door–estate–building–unit–room, and patterns seen in public
address-parser test suites), so that the linker can be evaluated on addresses it was not tuned on.
Its variations and their shares are listed in ``docs/address-noisy.md`` (second section).

It reads the register as ``anju registry export-homes`` writes it (CSV), not the database, and
draws every record from one home row: a slot-by-slot choice of how each part is written (region
prefix, district, road and door, estate, building, unit and room), then text-wide variations
(full-width digits, traditional characters, spaces). About 11 % of records describe no home of the
register (a floor above the top, a building past the last, an estate that does not exist, or an
address in another city); each is checked against the export before it is written.

Deterministic for (export contents, n, seed). Holds the export in memory: meant for evaluation at
scale ≤ 0.05 (≈ 220k homes), not for full-scale runs.
"""

from __future__ import annotations

import csv
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from anju.addresses.noisy import EXCLUDED_STATUSES, NoisyRecord
from anju.addresses.noisy_variations import cn_digits, cn_integer, to_traditional

#: Share of records that describe no home of the register.
NO_HOME_SHARE = 0.11

# One choice per slot: (variation, weight). The first entry is the plain form (no variation).
REGION: tuple[tuple[str, float], ...] = (
    ("", 0.28),
    ("region_province_city", 0.15),  # 江苏省南京市
    ("region_none", 0.20),  # no province or city
    ("region_short_both", 0.08),  # 江苏南京
    ("region_short_then_city", 0.05),  # 江苏南京南京市 (short forms, then the city again)
    ("region_city_repeated", 0.02),  # 南京市南京市
    ("region_city_no_shi", 0.08),  # 南京
    ("region_province_short_city", 0.06),  # 江苏南京市
    ("region_province_city_short", 0.04),  # 江苏省南京
    ("region_china", 0.02),  # 中国江苏省南京市
    ("region_separated", 0.02),  # 江苏省 南京市, 江苏省/南京市, 江苏·南京
)
DISTRICT: tuple[tuple[str, float], ...] = (
    ("", 0.63),
    ("district_no_qu", 0.08),  # 鼓楼 without 区
    ("no_district_no_street", 0.12),  # neither district nor street
    ("district_and_street", 0.12),  # 鼓楼区宁海路街道
    ("street_no_district", 0.05),  # 宁海路街道 without its district
)
ROAD: tuple[tuple[str, float], ...] = (
    ("", 0.70),
    ("no_road", 0.14),  # no road and door
    ("door_cn_numeral", 0.04),  # 宏运街七十三号
    ("door_hao_yuan", 0.03),  # 宏运街73号院
    ("road_after_estate", 0.06),  # 清凉府二期宏运街73号
    ("road_in_brackets", 0.03),  # 清凉府二期（宏运街73号）
)
ESTATE: tuple[tuple[str, float], ...] = (
    ("", 0.80),
    ("estate_suffix_dropped", 0.07),  # 金陵花园 → 金陵 (小区, 花园, 家园, 新村, 公寓, …)
    ("estate_xiaoqu_added", 0.04),  # 金陵花园小区
    ("estate_phase_digits", 0.04),  # 二期 → 2期
    ("no_estate", 0.05),  # road and door only
)
BUILDING: tuple[tuple[str, float], ...] = (
    ("", 0.40),
    ("building_dong", 0.15),  # 12栋
    ("building_haolou", 0.12),  # 12号楼
    ("building_hash", 0.07),  # 12#
    ("building_cn_numeral", 0.10),  # 十二幢, 十二栋
    ("building_hao", 0.06),  # 12号
    ("building_zuo", 0.03),  # 12座
    ("building_di", 0.07),  # 第12栋
)
UNIT_ROOM: tuple[tuple[str, float], ...] = (
    ("", 0.42),
    ("dash_triple", 0.14),  # 12-2-301 (the building word dropped too)
    ("unit_dash_room", 0.07),  # 12栋2-301
    ("unit_cn_numeral", 0.05),  # 二单元
    ("room_suffix_hao", 0.06),  # 301号
    ("room_suffix_hu", 0.03),  # 301户
    ("room_bare", 0.07),  # 301
    ("room_cn_numeral", 0.04),  # 三〇一室
    ("floor_written", 0.06),  # 3楼301, 3层301室
    ("unit_after_room", 0.03),  # 12幢301室2单元
    ("unit_written_single", 0.03),  # 1单元 in a building of one unit
)
#: Text-wide variations, each drawn independently.
TEXT: tuple[tuple[str, float], ...] = (
    ("label_prefix", 0.06),  # 住, 现住, 住址：, 户籍地址：
    ("fullwidth_digits", 0.07),
    ("traditional", 0.04),
    ("spaces_between", 0.07),
)
NO_HOME: tuple[tuple[str, float], ...] = (
    ("no_home:floor", 0.40),
    ("no_home:building", 0.25),
    ("no_home:estate", 0.25),
    ("no_home:other_city", 0.10),
)

_LABELS = ("住", "现住", "住址：", "户籍地址：", "居住地址:", "现住址", "地址:")
_SEPARATORS = (" ", "\u3000", "/", "·", "，")
_ESTATE_SUFFIXES = ("小区", "花园", "家园", "新村", "公寓", "佳园", "华庭", "名邸", "雅居")
_PHASE_CN = {f"{cn_integer(i)}期": f"{i}期" for i in range(1, 10)}
_OTHER_CITIES = (
    "江苏省苏州市姑苏区",
    "江苏苏州工业园区",
    "安徽省马鞍山市花山区",
    "江苏省镇江市京口区",
    "上海市浦东新区",
)
_FULLWIDTH = str.maketrans("0123456789-#", "０１２３４５６７８９－＃")
_EXCLUDED = frozenset(EXCLUDED_STATUSES)


@dataclass(frozen=True, slots=True)
class GovHome:
    house_code: str
    district_code: str
    district: str
    street: str
    estate: str
    road: str
    door: str
    building: str
    building_code: str
    unit: str
    floor: str
    room: str
    floors_above: int


def read_export(path: Path) -> list[GovHome]:
    """The homes of an ``anju registry export-homes`` CSV that exist (demolished and planned ones skipped)."""
    out: list[GovHome] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            if r["status"] in _EXCLUDED or not r["room_no"] or not r["building_no"]:
                continue
            out.append(
                GovHome(
                    r["house_code"],
                    r["district_code"],
                    r["district_name"],
                    r["street_name"],
                    r["estate_name"],
                    r["road"],
                    r["door_no"],
                    r["building_no"],
                    r["building_house_code"],
                    r["unit_no"],
                    r["floor_label"],
                    r["room_no"],
                    int(r["floors_above"] or 0),
                )
            )
    return out


class _Index:
    """What tells whether a partial address still names one estate, and whether a home exists."""

    def __init__(self, homes: Sequence[GovHome]) -> None:
        est = {(h.district_code, h.estate, h.road, h.door) for h in homes}
        self.by_name = Counter(e[1] for e in est)
        self.by_district_name = Counter((e[0], e[1]) for e in est)
        self.by_road = Counter((e[2], e[3]) for e in est if e[2])
        self.by_district_road = Counter((e[0], e[2], e[3]) for e in est if e[2])
        self.names = {e[1] for e in est}
        self.homes = {(h.estate, h.building, h.unit or "1", h.room) for h in homes}
        self.units: Counter[str] = Counter()
        for code, _u in {(h.building_code, h.unit) for h in homes}:
            self.units[code] += 1
        self.max_building: dict[str, int] = {}
        for h in homes:
            if h.building.isdigit():
                self.max_building[h.estate] = max(self.max_building.get(h.estate, 0), int(h.building))
        self.heads = sorted({n[:2] for n in self.names if len(n) >= 4})
        self.tails = sorted({n[2:] for n in self.names if len(n) >= 4})

    def names_one(self, h: GovHome, district: bool, road: bool, estate: bool) -> bool:
        """Whether an address with (or without) district, road + door and estate names h's estate alone."""
        if estate and road and h.road and self.by_name[h.estate] == 1:
            return True
        if estate and (
            self.by_name[h.estate] == 1 or (district and self.by_district_name[(h.district_code, h.estate)] == 1)
        ):
            return True
        return bool(
            road
            and h.road
            and (
                self.by_road[(h.road, h.door)] == 1
                or (district and self.by_district_road[(h.district_code, h.road, h.door)] == 1)
            )
        )


def _draw(table: Sequence[tuple[str, float]], rnd: Callable[[], float]) -> str:
    x = rnd() * sum(w for _, w in table)
    for name, w in table:
        x -= w
        if x < 0:
            return name
    return table[-1][0]


class GovWriter:
    def __init__(
        self, homes: Sequence[GovHome], rng: random.Random, city: str = "南京市", province: str = "江苏省"
    ) -> None:
        self.homes = homes
        self.idx = _Index(homes)
        self.rng = rng
        self.city, self.province = city, province
        self.city_short, self.province_short = city.removesuffix("市"), province.removesuffix("省")

    def record(self, h: GovHome, no_home: bool) -> tuple[str, str | None, tuple[str, ...]] | None:  # noqa: PLR0912
        rnd = self.rng.random
        kind = ""
        estate, building, room, floor, unit = h.estate, h.building, h.room, h.floor, h.unit
        if no_home:
            kind = _draw(NO_HOME, rnd)
            if kind == "no_home:floor" and room.isdigit() and len(room) >= 3:
                floor = str(h.floors_above + 1 + int(rnd() * 3))
                room = floor + room[-2:]
            elif kind == "no_home:building" and h.estate in self.idx.max_building:
                building = str(self.idx.max_building[h.estate] + 1 + int(rnd() * 4))
            elif kind == "no_home:estate" and self.idx.heads:
                for _ in range(20):
                    estate = self.rng.choice(self.idx.heads) + self.rng.choice(self.idx.tails)
                    if estate not in self.idx.names:
                        break
                else:
                    return None
            elif kind != "no_home:other_city":
                return None
            if kind != "no_home:other_city" and (estate, building, unit or "1", room) in self.idx.homes:
                return None
        # one form per slot (an empty name: the register's own form)
        chosen = [v for slot in (REGION, DISTRICT, ROAD, ESTATE, BUILDING, UNIT_ROOM) if (v := _draw(slot, rnd))]
        # identity: drop what would leave the record naming several estates (or none)
        district = not ({"no_district_no_street", "street_no_district"} & set(chosen))
        road = "no_road" not in chosen and bool(h.road)
        has_estate = "no_estate" not in chosen
        if kind == "no_home:estate" and not has_estate:
            chosen.remove("no_estate")
            has_estate = True
        if kind == "no_home:estate":
            road = False  # an invented estate keeps no real road
        elif not self.idx.names_one(h, district, road, has_estate):
            for v in ("no_district_no_street", "street_no_district", "no_road", "no_estate"):
                if v in chosen:
                    chosen.remove(v)
            district, road, has_estate = True, bool(h.road), True
        if "estate_suffix_dropped" in chosen and not road:
            chosen.remove("estate_suffix_dropped")  # a shortened name alone may fit several estates
        single = self.idx.units[h.building_code] <= 1
        chosen = [v for v in chosen if not (v == "unit_written_single" and not single)]
        chosen += [v for v, rate in TEXT if rnd() < rate]
        text = self._render(
            h, set(chosen), estate, building, unit if not single else "", floor, room, district, road, has_estate, kind
        )
        return text, None if no_home else h.house_code, tuple(([kind] if kind else []) + chosen)

    def _region(self, v: set[str]) -> list[str]:
        p, c, ps, cs = self.province, self.city, self.province_short, self.city_short
        forms = {
            "": [c],
            "region_province_city": [p, c],
            "region_none": [],
            "region_short_both": [ps, cs],
            "region_short_then_city": [ps, cs, c],
            "region_city_repeated": [c, c],
            "region_city_no_shi": [cs],
            "region_province_short_city": [ps, c],
            "region_province_city_short": [p, cs],
            "region_china": ["中国", p, c],
            "region_separated": [p, c],
        }
        name = next((x for x in forms if x in v), "")
        return forms[name]

    def _render(  # noqa: PLR0912
        self,
        h: GovHome,
        v: set[str],
        estate: str,
        building: str,
        unit: str,
        floor: str,
        room: str,
        district: bool,
        road: bool,
        has_estate: bool,
        kind: str,
    ) -> str:
        rnd = self.rng.random
        head: list[str] = []
        if kind == "no_home:other_city":
            head.append(self.rng.choice(_OTHER_CITIES))
        else:
            head += self._region(v)
            if district:
                if "street_no_district" not in v:
                    head.append(
                        h.district.removesuffix("区") if "district_no_qu" in v and len(h.district) > 2 else h.district
                    )
                if "district_and_street" in v and h.street:
                    head.append(h.street)
            if "street_no_district" in v and h.street:
                head.append(h.street)
        sep = self.rng.choice(_SEPARATORS) if "region_separated" in v else ""
        body: list[str] = []
        road_text = ""
        if road:
            door = cn_integer(int(h.door)) if "door_cn_numeral" in v and h.door.isdigit() else h.door
            road_text = f"{h.road}{door}号" + ("院" if "door_hao_yuan" in v else "")
        name = estate
        if "estate_suffix_dropped" in v:
            for suf in _ESTATE_SUFFIXES:
                if name.endswith(suf) and len(name) - len(suf) >= 2:
                    name = name[: -len(suf)]
                    break
        if "estate_xiaoqu_added" in v and not name.endswith("小区"):
            name += "小区"
        if "estate_phase_digits" in v:
            for cn, digits in _PHASE_CN.items():
                name = name.replace(cn, digits)
        if road_text and ("road_after_estate" in v or "road_in_brackets" in v) and has_estate:
            body += [name, f"（{road_text}）" if "road_in_brackets" in v else road_text]
        else:
            body += [road_text] if road_text else []
            body += [name] if has_estate else []
        body.append(self._structure(v, building, unit, floor, room, rnd))
        joiner = " " if "spaces_between" in v else ""
        text = sep.join(head) + joiner + joiner.join(x for x in body if x)
        if "label_prefix" in v:
            text = self.rng.choice(_LABELS) + text
        if "traditional" in v:
            text = to_traditional(text)
        if "fullwidth_digits" in v:
            text = text.translate(_FULLWIDTH)
        return text

    @staticmethod
    def _structure(v: set[str], b: str, u: str, floor: str, room: str, rnd: Callable[[], float]) -> str:  # noqa: PLR0912
        if "unit_written_single" in v and not u:
            u = "1"
        if "dash_triple" in v:
            return f"{b}-{u}-{room}" if u else f"{b}-{room}"
        numeric = b.isdigit()
        if "building_cn_numeral" in v and numeric:
            bw = cn_integer(int(b)) + ("幢" if rnd() < 0.5 else "栋")
        elif "building_dong" in v:
            bw = f"{b}栋"
        elif "building_haolou" in v:
            bw = f"{b}号楼"
        elif "building_hash" in v:
            bw = f"{b}#"
        elif "building_hao" in v:
            bw = f"{b}号"
        elif "building_zuo" in v:
            bw = f"{b}座"
        elif "building_di" in v:
            bw = f"第{b}栋"
        else:
            bw = f"{b}幢"
        if "unit_dash_room" in v and u:
            return f"{bw}{u}-{room}"
        r = room
        if "room_cn_numeral" in v and room.isdigit():
            r = cn_digits(room, "〇" if rnd() < 0.5 else "零")
        suffix = "室"
        if "room_suffix_hao" in v:
            suffix = "号"
        elif "room_suffix_hu" in v:
            suffix = "户"
        elif "room_bare" in v:
            suffix = ""
        uw = ""
        if u:
            uw = (cn_integer(int(u)) if "unit_cn_numeral" in v and u.isdigit() else u) + "单元"
        fw = ""
        if "floor_written" in v:
            fw = floor + ("楼" if rnd() < 0.5 else "层")
            suffix = "室" if rnd() < 0.5 else ""
        if "unit_after_room" in v and uw:
            return f"{bw}{fw}{r}{suffix or '室'}{uw}"
        return f"{bw}{uw}{fw}{r}{suffix}"


def generate(
    homes: Sequence[GovHome], n: int, seed: int = 1, *, no_home_share: float = NO_HOME_SHARE
) -> Iterator[NoisyRecord]:
    """``n`` records drawn from ``homes`` (see the module doc); ids G00000001…"""
    if not homes:
        raise ValueError("no homes to draw from")
    rng = random.Random(f"gov:{seed}")
    w = GovWriter(homes, rng)
    produced = 0
    while produced < n:
        h = homes[int(rng.random() * len(homes))]
        rec = w.record(h, rng.random() < no_home_share)
        if rec is None:
            continue
        produced += 1
        yield NoisyRecord(f"G{produced:08d}", *rec)


__all__ = ["NO_HOME_SHARE", "GovHome", "GovWriter", "generate", "read_export"]
