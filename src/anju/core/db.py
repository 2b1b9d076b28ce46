"""Engines and the unit of work (column types and the metadata are in :mod:`anju.core.types`).

Tables are SQLAlchemy Core tables registered on one ``metadata``; each context defines its own in
its ``tables.py``. The schema is created only by the Alembic migrations in ``core/migrations``.
"""

from __future__ import annotations

import asyncio
import contextvars
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar, cast

import anyio
from sqlalchemy import Connection, Engine, create_engine, event

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the server's processes meet SQLite's own lock
    fcntl = None  # type: ignore[assignment]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite would BEGIN only before INSERT/UPDATE/DELETE, so a SAVEPOINT that came first would open
    # (and its RELEASE commit) the transaction on its own: a later failure could not roll it back.
    # The driver is put in autocommit and SQLAlchemy's own BEGIN (``_sqlite_begin``) starts every
    # transaction instead — SQLAlchemy's documented recipe for pysqlite.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA cache_size=-65536")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


#: execution option of a connection whose transactions write (the unit of work's ``begin``)
SQLITE_WRITE = "anju_sqlite_write"


def _sqlite_begin(conn: Any) -> None:
    # A write transaction takes SQLite's write lock when it begins (IMMEDIATE). Begun DEFERRED, it would
    # read first and ask for the lock at its first write; a writer outside the queue (a session touch,
    # a refusal's audit row, a CLI job) committing in between makes that request fail at once with
    # "database is locked" (the snapshot it read is stale), which no busy timeout waits out.
    immediate = conn.get_execution_options().get(SQLITE_WRITE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, echo: bool = False, pre_ping: bool = False) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, echo=echo, hide_parameters=True, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    # No pre-ping by default: it is a round trip per request (≈1 ms of look-up p50 on the 2-core
    # machine). After a server restart the pool is invalidated on the first failed request.
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,  # statements may be logged; their values (personal data) never are
        pool_pre_ping=pre_ping,
        pool_recycle=1800,
        pool_size=10,
        max_overflow=10,
    )


