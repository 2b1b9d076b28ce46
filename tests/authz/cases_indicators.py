"""Authorisation-matrix cases of the indicator dictionary: its definitions are public."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/indicators"): Case(one("GET", "/api/v1/indicators"), scoping=None, perm="public"),
    ("GET", "/api/v1/indicators/{code}"): Case(
        one("GET", "/api/v1/indicators/housing.floor_area_per_resident"), scoping=None, perm="public"
    ),
    ("GET", "/indicators"): Case(one("GET", "/indicators"), scoping=None, perm="public"),
    ("GET", "/indicators.csv"): Case(one("GET", "/indicators.csv"), scoping=None, perm="public"),
    ("GET", "/indicators/{code}"): Case(one("GET", "/indicators/market.new_price_yoy"), scoping=None, perm="public"),
}
