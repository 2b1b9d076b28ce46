"""Authorisation-matrix cases of rental supervision: guidance, listings, leases, escrow, parties,
complaints, inspections."""

from __future__ import annotations

from typing import Any

from tests.authz.rental import (
    a_public_code,
    guidance_draft,
    guidance_edition,
    listing_body,
    listing_form,
    own_listing,
    public_code,
    street_listing,
)
from tests.authz.support import Case, one, per_district

# --- rental: parties, practitioners, entrustments, flags (主体备案与监管) -----------------------------
# Policy-level cases as for leases: every route, every role. Requests name a party / practitioner /
# entrustment / flag that does not exist (an allowed caller gets 404) or carry an empty body (422).
# The scoping of supervisors and the effects of filing, suspension and flags are tested in
# tests/integration/test_rental_parties.py.

_NO = "999999"
# --- rental: leases (网签备案) ---------------------------------------------------------------------
# Policy-level cases: the permission of every lease route for every role. The leases' own scoping
# (parties see only their leases; staff only their streets) is tested in tests/integration/test_rental_leases.py.
# Requests name a lease / filing that does not exist, so an allowed caller gets 404 (or 422).

_NO_LEASE = "/api/v1/rental/me/leases/999999"
_NO_STAFF_LEASE = "/api/v1/rental/leases/999999"
_LEASE_BODY = {
    "home_id": 999999, "tenant_name": "矩阵租客", "tenant_id_number": "11010519491231002X",
    "start_on": "2030-01-01", "end_on": "2030-12-31", "rent_fen": 300000, "deposit_fen": 300000,
}  # fmt: skip
_ABSENT = {404}
_EMPTY: dict[str, Any] = {"json": {}}
_SUPERVISE = {"json": {"reason": "矩阵检查"}}
# --- rental: escrow (租金监管) ---------------------------------------------------------------------
# Scoping of accounts (a clerk sees the accounts of their street only) and the tenant's own lease:
# tests/integration/test_rental_escrow_api.py.

_ACCT = f"/api/v1/rental/escrow/accounts/{_NO}"
# --- rental: lease and escrow pages (网签备案、租金监管页面) ----------------------------------------
# Absent ids (an allowed caller gets 404) and empty forms. The flows, the parties' own leases, the
# supervisors' scoping and the escrow forms are tested in tests/integration/test_rental_pages.py.

