"""The exchange's tables: feed batches, their records' keys and the dead-letter list, the outbox and
its deliveries, the catalogue's quality measures and retention runs (each added with its capability)."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

# --- events out: the transactional outbox (docs/exchange.md "Events out") ---------------------------

#: One business event, written by ``anju.exchange.emit`` in the transaction of the change it reports.
#: ``payload`` is minimal JSON without personal values; ``personal`` holds the personal ones (JSON of
#: name → [column, base64 of a Keyring blob]), decrypted only for subscribers entitled to them.
exchange_events = Table(
    "exchange_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("topic", String(60), nullable=False),  # "<context>.<event>", declared in anju.contexts
    Column("key", String(120), nullable=False),  # the ordering key: events of one key arrive in order
    Column("payload", Text, nullable=False),
    Column("personal", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_exchange_events_topic", "topic", "id"),
)

#: Who receives which topics: a webhook (``url``) or an AMQP exchange (``amqp_exchange``, routing key).
#: ``secret_enc``: the webhook signing secret, SM4-encrypted (shown once, at creation and rotation).
exchange_subscribers = Table(
    "exchange_subscribers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(60), nullable=False, unique=True),
    Column("department", String(60), nullable=False),
    Column("kind", String(8), nullable=False),  # webhook | amqp
    Column("url", String(500), nullable=True),
    Column("amqp_exchange", String(120), nullable=True),
    Column("routing_key", String(120), nullable=True),  # None: the event's topic
    Column("topics", Text, nullable=False),  # JSON list of topics
    Column("personal", Boolean, nullable=False),  # entitled to the events' personal values
    Column("secret_enc", LargeBinary, nullable=False),
    Column("status", String(8), nullable=False),  # active | paused
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

#: One event for one subscriber: written with the event (for the subscribers of its topic then), then
#: claimed, sent and marked by the deliverer. ``pending`` → ``delivered``, or ``parked`` after
#: ``exchange_delivery_max_attempts`` failures (a person retries it). A pending or parked delivery
#: blocks the later ones of the same subscriber and key (order per key).
exchange_deliveries = Table(
    "exchange_deliveries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subscriber_id", IdType, ForeignKey("exchange_subscribers.id"), nullable=False),
    Column("event_id", IdType, ForeignKey("exchange_events.id"), nullable=False),
    Column("key", String(120), nullable=False),
    Column("state", String(10), nullable=False),  # pending | delivered | parked
    Column("attempts", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=True),  # a deliverer is sending it until then
    Column("delivered_at", UTCDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Index("ix_exchange_deliveries_queue", "state", "id"),
    Index("ix_exchange_deliveries_key", "subscriber_id", "key", "state", "event_id"),
)
