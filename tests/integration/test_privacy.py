"""No personal data in logs or in the database in plain text.

Drives the application through its flows that handle personal values — registration, sign-in,
look-up by identity number, masked lists and pages, the audited reveal, failures that echo input —
with recognisable values, logging everything at DEBUG (the HTTP server's access log included), then
scans the captured log output and every stored value (and, on SQLite, the raw database files) for
those values in plain text. Any hit fails.
"""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
from sqlalchemy import inspect, select

from tests.accounts import CITIZEN_ID, CITIZEN_NAME, CITIZEN_PHONE, PASSWORD, api_token

NEW_ID = "320106198506151231"
NEW_PHONE = "13687654321"
NEW_NAME = "欧阳清扬"
BAD_ID = "320106198506151232"  # wrong check digit: the error must not echo it
SECRETS = [CITIZEN_ID, CITIZEN_PHONE, CITIZEN_NAME, NEW_ID, NEW_PHONE, NEW_NAME, BAD_ID, PASSWORD]


def _drive(base: str, engine) -> None:
    admin = {"authorization": f"Bearer {api_token(engine, 'admin')}"}
    with httpx.Client(base_url=base, timeout=30) as c:
        bad = c.post(
            "/api/v1/auth/register",
            json={
                "username": "qingyang",
                "password": PASSWORD,
                "name": NEW_NAME,
                "id_number": BAD_ID,
                "phone": NEW_PHONE,
            },
        )
        assert bad.status_code == 422 and BAD_ID not in bad.text
        r = c.post(
            "/api/v1/auth/register",
            json={
                "username": "qingyang",
                "password": PASSWORD,
                "name": NEW_NAME,
                "id_number": NEW_ID,
                "phone": NEW_PHONE,
            },
        )
        assert r.status_code == 202, r.text
        assert c.post("/api/v1/auth/token", json={"username": "qingyang", "password": PASSWORD}).status_code == 200
        assert c.post("/api/v1/auth/token", json={"username": "qingyang", "password": NEW_ID}).status_code == 401
        assert c.post("/api/v1/auth/token", json={"username": NEW_PHONE, "password": PASSWORD}).status_code == 401
        found = c.post("/api/v1/accounts/lookup", headers=admin, json={"id_number": CITIZEN_ID}).json()
        assert len(found) == 1 and CITIZEN_ID not in str(found)
        new_id = c.post("/api/v1/accounts/lookup", headers=admin, json={"phone": NEW_PHONE}).json()[0]["id"]
        listing = c.get("/api/v1/accounts", headers=admin, params={"page_size": 100})
        assert listing.status_code == 200 and not any(s in listing.text for s in SECRETS)
        page = c.get("/admin/accounts", headers={**admin, "accept": "text/html"})
        assert page.status_code == 200 and not any(s in page.text for s in SECRETS)
        shown = c.post(
            f"/api/v1/accounts/{new_id}/reveal",
            headers=admin,
            json={"fields": ["name", "id_number", "phone"], "reason": "隐私扫描测试"},
        )
        assert shown.json() == {"name": NEW_NAME, "id_number": NEW_ID, "phone": NEW_PHONE}
        # A query string is logged by the access log unless redacted: put a personal value in one.
        city = {"authorization": f"Bearer {api_token(engine, 'city')}"}
        assert c.get("/api/v1/search", headers=city, params={"q": CITIZEN_PHONE}).status_code == 200
        assert c.get("/search", headers={**city, "accept": "text/html"}, params={"q": NEW_ID}).status_code == 200


def test_no_personal_values_in_logs_or_in_the_database(city_engine, settings_for, caplog, tmp_path):
    import threading
    import time

    import uvicorn

    from anju.app import create_app

    app = create_app(settings_for(city_engine, sql_echo=True))
    caplog.set_level(logging.DEBUG)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="debug", access_log=True, log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 15
    while not server.started and time.time() < deadline:
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        _drive(f"http://127.0.0.1:{port}", city_engine)
    finally:
        server.should_exit = True
        thread.join(10)
        app.state.engine.dispose()

    # The test's own HTTP client (httpx/httpcore) logs the URLs it calls; it is not the platform.
    records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(r.getMessage() for r in records)
    assert "GET /api/v1/search" in logged, "the access log was not captured: the scan would prove nothing"
    assert "INSERT INTO accounts" in logged, "SQL was not captured: the scan would prove nothing"
    leaks = [s for s in SECRETS if s in logged]
    assert leaks == [], f"personal values in the log: {leaks} {_debug_where(records, leaks)}"

    from sqlalchemy import MetaData, Table

    stored = []
    with city_engine.connect() as c:
        for table in inspect(c).get_table_names():
            if table.startswith(("buildings_fts", "alembic")):
                continue
            t = Table(table, MetaData(), autoload_with=c)
            for row in c.execute(select(t)):
                for v in row:
                    stored.append(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v))
    dump = "\n".join(stored)
    assert "qingyang" in dump, "the new account was not stored: the scan would prove nothing"
    leaks = [s for s in SECRETS if s in dump or s.encode().decode("latin-1") in dump]
    assert leaks == [], f"personal values stored in plain text: {leaks}"

    if city_engine.dialect.name == "sqlite":
        db = Path(city_engine.url.database or "")
        raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
        leaks = [s for s in SECRETS if s.encode("utf-8") in raw]
        assert leaks == [], f"personal values in the database file: {leaks}"


def _debug_where(records, secrets):
    """Where the leaked values were logged (for the failure message)."""
    return [(r.name, r.getMessage()[:200]) for r in records if any(s in r.getMessage() for s in secrets)]
