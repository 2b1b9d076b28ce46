"""How departments write one address: every listed variation parses to the same components.

Issue 26: prefixes written redundantly, short, repeated, in traditional characters or with
separators between; labels before the address (住址：, 户籍地址：); records with neither district nor
street; building numbers in Chinese numerals and other notations; building–unit–room as a dash
triple after a long prefix; unit and room in other orders; full-width digits; 室/号/户 or no suffix;
road + door forms (号院, Chinese numerals, after the estate, in brackets). One table row per pattern,
then a property test: a canonical address and any combination of its variations parse to the same
components. The patterns are written here from the list in ``docs/address-noisy.md``, not from
either noise model's generator.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anju.addresses import parse
from anju.addresses.linkage import record_components
from anju.addresses.noisy_variations import to_traditional
from anju.addresses.parser import estate_key
from anju.addresses.textnorm import cn_numerals

# 南京市鼓楼区宏运街73号清凉府二期12幢2单元301室, component by component
HOME: dict[str, Any] = {
    "district_code": "320106",
    "road": "宏运街",
    "door": "73",
    "estate": "清凉府2期",
    "building": "12",
    "unit": "2",
    "room": "301",
}
TAIL = "清凉府二期12幢2单元301室"


def home(**over: Any) -> dict[str, Any]:
    return {k: v for k, v in (HOME | over).items() if v is not ...}


CASES: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = [
    # -- administrative prefix ---------------------------------------------------------------------
    ("short_then_city", f"江苏南京南京市鼓楼区宏运街73号{TAIL}", home(), ("redundant_prefix",)),
    ("city_repeated", f"南京市南京市鼓楼区宏运街73号{TAIL}", home(), ("redundant_prefix",)),
    ("province_short_city", f"江苏南京市鼓楼区宏运街73号{TAIL}", home(), ()),
    ("province_city_short", f"江苏省南京鼓楼区宏运街73号{TAIL}", home(), ()),
    ("city_no_shi", f"南京鼓楼区宏运街73号{TAIL}", home(), ()),
    ("traditional_prefix", "江蘇省南京市鼓樓區宏運街73號清涼府二期12幢2單元301室", home(), ()),
    ("spaces_between", f"江苏省 南京市 鼓楼区 宏运街73号 {TAIL}", home(), ()),
    ("slashes_between", f"江苏省/南京市/鼓楼区/宏运街73号{TAIL}", home(), ()),
    ("dots_between", f"江苏·南京·鼓楼区宏运街73号{TAIL}", home(), ()),
    ("commas_between", f"江苏省，南京市，鼓楼区，宏运街73号{TAIL}", home(), ()),
    ("district_no_qu_after_city", f"南京鼓楼宏运街73号{TAIL}", home(), ("district_short",)),
    ("district_no_qu_first", f"鼓楼宏运街73号{TAIL}", home(), ("district_short",)),
    (
        "district_no_qu_before_estate",
        "江苏南京鼓楼清凉府二期12幢2单元301室",
        home(road=None, door=None),
        ("district_short",),
    ),
    ("door_cn_in_brackets", "鼓楼区清凉府二期（宏运街七十三号）12幢2单元301室", home(), ("before_road",)),
    ("street_without_district", f"南京市宁海路街道宏运街73号{TAIL}", home(), ()),
    # -- labels of forms and documents -------------------------------------------------------------
    ("label_zhuzhi", f"住址：江苏省南京市鼓楼区宏运街73号{TAIL}", home(), ("label_removed",)),
    ("label_huji", f"户籍地址:南京市鼓楼区宏运街73号{TAIL}", home(), ("label_removed",)),
    ("label_zhu", f"住南京市鼓楼区宏运街73号{TAIL}", home(), ("label_removed",)),
    ("label_xianzhu", f"现住鼓楼区宏运街73号{TAIL}", home(), ("label_removed",)),
    # -- neither district nor street ---------------------------------------------------------------
    ("no_district_no_street", f"宏运街73号{TAIL}", home(district_code=None), ()),
    ("no_district_cn_building", "宏运街73号清凉府二期十二幢2单元301室", home(district_code=None), ()),
    ("no_district_no_road", "清凉府二期十二栋2单元301室", home(district_code=None, road=None, door=None), ()),
    # -- building notations ------------------------------------------------------------------------
    ("building_cn_zhuang", "鼓楼区宏运街73号清凉府二期十二幢2单元301室", home(), ()),
    ("building_cn_dong", "鼓楼区宏运街73号清凉府二期十二栋2单元301室", home(), ()),
    ("building_haolou", "鼓楼区宏运街73号清凉府二期12号楼2单元301室", home(), ()),
    ("building_hash", "鼓楼区宏运街73号清凉府二期12#2单元301室", home(), ()),
    ("building_di", "鼓楼区宏运街73号清凉府二期第12栋2单元301室", home(), ()),
    ("building_hao", "鼓楼区宏运街73号清凉府二期12号2单元301室", home(), ()),
    ("building_zuo", "鼓楼区宏运街73号清凉府二期12座2单元301室", home(), ()),
    # -- building, unit and room -------------------------------------------------------------------
    ("dash_triple_long_prefix", "中国江苏省南京市鼓楼区宁海路街道宏运街73号清凉府二期12-2-301", home(), ("shorthand",)),
    ("dash_triple_no_district", "江苏南京宏运街73号清凉府二期12-2-301", home(district_code=None), ("shorthand",)),
    ("unit_dash_room", "鼓楼区宏运街73号清凉府二期12栋2-301", home(), ("shorthand",)),
    ("unit_after_room", "鼓楼区宏运街73号清凉府二期12幢301室2单元", home(), ("unit_after_room",)),
    ("unit_cn", "鼓楼区宏运街73号清凉府二期12幢二单元301室", home(), ()),
    ("room_hao", "鼓楼区宏运街73号清凉府二期12幢2单元301号", home(), ()),
    ("room_hu", "鼓楼区宏运街73号清凉府二期12幢2单元301户", home(), ()),
    ("room_bare", "鼓楼区宏运街73号清凉府二期12幢2单元301", home(), ()),
    ("room_cn_digits", "鼓楼区宏运街73号清凉府二期12幢2单元三〇一室", home(), ()),
    ("room_cn_integer", "鼓楼区宏运街73号清凉府二期12幢2单元三百零一室", home(), ()),
    ("floor_then_room", "鼓楼区宏运街73号清凉府二期12幢2单元3楼301", home(), ()),
    ("fullwidth", "鼓楼区宏运街７３号清凉府二期１２幢２单元３０１室", home(), ()),
    ("fullwidth_dash_triple", "鼓楼区宏运街７３号清凉府二期１２－２－３０１", home(), ("shorthand",)),
    # -- road and door -----------------------------------------------------------------------------
    ("door_cn", f"鼓楼区宏运街七十三号{TAIL}", home(), ()),
    ("door_hao_yuan", f"鼓楼区宏运街73号院{TAIL}", home(), ()),
    ("road_after_estate", "鼓楼区清凉府二期宏运街73号12幢2单元301室", home(), ("before_road",)),
    (
        "li_estate_before_road",
        "鼓楼区春江里宏运街73号12幢2单元301室",
        home(estate="春江里"),
        ("before_road",),
    ),
    ("li_in_road_name", "鼓楼区三里河东路73号清凉府二期12幢2单元301室", home(road="三里河东路"), ()),
    ("road_in_brackets", "鼓楼区清凉府二期（宏运街73号）12幢2单元301室", home(), ("before_road",)),
    # -- estate forms ------------------------------------------------------------------------------
    ("estate_phase_digits", "鼓楼区宏运街73号清凉府2期12幢2单元301室", home(), ()),
    ("estate_xiaoqu", "鼓楼区宏运街73号清凉府二期小区12幢2单元301室", home(), ()),
]


@pytest.mark.parametrize(("text", "expected", "notes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_pattern_parses_to_the_same_components(
    text: str, expected: dict[str, Any], notes: tuple[str, ...]
) -> None:
    p = parse(text)
    assert p.ok, p.error
    got = {k: getattr(p, k) for k in expected}
    got["estate"] = estate_key(p.estate)
    assert got == expected | {"estate": estate_key(expected["estate"])}
    codes = {n.split(":", 1)[0] for n in p.notes}
    assert set(notes) <= codes, p.notes


def test_a_short_place_name_at_the_start_is_not_a_district_before_a_short_road() -> None:
    # 鼓楼 + 街12号 would leave a road with no name: 鼓楼街 is the road
    p = parse("鼓楼街12号金陵花园3幢502室")
    assert p.district_code is None
    assert p.road == "鼓楼街"


@pytest.mark.parametrize("text", ["南京秦淮花园3幢502室", "南京玄武湖小区3幢502室", "南京玄武苑3幢502室"])
def test_a_place_name_going_on_as_an_estate_name_is_no_district(text: str) -> None:
    p = parse(text)
    assert p.district_code is None
    assert p.estate == text[2:-6]


def test_a_bracket_without_a_road_is_still_removed() -> None:
    p = parse("鼓楼区宏运街73号清凉府二期（出租）12幢2单元301室")
    assert (p.building, p.unit, p.room) == ("12", "2", "301")
    assert any(n.startswith("bracket_removed") for n in p.notes)


def test_zhu_is_a_label_only_before_a_place_name() -> None:
    # 住友花园 is an estate, not 住 + 友花园
    p = parse("住友花园3幢502室")
    assert p.estate == "住友花园"
    assert not any(n.startswith("label_removed") for n in p.notes)


# -- property: any combination of variations parses to the canonical components ----------------------
ESTATES = ("金陵花园", "清凉府二期", "翠屏佳园", "银城小区", "月牙家园三期", "梅园新村")
ROADS = (("320102", "中山路"), ("320106", "宏运街"), ("320104", "中华路"), ("320113", "学府街"))
DISTRICTS = {"320102": "玄武区", "320106": "鼓楼区", "320104": "秦淮区", "320113": "栖霞区"}
CN = "零一二三四五六七八九"


def cn_int(n: int) -> str:
    """1–99 as read aloud (十二, 二十, 七十三)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN[ones]
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[ones] if ones else "")


