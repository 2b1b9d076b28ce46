"""Every difference between SQLite and PostgreSQL lives here, and nowhere else.

- bulk loading: PostgreSQL ``COPY``; SQLite ``executemany`` of one prepared INSERT;
- substring search over the register's search text: SQLite FTS5 with the trigram tokenizer;
  PostgreSQL ``pg_trgm`` GIN index used by ``LIKE``;
- statistics refresh after a bulk load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Table, text

from anju.core.db import Area, UTCDateTime, area_to_db

Row = Sequence[Any]


def _sqlite_ts(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is None:
        raise ValueError("naive datetime refused")
    return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _sqlite_date(v: date | None) -> str | None:
    return None if v is None else v.isoformat()


def _identity(v: Any) -> Any:
    return v


def _converters(conn: Connection, table: Table, columns: Sequence[str]) -> list[Callable[[Any], Any]]:
    sqlite = conn.dialect.name == "sqlite"
    out: list[Callable[[Any], Any]] = []
    for name in columns:
        t = table.c[name].type
        if isinstance(t, Area):
            out.append(area_to_db)
        elif isinstance(t, UTCDateTime):
            out.append(_sqlite_ts if sqlite else _identity)
        elif sqlite and t.python_type is date:
            out.append(_sqlite_date)
        else:
            out.append(_identity)
    return out


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Row]) -> int:
    """Insert many rows fast, inside the caller's transaction. Returns the number of rows."""
    convs = _converters(conn, table, columns)
    plain = all(c is _identity for c in convs)
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        cols = ", ".join(f'"{c}"' for c in columns)
        with raw.cursor() as cur, cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as cp:
            for row in rows:
                cp.write_row(row if plain else [f(v) for f, v in zip(convs, row, strict=True)])
                n += 1
        return n
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({", ".join(columns)}) VALUES ({marks})'
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    batch: list[Row] = []
    for row in rows:
        batch.append(row if plain else tuple(f(v) for f, v in zip(convs, row, strict=True)))
        if len(batch) >= 10_000:
            dbapi.executemany(sql, batch)
            n += len(batch)
            batch.clear()
    if batch:
        dbapi.executemany(sql, batch)
        n += len(batch)
    return n


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


def escape_like(s: str) -> str:
    return s.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_building_ids(conn: Connection, needle: str, limit: int) -> list[int]:
    """Ids of buildings whose search text contains ``needle`` (indexed for 3+ characters)."""
    if conn.dialect.name == "sqlite" and len(needle) >= 3:
        q = '"' + needle.replace('"', '""') + '"'
        rows = conn.execute(
            text("SELECT rowid FROM buildings_fts WHERE buildings_fts MATCH :q ORDER BY rowid LIMIT :n"),
            {"q": q, "n": limit},
        )
        return [int(r[0]) for r in rows]
    rows = conn.execute(
        text("SELECT id FROM buildings WHERE search_text LIKE :p ESCAPE '\\' ORDER BY id LIMIT :n"),
        {"p": f"%{escape_like(needle)}%", "n": limit},
    )
    return [int(r[0]) for r in rows]


def refresh_statistics(conn: Connection) -> None:
    conn.execute(text("ANALYZE"))


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
