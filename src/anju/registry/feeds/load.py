"""Loading a feed file from the command line or a test: :func:`load_registrations` and
:func:`load_restrictions`, thin wrappers of the exchange's one intake (``anju.exchange.load_feed``).

The file is read with the exchange's reader (``exchange.read_records``: in CSV and .xlsx one row
per owner, consecutive rows of one record id are one record) and delivered as one batch of ``registry.registrations`` or
``registry.restrictions``: one transaction (its audit row ``exchange.feed_batch``), a bad record
rejected alone into the exchange's dead-letter list and the rest accepted. The result names every
bad record by its file line, field and reason. Status: ``loaded`` (something new was written),
``unchanged`` (every record was delivered before), ``rejected`` (nothing written: the file could
not be read, or every new record was refused).
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TypedDict

from sqlalchemy import Engine, func, select

from anju import exchange
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import FieldError
from anju.core.settings import Settings
from anju.core.sheet import FileRejected
from anju.core.xlsx import XlsxLimits
from anju.registry.feeds.definitions import REGISTRATIONS, RESTRICTIONS
from anju.registry.tables import registrations, restriction_records
from anju.security import Caller, Keyring


class LoadSummary(TypedDict):
    """A load as the command line prints it."""

    load_id: int
    feed: str
    status: str
    filename: str
    sha256: str
    format: str | None
    records_total: int
    records_new: int
    records_unchanged: int
    records_rejected: int
    errors: list[dict[str, object]]
    errors_total: int


@dataclass
class LoadResult:
    load_id: int
    feed: str
    status: str
    filename: str
    sha256: str
    format: str | None = None
    records_total: int = 0
    records_new: int = 0
    records_unchanged: int = 0
    records_rejected: int = 0
    errors: list[FieldError] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    def summary(self, errors_cap: int = 50) -> LoadSummary:
        return {
            "load_id": self.load_id,
            "feed": self.feed,
            "status": self.status,
            "filename": self.filename,
            "sha256": self.sha256,
            "format": self.format,
            "records_total": self.records_total,
            "records_new": self.records_new,
            "records_unchanged": self.records_unchanged,
            "records_rejected": self.records_rejected,
            "errors": [e.as_dict() for e in self.errors[:errors_cap]],
            "errors_total": len(self.errors),
        }


def load_registrations(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    *,
    caller: Caller | None = None,
    xlsx_limits: XlsxLimits | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> LoadResult:
    """Load a file of the registration centre's registrations (首次登记, 转移登记, 更正登记)."""
    return _load(target, path, keyring, "registrations", caller, xlsx_limits, settings, now)


def load_restrictions(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    *,
    caller: Caller | None = None,
    xlsx_limits: XlsxLimits | None = None,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> LoadResult:
    """Load a file of restriction records (查封/解封, 抵押/注销, 行政限制/解除)."""
    return _load(target, path, keyring, "restrictions", caller, xlsx_limits, settings, now)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _numbered(raws: Iterator[Mapping[str, object]], lines: array[int]) -> Iterator[Mapping[str, object]]:
    """The file's records, noting each one's line (for the errors the summary names by line)."""
    for raw in raws:
        line = raw.get(exchange.LINE)
        lines.append(line if isinstance(line, int) else 0)
        yield raw


def _load(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    feed: str,
    caller: Caller | None,
    xlsx_limits: XlsxLimits | None,
    settings: Settings | None,
    now: datetime | None,
) -> LoadResult:
    uow = unit_of_work(target)
    settings = settings or Settings(database_url=uow.engine.url.render_as_string(hide_password=False))
    definition = REGISTRATIONS if feed == "registrations" else RESTRICTIONS
    result = LoadResult(0, feed, "running", path.name[:200], _sha256(path))
    lines: array[int] = array("q")
    try:
        result.format = exchange.format_of(path.name)
    except FileRejected as e:
        result.status, result.errors = "rejected", [e.error]
        return result
    batch = exchange.load_feed(
        uow,
        settings,
        definition,
        _numbered(exchange.read_records(path, definition, xlsx_limits), lines),
        caller=caller or Caller.system(f"registry.load_{feed}"),
        channel="file",
        filename=path.name,
        keyring=keyring,
        now=now,
    )
    result.load_id = batch.batch_id
    if batch.status != "done":
        result.status = "rejected"
        result.errors = [FieldError("文件", batch.error or "文件无法读取")]
        return result
    table = registrations if feed == "registrations" else restriction_records
    with uow.read() as conn:
        written = conn.execute(select(func.count()).select_from(table).where(table.c.load_id == batch.batch_id))
        result.records_new = int(written.scalar_one())
    result.records_total = batch.received
    result.records_rejected = batch.rejected
    result.records_unchanged = batch.received - batch.rejected - result.records_new
    result.errors = [FieldError(r.field or "record", r.reason, _line(lines, r.seq)) for r in batch.rejections]
    result.status = "loaded" if result.records_new else "rejected" if batch.rejected else "unchanged"
    return result


def _line(lines: array[int], seq: int) -> int | None:
    return (lines[seq - 1] or None) if 0 < seq <= len(lines) else None
