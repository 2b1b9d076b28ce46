"""Authorisation-matrix cases of data exchange (feeds, outbox, catalogue, open data)."""

from __future__ import annotations

from tests.authz.support import Case, one

# --- exchange: events out (数据推送) ---------------------------------------------------------------
# Policy-level cases: every route, every role. Requests name a subscriber that does not exist (an
# allowed caller gets 404) or carry an empty form (422). The flows (secret shown once, pause, rotate,
# retry) are tested in tests/integration/test_exchange_pages.py.

_NO = "/exchange/subscribers/999999"

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/exchange/subscribers"): Case(one("GET", "/exchange/subscribers"), scoping=None, perm="exchange.read"),
    ("GET", "/exchange/subscribers/new"): Case(
        one("GET", "/exchange/subscribers/new"), scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/new"): Case(
        one("POST", "/exchange/subscribers/new", data={}), ok={422}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/subscribers/{sid}"): Case(one("GET", _NO), ok={404}, scoping=None, perm="exchange.read"),
    ("POST", "/exchange/subscribers/{sid}/topics"): Case(
        one("POST", f"{_NO}/topics", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/status"): Case(
        one("POST", f"{_NO}/status", data={"status": "paused"}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/retry"): Case(
        one("POST", f"{_NO}/retry", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/subscribers/{sid}/rotate"): Case(
        one("GET", f"{_NO}/rotate"), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/rotate"): Case(
        one("POST", f"{_NO}/rotate", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/events"): Case(one("GET", "/exchange/events"), scoping=None, perm="exchange.read"),
}
