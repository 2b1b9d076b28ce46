"""Engine, metadata, column types and the unit of work.

Tables are SQLAlchemy Core tables registered on one :data:`metadata`; each context defines its own in
its ``tables.py``. The schema is created only by the Alembic migrations in ``core/migrations``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Connection, DateTime, Engine, Integer, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the server's processes meet SQLite's own lock
    fcntl = None  # type: ignore[assignment]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# SQLite only autoincrements INTEGER PRIMARY KEY; BigInteger elsewhere.
IdType = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware timestamps, stored as UTC on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: times must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def area_to_db(value: Decimal | None) -> int | None:
    """Square metres (exact decimal, two places) → integer hundredths of a square metre."""
    if value is None:
        return None
    if not isinstance(value, Decimal | int):
        raise TypeError(f"area must be a Decimal, not {type(value).__name__}")
    hundredths = value * 100
    i = int(hundredths)
    if i != hundredths:
        raise ValueError(f"area {value} has more than two decimal places")
    return i


def area_from_db(value: int | None) -> Decimal | None:
    if value is None:
        return None
    return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class Area(TypeDecorator[Decimal]):
    """Exact areas in m² with two decimals, stored as integer hundredths on every database.

    Integers keep areas exact on SQLite (which has no decimal type) and make sums exact everywhere.
    """

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        return area_to_db(value)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return area_from_db(value)


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


def _sqlite_begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


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


class UnitOfWork:
    """Opens one transaction per write (``begin``) or a connection for reads (``read``)."""

    def __init__(self, engine: Engine) -> None:
        from anju.core.dialect import read_options

        self.engine = engine
        self._read_options = read_options(engine)
        # SQLite has one writer at a time: its write transactions queue (see SqliteWriters).
        # PostgreSQL needs no queue: its row locks serialise only writers of the same rows.
        sqlite = engine.dialect.name == "sqlite"
        self._writers: SqliteWriters | None = SqliteWriters(engine.url.database) if sqlite else None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        if self._writers is None:
            with self.engine.begin() as conn:
                yield conn
            return
        with self._writers.hold(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect().execution_options(**self._read_options) as conn:
            yield conn
