"""Authorisation-matrix cases of industry credit (subjects, grades, lists, inspections, objections,
repair, public disclosure). Each builder adds the cases of its routes in its own section."""

from __future__ import annotations

from tests.authz import credit_inspections as ri
from tests.authz.support import TODAY, Case, one

API = "/api/v1/credit/inspections"
PAGES = "/credit/inspections"

CASES: dict[tuple[str, str], Case] = {
    # --- random inspections (双随机): staff read in scope (the draw's district, its subjects' streets,
    # its inspectors), officers freeze, run and record; the published material is public ------------
    ("GET", API): Case(one("GET", API), scoping=None, perm="credit.read"),
    ("GET", f"{API}/inspectors"): Case(one("GET", f"{API}/inspectors"), scoping=None, perm="credit.inspect"),
    ("POST", API): Case(
        ri.with_body("POST", API, ri.freeze_body, "json"), ok={201}, scoping=None, perm="credit.inspect"
    ),
    ("GET", f"{API}/{{draw_id}}"): Case(ri.per_draw("GET", API + "/{}", "frozen"), perm="credit.read"),
    ("POST", f"{API}/{{draw_id}}/run"): Case(
        ri.fresh("POST", API + "/{}/run", False, json=ri.RUN_BODY), perm="credit.inspect"
    ),
    ("GET", f"{API}/{{draw_id}}/assignments"): Case(
        ri.per_draw("GET", API + "/{}/assignments", "drawn"), perm="credit.read"
    ),
    ("POST", f"{API}/{{draw_id}}/assignments/{{rank}}/outcome"): Case(
        ri.fresh("POST", API + "/{}/assignments/1/outcome", True, json=ri.OUTCOME_BODY), perm="credit.inspect"
    ),
    ("GET", f"{API}/{{draw_id}}/public"): Case(ri.public(API + "/{}/public"), scoping=None, perm="public"),
    ("GET", f"{API}/{{draw_id}}/public/assignments"): Case(
        ri.public(API + "/{}/public/assignments"), scoping=None, perm="public"
    ),
    ("GET", f"{API}/{{draw_id}}/tickets.txt"): Case(ri.public(API + "/{}/tickets.txt"), scoping=None, perm="public"),
    ("GET", f"{API}/{{draw_id}}/inspectors.txt"): Case(
        ri.public(API + "/{}/inspectors.txt"), scoping=None, perm="public"
    ),
    ("GET", f"{API}/{{draw_id}}/tickets-result.txt"): Case(
        ri.public(API + "/{}/tickets-result.txt"), scoping=None, perm="public"
    ),
    ("GET", f"{API}/{{draw_id}}/inspectors-result.txt"): Case(
        ri.public(API + "/{}/inspectors-result.txt"), scoping=None, perm="public"
    ),
    ("GET", f"{API}/{{draw_id}}/verify"): Case(ri.public(API + "/{}/verify"), scoping=None, perm="public"),
    ("GET", PAGES): Case(one("GET", PAGES), scoping=None, perm="credit.read"),
    ("GET", f"{PAGES}/new"): Case(one("GET", f"{PAGES}/new"), scoping=None, perm="credit.inspect"),
    ("POST", f"{PAGES}/new/confirm"): Case(
        ri.with_body("POST", f"{PAGES}/new/confirm", ri.freeze_form, "data"), scoping=None, perm="credit.inspect"
    ),
    ("POST", PAGES): Case(
        ri.with_body("POST", PAGES, ri.freeze_form, "data"), ok={303}, scoping=None, perm="credit.inspect"
    ),
    ("GET", f"{PAGES}/{{draw_id}}"): Case(ri.per_draw("GET", PAGES + "/{}", "drawn"), perm="credit.read"),
    ("POST", f"{PAGES}/{{draw_id}}/run/confirm"): Case(
        ri.per_draw("POST", PAGES + "/{}/run/confirm", "frozen", data=ri.RUN_FORM), perm="credit.inspect"
    ),
    ("POST", f"{PAGES}/{{draw_id}}/run"): Case(
        ri.fresh("POST", PAGES + "/{}/run", False, data=ri.RUN_FORM), ok={303}, perm="credit.inspect"
    ),
    ("GET", f"{PAGES}/{{draw_id}}/assignments/{{rank}}"): Case(
        ri.per_draw("GET", PAGES + "/{}/assignments/1", "drawn"), perm="credit.inspect"
    ),
    ("POST", f"{PAGES}/{{draw_id}}/assignments/{{rank}}"): Case(
        ri.fresh(
            "POST",
            PAGES + "/{}/assignments/1",
            True,
            data={"outcome": "clean", "inspected_on": TODAY, "confirmed": "1"},
        ),
        ok={303},
        perm="credit.inspect",
    ),
    ("GET", f"{PAGES}/{{draw_id}}/public"): Case(ri.public(PAGES + "/{}/public"), scoping=None, perm="public"),
}
