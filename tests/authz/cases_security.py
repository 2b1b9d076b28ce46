"""Authorisation-matrix cases of sign-in, accounts, sessions, keys and the audit log."""

from __future__ import annotations

from tests.authz.support import Case, account_body, accounts_in_scope, new_street_clerk, one, per_account, register_body

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/login"): Case(one("GET", "/login"), scoping=None, perm="public"),
    ("POST", "/login"): Case(
        one(
            "POST",
            "/login",
            data={"username": "nobody", "password": "wrong", "csrf_token": "k" * 20},
            headers={"cookie": "anju_csrf=" + "k" * 20},
        ),
        ok={401},
        scoping=None,
        perm="public",
    ),
    ("POST", "/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/logout", {"fresh": True}))], scoping=None, perm="self"
    ),
    ("GET", "/me"): Case(one("GET", "/me"), scoping=None, perm="self"),
    # background jobs belong to their owner: another account's (or no) job is a 404 for everyone
    # (ownership itself: tests/integration/test_background_jobs.py)
    ("GET", "/jobs"): Case(one("GET", "/jobs"), scoping=None, perm="self"),
    ("GET", "/jobs/{job_id}"): Case(one("GET", "/jobs/999999"), ok={404}, scoping=None, perm="self"),
    ("GET", "/api/v1/jobs"): Case(one("GET", "/api/v1/jobs"), scoping=None, perm="self"),
    ("GET", "/api/v1/jobs/{job_id}"): Case(one("GET", "/api/v1/jobs/999999"), ok={404}, scoping=None, perm="self"),
    ("GET", "/register"): Case(one("GET", "/register"), scoping=None, perm="public"),
    ("POST", "/register"): Case(
        lambda ctx: [
            (
                "any",
                None,
                lambda c, who: (
                    "POST",
                    "/register",
                    {
                        "data": register_body(c) | {"csrf_token": "k" * 20},
                        "headers": {"cookie": "anju_csrf=" + "k" * 20},
                    },
                ),
            )
        ],
        ok={200},
        scoping=None,
        perm="public",
    ),
    ("POST", "/me/password"): Case(
        one("POST", "/me/password", data={"old_password": "wrong", "new_password": "x"}),
        ok={422},
        scoping=None,
        perm="self",
    ),
    ("GET", "/admin/accounts"): Case(one("GET", "/admin/accounts"), scoping=None, perm="accounts.manage"),
    ("POST", "/admin/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/admin/accounts", {"data": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
        perm="accounts.manage",
    ),
    ("GET", "/admin/accounts/{account_id}"): Case(
        per_account("GET", "/admin/accounts/{id}"), scoping="account", perm="accounts.manage"
    ),
    ("POST", "/admin/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/admin/accounts/{id}/reveal", data={"reason": "核对身份信息"}),
        scoping="account",
        perm="personal.reveal",
    ),
    ("POST", "/admin/accounts/{account_id}/role"): Case(
        lambda ctx: [
            (
                t,
                t,
                lambda c, who, t=t: ("POST", f"/admin/accounts/{c.accounts[t]}/role", {"data": new_street_clerk(c, t)}),
            )
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        perm="accounts.manage",
    ),
    ("POST", "/admin/accounts/{account_id}/totp"): Case(
        per_account("POST", "/admin/accounts/{id}/totp"), scoping="account", perm="accounts.manage"
    ),
    ("POST", "/admin/accounts/{account_id}/disable"): Case(
        per_account("POST", "/admin/accounts/{id}/disable", data={"reason": "矩阵测试"}),
        scoping="account",
        perm="accounts.manage",
    ),
    ("POST", "/admin/accounts/{account_id}/enable"): Case(
        per_account("POST", "/admin/accounts/{id}/enable", data={"reason": "矩阵测试"}),
        scoping="account",
        perm="accounts.manage",
    ),
    ("GET", "/audit"): Case(one("GET", "/audit"), scoping=None, perm="audit.read"),
    ("GET", "/audit.csv"): Case(
        one("GET", "/audit.csv", params={"outcome": "denied"}), scoping=None, perm="audit.read"
    ),
    # --- API: security ------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): Case(
        one("POST", "/api/v1/auth/token", json={"username": "nobody", "password": "wrong"}),
        ok={401},
        scoping=None,
        perm="public",
    ),
    ("POST", "/api/v1/auth/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/logout", {"fresh": True}))],
        scoping=None,
        perm="self",
    ),
    ("POST", "/api/v1/auth/register"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/register", {"json": register_body(c)}))],
        ok={202},
        scoping=None,
        perm="public",
    ),
    ("GET", "/api/v1/me"): Case(one("GET", "/api/v1/me"), scoping=None, perm="self"),
    # Real-name verification: the seeded citizens are verified (409), staff need none (409); the agency
    # account confirms its phone (202, then 429 for a second code within a minute).
    ("GET", "/api/v1/me/identity"): Case(one("GET", "/api/v1/me/identity"), scoping=None, perm="self"),
    ("POST", "/api/v1/me/phone/code"): Case(
        one("POST", "/api/v1/me/phone/code"), ok={202, 409, 429}, scoping=None, perm="self"
    ),
    ("POST", "/api/v1/me/phone/confirm"): Case(
        one("POST", "/api/v1/me/phone/confirm", json={"code": "000000"}), ok={409, 422}, scoping=None, perm="self"
    ),
    ("POST", "/api/v1/me/identity/verify"): Case(
        one("POST", "/api/v1/me/identity/verify"), ok={200, 409}, scoping=None, perm="self"
    ),
    ("GET", "/me/identity"): Case(one("GET", "/me/identity"), scoping=None, perm="self"),
    ("POST", "/me/identity/code"): Case(
        one("POST", "/me/identity/code"), ok={200, 409, 429}, scoping=None, perm="self"
    ),
    ("POST", "/me/identity/phone"): Case(
        one("POST", "/me/identity/phone", data={"code": "000000"}), ok={409, 422}, scoping=None, perm="self"
    ),
    ("POST", "/me/identity/verify"): Case(
        one("POST", "/me/identity/verify", data={"agree": "1"}), ok={200, 409}, scoping=None, perm="self"
    ),
    ("POST", "/api/v1/me/password"): Case(
        one("POST", "/api/v1/me/password", json={"old_password": "wrong", "new_password": "x"}),
        ok={422},
        scoping=None,
        perm="self",
    ),
    ("GET", "/api/v1/accounts"): Case(
        one("GET", "/api/v1/accounts"), check=accounts_in_scope, scoping=None, perm="accounts.manage"
    ),
    ("POST", "/api/v1/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts", {"json": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
        perm="accounts.manage",
    ),
    ("POST", "/api/v1/accounts/lookup"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts/lookup", {"json": {"phone": c.phones[t]}}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={200},
        check=None,
        perm="personal.reveal",
    ),
    ("GET", "/api/v1/accounts/{account_id}"): Case(
        per_account("GET", "/api/v1/accounts/{id}"), scoping="account", perm="accounts.manage"
    ),
    ("POST", "/api/v1/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/api/v1/accounts/{id}/reveal", json={"fields": ["phone"], "reason": "核对身份信息"}),
        scoping="account",
        perm="personal.reveal",
    ),
    ("POST", "/api/v1/accounts/{account_id}/role"): Case(
        lambda ctx: [
            (
                t,
                t,
                lambda c, who, t=t: (
                    "POST",
                    f"/api/v1/accounts/{c.accounts[t]}/role",
                    {"json": new_street_clerk(c, t)},
                ),
            )
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        perm="accounts.manage",
    ),
    ("POST", "/api/v1/accounts/{account_id}/disable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/disable", json={"reason": "矩阵测试"}),
        scoping="account",
        perm="accounts.manage",
    ),
    ("POST", "/api/v1/accounts/{account_id}/enable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/enable", json={"reason": "矩阵测试"}),
        scoping="account",
        perm="accounts.manage",
    ),
    ("POST", "/api/v1/accounts/{account_id}/totp"): Case(
        per_account("POST", "/api/v1/accounts/{id}/totp"), scoping="account", perm="accounts.manage"
    ),
    ("GET", "/api/v1/audit"): Case(one("GET", "/api/v1/audit"), scoping=None, perm="audit.read"),
    ("GET", "/api/v1/audit/export.csv"): Case(one("GET", "/api/v1/audit/export.csv"), scoping=None, perm="audit.read"),
}
