"""The public credit disclosure (信用公示, like 信用中国's): organisations only — their grade, their red
and black list entries with dates, and their sanctions with dates and kinds *during their publicity
period* only: a negative event is shown while it still counts (see :func:`public_sanctions`), never
once voided, repaired (信用修复: the repair takes it off the page), expired (``expires_on``) or past
the scoring edition's ``expiry_months`` for its kind (公示期满). Individuals (practitioners,
households, persons) are never shown, not by name, code or count: every query here is restricted to
organisation subjects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Connection, and_, exists, literal_column, or_, select

from anju.core import clock
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.credit import domain, scoring
from anju.credit.assessment import add_months
from anju.credit.catalogue import catalogue, kind_label
from anju.credit.queries import EVENT_STATUS, event_status
from anju.credit.tables import (
    credit_event_amendments,
    credit_events,
    credit_grades,
    credit_list_entries,
    credit_subjects,
)

S = credit_subjects.c
G = credit_grades.c
L = credit_list_entries.c
E = credit_events.c
A = credit_event_amendments.c

#: The subject types the public page shows: organisations only.
PUBLIC_TYPES = tuple(k for k in domain.SUBJECT_TYPES if k not in domain.PERSON_TYPES)


def _org() -> list[Any]:
    return [S.subject_kind == "org", S.kind.in_(PUBLIC_TYPES), S.credit_code.is_not(None)]


@dataclass(frozen=True)
class PublicFilter:
    kind: str | None = None
    district: str | None = None
    list: str | None = None
    q: str | None = None


class PublicListEntry(TypedDict):
    list: str
    list_label: str
    reason: str
    entered_on: date
    exited_on: date | None


class PublicOrg(TypedDict):
    credit_code: str
    name: str
    kind: str
    kind_label: str
    district_code: str | None
    grade: str | None
    grade_label: str | None
    lists: list[PublicListEntry]


class PublicSanction(TypedDict):
    kind: str
    kind_label: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    status_label: str


def _orgs(conn: Connection, rows: list[Any], *, closed: bool = False) -> list[PublicOrg]:
    bidxs = [r.subject_bidx for r in rows]
    grades = dict(conn.execute(select(G.subject_bidx, G.grade).where(G.subject_bidx.in_(bidxs))).all())
    conds = [L.subject_bidx.in_(bidxs)] + ([] if closed else [L.active == 1])
    lists: dict[str, list[PublicListEntry]] = {}
    for x in conn.execute(select(credit_list_entries).where(*conds).order_by(L.entered_on.desc())):
        lists.setdefault(x.subject_bidx, []).append(
            {
                "list": x.list,
                "list_label": domain.LISTS.get(x.list, x.list),
                "reason": x.reason,
                "entered_on": x.entered_on,
                "exited_on": x.exited_on,
            }
        )
    return [
        {
            "credit_code": r.credit_code,
            "name": r.name or "",
            "kind": r.kind,
            "kind_label": domain.SUBJECT_TYPES[r.kind],
            "district_code": r.district_code,
            "grade": grades.get(r.subject_bidx),
            "grade_label": domain.GRADE_LABELS.get(grades[r.subject_bidx]) if r.subject_bidx in grades else None,
            "lists": lists.get(r.subject_bidx, []),
        }
        for r in rows
    ]


def list_public(conn: Connection, f: PublicFilter, *, limit: int, offset: int) -> Page[PublicOrg]:
    """Organisations with a credit file, by name."""
    conds = _org()
    if f.kind:
        conds.append(S.kind == f.kind)
    if f.district:
        conds.append(S.district_code == f.district)
    if f.list:
        conds.append(exists().where(L.subject_bidx == S.subject_bidx, L.list == f.list, L.active == 1))
    if f.q and (q := f.q.strip()):
        conds.append((S.name.contains(q, autoescape=True)) | (S.credit_code == q.upper()))
    stmt = select(S.subject_bidx, S.credit_code, S.name, S.kind, S.district_code).where(*conds)
    page = fetch_page(conn, stmt.order_by(S.name, S.id), limit=limit, offset=offset)
    return Page(_orgs(conn, list(page.items)), page.total)


def get_public(conn: Connection, credit_code: str) -> PublicOrg:
    """One organisation by its unified social credit code, with every list entry (open and closed)."""
    r = conn.execute(
        select(S.subject_bidx, S.credit_code, S.name, S.kind, S.district_code).where(
            *_org(), S.credit_code == credit_code.strip().upper()
        )
    ).first()
    if r is None:
        raise NotFound("没有这个企业的信用信息")
    return _orgs(conn, [r], closed=True)[0]


def public_sanctions(conn: Connection, credit_code: str, *, limit: int, offset: int) -> Page[PublicSanction]:
    """An organisation's sanctions (negative events) in their publicity period, newest first.

    Shown: negative events that have occurred and still count today. Not shown: voided (an upheld
    objection), repaired from a day up to today (信用修复 ends the publication), past their own
    ``expires_on``, or older than the edition in force's ``expiry_months`` for their kind (the
    scoring's 公示期 ends: the grade no longer counts them, so the page does not either)."""
    bidx = conn.execute(select(S.subject_bidx).where(*_org(), S.credit_code == credit_code.strip().upper())).scalar()
    if bidx is None:
        raise NotFound("没有这个企业的信用信息")
    negative = [k for k, v in catalogue().kinds.items() if v.negative]
    day = clock.today()
    rules = scoring.edition_on(day).kinds
    lasting = [k for k in negative if not (k in rules and rules[k].expiry_months)]
    periods = [
        and_(E.kind == k, E.occurred_on > published_since(day, rules[k].expiry_months))
        for k in negative
        if k in rules and rules[k].expiry_months
    ]
    stmt = (
        select(
            E.kind,
            E.severity,
            E.occurred_on,
            E.expires_on,
            E.reference,
            A.kind.label("amendment"),
            A.effective_on.label("amended_on"),
        )
        .select_from(credit_events.outerjoin(credit_event_amendments, A.event_id == E.id))
        .where(
            E.subject_bidx == bidx,
            E.occurred_on <= day,
            or_(E.kind.in_(lasting), *periods),
            or_(E.expires_on.is_(None), E.expires_on > day),
            or_(A.kind.is_(None), and_(A.kind == "repair", A.effective_on > day)),
        )
        .order_by(E.occurred_on.desc(), E.id.desc())
    )

    def out(x: Any) -> PublicSanction:
        return {
            "kind": x.kind,
            "kind_label": kind_label(x.kind),
            "severity_label": domain.SEVERITY_LABELS.get(x.severity, x.severity),
            "occurred_on": x.occurred_on,
            "expires_on": x.expires_on,
            "reference": x.reference,
            "status_label": EVENT_STATUS[event_status(x.expires_on, x.amendment, x.amended_on, day)],
        }

    return fetch_page(conn, stmt, limit=limit, offset=offset, row=out)


