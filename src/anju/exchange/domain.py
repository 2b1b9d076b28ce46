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
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, Literal

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


# --- the catalogue: what a context declares about a dataset it owns (``anju.contexts``: ``datasets``) ---

#: How sensitive a dataset is: 公开 (anyone), 内部 (the bureau's staff), 敏感 (personal data: only the
#: roles it names, encrypted at rest, masked in every output).
Sensitivity = Literal["公开", "内部", "敏感"]
SENSITIVITIES: tuple[Sensitivity, ...] = ("公开", "内部", "敏感")

#: A dataset field's type, in the catalogue's words (mapped to XML Schema datatypes in the DCAT output).
FieldType = Literal["text", "int", "decimal", "fen", "date", "datetime", "bool", "code"]

#: Who may see a dataset's catalogue entry: ``"public"`` (anyone, signed in or not) or role names.
PUBLIC = "public"


@dataclass(frozen=True)
class DatasetField:
    """One column of a dataset. Kept as data so that it can name its indicator in the indicator
    dictionary (issue 24) once that exists."""

    name: str
    label: str  # Chinese
    type: FieldType = "text"
    unit: str = ""  # Chinese, e.g. "套", "元", "平方米"
    description: str = ""
    personal: bool = False
    indicator: str | None = None  # the indicator dictionary's code, when there is one


@dataclass(frozen=True)
class Dataset:
    """A dataset a context offers the catalogue (数据目录), declared where the data lives."""

    id: str  # "<context>.<name>"
    title: str  # Chinese
    description: str  # Chinese
    office: str  # the responsible office, Chinese (the publisher)
    frequency: str  # 实时 | 每日 | 每月 | 每季 | 每年 | 不定期
    fields: tuple[DatasetField, ...]
    sensitivity: Sensitivity = "内部"
    #: who may see the catalogue entry: ``PUBLIC`` and/or role names (``exchange.read`` sees all)
    audience: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    #: open data (开放数据): aggregates only, downloadable by anyone, small cells suppressed
    open_data: bool = False
    #: for open data: ``"module:function"`` of an :data:`Aggregate` returning (dimensions, count) rows
    aggregate: str | None = None
    #: for open data: how many leading fields are dimensions (the rest is the count)
    dimensions: int = 0
    #: for open data by period (month): the dimension holding the period (not the first). Each period
    #: is then suppressed on its own (:func:`suppress_by_period`), with no totals across periods
    period_dimension: int | None = None

    @property
    def context(self) -> str:
        return self.id.partition(".")[0]

    @property
    def name(self) -> str:
        return self.id.partition(".")[2]

    @property
    def public(self) -> bool:
        return PUBLIC in self.audience


_FREQUENCIES = ("实时", "每日", "每周", "每月", "每季", "每年", "不定期")


def check_dataset(ds: Dataset, context: str, name: str) -> list[str]:
    """What is wrong with a declaration (English, for the developer); empty when it is sound."""
    problems = []
    if ds.id != f"{context}.{name}":
        problems.append(f"{ds.id}: id must be {context}.{name}")
    if ds.sensitivity not in SENSITIVITIES:
        problems.append(f"{ds.id}: unknown sensitivity {ds.sensitivity}")
    if ds.frequency not in _FREQUENCIES:
        problems.append(f"{ds.id}: unknown frequency {ds.frequency}")
    if not ds.fields or len({f.name for f in ds.fields}) != len(ds.fields):
        problems.append(f"{ds.id}: fields missing or repeated")
    if ds.public and ds.sensitivity == "敏感":
        problems.append(f"{ds.id}: personal data cannot be public")
    if ds.open_data:
        if ds.sensitivity != "公开" or not ds.public or not ds.aggregate:
            problems.append(f"{ds.id}: open data is 公开, public and names its aggregate")
        if not 2 <= ds.dimensions < len(ds.fields) or ds.fields[-1].type != "int":
            # suppression works on a table of rows by columns: at least two dimensions
            problems.append(f"{ds.id}: open data is two or more dimensions then one integer count")
        if any(f.personal for f in ds.fields):
            problems.append(f"{ds.id}: open data holds no personal field")
        if ds.period_dimension is not None and not 1 <= ds.period_dimension < ds.dimensions:
            problems.append(f"{ds.id}: the period is one of the dimensions after the first")
    return problems


