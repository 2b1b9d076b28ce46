"""Reading a feed file as a stream of raw records (CSV, JSON Lines, .xlsx), each with its line number.

CSV and .xlsx: one row per owner; consecutive rows with the same ``record_id`` are one record (its
fields are taken from its first row, its owners from every row). JSON Lines: one object per line, the
owners as a list under ``owners``. Headers are English names or their Chinese equivalents
(``docs/registry.md``, "Registration and restriction feeds"). CSV and JSON Lines are read line by line
(UTF-8, with or without BOM), never whole; an .xlsx file goes through the 楼盘表 import's safe reader
(``imports.xlsx``, within the ``ANJU_IMPORT_XLSX_*`` limits).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from anju.core import xlsx
from anju.core.sheet import FileRejected, SheetData
from anju.core.xlsx import XlsxLimits

#: Per feed: header names (English or Chinese) → field, and which fields belong to an owner.
REGISTRATION_COLUMNS: Mapping[str, str] = {
    "record_id": "record_id", "业务号": "record_id",
    "kind": "kind", "登记类型": "kind",
    "corrects": "corrects", "更正业务号": "corrects",
    "certificate_no": "certificate_no", "不动产权证号": "certificate_no",
    "house_code": "house_code", "房屋代码": "house_code",
    "registered_on": "registered_on", "登记日期": "registered_on",
    "owner_kind": "owner_kind", "权利人类型": "owner_kind",
    "owner_id": "owner_id", "证件号码": "owner_id",
    "owner_name": "owner_name", "权利人名称": "owner_name",
    "share_pct": "share_pct", "共有份额": "share_pct",
}  # fmt: skip
OWNER_FIELDS = frozenset({"owner_kind", "owner_id", "owner_name", "share_pct"})
RESTRICTION_COLUMNS: Mapping[str, str] = {
    "record_id": "record_id", "业务号": "record_id",
    "event": "event", "事项": "event",
    "document_no": "document_no", "文书号": "document_no",
    "lifts": "lifts", "解除业务号": "lifts",
    "house_code": "house_code", "房屋代码": "house_code",
    "authority": "authority", "机关": "authority",
    "starts_on": "starts_on", "起始日期": "starts_on",
    "ends_on": "ends_on", "截止日期": "ends_on",
}  # fmt: skip
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}


@dataclass
class RawRecord:
    """One record as the file gave it: its first line, its fields and (registrations) its owners."""

    line: int
    fields: dict[str, str]
    owners: list[dict[str, str]] = field(default_factory=list)


def format_of(name: str) -> str:
    fmt = FORMATS.get(Path(name).suffix.lower())
    if fmt is None:
        raise FileRejected(f"不支持的文件类型「{Path(name).suffix or name}」：应为 .csv、.jsonl 或 .xlsx")
    return fmt


def _text(v: object) -> str:
    return "" if v is None else str(v).strip()


def _columns(header: list[str], columns: Mapping[str, str]) -> list[str | None]:
    names = [columns.get(h.strip().lstrip("\ufeff")) for h in header]
    seen = [n for n in names if n]
    if "record_id" not in seen:
        raise FileRejected("表头缺少 record_id（业务号）列", 1, "record_id")
    dup = {n for n in seen if seen.count(n) > 1}
    if dup:
        raise FileRejected(f"表头中重复的列：{'、'.join(sorted(dup))}", 1)
    return names


def _group(rows: Iterator[tuple[int, list[str]]], names: list[str | None], owned: bool) -> Iterator[RawRecord]:
    """Rows of a sheet into records: consecutive rows with one record id are one record's owners."""
    current: RawRecord | None = None
    for n, cells in rows:
        values = {k: cells[i].strip() for i, k in enumerate(names) if k and i < len(cells)}
        owner = {k: v for k, v in values.items() if k in OWNER_FIELDS}
        if owned and current is not None and values.get("record_id") == current.fields.get("record_id"):
            current.owners.append(owner)
            continue
        if current is not None:
            yield current
        fields = {k: v for k, v in values.items() if k not in OWNER_FIELDS or not owned}
        current = RawRecord(n, fields, [owner] if owned else [])
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


def _sheet_records(rows: Iterator[tuple[int, list[str]]], columns: Mapping[str, str]) -> Iterator[RawRecord]:
    first = next(rows, None)
    if first is None:
        raise FileRejected("文件是空的或没有表头行", 1)
    names = _columns(first[1], columns)
    yield from _group(rows, names, columns is REGISTRATION_COLUMNS)


def _jsonl_records(f: IO[str], columns: Mapping[str, str]) -> Iterator[RawRecord]:
    n = 0
    try:
        for n, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield RawRecord(n, {"_error": f"不是有效的 JSON：{e.msg}"})
                continue
            if not isinstance(obj, dict):
                yield RawRecord(n, {"_error": "每行应为一个 JSON 对象"})
                continue
            fields = {columns[k]: _text(v) for k, v in obj.items() if k in columns and columns[k] not in OWNER_FIELDS}
            owners = obj.get("owners", obj.get("权利人", []))
            if not isinstance(owners, list) or not all(isinstance(o, dict) for o in owners):
                yield RawRecord(n, {**fields, "_error": "owners 应为对象的列表"})
                continue
            parsed = [{columns[k]: _text(v) for k, v in o.items() if columns.get(k) in OWNER_FIELDS} for o in owners]
            yield RawRecord(n, fields, parsed)
    except UnicodeDecodeError:
        raise FileRejected(f"文件应为 UTF-8 编码（第 {n + 1} 行起无法解码）") from None


def read_records(path: Path, feed: str, fmt: str, limits: XlsxLimits | None = None) -> Iterator[RawRecord]:
    """The records of a feed file, streamed (``feed``: registrations | restrictions)."""
    columns = REGISTRATION_COLUMNS if feed == "registrations" else RESTRICTION_COLUMNS
    if fmt == "xlsx":
        sheet = xlsx.read_xlsx(path.read_bytes(), limits or XlsxLimits())
        yield from _xlsx(sheet, columns)
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        if fmt == "jsonl":
            yield from _jsonl_records(f, columns)
        else:
            yield from _sheet_records(_csv_rows(f), columns)


def _xlsx(sheet: SheetData, columns: Mapping[str, str]) -> Iterator[RawRecord]:
    names = _columns(sheet.header, columns)
    yield from _group(sheet.rows(), names, columns is REGISTRATION_COLUMNS)
