"""Writing registration records (首次登记, 转移登记, 更正登记) and bringing ``home_owners`` to them.

Per chunk: the homes and the earlier records it names are looked up with a few bulk queries; each
record is checked against them (the home exists; a re-delivered record id carries the same content;
a correction names a record in force); the new records are inserted (``executemany``); then the
owners of every home they touch are computed again from all its records in force
(:mod:`anju.registry.feeds.timeline`) and ``home_owners`` is brought to that by superseding what
differs and recording the replacements. Nothing is updated in place except ``superseded_at`` marks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import bindparam, select, update

from anju.core import dialect
from anju.registry.feeds import timeline as tl
from anju.registry.feeds.parse import OwnerIn, RegistrationIn
from anju.registry.feeds.state import CHUNK, LoadState, Seen, chunked
from anju.registry.tables import home_owners, registrations

_BIDX_KIND = {"person": "id_number", "org": "credit_code"}
_SUPERSEDE_OWNER = (
    update(home_owners).where(home_owners.c.id == bindparam("row_id")).values(superseded_at=bindparam("at"))
)
_SUPERSEDE_RECORD = (
    update(registrations)
    .where(registrations.c.id == bindparam("old_id"))
    .values(superseded_at=bindparam("at"), superseded_by=bindparam("new_id"))
)


class RegistrationWriter:
    """Checks and writes the registration records of one load, chunk by chunk."""

    def __init__(self, st: LoadState) -> None:
        self.st = st
        self.pending: list[tuple[RegistrationIn, int, str]] = []
        self.fresh: dict[int, tuple[tl.Owner, ...]] = {}

    def chunk(self, recs: Sequence[RegistrationIn]) -> None:
        st = self.st
        found = st.home_ids(r.house_code for r in recs)
        self._known({r.record_id for r in recs} | {r.corrects for r in recs if r.corrects})
        for r in recs:
            home_id = found.get(r.house_code)
            if home_id is None:
                st.fail(r.line, "house_code", f"楼盘表中没有房屋代码「{r.house_code}」")
                continue
            h = st.content_hash(r.canonical())
            prior = st.seen.get(r.record_id)
            if prior is not None:
                if prior.content_hash == h:
                    st.unchanged += 1
                else:
                    st.fail(
                        r.line,
                        "record_id",
                        f"业务号「{r.record_id}」已载入且内容不同；更正请另发更正登记（correction）",
                    )
                continue
            if r.corrects is not None and not self._check_target(r):
                continue
            if r.corrects is not None and r.corrects in {p[0].record_id for p in self.pending}:
                self.flush()
            st.seen[r.record_id] = Seen(h, home_id, kind=r.kind)
            if r.corrects is not None:
                st.seen[r.corrects].replaced = True
            self.pending.append((r, home_id, h))
        self.flush()

    def _check_target(self, r: RegistrationIn) -> bool:
        target = self.st.seen.get(r.corrects or "")
        if target is None:
            self.st.fail(r.line, "corrects", f"没有业务号为「{r.corrects}」的登记记录")
            return False
        if target.replaced:
            self.st.fail(r.line, "corrects", f"业务号「{r.corrects}」的记录已被更正，应更正最新的记录")
            return False
        return True

    def _known(self, record_ids: Iterable[str]) -> None:
        """Put the records already in the database among those seen."""
        st = self.st
        ids = sorted(i for i in record_ids if i not in st.seen)
        r = registrations.c
        for part in chunked(ids, CHUNK):
            rows = st.conn.execute(
                select(r.id, r.record_id, r.content_hash, r.home_id, r.kind, r.superseded_at).where(
                    r.record_id.in_(part)
                )
            )
            for row in rows:
                st.seen[row.record_id] = Seen(
                    row.content_hash, int(row.home_id), int(row.id), row.superseded_at is not None, row.kind
                )

    def flush(self) -> None:
        """Write the pending records (when the load is still writing) and recompute their homes."""
        pending, self.pending = self.pending, []
        st = self.st
        if not pending:
            return
        st.new += len(pending)
        first = dialect.next_ids(st.conn, registrations, len(pending))
        rows = [
            (first + i, r.record_id, r.kind, home_id, r.certificate_no, r.registered_on,
             st.seen[r.corrects].id if r.corrects else None, h, st.load_id, st.now)
            for i, (r, home_id, h) in enumerate(pending)
        ]  # fmt: skip
        dialect.bulk_insert(st.conn, registrations, _REGISTRATION_COLS, rows)
        touched: set[int] = set()
        superseded = []
        for i, (r, home_id, _h) in enumerate(pending):
            new_id = first + i
            st.seen[r.record_id].id = new_id
            self.fresh[new_id] = tuple(self._owner(o) for o in r.owners)
            touched.add(home_id)
            if r.corrects is not None:
                target = st.seen[r.corrects]
                superseded.append({"old_id": target.id, "new_id": new_id, "at": st.now})
                touched.add(target.home_id)
        if superseded:
            st.conn.execute(_SUPERSEDE_RECORD, superseded)
        recompute(st, sorted(touched), self.fresh)
        st.touched_homes |= touched
        self.fresh.clear()

    def _owner(self, o: OwnerIn) -> tl.Owner:
        kr = self.st.kr
        return tl.Owner(
            o.kind,
            kr.blind_index(o.id_value, _BIDX_KIND[o.kind]),
            kr.encrypt(o.id_value, "home_owners.owner_id"),
            kr.encrypt(o.name, "home_owners.owner_name"),
            o.share_pct,
        )


def _owner_of(row: Any) -> tl.Owner:
    return tl.Owner(row.owner_kind, row.owner_bidx, row.owner_id_enc, row.owner_name_enc, int(row.share_pct))


def recompute(st: LoadState, home_ids: Sequence[int], fresh: dict[int, tuple[tl.Owner, ...]]) -> None:
    """Bring the believed owners of ``home_ids`` to what their records in force say (see module doc)."""
    for part in chunked(home_ids, CHUNK):
        events, base, believed = _read(st, part, fresh)
        retire: list[int] = []
        record: list[tuple[int, tl.Row]] = []
        for home_id in part:
            wanted = tl.timeline(base.get(home_id, ()), events.get(home_id, ()))
            gone, new = tl.diff(believed.get(home_id, ()), wanted)
            retire.extend(gone)
            record.extend((home_id, row) for row in new)
        if retire:
            st.conn.execute(_SUPERSEDE_OWNER, [{"row_id": i, "at": st.now} for i in retire])
        if record:
            dialect.bulk_insert(st.conn, home_owners, _OWNER_COLS, [_row_values(st, h, row) for h, row in record])


_REGISTRATION_COLS = (
    "id", "record_id", "kind", "home_id", "certificate_no", "registered_on", "corrects_id", "content_hash",
    "load_id", "recorded_at",
)  # fmt: skip
_OWNER_COLS = (
    "home_id", "owner_kind", "owner_bidx", "owner_id_enc", "owner_name_enc", "share_pct", "acquired_on",
    "released_on", "recorded_at", "registration_id", "origin_id",
)  # fmt: skip


def _row_values(st: LoadState, home_id: int, row: tl.Row) -> tuple[object, ...]:
    o = row.owner
    return (
        home_id, o.kind, o.bidx, o.id_enc, o.name_enc, o.share_pct, row.acquired_on, row.released_on, st.now,
        row.registration_id, row.origin_id,
    )  # fmt: skip


def _read(
    st: LoadState, home_ids: Sequence[int], fresh: dict[int, tuple[tl.Owner, ...]]
) -> tuple[dict[int, list[tl.Event]], dict[int, list[tl.BaseRow]], dict[int, list[tuple[int, tl.Row]]]]:
    """The records in force, the other writers' original rows and the believed rows of the homes."""
    conn, rc, o = st.conn, registrations.c, home_owners.c
    in_force = conn.execute(
        select(rc.id, rc.home_id, rc.registered_on).where(rc.home_id.in_(home_ids), rc.superseded_at.is_(None))
    ).all()
    named: dict[int, dict[str, tl.Owner]] = defaultdict(dict)
    older = [int(e.id) for e in in_force if int(e.id) not in fresh]
    for part in chunked(older, CHUNK):
        for row in conn.execute(select(home_owners).where(o.registration_id.in_(part)).order_by(o.id)):
            named[int(row.registration_id)].setdefault(row.owner_bidx, _owner_of(row))
    events: dict[int, list[tl.Event]] = defaultdict(list)
    for e in in_force:
        owners = fresh.get(int(e.id)) or tuple(named[int(e.id)].values())
        events[int(e.home_id)].append(tl.Event(int(e.id), e.registered_on, int(e.id), owners))
    base: dict[int, list[tl.BaseRow]] = defaultdict(list)
    believed: dict[int, list[tuple[int, tl.Row]]] = defaultdict(list)
    rows = conn.execute(
        select(home_owners).where(
            o.home_id.in_(home_ids),
            (o.superseded_at.is_(None)) | (o.registration_id.is_(None) & o.origin_id.is_(None)),
        )
    )
    for row in rows:
        owner = _owner_of(row)
        is_base = row.registration_id is None and row.origin_id is None
        if is_base:
            base[int(row.home_id)].append(tl.BaseRow(int(row.id), owner, row.acquired_on, row.released_on))
        if row.superseded_at is None:
            origin = int(row.id) if is_base else row.origin_id
            reg = row.registration_id
            kept = tl.Row(owner, row.acquired_on, row.released_on, reg, origin)
            believed[int(row.home_id)].append((int(row.id), kept))
    return events, base, believed