_FEED_TYPES: dict[str, FieldType] = {
    "int": "int", "decimal": "decimal", "fen": "fen", "yuan": "fen", "date": "date", "datetime": "datetime",
    "bool": "bool", "division": "code", "house_code": "code", "credit_code": "code", "id_number": "code",
}  # fmt: skip


def dataset_of_feed(feed: FeedDefinition) -> Dataset:
    """A feed as the catalogue lists it (so a feed is declared once): its fields from the definition;
    内部, or 敏感 when a field is personal; seen by the exchange's readers only."""
    personal = any(f.personal for f in feed.fields)
    return Dataset(
        id=feed.dataset,
        title=feed.title,
        description=feed.description or f"{feed.source}报送的{feed.title}（数据接入）",
        office=feed.source,
        frequency=feed.frequency if feed.frequency in _FREQUENCIES else "不定期",
        fields=tuple(
            DatasetField(
                f.name, f.label, _FEED_TYPES.get(f.kind, "text"), description=f.description, personal=f.personal
            )
            for f in feed.fields
        ),
        sensitivity="敏感" if personal else "内部",
        keywords=("数据接入", feed.source),
    )


# --- open data: small-cell suppression ---------------------------------------------------------------

#: The label of a total in a dimension's place ("合计").
TOTAL = "合计"


