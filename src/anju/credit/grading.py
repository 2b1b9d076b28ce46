"""The grading engine: grades and red/black lists computed from the events (pure
:mod:`anju.credit.assessment`) and written set-wise, each change appended to the verifiable log
``credit`` and emitted to the outbox.

- :func:`recompute` (a few subjects, in the caller's transaction: every event and amendment) and
  :func:`recompute_all` (every subject, streaming the events ordered by subject in one query) write
  ``credit_grades`` (one row per subject, rewritten only when it changed), ``credit_grade_changes``
  (appended only when the grade changes: the first grade is a change from none), and list entries
  (entered and exited with the rule and the dates);
- :func:`amend_event` voids or repairs an event (a new row and leaf, never an edit) and recomputes;
- :func:`grade_as_of` is the bitemporal question: the grade on a valid date as known at a time
  (events and amendments recorded by then);
- :func:`current_grades`, :func:`open_list_entries`, :func:`grade_history` read.
"""

from __future__ import annotations

import gc
import itertools
import json
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Date, Integer, String, and_, bindparam, cast, delete, null, select, union_all, update

from anju import exchange, ledger
from anju.core import clock
from anju.core.dialect import DialectStatement, bulk_insert, lock_rows
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.credit import domain, scoring
from anju.credit.assessment import Assessment, EventFact, assess, event_status
from anju.credit.tables import (
    credit_event_amendments,
    credit_events,
    credit_grade_changes,
    credit_grades,
    credit_list_entries,
    credit_subjects,
)

CHUNK = 5000
# The lock order of every credit write, so that no two can deadlock: the log ``credit``'s row lock
# first (``ledger.append`` or ``ledger.lock_log``), then the subjects' rows (``lock_rows``, sorted
# chunks). ``record_event`` appends before it recomputes; ``recompute``, ``recompute_all`` and
# ``amend_event`` take the log's lock before anything else.
_FIRST = itemgetter(0)
_EV, _AM, _G, _L, _S = credit_events, credit_event_amendments, credit_grades, credit_list_entries, credit_subjects


@dataclass(frozen=True)
class GradeRow:
    """A subject's current grade (``credit_grades``)."""

    subject_bidx: str
    subject_kind: str
    edition: str
    score_centi: int
    grade: str
    as_of: date
    events: int
    explanation: str
    computed_at: datetime


@dataclass(frozen=True)
class ListEntryRow:
    id: int
    subject_bidx: str
    list: str  # red | black
    rule: str
    reason: str
    edition: str
    entered_on: date
    exited_on: date | None
    exit_reason: str | None
    ledger_index: int | None


@dataclass(frozen=True)
class GradeChangeRow:
    id: int
    subject_bidx: str
    edition: str
    from_grade: str | None
    to_grade: str
    score_centi: int
    valid_from: date
    cause: str
    cause_ref: str | None
    recorded_at: datetime
    ledger_index: int | None


# ------------------------------------------------------------------------------------------- reading


def _chunks(keys: Sequence[str], n: int = CHUNK) -> Iterator[list[str]]:
    keys = sorted(set(keys))
    for i in range(0, len(keys), n):
        yield keys[i : i + n]


def _grade_row(r: Any) -> GradeRow:
    return GradeRow(
        r.subject_bidx, r.subject_kind, r.edition, int(r.score_centi), r.grade, r.as_of, int(r.events),
        r.explanation, r.computed_at,
    )  # fmt: skip


def _entry_row(r: Any) -> ListEntryRow:
    return ListEntryRow(
        int(r.id), r.subject_bidx, r.list, r.rule, r.reason, r.edition, r.entered_on, r.exited_on, r.exit_reason,
        r.ledger_index,
    )  # fmt: skip


