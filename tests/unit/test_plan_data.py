"""The plan as data, without a database: the shipped 14th plan read whole, each kind of consistency check
on small fixture plans, and every way a plan file is refused (naming the key)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from anju.indicators import dictionary
from anju.plan import Inconsistency, Plan, PlanReadError, check, parse_plan, read_plan, shipped
from anju.plan.plans import DATA

FIXTURES = Path(__file__).parent.parent / "plan_fixtures"


def _plan14() -> Plan:
    (plan,) = [p for p in shipped("320100") if p.code == "320100-14th"]
    return plan


def test_the_14th_plan_is_shipped_whole() -> None:
    plan = _plan14()
    assert (plan.first_year, plan.last_year, plan.city, plan.edition) == (2021, 2025, "320100", 1)
    main = [t for t in plan.targets if t.key.startswith("main.")]
    assert len(main) == 12  # 专栏3's twelve lines
    assert sum(1 for t in main if t.nature == "binding") == 5  # 住有所居 5, 6; 住有宜居 1, 2, 5
    by_key = {t.key: t for t in plan.targets}
    assert by_key["main.assisted_coverage"].value == 28 and by_key["main.assisted_coverage"].comparison == "at_least"
    assert by_key["main.floor_area_per_resident"].indicator == "housing.floor_area_per_resident"
    for key, value, unit in [
        ("text.market_rental", "7", "万套"),
        ("text.shanty_area", "600", "万平方米"),
        ("text.old_communities", "600", "个"),
        ("text.public_rental", "5000", "套"),
        ("main.affordable_rental", "12.5", "万套"),
        ("text.shared_ownership", "1", "万套"),
        ("text.resettlement_area", "1500", "万平方米"),
        ("text.resettlement_homes", "16", "万套"),
        ("text.talent_homes", "12", "万套"),
        ("text.residential_land", "800", "公顷"),
        ("text.green_community_share", "80", "%"),
    ]:
        assert (by_key[key].value, by_key[key].unit) == (Decimal(value), unit), key
        assert by_key[key].source, key
    tables = {t.code: t for t in plan.tables}
    assert list(tables) == ["专栏1", "专栏2", "专栏5", "专栏6"]
    assert len(tables["专栏1"].rows) == 5 and {r.texts[2] for r in tables["专栏1"].rows} == {"完成"}
    assert [r.label for r in tables["专栏2"].rows][-1] == "合计(万套)" and tables["专栏2"].columns[-1] == "总计"
    assert len(tables["专栏5"].rows) == 13 and tables["专栏5"].rows[-1].values == (Decimal(120000), Decimal(100))
    z6 = tables["专栏6"]
    assert len(z6.rows) == 13 and len(z6.columns) == 12
    assert z6.rows[0].values[0] is None  # 江北新区 2021: "-" in the plan
    # each 专栏6 cell with a value is a target of its district and year
    cell = by_key["专栏6.320102.2021 面积"]
    assert (cell.area, cell.year, cell.value, cell.indicator) == ("320102", 2021, Decimal("76.37"),
                                                                   "renewal.old_community_area")  # fmt: skip
    assert by_key["专栏6.320100.总计 个数"].year is None
    assert "专栏6.320192.2021 个数" not in by_key


def test_every_target_links_to_a_dictionary_entry() -> None:
    book = dictionary()
    for t in _plan14().targets:
        assert t.indicator in book, t.key


def test_the_14th_plan_reports_its_own_inconsistencies() -> None:
    found = check(_plan14())
    assert Inconsistency("专栏6", "全市合计", "2025 面积", Decimal("218.46"), Decimal("218.48")) in found
    # the 全市合计 row's years sum to 1225.60, its 总计 says 1225.62 (the districts' 总计 do sum to 1225.62)
    assert Inconsistency("专栏6", "全市合计", "总计 面积", Decimal("1225.62"), Decimal("1225.60")) in found
    assert len(found) == 2  # 专栏2, 专栏5 and the text's 77/30/47/12万/600 agree with the tables


PLAN = """
[plan]
code = "320100-test"
name = "测试规划"
city = "320100"
first_year = 2021
last_year = 2022

