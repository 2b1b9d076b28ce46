"""Authorisation-matrix cases of estate management, part "spending" (see cases_estates.py): the street's
queue and export, applications by the street (in scope), the committee and the company (refused: the
matrix's accounts are neither a member nor a serving company), one application and its shares per
street, the decision, acceptance and publication on fresh applications, proofs, the owners' view."""

from __future__ import annotations

from typing import Any

from anju.estates import spending
from anju.security import Caller
from tests.authz.support import Case, Ctx, one

API = "/api/v1/property/spending"


def fresh(ctx: Ctx, street: str, *, submitted: bool = False) -> int:
    """A new emergency application (draft, or submitted) on the street's sample estate."""
    cmd = spending.ApplicationIn(
        ctx.data[street].estate, "矩阵测试：电梯维修", "lift", 1000, [spending.QuoteIn("矩阵电梯公司", 1000, True)],
        emergency=True, emergency_kind="lift",
    )  # fmt: skip
    lim = spending.Limits(10**9, 30)
    system = Caller.system("matrix")
    with ctx.engine.begin() as conn:
        sid = spending.create(conn, system, cmd, applicant="street", limits=lim)
        if submitted:
            spending.submit(conn, system, sid, limits=lim)
    return sid


def body(ctx: Ctx, street: str) -> dict[str, Any]:
    return {"estate_id": ctx.data[street].estate, "title": "矩阵测试：屋面渗漏", "category": "roof",
            "budget_fen": 1000, "quotes": [{"contractor": "矩阵防水公司", "amount_fen": 1000, "chosen": True}],
            "emergency": True, "emergency_kind": "leak"}  # fmt: skip


def form(ctx: Ctx, street: str) -> dict[str, Any]:
    return {"estate_id": str(ctx.data[street].estate), "title": "矩阵测试：外墙", "category": "facade",
            "budget_yuan": "10.00", "contractor_1": "矩阵公司", "amount_1": "10.00", "chosen": "1",
            "emergency": "1", "emergency_kind": "facade"}  # fmt: skip


def per_street_fresh(method: str, template: str, kw: Any = None, *, submitted: bool = False) -> Any:
    """One variant per sample street, each request on a fresh application of that street."""

    def build(ctx: Ctx) -> list[Any]:
        def req(c: Ctx, who: str, s: str) -> Any:
            sid = c.reused(("spending", s, submitted), lambda: fresh(c, s, submitted=submitted))
            return method, template.format(id=sid), dict(kw or {})

        return [(s, s, lambda c, who, s=s: req(c, who, s)) for s in ctx.data]

    return build


def per_street_body(method: str, path: str, make: Any, key: str) -> Any:
    def build(ctx: Ctx) -> list[Any]:
        return [(s, s, lambda c, who, s=s: (method, path, {key: make(c, s)})) for s in ctx.data]

    return build


DATE = {"accepted_on": "2026-01-01"}

