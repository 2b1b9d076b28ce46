"""A subject's own credit file (我的信用): its current grade, its open red/black list entries, and every
event with its evidence and status (effective, voided, repaired, expired), each with the objections
and repair requests filed against it.

Set-wise: one query per part of the page (the events' page, their amendments, objections, repairs,
documents), whatever the number of events.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select

from anju.core import clock
from anju.core.paging import Page, fetch_page
from anju.credit import casework, domain
from anju.credit.casework import DocumentRow, Subject
from anju.credit.catalogue import catalogue, kind_label
from anju.credit.tables import (
    credit_event_amendments,
    credit_events,
    credit_grades,
    credit_list_entries,
    credit_objections,
    credit_repairs,
)

EVENT_STATUSES = {"effective": "有效", "voided": "已撤销（异议成立）", "repaired": "已修复", "expired": "已失效"}


class GradeView(TypedDict):
    grade: str
    grade_label: str
    edition: str
    score_centi: int
    as_of: date
    events: int
    computed_at: datetime


class ListView(TypedDict):
    list: str
    list_label: str
    rule: str
    reason: str
    edition: str
    entered_on: date
    ledger_index: int | None


class AmendmentView(TypedDict):
    kind: str
    kind_label: str
    effective_on: date
    reason: str
    reference: str
    recorded_at: datetime
    ledger_index: int | None


class CaseView(TypedDict):
    """An objection or a repair request of the subject, as the subject sees it."""

    kind: str  # objection | repair
    number: str
    basis: str | None
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date
    decided_at: datetime | None
    decision: str | None
    documents: list[DocumentRow]
    ledger_index: int | None
    decision_ledger_index: int | None


class EventView(TypedDict):
    id: int
    source: str
    kind: str
    kind_label: str
    polarity: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    detail: dict[str, Any]
    recorded_at: datetime
    ledger_index: int | None
    status: str
    status_label: str
    amendment: AmendmentView | None
    cases: list[CaseView]
    can_object: bool
    can_repair: bool


class OwnFile(TypedDict):
    subject_kind: str
    label: str
    grade: GradeView | None
    lists: list[ListView]
    events: Page[EventView]
    open_cases: int


def status_of(expires_on: date | None, amendment: str | None, on: date) -> str:
    if amendment == "void":
        return "voided"
    if amendment == "repair":
        return "repaired"
    if expires_on is not None and expires_on <= on:
        return "expired"
    return "effective"


def grade_of(conn: Connection, bidx: str) -> GradeView | None:
    """The subject's current grade as the grades engine cached it (``credit_grades``)."""
    g = conn.execute(select(credit_grades).where(credit_grades.c.subject_bidx == bidx)).first()
    if g is None:
        return None
    return {
        "grade": g.grade,
        "grade_label": domain.GRADE_LABELS.get(g.grade, g.grade),
        "edition": g.edition,
        "score_centi": int(g.score_centi),
        "as_of": g.as_of,
        "events": int(g.events),
        "computed_at": g.computed_at,
    }


def lists_of(conn: Connection, bidx: str) -> list[ListView]:
    """The subject's open red/black list entries."""
    le = credit_list_entries.c
    rows = conn.execute(
        select(credit_list_entries).where(le.subject_bidx == bidx, le.active == 1).order_by(le.entered_on)
    ).all()
    return [
        {
            "list": r.list,
            "list_label": domain.LISTS.get(r.list, r.list),
            "rule": r.rule,
            "reason": r.reason,
            "edition": r.edition,
            "entered_on": r.entered_on,
            "ledger_index": r.ledger_index,
        }
        for r in rows
    ]


def amendments_of(conn: Connection, event_ids: list[int]) -> dict[int, AmendmentView]:
    if not event_ids:
        return {}
    a = credit_event_amendments.c
    rows = conn.execute(select(credit_event_amendments).where(a.event_id.in_(event_ids))).all()
    return {
        int(r.event_id): {
            "kind": r.kind,
            "kind_label": domain.AMENDMENT_KINDS.get(r.kind, r.kind),
            "effective_on": r.effective_on,
            "reason": r.reason,
            "reference": r.reference,
            "recorded_at": r.recorded_at,
            "ledger_index": r.ledger_index,
        }
        for r in rows
    }


