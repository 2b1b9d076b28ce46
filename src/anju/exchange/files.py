"""Reading a feed's file as a stream of raw records (CSV, JSON Lines, .xlsx), each a mapping of field
name → text, numbered from 1 in the order of the file.

Headers (CSV, .xlsx) and keys (JSON Lines) are a field's name or its Chinese label
(``FeedField.label``); unknown columns are ignored. CSV and JSON Lines are read line by line (UTF-8,
with or without BOM), never whole; an .xlsx file goes through the streaming reader
(``anju.core.xlsx``, within the ``ANJU_IMPORT_XLSX_*`` limits). A file that cannot be read at all (type,
encoding, header) raises :class:`~anju.core.sheet.FileRejected`; a line that is not a JSON object is
a record with the reserved key ``_error`` (it goes to the dead-letter list like any bad record; the
API marks such a line with :class:`Unreadable`).
Every record from a file carries its first line under the reserved key ``_line``.

A feed with ``rows`` (a list field, e.g. a registration's owners) takes one item per row in CSV and
.xlsx: consecutive rows with the same key are one record, its other fields from its first row; in
JSON the items are a list of objects, their keys also names or labels of ``item_fields``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from anju.core import xlsx
from anju.core.sheet import FileRejected, SheetData
from anju.core.xlsx import XlsxLimits
from anju.exchange.domain import FeedDefinition

FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".xlsx": "xlsx"}
#: The key of a raw record that could not be read as a record (its reason, Chinese).
ERROR = "_error"
#: The key of a file's record holding the line it starts on.
LINE = "_line"
Raw = Mapping[str, object]


@dataclass(frozen=True)
class Unreadable:
    """An item of a batch that could not be read as a record (e.g. a bad NDJSON line of an API call's
    body), with its reason (Chinese): it becomes a record with ``_error``, so a dead letter."""

    reason: str


def format_of(name: str) -> str:
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise FileRejected(f"不支持的文件类型「{Path(name).suffix or name}」：应为 .csv、.jsonl、.json 或 .xlsx")
    return fmt


def columns(feed: FeedDefinition) -> dict[str, str]:
    """Header text → field name: each field's name and its Chinese label."""
    out = {f.name: f.name for f in feed.fields}
    out.update({f.label: f.name for f in feed.fields})
    return out


def item_columns(feed: FeedDefinition) -> dict[str, str]:
    """Header text (or JSON key) → item field name, for a feed with ``rows``."""
    out = {f.name: f.name for f in feed.item_fields}
    out.update({f.label: f.name for f in feed.item_fields})
    return out


def _names(header: list[str], cols: Mapping[str, str], feed: FeedDefinition) -> list[str | None]:
    names = [cols.get(str(h).strip().lstrip("\ufeff")) for h in header]
    seen = [n for n in names if n]
    if not seen:
        raise FileRejected("表头中没有该数据集的字段（应为字段名或中文名）", 1)
    dup = {n for n in seen if seen.count(n) > 1}
    if dup:
        raise FileRejected(f"表头中重复的列：{'、'.join(sorted(dup))}", 1)
    items = {"item:" + f.name for f in feed.item_fields}
    missing = [
        f.label
        for f in feed.fields
        if f.required and f.name not in seen and not (f.name == feed.rows and items & set(seen))
    ]
    if missing:
        raise FileRejected(f"表头缺少必填字段：{'、'.join(missing)}", 1)
    return names


def _sheet(rows: Iterator[tuple[int, list[str]]], feed: FeedDefinition) -> Iterator[Raw]:
    first = next(rows, None)
    if first is None:
        raise FileRejected("文件是空的或没有表头行", 1)
    cols = columns(feed)
    if feed.rows:
        cols.pop(feed.rows, None)
        cols.pop(feed.field(feed.rows).label, None)
        cols.update({k: "item:" + v for k, v in item_columns(feed).items()})
    names = _names(first[1], cols, feed)
    if not feed.rows:
        for n, cells in rows:
            out: dict[str, object] = {k: str(cells[i]).strip() for i, k in enumerate(names) if k and i < len(cells)}
            out[LINE] = n
            yield out
        return
    yield from _grouped(rows, names, feed, feed.rows)


