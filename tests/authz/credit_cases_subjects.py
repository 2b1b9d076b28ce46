"""Authorisation-matrix cases of industry credit (subjects, grades, lists, inspections, objections,
repair, public disclosure). Each builder adds the cases of its routes in its own section."""

from __future__ import annotations

from tests.authz.support import Case, one

# --- builder "subjects": subjects, lists, grade changes, the public disclosure --------------------------
# Policy-level cases: every route, every role. Requests name a subject / credit code that does not
# exist (an allowed caller gets 404). The scoping of officers (a district officer sees only its
# district's subjects) and the public pages' refusal to show a person are tested in
# tests/integration/test_credit_subjects_pages.py.

_NO = "999999"
_NO_CODE = "91320100MA0000000X"

_SUBJECTS: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/credit/subjects"): Case(one("GET", "/api/v1/credit/subjects"), scoping=None, perm="credit.read"),
    ("GET", "/api/v1/credit/subjects/export"): Case(
        one("GET", "/api/v1/credit/subjects/export", params={"fmt": "csv"}), scoping=None, perm="credit.read"
    ),
    ("GET", "/api/v1/credit/subjects/{subject_id}"): Case(
        one("GET", f"/api/v1/credit/subjects/{_NO}"), ok={404}, scoping=None, perm="credit.read"
    ),
    ("GET", "/api/v1/credit/subjects/{subject_id}/events"): Case(
        one("GET", f"/api/v1/credit/subjects/{_NO}/events"), ok={404}, scoping=None, perm="credit.read"
    ),
    ("GET", "/api/v1/credit/lists"): Case(one("GET", "/api/v1/credit/lists"), scoping=None, perm="credit.read"),
    ("GET", "/api/v1/credit/lists/export"): Case(
        one("GET", "/api/v1/credit/lists/export", params={"fmt": "xlsx"}), scoping=None, perm="credit.read"
    ),
    ("GET", "/api/v1/credit/changes"): Case(one("GET", "/api/v1/credit/changes"), scoping=None, perm="credit.read"),
    ("GET", "/api/v1/credit/public"): Case(one("GET", "/api/v1/credit/public"), scoping=None, perm="public"),
    ("GET", "/api/v1/credit/public/{credit_code}"): Case(
        one("GET", f"/api/v1/credit/public/{_NO_CODE}"), ok={404}, scoping=None, perm="public"
    ),
    ("GET", "/api/v1/credit/public/{credit_code}/sanctions"): Case(
        one("GET", f"/api/v1/credit/public/{_NO_CODE}/sanctions"), ok={404}, scoping=None, perm="public"
    ),
    ("GET", "/credit/subjects"): Case(one("GET", "/credit/subjects"), scoping=None, perm="credit.read"),
    ("GET", "/credit/subjects.export"): Case(
        one("GET", "/credit/subjects.export", params={"fmt": "xlsx"}), scoping=None, perm="credit.read"
    ),
    ("GET", "/credit/subjects/{subject_id}"): Case(
        one("GET", f"/credit/subjects/{_NO}"), ok={404}, scoping=None, perm="credit.read"
    ),
    ("GET", "/credit/lists"): Case(one("GET", "/credit/lists"), scoping=None, perm="credit.read"),
    ("GET", "/credit/lists.export"): Case(
        one("GET", "/credit/lists.export", params={"fmt": "csv"}), scoping=None, perm="credit.read"
    ),
    ("GET", "/credit/changes"): Case(one("GET", "/credit/changes"), scoping=None, perm="credit.read"),
    ("GET", "/credit/public"): Case(one("GET", "/credit/public"), scoping=None, perm="public"),
    ("GET", "/credit/public/{credit_code}"): Case(
        one("GET", f"/credit/public/{_NO_CODE}"), ok={404}, scoping=None, perm="public"
    ),
}

CASES: dict[tuple[str, str], Case] = {**_SUBJECTS}
