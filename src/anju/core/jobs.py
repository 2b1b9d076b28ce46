"""Background jobs a person can watch: long work started from a page answers at once with the job's
page, which updates itself until the work ends and then leads to the result (issue 25, "long work
shows progress in the browser").

* :func:`start` records the job (``background_jobs``, a short transaction of its own), runs the work on
  the process's job thread and returns the job's id; the work receives a :data:`Progress` callback —
  the same ``(message, fraction)`` signature as the command line's progress printer — and returns a
  :class:`Done` (where the result is, what to say).
* Progress goes to a small JSON file per job under ``<data_dir>/jobs/`` (written whole and renamed),
  not to the database: the work itself usually holds one long write transaction (an import is all or
  nothing), and on SQLite no other connection may write while it does. The row records the start and
  the end (status, result path, error). A file is readable by every server process on the machine;
  a deployment over several machines needs ``data_dir`` on shared storage (docs/settings.md).
* A job whose process ended before the work did (a restart) is shown as ``interrupted``: the row names
  the runner (host and process id) and a reader on the same host finds that process gone.

Jobs belong to the account that started them: :func:`get` and :func:`list_for` are scoped by owner.

* The files jobs lead to (a report, an evaluation) live under :func:`results_dir`; they and the progress
  files are deleted once older than ``job_result_days`` (:func:`purge`: after a job ends, at most once an
  hour per process, and by ``anju jobs purge``). The job's row stays; its download then answers that the
  file was cleaned up and may be generated again.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypedDict

from sqlalchemy import Column, Connection, Index, String, Table, Text, select, update

from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.errors import AnjuError, NotFound
from anju.core.paging import Page, fetch_page
from anju.core.types import IdType, UTCDateTime, metadata

log = logging.getLogger(__name__)

#: ``(message, fraction done 0..1)``: what the work reports as it goes.
Progress = Callable[[str, float], None]

STATUS_LABELS = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "failed": "失败",
    "interrupted": "已中断（服务重启）",
}
OPEN = ("queued", "running")

background_jobs = Table(
    "background_jobs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),  # e.g. registry.import
    Column("title", String(200), nullable=False),  # what the person sees, Chinese
    Column("owner_account_id", IdType, nullable=True),
    Column("status", String(12), nullable=False),  # see STATUS_LABELS
    Column("runner", String(120), nullable=False),  # host:pid of the process running it
    Column("result_path", String(200), nullable=True),  # a same-site path to the result
    Column("message", String(500), nullable=True),  # the outcome in a sentence
    Column("error", Text, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Index("ix_background_jobs_owner", "owner_account_id", "created_at"),
)


@dataclass(frozen=True)
class Done:
    """What a finished job leads to."""

    result_path: str | None
    message: str


class JobView(TypedDict):
    id: int
    kind: str
    title: str
    status: str
    status_label: str
    fraction: float  # 0..1
    message: str
    result_path: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    open: bool


#: host:pid:boot of this process. The boot id tells a restarted process that reuses a dead one's pid (a
#: container's pid 1) from the process that started the job.
_BOOT = uuid.uuid4().hex[:12]
_RUNNER = f"{socket.gethostname()}:{os.getpid()}:{_BOOT}"
_executors: list[ThreadPoolExecutor] = []  # made on first use: one per process
_futures: dict[int, Future[None]] = {}
_lock = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    with _lock:
        if not _executors:
            # one job at a time per process: jobs are heavy, and on SQLite they write one at a time anyway
            _executors.append(ThreadPoolExecutor(max_workers=1, thread_name_prefix="anju-job"))
        return _executors[0]


def _progress_file(data_dir: Path, job_id: int) -> Path:
    return data_dir / "jobs" / f"{job_id}.json"


#: Days a job's files are kept (``job_result_days``; :func:`keep_files_for` sets it for the process).
_keep = {"days": 7}
_last_purge: dict[Path, float] = {}
PURGE_EVERY = 3600.0  # seconds between a process's purges of one data folder


def results_dir(data_dir: Path, kind: str) -> Path:
    """The folder where jobs of one kind keep the files they lead to (deleted after ``job_result_days``)."""
    return data_dir / "job-results" / kind


def keep_files_for(days: int) -> None:
    """Set how many days this process keeps jobs' files (the app sets it from its settings)."""
    _keep["days"] = max(1, int(days))


