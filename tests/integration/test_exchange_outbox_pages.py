"""数据推送 pages (docs/exchange.md "Events out"): a city officer creates a subscriber (the secret
shown once and stored encrypted), changes its topics, pauses and resumes it, rotates the secret,
retries parked deliveries; the auditor reads but cannot change; the event log pages. Both databases."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select, update

from anju import exchange
from anju.app import create_app
from anju.exchange.tables import exchange_deliveries, exchange_subscribers
from anju.security import audit_log, keyring_from_settings
from tests.integration.test_rental_pages import Pages

TOPIC = "rental.lease_filed"


@pytest.fixture
def pages(city_engine: Engine, settings_for: Any) -> Iterator[Pages]:
    app = create_app(settings_for(city_engine))
    with TestClient(app, follow_redirects=False, headers={"accept": "text/html"}) as client:
        yield Pages(client, city_engine)
    app.state.engine.dispose()


def _sub(engine: Engine, name: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(select(exchange_subscribers).where(exchange_subscribers.c.name == name)).one()


def test_a_city_officer_manages_a_subscriber_and_sees_its_delivery_status(
    pages: Pages, city_engine: Engine, settings_for: Any
) -> None:
    p = pages.as_("city")
    assert "还没有订阅" in p.get("/exchange/subscribers").text
    form = p.get("/exchange/subscribers/new").text
    assert TOPIC in form and "transactions.contract_filed" in form
    bad = p.post(
        "/exchange/subscribers/new", {"name": "", "department": "市公安局", "kind": "webhook", "url": "ftp://x"}
    )
    assert bad.status_code == 422
    assert "请填写订阅名称" in bad.text and "http(s)://" in bad.text and "至少选择一个事件主题" in bad.text
    ok = p.post(
        "/exchange/subscribers/new",
        {"name": "公安居住登记", "department": "市公安局", "kind": "webhook", "url": "http://127.0.0.1:9/hook",
         "topic": [TOPIC, "rental.lease_ended"], "personal": "1"},
    )  # fmt: skip
    assert ok.status_code == 200 and "只显示这一次" in ok.text
    secret = re.search(r'id="secret">([0-9a-f]{64})<', ok.text)
    assert secret is not None
    row = _sub(city_engine, "公安居住登记")
    kr = keyring_from_settings(settings_for(city_engine))
    assert kr.decrypt(row.secret_enc, "exchange_subscribers.secret") == secret.group(1)
    assert secret.group(1).encode() not in bytes(row.secret_enc)
    detail = p.get(f"/exchange/subscribers/{row.id}").text
    assert "市公安局" in detail and secret.group(1) not in detail  # never shown again

    assert p.post(f"/exchange/subscribers/{row.id}/topics", {"topic": ["nope.topic"]}).status_code == 422
    r = p.post(f"/exchange/subscribers/{row.id}/topics", {"topic": [TOPIC]})
    assert r.status_code == 303 and _sub(city_engine, "公安居住登记").topics == f'["{TOPIC}"]'
    assert _sub(city_engine, "公安居住登记").personal is False or not _sub(city_engine, "公安居住登记").personal
    assert p.post(f"/exchange/subscribers/{row.id}/status", {"status": "paused"}).status_code == 303
    assert _sub(city_engine, "公安居住登记").status == "paused"
    assert "已暂停" in p.get("/exchange/subscribers").text
    assert p.post(f"/exchange/subscribers/{row.id}/status", {"status": "active"}).status_code == 303

    confirm = p.get(f"/exchange/subscribers/{row.id}/rotate").text
    assert "立即停用" in confirm
    rotated = p.post(f"/exchange/subscribers/{row.id}/rotate")
    new = re.search(r'id="secret">([0-9a-f]{64})<', rotated.text)
    assert new is not None and new.group(1) != secret.group(1)

    # a parked delivery shows with its error and is retried now
    with city_engine.begin() as conn:
        event_id = exchange.emit(conn, TOPIC, "lease:1", {"lease_id": 1})
        conn.execute(
            update(exchange_deliveries)
            .where(exchange_deliveries.c.event_id == event_id)
            .values(state="parked", attempts=10, last_error="HTTP 503: 维护中")
        )
    detail = p.get(f"/exchange/subscribers/{row.id}").text
    assert "已搁置" in detail and "HTTP 503: 维护中" in detail
    assert p.post(f"/exchange/subscribers/{row.id}/retry").status_code == 303
    with city_engine.connect() as conn:
        d = conn.execute(select(exchange_deliveries).where(exchange_deliveries.c.event_id == event_id)).one()
    assert (d.state, d.attempts) == ("pending", 0)
    events = p.get("/exchange/events", params={"topic": TOPIC}).text
    assert "lease:1" in events and "租赁合同备案" in events
    with city_engine.connect() as conn:
        actions = [a for (a,) in conn.execute(select(audit_log.c.action).where(audit_log.c.action.like("exchange.%")))]
    assert sorted(set(actions)) == sorted(
        {"exchange.subscriber_create", "exchange.subscriber_topics", "exchange.subscriber_pause",
         "exchange.subscriber_resume", "exchange.subscriber_rotate", "exchange.delivery_retry"}
    )  # fmt: skip


def test_the_auditor_reads_but_cannot_change(pages: Pages) -> None:
    p = pages.as_("auditor")
    page = p.get("/exchange/subscribers")
    assert page.status_code == 200 and "/exchange/subscribers/new" not in page.text
    assert p.get("/exchange/events").status_code == 200
    assert p.get("/exchange/subscribers/new").status_code == 403
