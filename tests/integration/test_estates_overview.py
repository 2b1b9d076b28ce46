"""The hub's counts (/property) agree with the parts' own pages: coverage as on the coverage page."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from anju.core.scope import Scope
from anju.estates import overview
from anju.estates.services_coverage import coverage_report
from anju.estates.tables import estates_fund_homes, estates_projects


def test_the_hub_counts_coverage_by_the_coverage_pages_rule(estates_engine: Engine):
    city = Scope.whole_city()
    with estates_engine.connect() as c:
        o = overview(c, city)
        total = next(line for line in coverage_report(c, city)["lines"] if line["level"] == "total")
        active = c.execute(
            select(func.count()).select_from(estates_projects).where(estates_projects.c.status == "active")
        ).scalar_one()
        fund = c.execute(
            select(func.count()).select_from(estates_fund_homes).where(estates_fund_homes.c.status == "open")
        ).scalar_one()
        street = c.execute(select(estates_projects.c.street_code).limit(1)).scalar_one()
        one = overview(c, Scope.of_streets("street", street, [street]))
    assert (o["estates"], o["served"]) == (total["estates"], total["served_estates"])
    assert 0 < o["served"] < o["estates"]  # the synthetic city is realistic: most, not all, estates served
    assert o["projects"] == active and o["fund_homes"] == fund > 0
    assert 0 < one["served"] <= one["estates"] < o["estates"]  # a street sees only its own
