"""Authorisation-matrix cases of data exchange (feeds, outbox, catalogue, open data)."""

from __future__ import annotations

from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {}
