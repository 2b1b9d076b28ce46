"""Objections (异议): a subject contests one of its own events with a reason and documents; an officer
of the event's street or district decides within ``credit_objection_days`` working days.

An upheld objection voids the event — a new amendment and a new leaf in the log, never an edit
(``anju.credit.amend_event``, which recomputes the grade). Every submission and every decision is a
leaf in the verifiable log ``credit`` (``ledger_index`` / ``decision_ledger_index``). One open
objection per event: the unique index ``ux_credit_objections_open`` settles a double submission.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update

from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.core.workdays import add_working_days
from anju.credit import casework, domain
from anju.credit.casework import DocumentRow, Subject, Upload
from anju.credit.catalogue import kind_label
from anju.credit.tables import credit_events, credit_objections, credit_subjects
from anju.security import Caller

OUTCOMES = ("upheld", "rejected")


class ObjectionRow(TypedDict):
    objection_no: str
    event_id: int
    event_kind: str
    event_kind_label: str
    severity: str
    occurred_on: date
    event_reference: str
    subject_kind: str
    subject_name: str | None
    subject_id: int | None
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date
    overdue: bool
    decided_at: datetime | None
    street_code: str | None


class ObjectionDetail(ObjectionRow):
    reason: str
    decision: str | None
    decided_by: str | None
    documents: list[DocumentRow]
    ledger_index: int | None
    decision_ledger_index: int | None


def file_objection(
    conn: Connection, subject: Subject, event_id: int, reason: str, files: Sequence[Upload], *, days: int
) -> str:
    """The subject objects to its own event; answers the objection's number."""
    ev = casework.own_event(conn, subject, event_id)
    text = casework.check_reason(reason, "reason")
    casework.check_uploads(files)
    if casework.amended(conn, event_id):
        raise Conflict("该信用记录已被撤销或修复，不能再提出异议")
    if (case := casework.open_case(conn, event_id)) is not None:
        raise Conflict(f"该信用记录已有待处理的{case}，办结后才能再提出异议")
    now = clock.now()
    due = add_working_days(clock.to_local(now).date(), days)
    oid, number = casework.insert_case(
        conn,
        credit_objections,
        "objection_no",
        "YY",
        now,
        {
            "event_id": event_id,
            "subject_bidx": subject.bidx,
            "account_id": subject.account_id,
            "reason": text,
            "status": "submitted",
            "open": 1,
            "submitted_at": now,
            "due_on": due,
            "street_code": ev.street_code,
        },
        "异议",
    )
    digests = casework.store_uploads(conn, "objection", oid, files, now)
    idx = casework.log_entry(
        conn,
        {
            "type": "credit.objection",
            "objection_no": number,
            "event_id": event_id,
            "event_leaf": ev.ledger_index,
            "subject": subject.bidx,
            "reason_sha256": casework.text_digest(text),
            "documents_sha256": digests,
            "submitted_at": now.isoformat(),
            "due_on": due.isoformat(),
        },
    )
    conn.execute(update(credit_objections).where(credit_objections.c.id == oid).values(ledger_index=idx))
    return number


_COLS = (
    credit_objections,
    credit_events.c.kind.label("event_kind"),
    credit_events.c.severity,
    credit_events.c.occurred_on,
    credit_events.c.reference.label("event_reference"),
    credit_events.c.subject_kind,
    credit_subjects.c.name.label("subject_name"),
    credit_subjects.c.id.label("subject_id"),
)


def _base() -> Any:
    return (
        select(*_COLS)
        .join(credit_events, credit_events.c.id == credit_objections.c.event_id)
        .outerjoin(credit_subjects, credit_subjects.c.subject_bidx == credit_objections.c.subject_bidx)
    )


