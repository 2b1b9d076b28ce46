"""Authorisation-matrix cases of house safety (issue 23).

Policy-level cases: every route, every role. Requests name an agency, plan, inspection, hazard case or
permit that does not exist (an allowed caller gets 404) or send an empty body (422 after the policy).
The scoping of officers (a street clerk sees only the records of the streets in scope) is tested in
tests/integration/test_safety_http.py."""

from __future__ import annotations

from tests.authz.support import Case, one

API = "/api/v1/safety"
NO = "999999"
DAY = "2026-01-01"


def _get(path: str, perm: str, ok: set[int] | None = None) -> Case:
    return Case(one("GET", path), ok=ok or {200}, scoping=None, perm=perm)


def _post(path: str, perm: str, ok: set[int], **kw: object) -> Case:
    return Case(one("POST", path, **kw), ok=ok, scoping=None, perm=perm)


R, S, A = "safety.read", "safety.supervise", "safety.agencies"

CASES: dict[tuple[str, str], Case] = {
    # agencies
    ("GET", f"{API}/agencies"): _get(f"{API}/agencies", R),
    ("GET", f"{API}/agencies.csv"): _get(f"{API}/agencies.csv", R),
    ("POST", f"{API}/agencies"): _post(f"{API}/agencies", A, {422}, json={}),
    ("GET", f"{API}/agencies/{{agency_id}}"): _get(f"{API}/agencies/{NO}", R, {404}),
    ("POST", f"{API}/agencies/{{agency_id}}/status"): _post(
        f"{API}/agencies/{NO}/status", A, {404}, json={"action": "suspend", "reason": "矩阵"}
    ),
    ("POST", f"{API}/agencies/{{agency_id}}/engineers"): _post(
        f"{API}/agencies/{NO}/engineers",
        A,
        {404},
        json={"engineers": [{"name": "王工", "title": "engineer", "cert_no": "X1"}]},
    ),
    ("POST", f"{API}/agencies/{{agency_id}}/violations"): _post(
        f"{API}/agencies/{NO}/violations", A, {404}, json={"occurred_on": DAY, "severity": "minor", "reason": "矩阵"}
    ),
    ("POST", f"{API}/draws"): _post(f"{API}/draws", A, {422}, json={}),
    # rules, plans, inspections
    ("GET", f"{API}/rules"): _get(f"{API}/rules", R),
    ("GET", f"{API}/plans"): _get(f"{API}/plans", R),
    ("POST", f"{API}/plans"): _post(f"{API}/plans", S, {422}, json={}),
    ("GET", f"{API}/plans/{{plan_id}}"): _get(f"{API}/plans/{NO}", R, {404}),
    ("GET", f"{API}/inspections"): _get(f"{API}/inspections", R),
    ("GET", f"{API}/inspections.csv"): _get(f"{API}/inspections.csv", R),
    ("POST", f"{API}/inspections/{{inspection_id}}"): _post(
        f"{API}/inspections/{NO}", S, {404}, json={"inspected_on": DAY, "finding": "none"}
    ),
    # appraisals and hazard cases
    ("GET", f"{API}/appraisals"): _get(f"{API}/appraisals", R),
    ("GET", f"{API}/appraisals.csv"): _get(f"{API}/appraisals.csv", R),
    ("POST", f"{API}/appraisals"): _post(f"{API}/appraisals", S, {422}, json={}),
    ("GET", f"{API}/hazards"): _get(f"{API}/hazards", R),
    ("GET", f"{API}/hazards.csv"): _get(f"{API}/hazards.csv", R),
    ("GET", f"{API}/hazards/{{hazard_id}}"): _get(f"{API}/hazards/{NO}", R, {404}),
    ("POST", f"{API}/hazards/{{hazard_id}}/path"): _post(
        f"{API}/hazards/{NO}/path", S, {404}, json={"path": "monitor", "due_on": "2099-01-01", "measures": "矩阵"}
    ),
    ("POST", f"{API}/hazards/{{hazard_id}}/close"): _post(
        f"{API}/hazards/{NO}/close", S, {404}, json={"closure": "monitored", "reason": "矩阵"}
    ),
    # permits, curtain walls, figures
    ("GET", f"{API}/permits"): _get(f"{API}/permits", R),
    ("POST", f"{API}/permits"): _post(f"{API}/permits", S, {422}, json={}),
    ("POST", f"{API}/permits/{{permit_id}}/decide"): _post(
        f"{API}/permits/{NO}/decide", S, {404}, json={"approve": True}
    ),
    ("GET", f"{API}/curtain-walls"): _get(f"{API}/curtain-walls", R),
    ("POST", f"{API}/curtain-walls"): _post(f"{API}/curtain-walls", S, {422}, json={}),
    ("GET", f"{API}/figures"): _get(f"{API}/figures", R),
    ("GET", f"{API}/figures.csv"): _get(f"{API}/figures.csv", R),
    # pages
    ("GET", "/safety"): _get("/safety", R),
    ("GET", "/safety/agencies"): _get("/safety/agencies", R),
    ("POST", "/safety/agencies"): _post("/safety/agencies", A, {422}, data={}),
    ("GET", "/safety/agencies/{agency_id}"): _get(f"/safety/agencies/{NO}", R, {404}),
    ("POST", "/safety/agencies/{agency_id}/status"): _post(
        f"/safety/agencies/{NO}/status", A, {404}, data={"action": "suspend", "reason": "矩阵", "confirm": "yes"}
    ),
    ("POST", "/safety/agencies/{agency_id}/engineers"): _post(
        f"/safety/agencies/{NO}/engineers", A, {404}, data={"name": "王工", "title": "engineer", "cert_no": "X1"}
    ),
    ("POST", "/safety/agencies/{agency_id}/violations"): _post(
        f"/safety/agencies/{NO}/violations",
        A,
        {404},
        data={"occurred_on": DAY, "severity": "minor", "reason": "矩阵", "confirm": "yes"},
    ),
    ("GET", "/safety/draws/new"): _get("/safety/draws/new", A),
    ("POST", "/safety/draws/new"): _post("/safety/draws/new", A, {422}, data={}),
    ("GET", "/safety/plans"): _get("/safety/plans", R),
    ("POST", "/safety/plans"): _post("/safety/plans", S, {422}, data={}),
    ("GET", "/safety/plans/{plan_id}"): _get(f"/safety/plans/{NO}", R, {404}),
    ("POST", "/safety/inspections/{inspection_id}"): _post(
        f"/safety/inspections/{NO}", S, {404}, data={"inspected_on": DAY, "finding": "none", "plan_id": "1"}
    ),
    ("GET", "/safety/appraisals"): _get("/safety/appraisals", R),
    ("POST", "/safety/appraisals"): _post("/safety/appraisals", S, {422}, data={}),
    ("GET", "/safety/hazards"): _get("/safety/hazards", R),
    ("GET", "/safety/hazards/{hazard_id}"): _get(f"/safety/hazards/{NO}", R, {404}),
    ("POST", "/safety/hazards/{hazard_id}/path"): _post(
        f"/safety/hazards/{NO}/path", S, {404}, data={"path": "monitor", "due_on": "2099-01-01", "measures": "矩阵"}
    ),
    ("POST", "/safety/hazards/{hazard_id}/close"): _post(
        f"/safety/hazards/{NO}/close", S, {404}, data={"closure": "monitored", "reason": "矩阵", "confirm": "yes"}
    ),
    ("GET", "/safety/permits"): _get("/safety/permits", R),
    ("POST", "/safety/permits"): _post("/safety/permits", S, {422}, data={}),
    ("POST", "/safety/permits/{permit_id}/decide"): _post(
        f"/safety/permits/{NO}/decide", S, {404}, data={"decision": "approve", "confirm": "yes"}
    ),
    ("GET", "/safety/curtain-walls"): _get("/safety/curtain-walls", R),
    ("POST", "/safety/curtain-walls"): _post("/safety/curtain-walls", S, {422}, data={}),
}
