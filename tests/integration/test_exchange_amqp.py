"""The outbox's AMQP publisher against the real broker (RabbitMQ on 127.0.0.1:5672, or
``ANJU_TEST_AMQP_URL``): published with publisher confirms, persistent, the event id as message id,
signed, in order per key; an unroutable message is a failed attempt, not a loss. An unreachable
broker FAILS these tests (like PostgreSQL), it does not skip them. Without a broker configured,
``amqp`` subscribers wait and webhooks still work."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pika
import pika.exceptions
import pytest
from sqlalchemy import Engine, select

from anju import exchange
from anju.exchange import delivery, subscribers
from anju.exchange.tables import exchange_deliveries
from anju.security import keyring_from_settings
from tests.exchange_support import consumer_server

AMQP_URL = os.environ.get("ANJU_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
TOPIC = "rental.lease_filed"


@pytest.fixture
def broker() -> Iterator[tuple[Any, str, str]]:
    """A channel on the broker, a fresh exchange and a queue bound to it with the topic as routing key."""
    try:
        conn = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    except pika.exceptions.AMQPError as e:
        pytest.fail(f"RabbitMQ is not reachable at {AMQP_URL} ({type(e).__name__}): the AMQP tests need it", False)
    ch = conn.channel()
    name = f"anju-test-{uuid.uuid4().hex[:12]}"
    ch.exchange_declare(name, exchange_type="direct", durable=True)
    ch.queue_declare(name, durable=True)
    ch.queue_bind(name, name, routing_key=TOPIC)
    try:
        yield ch, name, name
    finally:
        ch.queue_delete(name)
        ch.exchange_delete(name)
        conn.close()


def _subscribe(engine: Engine, kr: Any, exch: str, routing_key: str = "") -> tuple[int, str]:
    cmd = subscribers.SubscriberIn("公积金中心" + exch[-6:] + routing_key, "市住房公积金管理中心", "amqp", "", exch,
                                   routing_key, (TOPIC,), True)  # fmt: skip
    with engine.begin() as conn:
        return subscribers.create_subscriber(conn, kr, cmd)


def test_events_are_published_with_confirms_persistent_signed_and_in_order_per_key(
    empty_engine: Engine, settings_for: Any, broker: tuple[Any, str, str]
) -> None:
    ch, exch, queue = broker
    settings = settings_for(empty_engine, exchange_amqp_url=AMQP_URL)
    kr = keyring_from_settings(settings)
    _, secret = _subscribe(empty_engine, kr, exch)
    keys = [f"lease:{i % 3}" for i in range(12)]
    seal = exchange.seal(kr, "李租客")
    with empty_engine.begin() as conn:
        ids = [exchange.emit(conn, TOPIC, k, {"n": i}, {"tenant_name": seal}) for i, k in enumerate(keys)]
    stats = delivery.run(empty_engine, settings, kr, once=True)
    assert stats.delivered == 12 and stats.failed == 0
    got = []
    while True:
        method, props, body = ch.basic_get(queue, auto_ack=True)
        if method is None:
            break
        assert props.delivery_mode == 2 and props.content_type == "application/json"
        headers = {k: v.decode() if isinstance(v, bytes) else str(v) for k, v in props.headers.items()}
        v = exchange.verify_webhook(secret, headers, body, datetime.now(UTC), set())
        assert v.event_id == props.message_id and v.topic == TOPIC
        got.append((int(props.message_id), v.key, body))
    assert sorted(i for i, _, _ in got) == ids
    for k in set(keys):
        assert [i for i, kk, _ in got if kk == k] == [i for i, kk in zip(ids, keys, strict=True) if kk == k]
    assert all(b'"tenant_name":"\xe6\x9d\x8e\xe7\xa7\x9f\xe5\xae\xa2"' in b for _, _, b in got)  # entitled


def test_an_unroutable_message_is_a_failed_attempt_and_no_broker_leaves_amqp_waiting(
    empty_engine: Engine, settings_for: Any, broker: tuple[Any, str, str]
) -> None:
    _, exch, _ = broker
    settings = settings_for(empty_engine, exchange_amqp_url=AMQP_URL)
    kr = keyring_from_settings(settings)
    _subscribe(empty_engine, kr, exch, routing_key="nobody.listens")
    with empty_engine.begin() as conn:
        exchange.emit(conn, TOPIC, "lease:1", {"n": 1})
    stats = delivery.run(empty_engine, settings, kr, once=True)
    assert stats.failed == 1 and stats.delivered == 0
    with empty_engine.connect() as conn:
        row = conn.execute(select(exchange_deliveries)).one()
    assert row.state == "pending" and row.attempts == 1 and "unroutable" in row.last_error

    # the embedded default: no broker configured — the amqp delivery waits, a webhook is delivered
    plain = settings_for(empty_engine)
    with consumer_server() as c:
        cmd = subscribers.SubscriberIn("网页推送", "市税务局", "webhook", c.url, "", "", (TOPIC,), False)
        with empty_engine.begin() as conn:
            _, c.secret = subscribers.create_subscriber(conn, kr, cmd)
            exchange.emit(conn, TOPIC, "lease:2", {"n": 2})
        with empty_engine.begin() as conn:
            subscribers.retry_now(conn, row.subscriber_id)
        stats = delivery.run(empty_engine, plain, kr, once=True)
        assert stats.delivered == 1 and len(c.applied) == 1
    with empty_engine.connect() as conn:
        waiting = conn.execute(select(exchange_deliveries).where(exchange_deliveries.c.id == row.id)).one()
    assert waiting.state == "pending" and waiting.attempts == 0
