"""Authorisation-matrix cases of industry credit (subjects, grades, lists, inspections, objections,
repair, public disclosure). Each builder adds the cases of its routes in its own section."""

from __future__ import annotations

from tests.authz.support import Case

CASES: dict[tuple[str, str], Case] = {}
