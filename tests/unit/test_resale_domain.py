"""The pure rules of existing-home resale: each listing rule fails on its own fact and only then, the
mortgage is noted without refusing, and the filing numbers' series and check digit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from anju.transactions import domain
from anju.transactions import resale_domain as rd

GOOD = rd.ListingFacts(
    home_found=True,
    home_status="使用",
    owner_registered=True,
    agency_status="filed",
    agency_kind="agency",
    restrictions=(),
    other_listing=False,
    active_contract=False,
)


def failed(facts: rd.ListingFacts) -> list[str]:
    return [r.name for r in rd.verify_listing(facts) if not r.passed]


def test_every_rule_is_evaluated_in_order_and_a_clean_listing_passes() -> None:
    results = rd.verify_listing(GOOD)
    assert [r.name for r in results] == list(rd.LISTING_RULES)
    assert failed(GOOD) == [] and results[-1].reason == "无抵押"


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"home_found": False, "home_status": None}, ["home_exists", "home_in_use"]),
        ({"home_status": "预售"}, ["home_in_use"]),
        ({"owner_registered": False}, ["owner_registered"]),
        ({"agency_status": "suspended"}, ["agency_filed"]),
        ({"agency_kind": "enterprise"}, ["agency_filed"]),
        ({"agency_status": None, "agency_kind": None}, ["agency_filed"]),
        ({"restrictions": ("查封：（2026）苏0102执1号",)}, ["home_unrestricted"]),
        ({"other_listing": True}, ["home_not_listed"]),
        ({"active_contract": True}, ["home_not_contracted"]),
    ],
)
def test_each_fact_fails_its_own_rule(change: dict[str, Any], rule: list[str]) -> None:
    assert failed(replace(GOOD, **change)) == rule


def test_reasons_name_what_is_wrong() -> None:
    by_name = {r.name: r.reason for r in rd.verify_listing(replace(GOOD, agency_status="revoked"))}
    assert by_name["agency_filed"] == "经纪机构备案已撤销，不能发布房源"
    seized = {r.name: r.reason for r in rd.verify_listing(replace(GOOD, restrictions=("查封：甲", "其他限制：乙")))}
    assert seized["home_unrestricted"] == "房屋存在限制：查封：甲、其他限制：乙"


def test_a_mortgage_is_noted_and_does_not_refuse() -> None:
    results = rd.verify_listing(replace(GOOD, mortgages=("南京银行（苏(2025)南京市不动产证明第1号）",)))
    noted = next(r for r in results if r.name == "mortgage_noted")
    assert noted.passed and "南京银行" in noted.reason and "抵押权人同意" in noted.reason
    assert failed(replace(GOOD, mortgages=("甲",))) == []


def test_resale_filing_numbers_are_their_own_checked_series() -> None:
    n = rd.filing_number(2026, 428)
    assert n[:16] == "CS20260000000428" and len(n) == 17 and rd.valid_filing_number(n)
    assert not domain.valid_filing_number(n) and not rd.valid_filing_number(domain.filing_number(2026, 428))
    for i in range(2, 17):  # any single mistyped digit is caught
        wrong = n[:i] + str((int(n[i]) + 3) % 10) + n[i + 1 :]
        assert not rd.valid_filing_number(wrong), wrong


def test_listing_numbers() -> None:
    assert rd.listing_no(date(2026, 12, 6), 12345) == "CF2612060000012345"
