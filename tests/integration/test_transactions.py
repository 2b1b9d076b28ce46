"""One write is one transaction, on both databases: nothing a failed use case wrote survives it."""

from __future__ import annotations

import asyncio
import contextvars
import sqlite3
import threading
from collections.abc import Callable

import anyio
import pytest
from sqlalchemy import Connection, Engine, event, func, insert, select
from sqlalchemy.exc import OperationalError

from anju.core import clock
from anju.core.db import GroupCommit, UnitOfWork, insert_row
from anju.core.dialect import is_transient
from anju.security import audit_log


def _row(n: int) -> dict[str, object]:
    return {"at": clock.now(), "actor": "t", "action": f"tx.test{n}", "outcome": "ok"}


def _count(engine: Engine) -> int:
    with engine.connect() as c:
        return int(
            c.execute(
                select(func.count()).select_from(audit_log).where(audit_log.c.action.like("tx.test%"))
            ).scalar_one()
        )


def test_a_savepoint_that_comes_first_is_rolled_back_with_its_transaction(empty_engine: Engine) -> None:
    """pysqlite alone would let a SAVEPOINT open the transaction and its RELEASE commit it."""
    with pytest.raises(RuntimeError), empty_engine.begin() as conn:
        with conn.begin_nested():
            conn.execute(insert(audit_log).values(**_row(1)))
        conn.execute(insert(audit_log).values(**_row(2)))
        raise RuntimeError("the use case fails after its savepoint")
    assert _count(empty_engine) == 0


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_transaction(empty_engine: Engine) -> None:
    with empty_engine.begin() as conn:
        conn.execute(insert(audit_log).values(**_row(1)))
        nested = conn.begin_nested()
        conn.execute(insert(audit_log).values(**_row(2)))
        nested.rollback()
        conn.execute(insert(audit_log).values(**_row(3)))
    with empty_engine.connect() as c:
        actions = sorted(c.execute(select(audit_log.c.action).where(audit_log.c.action.like("tx.test%"))).scalars())
    assert actions == ["tx.test1", "tx.test3"]


_HOLDER = """
import sys, time
from pathlib import Path
from anju.core.db import SqliteWriters

w = SqliteWriters(sys.argv[1])
marks = Path(sys.argv[2])
with w.hold():
    marks.write_text("held\\n")
    time.sleep(0.6)
    marks.write_text("held\\nreleased\\n")
"""


def test_sqlite_writers_of_two_processes_take_turns_on_the_database_file(tmp_path) -> None:
    """``anju serve --workers N`` on SQLite: a write transaction of one process waits for another's."""
    import subprocess
    import sys
    import time

    from anju.core.db import SqliteWriters

    database = str(tmp_path / "anju.db")
    marks = tmp_path / "marks"
    child = subprocess.Popen([sys.executable, "-c", _HOLDER, database, str(marks)])
    try:
        for _ in range(300):
            if marks.exists():
                break
            time.sleep(0.02)
        assert marks.exists(), "the other process never took the writers' lock"
        with SqliteWriters(database).hold():
            # the lock came only after the other process let it go
            assert marks.read_text().splitlines() == ["held", "released"]
        assert child.wait(10) == 0
    finally:
        child.kill()
    assert (tmp_path / "anju.db-writers.lock").exists()


def test_sqlite_writers_nest_within_one_thread_and_release_at_the_outermost(tmp_path) -> None:
    import fcntl
    import os

    from anju.core.db import SqliteWriters

    database = str(tmp_path / "anju.db")
    w = SqliteWriters(database)
    other = os.open(f"{database}-writers.lock", os.O_RDWR | os.O_CREAT)

    def free() -> bool:
        try:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(other, fcntl.LOCK_UN)
        return True

    with w.hold():
        with w.hold():
            assert not free()
        assert not free()  # the inner exit keeps the lock: the outer transaction is still open
    assert free()
    os.close(other)
    # no descriptor of the lock file stays open between transactions (an app left behind leaks none)
    lock = f"{database}-writers.lock"
    assert not [fd for fd in os.listdir("/proc/self/fd") if os.path.realpath(f"/proc/self/fd/{fd}") == lock]
    assert SqliteWriters(":memory:")._path is None


# ------------------------------------------------------------------------------------ group commit


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as c:
        return sorted(c.execute(select(audit_log.c.action).where(audit_log.c.action.like("tx.test%"))).scalars())


