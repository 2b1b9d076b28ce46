"""Credit repair (信用修复): a subject asks that one of its negative events stop counting, after the
period the rules set (``basis = period``) or earlier on rectification (``basis = rectification``), with a
statement and documents; an officer of the event's street or district approves or rejects.

The rules are data (``credit/data/<city>/repair.toml``, :mod:`anju.credit.repair_rules`); a refusal
names the rule. An approved repair is an amendment ``repair`` effective on the decision date
(``anju.credit.amend_event``, which recomputes the grade). Every request and decision is a leaf in the
verifiable log ``credit``.
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
from anju.credit import casework, domain, repair_rules
from anju.credit.casework import DocumentRow, Subject, Upload
from anju.credit.catalogue import kind_label
from anju.credit.tables import credit_events, credit_repairs, credit_subjects
from anju.security import Caller

OUTCOMES = ("approved", "rejected")


class RepairRow(TypedDict):
    repair_no: str
    event_id: int
    event_kind: str
    event_kind_label: str
    severity: str
    occurred_on: date
    event_reference: str
    subject_kind: str
    subject_name: str | None
    subject_id: int | None
    basis: str
    basis_label: str
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date
    overdue: bool
    decided_at: datetime | None
    street_code: str | None


class RepairDetail(RepairRow):
    statement: str
    decision: str | None
    decided_by: str | None
    documents: list[DocumentRow]
    ledger_index: int | None
    decision_ledger_index: int | None


def _check(ev: Any, basis: str, on: date, city: str) -> None:
    repair_rules.check_repair(ev.kind, ev.severity, ev.occurred_on, basis, on, repair_rules.rules(city))


def request_repair(
    conn: Connection,
    subject: Subject,
    event_id: int,
    basis: str,
    statement: str,
    files: Sequence[Upload],
    *,
    days: int,
    city: str = "320100",
) -> str:
    """The subject asks to repair its own event; answers the request's number. Refused, naming the
    rule, when the rules do not allow it yet (or at all)."""
    ev = casework.own_event(conn, subject, event_id)
    if basis not in domain.REPAIR_BASES:
        raise ValidationError.of("basis", f"应为 {'、'.join(domain.REPAIR_BASES)} 之一")
    text = casework.check_reason(statement, "statement")
    casework.check_uploads(files)
    if basis == "rectification" and not files:
        raise ValidationError.of("documents", "整改修复须上传整改到位的证明材料")
    if casework.amended(conn, event_id):
        raise Conflict("该信用记录已被撤销或修复")
    now = clock.now()
    today = clock.to_local(now).date()
    if ev.expires_on is not None and ev.expires_on <= today:
        raise Conflict("该信用记录已失效，无须修复")
    _check(ev, basis, today, city)
    if (case := casework.open_case(conn, event_id)) is not None:
        raise Conflict(f"该信用记录已有待处理的{case}，办结后才能再申请修复")
    due = add_working_days(today, days)
    rid, number = casework.insert_case(
        conn,
        credit_repairs,
        "repair_no",
        "XF",
        now,
        {
            "event_id": event_id,
            "subject_bidx": subject.bidx,
            "account_id": subject.account_id,
            "basis": basis,
            "statement": text,
            "status": "submitted",
            "open": 1,
            "submitted_at": now,
            "due_on": due,
            "street_code": ev.street_code,
        },
        "修复申请",
    )
    digests = casework.store_uploads(conn, "repair", rid, files, now)
    idx = casework.log_entry(
        conn,
        {
            "type": "credit.repair",
            "repair_no": number,
            "event_id": event_id,
            "event_leaf": ev.ledger_index,
            "subject": subject.bidx,
            "basis": basis,
            "statement_sha256": casework.text_digest(text),
            "documents_sha256": digests,
            "submitted_at": now.isoformat(),
            "due_on": due.isoformat(),
        },
    )
    conn.execute(update(credit_repairs).where(credit_repairs.c.id == rid).values(ledger_index=idx))
    return number


def _base() -> Any:
    return (
        select(
            credit_repairs,
            credit_events.c.kind.label("event_kind"),
            credit_events.c.severity,
            credit_events.c.occurred_on,
            credit_events.c.reference.label("event_reference"),
            credit_events.c.subject_kind,
            credit_subjects.c.name.label("subject_name"),
            credit_subjects.c.id.label("subject_id"),
        )
        .join(credit_events, credit_events.c.id == credit_repairs.c.event_id)
        .outerjoin(credit_subjects, credit_subjects.c.subject_bidx == credit_repairs.c.subject_bidx)
    )


def _row(r: Any, today: date) -> RepairRow:
    return {
        "repair_no": r.repair_no,
        "event_id": int(r.event_id),
        "event_kind": r.event_kind,
        "event_kind_label": kind_label(r.event_kind),
        "severity": r.severity,
        "occurred_on": r.occurred_on,
        "event_reference": r.event_reference,
        "subject_kind": r.subject_kind,
        "subject_name": r.subject_name if r.subject_kind == "org" else None,
        "subject_id": None if r.subject_id is None else int(r.subject_id),
        "basis": r.basis,
        "basis_label": domain.REPAIR_BASES.get(r.basis, r.basis),
        "status": r.status,
        "status_label": domain.REPAIR_STATUSES.get(r.status, r.status),
        "submitted_at": r.submitted_at,
        "due_on": r.due_on,
        "overdue": r.status == "submitted" and r.due_on < today,
        "decided_at": r.decided_at,
        "street_code": r.street_code,
    }


def repairs(
    conn: Connection, *, scope: Scope, status: str | None = "submitted", limit: int, offset: int
) -> Page[RepairRow]:
    """Repair requests of the caller's streets: open ones by deadline (oldest first), others latest first."""
    c = credit_repairs.c
    q = _base().where(*scope.where(c.street_code))
    if status:
        q = q.where(c.status == status)
    q = q.order_by(c.due_on, c.id) if status == "submitted" else q.order_by(c.submitted_at.desc(), c.id.desc())
    count = select(c.id).where(*scope.where(c.street_code), *([c.status == status] if status else []))
    today = clock.today()
    return fetch_page(conn, q, limit=limit, offset=offset, row=lambda r: _row(r, today), count_stmt=count)