def current_grades(conn: Connection, bidxs: Sequence[str]) -> dict[str, GradeRow]:
    """The stored grade of each subject among ``bidxs`` that has one. Set-wise, chunked."""
    out: dict[str, GradeRow] = {}
    for chunk in _chunks(bidxs):
        for r in conn.execute(select(_G).where(_G.c.subject_bidx.in_(chunk))):
            out[r.subject_bidx] = _grade_row(r)
    return out


def open_list_entries(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, list[ListEntryRow]]:
    """Each subject's list entries in effect on ``on`` (entered on or before, not exited by then)."""
    out: dict[str, list[ListEntryRow]] = {}
    for chunk in _chunks(bidxs):
        rows = conn.execute(
            select(_L)
            .where(
                _L.c.subject_bidx.in_(chunk),
                _L.c.entered_on <= on,
                (_L.c.exited_on.is_(None)) | (_L.c.exited_on > on),
            )
            .order_by(_L.c.subject_bidx, _L.c.list, _L.c.id)
        )
        for r in rows:
            out.setdefault(r.subject_bidx, []).append(_entry_row(r))
    return out


def grade_history(conn: Connection, bidx: str, limit: int = 50, offset: int = 0) -> Page[GradeChangeRow]:
    """A subject's grade changes, latest first."""
    c = credit_grade_changes.c
    stmt = select(credit_grade_changes).where(c.subject_bidx == bidx).order_by(c.recorded_at.desc(), c.id.desc())
    return fetch_page(
        conn,
        stmt,
        limit=limit,
        offset=offset,
        row=lambda r: GradeChangeRow(
            int(r.id),
            r.subject_bidx,
            r.edition,
            r.from_grade,
            r.to_grade,
            int(r.score_centi),
            r.valid_from,
            r.cause,
            r.cause_ref,
            r.recorded_at,
            r.ledger_index,
        ),
    )


def _events_select(known_at: datetime | None = None) -> Any:
    joined = _AM.c.event_id == _EV.c.id
    if known_at is not None:
        joined = and_(joined, _AM.c.recorded_at <= known_at)
    stmt = select(
        _EV.c.subject_bidx,
        _EV.c.subject_kind,
        _EV.c.id,
        _EV.c.kind,
        _EV.c.severity,
        _EV.c.occurred_on,
        _EV.c.expires_on,
        _AM.c.kind.label("am_kind"),
        _AM.c.effective_on.label("am_on"),
    ).select_from(_EV.outerjoin(_AM, joined))
    return stmt if known_at is None else stmt.where(_EV.c.recorded_at <= known_at)


def _fact(r: Any) -> EventFact:
    return EventFact._make(r[2:9])


def _subject_facts(
    conn: Connection, bidxs: Sequence[str], known_at: datetime | None = None
) -> dict[str, tuple[str, list[EventFact]]]:
    """Each known subject's kind (person | org) and events (with amendments), set-wise. The kind is
    chosen as :func:`recompute_all` chooses it: the credit file's, else its first event's (lowest id),
    else (no file, no event) the stored grade's."""
    out: dict[str, tuple[str, list[EventFact]]] = {}
    for b, k in conn.execute(select(_S.c.subject_bidx, _S.c.subject_kind).where(_S.c.subject_bidx.in_(bidxs))):
        out[b] = (k, [])
    events = _events_select(known_at).where(_EV.c.subject_bidx.in_(bidxs)).order_by(_EV.c.id)
    for r in conn.execute(events):
        out.setdefault(r[0], (r[1], []))[1].append(_fact(r))
    for b, k in conn.execute(select(_G.c.subject_bidx, _G.c.subject_kind).where(_G.c.subject_bidx.in_(bidxs))):
        out.setdefault(b, (k, []))
    return out