@st.composite
def variants(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    code, road = draw(st.sampled_from(ROADS))
    estate = draw(st.sampled_from(ESTATES))
    door = draw(st.integers(1, 99))
    building = draw(st.integers(1, 40))
    unit = draw(st.none() | st.integers(1, 4))
    floor = draw(st.integers(1, 30))
    room = f"{floor}{draw(st.integers(1, 4)):02d}"
    region = draw(
        st.sampled_from(
            [
                "",
                "南京市",
                "江苏省南京市",
                "江苏南京",
                "江苏南京南京市",
                "南京市南京市",
                "南京",
                "江苏省南京",
                "中国江苏省南京市",
            ]
        )
    )
    sep = draw(st.sampled_from(["", " ", "，", "/", "·"]))
    district_form = draw(st.sampled_from(["full", "none", "short"]))
    road_form = draw(st.sampled_from(["plain", "yuan", "cn", "after_estate", "brackets", "none"]))
    if road_form in ("none", "after_estate", "brackets") and district_form == "short":
        district_form = "full"  # a short district name (玄武) is read as one only right before a road
    district = DISTRICTS[code]
    head = [x for x in (region[:2], region[2:]) if x] if sep and len(region) == 4 else ([region] if region else [])
    if district_form == "full":
        head.append(district)
    elif district_form == "short":
        head.append(district.removesuffix("区"))
    door_text = cn_int(door) if road_form == "cn" else str(door)
    road_text = f"{road}{door_text}号" + ("院" if road_form == "yuan" else "")
    est = estate + draw(st.sampled_from(["", "小区"])) if not estate.endswith("小区") else estate
    b_form = draw(st.sampled_from(["幢", "栋", "号楼", "#", "座", "第栋", "cn幢", "cn栋"]))
    b = cn_int(building) if b_form.startswith("cn") else str(building)
    bw = f"第{b}栋" if b_form == "第栋" else b + b_form.removeprefix("cn")
    tail_form = draw(st.sampled_from(["words", "dash", "unit_dash", "unit_after", "floor"]))
    suffix = draw(st.sampled_from(["室", "号", "户", ""]))
    if tail_form == "dash":
        tail = f"{building}-{unit}-{room}" if unit else f"{building}-{room}"
    elif tail_form == "unit_dash" and unit:
        tail = f"{bw}{unit}-{room}"
    elif tail_form == "unit_after" and unit:
        tail = f"{bw}{room}{suffix or '室'}{unit}单元"
    elif tail_form == "floor":
        tail = f"{bw}{f'{unit}单元' if unit else ''}{floor}楼{room}{suffix}"
    else:
        u = (CN[unit] if draw(st.booleans()) else str(unit)) + "单元" if unit else ""
        tail = f"{bw}{u}{room}{suffix}"
    if road_form == "none":
        body = [est, tail]
    elif road_form == "after_estate":
        body = [est, road_text, tail]
    elif road_form == "brackets":
        body = [est, f"（{road_text}）", tail]
    else:
        body = [road_text, est, tail]
    spaced = draw(st.booleans())
    text = sep.join(head) + (" " if spaced else "") + (" " if spaced else "").join(body)
    if draw(st.booleans()):
        text = draw(st.sampled_from(["住址：", "户籍地址：", "住", "现住"])) + text if head else text
    if draw(st.integers(0, 4)) == 0:
        text = to_traditional(text)
    if draw(st.integers(0, 4)) == 0:
        text = text.translate(str.maketrans("0123456789-#", "０１２３４５６７８９－＃"))
    expected = {
        "district": code if district_form != "none" else None,
        "road": road if road_form != "none" else None,
        "door": str(door) if road_form != "none" else None,
        "estate": estate_key(cn_numerals(estate)),
        "building": str(building),
        "unit": str(unit) if unit else None,
        "room": room,
    }
    return text, expected


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variants())
def test_every_variation_parses_to_the_canonical_components(case: tuple[str, dict[str, Any]]) -> None:
    text, expected = case
    p = parse(text)
    assert p.ok, (text, p.error)
    comp = record_components(p)
    got = {k: comp[k] for k in expected}
    assert got == expected, (text, p.notes)