def repair(conn: Connection, number: str, *, scope: Scope) -> RepairDetail:
    r = conn.execute(_base().where(credit_repairs.c.repair_no == number)).first()
    if r is None:
        raise NotFound("修复申请不存在")
    scope.require(r.street_code, "修复申请不存在")
    docs = casework.documents(conn, "repair", [int(r.id)])
    return {
        **_row(r, clock.today()),
        "statement": r.statement,
        "decision": r.decision,
        "decided_by": r.decided_by,
        "documents": docs.get(int(r.id), []),
        "ledger_index": r.ledger_index,
        "decision_ledger_index": r.decision_ledger_index,
    }


def decide_repair(
    conn: Connection, caller: Caller, number: str, outcome: str, reason: str, *, city: str = "320100"
) -> None:
    """Approve (the event stops counting from today) or reject an open repair request, with the reason.
    An approval checks the rules again on the decision date."""
    if outcome not in OUTCOMES:
        raise ValidationError.of("outcome", "应为 approved（予以修复）或 rejected（不予修复）")
    text = casework.check_reason(reason, "decision", minimum=2)
    r = conn.execute(select(credit_repairs).where(credit_repairs.c.repair_no == number)).first()
    if r is None:
        raise NotFound("修复申请不存在")
    caller.scope.require(r.street_code, "修复申请不存在")
    if r.status != "submitted":
        raise Conflict(f"该修复申请已处理（{domain.REPAIR_STATUSES.get(r.status, r.status)}）")
    now = clock.now()
    today = clock.to_local(now).date()
    if outcome == "approved":
        ev = conn.execute(select(credit_events).where(credit_events.c.id == r.event_id)).one()
        _check(ev, r.basis, today, city)
    done = conn.execute(
        update(credit_repairs)
        .where(credit_repairs.c.id == r.id, credit_repairs.c.status == "submitted")
        .values(status=outcome, open=None, decided_by=caller.username, decided_at=now, decision=text)
    )
    if done.rowcount != 1:
        raise Conflict("该修复申请已处理")
    if outcome == "approved":
        casework.amend_event(
            conn, int(r.event_id), "repair", effective_on=today, reason=text, reference=number, by=caller.username
        )
    idx = casework.log_entry(
        conn,
        {
            "type": "credit.repair_decision",
            "repair_no": number,
            "event_id": int(r.event_id),
            "repair_leaf": r.ledger_index,
            "outcome": outcome,
            "decision_sha256": casework.text_digest(text),
            "decided_at": now.isoformat(),
        },
    )
    conn.execute(update(credit_repairs).where(credit_repairs.c.id == r.id).values(decision_ledger_index=idx))
