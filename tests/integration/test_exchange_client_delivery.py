"""A department's system delivers a feed's batch with its client token (issue 19): the same intake as
staff uploads, the batch names the client, and a token without ``<dataset>:write`` is refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from anju.app import create_app
from anju.exchange.tables import feed_batches, feed_dead_letters
from tests.integration.test_department_clients import bearer, get_token, make_client

URL = "/api/v1/exchange/client/feeds/registry.restrictions/batches"


@pytest.fixture
def env(city_engine, settings_for):
    settings = settings_for(city_engine)
    app = create_app(settings)
    with TestClient(app, follow_redirects=False) as c:
        yield c, city_engine, settings
    app.state.engine.dispose()


def test_a_client_with_the_write_scope_delivers_a_batch_that_names_it(env) -> None:
    c, engine, settings = env
    issued = make_client(engine, settings, scopes=("registry.restrictions:write",))
    token = get_token(c, issued).json()["access_token"]
    # one record with no fields at all: checked like any other, rejected into the dead-letter list
    r = c.post(URL, json=[{"record_id": "R-1"}], headers=bearer(token, "查封信息报送"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["received"], body["accepted"], body["rejected"]) == (1, 0, 1)
    with engine.connect() as conn:
        batch = conn.execute(select(feed_batches).where(feed_batches.c.id == body["batch_id"])).mappings().one()
        letters = conn.execute(
            select(func.count()).select_from(feed_dead_letters).where(feed_dead_letters.c.batch_id == batch["id"])
        ).scalar_one()
    assert batch["channel"] == "api"
    assert issued.client_id in batch["delivered_by"] and "公安" in batch["delivered_by"]
    assert letters == 1


def test_a_client_without_the_write_scope_is_refused_and_nothing_is_received(env) -> None:
    c, engine, settings = env
    issued = make_client(engine, settings, scopes=("registry.restrictions:read",))
    token = get_token(c, issued).json()["access_token"]
    r = c.post(URL, json=[{"record_id": "R-1"}], headers=bearer(token))
    assert r.status_code == 403
    assert c.post(URL, json=[], headers={"x-purpose": "x"}).status_code == 401
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(feed_batches)).scalar_one() == 0