class SqliteWriters:
    """The queue of SQLite write transactions: one writer at a time, handed over at once.

    Left to SQLite, concurrent writers wait in its busy handler, which sleeps in growing steps (up to
    100 ms) and lets later arrivals overtake: under a burst some requests wait seconds. Instead, this
    process's writers queue on a lock and, for a database file, the server's processes (``anju serve
    --workers N``) queue on an exclusive ``flock`` of ``<database>-writers.lock``, which the kernel
    hands to the next waiter as soon as it is released. Writers that bypass the unit of work (a CLI
    job) still meet SQLite's own lock, so correctness never depends on this queue.
    """

    def __init__(self, database: str | None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        memory = not database or database == ":memory:" or database.startswith("file::memory:")
        self._path = None if memory or fcntl is None else f"{database}-writers.lock"
        self._fd: int | None = None

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0 and self._path is not None:
                # opened per outermost transaction (≈10 µs) and closed after: an app that is dropped
                # (the tests make hundreds) leaves no descriptor behind, and a forked child never
                # shares a locked description with its parent
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                except BaseException:
                    os.close(self._fd)
                    self._fd = None
                    raise
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    os.close(self._fd)  # releases the flock
                    self._fd = None


T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")
S = TypeVar("S", bound="Staged")


#: ``conn.info`` key of the Stage of a group commit's transaction (absent outside one)
GROUP_STAGE = "anju.group.stage"


class Staged(Protocol):
    """Writes a context leaves for the end of a group commit's transaction (see Stage)."""

    def mark(self) -> object: ...

    def reset(self, mark: object) -> None: ...

    def flush(self, conn: Connection) -> None: ...


class Stage:
    """What the jobs of one group commit leave to the end of its transaction, one item per key: the
    verifiable log appends the whole group's entries as one batch, not one per job. Before a job
    runs in a savepoint, the group takes each item's mark; if the job fails, the items go back to
    their marks (and an item the job began is dropped). ``flush`` writes every item, in the order
    they were begun, before the commit; a context flushes its own item early if it must read what it
    staged (``flush_item``)."""

    def __init__(self) -> None:
        self._items: dict[str, Staged] = {}

    def item(self, key: str, new: Callable[[], S]) -> S:
        """The item staged under ``key``, begun with ``new()`` if there is none yet."""
        got = self._items.get(key)
        if got is None:
            got = self._items[key] = new()
        return cast(S, got)

    def marks(self) -> dict[str, object]:
        return {key: item.mark() for key, item in self._items.items()}

    def reset(self, marks: dict[str, object]) -> None:
        for key in list(self._items):
            if key in marks:
                self._items[key].reset(marks[key])
            else:
                del self._items[key]

    def flush_item(self, key: str, conn: Connection) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            item.flush(conn)

    def flush(self, conn: Connection) -> None:
        for key in list(self._items):
            self.flush_item(key, conn)


class StagedLists(Generic[K, V]):
    """A staged item made of one list per key: its mark is the lists' lengths, and a reset cuts each
    list back to its mark (a list begun after the mark goes). Subclasses write the lists in ``flush``."""

    def __init__(self) -> None:
        self.lists: dict[K, list[V]] = {}

    def add(self, key: K, values: Iterable[V]) -> int:
        """Append ``values`` under ``key``; returns how many were there before."""
        items = self.lists.setdefault(key, [])
        before = len(items)
        items.extend(values)
        return before

    def mark(self) -> object:
        return {key: len(items) for key, items in self.lists.items()}

    def reset(self, mark: object) -> None:
        assert isinstance(mark, dict)
        for key in list(self.lists):
            if key in mark:
                del self.lists[key][mark[key] :]
            else:
                del self.lists[key]

    def flush(self, conn: Connection) -> None:
        raise NotImplementedError


class _StagedInserts(StagedLists[Any, dict[str, Any]]):
    """Rows of plain INSERTs (no result wanted) a group's jobs leave for one executemany each."""

    def flush(self, conn: Connection) -> None:
        for stmt, rows in self.lists.items():
            if rows:
                conn.execute(stmt, rows)
        self.lists.clear()


_INSERTS = "anju.inserts"


def insert_row(conn: Connection, stmt: Any, row: dict[str, Any]) -> None:
    """Execute the prebuilt INSERT ``stmt`` for ``row`` — or, in a group commit's transaction, stage the
    row so that the group's rows of ``stmt`` go in one executemany before the commit. For rows no
    one reads back in the same transaction (audit rows, lease events)."""
    stage = stage_of(conn)
    if stage is None:
        conn.execute(stmt, row)
    else:
        stage.item(_INSERTS, _StagedInserts).add(stmt, [row])


def stage_of(conn: Connection) -> Stage | None:
    """The Stage of the group commit ``conn``'s transaction belongs to, or None."""
    stage: Stage | None = conn.info.get(GROUP_STAGE)
    return stage


@dataclass
class _Job(Generic[T]):
    work: Callable[[Connection], T]
    context: contextvars.Context
    future: Future[T] | None = None  # submit(): a thread waits on it
    waiter: asyncio.Future[T] | None = None  # run(): a coroutine waits on it, in the waiter's loop
    attempts: int = 0

    def wanted(self) -> bool:
        """False if its caller gave up before it ran (a dropped request): it is not run."""
        if self.future is not None:  # (running already: a job run again after a deadlock)
            return self.future.running() or self.future.set_running_or_notify_cancel()
        return self.waiter is not None and not self.waiter.cancelled()


def _settle(outcomes: list[tuple[_Job[Any], bool, Any]]) -> None:
    """Hand out results: a thread's future at once, the waiters of an event loop in one call."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], bool, Any]]] = {}
    for job, ok, value in outcomes:
        if job.future is not None:
            if job.future.done():
                continue
            if ok:
                job.future.set_result(value)
            else:
                job.future.set_exception(value)
        elif job.waiter is not None:
            by_loop.setdefault(job.waiter.get_loop(), []).append((job.waiter, ok, value))
    for loop, answers in by_loop.items():
        with suppress(RuntimeError):  # a loop that has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_answer, answers)


def _answer(answers: list[tuple[asyncio.Future[Any], bool, Any]]) -> None:
    for waiter, ok, value in answers:
        if not waiter.done():
            if ok:
                waiter.set_result(value)
            else:
                waiter.set_exception(value)


class _JobFailed(Exception):
    def __init__(self, position: int, error: Exception) -> None:
        self.position, self.error = position, error


class GroupCommit:
    """Concurrent writes of one process committed together (group commit).

    Requests hand their write (a function of a connection) to one writer thread. It takes whatever
    has queued up — at most ``max_jobs`` — and runs the jobs one after another in one transaction,
    which commits once; only then are the results handed out, so no request is answered for a write
    that could still be lost. A job that raises gets its exception and writes nothing: the
    transaction is rolled back and the other jobs are run again, this time each in a savepoint of its
    own (so a group is run at most twice, however many of its jobs fail). If the commit itself fails,
    every job of the group is run again alone, so one job cannot fail the others. A job runs in a
    copy of its caller's context variables, and must not write when it answers without writing (a
    replay): nothing else undoes it. Writes a context can batch across the group — the verifiable
    log's appends — are staged on the transaction's ``Stage`` and written once before the commit.

    A job aborted only by its timing (``core.dialect.is_transient``: on PostgreSQL, a deadlock with
    another server process's group, which can hold rows this group wants while waiting for the log's
    append lock this group holds) is queued again, up to ``ATTEMPTS`` times, instead of failing.

    This takes the BEGIN and COMMIT, the log's append lock (one per group) and the hand-over between
    request threads out of each write; on SQLite, where write transactions are serial anyway, also the
    writers' lock. The thread stops after ``idle_seconds`` without work and starts again with the
    next job.
    """

    def __init__(self, uow: UnitOfWork, max_jobs: int = 64, idle_seconds: float = 2.0) -> None:
        self._uow = uow
        self._max_jobs = max_jobs
        self._idle_seconds = idle_seconds
        self._queue: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: transactions committed and jobs run in them (for tests and benchmarks)
        self.groups = 0
        self.jobs = 0

    def submit(self, work: Callable[[Connection], T]) -> Future[T]:
        """Queue ``work``; its future completes after the group's commit."""
        job: _Job[T] = _Job(work, contextvars.copy_context(), future=Future())
        self._enqueue(job)
        assert job.future is not None
        return job.future

    async def run(self, work: Callable[[Connection], T]) -> T:
        """``submit`` for a coroutine: the answers of one group reach their event loop in one call
        (a call per answer from the writer thread cost as much as a statement)."""
        job: _Job[T] = _Job(work, contextvars.copy_context(), waiter=asyncio.get_running_loop().create_future())
        self._enqueue(job)
        assert job.waiter is not None
        return await job.waiter

    def _enqueue(self, job: _Job[Any]) -> None:
        self._queue.put(job)
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="anju-group-commit", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                first = self._queue.get(timeout=self._idle_seconds)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._thread = None
                        return
                continue
            group: list[_Job[Any]] = [first]
            while len(group) < self._max_jobs:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            group = [job for job in group if job.wanted()]
            try:
                self._commit(group)
            except BaseException as exc:  # pragma: no cover - a defect here must not leave requests waiting
                _settle([(job, False, exc) for job in group])
                if not isinstance(exc, Exception):
                    with self._lock:
                        self._thread = None
                    raise

    #: times a job aborted by a deadlock or busy database is run again before its error is its answer
    ATTEMPTS = 3

    @staticmethod
    def _transient(exc: Exception) -> bool:
        from anju.core.dialect import is_transient

        return is_transient(exc)

    def _commit(self, group: list[_Job[Any]]) -> None:
        savepoints = False
        while group:
            try:
                with self._uow.begin() as conn:
                    outcomes = self._run(conn, group, savepoints)
            except _JobFailed as failed:  # rolled back: that job is answered, the others run again
                job = group.pop(failed.position)
                if self._transient(failed.error) and job.attempts < self.ATTEMPTS:
                    job.attempts += 1
                    self._queue.put(job)  # a deadlock with another process's group: the next group
                else:
                    _settle([(job, False, failed.error)])
                savepoints = True
                continue
            except Exception as exc:  # BEGIN or COMMIT failed: nothing of the group was written
                if len(group) == 1:
                    _settle([(group[0], False, exc)])
                else:
                    for job in group:
                        self._commit([job])
                return
            self.groups += 1
            self.jobs += len(group)
            _settle(outcomes)
            return

    def _run(self, conn: Connection, group: list[_Job[Any]], savepoints: bool) -> list[tuple[_Job[Any], bool, Any]]:
        """Run the jobs in ``conn``'s transaction and write what they staged. Without savepoints the
        first failing job raises _JobFailed (the caller rolls back); with them, a failing job (unless
        only its timing failed it) is rolled back to its savepoint, with what it staged."""
        outcomes: list[tuple[_Job[Any], bool, Any]] = []
        stage = conn.info[GROUP_STAGE] = Stage()
        try:
            for position, job in enumerate(group):
                marks = stage.marks() if savepoints else {}
                savepoint = conn.begin_nested() if savepoints else None
                try:
                    result = job.context.run(job.work, conn)
                except Exception as exc:
                    if savepoint is None or self._transient(exc):
                        raise _JobFailed(position, exc) from exc
                    savepoint.rollback()
                    stage.reset(marks)
                    outcomes.append((job, False, exc))
                    continue
                if savepoint is not None:
                    savepoint.commit()
                outcomes.append((job, True, result))
            stage.flush(conn)
        finally:
            conn.info.pop(GROUP_STAGE, None)  # the info lives on with the pooled connection
        return outcomes


