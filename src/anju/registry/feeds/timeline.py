"""The owners of a home over valid time, computed from its registrations (pure: no database).

A registration (first or transfer) says "from this day, these are the owners": it closes every row
open on that day and opens one row per owner named. Rows of other writers (the synthetic city, rows
recorded before the feed) are the *base*: a registration closes them too. A correction replaces a
record; the home's timeline is then computed again from the records still in force, and the rows the
register believes are brought to it by superseding what differs and recording the replacement —
never by changing a row (:func:`diff`).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: A row's identity for comparison: (registration id, origin row id, owner, share, acquired, released).
RowKey = tuple[int | None, int | None, str, int, date, date | None]


@dataclass(frozen=True)
class Owner:
    """An owner as a registration names them (identifier and name already encrypted)."""

    kind: str  # person | org
    bidx: str
    id_enc: bytes
    name_enc: bytes
    share_pct: int


@dataclass(frozen=True)
class Event:
    """A registration in force: from ``on``, ``owners`` own the home. ``seq`` orders records of one day."""

    registration_id: int
    on: date
    seq: int
    owners: tuple[Owner, ...]


@dataclass(frozen=True)
class Row:
    """One owner's period (a ``home_owners`` row without its id and recording times)."""

    owner: Owner
    acquired_on: date
    released_on: date | None
    registration_id: int | None = None  # the registration that named this owner
    origin_id: int | None = None  # the base row this one derives from

    def key(self) -> RowKey:
        o = self.owner
        return (self.registration_id, self.origin_id, o.bidx, o.share_pct, self.acquired_on, self.released_on)


@dataclass(frozen=True)
class BaseRow:
    """A row of another writer, as first recorded (``id`` is its own)."""

    id: int
    owner: Owner
    acquired_on: date
    released_on: date | None


def timeline(base: Iterable[BaseRow], events: Sequence[Event]) -> list[Row]:
    """Every owner period of one home: the base rows, each closed by the first registration on or
    after the day it began, then each registration's owners until the next registration.

    A base row whose period would be empty is left out (the original row keeps it). A registration
    overridden by a later record of its own day keeps zero-length rows (released on the day acquired):
    no reader matches them (``acquired_on <= D < released_on``), and they keep the record's owners
    for a later recomputation — should the later record be corrected away."""
    ordered = sorted(events, key=lambda e: (e.on, e.seq))
    days = [e.on for e in ordered]
    out: list[Row] = []
    for b in base:
        i = bisect_left(days, b.acquired_on)
        released = b.released_on
        if i < len(days) and (released is None or days[i] < released):
            released = days[i]
        if released is None or released > b.acquired_on:
            out.append(Row(b.owner, b.acquired_on, released, None, b.id))
    for i, e in enumerate(ordered):
        released = days[i + 1] if i + 1 < len(days) else None
        out.extend(Row(o, e.on, released, e.registration_id, None) for o in e.owners)
    return out


def diff(believed: Iterable[tuple[int, Row]], wanted: Iterable[Row]) -> tuple[list[int], list[Row]]:
    """What to do so that the believed rows (id, row) become ``wanted``: the ids to supersede and the
    rows to record. Rows equal in every compared field are kept as they are."""
    want = Counter(r.key() for r in wanted)
    supersede: list[int] = []
    for row_id, row in believed:
        k = row.key()
        if want[k] > 0:
            want[k] -= 1
        else:
            supersede.append(row_id)
    record: list[Row] = []
    for r in wanted:
        k = r.key()
        if want[k] > 0:
            want[k] -= 1
            record.append(r)
    return supersede, record