def _row(r: Any, today: date) -> ObjectionRow:
    return {
        "objection_no": r.objection_no,
        "event_id": int(r.event_id),
        "event_kind": r.event_kind,
        "event_kind_label": kind_label(r.event_kind),
        "severity": r.severity,
        "occurred_on": r.occurred_on,
        "event_reference": r.event_reference,
        "subject_kind": r.subject_kind,
        # a person is never named here: officers see the kind, the event and the documents
        "subject_name": r.subject_name if r.subject_kind == "org" else None,
        "subject_id": None if r.subject_id is None else int(r.subject_id),
        "status": r.status,
        "status_label": domain.OBJECTION_STATUSES.get(r.status, r.status),
        "submitted_at": r.submitted_at,
        "due_on": r.due_on,
        "overdue": r.status == "submitted" and r.due_on < today,
        "decided_at": r.decided_at,
        "street_code": r.street_code,
    }


def objections(
    conn: Connection, *, scope: Scope, status: str | None = "submitted", limit: int, offset: int
) -> Page[ObjectionRow]:
    """Objections of the caller's streets: open ones by deadline (oldest first), others latest first."""
    o = credit_objections.c
    q = _base().where(*scope.where(o.street_code))
    if status:
        q = q.where(o.status == status)
    q = q.order_by(o.due_on, o.id) if status == "submitted" else q.order_by(o.submitted_at.desc(), o.id.desc())
    count = select(o.id).where(*scope.where(o.street_code), *([o.status == status] if status else []))
    today = clock.today()
    return fetch_page(conn, q, limit=limit, offset=offset, row=lambda r: _row(r, today), count_stmt=count)


def objection(conn: Connection, number: str, *, scope: Scope) -> ObjectionDetail:
    r = conn.execute(_base().where(credit_objections.c.objection_no == number)).first()
    if r is None:
        raise NotFound("异议不存在")
    scope.require(r.street_code, "异议不存在")
    docs = casework.documents(conn, "objection", [int(r.id)])
    return {
        **_row(r, clock.today()),
        "reason": r.reason,
        "decision": r.decision,
        "decided_by": r.decided_by,
        "documents": docs.get(int(r.id), []),
        "ledger_index": r.ledger_index,
        "decision_ledger_index": r.decision_ledger_index,
    }


def decide_objection(conn: Connection, caller: Caller, number: str, outcome: str, reason: str) -> None:
    """Uphold (the event is voided) or reject an open objection, with the reason."""
    if outcome not in OUTCOMES:
        raise ValidationError.of("outcome", "应为 upheld（异议成立）或 rejected（异议不成立）")
    text = casework.check_reason(reason, "decision", minimum=2)
    r = conn.execute(select(credit_objections).where(credit_objections.c.objection_no == number)).first()
    if r is None:
        raise NotFound("异议不存在")
    caller.scope.require(r.street_code, "异议不存在")
    if r.status != "submitted":
        raise Conflict(f"该异议已处理（{domain.OBJECTION_STATUSES.get(r.status, r.status)}）")
    now = clock.now()
    done = conn.execute(
        update(credit_objections)
        .where(credit_objections.c.id == r.id, credit_objections.c.status == "submitted")
        .values(status=outcome, open=None, decided_by=caller.username, decided_at=now, decision=text)
    )
    if done.rowcount != 1:
        raise Conflict("该异议已处理")
    if outcome == "upheld":
        ev = conn.execute(select(credit_events.c.occurred_on).where(credit_events.c.id == r.event_id)).one()
        casework.amend_event(
            conn,
            int(r.event_id),
            "void",
            effective_on=ev.occurred_on,
            reason=text,
            reference=number,
            by=caller.username,
        )
    idx = casework.log_entry(
        conn,
        {
            "type": "credit.objection_decision",
            "objection_no": number,
            "event_id": int(r.event_id),
            "objection_leaf": r.ledger_index,
            "outcome": outcome,
            "decision_sha256": casework.text_digest(text),
            "decided_at": now.isoformat(),
        },
    )
    conn.execute(update(credit_objections).where(credit_objections.c.id == r.id).values(decision_ledger_index=idx))
