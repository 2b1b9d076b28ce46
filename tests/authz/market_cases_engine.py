"""Authorisation-matrix cases of market monitoring, part "engine": runs and indices (see cases_market.py).

The index reads answer 404 before the first finished run (the matrix's world has none) and 200 after;
starting a run is exercised with a month that does not exist, so an allowed caller gets the 422 naming
the field and no background computation starts in the matrix's database."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/market/runs"): Case(one("GET", "/api/v1/market/runs"), scoping=None, perm="market.read"),
    ("POST", "/api/v1/market/runs"): Case(
        one("POST", "/api/v1/market/runs", json={"engine": "duckdb", "first_month": "2016-13"}),
        ok={202, 422},
        scoping=None,
        perm="market.compute",
    ),
    ("GET", "/api/v1/market/indices"): Case(
        one("GET", "/api/v1/market/indices"), ok={200, 404}, scoping=None, perm="market.read"
    ),
    ("GET", "/api/v1/market/indices.csv"): Case(
        one("GET", "/api/v1/market/indices.csv"), ok={200, 404}, scoping=None, perm="market.read"
    ),
    ("GET", "/api/v1/market/indices/quality"): Case(
        one("GET", "/api/v1/market/indices/quality"), ok={200, 404}, scoping=None, perm="market.read"
    ),
    ("GET", "/market/runs"): Case(one("GET", "/market/runs"), scoping=None, perm="market.read"),
    ("POST", "/market/runs"): Case(
        one("POST", "/market/runs", data={"engine": "duckdb", "first_month": "2016-13"}),
        ok={303, 422},
        scoping=None,
        perm="market.compute",
    ),
    ("GET", "/market/indices"): Case(one("GET", "/market/indices"), scoping=None, perm="market.read"),
}
