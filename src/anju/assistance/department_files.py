"""Department feed files (CSV with the feed's field names as header) read, checked and applied.

INTERIM — FOR THE LEAD AT MERGE: the exchange's loader (``anju.exchange``: batches, field checks,
idempotency, dead letters) is being built in parallel. Until it lands, :func:`check_record` below is a
strict stand-in with the same contract as the exchange's ``check_record(feed, raw, seq)`` and
:func:`load_file` hands the checked records to the same handlers the exchange will call
(:mod:`anju.assistance.department_feeds`). At merge: replace :func:`check_record` by
``anju.exchange.domain.check_record`` (re-exported by ``anju.exchange``) and :func:`load_file` by the
exchange's file intake (``anju.exchange`` batches; the batch id then comes from its batch table, not
:func:`_next_batch_id`); the synthetic generator (``anju.synth.departments``) and the tests call only
:func:`load_file`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Connection, func, select, union_all

from anju.assistance.department_feeds import SOURCES, apply
from anju.core import clock
from anju.core.errors import ValidationError
from anju.core.settings import Settings
from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection
from anju.security import credit_code, resident_id

_INT = re.compile(r"^[+-]?\d{1,18}$")
_YUAN = re.compile(r"^[+-]?\d{1,16}(\.\d{1,2})?$")
_DIVISION = re.compile(r"^\d{6}(\d{3}(\d{3})?)?$")


def _int(f: FeedField, v: str) -> object:
    if not _INT.match(v):
        return ("应为整数",)
    n = int(v)
    if f.minimum is not None and n < f.minimum:
        return (f"不能小于 {f.minimum}",)
    if f.maximum is not None and n > f.maximum:
        return (f"不能大于 {f.maximum}",)
    return n


def _date(v: str) -> object:
    try:
        return date.fromisoformat(v) if len(v) == 10 else ("应为日期（YYYY-MM-DD）",)
    except ValueError:
        return ("应为有效日期（YYYY-MM-DD）",)


def _identity(check: Callable[[str], str], v: str) -> object:
    try:
        return check(v)
    except ValidationError as e:
        return (e.errors[0].reason if e.errors else "无效",)


_CHECKS: dict[str, Callable[[FeedField, str], object]] = {
    "text": lambda f, v: v if len(v) <= f.max_length else (f"不能超过 {f.max_length} 个字符",),
    "int": _int,
    "yuan": lambda f, v: int(Decimal(v) * 100) if _YUAN.match(v) else ("应为金额（元，最多两位小数）",),
    "date": lambda _f, v: _date(v),
    "choice": lambda f, v: v if v in f.choices else (f"应为以下之一：{'、'.join(f.choices)}",),
    "id_number": lambda _f, v: _identity(resident_id, v),
    "credit_code": lambda _f, v: _identity(credit_code, v),
    "division": lambda _f, v: v if _DIVISION.match(v) else ("行政区划代码应为 6、9 或 12 位数字",),
}


def _field(f: FeedField, raw: object) -> object:
    """A field's typed value, None when absent and optional, or a Chinese reason (str in a tuple)."""
    v = "" if raw is None else str(raw).strip()
    if not v:
        return ("必填",) if f.required else None
    return _CHECKS[f.kind](f, v)


def check_record(feed: FeedDefinition, raw: Mapping[str, object], seq: int) -> FeedRecord | list[Rejection]:
    """INTERIM stand-in for ``anju.exchange`` ``check_record``: typed values, or a rejection per field."""
    values: dict[str, object] = {}
    problems: list[Rejection] = []
    for f in feed.fields:
        out = _field(f, raw.get(f.name))
        if isinstance(out, tuple):
            problems.append(Rejection(seq, f.name, f"{f.label}：{out[0]}"))
        else:
            values[f.name] = out
    if problems:
        return problems
    return FeedRecord(seq, "|".join(str(values.get(k) or "") for k in feed.key), values)


def read_csv(text: str, feed: FeedDefinition) -> Iterator[tuple[int, dict[str, str]]]:
    """The data lines of a feed's CSV (header = field names; unknown columns refused) as (seq, raw)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    if header is None:
        raise ValidationError.of("file", "文件为空")
    known = {f.name for f in feed.fields}
    unknown = [h for h in header if h.strip() not in known]
    if unknown:
        raise ValidationError.of("file", f"表头含未知字段：{'、'.join(unknown[:5])}")
    missing = [f.name for f in feed.fields if f.required and f.name not in [h.strip() for h in header]]
    if missing:
        raise ValidationError.of("file", f"表头缺少必填字段：{'、'.join(missing)}")
    names = [h.strip() for h in header]
    for seq, row in enumerate(reader, start=1):
        if row:
            yield seq, dict(zip(names, row, strict=False))


@dataclass
class LoadResult:
    """What one file did: the batch id, how many records were applied and the rejections."""

    source: str
    batch_id: int
    records: int = 0
    applied: int = 0
    rejections: list[Rejection] = field(default_factory=list)


def _next_batch_id(conn: Connection) -> int:
    """INTERIM: the exchange's batch table gives batch ids; until then, one past the highest used."""
    top = union_all(*(select(func.max(s.table.c.batch_id).label("m")) for s in SOURCES.values())).subquery()
    return int(conn.execute(select(func.max(top.c.m))).scalar() or 0) + 1


def load_file(
    conn: Connection, settings: Settings, source: str, path: Path, *, received_at: datetime | None = None
) -> LoadResult:
    """Check every record of a source's CSV file and apply the good ones through its handler, in the
    caller's transaction (chunks of ``import_batch_rows``). Rejected records change nothing."""
    src = SOURCES[source]
    ctx = BatchContext(_next_batch_id(conn), src.feed, received_at or clock.now(), clock.today(), settings)
    result = LoadResult(source, ctx.batch_id)
    chunk: list[FeedRecord] = []

    def flush() -> None:
        got = apply(src, conn, chunk, ctx)
        result.rejections.extend(got)
        result.applied += len(chunk) - len(got)
        chunk.clear()

    for seq, raw in read_csv(path.read_text(encoding="utf-8"), src.feed):
        result.records += 1
        rec = check_record(src.feed, raw, seq)
        if isinstance(rec, list):
            result.rejections.extend(rec)
            continue
        chunk.append(rec)
        if len(chunk) >= settings.import_batch_rows:
            flush()
    if chunk:
        flush()
    result.rejections.sort(key=lambda r: r.seq)
    return result
