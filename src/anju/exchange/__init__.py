"""Data sharing and exchange (数据共享交换与数据治理): feeds in, events out, the catalogue, open data,
quality and retention — built once for every context. See docs/exchange.md.

A context that owns inbound data declares its feeds in ``anju.contexts`` (``feeds``: name →
``"module:CONSTANT"`` of a :class:`FeedDefinition`) and implements the handler
(:class:`FeedHandler`). A context declares the datasets it offers the catalogue the same way
(``datasets``: name → ``"module:CONSTANT"`` of a :class:`Dataset`; an open one names its
:class:`Aggregate`), and exports the :class:`RetentionAction` functions the retention rules name.

Events out: a context declares its topics (``events``) and calls :func:`emit` / :func:`emit_many`
inside its write transaction; the deliverer (``anju exchange deliver``) sends them to subscribers
as signed webhooks (:func:`verify_webhook` is the consumer's side) or AMQP messages.

Other contexts use only what this module exports.
"""

from anju.exchange.contract import (
    Aggregate,
    AggregateRow,
    BatchContext,
    FeedFinish,
    FeedHandler,
    RetentionAction,
)
from anju.exchange.dead_letters import (
    STATUS_LABELS as DEAD_LETTER_STATUS_LABELS,
)
from anju.exchange.dead_letters import (
    DeadLetterView,
    ReplayResult,
    discard,
    get_dead_letter,
    list_dead_letters,
    replay,
)
from anju.exchange.domain import (
    PUBLIC,
    Dataset,
    DatasetField,
    FeedDefinition,
    FeedField,
    FeedRecord,
    FieldKind,
    Invalid,
    OpenCell,
    Rejection,
    Sensitivity,
    SuppressedTable,
    check_field,
    check_record,
    suppress,
)
from anju.exchange.feeding import BatchResult, feed, feed_or_none, feeds, load_feed
from anju.exchange.files import LINE, Unreadable, format_of, json_array, json_lines, read_bytes, read_records
from anju.exchange.idempotency import rehash_feed_keys, stored_key
from anju.exchange.metrics import (
    BATCH_STATUS_LABELS,
    CHANNEL_LABELS,
    BatchView,
    FeedMetrics,
    FieldQuality,
    QualityDay,
    batch_quality,
    feed_metrics,
    get_batch,
    list_batches,
    quality_trend,
)
from anju.exchange.outbox import OutEvent, Sealed, UndeclaredTopic, emit, emit_many, seal
from anju.exchange.periods import Month, completed_months, month_of, months_back
from anju.exchange.webhooks import ReplayedWebhook, VerifiedWebhook, WebhookRejected, verify_webhook

__all__ = [
    "BATCH_STATUS_LABELS",
    "CHANNEL_LABELS",
    "DEAD_LETTER_STATUS_LABELS",
    "LINE",
    "PUBLIC",
    "Aggregate",
    "AggregateRow",
    "BatchContext",
    "BatchResult",
    "BatchView",
    "Dataset",
    "DatasetField",
    "DeadLetterView",
    "FeedDefinition",
    "FeedField",
    "FeedFinish",
    "FeedHandler",
    "FeedMetrics",
    "FeedRecord",
    "FieldKind",
    "FieldQuality",
    "Invalid",
    "Month",
    "OpenCell",
    "OutEvent",
    "QualityDay",
    "Rejection",
    "ReplayResult",
    "ReplayedWebhook",
    "RetentionAction",
    "Sealed",
    "Sensitivity",
    "SuppressedTable",
    "UndeclaredTopic",
    "Unreadable",
    "VerifiedWebhook",
    "WebhookRejected",
    "batch_quality",
    "check_field",
    "check_record",
    "completed_months",
    "discard",
    "emit",
    "emit_many",
    "feed",
    "feed_metrics",
    "feed_or_none",
    "feeds",
    "format_of",
    "get_batch",
    "get_dead_letter",
    "json_array",
    "json_lines",
    "list_batches",
    "list_dead_letters",
    "load_feed",
    "month_of",
    "months_back",
    "quality_trend",
    "read_bytes",
    "read_records",
    "rehash_feed_keys",
    "replay",
    "seal",
    "stored_key",
    "suppress",
    "verify_webhook",
]
