"""Authorisation-matrix cases of estate management, part "fund" (see cases_estates.py).

Policy-level cases: every route, every role. Requests name a due, contract or home that does not exist
(an allowed caller gets 404) or carry input the service refuses (422), so nothing is written; the
scoping of staff lists and an owner's homes (only the register's owner, verified identity) are tested
in tests/integration/test_estates_fund_pages.py.
"""

from __future__ import annotations

from tests.authz.support import Case, one

_NO = "999999999"
_ABSENT = {404}
_REFUSED = {422}
_BAD_CSV = {"file": ("x.csv", b"home,area\n1,2\n", "text/csv")}

CASES: dict[tuple[str, str], Case] = {
    ("GET", "/api/v1/property/fund/summary"): Case(
        one("GET", "/api/v1/property/fund/summary", params={"level": "street"}), scoping=None, perm="estates.read"
    ),
    ("GET", "/api/v1/property/fund/dues"): Case(
        one("GET", "/api/v1/property/fund/dues"), scoping=None, perm="estates.read"
    ),
    ("GET", "/api/v1/property/fund/dues/export"): Case(
        one("GET", "/api/v1/property/fund/dues/export"), scoping=None, perm="estates.read"
    ),
    ("GET", "/api/v1/property/fund/interest-runs"): Case(
        one("GET", "/api/v1/property/fund/interest-runs"), scoping=None, perm="estates.read"
    ),
    ("POST", "/api/v1/property/fund/dues/contract/{contract_id}"): Case(
        one("POST", f"/api/v1/property/fund/dues/contract/{_NO}"), ok=_ABSENT, scoping=None, perm="estates.fund"
    ),
    ("POST", "/api/v1/property/fund/dues/{due_id}/pay"): Case(
        one("POST", f"/api/v1/property/fund/dues/{_NO}/pay"), ok=_ABSENT, scoping=None, perm="estates.fund"
    ),
    ("POST", "/api/v1/property/fund/topups"): Case(
        one("POST", "/api/v1/property/fund/topups"), scoping=None, perm="estates.fund"
    ),
    ("POST", "/api/v1/property/fund/interest"): Case(
        one("POST", "/api/v1/property/fund/interest", json={"district_code": "999999", "year": 2020, "total_fen": 1}),
        ok=_ABSENT,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/api/v1/property/fund/import"): Case(
        one("POST", "/api/v1/property/fund/import", data={"batch": "authz"}, files=_BAD_CSV),
        ok=_REFUSED,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/api/v1/property/fund/dues/{due_id}/waive"): Case(
        one("POST", f"/api/v1/property/fund/dues/{_NO}/waive", json={"reason": "合同撤销"}),
        ok=_ABSENT,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/api/v1/property/fund/homes/{home_id}/refund"): Case(
        one("POST", f"/api/v1/property/fund/homes/{_NO}/refund"), ok=_ABSENT, scoping=None, perm="estates.fund"
    ),
    ("GET", "/api/v1/property/my-fund"): Case(one("GET", "/api/v1/property/my-fund"), scoping=None, perm="estates.own"),
    ("GET", "/api/v1/property/my-fund/{home_id}/movements"): Case(
        one("GET", f"/api/v1/property/my-fund/{_NO}/movements"), ok=_ABSENT, scoping=None, perm="estates.own"
    ),
    ("GET", "/api/v1/property/my-fund/{home_id}/statement"): Case(
        one("GET", f"/api/v1/property/my-fund/{_NO}/statement"), ok=_ABSENT, scoping=None, perm="estates.own"
    ),
    ("GET", "/property/fund"): Case(one("GET", "/property/fund"), scoping=None, perm="estates.read"),
    ("GET", "/property/fund/dues"): Case(one("GET", "/property/fund/dues"), scoping=None, perm="estates.read"),
    ("GET", "/property/fund/dues.csv"): Case(one("GET", "/property/fund/dues.csv"), scoping=None, perm="estates.read"),
    ("GET", "/property/fund/dues/{due_id}"): Case(
        one("GET", f"/property/fund/dues/{_NO}"), ok=_ABSENT, scoping=None, perm="estates.read"
    ),
    ("POST", "/property/fund/dues/{due_id}/pay"): Case(
        one("POST", f"/property/fund/dues/{_NO}/pay", data={"paid_on": "2026-01-05", "confirm": "yes"}),
        ok=_ABSENT,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/property/fund/dues/{due_id}/waive"): Case(
        one("POST", f"/property/fund/dues/{_NO}/waive", data={"reason": "合同撤销", "confirm": "yes"}),
        ok=_ABSENT,
        scoping=None,
        perm="estates.fund",
    ),
    ("GET", "/property/fund/refund"): Case(one("GET", "/property/fund/refund"), scoping=None, perm="estates.fund"),
    ("POST", "/property/fund/refund"): Case(
        one("POST", "/property/fund/refund", data={"home": _NO, "confirm": "yes"}),
        ok=_REFUSED,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/property/fund/interest"): Case(
        one("POST", "/property/fund/interest", data={"district_code": "999999", "year": "x", "total_yuan": "1"}),
        ok=_REFUSED,
        scoping=None,
        perm="estates.fund",
    ),
    ("POST", "/property/fund/import"): Case(
        one("POST", "/property/fund/import", data={"batch": "authz"}, files=_BAD_CSV),
        ok=_REFUSED,
        scoping=None,
        perm="estates.fund",
    ),
    ("GET", "/property/my-fund"): Case(one("GET", "/property/my-fund"), scoping=None, perm="estates.own"),
    ("GET", "/property/my-fund/{home_id}/statement.{fmt}"): Case(
        one("GET", f"/property/my-fund/{_NO}/statement.json"), ok=_ABSENT, scoping=None, perm="estates.own"
    ),
}
