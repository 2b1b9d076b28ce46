"""Loading a feed file: the entry points :func:`load_registrations` and :func:`load_restrictions`.

A load is one transaction (``security.audited_job``: the writers' queue, and the audit row in the
transaction that records the load in ``feed_loads``). The file is streamed record by record and
written in chunks; the first bad record stops the writing and the rest of the file is only checked,
so that every bad record is reported (line, field, reason) — then the whole transaction is rolled
back and the load is recorded as rejected: a file is all or nothing, like the 楼盘表 import. A load
whose records were all delivered before is recorded as ``unchanged``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypedDict

from sqlalchemy import Connection, Engine, insert, update

from anju.contexts import CONTEXTS, load
from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import FieldError
from anju.core.sheet import FileRejected
from anju.core.xlsx import XlsxLimits
from anju.registry.feeds import parse
from anju.registry.feeds.files import RawRecord, format_of, read_records
from anju.registry.feeds.owners import RegistrationWriter
from anju.registry.feeds.restrictions import RestrictionWriter
from anju.registry.feeds.state import CHUNK, LoadState, batches
from anju.registry.tables import feed_loads, feed_locks
from anju.security import AuditedJob, Caller, Keyring, audited_job

#: Errors kept in a load's stored report (the count is always exact).
REPORT_CAP = 1000


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


class _Rollback(Exception):
    """Raised inside the load's transaction to undo everything (a bad record)."""


def load_registrations(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    *,
    caller: Caller | None = None,
    batch: int = CHUNK,
    xlsx_limits: XlsxLimits | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> LoadResult:
    """Load a file of the registration centre's registrations (首次登记, 转移登记, 更正登记)."""
    return _load(target, path, keyring, "registrations", caller, batch, xlsx_limits, today, now)


def load_restrictions(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    *,
    caller: Caller | None = None,
    batch: int = CHUNK,
    xlsx_limits: XlsxLimits | None = None,
    today: date | None = None,
    now: datetime | None = None,
) -> LoadResult:
    """Load a file of restriction records (查封/解封, 抵押/注销, 行政限制/解除)."""
    return _load(target, path, keyring, "restrictions", caller, batch, xlsx_limits, today, now)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _load(
    target: Engine | UnitOfWork,
    path: Path,
    keyring: Keyring,
    feed: str,
    caller: Caller | None,
    batch: int,
    xlsx_limits: XlsxLimits | None,
    today: date | None,
    now: datetime | None,
) -> LoadResult:
    today = today or clock.today()
    now = now or clock.now()
    job = audited_job(unit_of_work(target), caller or Caller.system(f"registry.load_{feed}"), f"registry.load_{feed}")
    job.entity = "feed_load"
    result = LoadResult(0, feed, "running", path.name[:200], _sha256(path))
    try:
        result.format = format_of(path.name)
        with job.final() as conn:
            # the first statement is a write to the feed's lock row: loads of one feed serialise here
            conn.execute(update(feed_locks).where(feed_locks.c.feed == feed).values(loads=feed_locks.c.loads + 1))
            result.load_id = job.entity_id = _insert_load(conn, result, now)
            st = LoadState(conn, keyring, result.load_id, today, now)
            _run(st, read_records(path, feed, result.format, xlsx_limits), feed, max(1, min(batch, CHUNK)), result)
            if st.errors:
                raise _Rollback
            result.status = "loaded" if st.new else "unchanged"
            followed = _follow(st) if feed == "registrations" and st.new else {}
            _finish_load(conn, result, now)
            detail: dict[str, object] = {"feed": feed, "records_new": result.records_new, "sha256": result.sha256}
            job.detail = detail | ({"followed": followed} if followed else {})
    except FileRejected as e:
        result.errors = [*result.errors, e.error]
        return _record_rejected(job, result, now)
    except _Rollback:
        return _record_rejected(job, result, now)
    return result


Parsed = parse.RegistrationIn | parse.RestrictionIn


def _parsed(st: LoadState, raws: Iterator[RawRecord], feed: str, result: LoadResult) -> Iterator[Parsed]:
    check: Callable[[RawRecord, date], Parsed | list[FieldError]] = (
        parse.registration if feed == "registrations" else parse.restriction
    )
    for raw in raws:
        result.records_total += 1
        out = check(raw, st.today)
        if isinstance(out, list):
            st.errors.extend(out)
            st.rejected_lines.add(raw.line)
        else:
            yield out


def _run(st: LoadState, raws: Iterator[RawRecord], feed: str, batch: int, result: LoadResult) -> None:
    registrations, restrictions = RegistrationWriter(st), RestrictionWriter(st)
    for recs in batches(_parsed(st, raws, feed, result), batch):
        if feed == "registrations":
            registrations.chunk([r for r in recs if isinstance(r, parse.RegistrationIn)])
        else:
            restrictions.chunk([r for r in recs if isinstance(r, parse.RestrictionIn)])
    result.records_new, result.records_unchanged = st.new, st.unchanged
    result.records_rejected = len(st.rejected_lines)
    result.errors = st.errors


def _follow(st: LoadState) -> dict[str, int]:
    """Run the registration followers the contexts declare (``anju.contexts``), in the load's
    transaction, with the homes whose registrations the load wrote: what each completed, by name
    (e.g. resale contracts whose transfer was registered)."""
    out: dict[str, int] = {}
    for ctx in CONTEXTS:
        for name, spec in ctx.registration_followers.items():
            out[name] = int(load(spec)(st.conn, sorted(st.touched_homes), st.today, st.now))
    return out


def _insert_load(conn: Connection, result: LoadResult, now: datetime) -> int:
    values = {
        "feed": result.feed,
        "filename": result.filename,
        "sha256": result.sha256,
        "format": result.format,
        "status": "running",
        "records_total": 0,
        "records_new": 0,
        "records_unchanged": 0,
        "records_rejected": 0,
        "report": "{}",
        "created_at": now,
    }
    return int(conn.execute(insert(feed_loads).values(**values).returning(feed_loads.c.id)).scalar_one())


def _finish_load(conn: Connection, result: LoadResult, now: datetime) -> None:
    report = {"errors": [e.as_dict() for e in result.errors[:REPORT_CAP]], "errors_total": len(result.errors)}
    conn.execute(
        update(feed_loads)
        .where(feed_loads.c.id == result.load_id)
        .values(
            status=result.status,
            format=result.format,
            records_total=result.records_total,
            records_new=result.records_new,
            records_unchanged=result.records_unchanged,
            records_rejected=result.records_rejected,
            report=json.dumps(report, ensure_ascii=False),
            finished_at=now,
        )
    )


def _record_rejected(job: AuditedJob, result: LoadResult, now: datetime) -> LoadResult:
    result.status = "rejected"
    result.records_new = result.records_unchanged = 0
    result.records_rejected = result.records_rejected or len({e.row for e in result.errors if e.row}) or 1
    job.outcome = "failed"
    job.detail = {"feed": result.feed, "errors_total": len(result.errors), "sha256": result.sha256}
    with job.final() as conn:
        result.load_id = job.entity_id = _insert_load(conn, result, now)
        _finish_load(conn, result, now)
    return result
