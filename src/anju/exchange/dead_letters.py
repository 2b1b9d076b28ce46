"""The dead-letter list (死信): records a batch refused, shown masked to staff, fixed and replayed
through the same checks and handler (:func:`replay`), or discarded with a reason (:func:`discard`).

A replay is a batch of its own (channel ``replay``) in one transaction: the dead letters it accepts
become ``replayed`` (linked to the new batch); those refused again stay ``open`` with their new
reasons and the values as fixed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, bindparam, select, update

from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.settings import Settings
from anju.exchange.domain import FeedDefinition, Rejection
from anju.exchange.feeding import BatchResult, NewDeadLetters, feed, feed_or_none, load_feed
from anju.exchange.files import ERROR, Raw
from anju.exchange.tables import feed_dead_letters
from anju.security import Caller, Keyring, audited, keyring_from_settings, mask_id, mask_name

STATUS_LABELS = {"open": "待处理", "replayed": "已重放", "discarded": "已丢弃"}
_PERSONAL = "feed_dead_letters.personal"


class FieldValue(TypedDict):
    name: str
    label: str
    value: str  # masked when the field is personal
    personal: bool


class DeadLetterView(TypedDict):
    id: int
    batch_id: int
    dataset: str
    seq: int
    status: str
    rejections: list[dict[str, str | None]]
    fields: list[FieldValue]
    replay_batch_id: int | None
    resolved_by: int | None
    resolved_at: datetime | None
    note: str | None


def _raw(kr: Keyring, row: Any) -> dict[str, object]:
    out: dict[str, object] = json.loads(row.record)
    if row.personal_enc is not None:
        out.update(json.loads(kr.decrypt(row.personal_enc, _PERSONAL)))
    return out


def _mask(kind: str, v: object) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, list | dict):
        return f"（已加密的个人信息，{len(v)} 项）"
    text = str(v)
    return mask_id(text) if kind in ("id_number", "credit_code") else mask_name(text)


def _shown(v: object) -> str:
    if v is None:
        return ""
    return json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else str(v)


def _view(f: FeedDefinition | None, kr: Keyring, row: Any) -> DeadLetterView:
    raw = _raw(kr, row)
    fields: list[FieldValue] = []
    if f is not None:
        for x in f.fields:
            v = raw.get(x.name)
            shown = _mask(x.kind, v) if x.personal else _shown(v)
            fields.append(FieldValue(name=x.name, label=x.label, value=shown, personal=x.personal))
    return DeadLetterView(
        id=int(row.id),
        batch_id=int(row.batch_id),
        dataset=row.dataset,
        seq=int(row.seq),
        status=row.status,
        rejections=json.loads(row.rejections),
        fields=fields,
        replay_batch_id=row.replay_batch_id,
        resolved_by=row.resolved_by,
        resolved_at=row.resolved_at,
        note=row.note,
    )


def list_dead_letters(
    conn: Connection,
    kr: Keyring,
    *,
    batch_id: int | None = None,
    dataset: str | None = None,
    status: str | None = None,
    offset: int,
    limit: int,
) -> Page[DeadLetterView]:
    d = feed_dead_letters.c
    stmt = select(feed_dead_letters).order_by(d.batch_id.desc(), d.seq)
    if batch_id is not None:
        stmt = stmt.where(d.batch_id == batch_id)
    if dataset is not None:
        stmt = stmt.where(d.dataset == dataset)
    if status is not None:
        stmt = stmt.where(d.status == status)
    defs: dict[str, FeedDefinition | None] = {}

    def row(r: Any) -> DeadLetterView:
        if r.dataset not in defs:
            defs[r.dataset] = feed_or_none(r.dataset)
        return _view(defs[r.dataset], kr, r)

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=row)


def get_dead_letter(conn: Connection, kr: Keyring, letter_id: int) -> DeadLetterView:
    r = conn.execute(select(feed_dead_letters).where(feed_dead_letters.c.id == letter_id)).first()
    if r is None:
        raise NotFound("没有这条死信")
    return _view(feed_or_none(r.dataset), kr, r)


class ReplaySink:
    """A replay's rejected records go back to the dead letters they came from (new reasons, values as
    fixed); its accepted ones mark their dead letters replayed.

    A letter discarded or replayed by someone else between the replay's read and its batch is a
    :class:`Conflict` and the whole replay rolls back: :meth:`begin` checks every letter is still
    open (locked ``FOR UPDATE`` on PostgreSQL) once the batch holds its dataset's lock, and every
    update is ``WHERE status = 'open'`` and must touch its letter."""

    def __init__(
        self, f: FeedDefinition, kr: Keyring, letters: Mapping[int, int], caller: Caller, now: datetime
    ) -> None:
        self.new = NewDeadLetters(f, kr)
        self.letters, self.caller, self.now = letters, caller, now

    def begin(self, conn: Connection, batch_id: int) -> None:
        t = feed_dead_letters.c
        ids = sorted(self.letters.values())
        stmt = select(t.id).where(t.id.in_(ids), t.status == "open").with_for_update()
        if len(conn.execute(stmt).all()) != len(ids):
            raise _taken()

    def rejected(self, conn: Connection, batch_id: int, items: list[tuple[int, Raw, list[Rejection]]]) -> None:
        if not items:
            return
        rows = []
        for seq, raw, why in items:
            r = self.new.row(batch_id, seq, raw, why)
            rows.append(
                {
                    "_id": self.letters[seq],
                    "record": r["record"],
                    "personal_enc": r["personal_enc"],
                    "rejections": r["rejections"],
                }
            )
        t = feed_dead_letters
        done = conn.execute(
            update(t)
            .where(t.c.id == bindparam("_id"), t.c.status == "open")
            .values(
                record=bindparam("record"), personal_enc=bindparam("personal_enc"), rejections=bindparam("rejections")
            ),
            rows,
        )
        _touched(done.rowcount, len(rows))

    def accepted(self, conn: Connection, batch_id: int, seqs: Sequence[int]) -> None:
        if not seqs:
            return
        t = feed_dead_letters
        done = conn.execute(
            update(t)
            .where(t.c.id == bindparam("_id"), t.c.status == "open")
            .values(
                status="replayed", replay_batch_id=batch_id, resolved_by=self.caller.account_id, resolved_at=self.now
            ),
            [{"_id": self.letters[s]} for s in seqs],
        )
        _touched(done.rowcount, len(seqs))


def _taken() -> Conflict:
    return Conflict("要重放的死信已被他人重放或丢弃，本次重放未生效，请刷新后重试", [])


def _touched(rowcount: int, expected: int) -> None:
    """An executemany's rowcount (-1 when the driver cannot tell) against the letters it had to touch."""
    if rowcount >= 0 and rowcount != expected:
        raise _taken()


