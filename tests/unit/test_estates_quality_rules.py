"""Service quality's pure rules (issue 22): the evaluation's items, score and grade; a complaint's
deadline in working days."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from anju.core.clock import CITY_TZ
from anju.core.errors import ValidationError
from anju.core.workdays import add_working_days
from anju.estates import quality_rules as qr


def full(**over: object) -> dict[str, object]:
    """Every item at its maximum (100 in all), some overridden."""
    items: dict[str, object] = {code: str(i.max) for code, i in qr.rules().items.items()}
    items.update(over)
    return items


def test_the_data_file_adds_up_to_100_and_grades_from_high_to_low() -> None:
    r = qr.rules()
    assert sum(i.max for i in r.items.values()) == 100
    assert [g for g, _ in r.grades] == ["excellent", "good", "pass", "fail"]
    assert r.grades[-1][1] == 0


@pytest.mark.parametrize(
    ("score", "grade"),
    [("100", "excellent"), ("90", "excellent"), ("89.99", "good"), ("80", "good"), ("60", "pass"),
     ("59.99", "fail"), ("0", "fail")],
)  # fmt: skip
def test_grade_thresholds_are_inclusive(score: str, grade: str) -> None:
    assert qr.grade_of(Decimal(score)) == grade


def test_score_is_the_exact_sum_of_the_items() -> None:
    s = qr.score(full(management="12.5", common_parts="17.25", satisfaction="0"))
    assert s.score == Decimal("100") - Decimal("2.5") - Decimal("2.75") - Decimal("5")
    assert s.score == Decimal("89.75") and s.grade == "good"
    assert s.items["common_parts"] == Decimal("17.25")


def test_failing_score() -> None:
    low = {code: "5" for code in qr.rules().items}
    s = qr.score(low)
    assert s.score == Decimal("35.00") and s.grade == "fail"


@pytest.mark.parametrize(
    ("over", "field", "reason"),
    [
        ({"management": "16"}, "items.management", "应在 0–15 分之间"),
        ({"management": "-1"}, "items.management", "应在 0–15 分之间"),
        ({"cleaning": "abc"}, "items.cleaning", "应为数字"),
        ({"cleaning": "1.234"}, "items.cleaning", "最多两位小数"),
        ({"cleaning": "NaN"}, "items.cleaning", "应为数字"),
        ({"cleaning": ""}, "items.cleaning", "须填写"),
        ({"bogus": "1"}, "items.bogus", "没有这个考评项目"),
    ],
)
def test_a_bad_item_is_named(over: dict[str, object], field: str, reason: str) -> None:
    with pytest.raises(ValidationError) as e:
        qr.score(full(**over))
    assert any(x.field == field and reason in x.reason for x in e.value.errors), e.value.errors


def test_a_missing_item_is_named() -> None:
    items = full()
    del items["greening"]
    with pytest.raises(ValidationError) as e:
        qr.score(items)
    assert [x.field for x in e.value.errors] == ["items.greening"]


def test_a_bad_data_file_fails_naming_the_field() -> None:
    with pytest.raises(ValueError, match="各项满分之和应为 100"):
        qr.parse_rules(
            {"edition": "x", "items": {"a": {"label": "A", "max": 50}}, "grades": [{"code": "fail", "min": 0}]}
        )
    with pytest.raises(ValueError, match=r"grades\[1\].min"):
        qr.parse_rules(
            {
                "edition": "x",
                "items": {"a": {"label": "A", "max": 100}},
                "grades": [{"code": "pass", "min": 60}, {"code": "good", "min": 80}],
            }
        )


@pytest.mark.parametrize(
    ("start", "n", "end"),
    [
        (date(2026, 12, 7), 1, date(2026, 12, 8)),  # Monday → Tuesday
        (date(2026, 12, 11), 1, date(2026, 12, 14)),  # Friday → Monday
        (date(2026, 12, 12), 1, date(2026, 12, 14)),  # Saturday → Monday
        (date(2026, 12, 13), 5, date(2026, 12, 18)),  # Sunday + 5 → Friday
        (date(2026, 12, 7), 15, date(2026, 12, 28)),  # three working weeks
    ],
)
def test_working_days(start: date, n: int, end: date) -> None:
    assert add_working_days(start, n) == end


def test_due_at_is_the_end_of_the_last_working_day_in_city_time() -> None:
    # Friday 2026-12-11 23:30 in Shanghai is 15:30 UTC; 1 working day → Monday 14th, due at midnight after
    filed = datetime(2026, 12, 11, 15, 30, tzinfo=UTC)
    due = qr.due_at(filed, 1)
    assert due == datetime(2026, 12, 15, 0, 0, tzinfo=CITY_TZ)
    assert due.astimezone(UTC) == datetime(2026, 12, 14, 16, 0, tzinfo=UTC)
