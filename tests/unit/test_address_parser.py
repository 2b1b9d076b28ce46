"""The address parser, table-driven: every kind of address real records contain, and bad input.

Each case states the components it expects (a component named ``None`` must be absent), the
canonical form where it matters, and the notes and ambiguities the parser must report (by their
code: the text before the colon). A case that names no ambiguities expects none. ``CASES`` is also
the hand-labelled part of ``bench/address_parsers_compare.py``'s corpus.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from anju.addresses import ParsedAddress, parse
from anju.addresses.parser import MAX_LENGTH, Parser
from anju.cli import main

CANON = "江苏省南京市玄武区中山路12号金陵花园3幢1单元502室"
#: 南京市玄武区中山路12号金陵花园3幢1单元502室, component by component.
STD: dict[str, Any] = {
    "district": "玄武区",
    "district_code": "320102",
    "road": "中山路",
    "door": "12",
    "estate": "金陵花园",
    "building": "3",
    "unit": "1",
    "floor": 5,
    "room": "502",
    "canonical": CANON,
}


def std(**over: Any) -> dict[str, Any]:
    return STD | over


def sloppy_cp1252(text: str) -> str:
    """UTF-8 bytes shown as Windows-1252, the five undefined bytes as C1 controls (what tools print)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode())


# (id, text, expected). Keys are ParsedAddress fields, plus "notes" / "ambiguities": the codes that
# must be reported (each code at the start of one entry).
CASES: list[tuple[str, str, dict[str, Any]]] = [
    # -- register style and its everyday variants ------------------------------------------------
    ("register", "南京市玄武区中山路12号金陵花园3幢1单元502室", std(city="南京市", province=None)),
    ("province", "江苏省南京市玄武区中山路12号金陵花园3幢1单元502室", std(province="江苏省", city="南京市")),
    ("country", "中国江苏省南京市玄武区中山路12号金陵花园3幢1单元502室", std(province="江苏省")),
    ("short_prefixes", "江苏南京玄武区中山路12号金陵花园3幢1单元502室", std(province="江苏省", city="南京市")),
    (
        "no_unit",
        "南京市鼓楼区湖南路8号银城小区12幢302室",
        {
            "district": "鼓楼区",
            "road": "湖南路",
            "door": "8",
            "estate": "银城小区",
            "building": "12",
            "unit": None,
            "floor": 3,
            "room": "302",
            "canonical": "江苏省南京市鼓楼区湖南路8号银城小区12幢302室",
        },
    ),
    (
        "high_floor",
        "南京市建邺区江东路300号滨江华庭2幢2单元2304室",
        {
            "district": "建邺区",
            "road": "江东路",
            "door": "300",
            "estate": "滨江华庭",
            "building": "2",
            "unit": "2",
            "floor": 23,
            "room": "2304",
        },
    ),
    (
        "door_sub_number",
        "南京市秦淮区集庆路12-1号金陵花园3幢1单元502室",
        {
            "district": "秦淮区",
            "road": "集庆路",
            "door": "12-1",
            "estate": "金陵花园",
            "canonical": "江苏省南京市秦淮区集庆路12-1号金陵花园3幢1单元502室",
        },
    ),
    (
        "road_dadao",
        "南京市栖霞区仙林大道163号紫金家园5幢1单元601室",
        {"district": "栖霞区", "road": "仙林大道", "door": "163", "estate": "紫金家园", "building": "5", "room": "601"},
    ),
    (
        "road_dajie",
        "南京市秦淮区太平大街9号秋月名邸1幢101室",
        {"district": "秦淮区", "road": "太平大街", "door": "9", "estate": "秋月名邸", "building": "1", "room": "101"},
    ),
    (
        "road_jie",
        "南京市玄武区丹凤街20号兰亭公寓2幢302室",
        {"road": "丹凤街", "door": "20", "estate": "兰亭公寓", "building": "2", "room": "302"},
    ),
    (
        "road_xiang",
        "南京市秦淮区大明巷5号朝阳里3幢201室",
        {"road": "大明巷", "door": "5", "estate": "朝阳里", "building": "3", "room": "201"},
    ),
    (
        "estate_phase",
        "南京市江宁区胜太路12号翠屏佳园二期3幢1单元502室",
        {
            "district": "江宁区",
            "road": "胜太路",
            "estate": "翠屏佳园2期",
            "building": "3",
            "unit": "1",
            "room": "502",
            "canonical": "江苏省南京市江宁区胜太路12号翠屏佳园2期3幢1单元502室",
        },
    ),
    (
        "estate_fu",
        "南京市鼓楼区宁海路3号御湖府8幢1单元1101室",
        {"estate": "御湖府", "building": "8", "unit": "1", "floor": 11, "room": "1101"},
    ),
    (
        "village",
        "南京市六合区雄州街道金陵村3幢201室",
        {"district": "六合区", "street": "雄州街道", "road": None, "estate": "金陵村", "building": "3", "room": "201"},
    ),
    (
        "floor_only",
        "南京市玄武区中山路12号金陵花园3幢1单元5层",
        std(room=None, floor=5, canonical="江苏省南京市玄武区中山路12号金陵花园3幢1单元5层"),
    ),
    (
        "basement",
        "南京市玄武区中山路12号金陵花园3幢地下1层",
        std(unit=None, room=None, floor=-1, canonical="江苏省南京市玄武区中山路12号金陵花园3幢-1层"),
    ),
    (
        "basement_minus",
        "南京市玄武区中山路12号金陵花园3幢1单元负2层",
        std(room=None, floor=-2, canonical="江苏省南京市玄武区中山路12号金陵花园3幢1单元-2层"),
    ),
    ("floor_word_and_room", "南京市玄武区中山路12号金陵花园3号楼1单元5楼502", std()),
    ("room_fang", "南京市玄武区中山路12号金陵花园3幢1单元502房", std()),
    ("room_hu", "南京市玄武区中山路12号金陵花园3幢1单元502户", std()),
    ("room_bare", "南京市玄武区中山路12号金陵花园3幢1单元502", std()),
    ("building_dong", "南京市玄武区中山路12号金陵花园3栋1单元502室", std()),
    ("building_haolou", "南京市玄武区中山路12号金陵花园3号楼1单元502室", std()),
    ("building_hash", "南京市玄武区中山路12号金陵花园3#1单元502室", std()),
    ("building_hao", "南京市玄武区中山路12号金陵花园3号1单元502室", std()),
    (
        "estate_xiaoqu",
        "南京市玄武区中山路12号金陵花园小区3栋1单元502室",
        std(estate="金陵花园小区", canonical="江苏省南京市玄武区中山路12号金陵花园小区3幢1单元502室"),
    ),
    # -- streets, towns, communities ---------------------------------------------------------------
    (
        "street",
        "南京市玄武区新街口街道中山路12号金陵花园3幢1单元502室",
        std(
            street="新街口街道",
            street_code="320102003",
            canonical="江苏省南京市玄武区新街口街道中山路12号金陵花园3幢1单元502室",
        ),
    ),
    (
        "street_gives_district",
        "南京市新街口街道中山路12号金陵花园3幢1单元502室",
        std(street="新街口街道", canonical="江苏省南京市玄武区新街口街道中山路12号金陵花园3幢1单元502室"),
    ),
    (
        "street_and_community",
        "南京市玄武区梅园新村街道丹凤街社区中山路12号金陵花园3幢1单元502室",
        std(
            street="梅园新村街道",
            community="丹凤街社区",
            canonical="江苏省南京市玄武区梅园新村街道中山路12号金陵花园3幢1单元502室",
        ),
    ),
    ("community_only", "南京市玄武区丹凤街社区中山路12号金陵花园3幢1单元502室", std(community="丹凤街社区")),
    (
        "town",
        "南京市溧水区白马镇永阳路8号芳草苑2幢301室",
        {
            "district": "溧水区",
            "street": "白马镇",
            "street_code": "320117101",
            "road": "永阳路",
            "door": "8",
            "estate": "芳草苑",
            "building": "2",
            "room": "301",
        },
    ),
    (
        "town_doubled_name",
        "南京市六合区竹镇镇永阳路8号芳草苑2幢301室",
        {"district": "六合区", "street": "竹镇镇", "road": "永阳路", "estate": "芳草苑"},
    ),
    (
        "street_office",
        "南京市玄武区新街口街道办事处中山路12号金陵花园3幢1单元502室",
        std(street="新街口街道", canonical="江苏省南京市玄武区新街口街道中山路12号金陵花园3幢1单元502室"),
    ),
    (
        "street_of_other_district",
        "南京市鼓楼区新街口街道中山路12号金陵花园3幢1单元502室",
        std(
            district="鼓楼区",
            district_code="320106",
            street="新街口街道",
            canonical=None,
            ambiguities=["street_district"],
        ),
    ),
    (
        "unknown_street",
        "南京市玄武区幸福街道中山路12号金陵花园3幢1单元502室",
        std(street="幸福街道", street_code=None, notes=["unknown_street"], canonical=None),
    ),
    # -- Chinese and full-width numerals -----------------------------------------------------------
    ("cn_numerals", "南京市玄武区中山路12号金陵花园三幢一单元五〇二室", std()),
    (
        "cn_numerals_tens",
        "南京市玄武区中山路12号金陵花园十二栋一单元五零二室",
        std(building="12", canonical="江苏省南京市玄武区中山路12号金陵花园12幢1单元502室"),
    ),
    ("cn_numerals_ordinal", "南京市玄武区中山路12号金陵花园第三幢第一单元502室", std()),
    (
        "cn_numerals_twenty",
        "南京市玄武区中山路12号金陵花园二十一幢302室",
        std(building="21", unit=None, floor=3, room="302", canonical="江苏省南京市玄武区中山路12号金陵花园21幢302室"),
    ),
    (
        "cn_numerals_positional",
        "南京市玄武区中山路12号金陵花园3幢1单元一千二百零三室",
        std(floor=12, room="1203", canonical="江苏省南京市玄武区中山路12号金陵花园3幢1单元1203室"),
    ),
    ("cn_numerals_door", "南京市玄武区中山路十二号金陵花园3幢1单元502室", std()),
    ("cn_numerals_floor", "南京市玄武区中山路12号金陵花园3幢1单元五楼502室", std()),
    ("cn_liang", "南京市玄武区中山路12号金陵花园3幢两单元502室", std(unit="2", canonical=None)),
    ("fullwidth", "南京市玄武区中山路１２号金陵花园３幢１单元５０２室", std()),
    (
        "fullwidth_letters",
        "南京市玄武区中山路１２号金陵花园Ａ座１２０３室",
        std(building="A", unit=None, floor=12, room="1203", canonical="江苏省南京市玄武区中山路12号金陵花园A幢1203室"),
    ),
    # -- letter buildings ----------------------------------------------------------------------------
    (
        "letter_zuo",
        "南京市玄武区中山路12号金陵花园A座1203室",
        std(building="A", unit=None, floor=12, room="1203", canonical="江苏省南京市玄武区中山路12号金陵花园A幢1203室"),
    ),
    (
        "letter_lower",
        "南京市玄武区中山路12号金陵花园b栋2单元1503",
        std(
            building="B",
            unit="2",
            floor=15,
            room="1503",
            canonical="江苏省南京市玄武区中山路12号金陵花园B幢2单元1503室",
        ),
    ),
    (
        "letter_bare",
        "南京市玄武区中山路12号金陵花园A1203",
        std(building="A", unit=None, floor=12, room="1203", canonical="江苏省南京市玄武区中山路12号金陵花园A幢1203室"),
    ),
    # -- hyphenated shorthand -----------------------------------------------------------------------
    ("shorthand3", "南京市玄武区中山路12号金陵花园3-1-502", std(notes=["shorthand"])),
    ("shorthand3_room_word", "南京市玄武区中山路12号金陵花园3-1-502室", std(notes=["shorthand"])),
    ("shorthand3_fullwidth", "南京市玄武区中山路12号金陵花园３－１－５０２", std(notes=["shorthand"])),
    ("shorthand3_dashes", "南京市玄武区中山路12号金陵花园3—1—502", std(notes=["shorthand"])),
    ("shorthand3_zeros", "南京市玄武区中山路12号金陵花园03-01-0502", std(notes=["shorthand"])),
    (
        "shorthand3_letter",
        "南京市玄武区中山路12号金陵花园A-2-1503",
        std(
            building="A",
            unit="2",
            floor=15,
            room="1503",
            canonical="江苏省南京市玄武区中山路12号金陵花园A幢2单元1503室",
            notes=["shorthand"],
        ),
    ),
    ("shorthand4", "南京市玄武区中山路12号金陵花园3-1-5-502", std(notes=["shorthand"])),
    (
        "shorthand2_ambiguous",
        "南京市玄武区中山路12号金陵花园3-502",
        std(unit=None, canonical="江苏省南京市玄武区中山路12号金陵花园3幢502室", ambiguities=["shorthand"]),
    ),
    ("shorthand2_after_building", "南京市玄武区中山路12号金陵花园3栋1-502", std(notes=["shorthand"])),
    ("shorthand2_floor_room", "南京市玄武区中山路12号金陵花园3幢1单元5-502", std(notes=["shorthand"])),
    (
        "shorthand2_sub_room",
        "南京市玄武区中山路12号金陵花园3幢1单元502-1",
        std(
            room="502-1",
            floor=None,
            canonical="江苏省南京市玄武区中山路12号金陵花园3幢1单元502-1室",
            ambiguities=["shorthand"],
        ),
    ),
    (
        "building_hash_room",
        "南京市玄武区中山路12号金陵花园3#502",
        std(unit=None, canonical="江苏省南京市玄武区中山路12号金陵花园3幢502室"),
    ),
    # -- missing levels ------------------------------------------------------------------------------
    ("no_city", "玄武区中山路12号金陵花园3幢1单元502室", std(city=None)),
    (
        "no_district",
        "南京市中山路12号金陵花园3幢1单元502室",
        std(district=None, district_code=None, canonical="江苏省南京市中山路12号金陵花园3幢1单元502室"),
    ),
    (
        "no_admin",
        "中山路12号金陵花园3幢1单元502室",
        std(city=None, district=None, district_code=None, canonical="江苏省南京市中山路12号金陵花园3幢1单元502室"),
    ),
    (
        "no_road",
        "南京市玄武区金陵花园3幢1单元502室",
        std(road=None, door=None, canonical="江苏省南京市玄武区金陵花园3幢1单元502室"),
    ),
    (
        "estate_only",
        "金陵花园3幢1单元502室",
        std(district=None, district_code=None, road=None, door=None, canonical="江苏省南京市金陵花园3幢1单元502室"),
    ),
    (
        "road_only",
        "南京市玄武区中山路12号",
        {"road": "中山路", "door": "12", "estate": None, "building": None, "canonical": "江苏省南京市玄武区中山路12号"},
    ),
    ("road_without_door", "南京市玄武区中山路", {"road": "中山路", "door": None, "estate": None}),
    (
        "road_without_door_then_estate",
        "南京市玄武区中山路金陵花园3幢1单元502室",
        std(door=None, canonical="江苏省南京市玄武区中山路金陵花园3幢1单元502室"),
    ),
    (
        "structure_only",
        "3幢1单元502室",
        {
            "district": None,
            "estate": None,
            "building": "3",
            "unit": "1",
            "room": "502",
            "canonical": "江苏省南京市3幢1单元502室",
        },
    ),
    ("estate_before_road", "南京市玄武区金陵花园中山路12号3幢1单元502室", std(notes=["before_road"])),
    # -- former names, aliases, zones ----------------------------------------------------------------
    (
        "former_district_baixia",
        "南京市白下区中华路12号金陵花园3幢1单元502室",
        {"district": "秦淮区", "district_code": "320104", "road": "中华路", "notes": ["former_name"]},
    ),
    (
        "former_district_xiaguan",
        "南京市下关区建宁路5号江岸花园3幢101室",
        {"district": "鼓楼区", "road": "建宁路", "estate": "江岸花园", "notes": ["former_name"]},
    ),
    (
        "county_to_district",
        "南京市江宁县秣陵路12号金陵花园3幢1单元502室",
        {"district": "江宁区", "district_code": "320115", "road": "秣陵路", "notes": ["former_name"]},
    ),
    (
        "county_to_district_lishui",
        "南京市溧水县永阳路8号芳草苑2幢301室",
        {"district": "溧水区", "notes": ["former_name"]},
    ),
    (
        "former_district_dachang",
        "南京市大厂区大厂路8号芳草苑2幢301室",
        {"district": "六合区", "notes": ["former_name"]},
    ),
    (
        "zone",
        "南京市江北新区浦珠路12号金陵花园3幢1单元502室",
        {
            "zone": "江北新区",
            "district": None,
            "road": "浦珠路",
            "canonical": "江苏省南京市江北新区浦珠路12号金陵花园3幢1单元502室",
        },
    ),
    (
        "zone_with_street",
        "南京市江北新区顶山街道浦珠路12号金陵花园3幢1单元502室",
        {
            "zone": "江北新区",
            "district": "浦口区",
            "street": "顶山街道",
            "road": "浦珠路",
            "canonical": "江苏省南京市浦口区顶山街道浦珠路12号金陵花园3幢1单元502室",
        },
    ),
    (
        "district_then_zone",
        "南京市浦口区江北新区浦珠路12号金陵花园3幢1单元502室",
        {"zone": "江北新区", "district": "浦口区", "road": "浦珠路"},
    ),
    (
        "zone_then_district",
        "南京市江北新区浦口区浦珠路12号金陵花园3幢1单元502室",
        {
            "zone": "江北新区",
            "district": "浦口区",
            "road": "浦珠路",
            "canonical": "江苏省南京市浦口区浦珠路12号金陵花园3幢1单元502室",
        },
    ),
    ("renamed_road", "南京市玄武区中山北路12号金陵花园3幢1单元502室", std(notes=["former_road"])),
    (
        "renamed_road_dajie",
        "南京市鼓楼区汉中门大街12号金陵花园3幢1单元502室",
        {"road": "汉中路", "door": "12", "notes": ["former_road"]},
    ),
    ("short_district", "南京玄武中山路12号金陵花园3幢1单元502室", std(notes=["district_short"])),
    (
        "short_district_and_street",
        "南京市玄武新街口街道中山路12号金陵花园3幢1单元502室",
        std(street="新街口街道", notes=["district_short"], canonical=None),
    ),
    (
        "city_word_in_estate",
        "金陵城市花园3幢1单元502室",
        {"district": None, "estate": "金陵城市花园", "building": "3", "unit": "1", "room": "502"},
    ),
    (
        "city_word_before_xiaoqu",
        "新城市广场小区3幢1单元502室",
        {"district": None, "estate": "新城市广场小区", "building": "3", "unit": "1", "room": "502"},
    ),
    (
        "road_named_after_province",
        "南京市鼓楼区江苏路12号金陵花园3幢",
        {"district": "鼓楼区", "road": "江苏路", "door": "12", "estate": "金陵花园", "building": "3"},
    ),
    ("road_named_after_province_first", "江苏路12号", {"province": None, "road": "江苏路", "door": "12"}),
    (
        "short_name_is_a_street",
        "南京市玄武门街道中山路12号",
        {
            "district": "玄武区",
            "street": "玄武门街道",
            "road": "中山路",
            "door": "12",
            "canonical": "江苏省南京市玄武区玄武门街道中山路12号",
        },
    ),
    (
        "cut_short_district",
        "南京市雨花区软件大道12号",
        {"district": "雨花台区", "road": "软件大道", "door": "12", "notes": ["district_short"]},
    ),
    (
        "town_became_street",
        "南京市江宁区禄口镇禄口路8号芳草苑2幢301室",
        {
            "district": "江宁区",
            "street": "禄口街道",
            "street_code": "320115004",
            "road": "禄口路",
            "notes": ["former_name"],
        },
    ),
    (
        "short_name_is_estate",
        "南京市秦淮花园3幢1单元502室",
        {"district": None, "estate": "秦淮花园", "building": "3", "unit": "1", "room": "502"},
    ),
    # -- typos and homophones -----------------------------------------------------------------------
    (
        "homophone_jianye",
        "南京市建业区江东路12号金陵花园3幢1单元502室",
        {"district": "建邺区", "district_code": "320105", "road": "江东路", "notes": ["homophone"]},
    ),
    (
        "homophone_gulou",
        "南京市古楼区中山路12号金陵花园3幢1单元502室",
        std(district="鼓楼区", district_code="320106", canonical=None, notes=["homophone"]),
    ),
    ("homophone_xuanwu", "南京市玄五区中山路12号金陵花园3幢1单元502室", std(notes=["homophone"])),
    (
        "homophone_lishui",
        "南京市栗水区永阳路12号金陵花园3幢1单元502室",
        {"district": "溧水区", "road": "永阳路", "notes": ["homophone"]},
    ),
    (
        "homophone_luhe",
        "南京市陆合区雄州路12号金陵花园3幢1单元502室",
        {"district": "六合区", "road": "雄州路", "notes": ["homophone"]},
    ),
    (
        "homophone_qixia",
        "南京市西霞区仙林大道12号金陵花园3幢1单元502室",
        {"district": "栖霞区", "road": "仙林大道", "notes": ["homophone"]},
    ),
    (
        "homophone_street",
        "南京市玄武区新街口街到中山路12号金陵花园3幢1单元502室",
        std(street="新街口街道", street_code="320102003", canonical=None, notes=["homophone"]),
    ),
    (
        "homophone_street_name",
        "南京市玄武区心街口街道中山路12号金陵花园3幢1单元502室",
        std(street="新街口街道", canonical=None, notes=["homophone"]),
    ),
    (
        "typo_not_a_district",
        "南京市龙江小区3幢1单元502室",
        {"district": None, "estate": "龙江小区", "building": "3", "room": "502"},
    ),
    # -- noise -----------------------------------------------------------------------------------------
    ("near", "南京市玄武区中山路12号金陵花园3幢1单元502室附近", std(notes=["position_removed"])),
    ("opposite", "南京市玄武区中山路12号对面金陵花园3幢1单元502室", std(notes=["position_removed"])),
    ("diagonally_opposite", "南京市玄武区中山路12号金陵花园3幢1单元502室斜对面", std(notes=["position_removed"])),
    ("mobile", "南京市玄武区中山路12号金陵花园3幢1单元502室 13912345678", std(notes=["phone_removed"])),
    ("landline", "南京市玄武区中山路12号金陵花园3幢1单元502室 电话:025-84561234", std(notes=["phone_removed"])),
    ("brackets", "南京市玄武区中山路12号(东门)金陵花园3幢1单元502室", std(notes=["bracket_removed"])),
    ("fullwidth_brackets", "南京市玄武区中山路12号金陵花园3幢1单元502室（儿子家）", std(notes=["bracket_removed"])),
    ("square_brackets", "南京市玄武区中山路12号金陵花园3幢1单元502室【备注:已出租】", std(notes=["bracket_removed"])),
    ("spaces_and_commas", "南京市 玄武区, 中山路 12 号，金陵花园 3 幢 1 单元 502 室。", std()),
    ("contact_person", "南京市玄武区中山路12号金陵花园3幢1单元502室联系人王先生", std(notes=["contact_removed"])),
    (
        "contact_and_phone",
        "南京市玄武区中山路12号金陵花园3幢1单元502室 收件人:李女士 13812345678",
        std(notes=["phone_removed", "contact_removed"]),
    ),
    ("trailing_text", "南京市玄武区中山路12号金陵花园3幢1单元502室之一", std(notes=["trailing_text"])),
    ("zero_width", "南京市玄武区\u200b中山路12号金陵花园3幢1单元502室\ufeff", std()),
    ("tabs_newlines", "南京市玄武区\t中山路12号\n金陵花园3幢1单元502室\r\n", std()),
    # -- traditional characters and mixed encodings ------------------------------------------------
    ("traditional", "南京市玄武區中山路12號金陵花園3幢1單元502室", std()),
    (
        "traditional_districts",
        "南京市雨花臺區軟件大道12號金陵花園3棟1單元502室",
        std(district="雨花台区", district_code="320114", road="软件大道", canonical=None),
    ),
    (
        "traditional_qixia",
        "南京市棲霞區仙林大道12號紫金家園5幢601室",
        {"district": "栖霞区", "road": "仙林大道", "estate": "紫金家园", "building": "5", "room": "601"},
    ),
    ("mojibake_latin1", CANON.encode("utf-8").decode("latin-1"), std(notes=["encoding_repaired"])),
    ("mojibake_cp1252", sloppy_cp1252(CANON), std(notes=["encoding_repaired"])),
    (
        "mojibake_partial",
        "南京市玄武区" + "中山路".encode().decode("latin-1") + "12号金陵花园3幢1单元502室",
        std(notes=["encoding_repaired"]),
    ),
    (
        "surrogate_escaped_gbk",
        "南京市玄武区中山路".encode("gbk").decode("utf-8", "surrogateescape") + "12号金陵花园3幢1单元502室",
        std(notes=["encoding_repaired"]),
    ),
    (
        "mojibake_gbk",
        "南京市玄武区中山路".encode("gbk").decode("latin-1") + "12号金陵花园3幢1单元502室",
        std(notes=["encoding_repaired"]),
    ),
]

