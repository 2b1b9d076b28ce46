"""Authorisation-matrix cases of industry credit (subjects, grades, lists, inspections, objections,
repair, public disclosure). Each builder adds the cases of its routes in its own section."""

from __future__ import annotations

from tests.authz.support import Case, one

# --- credit: events recorded by hand and the events list (sources) ----------------------------------
# Policy-level cases: an empty body/form (an allowed caller gets 422) and the lists. The scoping of the
# list and the recording itself are tested in tests/integration/test_credit_events_pages.py.

CASES: dict[tuple[str, str], Case] = {
    ("POST", "/api/v1/credit/events"): Case(
        one("POST", "/api/v1/credit/events", json={}), ok={422}, scoping=None, perm="credit.record"
    ),
    ("GET", "/api/v1/credit/events"): Case(one("GET", "/api/v1/credit/events"), scoping=None, perm="credit.read"),
    ("GET", "/credit/events"): Case(one("GET", "/credit/events"), scoping=None, perm="credit.read"),
    ("GET", "/credit/events.csv"): Case(one("GET", "/credit/events.csv"), scoping=None, perm="credit.read"),
    ("GET", "/credit/events/new"): Case(one("GET", "/credit/events/new"), scoping=None, perm="credit.record"),
    ("POST", "/credit/events"): Case(
        one("POST", "/credit/events", data={}), ok={422}, scoping=None, perm="credit.record"
    ),
}