[[target]]
key = "text.total"
label = "供应总套数"
indicator = "plan.housing_supply_homes"
unit = "万套"
factor = "0.0001"
value = {text_total}
comparison = "about"
nature = "expected"
period = "cumulative"
source = "正文"
table_cell = {{ table = "T", row = "合计", column = "总计" }}

[[table]]
code = "T"
title = "分区年度表"
unit = "万套"
columns = ["2021", "2022", "总计", "占比"]
row_totals = [{{ total = "总计", of = ["2021", "2022"] }}]
shares = [{{ share = "占比", of = "总计" }}]
rows = [
  {{ label = "玄武区", area = "320102", values = [1, 2, {xuanwu_total}, {xuanwu_share}] }},
  {{ label = "秦淮区", area = "320104", values = [3, "-", 3, 50] }},
  {{ label = "合计", area = "320100", total = true, values = [{total_2021}, 2, 6, 100] }},
]
"""
GOOD = {"text_total": 6, "xuanwu_total": 3, "xuanwu_share": 50, "total_2021": 4}


def _check(**changes: object) -> list[Inconsistency]:
    return check(parse_plan(PLAN.format(**{**GOOD, **changes}), "t.toml"), units={})


def test_a_consistent_plan_has_no_inconsistency() -> None:
    assert _check() == []


def test_a_wrong_district_row_is_reported_against_the_total_row() -> None:
    # 玄武区 2021 is 1 and 秦淮区 3, but the 合计 row says 5 (so its own years no longer sum to its 总计)
    assert _check(total_2021=5) == [
        Inconsistency("T", "合计", "2021", Decimal(5), Decimal(4)),
        Inconsistency("T", "合计", "总计", Decimal(6), Decimal(7)),
    ]


def test_a_wrong_column_total_is_reported() -> None:
    found = _check(xuanwu_total=4)
    assert Inconsistency("T", "玄武区", "总计", Decimal(4), Decimal(3)) in found
    assert Inconsistency("T", "合计", "总计", Decimal(6), Decimal(7)) in found  # the districts' 总计 sum to 7


def test_a_share_that_does_not_match_its_value_is_reported() -> None:
    found = _check(xuanwu_share=40)
    assert Inconsistency("T", "玄武区", "占比", Decimal(40), Decimal("50.00")) in found
    assert Inconsistency("T", "合计", "占比", Decimal(100), Decimal(90)) in found


def test_a_text_figure_is_checked_against_its_table_cell() -> None:
    # "about" 6 万套 within 5 %: 6.3 agrees, 7 does not
    assert _check(text_total="6.3") == []
    assert _check(text_total=7) == [Inconsistency("正文", "text.total", "T/合计/总计", Decimal(7), Decimal("6"))]


def test_a_unit_factor_is_checked_against_the_dictionary_unit() -> None:
    plan = parse_plan(PLAN.format(**GOOD).replace('factor = "0.0001"', 'factor = "1"'), "t.toml")
    found = check(plan, units={"plan.housing_supply_homes": "套"})
    assert found == [Inconsistency("单位", "text.total", "套→万套", Decimal(1), Decimal("0.0001"))]


def test_a_shipped_next_plan_reads_as_another_plan() -> None:
    plan = read_plan(FIXTURES / "320100-15th.toml")
    assert (plan.code, plan.first_year, plan.last_year, plan.previous) == ("320100-15th", 2026, 2030, "320100-14th")
    assert check(plan) == []
    assert {t.year for t in plan.targets if t.key.startswith("专栏6.")} == {2026, 2027, None}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('name = "测试规划"', 'name = "测试规划"\nowner = "x"'), "plan: 未知的键 owner"),
        (("value = {text_total}", 'value = "六"'), "target[0].value: “六”不是数字"),
        (
            ('indicator = "plan.housing_supply_homes"', 'indicator = "plan.nothing"'),
            "target[0].indicator: “plan.nothing”不在指标字典中",
        ),
        (('area = "320102"', 'area = "110101"'), "table[0].rows[0].area: “110101”不是本市（320100）的区划代码"),
        (('values = [3, "-", 3, 50]', 'values = [3, "-", 3]'), "table[0].rows[1].values: 应有 4 个数值"),
        (('comparison = "about"', 'comparison = "roughly"'), "target[0].comparison: 应为"),
        (('column = "总计"', 'column = "合计"'), "target[0].table_cell: 列“合计”不在T中"),
        (('of = "总计"', 'of = "全部"'), "table[0].shares[0]: 列“全部”不在 columns 中"),
        (("last_year = 2022", "last_year = 2040"), "plan.last_year"),
        (("[[table]]", "[[tables]]"), "文件: 未知的键 tables"),
    ],
)
def test_a_malformed_plan_is_refused_naming_the_key(change: tuple[str, str], message: str) -> None:
    text = PLAN.replace(*change).format(**GOOD)
    with pytest.raises(PlanReadError) as e:
        parse_plan(text, "t.toml")
    assert message in str(e.value) and str(e.value).startswith("t.toml: ")


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PlanReadError, match="无法读取"):
        read_plan(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[plan\n", encoding="utf-8")
    with pytest.raises(PlanReadError, match=r"bad\.toml: 不是有效的 TOML"):
        read_plan(bad)


def test_the_shipped_plans_are_under_the_data_folder() -> None:
    assert (DATA / "320100" / "320100-14th.toml").is_file()
    assert shipped("999999") == []


def test_the_assistance_figures_show_the_plans_targets() -> None:
    """The assistance figures pages read their targets from the one plan (no file of their own): each is
    the plan's target of the dictionary code that measures it, in the figures' unit (套, %)."""
    from anju.assistance.plan_targets import targets_from_plan

    plan = _plan14()
    t = targets_from_plan(plan)
    by_key = {x.key: x for x in plan.targets}
    wan = Decimal(10_000)
    assert (t.plan_name, t.first_year, t.last_year) == (plan.name, plan.first_year, plan.last_year)
    assert Decimal(str(t.coverage_percent)) == by_key["main.assisted_coverage"].value == 28
    assert t.coverage_source == by_key["main.assisted_coverage"].source
    assert t.previous_coverage_percent == 23  # 专栏1's row of the same indicator (the 13th plan's target)
    assert t.supply_total == by_key["text.assisted_supply"].value * wan == 300_000
    assert {y: Decimal(n) for y, n in t.supply_by_year.items()} == {
        y: by_key[f"专栏2.保障性住房(万套).{y}"].value * wan for y in plan.years
    }
    homes = {p.kind.value: (Decimal(p.homes), p.bound) for p in t.programmes}
    assert homes == {
        "affordable_rental": (by_key["main.affordable_rental"].value * wan, "at_least"),
        "public_rental": (by_key["text.public_rental"].value, "at_least"),
        "shared_ownership": (by_key["text.shared_ownership"].value * wan, "at_least"),
        "resettlement": (by_key["text.resettlement_homes"].value * wan, "about"),
    }
    assert t.talent_homes == by_key["text.talent_homes"].value * wan
    assert t.talent_beneficiaries == by_key["text.talent_beneficiaries"].value * wan
    assert {d: Decimal(n) for d, n in t.talent_homes_by_district.items()} == {
        x.area: x.value for x in plan.targets if x.table == "专栏5" and x.area != "320100"
    }
    assert t.population is None and t.population_sample is False  # not a plan figure: the street database's


def test_the_assistance_figures_follow_another_plan_and_name_a_missing_target() -> None:
    from dataclasses import replace

    import pytest

    from anju.assistance.plan_targets import TargetsError, targets_from_plan

    plan = _plan14()
    changed = tuple(replace(x, value=Decimal(35)) if x.key == "text.assisted_supply" else x for x in plan.targets)
    t = targets_from_plan(replace(plan, code="320100-x", targets=changed, first_year=2026, last_year=2030))
    assert t.supply_total == 350_000 and (t.first_year, t.last_year) == (2026, 2030)
    without = replace(plan, targets=tuple(x for x in plan.targets if x.indicator != "assistance.coverage"))
    with pytest.raises(TargetsError, match=r"没有指标 assistance\.coverage 的全市目标"):
        targets_from_plan(without)