def cases_of(conn: Connection, event_ids: list[int]) -> dict[int, list[CaseView]]:
    """The objections and repair requests of the events, oldest first."""
    out: dict[int, list[CaseView]] = {}
    if not event_ids:
        return out
    o, r = credit_objections.c, credit_repairs.c
    objs = conn.execute(select(credit_objections).where(o.event_id.in_(event_ids)).order_by(o.id)).all()
    reps = conn.execute(select(credit_repairs).where(r.event_id.in_(event_ids)).order_by(r.id)).all()
    odocs = casework.documents(conn, "objection", [int(x.id) for x in objs])
    rdocs = casework.documents(conn, "repair", [int(x.id) for x in reps])
    for x in objs:
        out.setdefault(int(x.event_id), []).append(
            {
                "kind": "objection",
                "number": x.objection_no,
                "basis": None,
                "status": x.status,
                "status_label": domain.OBJECTION_STATUSES.get(x.status, x.status),
                "submitted_at": x.submitted_at,
                "due_on": x.due_on,
                "decided_at": x.decided_at,
                "decision": x.decision,
                "documents": odocs.get(int(x.id), []),
                "ledger_index": x.ledger_index,
                "decision_ledger_index": x.decision_ledger_index,
            }
        )
    for x in reps:
        out.setdefault(int(x.event_id), []).append(
            {
                "kind": "repair",
                "number": x.repair_no,
                "basis": x.basis,
                "status": x.status,
                "status_label": domain.REPAIR_STATUSES.get(x.status, x.status),
                "submitted_at": x.submitted_at,
                "due_on": x.due_on,
                "decided_at": x.decided_at,
                "decision": x.decision,
                "documents": rdocs.get(int(x.id), []),
                "ledger_index": x.ledger_index,
                "decision_ledger_index": x.decision_ledger_index,
            }
        )
    for cases in out.values():
        cases.sort(key=lambda c: c["submitted_at"])
    return out


def _detail(text: str) -> Mapping[str, Any]:
    """The event's stored evidence (free-form JSON; never personal values)."""
    try:
        v = json.loads(text or "{}")
    except ValueError:
        return {}
    return v if isinstance(v, dict) else {"detail": v}


def event_views(conn: Connection, rows: list[Any], on: date) -> list[EventView]:
    ids = [int(r.id) for r in rows]
    amends = amendments_of(conn, ids)
    cases = cases_of(conn, ids)
    cat = catalogue().kinds
    out: list[EventView] = []
    for r in rows:
        a = amends.get(int(r.id))
        st = status_of(r.expires_on, a["kind"] if a else None, on)
        mine = cases.get(int(r.id), [])
        info = cat.get(r.kind)
        polarity = info.polarity if info else "negative"
        waiting = {c["kind"] for c in mine if c["status"] == "submitted"}
        out.append(
            {
                "id": int(r.id),
                "source": r.source,
                "kind": r.kind,
                "kind_label": kind_label(r.kind),
                "polarity": polarity,
                "severity": r.severity,
                "severity_label": domain.SEVERITY_LABELS.get(r.severity, r.severity),
                "occurred_on": r.occurred_on,
                "expires_on": r.expires_on,
                "reference": r.reference,
                "detail": dict(_detail(r.detail)),
                "recorded_at": r.recorded_at,
                "ledger_index": r.ledger_index,
                "status": st,
                "status_label": EVENT_STATUSES[st],
                "amendment": a,
                "cases": mine,
                "can_object": a is None and "objection" not in waiting,
                "can_repair": a is None and st == "effective" and polarity == "negative" and "repair" not in waiting,
            }
        )
    return out


def own_file(conn: Connection, subject: Subject, *, limit: int, offset: int) -> OwnFile:
    """The subject's file: grade, open list entries, a page of its events (latest first)."""
    today = clock.today()
    e = credit_events.c
    q = select(credit_events).where(e.subject_bidx == subject.bidx).order_by(e.occurred_on.desc(), e.id.desc())
    count = select(e.id).where(e.subject_bidx == subject.bidx)
    page = fetch_page(conn, q, limit=limit, offset=offset, count_stmt=count)
    events = Page(event_views(conn, list(page.items), today), page.total)
    o, r = credit_objections.c, credit_repairs.c
    open_cases = sum(
        int(
            conn.execute(
                select(func.count()).select_from(t).where(c.subject_bidx == subject.bidx, c.open == 1)
            ).scalar_one()
        )
        for t, c in ((credit_objections, o), (credit_repairs, r))
    )
    return {
        "subject_kind": subject.kind,
        "label": subject.label,
        "grade": grade_of(conn, subject.bidx),
        "lists": lists_of(conn, subject.bidx),
        "events": events,
        "open_cases": open_cases,
    }


def own_event_view(conn: Connection, subject: Subject, event_id: int) -> EventView:
    """One of the subject's own events with its evidence, amendment and cases (404 for another's)."""
    row = casework.own_event(conn, subject, event_id)
    return event_views(conn, [row], clock.today())[0]


def own_document(conn: Connection, subject: Subject, doc_id: int) -> tuple[str, str, bytes]:
    """A document the subject filed (its own objection's or repair's): name, type, bytes."""
    return casework.document(conn, doc_id, lambda owner_bidx, street: owner_bidx == subject.bidx)
