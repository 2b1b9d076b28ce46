"""Authorisation-matrix cases of estate management, part "services" (see cases_estates.py).

Policy-level cases: every route, every role. Requests name a company, project or tender that does not
exist (an allowed caller gets 404) or send an empty body (422 after the policy). The scoping of
officers (a street clerk sees only the companies, projects and tenders of the streets in scope) is
tested in tests/integration/test_estates_services.py."""

from __future__ import annotations

from tests.authz.support import Case, one

API = "/api/v1/property"
NO = "999999"
ABSENT = {404, 422}

CASES: dict[tuple[str, str], Case] = {
    # companies
    ("GET", f"{API}/companies"): Case(one("GET", f"{API}/companies"), scoping=None, perm="estates.read"),
    ("GET", f"{API}/companies.csv"): Case(one("GET", f"{API}/companies.csv"), scoping=None, perm="estates.read"),
    ("POST", f"{API}/companies"): Case(
        one("POST", f"{API}/companies", json={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", f"{API}/companies/{{company_id}}"): Case(
        one("GET", f"{API}/companies/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", f"{API}/companies/{{company_id}}/status"): Case(
        one("POST", f"{API}/companies/{NO}/status", json={"action": "suspend", "reason": "矩阵"}),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    # the company's own staff (the matrix's agency works for no filed company)
    ("GET", f"{API}/me/company"): Case(one("GET", f"{API}/me/company"), ok={404}, scoping=None, perm="estates.company"),
    ("GET", f"{API}/me/tenders"): Case(one("GET", f"{API}/me/tenders"), scoping=None, perm="estates.company"),
    ("POST", f"{API}/me/tenders/{{tender_id}}/bids"): Case(
        one("POST", f"{API}/me/tenders/{NO}/bids", json={"fee_fen_per_m2": 100}),
        ok=ABSENT,
        scoping=None,
        perm="estates.company",
    ),
    # projects and handovers
    ("GET", f"{API}/projects"): Case(one("GET", f"{API}/projects"), scoping=None, perm="estates.read"),
    ("GET", f"{API}/projects.csv"): Case(one("GET", f"{API}/projects.csv"), scoping=None, perm="estates.read"),
    ("POST", f"{API}/projects"): Case(
        one("POST", f"{API}/projects", json={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", f"{API}/projects/{{project_id}}"): Case(
        one("GET", f"{API}/projects/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", f"{API}/projects/{{project_id}}/end"): Case(
        one("POST", f"{API}/projects/{NO}/end", json={"action": "end", "ended_on": "2026-01-01", "reason": "矩阵"}),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    ("POST", f"{API}/projects/{{project_id}}/handovers"): Case(
        one(
            "POST",
            f"{API}/projects/{NO}/handovers",
            json={"inspected_on": "2026-01-01", "items_checked": 1, "defects": 0, "result": "accepted"},
        ),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    # tenders
    ("GET", f"{API}/tenders"): Case(one("GET", f"{API}/tenders"), scoping=None, perm="estates.read"),
    ("POST", f"{API}/tenders"): Case(
        one("POST", f"{API}/tenders", json={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", f"{API}/tenders/{{tender_id}}"): Case(
        one("GET", f"{API}/tenders/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", f"{API}/tenders/{{tender_id}}/bids"): Case(
        one("POST", f"{API}/tenders/{NO}/bids", json={"company_id": 1, "fee_fen_per_m2": 100}),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    ("POST", f"{API}/tenders/{{tender_id}}/close"): Case(
        one("POST", f"{API}/tenders/{NO}/close"), ok={404}, scoping=None, perm="estates.supervise"
    ),
    ("POST", f"{API}/tenders/{{tender_id}}/scores"): Case(
        one("POST", f"{API}/tenders/{NO}/scores", json={"technical": {}}),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    ("POST", f"{API}/tenders/{{tender_id}}/cancel"): Case(
        one("POST", f"{API}/tenders/{NO}/cancel"), ok={404}, scoping=None, perm="estates.supervise"
    ),
    ("POST", f"{API}/tenders/{{tender_id}}/award"): Case(
        one("POST", f"{API}/tenders/{NO}/award"), ok={404}, scoping=None, perm="estates.supervise"
    ),
    # coverage
    ("GET", f"{API}/coverage"): Case(one("GET", f"{API}/coverage"), scoping=None, perm="estates.read"),
    ("GET", f"{API}/coverage.csv"): Case(one("GET", f"{API}/coverage.csv"), scoping=None, perm="estates.read"),
    ("GET", f"{API}/coverage.xlsx"): Case(one("GET", f"{API}/coverage.xlsx"), scoping=None, perm="estates.read"),
    # pages
    ("GET", "/property/companies"): Case(one("GET", "/property/companies"), scoping=None, perm="estates.read"),
    ("POST", "/property/companies"): Case(
        one("POST", "/property/companies", data={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", "/property/companies/{company_id}"): Case(
        one("GET", f"/property/companies/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", "/property/companies/{company_id}/status"): Case(
        one("POST", f"/property/companies/{NO}/status", data={"action": "suspend", "reason": "矩阵"}),
        ok={404},
        scoping=None,
        perm="estates.supervise",
    ),
    ("GET", "/property/projects"): Case(one("GET", "/property/projects"), scoping=None, perm="estates.read"),
    ("GET", "/property/projects/new"): Case(
        one("GET", "/property/projects/new"), scoping=None, perm="estates.supervise"
    ),
    ("POST", "/property/projects/new"): Case(
        one("POST", "/property/projects/new", data={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", "/property/projects/{project_id}"): Case(
        one("GET", f"/property/projects/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", "/property/projects/{project_id}/handovers"): Case(
        one("POST", f"/property/projects/{NO}/handovers", data={}), ok=ABSENT, scoping=None, perm="estates.supervise"
    ),
    ("POST", "/property/projects/{project_id}/end"): Case(
        one("POST", f"/property/projects/{NO}/end", data={}), ok=ABSENT, scoping=None, perm="estates.supervise"
    ),
    ("GET", "/property/tenders"): Case(one("GET", "/property/tenders"), scoping=None, perm="estates.read"),
    ("POST", "/property/tenders"): Case(
        one("POST", "/property/tenders", data={}), ok={422}, scoping=None, perm="estates.supervise"
    ),
    ("GET", "/property/tenders/{tender_id}"): Case(
        one("GET", f"/property/tenders/{NO}"), ok={404}, scoping=None, perm="estates.read"
    ),
    ("POST", "/property/tenders/{tender_id}/{step}"): Case(
        one("POST", f"/property/tenders/{NO}/close", data={}), ok={404}, scoping=None, perm="estates.supervise"
    ),
    ("GET", "/property/me/company"): Case(one("GET", "/property/me/company"), scoping=None, perm="estates.company"),
    ("POST", "/property/me/tenders/{tender_id}/bids"): Case(
        one("POST", f"/property/me/tenders/{NO}/bids", data={"fee_yuan": "1.00"}),
        ok={404, 422},
        scoping=None,
        perm="estates.company",
    ),
    ("GET", "/property/coverage"): Case(one("GET", "/property/coverage"), scoping=None, perm="estates.read"),
}
