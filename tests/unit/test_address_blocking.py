"""Candidates for records that write neither district nor street (issue 26), without a database.

The register is a handful of homes given as rows (``linkage.homes_table``), the records are parsed
text, and the link runs on Splink's DuckDB backend in memory with the shipped model: a record
without district or street finds its home by the estate name or by road and door number across the
city; where two homes fit it equally, it goes to review with both listed.
"""

from __future__ import annotations

import pytest

from anju.addresses import linkage, parse
from anju.addresses.gazetteer import pinyin_key
from anju.addresses.reread import reread

# (id, house code, district, street, road, door, estate, building, unit, room)
HOMES = [
    (1, "H-GULOU-1", "320106", "320106001", "宏运街", "73", "清凉府二期", "12", "2", "301"),
    (2, "H-GULOU-2", "320106", "320106001", "宏运街", "73", "清凉府二期", "12", "1", "301"),
    (3, "H-GULOU-3", "320106", "320106001", "宏运街", "73", "清凉府二期", "11", "2", "301"),
    (4, "H-QINHUAI-1", "320104", "320104002", "中华路", "12", "金陵花园", "3", "1", "502"),
    # the same estate name in two districts, same building and room
    (5, "H-XUANWU-1", "320102", "320102003", "中山路", "5", "翠屏佳园", "3", "1", "502"),
    (6, "H-JIANGNING-1", "320115", "320115001", "天元路", "8", "翠屏佳园", "3", "1", "502"),
    # a name shared by two estates of which only one has building 7
    (7, "H-XUANWU-2", "320102", "320102003", "北京东路", "9", "梅园新村", "7", "1", "201"),
    (8, "H-PUKOU-1", "320111", "320111001", "浦珠路", "3", "梅园新村", "2", "1", "201"),
    # a unique name, two units of one building with the same room number
    (9, "H-QIXIA-1", "320113", "320113001", "仙林大道", "10", "枫林湾", "5", "1", "601"),
    (10, "H-QIXIA-2", "320113", "320113001", "仙林大道", "10", "枫林湾", "5", "2", "601"),
    # a unique name and a near name one character away, same building and room
    (11, "H-YUHUA-1", "320114", "320114001", "软件大道", "20", "景明佳园", "8", "1", "1102"),
    (12, "H-YUHUA-2", "320114", "320114001", "软件大道", "22", "景明嘉园", "8", "1", "1102"),
    # one road and door number in two districts (珠江路1号), two estates
    (13, "H-XUANWU-3", "320102", "320102003", "珠江路", "1", "丹桂园", "4", "1", "101"),
    (14, "H-QINHUAI-2", "320104", "320104002", "珠江路", "1", "紫藤苑", "5", "1", "101"),
]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, linkage.Outcome]:
    texts = {
        "estate_only": "清凉府二期十二幢2单元301室",  # no district, street or road
        "road_only": "宏运街73号12-2-301",  # no district, street or estate
        "short_estate_with_road": "宏运街73号金陵3幢502室",  # 金陵花园 written 金陵, road of another estate
        "shared_name": "翠屏佳园3幢1单元502室",  # two estates of that name, no district: review
        "shared_name_with_road": "天元路8号翠屏佳园3幢1单元502室",  # the road tells them apart
        "no_such_building": "清凉府二期99幢2单元301室",
        "shortened_estate": "中华路12号金陵3幢1单元502室",  # 金陵花园 without 花园
        "estate_only_no_unit": "清凉府二期12幢301室",  # two units have room 301: review
        "shared_name_one_has_building": "梅园新村7幢201室",  # the other 梅园新村 has no building 7
        "unique_name_unit_written": "枫林湾5幢2单元601室",
        "unique_name_unit_missing": "枫林湾5幢601室",
        "unique_name_unit_missing_one_fits": "清凉府二期11幢301室",  # only unit 2 of building 11 has 301
        "unique_name_near_twin": "景明佳园8幢1单元1102室",  # 景明嘉园 has the same building and room
        "unique_road_door": "宏运街73号11幢301室",  # no district, street or estate; one estate at 宏运街73号
        "shared_road_door": "珠江路1号4幢101室",  # two estates at 珠江路1号, one has building 4
        "estate_run_into_road": "清凉宏运街73号12幢2单元301室",  # read 清凉宏运街 by the parser
    }
    parsed = [parse(t) for t in texts.values()]
    assert all(p.ok and p.district_code is None and p.street_code is None for p in parsed)
    assert parsed[-1].road == "清凉宏运街"
    backend = linkage.DuckDBBackend()
    try:
        result = linkage.link(linkage.records_table(parsed), linkage.homes_table(HOMES), backend)
    finally:
        backend.close()
    return dict(zip(texts, result.outcomes, strict=True))


