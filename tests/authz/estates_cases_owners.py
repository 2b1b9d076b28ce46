"""Authorisation-matrix cases of estate management, part "owners" (see cases_estates.py)."""

from __future__ import annotations

from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {}