#: (id, input, error code): bad input gives a per-record error, never an exception.
BAD: list[tuple[str, object, str]] = [
    ("empty", "", "empty"),
    ("whitespace", "  \t\n\u3000 ", "empty"),
    ("punctuation_only", "，，。。、", "empty"),
    ("none", None, "not_text"),
    ("number", 12345, "not_text"),
    ("bytes", "南京市".encode(), "not_text"),
    ("latin", "hello world", "no_chinese"),
    ("digits", "12345-678", "no_chinese"),
    ("too_long", "南京市玄武区中山路12号" * 100, "too_long"),
    ("too_long_by_one", "南" * (MAX_LENGTH + 1), "too_long"),
    ("nul", "南京市玄武区\x00中山路12号金陵花园3幢1单元502室", "control"),
    ("escape", "\x1b[31m南京市玄武区中山路12号\x1b[0m", "control"),
    ("c1_control", "南京市玄武区中山路12号\x85金陵花园", "control"),
    ("replacement_char", "南京市\ufffd\ufffd区中山路12号", "encoding"),
    ("unrepairable_mojibake", "南京市玄武区ä¸路12号", "encoding"),  # cut UTF-8, not GBK 涓
    ("only_noise", "附近", "no_place"),
    ("only_admin", "南京市玄武区", "no_place"),
    ("only_phone", "电话13912345678", "no_place"),
    ("lone_surrogate", "南京\ud800市", "encoding"),
    ("unassigned_gbk", "南京市玄武区\xd7\xfa\xd7\xfa路12号", "encoding"),  # GB2312 range, not GBK
    ("surrogate_escaped_not_gbk", "南京市" + b"\xff\xfe".decode("utf-8", "surrogateescape"), "encoding"),
    ("other_province", "浙江省杭州市西湖区文三路100号", "other_city"),
    ("other_municipality", "北京市朝阳区建国路88号", "other_city"),
    ("other_municipality_short", "上海浦东新区世纪大道100号", "other_city"),
    ("other_city", "苏州市姑苏区人民路100号", "other_city"),
    ("other_city_same_province", "江苏省苏州市姑苏区人民路100号", "other_city"),
    ("other_county_level_city", "昆山市玉山镇前进路8号", "other_city"),
    ("other_city_zone", "苏州市工业园区星湖街328号", "other_city"),
]