def test_a_unique_estate_name_with_building_unit_and_room_links_the_one_home(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    # found without district, street or road; the model alone is not sure enough to link
    # (probability < 0.99), but the name is one estate's in the whole city and building, unit and
    # room match exactly one home clearly ahead of the next: the unique-estate rule links it
    o = outcomes["estate_only"]
    assert o.status == "linked"
    assert o.reason.startswith("unique_estate")
    assert o.best is not None and o.best.house_code == "H-GULOU-1"
    assert o.best.probability < linkage.DEFAULT_THRESHOLDS.link_threshold


def test_the_unique_estate_rule_links_the_unit_written(outcomes: dict[str, linkage.Outcome]) -> None:
    o = outcomes["unique_name_unit_written"]
    assert o.status == "linked" and o.reason.startswith("unique_estate")
    assert o.best is not None and o.best.house_code == "H-QIXIA-2"


def test_the_unique_estate_rule_without_a_unit_links_a_single_unit_match(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    # no unit written; of building 11 only unit 2 has room 301
    o = outcomes["unique_name_unit_missing_one_fits"]
    assert o.status == "linked" and o.reason.startswith("unique_estate")
    assert [c.house_code for c in o.candidates] == ["H-GULOU-3"]


def test_the_unique_estate_rule_leaves_two_units_with_the_room_to_review(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    for name, codes in (
        ("unique_name_unit_missing", {"H-QIXIA-1", "H-QIXIA-2"}),
        ("estate_only_no_unit", {"H-GULOU-1", "H-GULOU-2"}),
    ):
        o = outcomes[name]
        assert o.status == "review", name
        assert o.reason.startswith("close_candidates"), name
        assert {c.house_code for c in o.candidates} == codes, name


def test_a_name_borne_by_several_estates_stays_in_review_even_with_one_matching_home(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    # only one 梅园新村 has building 7, but the name alone does not say which estate the record means
    o = outcomes["shared_name_one_has_building"]
    assert o.status == "review"
    assert o.reason.startswith("uncertain")
    assert o.best is not None and o.best.house_code == "H-XUANWU-2"


def test_the_unique_estate_rule_does_not_link_past_a_near_named_twin(outcomes: dict[str, linkage.Outcome]) -> None:
    # 景明佳园 and 景明嘉园 read alike: both homes are candidates, equally likely, and a clerk decides
    o = outcomes["unique_name_near_twin"]
    assert o.status == "review"
    assert o.reason.startswith("close_candidates")
    assert {c.house_code for c in o.candidates} == {"H-YUHUA-1", "H-YUHUA-2"}


def test_road_and_door_alone_find_the_home_across_the_city(outcomes: dict[str, linkage.Outcome]) -> None:
    o = outcomes["road_only"]
    assert o.status == "linked"
    assert o.best is not None and o.best.house_code == "H-GULOU-1"


def test_a_name_shared_by_two_districts_goes_to_review_with_both_candidates(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    o = outcomes["shared_name"]
    assert o.status == "review"
    assert o.reason.startswith("close_candidates")
    assert {c.house_code for c in o.candidates} == {"H-XUANWU-1", "H-JIANGNING-1"}


def test_the_remaining_components_resolve_a_shared_name(outcomes: dict[str, linkage.Outcome]) -> None:
    o = outcomes["shared_name_with_road"]
    assert o.status == "linked"
    assert o.best is not None and o.best.house_code == "H-JIANGNING-1"


def test_a_building_the_estate_does_not_have_is_not_linked(outcomes: dict[str, linkage.Outcome]) -> None:
    assert outcomes["no_such_building"].status == "unlinked"


def test_a_shortened_estate_name_is_not_linked_to_another_estates_road(outcomes: dict[str, linkage.Outcome]) -> None:
    # 金陵 is a prefix of 金陵花园, but 宏运街73号 is 清凉府二期's door and 3幢502室 is not there
    assert outcomes["short_estate_with_road"].status != "linked"


def test_an_estate_name_without_its_generic_word_links_by_road_and_door(outcomes: dict[str, linkage.Outcome]) -> None:
    o = outcomes["shortened_estate"]
    assert o.status == "linked"
    assert o.best is not None and o.best.house_code == "H-QINHUAI-1"
    assert o.best.explanation["estate"]["level"].startswith("小区名简写")


def test_a_road_and_door_of_one_estate_in_the_city_links_like_a_unique_estate_name(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    o = outcomes["unique_road_door"]
    assert o.status == "linked" and o.reason.startswith("unique_estate")
    assert o.best is not None and o.best.house_code == "H-GULOU-3"
    assert o.best.probability < linkage.DEFAULT_THRESHOLDS.link_threshold


def test_a_road_and_door_of_two_estates_stays_in_review(outcomes: dict[str, linkage.Outcome]) -> None:
    o = outcomes["shared_road_door"]
    assert o.status == "review"
    assert o.best is not None and o.best.house_code == "H-XUANWU-3"


# -- reading a record again with what the register knows (no database, no Splink) --------------------
@pytest.mark.parametrize(
    ("text", "district", "road", "estate"),
    [
        # an estate written before the road without its generic word: the road ran on into it
        ("鼓楼区清凉宏运街73号12幢2单元301室", "320106", "宏运街", "清凉"),
        # the same with a district's short name glued to it, no district read
        ("鼓楼清凉宏运街73号12幢2单元301室", "320106", "宏运街", "清凉"),
        # a district's short name glued to an estate of that district, no road
        ("秦淮金陵花园3幢1单元502室", "320104", None, "金陵花园"),
    ],
)
def test_the_register_tells_how_to_read_what_the_parser_left_unplaced(
    text: str, district: str, road: str | None, estate: str
) -> None:
    records = linkage.records_table([parse(text)])
    before = records.to_pylist()[0]
    assert (before["district"], before["road"], before["estate"]) != (district, road, estate)
    got = reread(records, linkage.homes_table(HOMES)).to_pylist()[0]
    assert (got["district"], got["road"], got["estate"]) == (district, road, estate)
    assert (got["estate_py"], got["estate_head"]) == (pinyin_key(estate), estate[0])


@pytest.mark.parametrize(
    "text",
    [
        "清凉宏运街99号12幢2单元301室",  # 宏运街99号 is no door of the register
        "玄武区清凉宏运街73号12幢2单元301室",  # 宏运街73号 is in 鼓楼区, not 玄武区
        "秦淮翠屏佳园3幢1单元502室",  # no 翠屏佳园 in 秦淮区
        "宏运街73号清凉府二期12幢2单元301室",  # nothing unplaced
    ],
)
def test_the_register_changes_nothing_it_cannot_confirm(text: str) -> None:
    records = linkage.records_table([parse(text)])
    assert reread(records, linkage.homes_table(HOMES)).to_pylist() == records.to_pylist()


def test_an_estate_run_into_the_road_links_once_the_register_has_split_them(
    outcomes: dict[str, linkage.Outcome],
) -> None:
    o = outcomes["estate_run_into_road"]
    assert o.status == "linked"
    assert o.best is not None and o.best.house_code == "H-GULOU-1"
