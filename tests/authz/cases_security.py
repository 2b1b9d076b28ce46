"""Authorisation-matrix cases of sign-in, accounts, sessions, keys and the audit log."""

from __future__ import annotations

from tests.authz.support import (
    Case,
    account_body,
    accounts_in_scope,
    new_street_clerk,
    one,
    per_account,
    register_body,
)

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/login"): Case(one("GET", "/login"), scoping=None),
    ("POST", "/login"): Case(
        one(
            "POST",
            "/login",
            data={"username": "nobody", "password": "wrong", "csrf_token": "k" * 20},
            headers={"cookie": "anju_csrf=" + "k" * 20},
        ),
        ok={401},
        scoping=None,
    ),
    ("POST", "/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/logout", {"fresh": True}))], scoping=None
    ),
    ("GET", "/me"): Case(one("GET", "/me"), scoping=None),
    ("GET", "/register"): Case(one("GET", "/register"), scoping=None),
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
        ok={201},
        scoping=None,
    ),
    ("POST", "/me/password"): Case(
        one("POST", "/me/password", data={"old_password": "wrong", "new_password": "x"}), ok={422}, scoping=None
    ),
    ("GET", "/admin/accounts"): Case(one("GET", "/admin/accounts"), scoping=None),
    ("POST", "/admin/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/admin/accounts", {"data": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
    ),
    ("GET", "/admin/accounts/{account_id}"): Case(per_account("GET", "/admin/accounts/{id}"), scoping="account"),
    ("POST", "/admin/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/admin/accounts/{id}/reveal", data={"reason": "核对身份信息"}), scoping="account"
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
    ),
    ("POST", "/admin/accounts/{account_id}/totp"): Case(
        per_account("POST", "/admin/accounts/{id}/totp"), scoping="account"
    ),
    ("POST", "/admin/accounts/{account_id}/disable"): Case(
        per_account("POST", "/admin/accounts/{id}/disable", data={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/admin/accounts/{account_id}/enable"): Case(
        per_account("POST", "/admin/accounts/{id}/enable", data={"reason": "矩阵测试"}), scoping="account"
    ),
    ("GET", "/audit"): Case(one("GET", "/audit"), scoping=None),
    ("GET", "/audit.csv"): Case(one("GET", "/audit.csv", params={"outcome": "denied"}), scoping=None),
    # --- API: security ------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): Case(
        one("POST", "/api/v1/auth/token", json={"username": "nobody", "password": "wrong"}), ok={401}, scoping=None
    ),
    ("POST", "/api/v1/auth/logout"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/logout", {"fresh": True}))], scoping=None
    ),
    ("POST", "/api/v1/auth/register"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/auth/register", {"json": register_body(c)}))],
        scoping=None,
    ),
    ("GET", "/api/v1/me"): Case(one("GET", "/api/v1/me"), scoping=None),
    ("POST", "/api/v1/me/password"): Case(
        one("POST", "/api/v1/me/password", json={"old_password": "wrong", "new_password": "x"}), ok={422}, scoping=None
    ),
    ("GET", "/api/v1/accounts"): Case(one("GET", "/api/v1/accounts"), check=accounts_in_scope, scoping=None),
    ("POST", "/api/v1/accounts"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts", {"json": account_body(c, t)}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={403},
    ),
    ("POST", "/api/v1/accounts/lookup"): Case(
        lambda ctx: [
            (t, t, lambda c, who, t=t: ("POST", "/api/v1/accounts/lookup", {"json": {"phone": c.phones[t]}}))
            for t in ("t_in", "t_out")
        ],
        scoping="account",
        out_of_scope={200},
        check=None,
    ),
    ("GET", "/api/v1/accounts/{account_id}"): Case(per_account("GET", "/api/v1/accounts/{id}"), scoping="account"),
    ("POST", "/api/v1/accounts/{account_id}/reveal"): Case(
        per_account("POST", "/api/v1/accounts/{id}/reveal", json={"fields": ["phone"], "reason": "核对身份信息"}),
        scoping="account",
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
    ),
    ("POST", "/api/v1/accounts/{account_id}/disable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/disable", json={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/api/v1/accounts/{account_id}/enable"): Case(
        per_account("POST", "/api/v1/accounts/{id}/enable", json={"reason": "矩阵测试"}), scoping="account"
    ),
    ("POST", "/api/v1/accounts/{account_id}/totp"): Case(
        per_account("POST", "/api/v1/accounts/{id}/totp"), scoping="account"
    ),
    ("GET", "/api/v1/audit"): Case(one("GET", "/api/v1/audit"), scoping=None),
    ("GET", "/api/v1/audit/export.csv"): Case(one("GET", "/api/v1/audit/export.csv"), scoping=None),
}
