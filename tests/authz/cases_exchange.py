"""Authorisation-matrix cases of data exchange (feeds, outbox, catalogue, open data)."""

from __future__ import annotations

from tests.authz.support import Case, one

# --- exchange: feeds in (数据接入) -------------------------------------------------------------------
# Policy-level cases: every route, every role. Requests name a dataset no context declares, a batch or
# a dead letter that does not exist (an allowed caller gets 404). The flows (delivery, dead letters,
# replay, discard, quality) are tested in tests/integration/test_exchange_intake.py and
# tests/integration/test_exchange_pages.py.

_API = "/api/v1/exchange"
_NO_FEED = "no_such.feed"
_NO = "999999"
_ABSENT = {404}

# --- exchange: events out (数据推送) ---------------------------------------------------------------
# Policy-level cases: every route, every role. Requests name a subscriber that does not exist (an
# allowed caller gets 404) or carry an empty form (422). The flows (secret shown once, pause, rotate,
# retry) are tested in tests/integration/test_exchange_outbox_pages.py.

_NO_SUB = "/exchange/subscribers/999999"

CASES: dict[tuple[str, str], Case] = {
    ("GET", f"{_API}/feeds"): Case(one("GET", f"{_API}/feeds"), scoping=None, perm="exchange.read"),
    ("GET", f"{_API}/feeds/{{dataset}}/batches"): Case(
        one("GET", f"{_API}/feeds/{_NO_FEED}/batches"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", f"{_API}/feeds/{{dataset}}/batches"): Case(
        one("POST", f"{_API}/feeds/{_NO_FEED}/batches", json=[]), ok=_ABSENT, scoping=None, perm="exchange.feed"
    ),
    # a department's system: only a client token with the scope <dataset>:write (an empty batch is a batch)
    ("POST", f"{_API}/client/feeds/{{dataset}}/batches"): Case(
        one("POST", f"{_API}/client/feeds/registry.restrictions/batches", json=[]),
        ok={201},
        scoping=None,
        perm="client.write",
    ),
    ("GET", f"{_API}/batches/{{batch_id}}"): Case(
        one("GET", f"{_API}/batches/{_NO}"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", f"{_API}/batches/{{batch_id}}/replay"): Case(
        one("POST", f"{_API}/batches/{_NO}/replay"), ok=_ABSENT, scoping=None, perm="exchange.replay"
    ),
    ("GET", f"{_API}/dead-letters"): Case(one("GET", f"{_API}/dead-letters"), scoping=None, perm="exchange.read"),
    ("GET", f"{_API}/dead-letters/{{letter_id}}"): Case(
        one("GET", f"{_API}/dead-letters/{_NO}"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", f"{_API}/dead-letters/{{letter_id}}/replay"): Case(
        one("POST", f"{_API}/dead-letters/{_NO}/replay", json={"fields": {}}),
        ok=_ABSENT,
        scoping=None,
        perm="exchange.replay",
    ),
    ("POST", f"{_API}/dead-letters/{{letter_id}}/discard"): Case(
        one("POST", f"{_API}/dead-letters/{_NO}/discard", json={"reason": "矩阵检查"}),
        ok=_ABSENT,
        scoping=None,
        perm="exchange.replay",
    ),
    ("GET", "/exchange/feeds"): Case(one("GET", "/exchange/feeds"), scoping=None, perm="exchange.read"),
    ("GET", "/exchange/feeds/{dataset}"): Case(
        one("GET", f"/exchange/feeds/{_NO_FEED}"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", "/exchange/feeds/{dataset}/upload"): Case(
        one("POST", f"/exchange/feeds/{_NO_FEED}/upload", files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")}),
        ok=_ABSENT,
        scoping=None,
        perm="exchange.feed",
    ),
    ("GET", "/exchange/batches/{batch_id}"): Case(
        one("GET", f"/exchange/batches/{_NO}"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", "/exchange/batches/{batch_id}/replay"): Case(
        one("POST", f"/exchange/batches/{_NO}/replay"), ok=_ABSENT, scoping=None, perm="exchange.replay"
    ),
    ("GET", "/exchange/dead-letters/{letter_id}"): Case(
        one("GET", f"/exchange/dead-letters/{_NO}"), ok=_ABSENT, scoping=None, perm="exchange.read"
    ),
    ("POST", "/exchange/dead-letters/{letter_id}/replay"): Case(
        one("POST", f"/exchange/dead-letters/{_NO}/replay", data={"f_name": "x"}),
        ok=_ABSENT,
        scoping=None,
        perm="exchange.replay",
    ),
    ("POST", "/exchange/dead-letters/{letter_id}/discard"): Case(
        one("POST", f"/exchange/dead-letters/{_NO}/discard", data={"reason": "矩阵检查"}),
        ok=_ABSENT,
        scoping=None,
        perm="exchange.replay",
    ),
    # --- the data catalogue and open data: public (what each caller sees is tested in test_exchange_catalogue)
    ("GET", "/api/v1/exchange/catalogue"): Case(one("GET", "/api/v1/exchange/catalogue"), scoping=None, perm="public"),
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
    ("GET", "/exchange/subscribers"): Case(one("GET", "/exchange/subscribers"), scoping=None, perm="exchange.read"),
    ("GET", "/exchange/subscribers/new"): Case(
        one("GET", "/exchange/subscribers/new"), scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/new"): Case(
        one("POST", "/exchange/subscribers/new", data={}), ok={422}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/subscribers/{sid}"): Case(one("GET", _NO_SUB), ok={404}, scoping=None, perm="exchange.read"),
    ("POST", "/exchange/subscribers/{sid}/topics"): Case(
        one("POST", f"{_NO_SUB}/topics", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/status"): Case(
        one("POST", f"{_NO_SUB}/status", data={"status": "paused"}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/retry"): Case(
        one("POST", f"{_NO_SUB}/retry", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/subscribers/{sid}/rotate"): Case(
        one("GET", f"{_NO_SUB}/rotate"), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("POST", "/exchange/subscribers/{sid}/rotate"): Case(
        one("POST", f"{_NO_SUB}/rotate", data={}), ok={404}, scoping=None, perm="exchange.subscribe"
    ),
    ("GET", "/exchange/events"): Case(one("GET", "/exchange/events"), scoping=None, perm="exchange.read"),
}