def check(p: ParsedAddress, expected: dict[str, Any]) -> None:
    assert p.error is None, p.error
    for key, want in expected.items():
        if key in ("notes", "ambiguities"):
            continue
        assert getattr(p, key) == want, (key, p.as_dict())
    notes = [n.split(":", 1)[0] for n in p.notes]
    for code in expected.get("notes", []):
        assert code in notes, (code, p.notes)
    ambiguities = [a.split(":", 1)[0] for a in p.ambiguities]
    assert sorted(ambiguities) == sorted(expected.get("ambiguities", [])), p.ambiguities


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_parse(text: str, expected: dict[str, Any]) -> None:
    check(parse(text), {k: v for k, v in expected.items() if not (k == "canonical" and v is None)})


def test_case_ids_are_unique() -> None:
    ids = [i for i, _, _ in CASES] + [i for i, _, _ in BAD]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("value", "code"), [pytest.param(v, c, id=i) for i, v, c in BAD])
def test_bad_input_is_a_per_record_error(value: object, code: str) -> None:
    p = parse(value)
    assert p.error is not None
    assert p.error.split(":", 1)[0] == code, p.error
    assert p.error.split(":", 1)[1].strip(), "the error says what is wrong"
    assert p.canonical is None
    assert not p.ok


def test_max_length_is_accepted() -> None:
    text = "南京市玄武区中山路12号金陵花园3幢1单元502室"
    p = parse(text + " " * (MAX_LENGTH - len(text)))
    assert p.ok and p.canonical == CANON