def effective_events(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, list[tuple[str, str]]]:
    """For each subject, the (kind, severity) of its 失信 events in effect on ``on``: the events the
    grading counts on that date (:func:`anju.credit.assessment.event_status` with the edition in force:
    not voided, not repaired by then, not expired by the edition's rule or the event's own date) whose
    kind the edition rates negative. Good conduct and events the edition does not rate are left out.
    Set-wise, chunked (the housing-assistance eligibility check reads it)."""
    edition = scoring.edition_on(on)
    out: dict[str, list[tuple[str, str]]] = {}
    for chunk in _chunks(bidxs):
        for b, (_kind, events) in _subject_facts(conn, chunk).items():
            for ev in events:
                rule = edition.kinds.get(ev.kind)
                if rule is not None and rule.negative and event_status(ev, rule, on) == "counted":
                    out.setdefault(b, []).append((ev.kind, ev.severity))
    return out


def grade_as_of(conn: Connection, bidx: str, valid_on: date, *, known_at: datetime | None = None) -> Assessment:
    """The subject's grade on ``valid_on`` as known at ``known_at`` (default: now): the events and the
    amendments recorded by then, assessed with the edition in force on ``valid_on``."""
    facts = _subject_facts(conn, [bidx], known_at or clock.now())
    if bidx not in facts:
        raise NotFound("没有这个信用主体")
    kind, events = facts[bidx]
    return assess(scoring.edition_on(valid_on), kind, events, valid_on)


# ------------------------------------------------------------------------------------------- writing


_UPSERT = DialectStatement(
    lambda mod: (
        ins := mod.insert(_G)
    ).on_conflict_do_update(
        index_elements=[_G.c.subject_bidx],
        set_={c: ins.excluded[c] for c in ("subject_kind", "edition", "score_centi", "grade", "as_of", "events",
                                            "explanation", "computed_at")},
    )
)  # fmt: skip
_GRADE_COLS = ("subject_bidx", "subject_kind", "edition", "score_centi", "grade", "as_of", "events", "explanation",
               "computed_at")  # fmt: skip
_CHANGE_COLS = ("subject_bidx", "edition", "from_grade", "to_grade", "score_centi", "valid_from", "cause",
                "cause_ref", "recorded_at", "ledger_index")  # fmt: skip
_ENTRY_COLS = ("subject_bidx", "list", "rule", "reason", "edition", "entered_on", "active", "recorded_at",
               "ledger_index")  # fmt: skip
_EXIT = (
    update(_L)
    .where(_L.c.id == bindparam("eid"))
    .values(
        exited_on=bindparam("on"),
        exit_reason=bindparam("why"),
        active=None,
        exit_recorded_at=bindparam("now"),
        exit_ledger_index=bindparam("idx"),
    )
)


@dataclass
class _Plan:
    """What one chunk writes: grade rows, changes, list entries and exits, log entries, outbox events."""

    grades: list[tuple[Any, ...]]
    changes: list[list[Any]]
    enters: list[list[Any]]
    exits: list[dict[str, Any]]
    leaves: list[dict[str, Any]]  # log entries, in order; the i-th gets index first + i
    changed: int = 0


