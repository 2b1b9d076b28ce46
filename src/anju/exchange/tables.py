"""The exchange's tables: feed batches, their records' keys and the dead-letter list, the outbox and
its deliveries, the catalogue's quality measures and retention runs (each added with its capability)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

# --- feeds in (数据接入) ------------------------------------------------------------------------------

# One row per dataset, written first by every batch of it: batches of one dataset serialise here.
feed_dataset_locks = Table(
    "feed_dataset_locks",
    metadata,
    Column("dataset", String(80), primary_key=True),
    Column("batches", BigInteger, nullable=False),
)

# Every batch a feed received (a file, an API call, a replay of dead letters): who delivered it, what
# it did. A batch is written in the transaction that applies it: a crash leaves no row at all; a batch
# whose handler failed is recorded as ``failed`` with nothing applied.
feed_batches = Table(
    "feed_batches",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("dataset", String(80), nullable=False),
    Column("channel", String(8), nullable=False),  # file | api | replay
    Column("delivered_by", String(120), nullable=False),  # who: an account's name or a client's id
    Column("account_id", IdType, nullable=True),
    Column("filename", String(200), nullable=True),
    Column("status", String(12), nullable=False),  # done | failed
    Column("received", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("rejected", Integer, nullable=False),
    Column("duplicate", Integer, nullable=False),
    #: Timeliness: seconds from the records' as-of to receipt, summed and at most, over ``lag_records``.
    Column("lag_records", Integer, nullable=False),
    Column("lag_seconds_sum", BigInteger, nullable=False),
    Column("lag_seconds_max", BigInteger, nullable=True),
    Column("error", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_feed_batches_dataset", "dataset", "received_at"),
)

# The business keys a feed accepted (one row per accepted record): a record whose key and content
# hash are here is a duplicate; one whose order value is below the key's highest is stale.
feed_keys = Table(
    "feed_keys",
    metadata,
    Column("dataset", String(80), nullable=False),
    Column("key", String(200), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("order_value", String(64), nullable=True),
    Column("batch_id", IdType, ForeignKey("feed_batches.id"), nullable=False),
    Index("ix_feed_keys_key", "dataset", "key"),
    Index("ix_feed_keys_batch", "batch_id"),
)

# The dead-letter list: every record a batch refused, with its raw fields (personal ones encrypted),
# why, and what became of it (replayed in a later batch, or discarded with a reason).
feed_dead_letters = Table(
    "feed_dead_letters",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("batch_id", IdType, ForeignKey("feed_batches.id"), nullable=False),
    Column("dataset", String(80), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("record", Text, nullable=False),  # JSON: the raw fields that are not personal
    Column("personal_enc", LargeBinary, nullable=True),  # SM4: JSON of the raw personal fields
    Column("rejections", Text, nullable=False),  # JSON: [{field, reason}]
    Column("status", String(12), nullable=False),  # open | replayed | discarded
    Column("replay_batch_id", IdType, ForeignKey("feed_batches.id"), nullable=True),
    Column("resolved_by", IdType, nullable=True),  # the account that replayed or discarded it
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("note", String(500), nullable=True),
    Index("ix_feed_dead_letters_batch", "batch_id", "seq"),
    Index("ix_feed_dead_letters_open", "dataset", "status"),
)

# Per batch and field: how many records had the field present, missing, or invalid (completeness
# and validity per source, trended over batches).
feed_quality = Table(
    "feed_quality",
    metadata,
    Column("batch_id", IdType, ForeignKey("feed_batches.id"), primary_key=True),
    Column("field", String(60), primary_key=True),
    Column("present", Integer, nullable=False),
    Column("missing", Integer, nullable=False),
    Column("invalid", Integer, nullable=False),
)


# Retention runs (数据保留执行记录): one row per run of the rules, dry or applied, with its counts per rule;
# an applied run is also an entry of the verifiable log "exchange" (``ledger_index``).
exchange_retention_runs = Table(
    "exchange_retention_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("mode", String(8), nullable=False),  # dry_run | apply
    Column("as_of", Date, nullable=False),  # the local day the rules' ages are counted from
    Column("actor", String(40), nullable=False),  # username, or system:<job>
    Column("actor_account_id", IdType, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("counts", Text, nullable=False),  # JSON: per rule, its dataset, action, cut-off day and count
    Column("total", Integer, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),  # its leaf in the verifiable log "exchange" (applied runs)
    Index("ix_exchange_retention_runs_started", "started_at"),
)

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
