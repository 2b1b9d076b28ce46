"""The rental context's numbers, one format each for live and synthetic data (pure, no database)."""

from __future__ import annotations

from datetime import date

from anju.rental import domain
from anju.security.identity import mask_name


def test_numbers_are_issued_in_the_formats_the_public_checks_accept():
    assert domain.LISTING_NO_RE.match(domain.listing_no(date(2026, 3, 5), 42)) is not None
    assert domain.listing_no(date(2026, 3, 5), 42) == "FY2603050000000042"
    assert domain.LEASE_NO_RE.match(domain.lease_no(date(2026, 3, 5), "0a1b2c3d4e")) is not None
    assert domain.FILING_NO_RE.match(domain.filing_no(2026, 123, 7)) is not None
    assert domain.filing_no(2026, 123, 7) == "BA20260000001230007"
    assert domain.FILING_NO_RE.match("BA2026000000123000") is None  # one digit short


def test_a_verification_code_carries_its_check_character():
    code = domain.make_verify_code([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
    assert domain.normalise_verify_code(code) == code
    assert domain.normalise_verify_code(code.lower()[:5] + "-" + code[5:]) == code
    wrong = code[:-1] + next(ch for ch in domain.CODE_ALPHABET if ch != code[-1])
    assert domain.normalise_verify_code(wrong) is None


def test_masking_keeps_the_first_letter_of_the_name_not_a_bracket():
    assert mask_name("张三") == "张*"
    assert mask_name("（产权人）") == "（产**）"
    assert mask_name("“王五”") == "“王*”"
    assert mask_name("A. Smith") == "A. *****"
