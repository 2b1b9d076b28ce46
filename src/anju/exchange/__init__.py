"""Data sharing and exchange (数据共享交换与数据治理): feeds in, events out, the catalogue, open data,
quality and retention — built once for every context. See docs/exchange.md.

A context that owns inbound data declares its feeds in ``anju.contexts`` (``feeds``: name →
``"module:CONSTANT"`` of a :class:`FeedDefinition`) and implements the handler
(:class:`FeedHandler`). Other contexts use only what this module exports.

Events out: a context declares its topics (``events``) and calls :func:`emit` / :func:`emit_many`
inside its write transaction; the deliverer (``anju exchange deliver``) sends them to subscribers
as signed webhooks (:func:`verify_webhook` is the consumer's side) or AMQP messages.
"""

from anju.exchange.contract import BatchContext, FeedFinish, FeedHandler
from anju.exchange.domain import FeedDefinition, FeedField, FeedRecord, FieldKind, Rejection
from anju.exchange.outbox import OutEvent, Sealed, UndeclaredTopic, emit, emit_many, seal
from anju.exchange.webhooks import ReplayedWebhook, VerifiedWebhook, WebhookRejected, verify_webhook

__all__ = [
    "BatchContext",
    "FeedDefinition",
    "FeedField",
    "FeedFinish",
    "FeedHandler",
    "FeedRecord",
    "FieldKind",
    "OutEvent",
    "Rejection",
    "ReplayedWebhook",
    "Sealed",
    "UndeclaredTopic",
    "VerifiedWebhook",
    "WebhookRejected",
    "emit",
    "emit_many",
    "seal",
    "verify_webhook",
]