def test_canonical_parses_to_itself() -> None:
    for _, text, _ in CASES:
        p = parse(text)
        assert p.canonical is not None
        again = parse(p.canonical)
        assert again.canonical == p.canonical, (text, again.as_dict())


def test_other_city_parser_uses_its_own_prefix() -> None:
    p = Parser("320100").parse("南京市玄武区中山路12号")
    assert p.canonical == "江苏省南京市玄武区中山路12号"


def test_as_dict_is_json_ready() -> None:
    d = parse("南京市白下区中华路12号金陵花园3-502").as_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert d["district"] == "秦淮区" and d["notes"] and d["ambiguities"]


# -- properties --------------------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    st.text(max_size=80)
    | st.text(alphabet="南京市玄武区中山路号幢栋单元室层楼一二三十〇0123456789-A#()附近 ", max_size=60)
)
def test_arbitrary_text_never_raises(text: str) -> None:
    p = parse(text)
    assert (p.error is None) == (p.canonical is not None)
    if p.canonical is not None:
        assert p.canonical.startswith("江苏省南京市")


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=40) | st.lists(st.integers(0xA1, 0xFE), max_size=20).map(bytes),  # any, or GB2312-like
    st.sampled_from(["latin-1", "sloppy-cp1252", "surrogateescape", "gbk-as-latin-1"]),
)
def test_any_bytes_in_any_misreading_never_raise(raw: bytes, how: str) -> None:
    """Bytes of any encoding read as the wrong one: a result or a per-record error, never an exception."""
    if how == "latin-1":
        text = raw.decode("latin-1")
    elif how == "sloppy-cp1252":
        text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in raw)
    elif how == "surrogateescape":
        text = raw.decode("utf-8", "surrogateescape")
    else:  # a GBK address with random bytes in it, shown as Latin-1
        text = ("南京市玄武区".encode("gbk") + raw + "中山路12号".encode("gbk")).decode("latin-1")
    p = parse("南京市" + text)
    assert (p.error is None) == (p.canonical is not None)


