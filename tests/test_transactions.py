"""One write is one transaction, on both databases: nothing a failed use case wrote survives it."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, insert, select

from anju.core import clock
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
