"""Authorisation-matrix cases of sign-in, accounts, sessions, keys and the audit log."""

from __future__ import annotations

from collections.abc import Callable

from tests.authz.support import (
    MATRIX_DATASET,
    Case,
    Ctx,
    Request,
    account_body,
    accounts_in_scope,
    new_street_clerk,
    one,
    per_account,
    register_body,
)


def _token_request(ctx: Ctx, who: str) -> Request:
    """The matrix's department client asks for a token (with its real secret, so no failure counts
    against the address); the caller's own bearer token, if any, plays no part."""
    ctx.client_token("client")
    assert ctx.client_secret is not None
    cid, secret = ctx.client_secret
    data = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
    return ("POST", "/oauth/token", {"data": data})


def _fresh_client(ctx: Ctx) -> int:
    from anju.security import Caller, Security
    from anju.security.clients import ClientForm, create_client

    assert ctx.settings is not None
    with ctx.engine.begin() as conn:
        form = ClientForm(f"矩阵客户端{next(ctx.counter)}", "矩阵测试", [f"{MATRIX_DATASET}:read"])
        return create_client(conn, Security(ctx.settings), Caller.system("matrix"), form).id


def _client_form(ctx: Ctx) -> dict[str, str]:
    return {
        "name": f"矩阵客户端{next(ctx.counter)}",
        "department": "矩阵测试",
        "scopes": f"{MATRIX_DATASET}:read",
        "confirm": "yes",
    }


def _city_case(
    method: str, path: Callable[[Ctx], str], body: Callable[[Ctx], dict[str, str]] | None, ok: set[int] | None = None
) -> Case:
    """A department-client page: one variant outside a district administrator's scope (``t_out``)."""

    def build(c: Ctx, who: str) -> Request:
        return (method, path(c), {"data": body(c)} if body else {})

    return Case(
        lambda ctx: [("t_out", "t_out", build)],
        ok=ok or ({200} if method == "GET" else {200, 303}),
        scoping="account",
        out_of_scope={403},
        perm="accounts.manage",
    )


CASES: dict[tuple[str, str], Case] = {
    # department clients (OAuth 2.0 client credentials): the token endpoint is public, the client
    # authenticates in the request; the identity route answers any live client token
    ("POST", "/oauth/token"): Case(lambda ctx: [("any", None, _token_request)], ok={200}, scoping=None, perm="public"),
    # 系统 › 部门接入账户: clients are city-wide, so a district's administrator is refused (403) like an
    # account outside its scope; each write works on a fresh client (the matrix's own stay untouched)
    ("GET", "/admin/clients"): _city_case("GET", lambda c: "/admin/clients", None),
    ("POST", "/admin/clients"): _city_case("POST", lambda c: "/admin/clients", _client_form, ok={201}),
    ("GET", "/admin/clients/{client_pk}"): _city_case("GET", lambda c: f"/admin/clients/{_fresh_client(c)}", None),
    ("POST", "/admin/clients/{client_pk}/edit"): _city_case(
        "POST", lambda c: f"/admin/clients/{_fresh_client(c)}/edit", _client_form
    ),
    ("POST", "/admin/clients/{client_pk}/rotate"): _city_case(
        "POST", lambda c: f"/admin/clients/{_fresh_client(c)}/rotate", lambda c: {"confirm": "yes"}
    ),
    ("POST", "/admin/clients/{client_pk}/disable"): _city_case(
        "POST", lambda c: f"/admin/clients/{_fresh_client(c)}/disable", lambda c: {"confirm": "yes", "reason": "矩阵"}
    ),
    ("POST", "/admin/clients/{client_pk}/enable"): _city_case(
        "POST", lambda c: f"/admin/clients/{_fresh_client(c)}/enable", lambda c: {"confirm": "yes", "reason": "矩阵"}
    ),
    ("GET", "/api/v1/exchange/clients/me"): Case(
        one("GET", "/api/v1/exchange/clients/me"), ok={200}, scoping=None, perm="client.self"
    ),
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
