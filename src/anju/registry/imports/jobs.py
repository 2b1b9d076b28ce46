"""Import jobs: the entry point :func:`import_file` (read, scan, resolve, write — in one transaction),
the record of every attempt in ``import_jobs`` with its report, the reads of jobs, and the re-merge of
every home's merged fields after the source rules changed.

``all_or_nothing`` (the default) changes nothing when any row is bad; ``good_rows`` loads the good rows
and returns the rejected ones with the reason.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict, cast

from sqlalchemy import Connection, Engine, select, update

from anju.core import clock, csvout
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import FieldError, NotFound, TooLarge, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import SYSTEM
from anju.core.sheet import FileRejected, SheetData
from anju.core.xlsx import XlsxLimits
from anju.registry import changes, domain
from anju.registry.imports import formats, plan, scan, write
from anju.registry.imports.run import ImportRun, chunks
from anju.registry.imports.write import REPORT_CAP, Fatal
from anju.registry.tables import home_source_records, homes, import_jobs
from anju.security import AuditedJob, Caller, audited_job

#: Rejected rows kept in a job's stored report (the count is always exact).
REJECTS_CAP = 5000
REJECT_REASON_HEADER = "错误原因"


class ImportSummary(TypedDict):
    """An import as the CLI prints it (:meth:`ImportResult.summary`)."""

    job_id: int
    status: str
    source: str
    mode: str
    filename: str
    sha256: str
    format: str | None
    encoding: str | None
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    conflicts: int
    errors: list[dict[str, object]]  # FieldError.as_dict
    errors_total: int
    notes: list[str]


class _JobValues(TypedDict):
    """The ``import_jobs`` columns an import's result sets."""

    source: str
    filename: str
    sha256: str
    mode: str
    status: str
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    conflicts: int


@dataclass
class ImportResult:
    """What an import did. ``errors`` and ``rejects`` are complete; the stored report is capped."""

    job_id: int
    status: str
    source: str
    mode: str
    filename: str
    sha256: str
    rows_total: int = 0
    rows_created: int = 0
    rows_updated: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    conflicts: int = 0
    errors: list[FieldError] = field(default_factory=list)
    conflict_list: list[dict[str, Any]] = field(default_factory=list)
    rejects_header: list[str] = field(default_factory=list)
    rejects: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    format: str | None = None
    encoding: str | None = None

    @property
    def rejected(self) -> bool:
        return self.status == "rejected"

    def summary(self, errors_cap: int = 50) -> ImportSummary:
        return {
            "job_id": self.job_id,
            "status": self.status,
            "source": self.source,
            "mode": self.mode,
            "filename": self.filename,
            "sha256": self.sha256,
            "format": self.format,
            "encoding": self.encoding,
            "rows_total": self.rows_total,
            "rows_created": self.rows_created,
            "rows_updated": self.rows_updated,
            "rows_unchanged": self.rows_unchanged,
            "rows_rejected": self.rows_rejected,
            "conflicts": self.conflicts,
            "errors": [e.as_dict() for e in self.errors[:errors_cap]],
            "errors_total": len(self.errors),
            "notes": self.notes,
        }

    def rejects_csv(self) -> bytes:
        """The rejected rows with their original columns and a 错误原因 column (UTF-8 with BOM)."""
        return csvout.to_bytes(self.rejects_header, self.rejects)


class _Rollback(Exception):
    """Raised inside the write transaction to undo everything (all-or-nothing)."""


def _check_options(source: str, mode: str) -> None:
    if source not in domain.IMPORT_SOURCES:
        raise ValidationError.of("source", f"未知的来源「{source}」，应为 {'、'.join(domain.IMPORT_SOURCES)} 之一")
    if mode not in domain.IMPORT_MODES:
        raise ValidationError.of("mode", f"未知的导入方式「{mode}」，应为 {'、'.join(domain.IMPORT_MODES)} 之一")


