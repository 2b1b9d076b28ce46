"""Events out (docs/exchange.md): the transactional outbox, subscribers, the deliverer — at least
once, in order per key, retries with back-off, parking and manual retry, two deliverers at once — on
both databases, against a webhook consumer on loopback (tests/exchange_support.py)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from anju import exchange
from anju.core.errors import ValidationError
from anju.exchange import delivery, subscribers
from anju.exchange.tables import exchange_deliveries, exchange_events
from anju.security import keyring_from_settings
from tests.exchange_support import consumer_server

TOPIC = "credit.event_recorded"
OTHER = "funds.journal_posted"


def _sub(
    engine: Engine, kr: Any, url: str, topics: tuple[str, ...] = (TOPIC,), personal: bool = False
) -> tuple[int, str]:
    cmd = subscribers.SubscriberIn("测试订阅" + url[-12:] + str(personal), "市公安局", "webhook", url, "", "", topics,
                                   personal)  # fmt: skip
    with engine.begin() as conn:
        return subscribers.create_subscriber(conn, kr, cmd)


def _emit(engine: Engine, keys: list[str], topic: str = TOPIC, personal: Any = None) -> list[int]:
    with engine.begin() as conn:
        return [exchange.emit(conn, topic, k, {"n": i, "k": k}, personal) for i, k in enumerate(keys)]


def _states(engine: Engine) -> dict[str, int]:
    d = exchange_deliveries
    with engine.connect() as conn:
        return {s: int(n) for s, n in conn.execute(select(d.c.state, func.count()).group_by(d.c.state))}


def test_an_event_exists_iff_its_transaction_committed_and_topics_must_be_declared(
    empty_engine: Engine, settings_for: Any
) -> None:
    kr = keyring_from_settings(settings_for(empty_engine))
    _sub(empty_engine, kr, "http://127.0.0.1:9/x")
    with pytest.raises(RuntimeError), empty_engine.begin() as conn:
        exchange.emit(conn, TOPIC, "k1", {"a": 1})
        raise RuntimeError("the change failed")
    with pytest.raises(exchange.UndeclaredTopic), empty_engine.begin() as conn:
        exchange.emit(conn, "rental.nothing_declared", "k1", {})
    with pytest.raises(ValidationError, match="事件键"), empty_engine.begin() as c:
        exchange.emit(c, TOPIC, "键", {})
    with empty_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(exchange_events)).scalar_one() == 0
    ids = _emit(empty_engine, ["k1"])
    bulk = []
    with empty_engine.begin() as conn:
        bulk = exchange.emit_many(conn, [exchange.OutEvent(TOPIC, f"b{i}", {"i": i}) for i in range(5)])
        exchange.emit_many(conn, [exchange.OutEvent(OTHER, "x", {})])  # nobody subscribes: no delivery
    assert bulk == list(range(ids[0] + 1, ids[0] + 6))
    assert _states(empty_engine) == {"pending": 6}


def test_delivery_is_signed_in_order_per_key_and_personal_values_only_to_the_entitled(
    empty_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(empty_engine, exchange_delivery_batch=7)
    kr = keyring_from_settings(settings)
    with consumer_server() as plain, consumer_server() as entitled:
        _, plain.secret = _sub(empty_engine, kr, plain.url)
        _, entitled.secret = _sub(empty_engine, kr, entitled.url, personal=True)
        keys = [f"k{i % 5}" for i in range(40)]
        ids = _emit(empty_engine, keys, personal={"id_number": exchange.seal(kr, "11010519491231002X")})
        stats = delivery.run(empty_engine, settings, kr, once=True)
        assert stats.delivered == 80 and stats.failed == 0 and stats.rounds >= 80 // 7
        for c in (plain, entitled):
            assert not c.rejected and len(c.raw) == 40
            for k, got in c.by_key().items():
                assert got == [i for i, kk in zip(ids, keys, strict=True) if kk == k]  # emitted order
        assert all("personal" not in e for e in plain.applied)
        assert all(e["personal"] == {"id_number": "11010519491231002X"} for e in entitled.applied)
        env = next(e for e in entitled.applied if e["id"] == ids[0])
        assert env["topic"] == TOPIC and env["data"] == {"n": 0, "k": "k0"} and env["id"] == ids[0]
        with empty_engine.connect() as conn:  # at rest, the personal value is sealed
            stored = conn.execute(select(exchange_events.c.personal).where(exchange_events.c.id == ids[0])).scalar()
        assert stored is not None and b"11010519491231002X" not in bytes(stored)
    assert _states(empty_engine) == {"delivered": 80}


def test_a_failing_key_blocks_only_its_own_later_events_then_parks_and_is_retried_by_hand(
    empty_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(
        empty_engine,
        exchange_retry_base_seconds=0.01,
        exchange_retry_max_seconds=0.02,
        exchange_delivery_max_attempts=3,
    )
    kr = keyring_from_settings(settings)
    with consumer_server() as c:
        sid, c.secret = _sub(empty_engine, kr, c.url)
        c.fail_keys = {"bad"}
        ids = _emit(empty_engine, ["bad", "good", "bad", "good", "bad"])
        delivery.run(empty_engine, settings, kr, once=True)
        assert c.by_key() == {"good": [ids[1], ids[3]]}
        for _ in range(20):  # retried with back-off until parked
            time.sleep(0.03)
            delivery.run(empty_engine, settings, kr, once=True)
            if _states(empty_engine).get("parked"):
                break
        assert _states(empty_engine) == {"delivered": 2, "parked": 1, "pending": 2}
        assert [k for _, k in c.raw].count("bad") == 3  # the head only, max_attempts times
        with empty_engine.connect() as conn:
            st = subscribers.statuses(conn, [sid])[sid]
            assert (st.pending, st.parked, st.delivered) == (2, 1, 2) and "HTTP 503" in (st.last_error or "")
            assert st.lag_seconds is not None
            assert [r.event_id for r in subscribers.troubled(conn, sid, limit=10, offset=0).items] == [ids[0]]
        c.fail_keys = set()
        with empty_engine.begin() as conn:
            assert subscribers.retry_now(conn, sid) == 1
        delivery.run(empty_engine, settings, kr, once=True)
        assert c.by_key() == {"good": [ids[1], ids[3]], "bad": [ids[0], ids[2], ids[4]]}
    assert _states(empty_engine) == {"delivered": 5}


def test_a_paused_subscriber_gets_what_it_missed_on_resume_and_a_rotated_secret_signs(
    empty_engine: Engine, settings_for: Any
) -> None:
    settings = settings_for(empty_engine)
    kr = keyring_from_settings(settings)
    with consumer_server() as c:
        sid, c.secret = _sub(empty_engine, kr, c.url)
        with empty_engine.begin() as conn:
            subscribers.set_status(conn, sid, "paused")
        ids = _emit(empty_engine, ["a", "b"])
        delivery.run(empty_engine, settings, kr, once=True)
        assert c.raw == []
        with empty_engine.begin() as conn:
            subscribers.set_status(conn, sid, "active")
            new = subscribers.rotate_secret(conn, kr, sid)
        assert new != c.secret
        delivery.run(empty_engine, settings, kr, once=True)
        assert len(c.rejected) == 2 and not c.applied  # the old secret no longer verifies
        c.secret = new
        with empty_engine.begin() as conn:
            subscribers.retry_now(conn, sid)
        delivery.run(empty_engine, settings, kr, once=True)
        assert sorted(int(e["id"]) for e in c.applied) == ids


def test_two_deliverers_at_once_deliver_every_event_once(empty_engine: Engine, settings_for: Any) -> None:
    settings = settings_for(empty_engine, exchange_delivery_batch=25, exchange_delivery_concurrency=4)
    kr = keyring_from_settings(settings)
    with consumer_server() as c:
        _, c.secret = _sub(empty_engine, kr, c.url)
        keys = [f"k{i % 17}" for i in range(300)]
        ids = _emit(empty_engine, keys)
        results: list[delivery.RunStats] = []

        def work() -> None:
            results.append(delivery.run(empty_engine, settings, kr, once=True))

        threads = [threading.Thread(target=work) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert sum(r.delivered for r in results) == 300
        assert sorted(e for e, _ in c.raw) == sorted(str(i) for i in ids)  # none sent twice
        for k, got in c.by_key().items():
            assert got == [i for i, kk in zip(ids, keys, strict=True) if kk == k]


def test_verify_webhook_checks_signature_window_and_replay() -> None:
    from datetime import UTC, datetime, timedelta

    from anju.exchange.webhooks import signed_headers

    now = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
    body = b'{"id":7}'
    h = signed_headers("s3cret", 7, TOPIC, "k", body, int(now.timestamp()))
    assert exchange.verify_webhook("s3cret", h, body, now, set()).event_id == "7"
    with pytest.raises(exchange.WebhookRejected, match="signature"):
        exchange.verify_webhook("other", h, body, now, set())
    with pytest.raises(exchange.WebhookRejected, match="signature"):
        exchange.verify_webhook("s3cret", h, b'{"id":8}', now, set())
    with pytest.raises(exchange.WebhookRejected, match="window"):
        exchange.verify_webhook("s3cret", h, body, now + timedelta(seconds=301), set())
    with pytest.raises(exchange.ReplayedWebhook):
        exchange.verify_webhook("s3cret", h, body, now, {"7"})
    forged = h | {"Anju-Event-Id": "8"}  # the id is signed too
    with pytest.raises(exchange.WebhookRejected, match="signature"):
        exchange.verify_webhook("s3cret", forged, body, now, set())
