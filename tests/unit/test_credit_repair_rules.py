"""The repair rules as data (credit/data/320100/repair.toml) and the working-day deadlines."""

from __future__ import annotations

from datetime import date

import pytest

from anju.core.errors import ValidationError
from anju.core.workdays import add_working_days
from anju.credit.repair_rules import add_months, check_repair, repairable, rules


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 12, 4)
    assert add_working_days(friday, 1) == date(2026, 12, 7)  # Monday
    assert add_working_days(friday, 5) == date(2026, 12, 11)
    assert add_working_days(date(2026, 12, 5), 15) == date(2026, 12, 25)  # from a Saturday


def test_add_months_keeps_the_day_or_the_month_end() -> None:
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 3, 15), 12) == date(2027, 3, 15)


def test_the_sample_rules_name_themselves() -> None:
    r = rules("320100")
    assert r.sample and r.period("rental.sublet", "serious").period_months == 12
    assert r.period("court.dishonest_debtor", "serious").period_months == 36  # a kind's own figures
    assert not repairable("assistance.false_materials", r) and not repairable("good.award", r)


@pytest.mark.parametrize(
    ("kind", "severity", "occurred", "basis", "message"),
    [
        (
            "rental.sublet",
            "serious",
            date(2026, 6, 1),
            "period",
            "严重失信记录自发生之日起满 12 个月方可申请修复（2027-06-01 起）",
        ),
        ("rental.sublet", "serious", date(2020, 6, 1), "rectification", "严重失信记录不适用整改修复"),
        (
            "rental.arrears",
            "major",
            date(2026, 11, 1),
            "rectification",
            "较重失信记录整改到位的，自发生之日起满 3 个月",
        ),
        ("rental.forced_eviction", "serious", date(2020, 1, 1), "period", "依规定不可修复"),
        ("good.award", "minor", date(2020, 1, 1), "period", "守信记录无须修复"),
        ("rental.other", "minor", date(2026, 1, 1), "other", "应为"),
    ],
)
def test_refusals_name_the_rule(kind: str, severity: str, occurred: date, basis: str, message: str) -> None:
    with pytest.raises(ValidationError) as e:
        check_repair(kind, severity, occurred, basis, date(2026, 12, 7), rules("320100"))
    assert message in e.value.message


def test_allowed_repairs() -> None:
    on = date(2026, 12, 7)
    check_repair("rental.other", "minor", date(2026, 12, 1), "rectification", on, rules("320100"))
    check_repair("rental.other", "minor", date(2026, 9, 7), "period", on, rules("320100"))
    check_repair("rental.arrears", "major", date(2026, 9, 7), "rectification", on, rules("320100"))
