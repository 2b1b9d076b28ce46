"""Pure rules of data exchange: what a feed is (its fields, its business key, its order) and how one
field of one record is checked. No database, no framework.

A feed (数据接入) is declared by the context that owns the data it brings (``anju.contexts``:
``feeds``) as a :class:`FeedDefinition`; the exchange context receives its batches (files or the
API), checks every record field by field against the definition, keeps the business key for
idempotency, orders the records of one key, and hands the checked records to the owning context's
handler (``anju.exchange.contract.FeedHandler``), which applies them or rejects them with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

#: How a field's text is read and checked (``check_field``):
#: text (stripped, ``max_length``), int (``minimum``/``maximum``), decimal (exact, as ``Decimal``),
#: fen (integer fen, money), yuan (a yuan amount with at most two decimals → integer fen), date (ISO
#: ``YYYY-MM-DD`` → ``datetime.date``), datetime (ISO 8601 with offset → aware ``datetime``), bool
#: (是/否, true/false, 1/0), choice (one of ``choices``), id_number (a resident ID passing the GB 11643
#: check digit, upper-cased), credit_code (a unified social credit code passing GB 32100), division
#: (a numeric division code), house_code (a register house code).
FieldKind = Literal[
    "text", "int", "decimal", "fen", "yuan", "date", "datetime", "bool", "choice",
    "id_number", "credit_code", "division", "house_code",
]  # fmt: skip


@dataclass(frozen=True)
class FeedField:
    name: str  # the record's key in JSON and the column header in CSV/xlsx
    label: str  # Chinese, shown in rejections and on pages
    kind: FieldKind = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    max_length: int = 200
    minimum: int | None = None
    maximum: int | None = None
    #: Personal data (an ID number, a name, a phone): encrypted wherever the exchange keeps the raw
    #: record (the dead-letter list) and masked wherever a person sees it.
    personal: bool = False
    description: str = ""


@dataclass(frozen=True)
class FeedDefinition:
    """One inbound source: a dataset another department (or the bureau's own registration centre)
    delivers, the owning context's handler, and how records are told apart and ordered."""

    dataset: str  # "<context>.<name>", e.g. "assistance.hukou"; also the catalogue's dataset id
    title: str  # Chinese, e.g. "户籍信息"
    source: str  # the delivering department, Chinese, e.g. "市公安局"
    fields: tuple[FeedField, ...]
    #: The business key (field names): a record whose key and content were already accepted is a
    #: duplicate and changes nothing (re-delivery is idempotent).
    key: tuple[str, ...]
    #: ``"module:function"`` of the owning context's :class:`anju.exchange.contract.FeedHandler`.
    handler: str
    #: A field ordering the records of one key (a version, an effective time): records are applied in
    #: that order within a batch, and a record older than the key's last accepted one is rejected
    #: as stale. None: order does not matter.
    order_by: str | None = None
    #: ``"module:function"`` of a :class:`anju.exchange.contract.FeedFinish` called once after every
    #: chunk of a batch was handled, in the batch's transaction (e.g. recompute derived rows); or None.
    finish: str | None = None
    description: str = ""
    #: How often the source delivers, in the catalogue's words (e.g. "每日", "实时").
    frequency: str = "每日"

    def field(self, name: str) -> FeedField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class FeedRecord:
    """One record of a batch after its fields were checked: typed values by field name."""

    seq: int  # the record's position in the batch (1-based: a file's data line or a JSON array index)
    key: str  # the business key's values joined, as stored for idempotency
    values: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejection:
    """Why one record of a batch was refused: it changed nothing and goes to the dead-letter list."""

    seq: int
    field: str | None  # the field at fault, or None when the record as a whole is refused
    reason: str  # Chinese, for the clerk who fixes it
