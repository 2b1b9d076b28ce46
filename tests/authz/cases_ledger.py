"""Authorisation-matrix cases of the verifiable log."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    # --- API: the verifiable log (heads and proofs are published; entries are not) -------------
    ("GET", "/api/v1/ledger/logs"): Case(one("GET", "/api/v1/ledger/logs"), scoping=None, perm="public"),
    ("GET", "/ledger"): Case(one("GET", "/ledger"), scoping=None, perm="public"),
    ("GET", "/api/v1/ledger/{log}/head"): Case(
        one("GET", "/api/v1/ledger/audit_test/head"), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/ledger/{log}/proofs/inclusion"): Case(
        one("GET", "/api/v1/ledger/audit_test/proofs/inclusion", params={"index": 1}), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/ledger/{log}/proofs/consistency"): Case(
        one("GET", "/api/v1/ledger/audit_test/proofs/consistency", params={"old_size": 1}), scoping=None, perm="public"
    ),
    ("GET", "/api/v1/ledger/{log}/entries/{index}"): Case(
        one("GET", "/api/v1/ledger/audit_test/entries/2"), scoping=None, perm="ledger.read"
    ),
}
