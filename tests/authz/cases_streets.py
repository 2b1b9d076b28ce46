"""Authorisation-matrix cases of the street database. The list, CSV exports and the upload form are
policy-level; a street's profile (page and API) and a year's versions are exercised per sample street:
in scope 200, out of scope 404. A load without a file is refused after the policy (422)."""

from __future__ import annotations

from typing import Any

from tests.authz.support import Case, Ctx, one

API = "/api/v1/streets"


def _per_street(template: str, **kw: Any) -> Any:
    def build(ctx: Ctx) -> list[Any]:
        return [(s, s, lambda c, who, s=s: ("GET", template.format(code=s), dict(kw))) for s in ctx.data]

    return build


CASES: dict[tuple[str, str], Case] = {
    # pages
    ("GET", "/streets"): Case(one("GET", "/streets"), scoping=None, perm="streets.read"),
    ("GET", "/streets/load"): Case(one("GET", "/streets/load"), scoping=None, perm="streets.load"),
    ("POST", "/streets/load"): Case(one("POST", "/streets/load", data={}), ok={422}, scoping=None, perm="streets.load"),
    ("GET", "/streets/{code}"): Case(_per_street("/streets/{code}"), perm="streets.read"),
    # API
    ("GET", API): Case(one("GET", API), scoping=None, perm="streets.read"),
    ("GET", f"{API}/list.csv"): Case(one("GET", f"{API}/list.csv"), scoping=None, perm="streets.read"),
    ("GET", f"{API}/panel.csv"): Case(one("GET", f"{API}/panel.csv"), scoping=None, perm="streets.read"),
    ("GET", f"{API}/{{code}}"): Case(_per_street(API + "/{code}"), perm="streets.read"),
    ("GET", f"{API}/{{code}}/history"): Case(
        _per_street(API + "/{code}/history", params={"year": 2024}), perm="streets.read"
    ),
    ("POST", f"{API}/loads"): Case(one("POST", f"{API}/loads", data={}), ok={422}, scoping=None, perm="streets.load"),
}
