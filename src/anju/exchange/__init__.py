"""Data sharing and exchange (数据共享交换与数据治理): feeds in, events out, the catalogue, open data,
quality and retention — built once for every context. See docs/exchange.md.

A context that owns inbound data declares its feeds in ``anju.contexts`` (``feeds``: name →
``"module:CONSTANT"`` of a :class:`FeedDefinition`) and implements the handler
(:class:`FeedHandler`). A context declares the datasets it offers the catalogue the same way
(``datasets``: name → ``"module:CONSTANT"`` of a :class:`Dataset`; an open one names its
:class:`Aggregate`), and exports the :class:`RetentionAction` functions the retention rules name.
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
from anju.exchange.domain import (
    PUBLIC,
    Dataset,
    DatasetField,
    FeedDefinition,
    FeedField,
    FeedRecord,
    FieldKind,
    Rejection,
    Sensitivity,
)
from anju.exchange.periods import Month, month_of, months_back

__all__ = [
    "PUBLIC",
    "Aggregate",
    "AggregateRow",
    "BatchContext",
    "Dataset",
    "DatasetField",
    "FeedDefinition",
    "FeedField",
    "FeedFinish",
    "FeedHandler",
    "FeedRecord",
    "FieldKind",
    "Month",
    "Rejection",
    "RetentionAction",
    "Sensitivity",
    "month_of",
    "months_back",
]
