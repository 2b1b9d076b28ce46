"""Authorisation-matrix cases of market monitoring, part "land": land transfers, supply and
rent-to-price ratios, their pages, CSV exports and REST mirrors (see cases_market.py). Every route is
``market.read``; the scope (a district officer: their district and the city) is tested in
tests/integration/test_market_land_pages.py, so the variants here are city-wide reads (``scoping`` None)."""

from __future__ import annotations

from tests.authz.support import Case, one


def _read(path: str) -> Case:
    return Case(one("GET", path), scoping=None, perm="market.read")


CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/market/land"): _read("/api/v1/market/land"),
    ("GET", "/api/v1/market/supply"): _read("/api/v1/market/supply"),
    ("GET", "/api/v1/market/rent-ratios"): _read("/api/v1/market/rent-ratios"),
    ("GET", "/market/land"): _read("/market/land"),
    ("GET", "/market/land.csv"): _read("/market/land.csv"),
    ("GET", "/market/supply"): _read("/market/supply"),
    ("GET", "/market/supply.csv"): _read("/market/supply.csv"),
    ("GET", "/market/rent-ratios"): _read("/market/rent-ratios"),
    ("GET", "/market/rent-ratios.csv"): _read("/market/rent-ratios.csv"),
}
