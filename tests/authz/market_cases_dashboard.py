"""Authorisation-matrix cases of market monitoring, part "dashboard" (see cases_market.py): the dashboard
and its JSON/CSV, the monthly report, the publication, the public page and its downloads.

The matrix's world has no market run, so the dashboard answers with its empty state (scoped reads are
tested on fixture runs in tests/integration/test_market_dashboard.py), a monthly report is refused
(422: no month to report), a report's file and a publication of a month answer 404, and an unpublished
month's public figures 404."""

from __future__ import annotations

from tests.authz.support import Case, one

_D = "/api/v1/market/dashboard"
_P = "/api/v1/market/public"
_MONTH = "2026-03"

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{_D}/summary"): Case(one("GET", f"{_D}/summary"), scoping=None, perm="market.read"),
    ("GET", f"{_D}/supply"): Case(one("GET", f"{_D}/supply"), scoping=None, perm="market.read"),
    ("GET", f"{_D}/indices"): Case(one("GET", f"{_D}/indices"), scoping=None, perm="market.read"),
    ("GET", f"{_D}/health"): Case(one("GET", f"{_D}/health"), scoping=None, perm="market.read"),
    ("GET", f"{_D}/warnings"): Case(one("GET", f"{_D}/warnings"), scoping=None, perm="market.read"),
    ("GET", f"{_D}/{{table}}.csv"): Case(one("GET", f"{_D}/supply.csv"), scoping=None, perm="market.read"),
    ("GET", _P): Case(one("GET", _P), scoping=None, perm="public"),
    ("GET", f"{_P}/{{month}}"): Case(one("GET", f"{_P}/{_MONTH}"), ok={404}, scoping=None, perm="public"),
    ("GET", f"{_P}/{{month}}.csv"): Case(one("GET", f"{_P}/{_MONTH}.csv"), ok={404}, scoping=None, perm="public"),
    ("GET", "/market"): Case(one("GET", "/market"), scoping=None, perm="market.read"),
    ("GET", "/market/reports"): Case(one("GET", "/market/reports"), scoping=None, perm="market.report"),
    ("POST", "/market/reports"): Case(
        one("POST", "/market/reports", data={"month": _MONTH, "format": "pdf"}),
        ok={303, 422},
        scoping=None,
        perm="market.report",
    ),
    ("GET", "/market/reports/files/{name}"): Case(
        one("GET", f"/market/reports/files/market-report-{_MONTH}-{'0' * 32}.pdf"),
        ok={404},
        scoping=None,
        perm="market.report",
    ),
    ("GET", "/market/publish"): Case(one("GET", "/market/publish"), scoping=None, perm="market.publish"),
    ("POST", "/market/publish"): Case(
        one("POST", "/market/publish", data={"month": _MONTH, "run_id": "1", "note": ""}),
        ok={303, 404, 409, 422},
        scoping=None,
        perm="market.publish",
    ),
    ("GET", "/market/public"): Case(one("GET", "/market/public"), scoping=None, perm="public"),
    ("GET", "/market/public/{month}"): Case(
        one("GET", f"/market/public/{_MONTH}"), ok={404}, scoping=None, perm="public"
    ),
}
