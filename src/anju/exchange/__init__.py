"""Data sharing and exchange (数据共享交换与数据治理): feeds in, events out, the catalogue, open data,
quality and retention — built once for every context. See docs/exchange.md.

A context that owns inbound data declares its feeds in ``anju.contexts`` (``feeds``: name →
``"module:CONSTANT"`` of a :class:`FeedDefinition`) and implements the handler
(:class:`FeedHandler`). Other contexts use only what this module exports.
"""

from anju.exchange.contract import BatchContext, FeedFinish, FeedHandler
from anju.exchange.domain import FeedDefinition, FeedField, FeedRecord, FieldKind, Rejection

__all__ = [
    "BatchContext",
    "FeedDefinition",
    "FeedField",
    "FeedFinish",
    "FeedHandler",
    "FeedRecord",
    "FieldKind",
    "Rejection",
]
