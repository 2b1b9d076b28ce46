"""Authorisation-matrix cases of plan monitoring. Reads are policy-level on the city's current plan (the
shipped 14th plan); writes with an empty body answer 422 after the policy (nothing written); an export
of a year not reported, or an evaluation file that does not exist, is 404 for an allowed caller. The
public page and its API are anyone's."""

from __future__ import annotations

from tests.authz.support import Case, one

API = "/api/v1/plan"
TARGET = "main.old_community_area"

CASES: dict[tuple[str, str], Case] = {
    # pages
    ("GET", "/plan"): Case(one("GET", "/plan"), scoping=None, perm="plan.read"),
    ("GET", "/plan/targets/{key}"): Case(one("GET", f"/plan/targets/{TARGET}"), scoping=None, perm="plan.read"),
    ("POST", "/plan/reports"): Case(one("POST", "/plan/reports", data={}), ok={303}, scoping=None, perm="plan.report"),
    ("GET", "/plan/entries"): Case(one("GET", "/plan/entries"), scoping=None, perm="plan.read"),
    ("POST", "/plan/entries"): Case(one("POST", "/plan/entries", data={}), ok={422}, scoping=None, perm="plan.report"),
    ("GET", "/plan/evaluations"): Case(one("GET", "/plan/evaluations"), scoping=None, perm="plan.report"),
    ("POST", "/plan/evaluations"): Case(
        one("POST", "/plan/evaluations", data={}), ok={422}, scoping=None, perm="plan.report"
    ),
    ("GET", "/plan/evaluations/{name}"): Case(
        one("GET", "/plan/evaluations/" + "0" * 32 + ".pdf"), ok={404}, scoping=None, perm="plan.report"
    ),
    ("GET", "/plan/public"): Case(one("GET", "/plan/public"), scoping=None, perm="public"),
    # API
    ("GET", f"{API}/progress"): Case(one("GET", f"{API}/progress"), scoping=None, perm="plan.read"),
    ("GET", f"{API}/progress.csv"): Case(one("GET", f"{API}/progress.csv"), scoping=None, perm="plan.read"),
    ("GET", f"{API}/targets/{{key}}"): Case(one("GET", f"{API}/targets/{TARGET}"), scoping=None, perm="plan.read"),
    ("GET", f"{API}/reports"): Case(one("GET", f"{API}/reports"), scoping=None, perm="plan.read"),
    ("POST", f"{API}/reports"): Case(
        one("POST", f"{API}/reports", json={}), ok={422}, scoping=None, perm="plan.report"
    ),
    ("GET", f"{API}/entries"): Case(one("GET", f"{API}/entries"), scoping=None, perm="plan.read"),
    ("POST", f"{API}/entries"): Case(
        one("POST", f"{API}/entries", json={}), ok={422}, scoping=None, perm="plan.report"
    ),
    ("GET", f"{API}/export"): Case(
        one("GET", f"{API}/export", params={"year": 2021}), ok={404}, scoping=None, perm="plan.read"
    ),
    ("POST", f"{API}/evaluations"): Case(
        one("POST", f"{API}/evaluations", json={}), ok={422}, scoping=None, perm="plan.report"
    ),
    ("GET", f"{API}/public"): Case(one("GET", f"{API}/public"), scoping=None, perm="public"),
    ("GET", f"{API}/public.csv"): Case(one("GET", f"{API}/public.csv"), scoping=None, perm="public"),
}