def test_a_queued_write_that_read_first_survives_a_writer_outside_the_queue(empty_engine: Engine) -> None:
    """A write transaction of the unit of work reads, then writes; meanwhile a writer outside the
    queue (a session touch, a refusal's audit row, a CLI job) writes too. Both land, in turn: begun
    DEFERRED, the queued one would fail at its first write with "database is locked"."""
    uow = UnitOfWork(empty_engine, group_commit=False)
    outside_done = threading.Event()
    errors: list[BaseException] = []

    def outside() -> None:
        try:
            with empty_engine.begin() as conn:
                conn.execute(insert(audit_log).values(**_row(2)))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)
        outside_done.set()

    with uow.begin() as conn:
        conn.execute(select(func.count()).select_from(audit_log)).scalar_one()  # read first
        t = threading.Thread(target=outside)
        t.start()
        # on SQLite the outside writer waits for this transaction (it would commit here if this one
        # had not taken the write lock); on PostgreSQL it commits at once, touching no common row
        outside_done.wait(0.5)
        conn.execute(insert(audit_log).values(**_row(1)))
    t.join(15)
    assert not errors
    assert _actions(empty_engine) == ["tx.test1", "tx.test2"]


def _writer(n: int, *, fail: bool = False, started: threading.Event | None = None,
            go: threading.Event | None = None) -> Callable[[Connection], int]:  # fmt: skip
    def work(conn: Connection) -> int:
        if started is not None and go is not None:
            started.set()
            assert go.wait(10)
        conn.execute(insert(audit_log).values(**_row(n)))
        if fail:
            raise ValueError(f"job {n} refused")
        return n

    return work


def test_group_commit_commits_queued_writes_together_and_isolates_failing_ones(empty_engine: Engine) -> None:
    group = GroupCommit(UnitOfWork(empty_engine))
    started, go = threading.Event(), threading.Event()
    first = group.submit(_writer(1, started=started, go=go))
    assert started.wait(10)  # the writer thread is inside job 1: the next jobs queue up behind it
    rest = {n: group.submit(_writer(n, fail=n in (3, 5))) for n in (2, 3, 4, 5, 6)}
    go.set()
    assert first.result(10) == 1
    assert [rest[n].result(10) for n in (2, 4, 6)] == [2, 4, 6]
    for n in (3, 5):
        with pytest.raises(ValueError, match=f"job {n} refused"):
            rest[n].result(10)
    # job 1 alone; then jobs 2–6 together: job 3 failed the first try, so the rest ran again, each in
    # a savepoint, where job 5 was rolled back alone
    assert (group.groups, group.jobs) == (2, 5)
    assert _actions(empty_engine) == ["tx.test1", "tx.test2", "tx.test4", "tx.test6"]


def test_group_commit_answers_only_after_the_commit(empty_engine: Engine) -> None:
    """A result is handed out once the group's transaction is visible to every other connection."""
    group = GroupCommit(UnitOfWork(empty_engine))
    for n in range(1, 4):
        assert group.submit(_writer(n)).result(10) == n
        assert _actions(empty_engine)[-1] == f"tx.test{n}"


def test_a_group_whose_commit_fails_is_run_again_job_by_job(empty_engine: Engine) -> None:
    group = GroupCommit(UnitOfWork(empty_engine))
    started, go = threading.Event(), threading.Event()
    failures = []

    def sabotaging(conn: Connection) -> int:
        conn.execute(insert(audit_log).values(**_row(7)))

        def refuse(_conn: Connection) -> None:
            failures.append(1)
            raise RuntimeError("the commit fails")

        if not failures:
            event.listen(conn, "commit", refuse, once=True)
        return 7

    blocker = group.submit(_writer(6, started=started, go=go))
    assert started.wait(10)
    jobs = [group.submit(_writer(8)), group.submit(sabotaging), group.submit(_writer(9))]
    go.set()
    assert blocker.result(10) == 6 and [j.result(10) for j in jobs] == [8, 7, 9]
    assert failures == [1]
    assert _actions(empty_engine) == ["tx.test6", "tx.test7", "tx.test8", "tx.test9"]


def test_group_commit_runs_a_job_in_the_context_of_its_caller(empty_engine: Engine) -> None:
    var: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="writer thread")
    var.set("request 42")
    got = GroupCommit(UnitOfWork(empty_engine)).submit(lambda _conn: var.get()).result(10)
    assert got == "request 42"


