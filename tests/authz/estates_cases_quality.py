"""Authorisation-matrix cases of estate management, part "quality" (see cases_estates.py): owners'
complaints (``estates.own``), a company's replies (``estates.company``), the street's queue and actions
(``estates.read`` / ``estates.supervise``), annual evaluations, and starting a random inspection of
property-service companies (``credit.inspect``). The matrix's city has no companies or projects: lists
answer 200, a complaint or evaluation that does not exist 404, an empty form 422."""

from __future__ import annotations

from tests.authz.support import Case, one

_NO = 999_999
_A = "/api/v1/property"


def _read(path: str, perm: str, ok: set[int] | None = None) -> Case:
    return Case(one("GET", path), ok=ok or {200}, scoping=None, perm=perm)


def _post(path: str, perm: str, ok: set[int], **kw: object) -> Case:
    return Case(one("POST", path, **kw), ok=ok, scoping=None, perm=perm)


CASES: dict[tuple[str, str], Case] = {
    # --- API: owners
    ("POST", f"{_A}/me/complaints"): _post(f"{_A}/me/complaints", "estates.own", {422}, json={}),
    ("GET", f"{_A}/me/complaints"): _read(f"{_A}/me/complaints", "estates.own"),
    ("GET", f"{_A}/me/complaints/{{complaint_id}}"): _read(f"{_A}/me/complaints/{_NO}", "estates.own", {404}),
    # --- API: companies
    ("GET", f"{_A}/company/complaints"): _read(f"{_A}/company/complaints", "estates.company"),
    ("GET", f"{_A}/company/complaints/{{complaint_id}}"): _read(
        f"{_A}/company/complaints/{_NO}", "estates.company", {404}
    ),
    ("POST", f"{_A}/company/complaints/{{complaint_id}}/reply"): _post(
        f"{_A}/company/complaints/{_NO}/reply", "estates.company", {404}, json={"reply": "矩阵"}
    ),
    # --- API: staff
    ("GET", f"{_A}/complaints"): _read(f"{_A}/complaints", "estates.read"),
    ("GET", f"{_A}/complaints/export"): _read(f"{_A}/complaints/export", "estates.read"),
    ("GET", f"{_A}/complaints/{{complaint_id}}"): _read(f"{_A}/complaints/{_NO}", "estates.read", {404}),
    ("POST", f"{_A}/complaints/{{complaint_id}}/company-reply"): _post(
        f"{_A}/complaints/{_NO}/company-reply", "estates.supervise", {404}, json={"reply": "矩阵"}
    ),
    ("POST", f"{_A}/complaints/{{complaint_id}}/take"): _post(
        f"{_A}/complaints/{_NO}/take", "estates.supervise", {404}
    ),
    ("POST", f"{_A}/complaints/{{complaint_id}}/resolution"): _post(
        f"{_A}/complaints/{_NO}/resolution", "estates.supervise", {404}, json={"upheld": False, "reply": "矩阵"}
    ),
    ("POST", f"{_A}/complaints/{{complaint_id}}/rejection"): _post(
        f"{_A}/complaints/{_NO}/rejection", "estates.supervise", {404}, json={"reason": "矩阵"}
    ),
    ("GET", f"{_A}/evaluation-items"): _read(f"{_A}/evaluation-items", "estates.read"),
    ("GET", f"{_A}/evaluations"): _read(f"{_A}/evaluations", "estates.read"),
    ("GET", f"{_A}/evaluations/export"): _read(f"{_A}/evaluations/export", "estates.read"),
    ("GET", f"{_A}/evaluations/{{evaluation_id}}"): _read(f"{_A}/evaluations/{_NO}", "estates.read", {404}),
    ("POST", f"{_A}/evaluations"): _post(
        f"{_A}/evaluations", "estates.supervise", {422}, json={"project_id": _NO, "year": 2025, "items": {}}
    ),
    ("POST", f"{_A}/inspections"): _post(
        f"{_A}/inspections", "credit.inspect", {422}, json={"title": "矩阵", "sample_size": 1, "inspectors": []}
    ),
    # --- pages
    ("GET", "/property/complaints"): _read("/property/complaints", "estates.read"),
    ("GET", "/property/complaints.csv"): _read("/property/complaints.csv", "estates.read"),
    ("GET", "/property/complaints/{complaint_id}"): _read(f"/property/complaints/{_NO}", "estates.read", {404}),
    ("POST", "/property/complaints/{complaint_id}/take"): _post(
        f"/property/complaints/{_NO}/take", "estates.supervise", {404}, data={}
    ),
    ("POST", "/property/complaints/{complaint_id}/company-reply"): _post(
        f"/property/complaints/{_NO}/company-reply", "estates.supervise", {404}, data={"reply": "矩阵"}
    ),
    ("POST", "/property/complaints/{complaint_id}/resolution"): _post(
        f"/property/complaints/{_NO}/resolution", "estates.supervise", {404}, data={"upheld": "no", "reply": "矩阵"}
    ),
    ("POST", "/property/complaints/{complaint_id}/rejection"): _post(
        f"/property/complaints/{_NO}/rejection", "estates.supervise", {404}, data={"reason": "矩阵"}
    ),
    ("GET", "/property/me/complaints"): _read("/property/me/complaints", "estates.own"),
    ("GET", "/property/me/complaints/new"): _read("/property/me/complaints/new", "estates.own"),
    ("POST", "/property/me/complaints"): _post("/property/me/complaints", "estates.own", {422}, data={}),
    ("GET", "/property/me/complaints/{complaint_id}"): _read(f"/property/me/complaints/{_NO}", "estates.own", {404}),
    ("GET", "/property/company/complaints"): _read("/property/company/complaints", "estates.company"),
    ("GET", "/property/company/complaints/{complaint_id}"): _read(
        f"/property/company/complaints/{_NO}", "estates.company", {404}
    ),
    ("POST", "/property/company/complaints/{complaint_id}/reply"): _post(
        f"/property/company/complaints/{_NO}/reply", "estates.company", {404}, data={"reply": "矩阵"}
    ),
    ("GET", "/property/evaluations"): _read("/property/evaluations", "estates.read"),
    ("GET", "/property/evaluations.csv"): _read("/property/evaluations.csv", "estates.read"),
    ("GET", "/property/evaluations/new"): _read("/property/evaluations/new", "estates.supervise"),
    ("POST", "/property/evaluations"): _post("/property/evaluations", "estates.supervise", {422}, data={}),
    ("GET", "/property/inspections"): _read("/property/inspections", "credit.inspect"),
    ("POST", "/property/inspections"): _post("/property/inspections", "credit.inspect", {422}, data={}),
}
