"""House codes, statuses and areas: the register's vocabulary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from anju.registry import domain


def test_house_code_has_the_jgj_t_246_layout():
    code = domain.make_house_code("320102002", 2005, 12, 502)
    assert len(code) == 23
    assert code[:9] == "320102002" and code[9:13] == "2005" and code[13:17] == "0012" and code[17:22] == "00502"
    assert domain.parse_house_code(code) == domain.HouseCode("320102002", 2005, 12, 502)


def test_building_code_ends_in_home_sequence_zero():
    code = domain.make_house_code("320102002", 2005, 12, 0)
    hc = domain.parse_house_code(code)
    assert hc.is_building and hc.building() == hc


def test_check_character_is_iso7064_mod_11_2_like_the_resident_id():
    # GB 11643's own example uses the same algorithm: 11010519491231002X
    assert domain.CHECKERS["iso7064-mod11-2"]("11010519491231002") == "X"
    assert ric.is_valid("11010519491231002X")


@pytest.mark.parametrize(
    "bad, reason",
    [
        ("3201020022005001200502", "23"),  # too short
        ("32010200220050012005021", "check character"),  # wrong check digit
        ("3201020022005001200502Y", "23"),  # illegal check character
        ("A2010200220050012005028", "23"),
    ],
)
def test_malformed_house_codes_are_refused_with_a_reason(bad, reason):
    with pytest.raises(ValueError, match=reason):
        domain.parse_house_code(bad)


@given(st.from_regex(r"\A\d{17}\Z"), st.integers(0, 99999))
def test_fast_check_matches_python_stdnum(prefix, seq):
    body = prefix + f"{seq:05d}"
    assert domain.fast_check(domain.prefix_checksum(prefix), seq) == domain.CHECKERS["iso7064-mod11-2"](body)


@given(st.from_regex(r"\A\d{22}\Z"), st.integers(0, 21), st.integers(1, 9))
def test_any_single_digit_error_is_detected(body, pos, delta):
    code = body + domain.CHECKERS["iso7064-mod11-2"](body)
    wrong = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1 :]
    assert not domain.is_valid_house_code(wrong)


@pytest.mark.parametrize(
    "old, new, ok",
    [
        (domain.Status.planned, domain.Status.under_construction, True),
        (domain.Status.under_construction, domain.Status.presale, True),
        (domain.Status.presale, domain.Status.completed, True),
        (domain.Status.completed, domain.Status.in_use, True),
        (domain.Status.in_use, domain.Status.demolished, True),
        (domain.Status.demolished, domain.Status.in_use, False),
        (domain.Status.retired, domain.Status.in_use, False),
        (domain.Status.in_use, domain.Status.presale, False),
        (domain.Status.planned, domain.Status.in_use, False),
    ],
)
def test_life_cycle_transitions(old, new, ok):
    assert domain.can_transition(old, new) is ok


def test_status_accepts_chinese_and_english_names():
    assert domain.parse_status("使用") is domain.Status.in_use
    assert domain.parse_status("demolished") is domain.Status.demolished
    with pytest.raises(ValueError, match="unknown status"):
        domain.parse_status("半拆")


@pytest.mark.parametrize(
    "value, message",
    [
        ("-5", "greater than 0"),
        ("0", "greater than 0"),
        ("1000000", "absurd"),
        ("12.345", "two decimal"),
        ("abc", "not a number"),
        ("NaN", "finite"),
    ],
)
def test_bad_areas_are_refused(value, message):
    with pytest.raises(ValueError, match=message):
        domain.parse_area(value)


def test_areas_are_exact_decimals():
    assert domain.parse_area("89.1") == Decimal("89.10")
    assert domain.parse_area("1,234.56") == Decimal("1234.56")


def test_completed_buildings_cannot_be_built_in_the_future():
    with pytest.raises(ValueError, match="future"):
        domain.check_year_built(2031, domain.Status.in_use, date(2026, 1, 1))
    domain.check_year_built(2028, domain.Status.under_construction, date(2026, 1, 1))