@dataclass(frozen=True)
class OpenCell:
    """One published figure of an open dataset: a cell (dimension values) or a total (``TOTAL`` in the
    place of the dimensions it sums over). ``count`` is None when withheld."""

    dims: tuple[str, ...]
    count: int | None
    total: bool = False

    @property
    def suppressed(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class SuppressedTable:
    cells: tuple[OpenCell, ...]  # the grid row by row, then the rows' totals, the columns' totals, the grand total
    k: int
    primary: int  # figures withheld because 0 < count < k
    secondary: int  # figures withheld so that no withheld figure follows from the published ones


_Node = tuple[int, int]  # (0, row index) or (1, column index); index -1 is the totals' row / column


def suppress(rows: Mapping[Any, int] | Iterable[tuple[tuple[str, ...], int]], k: int) -> SuppressedTable:
    """Suppress small cells of an aggregate and publish it with its totals (行合计、列合计、总计).

    The table is two-way: the first dimension gives the rows, the others together the columns; every
    combination of the values seen is a cell (absent ones count 0, published as 0). Totals are
    published because readers need them (and other pages publish district totals anyway, so leaving
    them out would protect nothing). Primary suppression withholds every figure (cell or total) with
    ``0 < count < k``. Secondary suppression then makes sure no withheld figure can be computed from
    the published ones: a table with its totals is a bipartite graph (rows and the totals' row against
    columns and the totals' column; a figure is an edge), each line's figures sum to its total, and a
    withheld figure is exactly recoverable if and only if its edge is a bridge of the graph of withheld
    figures. So while a bridge remains, the smallest published figure of its line is withheld too
    (the cheapest choice; never a zero, which protects nothing: a zero is often known, and published
    as 0 in the next release). Withholding everything leaves no bridge, so this ends.

    Repeated dimension tuples are added up."""
    if k < 1:
        raise ValueError("k must be at least 1")
    counts: dict[tuple[str, ...], int] = {}
    items = rows.items() if isinstance(rows, Mapping) else rows
    width = None
    for dims, n in items:
        if n < 0:
            raise ValueError("counts are not negative")
        if width is None:
            width = len(dims)
        elif len(dims) != width:
            raise ValueError("every row has the same dimensions")
        counts[tuple(dims)] = counts.get(tuple(dims), 0) + int(n)
    if not counts or not width:
        return SuppressedTable((), k, 0, 0)
    if width < 2:
        raise ValueError("an open table has at least two dimensions")
    row_keys = sorted({d[0] for d in counts})
    col_keys = sorted({d[1:] for d in counts})
    m, n = len(row_keys), len(col_keys)
    ri = {r: i for i, r in enumerate(row_keys)}
    ci = {c: j for j, c in enumerate(col_keys)}
    value: dict[tuple[int, int], int] = {(i, j): 0 for i in range(-1, m) for j in range(-1, n)}
    for d, c in counts.items():
        i, j = ri[d[0]], ci[d[1:]]
        value[(i, j)] += c
        value[(i, -1)] += c
        value[(-1, j)] += c
        value[(-1, -1)] += c
    withheld = {e for e, v in value.items() if 0 < v < k}
    primary = len(withheld)
    while True:
        _pair_lone_figures(withheld, value, m, n)  # the common case, cheaply: a line with one withheld figure
        bridge = _find_bridge(withheld)
        if bridge is None:
            break
        withheld.add(_cheapest(bridge, value, withheld, m, n))
    total_dims = (TOTAL,) * (width - 1)
    out: list[OpenCell] = []
    order = [(i, j) for i in range(m) for j in range(n)] + [(i, -1) for i in range(m)]
    order += [(-1, j) for j in range(n)] + [(-1, -1)]
    for i, j in order:
        dims = (row_keys[i] if i >= 0 else TOTAL,) + (col_keys[j] if j >= 0 else total_dims)
        out.append(OpenCell(dims, None if (i, j) in withheld else value[(i, j)], total=i < 0 or j < 0))
    return SuppressedTable(tuple(out), k, primary, len(withheld) - primary)


def suppress_by_period(rows: Iterable[tuple[tuple[str, ...], int]], k: int, period: int) -> SuppressedTable:
    """Suppress a table by period (month): each period's figures as a table of their own
    (:func:`suppress`), with that period's totals and no totals across periods. A period's published
    figures then depend on that period's counts only: two releases that share a completed period
    publish it identically, so together they reveal nothing either does not (a rolling total over
    the periods, or a secondary choice made across them, would differ between releases and let the
    two be subtracted). ``period`` is the index of the period among the dimensions (not 0: the
    first dimension gives the rows); totals carry the period's label in its place."""
    if period < 1:
        raise ValueError("the period is a dimension after the first")
    groups: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for dims, n in rows:
        groups.setdefault(dims[period], []).append((tuple(dims), n))
    cells: list[OpenCell] = []
    primary = secondary = 0
    for label in sorted(groups):
        t = suppress(groups[label], k)
        primary, secondary = primary + t.primary, secondary + t.secondary
        seen: set[tuple[str, ...]] = set()
        for c in t.cells:
            dims = (*c.dims[:period], label, *c.dims[period + 1 :])
            if dims not in seen:  # with one column per period, a row's total is its cell: published once
                seen.add(dims)
                cells.append(OpenCell(dims, c.count, c.total or TOTAL in dims))
    return SuppressedTable(tuple(cells), k, primary, secondary)


def _line(node: _Node, m: int, n: int) -> list[tuple[int, int]]:
    kind, i = node
    return [(i, c) for c in range(-1, n)] if kind == 0 else [(r, i) for r in range(-1, m)]


def _pair_lone_figures(withheld: set[tuple[int, int]], value: Mapping[tuple[int, int], int], m: int, n: int) -> None:
    """While a line (row or column, totals included) holds exactly one withheld figure — which its
    total or its other figures would then reveal: a degree-1 node, so a bridge — withhold the
    smallest published figure of that line too. Degrees are kept as it goes (no graph search)."""
    degree: dict[_Node, int] = {}
    for i, j in withheld:
        degree[(0, i)] = degree.get((0, i), 0) + 1
        degree[(1, j)] = degree.get((1, j), 0) + 1
    lone = [node for node, d in degree.items() if d == 1]
    while lone:
        node = lone.pop()
        if degree.get(node) != 1:
            continue
        free = [e for e in _line(node, m, n) if e not in withheld]
        # a line has at least two figures and one of them is free and not zero (its total is above 0,
        # or the withheld figure is the total and a cell adds up to it): a zero protects nothing
        e = min(free, key=lambda x: (value[x] == 0, value[x], x))
        withheld.add(e)
        for end in ((0, e[0]), (1, e[1])):
            degree[end] = degree.get(end, 0) + 1
            if degree[end] == 1:
                lone.append(end)


def _cheapest(
    bridge: tuple[int, int], value: Mapping[tuple[int, int], int], withheld: set[tuple[int, int]], m: int, n: int
) -> tuple[int, int]:
    """The published figure to withhold next for a bridge: the smallest one of a line the bridge lies
    on — first a line where it is the only withheld figure — else the smallest published anywhere."""
    i, j = bridge
    row = [(i, c) for c in range(-1, n)]
    col = [(r, j) for r in range(-1, m)]
    lines = sorted((row, col), key=lambda line: sum(e in withheld for e in line))
    for line in lines:
        free = [e for e in line if e not in withheld and value[e]]
        if free:
            return min(free, key=lambda e: (value[e], e))
    # a withheld zero protects nothing (a reader who knows it is zero loses nothing): zeros come last
    return min((e for e in value if e not in withheld), key=lambda e: (value[e] == 0, value[e], e))


def _find_bridge(edges: set[tuple[int, int]]) -> tuple[int, int] | None:
    """A bridge of the bipartite graph whose edges are ``(row, column)`` pairs, or None (iterative
    Tarjan: discovery times and low links)."""
    adj: dict[_Node, list[tuple[_Node, tuple[int, int]]]] = {}
    for e in sorted(edges):
        a, b = (0, e[0]), (1, e[1])
        adj.setdefault(a, []).append((b, e))
        adj.setdefault(b, []).append((a, e))
    disc: dict[_Node, int] = {}
    low: dict[_Node, int] = {}
    clock = 0
    for root in adj:
        if root in disc:
            continue
        disc[root] = low[root] = clock
        clock += 1
        stack: list[tuple[_Node, tuple[int, int] | None, int]] = [(root, None, 0)]
        while stack:
            node, via, pos = stack[-1]
            if pos < len(adj[node]):
                stack[-1] = (node, via, pos + 1)
                nxt, edge = adj[node][pos]
                if edge == via:
                    continue
                if nxt in disc:
                    low[node] = min(low[node], disc[nxt])
                else:
                    disc[nxt] = low[nxt] = clock
                    clock += 1
                    stack.append((nxt, edge, 0))
            else:
                stack.pop()
                if stack and via is not None:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > disc[parent]:
                        return via
    return None


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
    return record_checker(feed)(raw, seq)


RecordChecker = Callable[[Mapping[str, object], int], "FeedRecord | list[Rejection]"]


@lru_cache(maxsize=256)
def record_checker(feed: FeedDefinition) -> RecordChecker:
    """:func:`check_record` for one feed, with each field's check chosen once (a batch checks
    millions of records: the same results as :func:`check_field` field by field, without looking
    the kind up per value)."""
    plan = [(f.name, f.label, f.kind == "json", f.required, _checker(f)) for f in feed.fields]
    key = feed.key
    single = key[0] if len(key) == 1 else None

    def check(raw: Mapping[str, object], seq: int) -> FeedRecord | list[Rejection]:
        values: dict[str, object] = {}
        problems: list[Rejection] | None = None
        for name, label, is_json, required, fn in plan:
            v = raw.get(name)
            if is_json and isinstance(v, list | dict):
                out: object = v if v else (Invalid("必填") if required else None)
            else:
                if v is None:
                    t = ""
                elif type(v) is str:
                    t = v.strip()
                else:
                    t = _text(v)
                out = fn(t) if t else (Invalid("必填") if required else None)
            if isinstance(out, Invalid):
                if problems is None:
                    problems = []
                problems.append(Rejection(seq, name, f"{label}：{out.reason}"))
            else:
                values[name] = out
        if problems:
            return problems
        k = _key_text(values.get(single)) if single is not None else key_of(feed, values)
        return FeedRecord(seq, k, values)

    return check


def _checker(f: FeedField) -> Callable[[str], object]:
    """The check of one field's (trimmed, non-empty) text, bound to the field."""
    fn = _CHECKS[f.kind]
    return lambda v: fn(f, v)