@dataclass(frozen=True)
class ReplayResult:
    batch: BatchResult
    replayed: int  # dead letters now replayed
    still_open: int


def replay(
    target: Engine | UnitOfWork,
    settings: Settings,
    caller: Caller,
    *,
    letter_ids: Sequence[int] | None = None,
    batch_id: int | None = None,
    fixes: Mapping[int, Mapping[str, str]] | None = None,
    keyring: Keyring | None = None,
) -> ReplayResult:
    """Replay open dead letters (given by id, or every open one of ``batch_id``), each with its fixed
    field values (``fixes``: dead letter id → field name → text; an empty text of a personal field
    keeps the stored value), through the same checks and handler as a delivery."""
    uow = unit_of_work(target)
    kr = keyring or keyring_from_settings(settings)
    d = feed_dead_letters.c
    stmt = (
        select(feed_dead_letters)
        .where(d.status == "open")
        .order_by(d.batch_id, d.seq)
        .limit(settings.exchange_replay_max)
    )
    if letter_ids is not None:
        stmt = stmt.where(d.id.in_(sorted(set(letter_ids))))
    elif batch_id is not None:
        stmt = stmt.where(d.batch_id == batch_id)
    else:
        raise ValidationError.of("letters", "请指定要重放的死信或批次")
    with uow.read() as conn:
        rows = conn.execute(stmt).all()
    if not rows:
        raise Conflict("没有待处理的死信可重放", [])
    datasets = {r.dataset for r in rows}
    if len(datasets) > 1:
        raise ValidationError.of("letters", "一次只能重放同一数据集的死信")
    f = feed(datasets.pop())
    fixes = fixes or {}
    personal = {x.name for x in f.fields if x.personal}
    names = {x.name for x in f.fields}
    raws: list[Raw] = []
    letters: dict[int, int] = {}
    for seq, r in enumerate(rows, start=1):
        raw = _raw(kr, r)
        fixed = {k: v for k, v in fixes.get(int(r.id), {}).items() if k in names}
        if fixed:  # an unreadable line's letter is readable once fixed
            raw.pop(ERROR, None)
        for name, text in fixed.items():
            if name in personal and not text.strip():
                continue
            raw[name] = text
        raws.append(raw)
        letters[seq] = int(r.id)
    now = clock.now()
    sink = ReplaySink(f, kr, letters, caller, now)
    result = load_feed(uow, settings, f, raws, caller=caller, channel="replay", keyring=kr, sink=sink, now=now)
    if result.status != "done":
        return ReplayResult(result, 0, len(rows))
    return ReplayResult(result, result.accepted + result.duplicate, result.rejected)


def discard(uow: UnitOfWork, caller: Caller, letter_id: int, reason: str) -> None:
    """Discard an open dead letter with a reason (the record will not be applied)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError.of("reason", "请填写丢弃原因")
    if len(reason) > 500:
        raise ValidationError.of("reason", "原因不能超过 500 个字符")
    t = feed_dead_letters
    with audited(uow, caller, "exchange.discard_dead_letter", "feed_dead_letter", letter_id) as conn:
        status = conn.execute(select(t.c.status).where(t.c.id == letter_id)).scalar_one_or_none()
        if status is None:
            raise NotFound("没有这条死信")
        if status != "open":
            raise Conflict(f"这条死信已{STATUS_LABELS.get(status, status)}，不能丢弃", [])
        done = conn.execute(
            update(t)
            .where(t.c.id == letter_id, t.c.status == "open")
            .values(status="discarded", note=reason, resolved_by=caller.account_id, resolved_at=clock.now())
        )
        if done.rowcount != 1:  # replayed meanwhile
            raise Conflict("这条死信刚被重放，不能丢弃", [])