def _plan(
    assessed: dict[str, Assessment],
    stored: dict[str, tuple[Any, ...]],
    opened: dict[str, list[tuple[int, str, str]]],
    on: date,
    cause: str,
    cause_ref: str | None,
    now: datetime,
    full: bool,
) -> _Plan:
    """What changes, subject by subject. ``stored`` holds each subject's stored (edition, score, grade,
    events) and, when ``full``, its explanation: a bulk run compares the figures only (an explanation
    changes with them but for lines that count nothing: a small recompute compares it too)."""
    plan = _Plan([], [], [], [], [])
    stamp = now.isoformat()
    for bidx in sorted(assessed):
        a = assessed[bidx]
        old = stored.get(bidx)
        new: tuple[Any, ...] = (a.edition, a.score_centi, a.grade, a.events)
        explanation = None
        if full:
            explanation = a.explanation()
            new = (*new, explanation)
        touched = False
        if old != new:
            touched = True
            explanation = explanation or a.explanation()
            plan.grades.append(
                (bidx, a.subject_kind, a.edition, a.score_centi, a.grade, on, a.events, explanation, now)
            )
        if old is None or old[2] != a.grade:
            why = "edition" if cause == "recompute" and old is not None and old[0] != a.edition else cause
            plan.changes.append(
                [
                    bidx,
                    a.edition,
                    old[2] if old else None,
                    a.grade,
                    a.score_centi,
                    on,
                    why,
                    cause_ref,
                    now,
                    len(plan.leaves),
                ]
            )
            plan.leaves.append(
                {"type": "credit.grade_changed", "subject": bidx, "edition": a.edition,
                 "from": old[2] if old else None, "to": a.grade, "score_centi": a.score_centi,
                 "valid_from": on.isoformat(), "cause": why, "cause_ref": cause_ref, "recorded_at": stamp}
            )  # fmt: skip
        want = {m.list: m for m in a.lists}
        have = {lst: (eid, rule) for eid, lst, rule in opened.get(bidx, [])}
        for lst, (eid, rule) in sorted(have.items()):
            if lst in want:
                continue
            touched = True
            why = f"不再符合规则 {rule}（{domain.GRADE_LABELS.get(a.grade, a.grade)}）"
            plan.exits.append({"eid": eid, "on": on, "why": why, "now": now, "idx": len(plan.leaves)})
            plan.leaves.append(
                {"type": "credit.list_exited", "subject": bidx, "list": lst, "rule": rule, "edition": a.edition,
                 "on": on.isoformat(), "reason": why, "cause": cause, "cause_ref": cause_ref, "recorded_at": stamp}
            )  # fmt: skip
        for lst, m in sorted(want.items()):
            if lst in have:
                continue
            touched = True
            plan.enters.append([bidx, lst, m.rule, m.label, a.edition, on, 1, now, len(plan.leaves)])
            plan.leaves.append(
                {"type": "credit.list_entered", "subject": bidx, "list": lst, "rule": m.rule, "edition": a.edition,
                 "on": on.isoformat(), "reason": m.label, "cause": cause, "cause_ref": cause_ref, "recorded_at": stamp}
            )  # fmt: skip
        plan.changed += touched
    return plan


def _write_grades(conn: Connection, rows: list[tuple[Any, ...]], stored: Collection[str]) -> None:
    """Upsert the grade rows (``stored``: the subjects that have one already)."""
    if not rows:
        return
    if len(rows) < 200:
        conn.execute(_UPSERT(conn), [dict(zip(_GRADE_COLS, r, strict=True)) for r in rows])
        return
    # many rows (a bulk run, which no one else writes concurrently): delete the old ones, load them all
    old = [r[0] for r in rows if r[0] in stored]
    for chunk in _chunks(old):
        conn.execute(delete(_G).where(_G.c.subject_bidx.in_(chunk)))
    bulk_insert(conn, _G, _GRADE_COLS, rows)


