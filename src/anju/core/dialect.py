"""Every difference between SQLite and PostgreSQL lives here, and nowhere else.

- bulk loading: PostgreSQL ``COPY``; SQLite ``executemany`` of one prepared INSERT;
- substring search over the register's search text: SQLite FTS5 with the trigram tokenizer;
  PostgreSQL ``pg_trgm`` GIN index used by ``LIKE``;
- bulk-load tuning (journal mode, fsync), statistics refresh after a bulk load, and VACUUM of
  freshly loaded tables (PostgreSQL);
- ``INSERT … ON CONFLICT DO NOTHING`` (lock rows created on first use: ``insert_missing``) and
  ``… DO UPDATE`` (a lock row created or bumped by one write: ``counting_upsert``), and the same
  prepared once per dialect for hot paths (``insert_missing_statement``);
- the ledger's look-up of stored subtree hashes: PostgreSQL one statement of fixed text over arrays
  (prepared once per connection); SQLite one primary-key search per level, ``UNION ALL``-ed;
- claiming queue rows when several workers run (``skip_locked``): PostgreSQL ``FOR UPDATE SKIP
  LOCKED``; SQLite takes the database's write lock first (one writer at a time);
- the month (``YYYY-MM``, Asia/Shanghai) of a date or timestamp column, for GROUP BY month
  (``month_of``): PostgreSQL ``to_char``; SQLite ``strftime`` / ``substr`` of the stored text;
- whole days from a timestamp's local (Asia/Shanghai) date to a date (``days_between``): PostgreSQL
  date subtraction; SQLite ``julianday``;
- a median per group (``grouped_median``): PostgreSQL ``percentile_cont(0.5) WITHIN GROUP``; SQLite
  window functions (the middle row, or the mean of the two middle rows, of each group);
- adding deltas to a column of many rows by id (``add_to_column``): PostgreSQL COPY of the deltas
  into a temporary table and one UPDATE … FROM; SQLite ``executemany`` of one prepared UPDATE by
  primary key (no planning per row, nothing to copy);
- streaming millions of rows as the driver's plain tuples (``stream_tuples``): PostgreSQL a
  server-side cursor; SQLite the ordinary cursor, which steps through the result as it is fetched.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, TypedDict

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Connection,
    Engine,
    Executable,
    Select,
    SmallInteger,
    Table,
    bindparam,
    literal,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine.interfaces import IsolationLevel

from anju.core.types import Area, UTCDateTime, area_to_db

Row = Sequence[Any]


@lru_cache(maxsize=65536)
def _sqlite_ts(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        raise ValueError("naive datetime refused")
    return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


@lru_cache(maxsize=65536)
def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _identity(v: Any) -> Any:
    return v


def _converters(
    conn: Connection, table: Table, columns: Sequence[str], db_ready: frozenset[str]
) -> list[Callable[[Any], Any]]:
    sqlite = conn.dialect.name == "sqlite"
    out: list[Callable[[Any], Any]] = []
    for name in columns:
        t = table.c[name].type
        if name in db_ready:
            out.append(_identity)
        elif isinstance(t, Area):
            out.append(area_to_db)
        elif isinstance(t, UTCDateTime):
            out.append(_sqlite_ts if sqlite else _identity)
        elif sqlite and t.python_type is date:
            out.append(_sqlite_date)
        else:
            out.append(_identity)
    return out


def bulk_insert(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Row],
    db_ready: frozenset[str] = frozenset(),
) -> int:
    """Insert many rows fast, inside the caller's transaction. Returns the number of rows.

    Values are converted to their stored form as the columns' types would (areas to hundredths,
    timestamps to UTC), except for the columns named in ``db_ready``, which the caller already
    gives in stored form.
    """
    convs = _converters(conn, table, columns, db_ready)
    todo = [(i, f) for i, f in enumerate(convs) if f is not _identity]

    def prepared(it: Iterable[Row]) -> Iterator[Row]:
        if not todo:
            yield from it
            return
        for row in it:
            r = list(row)
            for i, f in todo:
                r[i] = f(r[i])
            yield r

    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
            for r in prepared(rows):
                cp.write_row(r)
                n += 1
        return n
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    batch: list[Row] = []
    for r in prepared(rows):
        batch.append(r)
        if len(batch) >= 10_000:
            dbapi.executemany(sql, batch)
            n += len(batch)
            batch.clear()
    if batch:
        dbapi.executemany(sql, batch)
        n += len(batch)
    return n


_stream_ids = itertools.count(1)


def stream_tuples(
    conn: Connection, stmt: Select[Any] | CompoundSelect[Any], batch: int = 20_000
) -> Iterator[Sequence[Row]]:
    """The rows of ``stmt`` in batches of the driver's plain tuples, without SQLAlchemy's per-row
    processing (1 M rows on SQLite: 1.0 s, against 2.8 s as ``yield_per`` rows): for hot paths reading integer and
    text columns only (no result type conversion happens). PostgreSQL: a server-side cursor (so the
    rows are never all in memory) of the statement compiled with its parameters; SQLite: the
    statement's own cursor, which steps through the result as it is fetched."""
    if conn.dialect.name == "postgresql":
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor(name=f"anju_stream_{next(_stream_ids)}") as cur:  # unique: streams may nest
            cur.execute(str(compiled), compiled.params)
            while rows := cur.fetchmany(batch):
                yield rows
        return
    result = conn.execute(stmt)
    try:
        while rows := result.cursor.fetchmany(batch):
            yield rows
    finally:
        result.close()


