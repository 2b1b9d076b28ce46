"""What one batch of a registry feed carries from chunk to chunk: its connection, keys, clock, the
current chunk's errors and the records seen so far (for re-delivery within the batch and references
to earlier records)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import Connection, select

from anju.core.errors import FieldError
from anju.registry.tables import homes
from anju.security import Keyring

#: Records per bulk statement; IN lists of this many parameters are safe on both databases.
CHUNK = 5000
T = TypeVar("T")


@dataclass
class Seen:
    """A record known to this load: from the database or written (or to be written) by it."""

    content_hash: str
    home_id: int
    id: int | None = None  # None until written
    replaced: bool = False  # corrected (registrations) or lifted (restrictions)
    kind: str = ""
    action: str = ""
    starts_on: date | None = None


@dataclass
class LoadState:
    conn: Connection
    kr: Keyring
    load_id: int
    today: date
    now: datetime
    errors: list[FieldError] = field(default_factory=list)
    seen: dict[str, Seen] = field(default_factory=dict)
    new: int = 0
    unchanged: int = 0
    rejected_lines: set[int] = field(default_factory=set)
    #: Homes whose registrations this load wrote (for the registration followers, ``anju.contexts``).
    touched_homes: set[int] = field(default_factory=set)

    def fail(self, line: int, name: str, reason: str) -> None:
        self.errors.append(FieldError(name, reason, line))
        self.rejected_lines.add(line)

    def content_hash(self, canonical: str) -> str:
        """A keyed hash of a record's content (HMAC-SM3: the content holds identity numbers)."""
        return self.kr.blind_index(canonical, "feed_record")

    def home_ids(self, codes: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        keys = sorted(set(codes))
        for part in chunked(keys, CHUNK):
            rows = self.conn.execute(select(homes.c.house_code, homes.c.id).where(homes.c.house_code.in_(part)))
            found.update((str(c), int(i)) for c, i in rows)
        return found


def chunked(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` items of a stream."""
    out: list[T] = []
    for item in items:
        out.append(item)
        if len(out) >= size:
            yield out
            out = []
    if out:
        yield out
