"""Authorisation-matrix cases of industry credit (subjects, grades, lists, inspections, objections,
repair, public disclosure). Each builder adds the cases of its routes in its own section."""

from __future__ import annotations

from tests.authz.support import Case, one

# --- credit: the subject's own file, objections, repair, the report (builder "objections") ----------
# Policy-level cases: every route, every role. The subject routes are the caller's own (the seeded
# citizen and landlord are verified, the agency account has its enterprise's code); requests name an
# event / case / document that does not exist (an allowed caller gets 404). Own-file-only, the
# officers' street scoping and the decisions' effects are tested in tests/integration/test_credit_objections.py.

_ABSENT = {404}
_NO_EVENT = "/api/v1/credit/me/events/999999"
_NO_OBJECTION = "YY20260999999"
_NO_REPAIR = "XF20260999999"
_REASON = {"data": {"reason": "矩阵检查：该记录与事实不符"}}
_REPAIR = {"data": {"basis": "period", "statement": "矩阵检查：公示期已满"}}
_DECISION = {"json": {"outcome": "rejected", "reason": "矩阵检查"}}

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/credit/me"): Case(one("GET", "/api/v1/credit/me"), scoping=None, perm="credit.own"),
    ("GET", "/api/v1/credit/me/events/{event_id}"): Case(
        one("GET", _NO_EVENT), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("POST", "/api/v1/credit/me/events/{event_id}/objections"): Case(
        one("POST", _NO_EVENT + "/objections", **_REASON), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("POST", "/api/v1/credit/me/events/{event_id}/repairs"): Case(
        one("POST", _NO_EVENT + "/repairs", **_REPAIR), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("GET", "/api/v1/credit/me/documents/{doc_id}"): Case(
        one("GET", "/api/v1/credit/me/documents/999999"), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("GET", "/api/v1/credit/me/report.pdf"): Case(
        one("GET", "/api/v1/credit/me/report.pdf"), scoping=None, perm="credit.own"
    ),
    ("GET", "/api/v1/credit/objections"): Case(
        one("GET", "/api/v1/credit/objections"), scoping=None, perm="credit.read"
    ),
    ("GET", "/api/v1/credit/objections/{objection_no}"): Case(
        one("GET", f"/api/v1/credit/objections/{_NO_OBJECTION}"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
    ("POST", "/api/v1/credit/objections/{objection_no}/decision"): Case(
        one("POST", f"/api/v1/credit/objections/{_NO_OBJECTION}/decision", **_DECISION),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("GET", "/api/v1/credit/repairs"): Case(one("GET", "/api/v1/credit/repairs"), scoping=None, perm="credit.read"),
    ("GET", "/api/v1/credit/repairs/{repair_no}"): Case(
        one("GET", f"/api/v1/credit/repairs/{_NO_REPAIR}"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
    ("POST", "/api/v1/credit/repairs/{repair_no}/decision"): Case(
        one("POST", f"/api/v1/credit/repairs/{_NO_REPAIR}/decision", **_DECISION),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("GET", "/api/v1/credit/documents/{doc_id}"): Case(
        one("GET", "/api/v1/credit/documents/999999"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
    # pages
    ("GET", "/credit/me"): Case(one("GET", "/credit/me"), scoping=None, perm="credit.own"),
    ("GET", "/credit/me/events/{event_id}"): Case(
        one("GET", "/credit/me/events/999999"), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("POST", "/credit/me/events/{event_id}/objection"): Case(
        one("POST", "/credit/me/events/999999/objection", **_REASON), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("POST", "/credit/me/events/{event_id}/repair"): Case(
        one("POST", "/credit/me/events/999999/repair", **_REPAIR), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("GET", "/credit/me/documents/{doc_id}"): Case(
        one("GET", "/credit/me/documents/999999"), ok=_ABSENT, scoping=None, perm="credit.own"
    ),
    ("GET", "/credit/me/report.pdf"): Case(one("GET", "/credit/me/report.pdf"), scoping=None, perm="credit.own"),
    ("GET", "/credit/objections"): Case(one("GET", "/credit/objections"), scoping=None, perm="credit.read"),
    ("GET", "/credit/repairs"): Case(one("GET", "/credit/repairs"), scoping=None, perm="credit.read"),
    ("GET", "/credit/objections/{objection_no}"): Case(
        one("GET", f"/credit/objections/{_NO_OBJECTION}"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
    ("GET", "/credit/repairs/{repair_no}"): Case(
        one("GET", f"/credit/repairs/{_NO_REPAIR}"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
    ("GET", "/credit/objections/{objection_no}/confirm"): Case(
        one("GET", f"/credit/objections/{_NO_OBJECTION}/confirm", params={"outcome": "upheld"}),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("GET", "/credit/repairs/{repair_no}/confirm"): Case(
        one("GET", f"/credit/repairs/{_NO_REPAIR}/confirm", params={"outcome": "approved"}),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("POST", "/credit/objections/{objection_no}/decision"): Case(
        one("POST", f"/credit/objections/{_NO_OBJECTION}/decision", data={"outcome": "rejected", "reason": "矩阵"}),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("POST", "/credit/repairs/{repair_no}/decision"): Case(
        one("POST", f"/credit/repairs/{_NO_REPAIR}/decision", data={"outcome": "rejected", "reason": "矩阵"}),
        ok=_ABSENT,
        scoping=None,
        perm="credit.decide",
    ),
    ("GET", "/credit/documents/{doc_id}"): Case(
        one("GET", "/credit/documents/999999"), ok=_ABSENT, scoping=None, perm="credit.read"
    ),
}