def add_to_column(conn: Connection, table: Table, column: str, deltas: Sequence[tuple[int, int]]) -> None:
    """``column = column + delta`` of the rows whose id (primary key ``id``) each pair gives, in the
    caller's transaction; ids must not repeat (add the deltas of one id up first). Millions at once: an
    allocation changes the balance of every home's ledger account."""
    if not deltas:
        return
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("CREATE TEMPORARY TABLE IF NOT EXISTS anju_deltas (id bigint, d bigint) ON COMMIT DROP")
        conn.exec_driver_sql("TRUNCATE anju_deltas")
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy("COPY anju_deltas (id, d) FROM STDIN") as cp:
            for row in deltas:
                cp.write_row(row)
        conn.exec_driver_sql("ANALYZE anju_deltas")
        conn.exec_driver_sql(
            f'UPDATE "{table.name}" t SET "{column}" = t."{column}" + x.d FROM anju_deltas x WHERE t.id = x.id'
        )
        return
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    sql = f'UPDATE "{table.name}" SET "{column}" = "{column}" + ? WHERE id = ?'
    for i in range(0, len(deltas), 10_000):
        dbapi.executemany(sql, [(d, k) for k, d in deltas[i : i + 10_000]])


def next_ids(conn: Connection, table: Table, count: int) -> int:
    """Reserve ``count`` consecutive ids of ``table`` for a bulk load; returns the first.

    Bulk paths assign primary keys themselves so that child rows can refer to parents without a
    round trip per row. Callers hold the write transaction, so the range cannot be taken twice on
    SQLite; on PostgreSQL the sequence is advanced atomically.
    """
    if conn.dialect.name == "postgresql":
        seq = f"{table.name}_id_seq"
        first = conn.execute(text("SELECT nextval(:s)"), {"s": seq}).scalar_one()
        if count > 1:
            conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": int(first) + count - 1})
        return int(first)
    current = conn.execute(text(f'SELECT COALESCE(MAX(id), 0) FROM "{table.name}"')).scalar_one()
    return int(current) + 1


def reserve_ids(conn: Connection, table: Table, count: int) -> list[int]:
    """Reserve ``count`` ids of ``table`` for rows the caller inserts in bulk, safe against concurrent
    single-row inserts into the same table (unlike :func:`next_ids`' consecutive range, which a
    concurrent ``nextval`` can land inside). PostgreSQL: ``count`` values of the sequence, ascending
    but not necessarily consecutive; SQLite: the range after the largest id (the caller holds the
    database's write lock)."""
    if conn.dialect.name == "postgresql":
        rows = conn.execute(
            text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": f"{table.name}_id_seq", "n": count}
        )
        return sorted(int(r[0]) for r in rows)
    first = next_ids(conn, table, count)
    return list(range(first, first + count))


class ReadOptions(TypedDict, total=False):
    """The execution options :func:`read_options` may set."""

    isolation_level: IsolationLevel


