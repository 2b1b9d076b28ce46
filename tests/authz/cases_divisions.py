"""Authorisation-matrix cases of administrative divisions."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    # --- API: divisions -----------------------------------------------------------------------
    ("GET", "/api/v1/divisions"): Case(one("GET", "/api/v1/divisions"), scoping=None, perm="divisions.read"),
    ("GET", "/api/v1/divisions/{code}"): Case(
        one("GET", "/api/v1/divisions/320102"), scoping=None, perm="divisions.read"
    ),
    ("GET", "/api/v1/divisions/{code}/geometry"): Case(
        one("GET", "/api/v1/divisions/320102/geometry"), scoping=None, perm="divisions.read"
    ),
}
