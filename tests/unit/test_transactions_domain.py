"""Pure rules of new-home transactions: the filing number and its check digit, the payment terms,
the public sales states, and the API's vocabularies matching the domain's."""

from __future__ import annotations

from typing import get_args

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anju.transactions import domain
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
    assert set(domain.SALE_STATES) == {"available", "contracted", "filed", "unavailable"}


def test_unit_price_rounds_half_up() -> None:
    assert domain.fen_per_m2(268_500_000, 8950) == 3_000_000
    assert domain.fen_per_m2(3, 200) == 2  # 1.5 fen/m² → 2


def test_the_apis_vocabularies_are_the_domains() -> None:
    assert set(get_args(schemas.Grade)) == set(domain.QUALIFICATION_GRADES)
    assert set(get_args(schemas.Payment)) == set(domain.PAYMENT_METHODS)
