"""Pure rules of new-home transactions: the filing number and its check digit, the payment terms,
the public sales states, and the API's vocabularies matching the domain's."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.transactions import domain
from anju.transactions import eligibility as el
from anju.transactions.http import schemas


def test_a_filing_number_is_xs_year_id_and_a_luhn_digit() -> None:
    n = domain.filing_number(2026, 42)
    assert n[:16] == "XS20260000000042" and len(n) == 17
    assert domain.valid_filing_number(n) and domain.valid_filing_number(n.lower())
    assert not domain.valid_filing_number(n[:-1]) and not domain.valid_filing_number("XY" + n[2:])


@given(st.integers(2000, 2099), st.integers(1, 10**10 - 1), st.integers(2, 15), st.integers(1, 9))
def test_the_check_digit_catches_any_one_mistyped_digit(year: int, cid: int, pos: int, delta: int) -> None:
    n = domain.filing_number(year, cid)
    wrong = n[:pos] + str((int(n[pos]) + delta) % 10) + n[pos + 1 :]
    assert not domain.valid_filing_number(wrong)


def test_a_permit_number_fits_the_registers_change_source() -> None:
    n = domain.permit_number(2026, 12)
    assert n == "宁房销第202600012号" and len(n) <= 24


@pytest.mark.parametrize(
    ("method", "total", "down", "loan", "fields"),
    [
        ("full", 100, 100, 0, []),
        ("commercial_loan", 100, 30, 70, []),
        ("commercial_loan", 100, 100, 0, ["loan_fen"]),
        ("full", 100, 30, 70, ["loan_fen"]),
        ("provident_loan", 100, 30, 60, ["down_payment_fen"]),
        ("barter", 100, 100, 0, ["payment_method"]),
    ],
)
def test_payment_terms_must_add_up(method: str, total: int, down: int, loan: int, fields: list[str]) -> None:
    assert [f for f, _ in domain.payment_problems(method, total, down, loan)] == fields


def test_the_sales_table_states() -> None:
    s = domain.sale_state
    assert s(permitted=True, contract_status=None, restricted=False) == "available"
    assert s(permitted=True, contract_status=None, restricted=True) == "unavailable"
    assert s(permitted=False, contract_status=None, restricted=False) == "unavailable"
    assert s(permitted=True, contract_status="draft", restricted=False) == "contracted"
    assert s(permitted=True, contract_status="signed", restricted=True) == "contracted"
    assert s(permitted=True, contract_status="filed", restricted=False) == "filed"
    assert s(permitted=True, contract_status="filed", restricted=False, registered=True) == "registered"
    assert s(permitted=True, contract_status="signed", restricted=False, registered=True) == "contracted"
    assert set(domain.SALE_STATES) == {"available", "contracted", "filed", "registered", "unavailable"}


def test_unit_price_rounds_half_up() -> None:
    assert domain.fen_per_m2(268_500_000, 8950) == 3_000_000
    assert domain.fen_per_m2(3, 200) == 2  # 1.5 fen/m² → 2


def test_the_apis_vocabularies_are_the_domains() -> None:
    assert set(get_args(schemas.Grade)) == set(domain.QUALIFICATION_GRADES)
    assert set(get_args(schemas.Payment)) == set(domain.PAYMENT_METHODS)


# ------------------------------------------------------------------------------ purchase eligibility


def _policy(**over: object) -> el.PurchasePolicy:
    raw: dict[str, object] = {
        "code": "t",
        "name": "测试",
        "effective_from": date(2024, 1, 1),
        "limited_districts": ["320102"],
        "local_max_owned": 1,
        "nonlocal_max_owned": 0,
        "nonlocal_min_social_insurance_months": 24,
    }
    return el.policy_from_dict(raw | over)


def _facts(**over: Any) -> el.PurchaseFacts:
    base = el.PurchaseFacts(
        district_code="320102", hukou="local", social_insurance_months=0, homes_owned=0, homes_contracted=0
    )
    return replace(base, **over)


def test_a_home_outside_the_limited_districts_is_not_limited() -> None:
    out = el.evaluate(_policy(), _facts(district_code="320117", homes_owned=5, hukou="nonlocal"))
    assert out.eligible and [r.code for r in out.rules] == ["district"]
    assert out.rules[0].reason == "房屋不在限购区域，不限购"


def test_homes_already_held_count_register_and_platform_contracts() -> None:
    assert el.evaluate(_policy(), _facts(homes_owned=1)).eligible
    out = el.evaluate(_policy(), _facts(homes_owned=1, homes_contracted=1))
    assert not out.eligible
    rule = next(r for r in out.rules if r.code == "homes_owned")
    assert rule.inputs == {"hukou": "local", "homes_owned": 1, "homes_contracted": 1}
    assert "已有住房 2 套" in rule.reason and "超过 1 套" in rule.reason


def test_a_nonlocal_buyer_needs_the_social_insurance_months_and_no_home() -> None:
    out = el.evaluate(_policy(), _facts(hukou="nonlocal", social_insurance_months=23))
    assert not out.eligible
    assert [(r.code, r.passed) for r in out.rules] == [
        ("district", True),
        ("homes_owned", True),
        ("social_insurance", False),
    ]
    assert el.evaluate(_policy(), _facts(hukou="nonlocal", social_insurance_months=24)).eligible


def test_the_edition_in_force_is_chosen_by_date() -> None:
    a, b = _policy(code="a", effective_from=date(2020, 1, 1)), _policy(code="b", effective_from=date(2024, 1, 1))
    assert el.policy_on((a, b), date(2019, 12, 31)) is None
    assert el.policy_on((a, b), date(2023, 6, 1)) is a and el.policy_on((a, b), date(2024, 1, 1)) is b
    ended = _policy(code="c", effective_from=date(2020, 1, 1), effective_to=date(2021, 1, 1))
    assert el.policy_on((ended,), date(2021, 1, 1)) is None


def test_the_sample_policy_loads_and_bad_files_name_the_key(tmp_path: Path) -> None:
    sample = el.load_policies(el.sample_path("320100"))
    assert sample and all(p.sample for p in sample)
    bad = tmp_path / "p.toml"
    bad.write_text('[[edition]]\ncode = "x"\nname = "x"\neffective_from = 2024-01-01\nlimited_districts = ["3201"]\n')
    with pytest.raises(el.PolicyError, match="limited_districts"):
        el.load_policies(bad)
    bad.write_text(
        '[[edition]]\ncode = "x"\nname = "x"\neffective_from = 2024-01-01\nlimited_districts = []\n'
        "local_max_owned = -1\nnonlocal_max_owned = 0\nnonlocal_min_social_insurance_months = 0\n"
    )
    with pytest.raises(el.PolicyError, match="local_max_owned"):
        el.load_policies(bad)
