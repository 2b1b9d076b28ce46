"""The transactional outbox (事件推送): business events written in the transaction of the change they
report, so an event exists if and only if the change committed.

A context declares its topics in ``anju.contexts`` (``events``: ``"<context>.<event>"`` → Chinese
meaning) and calls :func:`emit` (or :func:`emit_many` on a bulk path) inside its write transaction.
The event is written with one delivery row for every subscriber of its topic (active or paused), so
the deliverer (:mod:`anju.exchange.delivery`) needs no fan-out step that could skip an event whose
transaction committed late.

Payloads are minimal (numbers, codes, dates: what a receiving department needs to act). Personal
values (ID numbers, names) are passed apart in ``personal``, already sealed with the Keyring
(:func:`seal`, or the blob and column the owning context stored): they stay encrypted at rest in the
outbox and are decrypted only when delivered to a subscriber entitled to personal data.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import Connection, insert, select

from anju import contexts
from anju.core import clock
from anju.core.dialect import bulk_insert, reserve_ids
from anju.core.errors import ValidationError
from anju.core.settings import Settings
from anju.exchange.tables import exchange_deliveries, exchange_events, exchange_subscribers
from anju.security import Keyring

#: A personal value sealed with the Keyring: (the column name it was encrypted for, the blob).
Sealed = tuple[str, bytes]

#: The column name personal values sealed by :func:`seal` are encrypted for.
PERSONAL_COLUMN = "exchange_events.personal"

KEY_MAX = 120


class UndeclaredTopic(ValueError):
    """``emit`` of a topic no context declares (a programming error, not bad input)."""


@dataclass(frozen=True)
class OutEvent:
    """One event of :func:`emit_many`."""

    topic: str
    key: str
    payload: Mapping[str, Any]
    personal: Mapping[str, Sealed] = field(default_factory=dict)


def topics() -> dict[str, str]:
    """Every declared topic → its Chinese meaning, from ``anju.contexts``."""
    return dict(_declared())


@cache
def _declared() -> Mapping[str, str]:
    return MappingProxyType({t: meaning for c in contexts.CONTEXTS for t, meaning in c.events.items()})


def seal(keyring: Keyring, value: str) -> Sealed:
    """A personal value encrypted for the outbox (when the caller has it in clear)."""
    return (PERSONAL_COLUMN, keyring.encrypt(value, PERSONAL_COLUMN))


def _json_default(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    raise TypeError(f"not JSON: {type(v).__name__}")


def encode_payload(payload: Mapping[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_json_default)


def encode_personal(personal: Mapping[str, Sealed]) -> bytes | None:
    """The sealed values as stored: JSON of name → [column, base64 blob] (each value stays a Keyring
    blob; the JSON reveals only the field names)."""
    if not personal:
        return None
    return json.dumps(
        {k: [col, base64.b64encode(blob).decode()] for k, (col, blob) in sorted(personal.items())},
        separators=(",", ":"),
    ).encode()


def decode_personal(stored: bytes | None, keyring: Keyring) -> dict[str, str]:
    """The personal values of an event in clear (for an entitled subscriber only)."""
    if not stored:
        return {}
    raw = json.loads(bytes(stored))
    return {k: keyring.decrypt(base64.b64decode(b64), col) for k, (col, b64) in raw.items()}


def _check(topic: str, key: str, declared: Mapping[str, str]) -> None:
    if topic not in declared:
        raise UndeclaredTopic(f"topic {topic!r} is not declared in anju.contexts (events=)")
    if not key or len(key) > KEY_MAX or not key.isascii() or not key.isprintable():
        raise ValidationError.of("key", f"事件键应为 1–{KEY_MAX} 个可打印 ASCII 字符")


# Statements built once (an emit runs inside hot write paths: building and cache-keying SQLAlchemy
# statements anew per call would cost more than the database's work).
_SUBSCRIBERS = select(exchange_subscribers.c.id, exchange_subscribers.c.topics).order_by(exchange_subscribers.c.id)
_INSERT_EVENT = insert(exchange_events).returning(exchange_events.c.id)
_INSERT_DELIVERY = insert(exchange_deliveries)


def _subscribers_by_topic(conn: Connection) -> dict[str, list[int]]:
    """Subscribers (active or paused) of each topic: one small query per write."""
    out: dict[str, list[int]] = {}
    for sid, text in conn.execute(_SUBSCRIBERS):
        for t in json.loads(text):
            out.setdefault(t, []).append(int(sid))
    return out


@cache
def _followers() -> Mapping[str, tuple[str, ...]]:
    out: dict[str, list[str]] = {}
    for c in contexts.CONTEXTS:
        for topic, spec in c.event_followers.items():
            out.setdefault(topic, []).append(spec)
    return MappingProxyType({t: tuple(v) for t, v in out.items()})


def followers(topic: str) -> tuple[str, ...]:
    """The in-process followers of ``topic`` (``Context.event_followers``), in context order."""
    return _followers().get(topic, ())


def emit(
    conn: Connection,
    topic: str,
    key: str,
    payload: Mapping[str, Any],
    personal: Mapping[str, Sealed] | None = None,
    *,
    settings: Settings | None = None,
) -> int:
    """Write one event in the caller's transaction (with a delivery for each subscriber of ``topic``);
    returns the event id, which is also the consumers' idempotency key. ``key`` orders delivery:
    the events of one key reach each subscriber in the order they were emitted.

    The topic's in-process followers (``Context.event_followers``) are then called in the same
    transaction with ``settings``: an emitter of a followed topic must pass them (a RuntimeError
    otherwise — a programming error, caught by the tests of that emitter)."""
    _check(topic, key, _declared())
    follow = followers(topic)
    if follow and settings is None:
        raise RuntimeError(f"{topic} has in-process followers: emit it with settings")
    now = clock.now()
    row = {
        "topic": topic,
        "key": key,
        "payload": encode_payload(payload),
        "personal": encode_personal(personal or {}),
        "created_at": now,
    }
    event_id = int(conn.execute(_INSERT_EVENT, row).scalar_one())
    subs = _subscribers_by_topic(conn).get(topic, [])
    if subs:
        conn.execute(
            _INSERT_DELIVERY,
            [
                {
                    "subscriber_id": s,
                    "event_id": event_id,
                    "key": key,
                    "state": "pending",
                    "attempts": 0,
                    "due_at": now,
                    "claimed_until": None,
                    "delivered_at": None,
                    "last_error": None,
                }
                for s in subs
            ],
        )
    for spec in follow:
        assert settings is not None
        contexts.load(spec)(conn, settings, payload)
    return event_id


_EVENT_COLS = ("id", "topic", "key", "payload", "personal", "created_at")
_DELIVERY_COLS = ("subscriber_id", "event_id", "key", "state", "attempts", "due_at")


def emit_many(conn: Connection, events: Sequence[OutEvent]) -> list[int]:
    """Write many events in the caller's transaction in bulk (ids reserved at once — safe beside
    concurrent ``emit`` calls — then one bulk insert of the events and one of their deliveries);
    returns the event ids in order (ascending)."""
    if not events:
        return []
    declared = _declared()
    for e in events:
        _check(e.topic, e.key, declared)
        if followers(e.topic):
            raise RuntimeError(f"{e.topic} has in-process followers: emit it one by one with settings")
    now = clock.now()
    ids = reserve_ids(conn, exchange_events, len(events))
    bulk_insert(
        conn,
        exchange_events,
        _EVENT_COLS,
        (
            (i, e.topic, e.key, encode_payload(e.payload), encode_personal(e.personal), now)
            for i, e in zip(ids, events, strict=True)
        ),
    )
    subs = _subscribers_by_topic(conn)
    if subs:
        bulk_insert(
            conn,
            exchange_deliveries,
            _DELIVERY_COLS,
            ((s, i, e.key, "pending", 0, now) for i, e in zip(ids, events, strict=True) for s in subs.get(e.topic, ())),
        )
    return ids
