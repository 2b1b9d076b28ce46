"""Self-registration answers alike whether it opened an account or the username or identity number
already had one, so an anonymous caller cannot learn which usernames and identity numbers have accounts."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from stdnum.cn import ric

from anju.app import create_app
from anju.security import accounts, audit_log
from tests.accounts import CITIZEN_ID, PASSWORD, account_id


@pytest.fixture
def client(city_engine, settings_for):
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False) as c:
        yield c
    app.state.engine.dispose()


def resident_id(serial: int) -> str:
    body = f"32010219900307{serial:03d}"
    return body + ric.calc_check_digit(body + "0")


def person(n: int, **changes: str) -> dict[str, str]:
    return {
        "username": f"newcomer{n}",
        "password": PASSWORD,
        "name": "新市民",
        "id_number": resident_id(n),
        "phone": f"1391234{n:04d}",
    } | changes


def count_accounts(engine) -> int:
    with engine.connect() as c:
        return int(c.execute(select(func.count()).select_from(accounts)).scalar_one())


def refused_registrations(engine) -> list[dict[str, object]]:
    with engine.connect() as c:
        q = select(audit_log).where(audit_log.c.action == "auth.register").order_by(audit_log.c.id)
        return [dict(r) for r in c.execute(q).mappings()]


def test_a_taken_username_or_identity_number_gets_the_answer_of_a_fresh_registration(client, city_engine):
    fresh = client.post("/api/v1/auth/register", json=person(1))
    assert fresh.status_code == 202, fresh.text
    before = count_accounts(city_engine)
    taken_name = client.post("/api/v1/auth/register", json=person(2, username="citizen"))
    taken_id = client.post("/api/v1/auth/register", json=person(3, id_number=CITIZEN_ID))
    taken_both = client.post("/api/v1/auth/register", json=person(1))  # the same registration again
    for r in (taken_name, taken_id, taken_both):
        assert (r.status_code, r.json()) == (fresh.status_code, fresh.json())
        assert r.headers["content-type"] == fresh.headers["content-type"]
    assert count_accounts(city_engine) == before  # nothing created
    # The holders' accounts are untouched and the newcomer's one works.
    for username in ("citizen", "newcomer1"):
        r = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200
    assert client.post("/api/v1/auth/token", json={"username": "newcomer3", "password": PASSWORD}).status_code == 401
    # Each refused attempt is audited against the account that holds the username or number.
    refused = [(r["entity_id"], r["reason"]) for r in refused_registrations(city_engine) if r["outcome"] == "denied"]
    citizen, newcomer = str(account_id(city_engine, "citizen")), str(account_id(city_engine, "newcomer1"))
    assert refused == [(citizen, "username taken"), (citizen, "id_number taken"), (newcomer, "username taken")]
    assert "citizen" not in fresh.text and CITIZEN_ID not in taken_id.text


def test_the_registration_page_answers_alike_too(client, city_engine):
    def post(data: dict[str, str]):
        form = client.get("/register")
        csrf = re.findall(r'name="csrf_token" value="([^"]+)"', form.text)[0]
        r = client.post("/register", data=data | {"csrf_token": csrf})
        return r.status_code, re.sub(r'value="[^"]{20,}"', 'value="…"', r.text)  # the forms' CSRF tokens

    fresh = post(person(4))
    before = count_accounts(city_engine)
    assert fresh[0] == 200 and "注册申请已受理" in fresh[1]
    assert post(person(5, username="citizen")) == fresh
    assert post(person(6, id_number=CITIZEN_ID)) == fresh
    assert count_accounts(city_engine) == before


def test_bad_input_is_still_refused_naming_the_field(client):
    r = client.post("/api/v1/auth/register", json=person(7, phone="12345"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "phone"
    r = client.post("/api/v1/auth/register", json=person(8, password="Password1!"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "password"
