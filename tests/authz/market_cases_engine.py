"""Authorisation-matrix cases of market monitoring, part "engine": runs and indices (see cases_market.py)."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/market/runs"): Case(one("GET", "/api/v1/market/runs"), scoping=None, perm="market.read"),
}
