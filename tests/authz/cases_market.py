"""Authorisation-matrix cases of market monitoring, one module per part (``market_cases_<part>.py``):
runs and indices (engine); land transfers, supply and rent-to-price (land); health, warnings and
forecasts (health); the dashboard, reports, publications and the public page (dashboard)."""

from __future__ import annotations

from tests.authz import (
    market_cases_dashboard,
    market_cases_engine,
    market_cases_health,
    market_cases_land,
    market_cases_views,
)
from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {
    **market_cases_engine.CASES,
    **market_cases_land.CASES,
    **market_cases_health.CASES,
    **market_cases_dashboard.CASES,
    **market_cases_views.CASES,
}