def import_file(
    target: Engine | UnitOfWork,
    data: bytes,
    filename: str,
    *,
    caller: Caller | None = None,
    source: str = "manual",
    mode: str = "all_or_nothing",
    max_bytes: int = 50 * 1024 * 1024,
    batch_rows: int = 5000,
    xlsx_limits: XlsxLimits | None = None,
    today: date | None = None,
    now: datetime | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> ImportResult:
    """Import one 楼盘表 file from ``source`` for ``caller``; one transaction, through the unit of work
    (``target``: the app's, or an engine for the command line and tests). The attempt is recorded in
    ``import_jobs`` and the audit log in that same transaction (``security.audited_job``): a rejected
    file's transaction records the rejection instead. An .xlsx file is checked against ``xlsx_limits``
    (the defaults of ``ANJU_IMPORT_XLSX_*`` when not given) before it is read."""
    _check_options(source, mode)
    job = audited_job(unit_of_work(target), caller or Caller.system("registry.import"), "registry.import", "import_job")
    job.detail = {"source": source, "mode": mode}
    if len(data) > max_bytes:
        raise TooLarge(
            f"文件大小 {len(data)} 字节，超过上限 {max_bytes} 字节",
            [FieldError("file", f"文件不能超过 {max_bytes // (1024 * 1024) or 1} MB")],
        )
    today = today or clock.today()
    now = now or clock.now()
    filename = (filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:200] or "upload"
    result = ImportResult(0, "running", source, mode, filename, hashlib.sha256(data).hexdigest())
    try:
        sheet = formats.read_sheet(data, filename, xlsx_limits)
    except FileRejected as e:
        result.errors = [e.error]
        return _record_rejected(job, result, now)
    result.format, result.encoding = sheet.format, sheet.encoding
    try:
        with job.final() as conn:
            result.job_id = job.entity_id = _insert_job(conn, result, now)
            # a CSV's line count is a cheap upper bound of its rows (progress only)
            expected = data.count(b"\n") if sheet.format == "csv" else None
            run = ImportRun(conn, sheet, source, mode, result.job_id, today, now, batch_rows, progress, expected)
            _run(run, result)
            _finish_job(conn, result, now, run.notes)
            job.outcome = "failed" if result.rejected else "ok"
    except FileRejected as e:
        result.errors = [e.error]
        return _record_rejected(job, result, now)
    except Fatal as e:
        result.errors = [*result.errors, e.error]
        result.rows_created = result.rows_updated = result.rows_unchanged = 0
        return _record_rejected(job, result, now, sheet)
    except _Rollback:
        result.rows_created = result.rows_updated = result.rows_unchanged = 0
        return _record_rejected(job, result, now, sheet)
    return result


def _run(run: ImportRun, result: ImportResult) -> None:
    """Scan, resolve and write inside the job's transaction; raise :class:`_Rollback` to undo it all."""
    scan.scan(run)
    run.step(f"共 {run.total:,} 行：与楼盘表中已有的小区、楼栋和房屋核对", 0.5)
    plan.resolve(run)
    if run.errors and run.mode == "all_or_nothing":
        _collect(result, run)
        raise _Rollback
    run.step("写入楼盘表", 0.65)
    write.write(run)
    run.step("生成导入报告", 0.95)
    _collect(result, run)
    if run.errors and run.mode == "all_or_nothing":
        raise _Rollback
    good = run.created + run.updated + run.unchanged
    if run.errors:
        result.status = "partial" if good else "rejected"
    elif run.created or run.updated or run.records_written:
        result.status = "loaded"
    else:
        result.status = "unchanged"
    _rejects(result, run.sheet, run.errors)


def _collect(result: ImportResult, run: ImportRun) -> None:
    run.errors.sort(key=lambda e: e.row or 0)
    result.errors = run.errors
    result.rows_total = run.total
    result.rows_created, result.rows_updated, result.rows_unchanged = run.created, run.updated, run.unchanged
    result.rows_rejected = len(run.bad_rows)
    result.conflicts = run.conflict_count
    result.conflict_list = run.conflicts
    result.notes = run.notes[:100]


def _rejects(result: ImportResult, sheet: SheetData | None, errors: list[FieldError]) -> None:
    if sheet is None or not errors:
        return
    reasons: dict[int, list[str]] = {}
    for e in errors:
        if e.row is not None:
            reasons.setdefault(e.row, []).append(f"{e.field}：{e.reason}")
    if not reasons:
        return
    result.rejects_header = [*sheet.header, REJECT_REASON_HEADER]
    width = len(sheet.header)
    try:
        for n, cells in sheet.rows():
            if n in reasons:
                original = (cells + [""] * width)[:width]
                result.rejects.append([*original, "；".join(reasons[n])])
    except FileRejected:
        pass


def _report(result: ImportResult, notes: list[str]) -> str:
    return json.dumps(
        {
            "format": result.format,
            "encoding": result.encoding,
            "errors": [e.as_dict() for e in result.errors[:REPORT_CAP]],
            "errors_total": len(result.errors),
            "conflicts": result.conflict_list[:REPORT_CAP],
            "conflicts_total": result.conflicts,
            "notes": notes[:100],
            "rejects": {
                "header": result.rejects_header,
                "rows": result.rejects[:REJECTS_CAP],
                "total": len(result.rejects),
            },
        },
        ensure_ascii=False,
        default=str,
    )


def _job_values(result: ImportResult) -> _JobValues:
    return {
        "source": result.source,
        "filename": result.filename,
        "sha256": result.sha256,
        "mode": result.mode,
        "status": result.status,
        "rows_total": result.rows_total,
        "rows_created": result.rows_created,
        "rows_updated": result.rows_updated,
        "rows_unchanged": result.rows_unchanged,
        "rows_rejected": result.rows_rejected,
        "conflicts": result.conflicts,
    }


def _insert_job(conn: Connection, result: ImportResult, now: datetime) -> int:
    res = conn.execute(
        import_jobs.insert().values(**_job_values(result), report="{}", created_at=now, finished_at=None)
    )
    assert res.inserted_primary_key is not None
    return int(res.inserted_primary_key[0])


def _finish_job(conn: Connection, result: ImportResult, now: datetime, notes: list[str]) -> None:
    conn.execute(
        update(import_jobs)
        .where(import_jobs.c.id == result.job_id)
        .values(**_job_values(result), report=_report(result, notes), finished_at=clock.now())
    )


def _record_rejected(
    job: AuditedJob, result: ImportResult, now: datetime, sheet: SheetData | None = None
) -> ImportResult:
    result.status = "rejected"
    result.rows_created = result.rows_updated = result.rows_unchanged = 0
    result.conflicts = 0
    result.conflict_list = []
    if not result.rows_rejected:
        data_rows = {e.row for e in result.errors if e.row is not None and e.row > 1}  # row 1 is the header
        result.rows_rejected = len(data_rows) or result.rows_total
    _rejects(result, sheet, result.errors)
    job.outcome = "failed"
    with job.final() as conn:
        result.job_id = job.entity_id = _insert_job(conn, result, now)
        _finish_job(conn, result, now, result.notes)
    return result


def remerge(
    conn: Connection, *, today: date | None = None, now: datetime | None = None, home_ids: Iterable[int] | None = None
) -> dict[str, int]:
    """Recompute the register's value of every merged field from the source records (after the rules
    changed); changed homes go through :func:`anju.registry.changes.change_home` so their history is kept."""
    today = today or clock.today()
    now = now or clock.now()
    rules = plan.load_rules(conn)
    records = home_source_records
    q = select(records.c.home_id).distinct().order_by(records.c.home_id)
    if home_ids is not None:
        q = q.where(records.c.home_id.in_(list(home_ids)))
    ids = [int(r[0]) for r in conn.execute(q)]
    changed = conflicts = 0
    for part in chunks(ids, 1000):
        said: dict[int, dict[str, dict[str, Any]]] = {}
        for hid, source, attrs in conn.execute(
            select(records.c.home_id, records.c.source, records.c.attrs).where(records.c.home_id.in_(part))
        ):
            said.setdefault(int(hid), {})[source] = json.loads(attrs)
        current = {int(h["id"]): h for h in conn.execute(select(homes).where(homes.c.id.in_(part))).mappings()}
        for hid in part:
            winners, found = plan.merge_values(said.get(hid, {}), rules)
            conflicts += len(found)
            cur = current[hid]
            patch = {f: plan.typed(f, v) for f, (_, v) in winners.items() if plan.typed(f, v) != cur[f]}
            change = changes.Change(patch, today, None, "update", "来源优先级调整后重新合并", "merge")
            if patch and changes.change_home(conn, hid, change, scope=SYSTEM, now=now, today=today):
                changed += 1
    return {"homes": len(ids), "changed": changed, "conflicts": conflicts}


JOB_COLS = [c for c in import_jobs.c if c.name != "report"]


class ImportJob(TypedDict):
    """One recorded import attempt, as lists answer it (without its report)."""

    id: int
    source: str
    filename: str
    sha256: str
    mode: str
    status: str
    rows_total: int
    rows_created: int
    rows_updated: int
    rows_unchanged: int
    rows_rejected: int
    conflicts: int
    created_at: datetime
    finished_at: datetime | None


class ImportJobWithReport(ImportJob):
    #: format, encoding, errors (capped) and errors_total, conflicts and conflicts_total, notes, rejects
    report: dict[str, Any]


def list_jobs(conn: Connection, *, offset: int = 0, limit: int = 50) -> Page[ImportJob]:
    """The import jobs, newest first (without their reports)."""
    stmt = select(*JOB_COLS).order_by(import_jobs.c.id.desc())
    return fetch_page(
        conn,
        stmt,
        offset=offset,
        limit=limit,
        row=lambda r: cast(ImportJob, dict(r._mapping)),
        count_stmt=select(import_jobs.c.id),
    )


def get_job(conn: Connection, job_id: int) -> ImportJobWithReport:
    row = conn.execute(select(import_jobs).where(import_jobs.c.id == job_id)).mappings().first()
    if row is None:
        raise NotFound(f"没有编号为 {job_id} 的导入作业")
    out = dict(row)
    try:
        out["report"] = json.loads(row["report"] or "{}")
    except ValueError:
        out["report"] = {}
    return cast(ImportJobWithReport, out)


def job_rejects_csv(job: ImportJobWithReport) -> bytes:
    """The rejected rows kept in a job's report, as CSV (UTF-8 with BOM)."""
    rej = job["report"].get("rejects") or {}
    return csvout.to_bytes(rej.get("header") or [REJECT_REASON_HEADER], rej.get("rows") or [])