CASES: dict[tuple[str, str], Case] = {
    # --- API
    ("GET", f"{API}/public"): Case(one("GET", f"{API}/public"), scoping=None, perm="estates.own"),
    ("GET", f"{API}/public/{{spending_id}}/stages/{{seq}}/proof"): Case(
        one("GET", f"{API}/public/999999/stages/1/proof", params={"home_id": 1}),
        ok={404},
        scoping=None,
        perm="estates.own",
    ),
    ("GET", API): Case(one("GET", API), scoping=None, perm="estates.read"),
    ("POST", API): Case(per_street_body("POST", API, body, "json"), ok={201}, perm="estates.supervise"),
    ("POST", f"{API}/by-committee"): Case(
        per_street_body("POST", f"{API}/by-committee", body, "json"), ok={422}, scoping=None, perm="estates.own"
    ),
    ("POST", f"{API}/by-company"): Case(
        per_street_body("POST", f"{API}/by-company", body, "json"), ok={422}, scoping=None, perm="estates.company"
    ),
    # the applicant's own edit and withdrawal: the matrix's accounts made none of these (404)
    ("PUT", f"{API}/by-committee/{{spending_id}}"): Case(
        per_street_fresh("PUT", API + "/by-committee/{id}", {"json": {}}),
        ok={404, 422},
        scoping=None,
        perm="estates.own",
    ),
    ("POST", f"{API}/by-committee/{{spending_id}}/withdraw"): Case(
        per_street_fresh("POST", API + "/by-committee/{id}/withdraw", {"json": {"reason": "矩阵测试"}}),
        ok={404},
        scoping=None,
        perm="estates.own",
    ),
    ("PUT", f"{API}/by-company/{{spending_id}}"): Case(
        per_street_fresh("PUT", API + "/by-company/{id}", {"json": {}}),
        ok={404, 422},
        scoping=None,
        perm="estates.company",
    ),
    ("POST", f"{API}/by-company/{{spending_id}}/withdraw"): Case(
        per_street_fresh("POST", API + "/by-company/{id}/withdraw", {"json": {"reason": "矩阵测试"}}),
        ok={404},
        scoping=None,
        perm="estates.company",
    ),
    ("GET", f"{API}/{{spending_id}}"): Case(per_street_fresh("GET", API + "/{id}"), perm="estates.read"),
    ("POST", f"{API}/{{spending_id}}/submit"): Case(
        per_street_fresh("POST", API + "/{id}/submit"), perm="estates.supervise"
    ),
    ("POST", f"{API}/{{spending_id}}/decision"): Case(
        per_street_fresh(
            "POST", API + "/{id}/decision", {"json": {"outcome": "reject", "note": "矩阵测试"}}, submitted=True
        ),
        perm="estates.approve",
    ),
    ("POST", f"{API}/{{spending_id}}/stages/{{seq}}/acceptance"): Case(
        per_street_fresh("POST", API + "/{id}/stages/1/acceptance", {"json": DATE}), ok={409}, perm="estates.approve"
    ),
    ("POST", f"{API}/{{spending_id}}/publication"): Case(
        per_street_fresh("POST", API + "/{id}/publication"), ok={409}, perm="estates.supervise"
    ),
    ("GET", f"{API}/{{spending_id}}/shares"): Case(per_street_fresh("GET", API + "/{id}/shares"), perm="estates.read"),
    ("GET", f"{API}/{{spending_id}}/stages/{{seq}}/proof"): Case(
        per_street_fresh("GET", API + "/{id}/stages/1/proof", {"params": {"home_id": 1}}),
        ok={404},
        perm="estates.read",
    ),
    # --- pages
    ("GET", "/property/spending"): Case(one("GET", "/property/spending"), scoping=None, perm="estates.read"),
    ("GET", "/property/spending.csv"): Case(one("GET", "/property/spending.csv"), scoping=None, perm="estates.read"),
    ("GET", "/property/spending/new"): Case(
        one("GET", "/property/spending/new"), scoping=None, perm="estates.supervise"
    ),
    ("POST", "/property/spending/new"): Case(
        per_street_body("POST", "/property/spending/new", form, "data"), ok={303}, perm="estates.supervise"
    ),
    ("GET", "/property/spending/committee"): Case(
        one("GET", "/property/spending/committee"), scoping=None, perm="estates.own"
    ),
    ("GET", "/property/spending/committee/new"): Case(
        one("GET", "/property/spending/committee/new"), scoping=None, perm="estates.own"
    ),
    ("POST", "/property/spending/committee/new"): Case(
        per_street_body("POST", "/property/spending/committee/new", form, "data"),
        ok={422},
        scoping=None,
        perm="estates.own",
    ),
    ("GET", "/property/spending/committee/{spending_id}"): Case(
        per_street_fresh("GET", "/property/spending/committee/{id}"), ok={404}, scoping=None, perm="estates.own"
    ),
    ("GET", "/property/spending/committee/{spending_id}/edit"): Case(
        per_street_fresh("GET", "/property/spending/committee/{id}/edit"), ok={404}, scoping=None, perm="estates.own"
    ),
    ("POST", "/property/spending/committee/{spending_id}/edit"): Case(
        per_street_fresh("POST", "/property/spending/committee/{id}/edit"), ok={404}, scoping=None, perm="estates.own"
    ),
    ("GET", "/property/spending/committee/{spending_id}/withdraw"): Case(
        per_street_fresh("GET", "/property/spending/committee/{id}/withdraw"),
        ok={404},
        scoping=None,
        perm="estates.own",
    ),
    ("POST", "/property/spending/committee/{spending_id}/withdraw"): Case(
        per_street_fresh(
            "POST", "/property/spending/committee/{id}/withdraw", {"data": {"reason": "矩阵", "confirm": "yes"}}
        ),
        ok={404},
        scoping=None,
        perm="estates.own",
    ),
    ("GET", "/property/spending/company/{spending_id}/edit"): Case(
        per_street_fresh("GET", "/property/spending/company/{id}/edit"),
        ok={404},
        scoping=None,
        perm="estates.company",
    ),
    ("POST", "/property/spending/company/{spending_id}/edit"): Case(
        per_street_fresh("POST", "/property/spending/company/{id}/edit"),
        ok={404},
        scoping=None,
        perm="estates.company",
    ),
    ("GET", "/property/spending/company/{spending_id}/withdraw"): Case(
        per_street_fresh("GET", "/property/spending/company/{id}/withdraw"),
        ok={404},
        scoping=None,
        perm="estates.company",
    ),
    ("POST", "/property/spending/company/{spending_id}/withdraw"): Case(
        per_street_fresh(
            "POST", "/property/spending/company/{id}/withdraw", {"data": {"reason": "矩阵", "confirm": "yes"}}
        ),
        ok={404},
        scoping=None,
        perm="estates.company",
    ),
    ("GET", "/property/spending/company"): Case(
        one("GET", "/property/spending/company"), scoping=None, perm="estates.company"
    ),
    ("GET", "/property/spending/company/new"): Case(
        one("GET", "/property/spending/company/new"), scoping=None, perm="estates.company"
    ),
    ("POST", "/property/spending/company/new"): Case(
        per_street_body("POST", "/property/spending/company/new", form, "data"),
        ok={422},
        scoping=None,
        perm="estates.company",
    ),
    ("GET", "/property/spending/company/{spending_id}"): Case(
        per_street_fresh("GET", "/property/spending/company/{id}"), ok={404}, scoping=None, perm="estates.company"
    ),
    ("GET", "/property/spending/public"): Case(
        one("GET", "/property/spending/public"), scoping=None, perm="estates.own"
    ),
    ("GET", "/property/spending/{spending_id}"): Case(
        per_street_fresh("GET", "/property/spending/{id}"), perm="estates.read"
    ),
    ("POST", "/property/spending/{spending_id}/submit"): Case(
        per_street_fresh("POST", "/property/spending/{id}/submit"), ok={303}, perm="estates.supervise"
    ),
    ("POST", "/property/spending/{spending_id}/decision"): Case(
        per_street_fresh(
            "POST", "/property/spending/{id}/decision", {"data": {"outcome": "reject", "note": "矩阵"}}, submitted=True
        ),
        ok={303},
        perm="estates.approve",
    ),
    ("POST", "/property/spending/{spending_id}/stages/{seq}/acceptance"): Case(
        per_street_fresh("POST", "/property/spending/{id}/stages/1/acceptance", {"data": DATE}),
        ok={409},
        perm="estates.approve",
    ),
    ("POST", "/property/spending/{spending_id}/publication"): Case(
        per_street_fresh("POST", "/property/spending/{id}/publication"), ok={409}, perm="estates.supervise"
    ),
    ("GET", "/property/spending/{spending_id}/stages/{seq}/proof"): Case(
        per_street_fresh("GET", "/property/spending/{id}/stages/1/proof", {"params": {"home_id": 1}}),
        ok={404},
        perm="estates.read",
    ),
}