class UnitOfWork:
    """Opens one transaction per write (``begin``) or a connection for reads (``read``); writes that
    many requests send at once can be committed together (``grouped``, see GroupCommit)."""

    def __init__(self, engine: Engine, group_commit: bool = True) -> None:
        from anju.core.dialect import read_options

        self.engine = engine
        self._read_options = read_options(engine)
        # SQLite has one writer at a time: its write transactions queue (see SqliteWriters).
        # PostgreSQL needs no queue: its row locks serialise only writers of the same rows.
        sqlite = engine.dialect.name == "sqlite"
        self._writers: SqliteWriters | None = SqliteWriters(engine.url.database) if sqlite else None
        self.group_commit: GroupCommit | None = GroupCommit(self) if group_commit else None

    async def grouped(self, work: Callable[[Connection], T]) -> T:
        """Run a write that many requests send at once: in the group commit if this unit of work has
        one, else in a transaction of its own on a worker thread."""
        if self.group_commit is not None:
            return await self.group_commit.run(work)
        return await anyio.to_thread.run_sync(self._alone, work)

    def _alone(self, work: Callable[[Connection], T]) -> T:
        with self.begin() as conn:
            return work(conn)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        if self._writers is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with (
            self._writers.hold(),
            self.engine.connect().execution_options(**{SQLITE_WRITE: True}) as conn,
            conn.begin(),
        ):
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(**self._read_options) as conn:
            yield conn


def unit_of_work(target: Engine | UnitOfWork) -> UnitOfWork:
    """The app's unit of work as it is, or one over an engine (a command line, a test, a benchmark):
    either way a job's transactions go through the writers' queue."""
    return target if isinstance(target, UnitOfWork) else UnitOfWork(target, group_commit=False)