def published_since(on: date, months: int) -> date:
    """The latest ``occurred_on`` whose event is past ``months`` on ``on`` (the scoring's expiry:
    expired once ``on`` reaches the same day ``months`` later, ``assessment.add_months``); events
    after it are still in their period."""
    d = add_months(on, -months)
    while add_months(d + timedelta(days=1), months) <= on:
        d += timedelta(days=1)
    while add_months(d, months) > on:
        d -= timedelta(days=1)
    return d


def synthetic(conn: Connection) -> bool:
    """Whether the credit data includes the synthetic history (the pages then say so): one probe of
    the index on ``reference`` (``ix_credit_events_reference``), never a scan, on every anonymous hit.

    PostgreSQL: ``LIKE 'SYN-%'`` with the literal pattern, which the index's ``text_pattern_ops``
    serves in any collation. SQLite compares in BINARY order, so the prefix is the range
    ``['SYN-', 'SYN.')`` (``.`` follows ``-``), which its index serves."""
    cond: ColumnElement[bool]
    if conn.dialect.name == "postgresql":
        cond = E.reference.like(literal_column("'SYN-%'"))
    else:
        cond = and_(E.reference >= "SYN-", E.reference < "SYN.")
    return conn.execute(select(E.id).where(cond).limit(1)).first() is not None
