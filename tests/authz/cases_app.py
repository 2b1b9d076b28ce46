"""Authorisation-matrix cases of the composition root's own routes (``anju.app``)."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/healthz"): Case(one("GET", "/healthz"), scoping=None, perm="public"),
    ("GET", "/"): Case(one("GET", "/"), scoping=None, perm="public"),  # the portal, or one's workbench
}