def purge(data_dir: Path, days: int, *, now: float | None = None) -> int:
    """Delete the jobs' result and progress files last written more than ``days`` days ago; answers how
    many. A job still running rewrites its progress file, so only ended jobs' files grow that old."""
    cutoff = (time.time() if now is None else now) - days * 86_400
    removed = 0
    for root in (data_dir / "job-results", data_dir / "jobs"):
        if not root.is_dir():
            continue
        for path in root.rglob("*"):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # another process purged it first
                continue
    return removed


def _purge_now_and_then(data_dir: Path) -> None:
    """:func:`purge` with this process's ``job_result_days``, at most once per :data:`PURGE_EVERY`."""
    now = time.monotonic()
    with _lock:
        last = _last_purge.get(data_dir)
        if last is not None and now - last < PURGE_EVERY:
            return
        _last_purge[data_dir] = now
    try:
        removed = purge(data_dir, _keep["days"])
    except OSError as e:  # never fails the job that triggered it
        log.warning("purging old job files failed: %s", type(e).__name__)
        return
    if removed:
        log.info("purged %d job files older than %d days", removed, _keep["days"])


class _Reporter:
    """The :data:`Progress` callback of one job: writes the progress file at most every 0.3 s."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.last = 0.0
        self.fraction = 0.0

    def __call__(self, message: str, fraction: float, *, force: bool = False) -> None:
        frac = self.fraction = min(1.0, max(0.0, float(fraction)))  # kept even when not written
        now = time.monotonic()
        if not force and now - self.last < 0.3:
            return
        self.last = now
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"message": message[:200], "fraction": frac}, ensure_ascii=False))
        os.replace(tmp, self.path)


def start(
    uow: UnitOfWork,
    data_dir: Path,
    *,
    kind: str,
    title: str,
    owner: int | None,
    work: Callable[[Progress], Done],
) -> int:
    """Record a job, run ``work`` on the job thread, return the job's id at once. The job's own rows are
    written through the unit of work like every write (on SQLite, the writers' queue: while another
    job's import holds it, recording this one waits for it instead of failing)."""
    now = clock.now()
    with uow.begin() as conn:
        job_id = int(
            conn.execute(
                background_jobs.insert()
                .values(
                    kind=kind,
                    title=title[:200],
                    owner_account_id=owner,
                    status="queued",
                    runner=_RUNNER,
                    created_at=now,
                )
                .returning(background_jobs.c.id)
            ).scalar_one()
        )
    path = _progress_file(data_dir, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    reporter = _Reporter(path)
    reporter("排队等待", 0.0, force=True)
    future = _pool().submit(_run, uow, job_id, reporter, work)
    with _lock:
        _futures[job_id] = future
    future.add_done_callback(lambda _f: _forget(job_id))
    return job_id


def _forget(job_id: int) -> None:
    with _lock:
        _futures.pop(job_id, None)


def _finish(uow: UnitOfWork, job_id: int, **values: object) -> None:
    with uow.begin() as conn:
        conn.execute(
            update(background_jobs).where(background_jobs.c.id == job_id).values(finished_at=clock.now(), **values)
        )


def _run(uow: UnitOfWork, job_id: int, reporter: _Reporter, work: Callable[[Progress], Done]) -> None:
    with uow.begin() as conn:
        conn.execute(update(background_jobs).where(background_jobs.c.id == job_id).values(status="running"))
    reporter("开始", 0.0, force=True)
    try:
        done = work(reporter)
    except AnjuError as e:  # a refusal the person can act on: its message is already Chinese
        reporter("未完成", reporter.fraction, force=True)  # the bar stays where the work stopped
        _finish(uow, job_id, status="failed", error=str(e)[:2000])
        return
    except Exception as e:  # any failure ends the job as failed; where it happened goes to the log
        # the frames only, not the exception's message: it may quote personal data
        where = "".join(traceback.format_tb(e.__traceback__))
        log.error("background job %s failed with %s\n%s", job_id, type(e).__name__, where)
        reporter("未完成", reporter.fraction, force=True)
        _finish(uow, job_id, status="failed", error="内部错误，请联系管理员（详见服务日志）")
        return
    reporter(done.message, 1.0, force=True)
    _finish(uow, job_id, status="done", result_path=done.result_path, message=done.message[:500])
    _purge_now_and_then(reporter.path.parent.parent)


def wait(job_id: int, timeout: float = 60.0) -> None:
    """Wait until a job this process runs has ended (tests and the command line)."""
    with _lock:
        future = _futures.get(job_id)
    if future is not None:
        future.result(timeout)


def _alive(runner: str) -> bool:
    """Whether the process that runs a job still does (``host:pid:boot``)."""
    host, pid, boot = [*runner.rsplit(":", 2), "", ""][:3]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: it cannot be checked from here
    if int(pid) == os.getpid():
        return boot == _BOOT  # this pid, but another boot: the process that started it is gone
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _view(row: Any, data_dir: Path) -> JobView:
    """A row of ``background_jobs`` with the progress its file holds."""
    status = str(row.status)
    if status in OPEN and not _alive(str(row.runner)):
        status = "interrupted"
    fraction, message = (1.0 if status == "done" else 0.0), ""
    try:
        saved = json.loads(_progress_file(data_dir, int(row.id)).read_text())
        fraction = 1.0 if status == "done" else float(saved.get("fraction", 0.0))
        message = str(saved.get("message", ""))
    except (OSError, ValueError):
        pass
    if row.message and status not in OPEN:
        message = str(row.message)
    return JobView(
        id=int(row.id),
        kind=str(row.kind),
        title=str(row.title),
        status=status,
        status_label=STATUS_LABELS[status],
        fraction=round(fraction, 4),
        message=message,
        result_path=row.result_path,
        error=row.error,
        created_at=row.created_at,
        finished_at=row.finished_at,
        open=status in OPEN,
    )


def get(conn: Connection, data_dir: Path, job_id: int, *, owner: int | None) -> JobView:
    """A job of ``owner`` with its progress; another account's job is not found."""
    row = conn.execute(
        select(background_jobs).where(background_jobs.c.id == job_id, background_jobs.c.owner_account_id == owner)
    ).first()
    if row is None or owner is None:
        raise NotFound(f"没有编号为 {job_id} 的任务")
    return _view(row, data_dir)


def list_for(conn: Connection, data_dir: Path, owner: int, *, offset: int, limit: int) -> Page[JobView]:
    """The owner's jobs, newest first."""
    q = select(background_jobs).where(background_jobs.c.owner_account_id == owner).order_by(background_jobs.c.id.desc())
    page: Page[JobView] = fetch_page(conn, q, limit=limit, offset=offset, row=lambda r: _view(r, data_dir))
    return page


def owns_result(conn: Connection, result_path: str, *, owner: int | None) -> bool:
    """Whether ``owner`` started a finished job that led to ``result_path`` (a download only its owner
    may fetch: another account, even of the same role, is told it does not exist)."""
    if owner is None:
        return False
    q = select(background_jobs.c.id).where(
        background_jobs.c.owner_account_id == owner,
        background_jobs.c.result_path == result_path,
        background_jobs.c.status == "done",
    )
    return conn.execute(q.limit(1)).first() is not None


__all__ = [
    "PURGE_EVERY",
    "STATUS_LABELS",
    "Done",
    "JobView",
    "Progress",
    "background_jobs",
    "get",
    "keep_files_for",
    "list_for",
    "owns_result",
    "purge",
    "results_dir",
    "start",
    "wait",
]