@settings(max_examples=300, deadline=None)
@given(
    district=st.sampled_from(
        ["玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区", "六合区"]
    ),
    road=st.sampled_from(["中山路", "龙蟠路", "珠江路", "仙林大道", "太平大街", "丹凤街", "大明巷"]),
    door=st.integers(1, 999),
    estate=st.sampled_from(["金陵花园", "紫金苑", "银城小区", "锁金新村", "翠屏家园", "天润华庭", "御湖府"]),
    building=st.integers(1, 60) | st.sampled_from("ABCDE"),
    unit=st.none() | st.integers(1, 6),
    floor=st.integers(1, 33),
    flat=st.integers(1, 4),
    form=st.sampled_from(["written", "shorthand"]),
)
def test_components_round_trip(
    district: str,
    road: str,
    door: int,
    estate: str,
    building: int | str,
    unit: int | None,
    floor: int,
    flat: int,
    form: str,
) -> None:
    room = f"{floor}{flat:02d}"
    if form == "shorthand" and unit is not None:
        tail = f"{building}-{unit}-{room}"
    else:
        tail = f"{building}幢{f'{unit}单元' if unit else ''}{room}室"
    p = parse(f"南京市{district}{road}{door}号{estate}{tail}")
    assert (p.district, p.road, p.door, p.estate) == (district, road, str(door), estate)
    assert (p.building, p.unit, p.room, p.floor) == (str(building), None if unit is None else str(unit), room, floor)
    assert p.ambiguities == []
    assert parse(p.canonical).canonical == p.canonical


# -- the command line --------------------------------------------------------------------------------


def test_cli_prints_json() -> None:
    res = CliRunner().invoke(main, ["address", "parse", "南京市白下区中华路12号金陵花园3-1-502"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.output)
    assert d["canonical"] == "江苏省南京市秦淮区中华路12号金陵花园3幢1单元502室"
    assert d["district_code"] == "320104"
    assert d["error"] is None
    assert any(n.startswith("former_name") for n in d["notes"])


@pytest.mark.parametrize("text", ["", "hello", "南京市玄武区"])
def test_cli_exit_code_1_on_error(text: str) -> None:
    res = CliRunner().invoke(main, ["address", "parse", text])
    assert res.exit_code == 1
    d = json.loads(res.output)
    assert d["error"] and d["canonical"] is None


def test_cli_unknown_city_is_a_usage_error() -> None:
    res = CliRunner().invoke(main, ["address", "parse", "--city", "999999", "南京市玄武区中山路12号"])
    assert res.exit_code == 2, res.output
    assert isinstance(res.exception, SystemExit)
    assert "999999" in res.output