def read_options(engine: Engine) -> ReadOptions:
    """Execution options of read connections.

    PostgreSQL reads run in autocommit: READ COMMITTED takes a new snapshot per statement even
    inside a transaction, so nothing changes but the BEGIN and ROLLBACK round trips saved. pysqlite
    never opens a transaction for a SELECT, so SQLite needs nothing (switching its isolation level
    per checkout would only cost time).
    """
    return {"isolation_level": "AUTOCOMMIT"} if engine.dialect.name == "postgresql" else {}


def escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_building_ids(conn: Connection, needle: str, limit: int, streets: Sequence[str] | None = None) -> list[int]:
    """Ids of buildings whose search text contains ``needle`` (indexed for 3+ characters), optionally
    only within ``streets`` (a caller's scope: filtered in the query, so no in-scope match is lost)."""
    within = " AND b.street_code IN :streets" if streets is not None else ""
    params: dict[str, Any] = {"n": limit}
    if streets is not None:
        params["streets"] = list(streets) or [""]
    if conn.dialect.name == "sqlite" and len(needle) >= 3:
        params["q"] = '"' + needle.replace('"', '""') + '"'
        sql = (
            "SELECT f.rowid FROM buildings_fts f JOIN buildings b ON b.id = f.rowid "
            f"WHERE buildings_fts MATCH :q{within} ORDER BY f.rowid LIMIT :n"
        )
    else:
        params["p"] = f"%{escape_like(needle)}%"
        sql = f"SELECT b.id FROM buildings b WHERE b.search_text LIKE :p ESCAPE '\\'{within} ORDER BY b.id LIMIT :n"
    stmt = text(sql)
    if streets is not None:
        stmt = stmt.bindparams(bindparam("streets", expanding=True))
    return [int(r[0]) for r in conn.execute(stmt, params)]


@lru_cache(maxsize=4096)
def _sqlite_subtree_lookup(leaves: Table, nodes: Table, with_leaves: bool, levels: tuple[int, ...]) -> Executable:
    """SQLite: one primary-key search per level, UNION ALL-ed, the indexes as expanding parameters;
    built once per set of levels (building the expression per call cost more than running it). A
    row-value IN or an OR of the keys is planned as a scan of the log's nodes by SQLite: its OR
    optimisation needs rowid tables."""
    parts: list[Select[Any]] = []
    if with_leaves:
        parts.append(
            select(literal(0).label("level"), leaves.c.leaf_index.label("idx"), leaves.c.leaf_hash.label("h")).where(
                leaves.c.log_id == bindparam("log_id"), leaves.c.leaf_index.in_(bindparam("ix0", expanding=True))
            )
        )
    for lvl in levels:
        parts.append(
            select(nodes.c.level, nodes.c.node_index, nodes.c.hash).where(
                nodes.c.log_id == bindparam("log_id"),
                nodes.c.level == lvl,
                nodes.c.node_index.in_(bindparam(f"ix{lvl}", expanding=True)),
            )
        )
    return parts[0] if len(parts) == 1 else union_all(*parts)


@lru_cache(maxsize=16)
def _pg_subtree_lookup(leaves: Table, nodes: Table) -> Executable:
    """PostgreSQL: one statement whose text never changes, the keys as arrays. psycopg prepares it on
    the server after a few executions on a connection, so a proof is not planned each time (planning
    the per-level UNION ALL took longer than executing it, and every new combination of levels and
    key counts was a new statement). The plan is a nested loop of primary-key searches."""
    return text(
        f"SELECT n.level, n.node_index, n.hash FROM unnest(CAST(:levels AS smallint[]), CAST(:ixs AS bigint[])) "
        f'AS k(level, node_index) JOIN "{nodes.name}" n ON n.log_id = :log_id AND n.level = k.level '
        f"AND n.node_index = k.node_index "
        f'UNION ALL SELECT 0, l.leaf_index, l.leaf_hash FROM "{leaves.name}" l '
        f"WHERE l.log_id = :log_id AND l.leaf_index = ANY(CAST(:leaf_ixs AS bigint[]))"
    ).bindparams(
        bindparam("levels", type_=ARRAY(SmallInteger)),
        bindparam("ixs", type_=ARRAY(BigInteger)),
        bindparam("leaf_ixs", type_=ARRAY(BigInteger)),
    )