@pytest.mark.parametrize("text", ["江苏苏州工业园区星湖街88号1幢101室", "江苏省无锡滨湖区蠡湖大道8号1幢101室"])
def test_another_city_of_the_province_without_shi_is_not_ours(text: str) -> None:
    p = parse(text)
    assert p.error is not None and p.error.startswith("other_city")


def test_a_road_named_after_another_city_is_a_road() -> None:
    p = parse("江苏苏州路12号金陵花园1幢101室")
    assert p.ok
    assert (p.road, p.door) == ("苏州路", "12")


@pytest.mark.parametrize(
    ("text", "road", "door", "estate"),
    [
        # the city without 市, then a road that begins with 大: not a road named 南京大厂路
        ("南京大厂路121号和园华庭四期67幢2单元401室", "大厂路", "121", "和园华庭4期"),
        ("江苏南京大明巷3号金陵花园3幢502室", "大明巷", "3", "金陵花园"),
        ("南京大厂大街一百一十二号月牙家园46栋201室", "大厂大街", "112", "月牙家园"),
        # roads and estates named after the place stay whole
        ("南京大街12号金陵花园3幢502室", "南京大街", "12", "金陵花园"),
        ("南京大道5号金陵花园3幢502室", "南京大道", "5", "金陵花园"),
        ("江苏大厦3幢502室", None, None, "江苏大厦"),
    ],
)
def test_the_city_short_name_before_a_road_beginning_with_da(
    text: str, road: str | None, door: str | None, estate: str
) -> None:
    p = parse(text)
    assert p.ok, p.error
    assert (p.road, p.door, p.estate) == (road, door, estate)


@pytest.mark.parametrize(
    ("text", "road"),
    [
        ("北京路58号江宁华庭5幢1401室", "北京路"),
        ("北京街13号石城雅居三期5幢601室", "北京街"),
        ("上海路12号金陵花园1幢101室", "上海路"),
    ],
)
def test_a_road_named_after_a_municipality_is_a_road(text: str, road: str) -> None:
    p = parse(text)
    assert p.ok, p.error
    assert p.road == road


@pytest.mark.parametrize(
    "text", ["北京市朝阳区建国路1号1幢101室", "北京朝阳区建国路1号1幢101室", "上海浦东新区世纪大道1号"]
)
def test_an_address_in_a_municipality_is_still_not_ours(text: str) -> None:
    p = parse(text)
    assert p.error is not None and p.error.startswith("other_city")
