"""Authorisation-matrix cases of the address fusion library."""

from __future__ import annotations

from tests.authz.support import Case, items_in_scope, one, per_street

CASES: dict[tuple[str, str], Case] = {
    # --- the address fusion library ---------------------------------------------------------------
    ("POST", "/api/v1/addresses/parse"): Case(
        one("POST", "/api/v1/addresses/parse", json={"address": "南京市玄武区中山路1号3幢502室"}),
        scoping=None,
        perm="address.parse",
    ),
    ("POST", "/api/v1/addresses/parse/batch"): Case(
        one("POST", "/api/v1/addresses/parse/batch", json={"addresses": ["玄武区中山路1号", None]}),
        scoping=None,
        perm="address.parse",
    ),
    ("GET", "/api/v1/addresses/records"): Case(
        one("GET", "/api/v1/addresses/records"), check=items_in_scope(), scoping=None, perm="address.read"
    ),
    ("GET", "/api/v1/addresses/records/{record_id}"): Case(
        per_street("GET", "/api/v1/addresses/records/{addr}", "addr"), perm="address.read"
    ),
    ("POST", "/api/v1/addresses/records/{record_id}/decision"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/api/v1/addresses/records/{c.fresh_address(s)}/decision",
                    {"json": {"accept": True, "house_code": c.data[s].house_code}},
                ),
            )
            for s in ctx.data
        ],
        perm="address.review",
    ),
    ("GET", "/api/v1/addresses/jobs"): Case(one("GET", "/api/v1/addresses/jobs"), scoping=None, perm="address.read"),
    ("POST", "/api/v1/addresses/link"): Case(
        lambda ctx: [
            (
                "any",
                None,
                lambda c, who: (
                    "POST",
                    "/api/v1/addresses/link",
                    {"files": {"file": ("p.csv", f"record_id,address\n1,{c.address}\n".encode(), "text/csv")}},
                ),
            )
        ],
        ok={201},
        scoping=None,
        perm="address.link",
    ),
    ("GET", "/addresses/review"): Case(one("GET", "/addresses/review"), scoping=None, perm="address.read"),
    ("GET", "/addresses/review/{record_id}"): Case(
        per_street("GET", "/addresses/review/{addr}", "addr"), perm="address.read"
    ),
    ("GET", "/addresses/review/{record_id}/confirm"): Case(
        per_street("GET", "/addresses/review/{addr}/confirm", "addr"), perm="address.review"
    ),
    ("POST", "/addresses/review/{record_id}/decision"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "POST",
                    f"/addresses/review/{c.fresh_address(s)}/decision",
                    {"data": {"accept": "true", "house_code": c.data[s].house_code}},
                ),
            )
            for s in ctx.data
        ],
        perm="address.review",
    ),
    ("GET", "/addresses/parse"): Case(one("GET", "/addresses/parse"), scoping=None, perm="address.parse"),
    ("POST", "/addresses/parse"): Case(
        one("POST", "/addresses/parse", data={"text": "南京市玄武区中山路1号3幢502室"}),
        scoping=None,
        perm="address.parse",
    ),
}