def subtree_hashes(
    conn: Connection, leaves: Table, nodes: Table, log_id: int, by_level: dict[int, list[int]]
) -> Iterator[tuple[int, int, bytes]]:
    """The ledger's stored hashes ``(level, index, hash)`` of the subtrees asked for, by level (level
    0 from ``leaves``, above from ``nodes``), in one round trip. Keys that are not stored are absent."""
    if conn.dialect.name == "postgresql":
        lv: list[int] = []
        ix: list[int] = []
        for level, idxs in by_level.items():
            if level:
                lv.extend([level] * len(idxs))
                ix.extend(idxs)
        params: dict[str, Any] = {"log_id": log_id, "levels": lv, "ixs": ix, "leaf_ixs": by_level.get(0, [])}
        stmt = _pg_subtree_lookup(leaves, nodes)
    else:
        params = {f"ix{lvl}": idxs for lvl, idxs in by_level.items()}
        params["log_id"] = log_id
        stmt = _sqlite_subtree_lookup(leaves, nodes, 0 in by_level, tuple(sorted(lvl for lvl in by_level if lvl > 0)))
    for level, i, h in conn.execute(stmt, params):
        yield int(level), int(i), bytes(h)


def analyze_table(conn: Connection, table: Table) -> None:
    """Refresh the planner's statistics of one table (PostgreSQL ``ANALYZE``). A queue table whose
    backlog grew by a bulk insert since autovacuum last looked is planned as if nearly empty, and a
    claim's anti-join then scans the whole backlog per row; SQLite's plans need no statistics."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f'ANALYZE "{table.name}"')


def refresh_statistics(conn: Connection) -> None:
    conn.execute(text("ANALYZE"))


def after_bulk_load(engine: Engine, tables: Sequence[Table]) -> None:
    """Leave freshly bulk-loaded tables ready to read, outside any transaction.

    PostgreSQL: ``VACUUM (ANALYZE)`` of the tables. Rows loaded by COPY into an existing table carry
    no hint bits, so without it every page is written again by the first query that reads it (an
    eviction of a dirtied buffer is a write by the reading backend), the visibility map is empty and
    the planner has no statistics; and on a server with autovacuum on, an autovacuum of each table
    starts soon after, throttled, while the data is being served. SQLite: nothing (no hint bits;
    its plans of primary-key look-ups need no statistics).
    """
    if engine.dialect.name != "postgresql":
        return
    names = ", ".join(f'"{t.name}"' for t in tables)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f"VACUUM (ANALYZE) {names}")


def reset_sequences(conn: Connection, tables: Sequence[Table]) -> None:
    """After a bulk load that assigned ids itself, move PostgreSQL sequences past them."""
    if conn.dialect.name != "postgresql":
        return
    for t in tables:
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                f'COALESCE((SELECT MAX(id) FROM "{t.name}"), 0) + 1, false)'
            )
        )


@contextmanager
def bulk_load(engine: Engine) -> Iterator[Connection]:
    """One transaction on a connection tuned for loading much data at once.

    SQLite: a rollback journal instead of WAL for the load (new pages are not journaled, and nothing
    is written twice through the WAL), no fsync until commit; WAL is restored afterwards.
    PostgreSQL: no waiting for the WAL flush at commit; more memory for index builds.
    """
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # outside any transaction (the journal mode cannot change inside one): on the driver
            # connection, which is in autocommit (core.db)
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA journal_mode=DELETE")
            raw.execute("PRAGMA synchronous=OFF")
            try:
                with conn.begin():
                    yield conn
            finally:
                raw.execute("PRAGMA synchronous=NORMAL")
                raw.execute("PRAGMA journal_mode=WAL")
        else:
            with conn.begin():
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '512MB'")
                yield conn


@contextmanager
def deferred_indexes(conn: Connection, tables: Sequence[Table]) -> Iterator[None]:
    """Drop the tables' secondary (non-unique) indexes for a bulk load and build them afterwards.

    Building an index once over sorted data is much faster than maintaining it row by row. Both
    databases have transactional DDL, so a failed load also restores the indexes.
    """
    dropped = [ix for t in tables for ix in t.indexes if not ix.unique]
    for ix in dropped:
        ix.drop(conn)
    yield
    for ix in dropped:
        ix.create(conn)


def insert_missing(conn: Connection, table: Table, values: dict[str, Any] | Select[Any]) -> bool:
    """Insert one row unless its primary key exists (``INSERT … ON CONFLICT DO NOTHING``), as a write
    that waits for a concurrent insert of the same key instead of failing: a lock row can be created
    by two transactions at once. ``values`` is a row or a SELECT of the table's columns in order.
    Returns whether a row was inserted."""
    from sqlalchemy.dialects import postgresql, sqlite

    mod: Any = postgresql if conn.dialect.name == "postgresql" else sqlite
    ins = mod.insert(table)
    stmt = ins.from_select(list(table.c.keys()), values) if isinstance(values, Select) else ins.values(**values)
    pk = next(iter(table.primary_key.columns))
    return conn.execute(stmt.on_conflict_do_nothing().returning(pk)).first() is not None


def lock_rows(conn: Connection, table: Table, *where: ColumnElement[bool]) -> int:
    """Take a write lock on the rows ``where`` selects until the transaction ends, on both databases:
    ``SELECT … FOR UPDATE`` on PostgreSQL (a row lock: a second transaction locking the same rows
    waits for the first's commit); on SQLite, which has no row locks and ignores ``FOR UPDATE``, a
    no-op ``UPDATE`` of the rows, which takes the database's write lock. Returns the rows locked."""
    pk = next(iter(table.primary_key.columns))
    if conn.dialect.name == "postgresql":
        return len(conn.execute(select(pk).where(*where).with_for_update()).all())
    return int(conn.execute(update(table).where(*where).values({pk.name: pk})).rowcount)


class DialectStatement:
    """A statement built once for each database (``ON CONFLICT`` comes from SQLAlchemy's dialect
    modules), picked by the connection it runs on: ``conn.execute(stmt(conn), params)``."""

    def __init__(self, build: Callable[[Any], Executable]) -> None:
        from sqlalchemy.dialects import postgresql, sqlite

        self._by_name = {"postgresql": build(postgresql), "sqlite": build(sqlite)}

    def __call__(self, conn: Connection) -> Executable:
        return self._by_name[conn.dialect.name]


def insert_missing_statement(table: Table) -> DialectStatement:
    """:func:`insert_missing` built once, executed with the row as parameters; it returns the primary
    key if a row was inserted."""
    pk = next(iter(table.primary_key.columns))
    return DialectStatement(lambda mod: mod.insert(table).on_conflict_do_nothing().returning(pk))


def counting_upsert(table: Table, rows: Select[Any], counter: str) -> DialectStatement:
    """``INSERT … SELECT … ON CONFLICT (primary key) DO UPDATE SET counter = counter + 1``, built once:
    a lock row created on first use, or bumped, in one write that waits for (rather than fails
    against) a concurrent transaction holding the same row. ``rows`` selects the table's columns in
    order (with bound parameters for the values)."""
    pk = [c.name for c in table.primary_key.columns]
    return DialectStatement(
        lambda mod: (
            mod.insert(table)
            .from_select(list(table.c.keys()), rows)
            .on_conflict_do_update(index_elements=pk, set_={counter: table.c[counter] + 1})
        )
    )


def estimated_rows(conn: Connection, table: Table) -> int | None:
    """The planner's row count of a table (kept by ANALYZE), or None when there is none.

    Counting millions of rows exactly takes seconds; headline figures and unfiltered list totals
    use this instead.
    """
    if conn.dialect.name == "postgresql":
        n = conn.execute(
            text("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table.name}
        ).scalar()
        return int(n) if n is not None and n >= 0 else None
    has_stats = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
    if not has_stats:
        return None
    rows = conn.execute(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"), {"t": table.name}).all()
    counts = [int(str(r[0]).split()[0]) for r in rows if r[0]]
    return max(counts) if counts else None


#: PostgreSQL's SQLSTATEs of a transaction aborted only because of its timing: a deadlock (two group
#: commits of two server processes wanting each other's rows) or a serialisation failure.
_TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` aborted a transaction only because of its timing, so that running the same work
    again may succeed: PostgreSQL's deadlock and serialisation failures, SQLite's busy database."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(orig)


def skip_locked(conn: Connection, stmt: Select[Any], table: Table) -> Select[Any]:
    """``stmt`` (a SELECT of queue rows of ``table`` a worker is about to claim, in the caller's write
    transaction) made safe against other workers claiming at the same time.

    PostgreSQL: ``FOR UPDATE OF <table> SKIP LOCKED``: rows another worker's open transaction locked
    are passed over, not waited for. SQLite has no row locks: a no-op write to ``table`` first takes
    the database's write lock, so the claim's read and its update see no other writer in between
    (a deferred transaction that read first could not upgrade to a write after another committed).
    """
    if conn.dialect.name == "postgresql":
        return stmt.with_for_update(skip_locked=True, of=table)
    conn.exec_driver_sql(f'UPDATE "{table.name}" SET id = id WHERE 0')
    return stmt


def month_of(conn: Connection, expr: ColumnElement[Any], *, timestamp: bool) -> ColumnElement[str]:
    """The month (``YYYY-MM`` text) of a date column, or of a timestamp column (stored UTC) in
    Asia/Shanghai, for grouping rows by month in the database. PostgreSQL: ``to_char`` (a timestamp
    taken ``AT TIME ZONE 'Asia/Shanghai'``); SQLite: the stored text (``YYYY-MM-DD`` dates; UTC
    timestamps shifted by 8 hours, China keeping no daylight saving since 1991)."""
    from sqlalchemy import String, func

    if conn.dialect.name == "postgresql":
        shifted = expr.op("AT TIME ZONE")(literal("Asia/Shanghai")) if timestamp else expr
        return func.to_char(shifted, literal("YYYY-MM"), type_=String)
    if timestamp:
        return func.strftime(literal("%Y-%m"), expr, literal("+8 hours"), type_=String)
    return func.substr(expr, 1, 7, type_=String)


def days_between(conn: Connection, start_ts: ColumnElement[Any], end_date: ColumnElement[Any]) -> ColumnElement[int]:
    """Whole days from the local (Asia/Shanghai) date of the timestamp ``start_ts`` (stored UTC) to the
    date ``end_date`` (NULL if either is NULL)."""
    from sqlalchemy import Date, Integer, cast, func

    if conn.dialect.name == "postgresql":
        local = cast(start_ts.op("AT TIME ZONE")(literal("Asia/Shanghai")), Date)
        return cast(end_date - local, Integer)
    return cast(func.julianday(end_date) - func.julianday(func.date(start_ts, literal("+8 hours"))), Integer)


def grouped_median(conn: Connection, rows: Select[Any]) -> Select[Any]:
    """``rows`` selects (``key``, ``value``) pairs (labelled so); the result selects ``key``, ``median``
    (the median of the group's non-NULL values: the mean of the two middle ones for an even count, as
    ``statistics.median``; a float) and ``n`` (their count), one row per key."""
    from sqlalchemy import Float, cast, func

    sub = rows.subquery("median_in")
    value = cast(sub.c.value, Float)
    if conn.dialect.name == "postgresql":
        return (
            select(
                sub.c.key.label("key"),
                func.percentile_cont(0.5).within_group(value.asc()).label("median"),
                func.count(sub.c.value).label("n"),
            )
            .where(sub.c.value.is_not(None))
            .group_by(sub.c.key)
        )
    ranked = (
        select(
            sub.c.key.label("key"),
            value.label("value"),
            func.row_number().over(partition_by=sub.c.key, order_by=value).label("rn"),
            func.count().over(partition_by=sub.c.key).label("cnt"),
        )
        .where(sub.c.value.is_not(None))
        .subquery("median_ranked")
    )
    middle = (ranked.c.rn == (ranked.c.cnt + 1) // 2) | (ranked.c.rn == (ranked.c.cnt + 2) // 2)
    return (
        select(ranked.c.key, func.avg(ranked.c.value).label("median"), func.max(ranked.c.cnt).label("n"))
        .where(middle)
        .group_by(ranked.c.key)
    )
