"""Authorisation-matrix cases of estate management, one module per part (``estates_cases_<part>.py``):
companies, projects, tenders, handovers and coverage (services); complaints and evaluations (quality);
owners' organisations and votes (owners); the maintenance fund's accounts, deposits, interest and
statements (fund); spending applications (spending). The hub is here."""

from __future__ import annotations

from tests.authz import (
    estates_cases_fund,
    estates_cases_owners,
    estates_cases_quality,
    estates_cases_services,
    estates_cases_spending,
)
from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/property"): Case(one("GET", "/property"), scoping=None, perm="estates.read"),
    ("GET", "/api/v1/property/overview"): Case(
        one("GET", "/api/v1/property/overview"), scoping=None, perm="estates.read"
    ),
    **estates_cases_services.CASES,
    **estates_cases_quality.CASES,
    **estates_cases_owners.CASES,
    **estates_cases_fund.CASES,
    **estates_cases_spending.CASES,
}
