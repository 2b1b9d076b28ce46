"""Authorisation-matrix cases of new-home transactions (商品房): the bureau's filings, the developer's
and the buyer's contract steps, staff lists and the public sales pages.

Writes are exercised with bodies or records that are refused after the policy (422/404), so every role
meets the policy without changing the shared sample world; the services' own behaviour is pinned by
``tests/integration/test_new_homes.py``."""

from __future__ import annotations

from tests.authz.support import Case, one, per_street

API = "/api/v1/transactions"
NO_ID = 2**40
#: A missing record: 404; the developer's steps first ask whether the account works for a filed
#: developer (the matrix's agency does not), which is a 422.
ABSENT = {404, 422}

CASES: dict[tuple[str, str], Case] = {
    # --- API: the bureau's filings ------------------------------------------------------------
    ("POST", f"{API}/developers"): Case(
        one("POST", f"{API}/developers", json={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", f"{API}/developers"): Case(one("GET", f"{API}/developers"), scoping=None, perm="transactions.read"),
    ("POST", f"{API}/projects"): Case(
        one("POST", f"{API}/projects", json={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", f"{API}/projects"): Case(one("GET", f"{API}/projects"), scoping=None, perm="transactions.read"),
    ("POST", f"{API}/permits"): Case(
        one("POST", f"{API}/permits", json={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", f"{API}/permits"): Case(one("GET", f"{API}/permits"), scoping=None, perm="transactions.read"),
    ("POST", f"{API}/permits/{{permit_id}}/prices"): Case(
        one("POST", f"{API}/permits/{NO_ID}/prices", json={"lines": []}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", f"{API}/homes/{{home_id}}/prices"): Case(
        per_street("GET", API + "/homes/{home}/prices", "home"), perm="transactions.read"
    ),
    # --- API: contracts -----------------------------------------------------------------------
    ("POST", f"{API}/contracts"): Case(
        one("POST", f"{API}/contracts", json={}), ok={422}, scoping=None, perm="transactions.sell"
    ),
    ("POST", f"{API}/contracts/{{contract_id}}/developer-signature"): Case(
        one("POST", f"{API}/contracts/{NO_ID}/developer-signature"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("POST", f"{API}/contracts/{{contract_id}}/buyer-signature"): Case(
        one("POST", f"{API}/contracts/{NO_ID}/buyer-signature"), ok={404}, scoping=None, perm="transactions.buy"
    ),
    ("POST", f"{API}/contracts/{{contract_id}}/filing"): Case(
        one("POST", f"{API}/contracts/{NO_ID}/filing"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("POST", f"{API}/contracts/{{contract_id}}/withdrawal"): Case(
        one("POST", f"{API}/contracts/{NO_ID}/withdrawal", json={"reason": "矩阵"}),
        ok=ABSENT,
        scoping=None,
        perm="transactions.sell",
    ),
    ("POST", f"{API}/contracts/{{contract_id}}/cancellation"): Case(
        one("POST", f"{API}/contracts/{NO_ID}/cancellation", json={"reason": "矩阵"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", f"{API}/contracts"): Case(one("GET", f"{API}/contracts"), scoping=None, perm="transactions.read"),
    ("GET", f"{API}/me/contracts"): Case(one("GET", f"{API}/me/contracts"), scoping=None, perm="transactions.buy"),
    ("GET", f"{API}/public/buildings/{{building_id}}/sales"): Case(
        one("GET", f"{API}/public/buildings/{NO_ID}/sales"), ok={404}, scoping=None, perm="public"
    ),
    # --- pages --------------------------------------------------------------------------------
    ("GET", "/transactions/projects"): Case(one("GET", "/transactions/projects"), scoping=None, perm="public"),
    ("GET", "/transactions/figures"): Case(one("GET", "/transactions/figures"), scoping=None, perm="public"),
    ("GET", "/transactions/staff/registrations"): Case(
        one("GET", "/transactions/staff/registrations"), scoping=None, perm="transactions.read"
    ),
    ("GET", "/api/v1/transactions/public/figures"): Case(
        one("GET", "/api/v1/transactions/public/figures"), scoping=None, perm="public"
    ),
    ("GET", "/transactions/projects/{project_id}"): Case(
        one("GET", f"/transactions/projects/{NO_ID}"), ok={404}, scoping=None, perm="public"
    ),
    ("GET", "/transactions/buildings/{building_id}"): Case(
        per_street("GET", "/transactions/buildings/{building}", "building"),
        ok={404},  # the sample buildings have no presale permit: not on the public pages
        scoping=None,
        perm="public",
    ),
    ("GET", "/transactions/staff/permits"): Case(
        one("GET", "/transactions/staff/permits"), scoping=None, perm="transactions.read"
    ),
    ("GET", "/transactions/staff/contracts"): Case(
        one("GET", "/transactions/staff/contracts"), scoping=None, perm="transactions.read"
    ),
    ("GET", "/transactions/staff/contracts/{contract_id}"): Case(
        one("GET", f"/transactions/staff/contracts/{NO_ID}"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("POST", "/transactions/staff/contracts/{contract_id}/cancel"): Case(
        one("POST", f"/transactions/staff/contracts/{NO_ID}/cancel", data={"reason": "矩阵"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", "/transactions/me/contracts"): Case(
        one("GET", "/transactions/me/contracts"), scoping=None, perm="transactions.buy"
    ),
    ("POST", "/transactions/me/contracts/{contract_id}/sign"): Case(
        one("POST", f"/transactions/me/contracts/{NO_ID}/sign"), ok={404}, scoping=None, perm="transactions.buy"
    ),
    # the developer's staff: the matrix's agency works for no filed developer, so its pages answer 422
    ("GET", "/transactions/sales"): Case(
        # an agency that is no developer's staff is told so on the page (its menu offers it)
        one("GET", "/transactions/sales"),
        ok={200},
        scoping=None,
        perm="transactions.sell",
    ),
    ("POST", "/transactions/sales/contracts"): Case(
        one("POST", "/transactions/sales/contracts", data={}), ok={422}, scoping=None, perm="transactions.sell"
    ),
    ("POST", "/transactions/sales/contracts/{contract_id}/sign"): Case(
        one("POST", f"/transactions/sales/contracts/{NO_ID}/sign"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("GET", "/transactions/sales/contracts/{contract_id}/withdraw"): Case(
        one("GET", f"/transactions/sales/contracts/{NO_ID}/withdraw"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("POST", "/transactions/sales/contracts/{contract_id}/withdraw"): Case(
        one("POST", f"/transactions/sales/contracts/{NO_ID}/withdraw", data={"reason": "矩阵", "confirmed": "1"}),
        ok=ABSENT,
        scoping=None,
        perm="transactions.sell",
    ),
    ("GET", "/transactions/sales/funds"): Case(
        # an agency that is no developer's staff is told so on the page
        one("GET", "/transactions/sales/funds"),
        ok={200},
        scoping=None,
        perm="transactions.sell",
    ),
    ("GET", "/transactions/sales/funds/{account_id}"): Case(
        # a developer's staff: no such account (404); an agency of no developer: told so on the page (200)
        one("GET", f"/transactions/sales/funds/{NO_ID}"),
        ok={200, 404},
        scoping=None,
        perm="transactions.sell",
    ),
    ("POST", "/transactions/sales/funds/{account_id}/releases"): Case(
        # a developer's staff: no such account (404); an agency of no developer: told so (422)
        one("POST", f"/transactions/sales/funds/{NO_ID}/releases", data={"amount_yuan": "1", "confirmed": "1"}),
        ok={404, 422},
        scoping=None,
        perm="transactions.sell",
    ),
    ("GET", f"{API}/sales/fund-accounts/{{account_id}}/releases"): Case(
        one("GET", f"{API}/sales/fund-accounts/{NO_ID}/releases"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("POST", f"{API}/sales/fund-accounts/{{account_id}}/releases"): Case(
        one("POST", f"{API}/sales/fund-accounts/{NO_ID}/releases", json={"amount_fen": 1}),
        ok=ABSENT,
        scoping=None,
        perm="transactions.sell",
    ),
    ("GET", f"{API}/sales/fund-accounts"): Case(
        one("GET", f"{API}/sales/fund-accounts"), ok={200, 422}, scoping=None, perm="transactions.sell"
    ),
    ("GET", f"{API}/sales/fund-accounts/{{account_id}}"): Case(
        one("GET", f"{API}/sales/fund-accounts/{NO_ID}"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    ("POST", "/transactions/sales/contracts/{contract_id}/file"): Case(
        one("POST", f"/transactions/sales/contracts/{NO_ID}/file"), ok=ABSENT, scoping=None, perm="transactions.sell"
    ),
    # the bureau's filing forms: empty forms are refused after the policy
    ("GET", "/transactions/staff/filings"): Case(
        one("GET", "/transactions/staff/filings"), scoping=None, perm="transactions.manage"
    ),
    ("POST", "/transactions/staff/developers"): Case(
        one("POST", "/transactions/staff/developers", data={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("POST", "/transactions/staff/projects"): Case(
        one("POST", "/transactions/staff/projects", data={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("POST", "/transactions/staff/permits"): Case(
        one("POST", "/transactions/staff/permits", data={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", "/transactions/staff/contracts.csv"): Case(
        one("GET", "/transactions/staff/contracts.csv"), scoping=None, perm="transactions.read"
    ),
    # --- presale fund supervision (预售资金监管): missing accounts and projects, refused after the policy
    ("POST", f"{API}/projects/{{project_id}}/fund-account"): Case(
        one("POST", f"{API}/projects/{NO_ID}/fund-account", json={"bank": "矩阵银行", "account_no": "MATRIX-0001"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", f"{API}/fund-accounts"): Case(one("GET", f"{API}/fund-accounts"), scoping=None, perm="transactions.read"),
    ("GET", f"{API}/fund-accounts/{{account_id}}"): Case(
        one("GET", f"{API}/fund-accounts/{NO_ID}"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("GET", f"{API}/fund-accounts/{{account_id}}/journals"): Case(
        one("GET", f"{API}/fund-accounts/{NO_ID}/journals"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("GET", f"{API}/fund-accounts/{{account_id}}/releases"): Case(
        one("GET", f"{API}/fund-accounts/{NO_ID}/releases"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("GET", f"{API}/fund-accounts/{{account_id}}/reconciliation"): Case(
        one("GET", f"{API}/fund-accounts/{NO_ID}/reconciliation"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/deposits"): Case(
        one(
            "POST",
            f"{API}/fund-accounts/{NO_ID}/deposits",
            json={"contract_id": 1, "kind": "loan", "amount_fen": 1, "reference": "MATRIX-0001"},
        ),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/milestones"): Case(
        one(
            "POST",
            f"{API}/fund-accounts/{NO_ID}/milestones",
            json={"milestone": "topped_out", "reached_on": "2026-01-01"},
        ),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/releases"): Case(
        one("POST", f"{API}/fund-accounts/{NO_ID}/releases", json={"amount_fen": 1}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/releases/{{release_id}}/approval"): Case(
        one("POST", f"{API}/fund-accounts/{NO_ID}/releases/{NO_ID}/approval"),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/releases/{{release_id}}/rejection"): Case(
        one("POST", f"{API}/fund-accounts/{NO_ID}/releases/{NO_ID}/rejection"),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", f"{API}/fund-accounts/{{account_id}}/bank-lines"): Case(
        one("POST", f"{API}/fund-accounts/{NO_ID}/bank-lines", json={"csv": "date,amount_fen,direction,reference\n"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    # presale fund supervision pages
    ("GET", "/transactions/staff/resale-funds"): Case(
        one("GET", "/transactions/staff/resale-funds"), scoping=None, perm="transactions.read"
    ),
    ("POST", "/transactions/staff/resale-funds"): Case(
        one("POST", "/transactions/staff/resale-funds", data={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", "/transactions/staff/resale-funds/reconciliation.csv"): Case(
        one("GET", "/transactions/staff/resale-funds/reconciliation.csv"), scoping=None, perm="transactions.read"
    ),
    ("POST", f"{API}/resale/fund-accounts/{{account_id}}/bank-lines"): Case(
        one(
            "POST",
            f"{API}/resale/fund-accounts/{NO_ID}/bank-lines",
            json={"csv": "date,amount_fen,direction,reference\n"},
        ),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", "/transactions/staff/funds"): Case(
        one("GET", "/transactions/staff/funds"), scoping=None, perm="transactions.read"
    ),
    ("GET", "/transactions/staff/funds/reconciliation.csv"): Case(
        one("GET", "/transactions/staff/funds/reconciliation.csv"), scoping=None, perm="transactions.read"
    ),
    ("POST", "/transactions/staff/funds"): Case(
        one("POST", "/transactions/staff/funds", data={}), ok={422}, scoping=None, perm="transactions.manage"
    ),
    ("GET", "/transactions/staff/funds/{account_id}"): Case(
        one("GET", f"/transactions/staff/funds/{NO_ID}"), ok={404}, scoping=None, perm="transactions.read"
    ),
    ("POST", "/transactions/staff/funds/{account_id}/deposits"): Case(
        one(
            "POST",
            f"/transactions/staff/funds/{NO_ID}/deposits",
            data={"contract_id": "1", "kind": "loan", "amount_yuan": "1", "reference": "MATRIX-0001"},
        ),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", "/transactions/staff/funds/{account_id}/milestones"): Case(
        one(
            "POST",
            f"/transactions/staff/funds/{NO_ID}/milestones",
            data={"milestone": "topped_out", "reached_on": "2026-01-01"},
        ),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", "/transactions/staff/funds/{account_id}/releases"): Case(
        one("POST", f"/transactions/staff/funds/{NO_ID}/releases", data={"amount_yuan": "1"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("GET", "/transactions/staff/funds/{account_id}/releases/{release_id}/approve"): Case(
        one("GET", f"/transactions/staff/funds/{NO_ID}/releases/{NO_ID}/approve"),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", "/transactions/staff/funds/{account_id}/releases/{release_id}/approve"): Case(
        one("POST", f"/transactions/staff/funds/{NO_ID}/releases/{NO_ID}/approve", data={"confirmed": "1"}),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
    ("POST", "/transactions/staff/funds/{account_id}/releases/{release_id}/reject"): Case(
        one("POST", f"/transactions/staff/funds/{NO_ID}/releases/{NO_ID}/reject"),
        ok={404},
        scoping=None,
        perm="transactions.manage",
    ),
}

# --- existing-home resale (存量房) -------------------------------------------------------------------
# The matrix's agency account works for no filed brokerage agency, so the agency's steps answer 422
# (its menu page tells it so with a 200); a missing contract is 404.
RESALE = f"{API}/resale"
CODE = "ABCDEFGHJKM"  # a well-formed code that no listing holds

CASES.update(
    {
        ("POST", f"{RESALE}/listings"): Case(
            one("POST", f"{RESALE}/listings", json={}), ok={422}, scoping=None, perm="transactions.sell"
        ),
        ("GET", f"{RESALE}/listings"): Case(
            one("GET", f"{RESALE}/listings"), ok={200, 422}, scoping=None, perm="transactions.sell"
        ),
        ("GET", f"{RESALE}/listings/{{listing_id}}"): Case(
            one("GET", f"{RESALE}/listings/{NO_ID}"), ok=ABSENT, scoping=None, perm="transactions.sell"
        ),
        ("POST", f"{RESALE}/listings/{{listing_id}}/verification"): Case(
            one("POST", f"{RESALE}/listings/{NO_ID}/verification", json={}),
            ok={422},
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", f"{RESALE}/listings/{{listing_id}}/publication"): Case(
            one("POST", f"{RESALE}/listings/{NO_ID}/publication"), ok=ABSENT, scoping=None, perm="transactions.sell"
        ),
        ("POST", f"{RESALE}/listings/{{listing_id}}/withdrawal"): Case(
            one("POST", f"{RESALE}/listings/{NO_ID}/withdrawal"), ok=ABSENT, scoping=None, perm="transactions.sell"
        ),
        ("POST", f"{RESALE}/contracts"): Case(
            one("POST", f"{RESALE}/contracts", json={}), ok={422}, scoping=None, perm="transactions.sell"
        ),
        ("GET", f"{RESALE}/agency/contracts"): Case(
            one("GET", f"{RESALE}/agency/contracts"), ok={200, 422}, scoping=None, perm="transactions.sell"
        ),
        ("POST", f"{RESALE}/contracts/{{contract_id}}/filing"): Case(
            one("POST", f"{RESALE}/contracts/{NO_ID}/filing"), ok=ABSENT, scoping=None, perm="transactions.sell"
        ),
        ("POST", f"{RESALE}/me/contracts"): Case(
            one("POST", f"{RESALE}/me/contracts", json={}), ok={422}, scoping=None, perm="transactions.buy"
        ),
        ("GET", f"{RESALE}/me/contracts"): Case(
            one("GET", f"{RESALE}/me/contracts"), scoping=None, perm="transactions.buy"
        ),
        ("POST", f"{RESALE}/me/contracts/{{contract_id}}/seller-signature"): Case(
            one("POST", f"{RESALE}/me/contracts/{NO_ID}/seller-signature"),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("POST", f"{RESALE}/me/contracts/{{contract_id}}/buyer-signature"): Case(
            one("POST", f"{RESALE}/me/contracts/{NO_ID}/buyer-signature"),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("POST", f"{RESALE}/me/contracts/{{contract_id}}/filing"): Case(
            one("POST", f"{RESALE}/me/contracts/{NO_ID}/filing"), ok={404}, scoping=None, perm="transactions.buy"
        ),
        ("GET", f"{RESALE}/contracts"): Case(one("GET", f"{RESALE}/contracts"), scoping=None, perm="transactions.read"),
        ("POST", f"{RESALE}/contracts/{{contract_id}}/cancellation"): Case(
            one("POST", f"{RESALE}/contracts/{NO_ID}/cancellation", json={"reason": "矩阵"}),
            ok={404},
            scoping=None,
            perm="transactions.manage",
        ),
        # resale fund supervision (存量房交易资金监管): a missing district or contract, refused after the policy
        ("POST", f"{RESALE}/fund-accounts"): Case(
            one("POST", f"{RESALE}/fund-accounts", json={}), ok={422}, scoping=None, perm="transactions.manage"
        ),
        ("GET", f"{RESALE}/fund-accounts"): Case(
            one("GET", f"{RESALE}/fund-accounts"), scoping=None, perm="transactions.read"
        ),
        ("POST", f"{RESALE}/contracts/{{contract_id}}/deposits"): Case(
            one(
                "POST",
                f"{RESALE}/contracts/{NO_ID}/deposits",
                json={"kind": "loan", "amount_fen": 1, "reference": "MATRIX-1"},
            ),
            ok={404},
            scoping=None,
            perm="transactions.manage",
        ),
        ("GET", f"{RESALE}/contracts/{{contract_id}}/fund"): Case(
            one("GET", f"{RESALE}/contracts/{NO_ID}/fund"), ok={404}, scoping=None, perm="transactions.read"
        ),
        ("POST", "/transactions/staff/resale/{contract_id}/deposits"): Case(
            one(
                "POST",
                f"/transactions/staff/resale/{NO_ID}/deposits",
                data={"kind": "loan", "amount_yuan": "1", "reference": "MATRIX-1"},
            ),
            ok={404},
            scoping=None,
            perm="transactions.manage",
        ),
        ("GET", f"{RESALE}/public/listings"): Case(
            one("GET", f"{RESALE}/public/listings"), scoping=None, perm="public"
        ),
        ("GET", f"{RESALE}/public/check"): Case(
            one("GET", f"{RESALE}/public/check?code={CODE}"), ok={404}, scoping=None, perm="public"
        ),
        # --- pages ----------------------------------------------------------------------------------
        ("GET", "/transactions/resale"): Case(one("GET", "/transactions/resale"), scoping=None, perm="public"),
        ("GET", "/transactions/resale/check"): Case(
            one("GET", f"/transactions/resale/check?code={CODE}"), ok={404}, scoping=None, perm="public"
        ),
        ("GET", "/transactions/resale/me"): Case(
            one("GET", "/transactions/resale/me"), scoping=None, perm="transactions.buy"
        ),
        ("POST", "/transactions/resale/me/contracts"): Case(
            one("POST", "/transactions/resale/me/contracts", data={}), ok={422}, scoping=None, perm="transactions.buy"
        ),
        ("GET", "/transactions/resale/me/contracts/{contract_id}/sign"): Case(
            one("GET", f"/transactions/resale/me/contracts/{NO_ID}/sign?side=buyer"),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("POST", "/transactions/resale/me/contracts/{contract_id}/sign"): Case(
            one("POST", f"/transactions/resale/me/contracts/{NO_ID}/sign", data={"side": "buyer"}),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("GET", "/transactions/resale/me/contracts/{contract_id}/file"): Case(
            one("GET", f"/transactions/resale/me/contracts/{NO_ID}/file"),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("POST", "/transactions/resale/me/contracts/{contract_id}/file"): Case(
            one("POST", f"/transactions/resale/me/contracts/{NO_ID}/file"),
            ok={404},
            scoping=None,
            perm="transactions.buy",
        ),
        ("GET", "/transactions/staff/resale"): Case(
            one("GET", "/transactions/staff/resale"), scoping=None, perm="transactions.read"
        ),
        ("GET", "/transactions/staff/resale.csv"): Case(
            one("GET", "/transactions/staff/resale.csv"), scoping=None, perm="transactions.read"
        ),
        ("GET", "/transactions/staff/resale/{contract_id}"): Case(
            one("GET", f"/transactions/staff/resale/{NO_ID}"), ok={404}, scoping=None, perm="transactions.read"
        ),
        ("GET", "/transactions/staff/resale/{contract_id}/cancel"): Case(
            one("GET", f"/transactions/staff/resale/{NO_ID}/cancel"), ok={404}, scoping=None, perm="transactions.manage"
        ),
        ("POST", "/transactions/staff/resale/{contract_id}/cancel"): Case(
            one("POST", f"/transactions/staff/resale/{NO_ID}/cancel", data={"reason": "矩阵"}),
            ok={404},
            scoping=None,
            perm="transactions.manage",
        ),
        ("GET", "/transactions/resale/agency"): Case(
            one("GET", "/transactions/resale/agency"), ok={200}, scoping=None, perm="transactions.sell"
        ),
        ("POST", "/transactions/resale/agency/listings"): Case(
            one("POST", "/transactions/resale/agency/listings", data={}),
            ok={422},
            scoping=None,
            perm="transactions.sell",
        ),
        ("GET", "/transactions/resale/agency/listings/{listing_id}"): Case(
            one("GET", f"/transactions/resale/agency/listings/{NO_ID}"),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", "/transactions/resale/agency/listings/{listing_id}/verify"): Case(
            one("POST", f"/transactions/resale/agency/listings/{NO_ID}/verify", data={}),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", "/transactions/resale/agency/listings/{listing_id}/publish"): Case(
            one("POST", f"/transactions/resale/agency/listings/{NO_ID}/publish"),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", "/transactions/resale/agency/listings/{listing_id}/withdraw"): Case(
            one("POST", f"/transactions/resale/agency/listings/{NO_ID}/withdraw"),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", "/transactions/resale/agency/contracts"): Case(
            one("POST", "/transactions/resale/agency/contracts", data={}),
            ok={422},
            scoping=None,
            perm="transactions.sell",
        ),
        ("GET", "/transactions/resale/agency/contracts/{contract_id}/file"): Case(
            one("GET", f"/transactions/resale/agency/contracts/{NO_ID}/file"),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
        ("POST", "/transactions/resale/agency/contracts/{contract_id}/file"): Case(
            one("POST", f"/transactions/resale/agency/contracts/{NO_ID}/file"),
            ok=ABSENT,
            scoping=None,
            perm="transactions.sell",
        ),
    }
)