def _execute(conn: Connection, plan: _Plan, stored: Collection[str]) -> None:
    if plan.leaves:
        first = ledger.append(
            conn,
            domain.LOG,
            [json.dumps(e, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode() for e in plan.leaves],
        )
        # each row was planned with the position of its log entry: now its leaf index
        for c in plan.changes:
            c[9] += first
        for x in plan.exits:
            x["idx"] += first
        for n in plan.enters:
            n[8] += first
        for i, e in enumerate(plan.leaves):
            e["ledger_index"] = first + i
    _write_grades(conn, plan.grades, stored)
    if plan.changes:
        bulk_insert(conn, credit_grade_changes, _CHANGE_COLS, plan.changes)
    if plan.exits:
        conn.execute(_EXIT, plan.exits)
    if plan.enters:
        bulk_insert(conn, _L, _ENTRY_COLS, plan.enters)
    if plan.leaves:
        exchange.emit_many(
            conn,
            [
                exchange.OutEvent(
                    "credit.grade_changed" if e["type"] == "credit.grade_changed" else "credit.list_changed",
                    f"subject:{e['subject']}",
                    e,
                )
                for e in plan.leaves
            ],
        )


def _stored(conn: Connection, bidxs: Sequence[str], full: bool) -> dict[str, tuple[Any, ...]]:
    cols = [_G.c.subject_bidx, _G.c.edition, _G.c.score_centi, _G.c.grade, _G.c.events]
    rows = conn.execute(select(*cols, *([_G.c.explanation] if full else [])).where(_G.c.subject_bidx.in_(bidxs)))
    return {r[0]: (r[1], int(r[2]), r[3], int(r[4]), *r[5:]) for r in rows}


def _opened(conn: Connection, bidxs: Sequence[str]) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {}
    rows = conn.execute(
        select(_L.c.id, _L.c.subject_bidx, _L.c.list, _L.c.rule).where(_L.c.subject_bidx.in_(bidxs), _L.c.active == 1)
    )
    for eid, b, lst, rule in rows:
        out.setdefault(b, []).append((int(eid), lst, rule))
    return out


def _apply(
    conn: Connection,
    assessed: dict[str, Assessment],
    on: date,
    cause: str,
    cause_ref: str | None,
    now: datetime,
    full: bool = True,
) -> int:
    keys = list(assessed)
    stored = _stored(conn, keys, full)
    plan = _plan(assessed, stored, _opened(conn, keys), on, cause, cause_ref, now, full)
    _execute(conn, plan, stored)
    return plan.changed


def recompute(
    conn: Connection,
    bidxs: Sequence[str],
    *,
    on: date | None = None,
    cause: str = "recompute",
    cause_ref: str | None = None,
) -> int:
    """Recompute the grades and lists of the subjects (set-wise, in the caller's transaction) on ``on``
    (default today), writing what changed; returns how many subjects changed. Subjects with neither a
    credit file nor events are skipped."""
    if cause not in domain.GRADE_CAUSES:
        raise ValidationError.of("cause", f"应为 {'、'.join(domain.GRADE_CAUSES)} 之一")
    on = on or clock.today()
    edition, now, changed = scoring.edition_on(on), clock.now(), 0
    # the lock order of every credit write (see CHUNK): the log ``credit`` first, then the subjects
    ledger.lock_log(conn, domain.LOG)
    for chunk in _chunks(bidxs):
        lock_rows(conn, _S, _S.c.subject_bidx.in_(chunk))  # one recompute of a subject at a time
        facts = _subject_facts(conn, chunk)
        assessed = {b: assess(edition, k, evs, on) for b, (k, evs) in facts.items()}
        changed += _apply(conn, assessed, on, cause, cause_ref, now)
    return changed


def _all_rows(conn: Connection) -> Iterator[Any]:
    """Every event (with its amendment) and every subject without one, ordered by subject: one query,
    streamed (a server-side cursor on PostgreSQL)."""
    subjects = select(
        _S.c.subject_bidx,
        _S.c.subject_kind,
        cast(null(), Integer).label("id"),
        cast(null(), String).label("kind"),
        cast(null(), String).label("severity"),
        cast(null(), Date).label("occurred_on"),
        cast(null(), Date).label("expires_on"),
        cast(null(), String).label("am_kind"),
        cast(null(), Date).label("am_on"),
    )
    u = union_all(_events_select(), subjects).subquery()
    stmt = select(u).order_by(u.c.subject_bidx)
    yield from conn.execute(stmt, execution_options={"yield_per": 20_000})


def recompute_all(conn: Connection, *, on: date | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Recompute every subject's grade and lists on ``on`` (default today) in bulk: the events stream
    ordered by subject, are assessed in Python, and only what changed is written, a chunk at a time
    (one log append, one bulk insert per table and chunk). Returns how many subjects changed.

    The run takes the log ``credit``'s lock first and holds it to the end of the caller's transaction:
    every event and amendment appends to that log first (the lock order, see ``CHUNK``), so none
    commits while the run reads, and the run never writes a grade or closes a list entry from a stale
    view. Credit writes wait for the run (as they did once its first changed chunk appended)."""
    on = on or clock.today()
    ledger.lock_log(conn, domain.LOG)
    edition, now, changed, seen = scoring.edition_on(on), clock.now(), 0, 0
    batch: dict[str, Assessment] = {}
    collecting = gc.isenabled()
    gc.disable()  # millions of small acyclic objects: the collector would only walk them over and over
    try:
        for bidx, rows in itertools.groupby(_all_rows(conn), key=_FIRST):
            kind, first, events = None, None, []
            for r in rows:
                if r[2] is None:
                    kind = r[1]  # the credit file's kind
                else:
                    events.append(_fact(r))
                    if first is None or r[2] < first[0]:
                        first = (r[2], r[1])
            # as recompute chooses it: the file's kind, else the first event's (not the database's order)
            kind = kind or (first[1] if first else "org")
            batch[bidx] = assess(edition, kind, events, on)
            if len(batch) >= CHUNK:
                changed += _apply(conn, batch, on, "recompute", None, now, full=False)
                seen += len(batch)
                batch = {}
                if progress:
                    progress(seen)
        if batch:
            changed += _apply(conn, batch, on, "recompute", None, now, full=False)
    finally:
        if collecting:
            gc.enable()
    # the rows that did not change were computed for this date too
    conn.execute(update(_G).where(_G.c.as_of != on).values(as_of=on, computed_at=now))
    return changed


# ---------------------------------------------------------------------------------------- amendments


def amend_event(
    conn: Connection, event_id: int, kind: str, *, effective_on: date, reason: str, reference: str, by: str
) -> int:
    """Void (an upheld objection) or repair (信用修复 from ``effective_on``) an event: a new amendment
    row and a new leaf of the log ``credit``, never an edit; the subject is recomputed in the same
    transaction. Returns the amendment's id; raises Conflict if the event is already amended."""
    if kind not in domain.AMENDMENT_KINDS:
        raise ValidationError.of("kind", f"应为 {'、'.join(domain.AMENDMENT_KINDS)} 之一")
    if not reason.strip():
        raise ValidationError.of("reason", "不能为空")
    if not reference or len(reference) > 32:
        raise ValidationError.of("reference", "应为 1–32 个字符")
    ev = conn.execute(select(_EV.c.subject_bidx, _EV.c.occurred_on).where(_EV.c.id == event_id)).first()
    if ev is None:
        raise NotFound("没有这条信用事件")
    if kind == "repair" and effective_on < ev.occurred_on:
        raise ValidationError.of("effective_on", "修复日期不能早于事件发生日期")
    ledger.lock_log(conn, domain.LOG)  # the log first, then the subject (the lock order, see CHUNK)
    lock_rows(conn, _S, _S.c.subject_bidx == ev.subject_bidx)
    if conn.execute(select(_AM.c.id).where(_AM.c.event_id == event_id)).first() is not None:
        raise Conflict("该信用事件已被撤销或修复")
    now = clock.now()
    entry = {
        "type": "credit.amendment", "event_id": event_id, "subject": ev.subject_bidx, "kind": kind,
        "effective_on": effective_on.isoformat(), "reference": reference, "recorded_at": now.isoformat(),
    }  # fmt: skip
    idx = ledger.append(conn, domain.LOG, [json.dumps(entry, ensure_ascii=False, sort_keys=True).encode()])
    amendment_id = int(
        conn.execute(
            _AM.insert()
            .values(
                event_id=event_id, kind=kind, effective_on=effective_on, reason=reason, reference=reference,
                recorded_by=by, recorded_at=now, ledger_index=idx,
            )
            .returning(_AM.c.id)
        ).scalar_one()
    )  # fmt: skip
    recompute(conn, [ev.subject_bidx], cause=kind, cause_ref=reference)
    return amendment_id
