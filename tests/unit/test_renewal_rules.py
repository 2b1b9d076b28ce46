"""Urban renewal's pure rules and data: the plan (专栏6 read from the one plan, its totals and the
plan's own discrepancy), the eligibility editions with their reasons, the catalogue, the lifecycle's step checks
and the lift agreement's share; malformed files are refused naming the entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from anju.renewal import domain, rules

DATA = rules.DATA


def test_the_plan_is_read_from_the_one_plan() -> None:
    plan = rules.shipped_plan("320100")  # anju.plan's shipped 14th plan: 专栏6 and the renewal targets
    assert plan is not None and plan.years == (2021, 2022, 2023, 2024, 2025)
    assert len(plan.districts) == 12 and plan.districts[0].name == "江北新区"
    assert sum(sum(d.communities) for d in plan.districts) == 606
    assert sum((a for d in plan.districts for a in d.area), Decimal(0)) == Decimal("1225.62")
    xuanwu = next(d for d in plan.districts if d.code == "320102")
    assert xuanwu.communities == (19, 23, 13, 10, 12) and xuanwu.area[0] == Decimal("76.37")
    assert plan.total_communities == (131, 150, 111, 100, 114) and plan.total_area[4] == Decimal("218.46")
    targets = {t.code: t for t in plan.targets}
    assert targets["old_area"].value == 1200 and targets["old_area"].binding
    assert targets["old_communities"].value == 600 and targets["shanty_area"].value == 600
    # the plan's 2025 column sums to 218.48 while its 全市合计 row says 218.46: shown, not corrected
    assert plan.discrepancies[0] == "专栏6 全市合计“2025 面积”为 218.46，按各项计算为 218.48"


def test_a_malformed_plan_is_refused_naming_the_entry(tmp_path: Path) -> None:
    bad = tmp_path / "plan.toml"
    bad.write_text('[plan]\ncode = "x"\nname = "x"\ncity = "320100"\nfirst_year = 2021\nlast_year = "2022"\n',
                   encoding="utf-8")  # fmt: skip
    with pytest.raises(rules.RulesError, match=r"plan\.last_year"):
        rules.load_plan(bad)
    bad.write_text("[plan\n", encoding="utf-8")
    with pytest.raises(rules.RulesError, match=r"plan\.toml"):
        rules.load_plan(bad)


@pytest.mark.parametrize(
    ("kind", "year", "floors", "conditions", "rule"),
    [
        ("old_community", 1995, 6, (), "before-2000"),
        ("old_community", 2003, 6, ("facilities",), "before-2005-conditions"),
        ("old_community", 2003, 6, (), None),
        ("old_community", 2006, 6, ("will",), None),
        ("old_community", None, 6, (), None),
        ("energy", 1999, 6, (), "before-2000"),
        ("shanty", 2020, 2, (), "shanty"),
        ("lift", 2015, 6, (), "lift-multistorey"),
        ("lift", 1990, 3, (), None),
    ],
)
def test_eligibility_is_explained(
    kind: str, year: int | None, floors: int, conditions: tuple[str, ...], rule: str | None
) -> None:
    e = rules.check(rules.load_eligibility(DATA / "eligibility.toml"), kind, date(2024, 5, 1), year, floors, conditions)
    assert e.rule == rule and e.eligible is (rule is not None) and e.edition == "plan-2021"
    if year is None and rule is None:
        assert "没有建成年份" in e.reason
    assert e.reason


def test_before_the_first_edition_nothing_is_eligible() -> None:
    e = rules.check(rules.load_eligibility(DATA / "eligibility.toml"), "old_community", date(2019, 1, 1), 1980, 6)
    assert not e.eligible and "无现行的改造范围规定" in e.reason


def test_the_catalogue_has_the_three_categories() -> None:
    cat = rules.load_catalogue(DATA / "catalogue.toml")
    assert {i.category for i in cat.items} == {"basic", "complete", "improve"} and cat.sample
    assert cat.get("B01") is not None and cat.get("B01").category_label == "基础类"  # type: ignore[union-attr]
    assert cat.get("nope") is None


def test_steps_go_one_at_a_time_along_the_kinds_lifecycle() -> None:
    today = date(2026, 1, 10)
    assert domain.step_problems("old_community", "reserve", "planned", today, today, today, "区") == []
    assert domain.step_problems("lift", "reserve", "planned", today, None, today, "区")[0][0] == "status"
    assert domain.step_problems("old_community", "reserve", "designed", today, None, today, "区")[0][1].endswith(
        "“列入年度计划”"
    )
    problems = dict(domain.step_problems("old_community", "reserve", "planned", date(2026, 1, 11), None, today, ""))
    assert set(problems) == {"on", "unit"}
    assert domain.step_problems("shanty", "closed", "closed", today, None, today, "区")[0][1].startswith(
        "项目已处于最后环节"
    )
    assert domain.next_status("lift", "accepted") == "in_service" and domain.next_status("shanty", "closed") is None


def test_the_lift_agreement_share_by_floor() -> None:
    floors = [domain.FloorAgreement(1, 2, 0), domain.FloorAgreement(2, 2, 2), domain.FloorAgreement(3, 2, 2)]
    assert domain.agreement_share(floors) == Fraction(2, 3)
    assert domain.agreement_share([]) is None and domain.percent(None) == "—"
    assert domain.percent(Fraction(2, 3)) == "66.7%"
    problems = domain.floor_problems([domain.FloorAgreement(1, 2, 3), domain.FloorAgreement(1, 1, 1)], 6)
    assert [f for f, _ in problems] == ["floors.0", "floors.1"]
    assert domain.floor_problems([domain.FloorAgreement(7, 1, 1)], 6) == [("floors.0", "楼层应在 1–6 之间")]
