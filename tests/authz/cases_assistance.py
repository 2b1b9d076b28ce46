"""Authorisation-matrix cases of housing assistance: applications, draws, selection, allocations, tracking, figures."""

from __future__ import annotations

from tests.authz.assistance import (
    RUN_BODY,
    RUN_FORM,
    app_body,
    application_form,
    consent_case,
    doc_file,
    draws_in_scope,
    freeze_body,
    fresh,
    fresh_app,
    own_app,
    per_street_app,
    public_draw,
    street_app,
)
from tests.authz.support import (
    TODAY,
    Case,
    figures_area_in_scope,
    items_in_scope,
    one,
    per_district,
    per_street,
    talent_districts_in_scope,
)

NOTICE_OBJECTION = lambda ctx: [  # noqa: E731
    (
        "notice",
        None,
        lambda c, who: (
            "POST",
            "/api/v1/assistance/notices/{}/objections".format(fresh_app(c, stage="notice")),
            {"json": {"text": "异议"}},
        ),
    )
]

CASES: dict[tuple[str, str], Case] = {
    # --- assistance figures (aggregates within the caller's scope; a district filter narrows them) --
    ("GET", "/api/v1/assistance/figures/targets"): Case(
        one("GET", "/api/v1/assistance/figures/targets"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/figures/coverage"): Case(
        per_district("/api/v1/assistance/figures/coverage"),
        check=figures_area_in_scope,
        scoping=None,
        perm="assistance.read",
    ),
    ("GET", "/api/v1/assistance/figures/supply"): Case(
        per_district("/api/v1/assistance/figures/supply"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/figures/applications"): Case(
        per_district("/api/v1/assistance/figures/applications"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/figures/times"): Case(
        per_district("/api/v1/assistance/figures/times"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/figures/monthly"): Case(
        per_district("/api/v1/assistance/figures/monthly"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/figures/talent"): Case(
        per_district("/api/v1/assistance/figures/talent"),
        check=talent_districts_in_scope,
        scoping=None,
        perm="assistance.read",
    ),
    ("GET", "/api/v1/assistance/figures/{table}.csv"): Case(
        lambda ctx: [
            (t, None, lambda c, who, t=t: ("GET", f"/api/v1/assistance/figures/{t}.csv", {}))
            for t in ("coverage", "talent-districts")
        ],
        scoping=None,
        perm="assistance.read",
    ),
    ("GET", "/assistance/figures"): Case(per_district("/assistance/figures"), scoping=None, perm="assistance.read"),
    ("GET", "/assistance/talent"): Case(per_district("/assistance/talent"), scoping=None, perm="assistance.read"),
    ("GET", "/assistance/department-facts"): Case(
        one("GET", "/assistance/department-facts"), scoping=None, perm="assistance.read"
    ),
    # --- housing assistance: draws, selection, allocations, tracking --------------------------------
    ("GET", "/api/v1/assistance/waiting-list"): Case(
        one("GET", "/api/v1/assistance/waiting-list", params={"programme_code": "public_rental"}),
        check=items_in_scope(),
        scoping=None,
        perm="assistance.read",
    ),
    ("GET", "/api/v1/assistance/draws"): Case(
        one("GET", "/api/v1/assistance/draws"), check=draws_in_scope, scoping=None, perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/draws"): Case(
        fresh("POST", "/api/v1/assistance/draws", "waiting", lambda c, x: {"json": freeze_body(x)}),
        ok={201},
        out_of_scope={409},
        perm="assistance.allocate",
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}"): Case(
        per_street("GET", "/api/v1/assistance/draws/{draw}", "draw"), perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/run"): Case(
        fresh("POST", "/api/v1/assistance/draws/{draw}/run", "draw", lambda c, x: {"json": RUN_BODY}),
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/close"): Case(
        fresh("POST", "/api/v1/assistance/draws/{draw}/close", "draw", lambda c, x: {"json": {"reason": "矩阵测试"}}),
        perm="assistance.allocate",
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/turn"): Case(
        per_street("GET", "/api/v1/assistance/draws/{drawn}/turn", "drawn"), perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/selections"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/draws/{draw}/selections",
            "drawn",
            lambda c, x: {"json": {"application_id": x["app"], "home_id": x["home"]}},
        ),
        ok={201},
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/draws/{draw_id}/passes"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/draws/{draw}/passes",
            "drawn",
            lambda c, x: {"json": {"application_id": x["app"], "reason": "矩阵测试"}},
        ),
        perm="assistance.allocate",
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/public"): Case(
        public_draw("/api/v1/assistance/draws/{}/public"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/entries"): Case(
        public_draw("/api/v1/assistance/draws/{}/entries"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/candidates.txt"): Case(
        public_draw("/api/v1/assistance/draws/{}/candidates.txt"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/result.txt"): Case(
        public_draw("/api/v1/assistance/draws/{}/result.txt"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/draws/{draw_id}/verify"): Case(
        public_draw("/api/v1/assistance/draws/{}/verify"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/allocations"): Case(
        one("GET", "/api/v1/assistance/allocations"), check=items_in_scope(), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/allocations/{allocation_id}"): Case(
        per_street("GET", "/api/v1/assistance/allocations/{alloc}", "alloc"), perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/allocations/{allocation_id}/contract"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/allocations/{alloc}/contract",
            "allocation",
            lambda c, x: {"json": {"contract_no": f"HT-{next(c.seq)}"}},
        ),
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/allocations/{allocation_id}/move-in"): Case(
        fresh(
            "POST", "/api/v1/assistance/allocations/{alloc}/move-in", "contracted", lambda c, x: {"json": {"on": TODAY}}
        ),
        perm="assistance.allocate",
    ),
    ("GET", "/api/v1/assistance/cases"): Case(
        one("GET", "/api/v1/assistance/cases"), check=items_in_scope(), scoping=None, perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/cases/{case_id}"): Case(
        per_street("GET", "/api/v1/assistance/cases/{case}", "case"), perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/cases"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/cases",
            "supported",
            lambda c, x: {"json": {"application_id": x["app"], "kind": "vacancy", "facts": {"空置天数": 200}}},
        ),
        ok={201},
        perm="assistance.review",
    ),
    ("POST", "/api/v1/assistance/cases/{case_id}/decision"): Case(
        fresh(
            "POST",
            "/api/v1/assistance/cases/{case}/decision",
            "case",
            lambda c, x: {"json": {"outcome": "recovery", "reason": None}},
        ),
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/requalify"): Case(
        one("POST", "/api/v1/assistance/requalify", json={"programme_code": "public_rental"}),
        scoping=None,
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/subsidies/payments"): Case(
        one("POST", "/api/v1/assistance/subsidies/payments", json={"month": TODAY[:7]}),
        scoping=None,
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/draws"): Case(one("GET", "/assistance/draws"), scoping=None, perm="assistance.read"),
    ("POST", "/assistance/draws"): Case(
        fresh("POST", "/assistance/draws", "waiting", lambda c, x: {"data": freeze_body(x)}),
        ok={303},
        out_of_scope={409},
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/draws/{draw_id}"): Case(
        per_street("GET", "/assistance/draws/{draw}", "draw"), perm="assistance.read"
    ),
    ("POST", "/assistance/draws/{draw_id}/close"): Case(
        fresh("POST", "/assistance/draws/{draw}/close", "draw", lambda c, x: {"data": {"reason": "矩阵测试"}}),
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/draws/{draw_id}/run"): Case(
        per_street("GET", "/assistance/draws/{draw}/run", "draw"), perm="assistance.allocate"
    ),
    ("POST", "/assistance/draws/{draw_id}/run/confirm"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: ("POST", f"/assistance/draws/{c.data[s].draw}/run/confirm", {"data": RUN_FORM}),
            )
            for s in ctx.data
        ],
        perm="assistance.allocate",
    ),
    ("POST", "/assistance/draws/{draw_id}/run"): Case(
        fresh("POST", "/assistance/draws/{draw}/run", "draw", lambda c, x: {"data": RUN_FORM}),
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/draws/{draw_id}/public"): Case(
        public_draw("/assistance/draws/{}/public"), scoping=None, perm="public"
    ),
    ("GET", "/assistance/draws/{draw_id}/select"): Case(
        per_street("GET", "/assistance/draws/{drawn}/select", "drawn"), perm="assistance.allocate"
    ),
    ("GET", "/assistance/draws/{draw_id}/select/confirm"): Case(
        lambda ctx: [
            (
                s,
                s,
                lambda c, who, s=s: (
                    "GET",
                    f"/assistance/draws/{c.data[s].drawn}/select/confirm",
                    {"params": {"application_id": c.data[s].next_app, "home_id": c.data[s].spare_home}},
                ),
            )
            for s in ctx.data
        ],
        perm="assistance.allocate",
    ),
    ("POST", "/assistance/draws/{draw_id}/select"): Case(
        fresh(
            "POST",
            "/assistance/draws/{draw}/select",
            "drawn",
            lambda c, x: {"data": {"application_id": x["app"], "home_id": x["home"]}},
        ),
        perm="assistance.allocate",
    ),
    ("POST", "/assistance/draws/{draw_id}/pass"): Case(
        fresh(
            "POST",
            "/assistance/draws/{draw}/pass",
            "drawn",
            lambda c, x: {"data": {"application_id": x["app"], "reason": "矩阵测试"}},
        ),
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/allocations"): Case(
        one("GET", "/assistance/allocations"), scoping=None, perm="assistance.read"
    ),
    ("GET", "/assistance/allocations/{allocation_id}"): Case(
        per_street("GET", "/assistance/allocations/{alloc}", "alloc"), perm="assistance.read"
    ),
    ("POST", "/assistance/allocations/{allocation_id}/contract"): Case(
        fresh(
            "POST",
            "/assistance/allocations/{alloc}/contract",
            "allocation",
            lambda c, x: {"data": {"contract_no": f"HT-{next(c.seq)}"}},
        ),
        perm="assistance.allocate",
    ),
    ("POST", "/assistance/allocations/{allocation_id}/move-in"): Case(
        fresh("POST", "/assistance/allocations/{alloc}/move-in", "contracted", lambda c, x: {"data": {"on": TODAY}}),
        perm="assistance.allocate",
    ),
    ("GET", "/assistance/cases"): Case(one("GET", "/assistance/cases"), scoping=None, perm="assistance.read"),
    ("GET", "/assistance/cases/{case_id}"): Case(
        per_street("GET", "/assistance/cases/{case}", "case"), perm="assistance.read"
    ),
    ("POST", "/assistance/cases/{case_id}/decision"): Case(
        fresh("POST", "/assistance/cases/{case}/decision", "case", lambda c, x: {"data": {"outcome": "recovery"}}),
        perm="assistance.allocate",
    ),
    ("GET", "/api/v1/assistance/programmes"): Case(
        one("GET", "/api/v1/assistance/programmes"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/assistance/notices"): Case(one("GET", "/api/v1/assistance/notices"), scoping=None, perm="public"),
    ("POST", "/api/v1/assistance/notices/{app_id}/objections"): Case(
        NOTICE_OBJECTION, scoping=None, perm="assistance.object"
    ),
    ("POST", "/api/v1/assistance/me/applications"): Case(
        lambda ctx: [
            ("any", None, lambda c, who: ("POST", "/api/v1/assistance/me/applications", {"json": app_body(c)}))
        ],
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/api/v1/assistance/me/applications"): Case(
        one("GET", "/api/v1/assistance/me/applications"), scoping=None, perm="assistance.apply"
    ),
    ("GET", "/api/v1/assistance/me/applications/{app_id}"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}"), scoping=None, perm="assistance.apply"
    ),
    ("PUT", "/api/v1/assistance/me/applications/{app_id}"): Case(
        own_app("PUT", "/api/v1/assistance/me/applications/{app}", json=app_body), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/documents"): Case(
        own_app(
            "POST", "/api/v1/assistance/me/applications/{app}/documents", data={"kind": "收入证明"}, files=doc_file
        ),
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/api/v1/assistance/me/applications/{app_id}/documents/{doc_id}"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}/documents/{doc}"),
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/api/v1/assistance/me/applications/{app_id}/proofs"): Case(
        own_app("GET", "/api/v1/assistance/me/applications/{app}/proofs", stage="submitted"),
        scoping=None,
        perm="assistance.apply",
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/check"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/check"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/submit"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/submit"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/api/v1/assistance/me/applications/{app_id}/withdraw"): Case(
        own_app("POST", "/api/v1/assistance/me/applications/{app}/withdraw", json={}),
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/api/v1/assistance/applications"): Case(
        one("GET", "/api/v1/assistance/applications", params={"status": "submitted"}),
        check=items_in_scope(),
        scoping=None,
        perm="assistance.read",
    ),
    ("GET", "/api/v1/assistance/applications/{app_id}"): Case(
        per_street_app("GET", "/api/v1/assistance/applications/{app}"), perm="assistance.read"
    ),
    ("GET", "/api/v1/assistance/applications/{app_id}/documents/{doc_id}"): Case(
        per_street_app("GET", "/api/v1/assistance/applications/{app}/documents/{doc}"), perm="assistance.read"
    ),
    ("POST", "/api/v1/assistance/applications/{app_id}/decision"): Case(
        street_app("POST", "/api/v1/assistance/applications/{app}/decision", "submitted", json={"action": "approve"}),
        ok={200, 409},  # 409: the application waits at another review level than the caller's
        perm="assistance.review",
    ),
    ("POST", "/api/v1/assistance/objections/{objection_id}/resolution"): Case(
        street_app(
            "POST",
            "/api/v1/assistance/objections/{app}/resolution",
            "objection",
            json={"upheld": False, "resolution": "不成立"},
        ),
        perm="assistance.allocate",
    ),
    ("POST", "/api/v1/assistance/notices/finalise"): Case(
        one("POST", "/api/v1/assistance/notices/finalise"), scoping=None, perm="assistance.allocate"
    ),
    ("GET", "/assistance"): Case(one("GET", "/assistance"), scoping=None, perm="public"),
    ("GET", "/assistance/apply"): Case(one("GET", "/assistance/apply"), scoping=None, perm="assistance.apply"),
    ("POST", "/assistance/apply"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/assistance/apply", {"data": application_form(c)}))],
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/assistance/me"): Case(one("GET", "/assistance/me"), scoping=None, perm="assistance.apply"),
    ("GET", "/assistance/me/{app_id}"): Case(
        own_app("GET", "/assistance/me/{app}"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/assistance/me/{app_id}/documents"): Case(
        own_app("POST", "/assistance/me/{app}/documents", data={"kind": "收入证明"}, files=doc_file),
        scoping=None,
        perm="assistance.apply",
    ),
    ("POST", "/assistance/me/{app_id}/check"): Case(
        own_app("POST", "/assistance/me/{app}/check"), scoping=None, perm="assistance.apply"
    ),
    ("GET", "/assistance/me/{app_id}/confirm"): Case(
        own_app("GET", "/assistance/me/{app}/confirm"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/assistance/me/{app_id}/submit"): Case(
        own_app("POST", "/assistance/me/{app}/submit"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/assistance/me/{app_id}/withdraw"): Case(
        own_app("POST", "/assistance/me/{app}/withdraw"), scoping=None, perm="assistance.apply"
    ),
    ("GET", "/api/v1/assistance/me/consents"): Case(
        one("GET", "/api/v1/assistance/me/consents"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/api/v1/assistance/me/consents/{app_id}"): Case(
        consent_case("POST", "/api/v1/assistance/me/consents/{app}"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/api/v1/assistance/me/consents/{app_id}/withdraw"): Case(
        consent_case("POST", "/api/v1/assistance/me/consents/{app}/withdraw", consented=True),
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/assistance/consents"): Case(one("GET", "/assistance/consents"), scoping=None, perm="assistance.apply"),
    ("GET", "/assistance/consents/{app_id}/confirm"): Case(
        consent_case("GET", "/assistance/consents/{app}/confirm"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/assistance/consents/{app_id}"): Case(
        consent_case("POST", "/assistance/consents/{app}"), scoping=None, perm="assistance.apply"
    ),
    ("POST", "/assistance/consents/{app_id}/withdraw"): Case(
        consent_case("POST", "/assistance/consents/{app}/withdraw", consented=True),
        scoping=None,
        perm="assistance.apply",
    ),
    ("GET", "/assistance/review"): Case(one("GET", "/assistance/review"), scoping=None, perm="assistance.read"),
    ("GET", "/assistance/review/{app_id}"): Case(
        per_street_app("GET", "/assistance/review/{app}"), perm="assistance.read"
    ),
    ("GET", "/assistance/review/{app_id}/confirm"): Case(
        per_street_app("GET", "/assistance/review/{app}/confirm"), perm="assistance.review"
    ),
    ("POST", "/assistance/review/{app_id}/decision"): Case(
        street_app(
            "POST", "/assistance/review/{app}/decision", "submitted", data={"action": "approve", "version": "2"}
        ),
        ok={303, 409},
        perm="assistance.review",
    ),
    ("POST", "/assistance/review/{app_id}/case"): Case(
        street_app("POST", "/assistance/review/{app}/case", "approved", data={"kind": "arrears", "note": "矩阵"}),
        perm="assistance.review",
    ),
    ("GET", "/assistance/notices"): Case(one("GET", "/assistance/notices"), scoping=None, perm="public"),
    ("POST", "/assistance/notices/{app_id}/objection"): Case(
        lambda ctx: [
            (
                "notice",
                None,
                lambda c, who: (
                    "POST",
                    f"/assistance/notices/{fresh_app(c, stage='notice')}/objection",
                    {"data": {"text": "异议"}},
                ),
            )
        ],
        scoping=None,
        perm="assistance.object",
    ),
}