_MY_LEASE = f"/rental/me/leases/{_NO}"
_STAFF_LEASE = f"/rental/staff/leases/{_NO}"
_ESCROW_ACCT = f"/rental/escrow/{_NO}"

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/rental/guidance/editions"): Case(
        one("GET", "/api/v1/rental/guidance/editions"), scoping=None, perm="public"
    ),
    ("POST", "/api/v1/rental/guidance/editions"): Case(
        one("POST", "/api/v1/rental/guidance/editions", json={"months": 12}),
        ok={201, 422},
        scoping=None,
        perm="rental.guidance",
    ),
    ("GET", "/api/v1/rental/guidance/editions/{edition_id}"): Case(
        lambda ctx: [
            (
                "published",
                None,
                lambda c, who: ("GET", f"/api/v1/rental/guidance/editions/{guidance_edition(c, 'published')}", {}),
            )
        ],
        scoping=None,
        perm="public",
    ),
    ("POST", "/api/v1/rental/guidance/editions/{edition_id}/publish"): Case(
        guidance_draft("POST", "/api/v1/rental/guidance/editions/{id}/publish", json={}),
        scoping=None,
        perm="rental.guidance",
    ),
    ("GET", "/api/v1/rental/guidance/rents"): Case(
        one("GET", "/api/v1/rental/guidance/rents"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/rental/guidance/flags"): Case(
        lambda ctx: [
            (k, None, lambda c, who, k=k: ("GET", "/api/v1/rental/guidance/flags", {"params": {"kind": k}}))
            for k in ("lease", "listing")
        ],
        scoping=None,
        perm="rental.read",
    ),
    ("GET", "/api/v1/rental/monitoring/streets"): Case(
        per_district("/api/v1/rental/monitoring/streets"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/monitoring/series"): Case(
        per_district("/api/v1/rental/monitoring/series"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/monitoring/{table}.csv"): Case(
        lambda ctx: [
            (t, None, lambda c, who, t=t: ("GET", f"/api/v1/rental/monitoring/{t}.csv", {}))
            for t in ("streets", "series")
        ],
        scoping=None,
        perm="rental.read",
    ),
    ("GET", "/api/v1/rental/monitoring/{table}.xlsx"): Case(
        one("GET", "/api/v1/rental/monitoring/streets.xlsx"), scoping=None, perm="rental.read"
    ),
    ("GET", "/rental/guidance"): Case(one("GET", "/rental/guidance"), scoping=None, perm="public"),
    ("GET", "/rental/guidance/manage"): Case(
        one("GET", "/rental/guidance/manage"), scoping=None, perm="rental.guidance"
    ),
    ("POST", "/rental/guidance/manage"): Case(
        one("POST", "/rental/guidance/manage", data={"months": "12"}),
        ok={303, 422},
        scoping=None,
        perm="rental.guidance",
    ),
    ("GET", "/rental/guidance/manage/{edition_id}"): Case(
        guidance_draft("GET", "/rental/guidance/manage/{id}"), scoping=None, perm="rental.guidance"
    ),
    ("GET", "/rental/guidance/manage/{edition_id}/confirm"): Case(
        guidance_draft("GET", "/rental/guidance/manage/{id}/confirm"), scoping=None, perm="rental.guidance"
    ),
    ("POST", "/rental/guidance/manage/{edition_id}/publish"): Case(
        guidance_draft("POST", "/rental/guidance/manage/{id}/publish", data={}), scoping=None, perm="rental.guidance"
    ),
    ("GET", "/rental/monitoring"): Case(per_district("/rental/monitoring"), scoping=None, perm="rental.read"),
    ("GET", "/api/v1/rental/me/listings"): Case(
        one("GET", "/api/v1/rental/me/listings"), scoping=None, perm="rental.publish"
    ),
    ("POST", "/api/v1/rental/me/listings"): Case(
        lambda ctx: [("any", None, lambda c, who: ("POST", "/api/v1/rental/me/listings", {"json": listing_body(c)}))],
        scoping=None,
        perm="rental.publish",
    ),
    ("GET", "/api/v1/rental/me/listings/{listing_id}"): Case(
        own_listing("GET", "/api/v1/rental/me/listings/{id}"), scoping=None, perm="rental.publish"
    ),
    ("PUT", "/api/v1/rental/me/listings/{listing_id}"): Case(
        own_listing("PUT", "/api/v1/rental/me/listings/{id}", json=listing_body), scoping=None, perm="rental.publish"
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/verify"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/verify"),
        ok={200, 422},
        scoping=None,
        perm="rental.publish",
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/publish"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/publish", status="verified"),
        scoping=None,
        perm="rental.publish",
    ),
    ("POST", "/api/v1/rental/me/listings/{listing_id}/withdraw"): Case(
        own_listing("POST", "/api/v1/rental/me/listings/{id}/withdraw"), scoping=None, perm="rental.publish"
    ),
    ("GET", "/api/v1/rental/listings"): Case(
        one("GET", "/api/v1/rental/listings"), check=lambda c, w, r: None, scoping=None, perm="rental.handle"
    ),
    ("GET", "/api/v1/rental/listings.csv"): Case(
        one("GET", "/api/v1/rental/listings.csv"), scoping=None, perm="rental.handle"
    ),
    ("POST", "/api/v1/rental/listings/{listing_id}/review"): Case(
        street_listing("POST", "/api/v1/rental/listings/{id}/review", json={"action": "approve"}), perm="rental.handle"
    ),
    ("GET", "/api/v1/rental/public/check/{code}"): Case(
        public_code("GET", "/api/v1/rental/public/check/{code}"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/rental/public/listings"): Case(
        one("GET", "/api/v1/rental/public/listings"), scoping=None, perm="public"
    ),
    ("GET", "/rental"): Case(one("GET", "/rental"), scoping=None, perm="public"),
    ("GET", "/rental/filings"): Case(
        one("GET", "/rental/filings", params={"no": "BA20260000000010000"}), scoping=None, perm="public"
    ),
    ("GET", "/rental/listings"): Case(one("GET", "/rental/listings"), scoping=None, perm="public"),
    ("GET", "/rental/check"): Case(
        lambda ctx: [("code", None, lambda c, who: ("GET", "/rental/check", {"params": {"code": a_public_code(c)}}))],
        scoping=None,
        perm="public",
    ),
    ("GET", "/rental/check/{code}"): Case(public_code("GET", "/rental/check/{code}"), scoping=None, perm="public"),
    ("GET", "/rental/check/{code}/qr.svg"): Case(
        public_code("GET", "/rental/check/{code}/qr.svg"), scoping=None, perm="public"
    ),
    ("GET", "/rental/me/listings"): Case(one("GET", "/rental/me/listings"), scoping=None, perm="rental.publish"),
    ("GET", "/rental/me/listings/{listing_id}"): Case(
        own_listing("GET", "/rental/me/listings/{id}"), scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/staff/listings"): Case(one("GET", "/rental/staff/listings"), scoping=None, perm="rental.handle"),
    ("GET", "/rental/me/listings/new"): Case(
        one("GET", "/rental/me/listings/new"), scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/me/listings/new"): Case(
        one("POST", "/rental/me/listings/new", data={}), ok={422}, scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/me/listings/{listing_id}/edit"): Case(
        own_listing("GET", "/rental/me/listings/{id}/edit"), scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/me/listings/{listing_id}/edit"): Case(
        own_listing("POST", "/rental/me/listings/{id}/edit", data=listing_form), scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/me/listings/{listing_id}/verify"): Case(
        own_listing("POST", "/rental/me/listings/{id}/verify", data={}), scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/me/listings/{listing_id}/publish"): Case(
        own_listing("POST", "/rental/me/listings/{id}/publish", status="verified", data={}),
        scoping=None,
        perm="rental.publish",
    ),
    ("GET", "/rental/me/listings/{listing_id}/withdraw"): Case(
        own_listing("GET", "/rental/me/listings/{id}/withdraw"), scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/me/listings/{listing_id}/withdraw"): Case(
        own_listing("POST", "/rental/me/listings/{id}/withdraw", data={}), scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/me/listings/{listing_id}/print"): Case(
        own_listing("GET", "/rental/me/listings/{id}/print", status="verified"), scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/staff/listings/{listing_id}"): Case(
        street_listing("GET", "/rental/staff/listings/{id}"), perm="rental.handle"
    ),
    ("POST", "/rental/staff/listings/{listing_id}/review"): Case(
        street_listing("POST", "/rental/staff/listings/{id}/review", data={"action": "approve"}), perm="rental.handle"
    ),
    ("POST", "/api/v1/rental/me/leases"): Case(
        one("POST", "/api/v1/rental/me/leases", json=_LEASE_BODY), ok={422}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/leases"): Case(one("GET", "/api/v1/rental/me/leases"), scoping=None, perm="rental.sign"),
    ("GET", "/api/v1/rental/me/leases/{lease_id}"): Case(
        one("GET", _NO_LEASE), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/sign"): Case(
        one("POST", _NO_LEASE + "/sign"), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/file"): Case(
        one("POST", _NO_LEASE + "/file", headers={"Idempotency-Key": "matrix-key-0001"}),
        ok=_ABSENT,
        scoping=None,
        perm="rental.sign",
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/renew"): Case(
        one("POST", _NO_LEASE + "/renew", json={"end_on": "2031-12-31"}), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/amend"): Case(
        one("POST", _NO_LEASE + "/amend", json={"rent_fen": 310000}), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/terminate"): Case(
        one("POST", _NO_LEASE + "/terminate", json={"ended_on": "2030-06-30", "reason": "矩阵"}),
        ok=_ABSENT,
        scoping=None,
        perm="rental.sign",
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/cancel"): Case(
        one("POST", _NO_LEASE + "/cancel", json={"reason": "矩阵"}), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/leases/{lease_id}/contract.pdf"): Case(
        one("GET", _NO_LEASE + "/contract.pdf"), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/leases"): Case(one("GET", "/api/v1/rental/leases"), scoping=None, perm="rental.read"),
    ("GET", "/api/v1/rental/leases.csv"): Case(
        one("GET", "/api/v1/rental/leases.csv"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/leases/{lease_id}"): Case(
        one("GET", _NO_STAFF_LEASE), ok=_ABSENT, scoping=None, perm="rental.read"
    ),
    ("POST", "/api/v1/rental/leases/{lease_id}/cancel"): Case(
        one("POST", _NO_STAFF_LEASE + "/cancel", json={"reason": "矩阵"}),
        ok=_ABSENT,
        scoping=None,
        perm="rental.supervise",
    ),
    ("GET", "/api/v1/rental/public/filings/{filing_no}"): Case(
        one("GET", "/api/v1/rental/public/filings/BA0000000000"), ok=_ABSENT, scoping=None, perm="public"
    ),
    ("GET", "/rental/filings/{filing_no}"): Case(
        one("GET", "/rental/filings/BA0000000000"), ok=_ABSENT, scoping=None, perm="public"
    ),
    ("GET", "/api/v1/rental/me/party"): Case(
        one("GET", "/api/v1/rental/me/party"), ok={404}, scoping=None, perm="rental.party"
    ),
    ("POST", "/api/v1/rental/me/party"): Case(
        one("POST", "/api/v1/rental/me/party", **_EMPTY), ok={422}, scoping=None, perm="rental.party"
    ),
    ("PUT", "/api/v1/rental/me/party"): Case(
        one("PUT", "/api/v1/rental/me/party", **_EMPTY), ok={422}, scoping=None, perm="rental.party"
    ),
    ("GET", "/api/v1/rental/me/party/practitioners"): Case(
        one("GET", "/api/v1/rental/me/party/practitioners"), ok={404}, scoping=None, perm="rental.party"
    ),
    ("POST", "/api/v1/rental/me/party/practitioners"): Case(
        one("POST", "/api/v1/rental/me/party/practitioners", **_EMPTY), ok={422}, scoping=None, perm="rental.party"
    ),
    ("POST", "/api/v1/rental/me/party/practitioners/{practitioner_id}/left"): Case(
        one("POST", f"/api/v1/rental/me/party/practitioners/{_NO}/left", json={"left_on": "2026-06-30"}),
        ok={404},
        scoping=None,
        perm="rental.party",
    ),
    ("POST", "/api/v1/rental/me/party/practitioners/{practitioner_id}/record"): Case(
        one("POST", f"/api/v1/rental/me/party/practitioners/{_NO}/record", **_EMPTY),
        ok={404, 422},
        scoping=None,
        perm="rental.party",
    ),
    ("GET", "/api/v1/rental/parties"): Case(one("GET", "/api/v1/rental/parties"), scoping=None, perm="rental.read"),
    ("GET", "/api/v1/rental/parties.csv"): Case(
        one("GET", "/api/v1/rental/parties.csv"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/parties/{party_id}"): Case(
        one("GET", f"/api/v1/rental/parties/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/parties/{party_id}/practitioners"): Case(
        one("GET", f"/api/v1/rental/parties/{_NO}/practitioners"), ok={404}, scoping=None, perm="rental.read"
    ),
    **{
        ("POST", f"/api/v1/rental/parties/{{party_id}}/{action}"): Case(
            one("POST", f"/api/v1/rental/parties/{_NO}/{action}", **_SUPERVISE),
            ok={404},
            scoping=None,
            perm="rental.supervise",
        )
        for action in ("suspend", "reinstate", "revoke")
    },
    ("POST", "/api/v1/rental/entrustments"): Case(
        one("POST", "/api/v1/rental/entrustments", **_EMPTY), ok={422}, scoping=None, perm="rental.publish"
    ),
    ("GET", "/api/v1/rental/me/entrustments"): Case(
        one("GET", "/api/v1/rental/me/entrustments"), scoping=None, perm="rental.publish"
    ),
    ("POST", "/api/v1/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("POST", f"/api/v1/rental/entrustments/{_NO}/revoke"), ok={404}, scoping=None, perm="rental.publish"
    ),
    ("GET", "/api/v1/rental/flags"): Case(one("GET", "/api/v1/rental/flags"), scoping=None, perm="rental.read"),
    ("POST", "/api/v1/rental/flags"): Case(
        one("POST", "/api/v1/rental/flags", **_EMPTY), ok={422}, scoping=None, perm="rental.handle"
    ),
    ("POST", "/api/v1/rental/flags/{flag_id}/lift"): Case(
        one("POST", f"/api/v1/rental/flags/{_NO}/lift"), ok={404}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/rental/flags"): Case(one("GET", "/rental/flags"), scoping=None, perm="rental.read"),
    ("GET", "/rental/flags/new"): Case(one("GET", "/rental/flags/new"), scoping=None, perm="rental.handle"),
    ("POST", "/rental/flags/new"): Case(
        one("POST", "/rental/flags/new", data={}), ok={422}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/rental/flags/{flag_id}/lift"): Case(
        one("GET", f"/rental/flags/{_NO}/lift"), ok={404}, scoping=None, perm="rental.handle"
    ),
    ("POST", "/rental/flags/{flag_id}/lift"): Case(
        one("POST", f"/rental/flags/{_NO}/lift", data={}), ok={404}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/rental/me/party"): Case(one("GET", "/rental/me/party"), scoping=None, perm="rental.party"),
    ("POST", "/rental/me/party"): Case(
        one("POST", "/rental/me/party", data={}), ok={422}, scoping=None, perm="rental.party"
    ),
    ("POST", "/rental/me/party/practitioners"): Case(
        one("POST", "/rental/me/party/practitioners", data={}), ok={404, 422}, scoping=None, perm="rental.party"
    ),
    ("POST", "/rental/me/party/practitioners/{practitioner_id}/left"): Case(
        one("POST", f"/rental/me/party/practitioners/{_NO}/left", data={}),
        ok={404, 422},
        scoping=None,
        perm="rental.party",
    ),
    ("GET", "/rental/entrustments"): Case(one("GET", "/rental/entrustments"), scoping=None, perm="rental.publish"),
    ("POST", "/rental/entrustments"): Case(
        one("POST", "/rental/entrustments", data={}), ok={422}, scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("GET", f"/rental/entrustments/{_NO}/revoke"), ok={404}, scoping=None, perm="rental.publish"
    ),
    ("POST", "/rental/entrustments/{entrustment_id}/revoke"): Case(
        one("POST", f"/rental/entrustments/{_NO}/revoke", data={}), ok={404}, scoping=None, perm="rental.publish"
    ),
    ("GET", "/rental/parties"): Case(one("GET", "/rental/parties"), scoping=None, perm="rental.read"),
    ("GET", "/rental/parties/{party_id}"): Case(
        one("GET", f"/rental/parties/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("GET", "/rental/parties/{party_id}/confirm"): Case(
        one("GET", f"/rental/parties/{_NO}/confirm", params={"action": "suspend"}),
        ok={404, 422},
        scoping=None,
        perm="rental.supervise",
    ),
    ("POST", "/rental/parties/{party_id}/status"): Case(
        one("POST", f"/rental/parties/{_NO}/status", data={"action": "suspend", "reason": "矩阵检查"}),
        ok={404},
        scoping=None,
        perm="rental.supervise",
    ),
    # --- rental: complaints and inspections (投诉纠纷、检查执法) ------------------------------------------
    # Routing of complaints to streets and the credit events of inspections:
    # tests/integration/test_rental_governance.py.
    ("POST", "/api/v1/rental/me/complaints"): Case(
        one("POST", "/api/v1/rental/me/complaints", **_EMPTY), ok={422}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/complaints"): Case(
        one("GET", "/api/v1/rental/me/complaints"), scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/complaints/{complaint_id}"): Case(
        one("GET", f"/api/v1/rental/me/complaints/{_NO}"), ok={404}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/complaints"): Case(
        one("GET", "/api/v1/rental/complaints"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/complaints/{complaint_id}"): Case(
        one("GET", f"/api/v1/rental/complaints/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("POST", "/api/v1/rental/complaints/{complaint_id}/take"): Case(
        one("POST", f"/api/v1/rental/complaints/{_NO}/take", **_EMPTY),
        ok={404, 422},
        scoping=None,
        perm="rental.handle",
    ),
    ("POST", "/api/v1/rental/complaints/{complaint_id}/resolution"): Case(
        one("POST", f"/api/v1/rental/complaints/{_NO}/resolution", **_EMPTY),
        ok={404, 422},
        scoping=None,
        perm="rental.handle",
    ),
    ("POST", "/api/v1/rental/inspections"): Case(
        one("POST", "/api/v1/rental/inspections", **_EMPTY), ok={422}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/api/v1/rental/inspections"): Case(
        one("GET", "/api/v1/rental/inspections"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/inspections/{inspection_id}"): Case(
        one("GET", f"/api/v1/rental/inspections/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/me/leases/{lease_id}/escrow"): Case(
        one("GET", f"{_NO_LEASE}/escrow"), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("POST", "/api/v1/rental/me/leases/{lease_id}/escrow/payments"): Case(
        one("POST", f"{_NO_LEASE}/escrow/payments", **_EMPTY), ok={422}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/leases/{lease_id}/escrow/proofs"): Case(
        one("GET", f"{_NO_LEASE}/escrow/proofs"), ok=_ABSENT, scoping=None, perm="rental.sign"
    ),
    ("GET", "/api/v1/rental/me/escrow/accounts"): Case(
        one("GET", "/api/v1/rental/me/escrow/accounts"), scoping=None, perm="rental.party"
    ),
    ("GET", "/api/v1/rental/me/escrow/accounts/{account_id}/journals"): Case(
        one("GET", f"/api/v1/rental/me/escrow/accounts/{_NO}/journals"), ok=_ABSENT, scoping=None, perm="rental.party"
    ),
    ("GET", "/api/v1/rental/escrow/accounts"): Case(
        one("GET", "/api/v1/rental/escrow/accounts"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/escrow/reconciliation.csv"): Case(
        one("GET", "/api/v1/rental/escrow/reconciliation.csv"), scoping=None, perm="rental.read"
    ),
    ("GET", "/api/v1/rental/escrow/accounts/{account_id}"): Case(
        one("GET", _ACCT), ok=_ABSENT, scoping=None, perm="rental.read"
    ),
    **{
        ("GET", f"/api/v1/rental/escrow/accounts/{{account_id}}/{tail}"): Case(
            one("GET", f"{_ACCT}/{tail}"), ok=_ABSENT, scoping=None, perm="rental.read"
        )
        for tail in ("journals", "reconciliation", "bank-lines")
    },
    ("POST", "/api/v1/rental/escrow/accounts/{account_id}/bank-lines"): Case(
        one("POST", f"{_ACCT}/bank-lines", **_EMPTY), ok={422}, scoping=None, perm="rental.handle"
    ),
    ("POST", "/api/v1/rental/escrow/accounts/{account_id}/penalties"): Case(
        one("POST", f"{_ACCT}/penalties", **_EMPTY), ok={422}, scoping=None, perm="rental.supervise"
    ),
    # --- rental: complaint and inspection pages (投诉纠纷、检查执法页面) -----------------------------------
    # Routing, scoping by street/district, the confirmation steps and the forms:
    # tests/integration/test_rental_governance.py.
    ("GET", "/rental/complaints/new"): Case(one("GET", "/rental/complaints/new"), scoping=None, perm="rental.sign"),
    ("POST", "/rental/complaints"): Case(
        one("POST", "/rental/complaints", data={}), ok={422}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/rental/complaints/mine"): Case(one("GET", "/rental/complaints/mine"), scoping=None, perm="rental.sign"),
    ("GET", "/rental/complaints/mine/{complaint_id}"): Case(
        one("GET", f"/rental/complaints/mine/{_NO}"), ok={404}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/rental/complaints"): Case(one("GET", "/rental/complaints"), scoping=None, perm="rental.read"),
    ("GET", "/rental/complaints/{complaint_id}"): Case(
        one("GET", f"/rental/complaints/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("POST", "/rental/complaints/{complaint_id}/take"): Case(
        one("POST", f"/rental/complaints/{_NO}/take", data={}), ok={404}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/rental/complaints/{complaint_id}/resolve"): Case(
        one("GET", f"/rental/complaints/{_NO}/resolve", params={"outcome": "resolved"}),
        ok={404},
        scoping=None,
        perm="rental.handle",
    ),
    ("POST", "/rental/complaints/{complaint_id}/resolution"): Case(
        one("POST", f"/rental/complaints/{_NO}/resolution", data={"outcome": "resolved", "reply": "矩阵检查"}),
        ok={404},
        scoping=None,
        perm="rental.handle",
    ),
    ("GET", "/rental/inspections"): Case(one("GET", "/rental/inspections"), scoping=None, perm="rental.read"),
    ("GET", "/rental/inspections/new"): Case(one("GET", "/rental/inspections/new"), scoping=None, perm="rental.handle"),
    ("POST", "/rental/inspections"): Case(
        one("POST", "/rental/inspections", data={}), ok={422}, scoping=None, perm="rental.handle"
    ),
    ("GET", "/rental/inspections/{inspection_id}"): Case(
        one("GET", f"/rental/inspections/{_NO}"), ok={404}, scoping=None, perm="rental.read"
    ),
    ("GET", "/rental/me/leases"): Case(one("GET", "/rental/me/leases"), scoping=None, perm="rental.sign"),
    ("GET", "/rental/me/leases/new"): Case(one("GET", "/rental/me/leases/new"), scoping=None, perm="rental.sign"),
    ("POST", "/rental/me/leases/new"): Case(
        one("POST", "/rental/me/leases/new", data={}), ok={422}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/rental/me/leases/{lease_id}"): Case(one("GET", _MY_LEASE), ok={404}, scoping=None, perm="rental.sign"),
    ("POST", "/rental/me/leases/{lease_id}/sign"): Case(
        one("POST", f"{_MY_LEASE}/sign", data={}), ok={404}, scoping=None, perm="rental.sign"
    ),
    ("POST", "/rental/me/leases/{lease_id}/file"): Case(
        one("POST", f"{_MY_LEASE}/file", data={"idempotency_key": "matrix-key-0001"}),
        ok={404},
        scoping=None,
        perm="rental.sign",
    ),
    **{
        (method, f"/rental/me/leases/{{lease_id}}/{action}"): Case(
            one(method, f"{_MY_LEASE}/{action}", **({"data": {}} if method == "POST" else {})),
            ok={404},
            scoping=None,
            perm="rental.sign",
        )
        for action in ("terminate", "cancel", "amend", "renew")
        for method in ("GET", "POST")
    },
    ("POST", "/rental/me/leases/{lease_id}/escrow/payments"): Case(
        one("POST", f"{_MY_LEASE}/escrow/payments", data={}), ok={404}, scoping=None, perm="rental.sign"
    ),
    ("GET", "/rental/staff/leases"): Case(one("GET", "/rental/staff/leases"), scoping=None, perm="rental.read"),
    ("GET", "/rental/staff/leases/{lease_id}"): Case(
        one("GET", _STAFF_LEASE), ok={404}, scoping=None, perm="rental.read"
    ),
    ("GET", "/rental/staff/leases/{lease_id}/cancel"): Case(
        one("GET", f"{_STAFF_LEASE}/cancel"), ok={404}, scoping=None, perm="rental.supervise"
    ),
    ("POST", "/rental/staff/leases/{lease_id}/cancel"): Case(
        one("POST", f"{_STAFF_LEASE}/cancel", data={"reason": "矩阵检查"}),
        ok={404},
        scoping=None,
        perm="rental.supervise",
    ),
    ("GET", "/rental/me/escrow"): Case(one("GET", "/rental/me/escrow"), scoping=None, perm="rental.party"),
    ("GET", "/rental/escrow"): Case(one("GET", "/rental/escrow"), scoping=None, perm="rental.read"),
    ("GET", "/rental/escrow/{account_id}"): Case(one("GET", _ESCROW_ACCT), ok={404}, scoping=None, perm="rental.read"),
    ("POST", "/rental/escrow/{account_id}/bank-lines"): Case(
        one("POST", f"{_ESCROW_ACCT}/bank-lines", data={}), ok={404}, scoping=None, perm="rental.handle"
    ),
    ("POST", "/rental/escrow/{account_id}/penalties"): Case(
        one("POST", f"{_ESCROW_ACCT}/penalties", data={}), ok={404}, scoping=None, perm="rental.supervise"
    ),
}
