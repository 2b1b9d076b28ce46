"""Authorisation-matrix cases of the market views' review fixes (see cases_market.py): the forecasts CSV."""

from __future__ import annotations

from tests.authz.market_cases_health import API, per_area
from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{API}/forecasts.csv"): Case(per_area("GET", API + "/forecasts.csv?area={area}"), perm="market.read"),
}
