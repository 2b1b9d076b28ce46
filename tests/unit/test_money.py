"""One set of rules for amounts typed in yuan (core.money)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.core.errors import FieldError, ValidationError
from anju.core.money import collect_fen, fen_to_yuan, yuan_to_fen


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("3200", 320000),
        ("3,200.50", 320050),
        ("1,234,567", 123456700),
        ("3，200.5", 320050),
        (" 0.01 ", 1),
        ("0", 0),
        (12, 1200),
    ],
)
def test_typed_yuan_become_integer_fen(typed: object, fen: int) -> None:
    assert yuan_to_fen(typed, "rent") == fen


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("", "请填写金额（元）"),
        ("abc", "不是数字"),
        ("1,00", "不是数字"),
        ("1e3", "不是数字"),
        ("1_000", "不是数字"),
        ("+5", "不是数字"),
        (".5", "不是数字"),
        ("5.", "不是数字"),
        ("1,2,3", "不是数字"),
        ("12,345,67", "不是数字"),
        ("NaN", "不是有限的数字"),
        ("Infinity", "不是有限的数字"),
        ("-1", "不能为负数"),
        ("1.005", "最多两位小数"),
        ("100000000000", "超过合理范围"),
    ],
)
def test_a_bad_amount_is_refused_naming_the_field(typed: str, reason: str) -> None:
    with pytest.raises(ValidationError) as e:
        yuan_to_fen(typed, "deposit")
    assert e.value.errors[0].field == "deposit"
    assert e.value.errors[0].reason.startswith(reason)


def test_numbers_from_a_json_body_keep_their_checks() -> None:
    assert yuan_to_fen(Decimal("1E+3"), "income") == 100000
    with pytest.raises(ValidationError, match="最多两位小数"):
        yuan_to_fen(Decimal("0.001"), "income")
    with pytest.raises(ValidationError, match="不能为负数"):
        yuan_to_fen(-1, "income")


def test_a_ceiling_refuses_amounts_above_it() -> None:
    assert yuan_to_fen("500", "income", cap=Decimal(500)) == 50000
    with pytest.raises(ValidationError, match="income"):
        yuan_to_fen("500.01", "income", cap=Decimal(500))


def test_forms_collect_every_problem_and_optional_amounts_may_be_blank() -> None:
    errors: list[FieldError] = []
    assert collect_fen("x", "rent", errors) is None
    assert collect_fen("", "deposit", errors) is None
    assert collect_fen("", "fee", errors, required=False) is None
    assert collect_fen("1.2", "fee", errors, required=False) == 120
    assert [(e.field, e.reason) for e in errors] == [("rent", "不是数字"), ("deposit", "请填写金额（元）")]


def test_fen_read_as_yuan() -> None:
    assert fen_to_yuan(320050) == "3,200.50"
    assert fen_to_yuan(5, unit=True) == "0.05 元"
    assert fen_to_yuan(-120) == "-1.20"


@given(st.integers(min_value=0, max_value=9_999_999_999_999))
def test_what_is_shown_reads_back_as_the_same_amount(fen: int) -> None:
    assert yuan_to_fen(fen_to_yuan(fen), "amount") == fen
