"""Authorisation-matrix cases of data exchange (feeds, outbox, catalogue, open data)."""

from __future__ import annotations

from tests.authz.support import Case, one

CASES: dict[tuple[str, str], Case] = {
    # --- the data catalogue and open data: public (what each caller sees is tested in test_exchange_catalogue)
    ("GET", "/api/v1/exchange/catalogue"): Case(
        one("GET", "/api/v1/exchange/catalogue"), scoping=None, perm="public"
    ),
    ("GET", "/catalogue"): Case(one("GET", "/catalogue"), scoping=None, perm="public"),
    ("GET", "/catalogue/{dataset_id}"): Case(
        one("GET", "/catalogue/rental.leases_by_month"), scoping=None, perm="public"
    ),
    ("GET", "/open-data"): Case(one("GET", "/open-data"), scoping=None, perm="public"),
    ("GET", "/open-data/{dataset_id}.csv"): Case(
        one("GET", "/open-data/registry.homes_by_street.csv"), scoping=None, perm="public"
    ),
    ("GET", "/open-data/{dataset_id}.json"): Case(
        one("GET", "/open-data/rental.leases_by_month.json"), scoping=None, perm="public"
    ),
    # --- retention (exchange.govern): the page, a dry run started as a job, a run that does not exist
    ("GET", "/exchange/retention"): Case(one("GET", "/exchange/retention"), scoping=None, perm="exchange.govern"),
    ("POST", "/exchange/retention"): Case(
        one("POST", "/exchange/retention", data={"mode": "dry_run"}), ok={303}, scoping=None, perm="exchange.govern"
    ),
    ("GET", "/exchange/retention/runs/{run_id}"): Case(
        one("GET", "/exchange/retention/runs/999999"), ok={404}, scoping=None, perm="exchange.govern"
    ),
}
