"""Authorisation-matrix cases of market monitoring, part "land" (see cases_market.py)."""

from __future__ import annotations

from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {}
