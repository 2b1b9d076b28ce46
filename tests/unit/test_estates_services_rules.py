"""Property services' pure rules: price and total scores (exact decimals, half-up to two places), the
award's order (total, then lower fee, then earlier bid) and coverage against the plan's target."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from anju.estates import services_rules as r

T0 = datetime(2026, 5, 1, tzinfo=UTC)


def test_the_lowest_fee_gets_100_and_the_others_lowest_over_fee():
    assert r.price_scores({1: 200, 2: 250, 3: 300}) == {1: Decimal("100.00"), 2: Decimal("80.00"), 3: Decimal("66.67")}
    assert r.price_scores({}) == {}
    with pytest.raises(ValueError, match="正数"):
        r.price_scores({1: 0})


def test_total_is_weighted_and_rounded_half_up():
    assert r.TECHNICAL_WEIGHT + r.PRICE_WEIGHT == 1
    assert r.total_score(Decimal("80"), Decimal("100")) == Decimal("88.00")
    # 0.6 × 70.25 + 0.4 × 66.67 = 42.15 + 26.668 = 68.818 → 68.82
    assert r.total_score(Decimal("70.25"), Decimal("66.67")) == Decimal("68.82")
    assert r.q2(Decimal("0.005")) == Decimal("0.01")  # half-up, not banker's rounding


@pytest.mark.parametrize("bad", ["101", "-1", "1.234", "abc", "NaN"])
def test_a_technical_score_outside_0_100_or_with_three_decimals_is_refused(bad):
    with pytest.raises(ValueError):
        r.technical_score(bad)


def test_the_award_goes_to_the_highest_total_then_the_lower_fee_then_the_earlier_bid():
    a = r.ScoredBid(1, 250, Decimal("90.00"), T0)
    b = r.ScoredBid(2, 200, Decimal("91.00"), T0 + timedelta(hours=1))
    assert r.winner([a, b]) == 2
    c = r.ScoredBid(3, 240, Decimal("91.00"), T0)  # same total as b, higher fee
    assert r.winner([a, b, c]) == 2
    d = r.ScoredBid(4, 200, Decimal("91.00"), T0 - timedelta(minutes=1))  # same total and fee, earlier
    assert r.winner([a, b, c, d]) == 4
    with pytest.raises(ValueError):
        r.winner([])


def test_coverage_shares_target_and_gap():
    c = r.Coverage(estates=8, served_estates=6, homes=1000, served_homes=900)
    assert c.estate_share == Fraction(3, 4) and c.home_share == Fraction(9, 10)
    assert r.percent(c.estate_share) == Decimal("75.0") and r.percent(Fraction(2, 3)) == Decimal("66.7")
    assert c.meets() is False and c.gap() == 2
    assert r.Coverage(3, 3, 10, 10).meets() is True and r.Coverage(3, 3, 10, 10).gap() == 0
    assert r.Coverage(0, 0, 0, 0).meets() is None and r.percent(None) is None
    assert (c + r.Coverage(2, 2, 10, 10)) == r.Coverage(10, 8, 1010, 910)
    assert r.COVERAGE_TARGET.share == 1 and r.COVERAGE_TARGET.binding and "149" in r.COVERAGE_TARGET.source


def test_every_code_of_the_vocabulary_fits_its_column():
    """PostgreSQL refuses a value longer than its VARCHAR (SQLite does not): the codes must fit."""
    from anju.estates import domain
    from anju.estates import tables as t

    pairs = [
        (domain.QUALIFICATIONS, t.estates_companies.c.qualification),
        (domain.COMPANY_STATUSES, t.estates_companies.c.status),
        (domain.PROJECT_KINDS, t.estates_projects.c.kind),
        (domain.CHOSEN_BY, t.estates_projects.c.chosen_by),
        (domain.PROJECT_STATUSES, t.estates_projects.c.status),
        (domain.SERVICE_LEVELS, t.estates_projects.c.service_level),
        (domain.TENDER_STATUSES, t.estates_tenders.c.status),
        (domain.BID_STATUSES, t.estates_bids.c.status),
        (domain.HANDOVER_RESULTS, t.estates_handovers.c.result),
    ]
    too_long = [(c.name, k) for codes, c in pairs for k in codes if len(k) > c.type.length]  # type: ignore[attr-defined]
    assert too_long == []