def _grouped(
    rows: Iterator[tuple[int, list[str]]], names: list[str | None], feed: FeedDefinition, rows_field: str
) -> Iterator[Raw]:
    """Consecutive rows with one key are one record, each row one item of ``rows_field``."""
    current: dict[str, object] | None = None
    items: list[dict[str, str]] = []
    key: tuple[str, ...] = ()
    for n, cells in rows:
        values = {k: str(cells[i]).strip() for i, k in enumerate(names) if k and i < len(cells)}
        item = {k[5:]: v for k, v in values.items() if k.startswith("item:")}
        top = {k: v for k, v in values.items() if not k.startswith("item:")}
        this = tuple(top.get(k, "") for k in feed.key)
        if current is not None and this == key and all(this):  # rows without their key are never merged
            items.append(item)
            continue
        if current is not None:
            yield current
        items = [item] if any(item.values()) else []
        current = {**top, rows_field: items, LINE: n}
        key = this
    if current is not None:
        yield current


def _csv_rows(f: IO[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(f, strict=True)
    try:
        for cells in reader:
            if "".join(cells).strip():
                yield reader.line_num, cells
    except csv.Error as e:
        raise FileRejected(f"CSV 格式错误（第 {reader.line_num} 行）：{e}", reader.line_num) from None
    except UnicodeDecodeError:
        raise FileRejected(f"文件应为 UTF-8 编码（第 {reader.line_num + 1} 行起无法解码）") from None


def _object(obj: object, cols: Mapping[str, str], feed: FeedDefinition) -> dict[str, object]:
    if isinstance(obj, Unreadable):
        return {ERROR: obj.reason}
    if not isinstance(obj, dict):
        return {ERROR: "每条记录应为一个 JSON 对象"}
    out = {cols[k]: v for k, v in obj.items() if k in cols}
    listed = out.get(feed.rows) if feed.rows else None
    if isinstance(listed, list) and feed.rows:
        icols = item_columns(feed)
        out[feed.rows] = [
            {icols[k]: v for k, v in o.items() if k in icols} if isinstance(o, dict) else o for o in listed
        ]
    return out


def json_lines(lines: Iterator[str], feed: FeedDefinition) -> Iterator[Raw]:
    """JSON Lines (NDJSON): one object per line; blank lines are skipped."""
    cols = columns(feed)
    n = 0
    try:
        for n, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                out = _object(json.loads(line), cols, feed)
            except json.JSONDecodeError as e:
                out = {ERROR: f"第 {n} 行不是有效的 JSON：{e.msg}"}
            out[LINE] = n
            yield out
    except UnicodeDecodeError:
        raise FileRejected(f"文件应为 UTF-8 编码（第 {n + 1} 行起无法解码）") from None


def json_array(items: list[object], feed: FeedDefinition) -> Iterator[Raw]:
    """A JSON array of objects (an API call's body)."""
    cols = columns(feed)
    for obj in items:
        yield _object(obj, cols, feed)


def read_records(path: Path, feed: FeedDefinition, limits: XlsxLimits | None = None) -> Iterator[Raw]:
    """The raw records of a feed's file, streamed; its format from its name."""
    fmt = format_of(path.name)
    if fmt == "xlsx":
        sheet = xlsx.read_xlsx(path.read_bytes(), limits or XlsxLimits())
        yield from _sheet(_with_header(sheet), feed)
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        if fmt == "jsonl":
            yield from json_lines(f, feed)
        elif fmt == "json":
            yield from _json_file(f, feed)
        else:
            yield from _sheet(_csv_rows(f), feed)


def read_bytes(data: bytes, filename: str, feed: FeedDefinition, limits: XlsxLimits | None = None) -> Iterator[Raw]:
    """The raw records of an uploaded file held in memory (a page's upload, within the upload limit)."""
    fmt = format_of(filename)
    if fmt == "xlsx":
        yield from _sheet(_with_header(xlsx.read_xlsx(data, limits or XlsxLimits())), feed)
        return
    try:
        text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
        if fmt == "jsonl":
            yield from json_lines(text, feed)
        elif fmt == "json":
            yield from _json_file(text, feed)
        else:
            yield from _sheet(_csv_rows(text), feed)
    except UnicodeDecodeError:
        raise FileRejected("文件应为 UTF-8 编码") from None


def _json_file(f: IO[str], feed: FeedDefinition) -> Iterator[Raw]:
    try:
        body = json.load(f)
    except json.JSONDecodeError as e:
        raise FileRejected(f"不是有效的 JSON：{e.msg}（第 {e.lineno} 行）") from None
    if not isinstance(body, list):
        raise FileRejected("JSON 文件应为对象的数组")
    yield from json_array(body, feed)


def _with_header(sheet: SheetData) -> Iterator[tuple[int, list[str]]]:
    yield 1, sheet.header
    yield from sheet.rows()
