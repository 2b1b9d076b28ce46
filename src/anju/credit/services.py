"""Writing and reading credit events."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection, select

from anju import exchange, ledger
from anju.core import clock
from anju.core.dialect import DialectStatement, bulk_insert, insert_missing, reserve_ids
from anju.core.errors import ValidationError
from anju.credit import domain, grading
from anju.credit.domain import Event
from anju.credit.tables import credit_events, credit_subjects


def record_event(conn: Connection, ev: Event) -> int:
    """Store one event and append it to the verifiable log ``credit``; the subject gets a credit file if
    it has none, and its grade and lists are recomputed in the same transaction. Returns the event's id."""
    domain.check_event(ev)
    if ev.subject_type is not None and ev.subject_type not in domain.SUBJECT_TYPES:
        raise ValidationError.of("subject_type", f"未知的信用主体类型：{ev.subject_type}")
    now = clock.now()
    entry = json.dumps(
        {
            "type": "credit.event",
            "subject": ev.subject_bidx,
            "source": ev.source,
            "kind": ev.kind,
            "severity": ev.severity,
            "occurred_on": ev.occurred_on.isoformat(),
            "expires_on": ev.expires_on.isoformat() if ev.expires_on else None,
            "reference": ev.reference,
            "recorded_at": now.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    idx = ledger.append(conn, domain.LOG, [entry])
    event_id = int(
        conn.execute(
            credit_events.insert()
            .values(
                subject_kind=ev.subject_kind,
                subject_bidx=ev.subject_bidx,
                source=ev.source,
                kind=ev.kind,
                severity=ev.severity,
                occurred_on=ev.occurred_on,
                expires_on=ev.expires_on,
                reference=ev.reference,
                street_code=ev.street_code,
                detail=json.dumps(ev.detail, ensure_ascii=False),
                recorded_at=now,
                ledger_index=idx,
            )
            .returning(credit_events.c.id)
        ).scalar_one()
    )
    # the subject is named by its blind index only (a pseudonym: credit keeps no clear identity)
    exchange.emit(
        conn,
        "credit.event_recorded",
        f"subject:{ev.subject_bidx}",
        {
            "credit_event_id": event_id,
            "subject_kind": ev.subject_kind,
            "subject": ev.subject_bidx,
            "source": ev.source,
            "kind": ev.kind,
            "severity": ev.severity,
            "occurred_on": ev.occurred_on,
            "expires_on": ev.expires_on,
            "reference": ev.reference,
            "street_code": ev.street_code,
            "ledger_index": idx,
        },
    )
    _ensure_subject(conn, ev, now)
    grading.recompute(conn, [ev.subject_bidx], cause="event", cause_ref=str(event_id))
    return event_id


def _ensure_subject(conn: Connection, ev: Event, now: datetime) -> None:
    """The subject's credit file, created if missing (its type as the reporter knows it, else person or
    org; the subject sync fills in the rest)."""
    insert_missing(
        conn,
        credit_subjects,
        {
            "subject_bidx": ev.subject_bidx,
            "subject_kind": ev.subject_kind,
            "kind": ev.subject_type or ev.subject_kind,
            "street_code": ev.street_code,
            "links": "[]",
            "first_seen_at": now,
            "updated_at": now,
        },
    )


def effective_events(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, list[tuple[str, str]]]:
    """For each subject, the (kind, severity) of its 失信 events in effect on ``on``, as the grading
    counts them (voids, repairs, the edition's expiry; good conduct left out): see
    :func:`anju.credit.grading.effective_events`. Set-wise, chunked."""
    return grading.effective_events(conn, bidxs, on)


# ------------------------------------------------------------------------------ many events at once


_EVENT_COLS = ("id", "subject_kind", "subject_bidx", "source", "kind", "severity", "occurred_on", "expires_on",
               "reference", "street_code", "detail", "recorded_at", "ledger_index")  # fmt: skip


def _entry(ev: Event, recorded_at: str) -> bytes:
    return json.dumps(
        {
            "type": "credit.event",
            "subject": ev.subject_bidx,
            "source": ev.source,
            "kind": ev.kind,
            "severity": ev.severity,
            "occurred_on": ev.occurred_on.isoformat(),
            "expires_on": ev.expires_on.isoformat() if ev.expires_on else None,
            "reference": ev.reference,
            "recorded_at": recorded_at,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


def record_events(conn: Connection, evs: Sequence[Event]) -> list[int]:
    """Store many events set-wise (the same leaves and rows as :func:`record_event`, in order): every
    event checked first (nothing written if one is bad), one ledger append for the batch, one bulk
    insert (ids reserved, then COPY on PostgreSQL), one bulk outbox write, the subjects' files created
    if missing and their grades recomputed once. Returns the event ids in the order given."""
    if not evs:
        return []
    for ev in evs:
        domain.check_event(ev)
    now = clock.now()
    first = ledger.append(conn, domain.LOG, [_entry(ev, now.isoformat()) for ev in evs])
    ids = reserve_ids(conn, credit_events, len(evs))  # then one bulk insert (COPY on PostgreSQL)
    bulk_insert(
        conn,
        credit_events,
        _EVENT_COLS,
        (
            (eid, ev.subject_kind, ev.subject_bidx, ev.source, ev.kind, ev.severity, ev.occurred_on, ev.expires_on,
             ev.reference, ev.street_code, json.dumps(ev.detail, ensure_ascii=False), now, first + i)
            for i, (ev, eid) in enumerate(zip(evs, ids, strict=True))
        ),
    )  # fmt: skip
    exchange.emit_many(
        conn,
        [
            exchange.OutEvent(
                "credit.event_recorded",
                f"subject:{ev.subject_bidx}",
                {
                    "credit_event_id": eid,
                    "subject_kind": ev.subject_kind,
                    "subject": ev.subject_bidx,
                    "source": ev.source,
                    "kind": ev.kind,
                    "severity": ev.severity,
                    "occurred_on": ev.occurred_on,
                    "expires_on": ev.expires_on,
                    "reference": ev.reference,
                    "street_code": ev.street_code,
                    "ledger_index": first + i,
                },
            )
            for i, (ev, eid) in enumerate(zip(evs, ids, strict=True))
        ],
    )
    _ensure_subjects(conn, evs, now)
    _recompute(conn, sorted({ev.subject_bidx for ev in evs}))
    return ids


_INSERT_SUBJECT = DialectStatement(lambda mod: mod.insert(credit_subjects).on_conflict_do_nothing())


def _ensure_subjects(conn: Connection, evs: Sequence[Event], now: datetime) -> None:
    """A subject without a credit file gets one of the type its reporter names (``Event.subject_type``;
    ``person``/``org`` otherwise). One read, one bulk insert."""
    wanted: dict[str, Event] = {}
    for ev in evs:
        wanted.setdefault(ev.subject_bidx, ev)
    have: set[str] = set()
    keys = sorted(wanted)
    for i in range(0, len(keys), 5000):
        have |= set(
            conn.execute(
                select(credit_subjects.c.subject_bidx).where(credit_subjects.c.subject_bidx.in_(keys[i : i + 5000]))
            ).scalars()
        )
    new = [
        {
            "subject_bidx": b,
            "subject_kind": ev.subject_kind,
            "kind": ev.subject_type or ("person" if ev.subject_kind == "person" else "org"),
            "name": None,
            "name_enc": None,
            "credit_code": None,
            "district_code": None,
            "street_code": ev.street_code,
            "links": "[]",
            "first_seen_at": now,
            "updated_at": now,
        }
        for b, ev in sorted(wanted.items())
        if b not in have
    ]
    if new:
        conn.execute(_INSERT_SUBJECT(conn), new)  # a concurrent insert of the same subject wins quietly


def _recompute(conn: Connection, bidxs: Sequence[str]) -> None:
    """The subjects' grades and lists, in the same transaction."""
    grading.recompute(conn, bidxs, cause="event")