def test_without_group_commit_a_write_runs_in_a_transaction_of_its_own(empty_engine: Engine) -> None:
    uow = UnitOfWork(empty_engine, group_commit=False)
    assert uow.group_commit is None and UnitOfWork(empty_engine).group_commit is not None
    assert anyio.run(uow.grouped, _writer(1)) == 1
    with pytest.raises(ValueError, match="job 2 refused"):
        anyio.run(uow.grouped, _writer(2, fail=True))
    assert _actions(empty_engine) == ["tx.test1"]


def test_a_job_aborted_by_a_deadlock_runs_again_and_fails_only_after_its_attempts(empty_engine: Engine) -> None:
    group = GroupCommit(UnitOfWork(empty_engine))
    tries: dict[int, int] = {}

    def deadlocked_until(n: int, succeeds_at: int) -> Callable[[Connection], int]:
        def work(conn: Connection) -> int:
            tries[n] = tries.get(n, 0) + 1
            if tries[n] < succeeds_at:
                raise OperationalError("UPDATE ledger_logs …", {}, sqlite3.OperationalError("database is locked"))
            return _writer(n)(conn)

        return work

    assert group.submit(deadlocked_until(1, succeeds_at=2)).result(10) == 1
    with pytest.raises(OperationalError):
        group.submit(deadlocked_until(2, succeeds_at=99)).result(10)
    assert tries == {1: 2, 2: 1 + GroupCommit.ATTEMPTS}
    assert _actions(empty_engine) == ["tx.test1"]
    assert not is_transient(OperationalError("x", {}, sqlite3.OperationalError("no such table: t")))
    assert not is_transient(ValueError("database is locked"))


def test_group_commit_answers_coroutines_on_their_loop_and_skips_a_request_given_up(empty_engine: Engine) -> None:
    group = GroupCommit(UnitOfWork(empty_engine))
    started, go = threading.Event(), threading.Event()

    async def scenario() -> list[int]:
        blocker = group.submit(_writer(1, started=started, go=go))
        assert started.wait(10)
        dropped = asyncio.ensure_future(group.run(_writer(2)))
        kept = [asyncio.ensure_future(group.run(_writer(n))) for n in (3, 4)]
        await asyncio.sleep(0)  # the three are queued behind job 1
        dropped.cancel()  # the client went away before its write ran: it is not run
        go.set()
        got = await asyncio.gather(*kept)
        assert blocker.result(10) == 1 and dropped.cancelled()
        return got

    assert asyncio.run(scenario()) == [3, 4]
    assert _actions(empty_engine) == ["tx.test1", "tx.test3", "tx.test4"]


def test_rows_staged_by_a_group_go_in_one_executemany_and_a_failed_jobs_are_dropped(empty_engine: Engine) -> None:
    group = GroupCommit(UnitOfWork(empty_engine))
    started, go = threading.Event(), threading.Event()
    statement = insert(audit_log)
    executed: list[int] = []

    def count(_conn: object, _cursor: object, stmt: str, params: object, _context: object, many: bool) -> None:
        if stmt.lstrip().upper().startswith("INSERT INTO AUDIT_LOG"):
            executed.append(len(params) if many and isinstance(params, list) else 1)

    def staging(n: int, fail: bool = False) -> Callable[[Connection], int]:
        def work(conn: Connection) -> int:
            insert_row(conn, statement, _row(n))
            insert_row(conn, statement, _row(n * 10))
            if fail:
                raise ValueError(f"job {n} refused")
            return n

        return work

    held = group.submit(_writer(1, started=started, go=go))
    assert started.wait(10)
    # job 3 fails the first pass; job 5 fails in the second, in its savepoint: its staged rows go too
    jobs = {n: group.submit(staging(n, fail=n in (3, 5))) for n in (2, 3, 4, 5)}
    event.listen(empty_engine, "before_cursor_execute", count)
    try:
        go.set()
        assert held.result(10) == 1 and jobs[2].result(10) == 2 and jobs[4].result(10) == 4
        for n in (3, 5):
            with pytest.raises(ValueError):
                jobs[n].result(10)
    finally:
        event.remove(empty_engine, "before_cursor_execute", count)
    assert _actions(empty_engine) == sorted(["tx.test1", "tx.test2", "tx.test20", "tx.test4", "tx.test40"])
    assert 4 in executed  # the group's four staged rows went in one statement
    with empty_engine.begin() as conn:  # outside a group, insert_row executes at once
        insert_row(conn, statement, _row(5))
    assert "tx.test5" in _actions(empty_engine)
