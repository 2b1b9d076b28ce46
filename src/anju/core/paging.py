"""One shape for every paginated list: ``Page(items, total)`` — items first, always.

Services return a :class:`Page`; :func:`fetch_page` counts and fetches one page of a ``SELECT`` (the
count over the same filter, without its ordering), so no list repeats the count-then-page dance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.engine import Row

T = TypeVar("T")
U = TypeVar("U")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the size of the whole list (after filters, within the caller's scope)."""

    items: Sequence[T]
    total: int

    def map(self, f: Callable[[T], U]) -> Page[U]:
        return Page([f(x) for x in self.items], self.total)


def count(conn: Connection, stmt: Select[Any]) -> int:
    """How many rows ``stmt`` would return (ordering, limit and offset ignored)."""
    inner = stmt.order_by(None).limit(None).offset(None)
    return int(conn.execute(select(func.count()).select_from(inner.subquery())).scalar_one())


def fetch_page(
    conn: Connection,
    stmt: Select[Any],
    *,
    limit: int,
    offset: int,
    row: Callable[[Row[Any]], T] | None = None,
    count_stmt: Select[Any] | None = None,
) -> Page[Any]:
    """One page of ``stmt`` (which carries its ordering) and the count of all its rows.

    ``row`` turns each result row into the item the service returns (a row itself by default).
    ``count_stmt`` counts instead of ``stmt`` where a cheaper statement gives the same number (e.g.
    without joins that only add columns)."""
    total = count(conn, count_stmt if count_stmt is not None else stmt)
    rows = conn.execute(stmt.limit(limit).offset(offset)).all() if total > offset else []
    return Page([row(r) for r in rows] if row else list(rows), total)
