"""Pure rules of data exchange: what a feed is (its fields, its business key, its order) and how one
field of one record is checked. No database, no framework.

A feed (数据接入) is declared by the context that owns the data it brings (``anju.contexts``:
``feeds``) as a :class:`FeedDefinition`; the exchange context receives its batches (files or the
API), checks every record field by field against the definition, keeps the business key for
idempotency, orders the records of one key, and hands the checked records to the owning context's
handler (``anju.exchange.contract.FeedHandler``), which applies them or rejects them with a reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Literal

from anju.core.errors import ValidationError
from anju.security import credit_code, resident_id

#: How a field's text is read and checked (``check_field``):
#: text (stripped, ``max_length``), int (``minimum``/``maximum``), decimal (exact, as ``Decimal``),
#: fen (integer fen, money), yuan (a yuan amount with at most two decimals → integer fen), date (ISO
#: ``YYYY-MM-DD`` → ``datetime.date``), datetime (ISO 8601 with offset → aware ``datetime``), bool
#: (是/否, true/false, 1/0), choice (one of ``choices``), id_number (a resident ID passing the GB 11643
#: check digit, upper-cased), credit_code (a unified social credit code passing GB 32100), division
#: (a numeric division code), house_code (a register house code), json (a JSON array or object: the
#: value of a JSON record, or a cell holding JSON text; the owning context checks its items).
FieldKind = Literal[
    "text", "int", "decimal", "fen", "yuan", "date", "datetime", "bool", "choice",
    "id_number", "credit_code", "division", "house_code", "json",
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
    #: A ``json`` field holding a list whose items, in CSV and .xlsx, come one per row: consecutive rows
    #: with the same key are one record (its other fields from its first row), each row giving one
    #: item of ``item_fields`` (e.g. a registration's owners). None: one row is one record.
    rows: str | None = None
    #: The fields of the items of ``rows`` (names and Chinese labels for the headers; the owning
    #: context checks them).
    item_fields: tuple[FeedField, ...] = ()
    #: A date or datetime field saying when the record's facts held (its "as of"): the lag from it to
    #: the batch's receipt is the feed's timeliness. None: the feed's timeliness is not measured.
    as_of: str | None = None

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


@dataclass(frozen=True)
class Invalid:
    """A field value that failed its check: why (Chinese, never echoing the value)."""

    reason: str


_DIVISION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")
_HOUSE_CODE = re.compile(r"^[0-9A-Za-z-]{6,40}$")
_TRUE = frozenset({"是", "true", "1", "yes", "y", "t"})
_FALSE = frozenset({"否", "false", "0", "no", "n", "f"})
_INT = re.compile(r"^[+-]?\d{1,18}$")
_YUAN = re.compile(r"^[+-]?\d{1,16}(\.\d{1,2})?$")


def _text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw).strip()


def _int(f: FeedField, v: str) -> int | Invalid:
    if not _INT.match(v):
        return Invalid("应为整数")
    n = int(v)
    if f.minimum is not None and n < f.minimum:
        return Invalid(f"不能小于 {f.minimum}")
    if f.maximum is not None and n > f.maximum:
        return Invalid(f"不能大于 {f.maximum}")
    return n


def _date(v: str) -> date | Invalid:
    try:
        return date.fromisoformat(v[:10]) if len(v) == 10 else Invalid("应为日期（YYYY-MM-DD）")
    except ValueError:
        return Invalid("应为有效日期（YYYY-MM-DD）")


def _datetime(v: str) -> datetime | Invalid:
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        return Invalid("应为 ISO 8601 时间（含时区，如 2026-01-02T08:00:00+08:00）")
    if d.tzinfo is None:
        return Invalid("时间应带时区（如 +08:00）")
    return d


def _decimal(v: str) -> Decimal | Invalid:
    try:
        d = Decimal(v)
    except InvalidOperation:
        return Invalid("应为数字")
    return d if d.is_finite() else Invalid("应为数字")


def _yuan(f: FeedField, v: str) -> int | Invalid:
    if not _YUAN.match(v):
        return Invalid("应为金额（元，最多两位小数）")
    return _int(f, str(int(Decimal(v) * 100)))


def _identity(check: Callable[[str], str], v: str) -> str | Invalid:
    try:
        return check(v)
    except ValidationError as e:
        return Invalid(e.errors[0].reason if e.errors else "无效")


def _bool(_f: FeedField, v: str) -> bool | Invalid:
    low = v.lower()
    return True if low in _TRUE else False if low in _FALSE else Invalid("应为 是/否")


_CHECKS: dict[str, Callable[[FeedField, str], object]] = {
    "text": lambda f, v: v if len(v) <= f.max_length else Invalid(f"不能超过 {f.max_length} 个字符"),
    "int": _int,
    "fen": _int,
    "yuan": _yuan,
    "decimal": lambda _f, v: _decimal(v),
    "date": lambda _f, v: _date(v),
    "datetime": lambda _f, v: _datetime(v),
    "bool": _bool,
    "choice": lambda f, v: v if v in f.choices else Invalid(f"应为以下之一：{'、'.join(f.choices)}"),
    "id_number": lambda _f, v: _identity(resident_id, v),
    "credit_code": lambda _f, v: _identity(credit_code, v),
    "division": lambda _f, v: v if _DIVISION.match(v) else Invalid("行政区划代码应为 6、9 或 12 位数字"),
    "house_code": lambda _f, v: v if _HOUSE_CODE.match(v) else Invalid("房屋代码格式不正确"),
    "json": lambda _f, v: _json(v),
}


def _json(raw: object) -> object:
    if isinstance(raw, list | dict):
        return raw
    try:
        v = json.loads(str(raw))
    except ValueError:
        return Invalid("应为 JSON 数组或对象")
    return v if isinstance(v, list | dict) else Invalid("应为 JSON 数组或对象")


def check_field(f: FeedField, raw: object) -> object:
    """The typed value of one field of one record, None when it is absent and not required, or an
    :class:`Invalid` saying why the text is refused (by ``f.kind``, see :data:`FieldKind`)."""
    if f.kind == "json" and isinstance(raw, list | dict):
        return raw if raw else (Invalid("必填") if f.required else None)
    v = _text(raw)
    if not v:
        return Invalid("必填") if f.required else None
    return _CHECKS[f.kind](f, v)


def key_of(feed: FeedDefinition, values: Mapping[str, object]) -> str:
    """The business key as stored for idempotency: the key fields' values joined by ``|``."""
    return "|".join(_key_text(values.get(k)) for k in feed.key)


def _key_text(value: object) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def sortable(value: object) -> str:
    """A value as text that sorts as the value does (integers zero-padded, times in UTC)."""
    out: str
    if value is None:
        out = ""
    elif isinstance(value, bool):
        out = "1" if value else "0"
    elif isinstance(value, int):
        out = f"{value + 10**19:021d}"
    elif isinstance(value, datetime):
        out = value.astimezone(UTC).isoformat()
    elif isinstance(value, date):
        out = value.isoformat()
    elif isinstance(value, list | dict):
        out = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    else:
        out = str(value)
    return out


def check_record(feed: FeedDefinition, raw: Mapping[str, object], seq: int) -> FeedRecord | list[Rejection]:
    """One record checked field by field: a :class:`FeedRecord` with typed values, or one
    :class:`Rejection` per field at fault (a field the feed does not know is ignored)."""
    values: dict[str, object] = {}
    problems: list[Rejection] = []
    for f in feed.fields:
        out = check_field(f, raw.get(f.name))
        if isinstance(out, Invalid):
            problems.append(Rejection(seq, f.name, f"{f.label}：{out.reason}"))
        else:
            values[f.name] = out
    if problems:
        return problems
    return FeedRecord(seq, key_of(feed, values), values)
