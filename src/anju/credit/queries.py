"""The officers' reads of credit (信用主体, 红黑名单, 等级变动): scoped by the caller's streets through the
one scope mechanism (``Scope.where`` on the subject's street), paginated, exportable; a person's name
is shown masked, never in clear.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, exists, func, or_, select

from anju import divisions
from anju.core import clock
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.credit import domain, labels
from anju.credit.assessment import Line
from anju.credit.catalogue import kind_label
from anju.credit.subjects import NAME_COLUMN
from anju.credit.tables import (
    credit_event_amendments,
    credit_events,
    credit_grade_changes,
    credit_grades,
    credit_list_entries,
    credit_subjects,
)
from anju.security import Keyring, mask_name

S = credit_subjects.c
G = credit_grades.c
L = credit_list_entries.c
E = credit_events.c
A = credit_event_amendments.c
C = credit_grade_changes.c
#: Where a link of a subject leads (the target page checks its own permission).
LINK_PAGES = {
    ("rental", "party"): ("住房租赁备案", "/rental/parties/{id}"),
    ("rental", "practitioner"): ("租赁从业人员登记", None),
    ("transactions", "developer"): ("开发企业备案", "/transactions/staff/filings"),
    ("assistance", "application"): ("住房保障申请", "/assistance/review/{id}"),
}
ID_RE_LEN = 18


@dataclass(frozen=True)
class SubjectFilter:
    kind: str | None = None
    grade: str | None = None
    list: str | None = None  # red | black: an open entry on it
    district: str | None = None
    street: str | None = None
    q: str | None = None  # an organisation's name or credit code; a person's resident ID (blind index)


class SubjectSummary(TypedDict):
    id: int
    kind: str
    kind_label: str
    subject_kind: str
    name: str  # an organisation's name; a person's masked name
    credit_code: str | None
    district_code: str | None
    street_code: str | None
    grade: str | None
    score: float | None
    lists: list[str]


def display_name(kr: Keyring, r: Any) -> str:
    if r.subject_kind == "org":
        return str(r.name or "")
    if r.name_enc is None:
        return "（个人）"
    return mask_name(kr.decrypt(r.name_enc, NAME_COLUMN))


def _conditions(kr: Keyring, f: SubjectFilter, scope: Scope) -> list[Any]:
    conds: list[Any] = list(scope.where(S.street_code))
    if f.kind:
        conds.append(S.kind == f.kind)
    if f.district:
        conds.append(S.district_code == f.district)
    if f.street:
        conds.append(S.street_code == f.street)
    if f.grade:
        conds.append(exists().where(G.subject_bidx == S.subject_bidx, G.grade == f.grade))
    if f.list:
        conds.append(exists().where(L.subject_bidx == S.subject_bidx, L.list == f.list, L.active == 1))
    if f.q and (q := f.q.strip()):
        alts: list[Any] = [S.name.contains(q, autoescape=True), S.credit_code == q.upper()]
        if len(q) == ID_RE_LEN:
            alts.append(S.subject_bidx == kr.blind_index(q.upper(), "id_number"))
        conds.append(or_(*alts))
    return conds


def _summaries(conn: Connection, kr: Keyring, rows: list[Any]) -> list[SubjectSummary]:
    bidxs = [r.subject_bidx for r in rows]
    grades = {g.subject_bidx: g for g in conn.execute(select(credit_grades).where(G.subject_bidx.in_(bidxs)))}
    lists: dict[str, list[str]] = {}
    for b, lst in conn.execute(select(L.subject_bidx, L.list).where(L.subject_bidx.in_(bidxs), L.active == 1)):
        lists.setdefault(b, []).append(lst)
    out: list[SubjectSummary] = []
    for r in rows:
        g = grades.get(r.subject_bidx)
        out.append(
            {
                "id": int(r.id),
                "kind": r.kind,
                "kind_label": domain.SUBJECT_TYPES.get(r.kind, r.kind),
                "subject_kind": r.subject_kind,
                "name": display_name(kr, r),
                "credit_code": r.credit_code if r.subject_kind == "org" else None,
                "district_code": r.district_code,
                "street_code": r.street_code,
                "grade": g.grade if g else None,
                "score": g.score_centi / 100 if g else None,
                "lists": sorted(lists.get(r.subject_bidx, [])),
            }
        )
    return out


def list_subjects(
    conn: Connection, kr: Keyring, f: SubjectFilter, *, scope: Scope, limit: int, offset: int
) -> Page[SubjectSummary]:
    """Subjects of the streets in scope, by id."""
    stmt = select(credit_subjects).where(*_conditions(kr, f, scope)).order_by(S.id)
    page = fetch_page(conn, stmt, limit=limit, offset=offset)
    return Page(_summaries(conn, kr, list(page.items)), page.total)


SUBJECT_COLUMNS = ("主体编号", "类型", "名称", "统一社会信用代码", "区", "街道", "信用等级", "信用分", "名单")


def export_subjects(conn: Connection, kr: Keyring, f: SubjectFilter, *, scope: Scope) -> Iterator[list[Any]]:
    """Every matching subject in scope (persons masked), in batches of 1000."""
    conds = _conditions(kr, f, scope)
    last = 0
    while rows := conn.execute(select(credit_subjects).where(*conds, S.id > last).order_by(S.id).limit(1000)).all():
        summaries = _summaries(conn, kr, list(rows))
        names = divisions.names(conn, {c for x in summaries for c in (x["district_code"], x["street_code"]) if c})
        for s in summaries:
            yield [
                s["id"], s["kind_label"], s["name"], s["credit_code"] or "",
                names.get(s["district_code"] or "", s["district_code"] or ""),
                names.get(s["street_code"] or "", s["street_code"] or ""),
                labels.grade_label(s["grade"]) if s["grade"] else "", "" if s["score"] is None else s["score"],
                "、".join(domain.LISTS[x] for x in s["lists"]),
            ]  # fmt: skip
        last = int(rows[-1].id)


# ------------------------------------------------------------------------------------ one file


class LinkOut(TypedDict):
    context: str
    kind: str
    id: int
    label: str
    href: str | None


class EventOut(TypedDict):
    id: int
    kind: str
    kind_label: str
    source: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    status: str
    status_label: str
    synthetic: bool


class ChangeOut(TypedDict):
    id: int
    subject_id: int | None
    subject_name: str
    subject_kind_label: str
    from_grade: str | None
    to_grade: str
    score: float
    valid_from: date
    cause: str
    cause_label: str
    cause_ref: str | None
    recorded_at: datetime


class ListEntryOut(TypedDict):
    id: int
    subject_id: int | None
    subject_name: str
    subject_kind_label: str
    list: str
    list_label: str
    rule: str
    reason: str
    entered_on: date
    exited_on: date | None
    exit_reason: str | None
    open: bool


class ExplanationLine(TypedDict):
    event_id: int
    kind_label: str
    severity_label: str
    occurred_on: str
    counted: bool
    note: str


class GradeOut(TypedDict):
    grade: str
    score: float
    edition: str
    as_of: date
    events: int
    explanation: Any
    lines: list[ExplanationLine]


def explanation_lines(explanation: Any) -> list[ExplanationLine]:
    """The stored explanation's event lines (``assessment.Assessment.explanation``:
    ``[id, kind, severity, occurred_on, status, points, decayed, counted, capped]``) in Chinese."""
    raw = explanation.get("lines") if isinstance(explanation, dict) else None
    out: list[ExplanationLine] = []
    for x in raw if isinstance(raw, list) else []:
        try:
            pts, decayed, counted = (int(v) for v in x[5:8])
            on = date.fromisoformat(x[3])
            ln = Line(int(x[0]), str(x[1]), str(x[2]), on, str(x[4]), pts, decayed, counted, bool(x[8]))
            note = ln.note()
        except (ValueError, TypeError, IndexError, KeyError):
            continue
        out.append(
            {
                "event_id": ln.event_id,
                "kind_label": kind_label(ln.kind),
                "severity_label": domain.SEVERITY_LABELS.get(ln.severity, ln.severity),
                "occurred_on": ln.occurred_on.isoformat(),
                "counted": ln.counted,
                "note": note,
            }
        )
    return out


class SubjectFile(TypedDict):
    subject: SubjectSummary
    links: list[LinkOut]
    grade: GradeOut | None
    history: list[ChangeOut]
    list_entries: list[ListEntryOut]


EVENT_STATUS = {"effective": "有效", "expired": "已到期", "void": "已撤销（异议成立）", "repaired": "已修复"}


def event_status(expires_on: date | None, amendment: str | None, amended_on: date | None, on: date) -> str:
    if amendment == "void":
        return "void"
    if amendment == "repair" and amended_on is not None and amended_on <= on:
        return "repaired"
    if expires_on is not None and expires_on <= on:
        return "expired"
    return "effective"


def _scoped(conn: Connection, scope: Scope, subject_id: int) -> Any:
    r = conn.execute(select(credit_subjects).where(S.id == subject_id)).first()
    if r is None:
        raise NotFound("没有这个信用主体")
    scope.require(r.street_code, "没有这个信用主体")
    return r


def _links(raw: str) -> list[LinkOut]:
    out: list[LinkOut] = []
    for x in json.loads(raw or "[]"):
        label, href = LINK_PAGES.get((x["context"], x["kind"]), (f"{x['context']}.{x['kind']}", None))
        out.append(
            {
                "context": x["context"],
                "kind": x["kind"],
                "id": int(x["id"]),
                "label": label,
                "href": href.format(id=int(x["id"])) if href else None,
            }
        )
    return out


def _change(r: Any, name: str = "", kind_label: str = "", subject_id: int | None = None) -> ChangeOut:
    return {
        "id": int(r.id),
        "subject_id": subject_id,
        "subject_name": name,
        "subject_kind_label": kind_label,
        "from_grade": r.from_grade,
        "to_grade": r.to_grade,
        "score": r.score_centi / 100,
        "valid_from": r.valid_from,
        "cause": r.cause,
        "cause_label": domain.GRADE_CAUSES.get(r.cause, r.cause),
        "cause_ref": r.cause_ref,
        "recorded_at": r.recorded_at,
    }


def _entry(r: Any, name: str = "", kind_label: str = "", subject_id: int | None = None) -> ListEntryOut:
    return {
        "id": int(r.id),
        "subject_id": subject_id,
        "subject_name": name,
        "subject_kind_label": kind_label,
        "list": r.list,
        "list_label": domain.LISTS.get(r.list, r.list),
        "rule": r.rule,
        "reason": r.reason,
        "entered_on": r.entered_on,
        "exited_on": r.exited_on,
        "exit_reason": r.exit_reason,
        "open": r.active == 1,
    }


def get_subject(conn: Connection, kr: Keyring, scope: Scope, subject_id: int) -> SubjectFile:
    """One credit file: the subject, its links, its grade explained, the latest grade changes and list
    entries (the full lists are /credit/changes and /credit/lists filtered by subject)."""
    r = _scoped(conn, scope, subject_id)
    g = conn.execute(select(credit_grades).where(G.subject_bidx == r.subject_bidx)).first()
    grade: GradeOut | None = None
    if g is not None:
        try:
            explanation = json.loads(g.explanation)
        except ValueError:
            explanation = g.explanation
        grade = {
            "grade": g.grade,
            "score": g.score_centi / 100,
            "edition": g.edition,
            "as_of": g.as_of,
            "events": int(g.events),
            "explanation": explanation,
            "lines": explanation_lines(explanation),
        }
    history = conn.execute(
        select(credit_grade_changes).where(C.subject_bidx == r.subject_bidx).order_by(C.id.desc()).limit(20)
    ).all()
    entries = conn.execute(
        select(credit_list_entries).where(L.subject_bidx == r.subject_bidx).order_by(L.id.desc()).limit(20)
    ).all()
    return {
        "subject": _summaries(conn, kr, [r])[0],
        "links": _links(r.links),
        "grade": grade,
        "history": [_change(x) for x in history],
        "list_entries": [_entry(x) for x in entries],
    }


def subject_events(
    conn: Connection, scope: Scope, subject_id: int, *, limit: int, offset: int, on: date | None = None
) -> Page[EventOut]:
    """A subject's events, newest first, each with its status on ``on`` (today by default)."""
    r = _scoped(conn, scope, subject_id)
    day = on or clock.today()
    stmt = (
        select(credit_events, A.kind.label("amendment"), A.effective_on.label("amended_on"))
        .select_from(credit_events.outerjoin(credit_event_amendments, A.event_id == E.id))
        .where(E.subject_bidx == r.subject_bidx)
        .order_by(E.occurred_on.desc(), E.id.desc())
    )
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda x: event_out(x, day))


def event_out(x: Any, day: date) -> EventOut:
    st = event_status(x.expires_on, x.amendment, x.amended_on, day)
    return {
        "id": int(x.id),
        "kind": x.kind,
        "kind_label": kind_label(x.kind),
        "source": x.source,
        "severity": x.severity,
        "severity_label": domain.SEVERITY_LABELS.get(x.severity, x.severity),
        "occurred_on": x.occurred_on,
        "expires_on": x.expires_on,
        "reference": x.reference,
        "status": st,
        "status_label": EVENT_STATUS[st],
        "synthetic": x.reference.startswith("SYN-"),
    }


# ----------------------------------------------------------------------------- lists and changes


@dataclass(frozen=True)
class ListFilter:
    list: str | None = None
    open: bool | None = None
    kind: str | None = None
    district: str | None = None
    subject_id: int | None = None


def _joined_conditions(f: Any, scope: Scope) -> list[Any]:
    conds: list[Any] = list(scope.where(S.street_code))
    if f.kind:
        conds.append(S.kind == f.kind)
    if f.district:
        conds.append(S.district_code == f.district)
    if f.subject_id:
        conds.append(S.id == f.subject_id)
    return conds


def _named(kr: Keyring, x: Any) -> tuple[str, str, int]:
    return display_name(kr, x), domain.SUBJECT_TYPES.get(x.kind, x.kind), int(x.sid)


_SUBJECT_COLS = (S.id.label("sid"), S.kind, S.subject_kind, S.name, S.name_enc)


def _list_stmt(f: ListFilter, scope: Scope) -> Any:
    conds = _joined_conditions(f, scope)
    if f.list:
        conds.append(L.list == f.list)
    if f.open is True:
        conds.append(L.active == 1)
    elif f.open is False:
        conds.append(L.active.is_(None))
    return (
        select(credit_list_entries, *_SUBJECT_COLS)
        .select_from(credit_list_entries.join(credit_subjects, S.subject_bidx == L.subject_bidx))
        .where(*conds)
    )


def list_entries(
    conn: Connection, kr: Keyring, f: ListFilter, *, scope: Scope, limit: int, offset: int
) -> Page[ListEntryOut]:
    """Red and black list entries of the subjects in scope, newest entry first."""
    stmt = _list_stmt(f, scope).order_by(L.entered_on.desc(), L.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda x: _entry(x, *_named(kr, x)))


LIST_COLUMNS = ("名单", "主体编号", "类型", "名称", "列入规则", "列入理由", "列入日期", "移出日期", "移出理由")


def export_list_entries(conn: Connection, kr: Keyring, f: ListFilter, *, scope: Scope) -> Iterator[list[Any]]:
    last = 0
    while rows := conn.execute(_list_stmt(f, scope).where(L.id > last).order_by(L.id).limit(1000)).all():
        for x in rows:
            e = _entry(x, *_named(kr, x))
            yield [
                e["list_label"], e["subject_id"], e["subject_kind_label"], e["subject_name"],
                labels.rule_title(e["rule"]), e["reason"],
                e["entered_on"], e["exited_on"] or "", e["exit_reason"] or "",
            ]  # fmt: skip
        last = int(rows[-1].id)


@dataclass(frozen=True)
class ChangeFilter:
    kind: str | None = None
    district: str | None = None
    to_grade: str | None = None
    cause: str | None = None
    subject_id: int | None = None
    since: date | None = None


def list_changes(
    conn: Connection, kr: Keyring, f: ChangeFilter, *, scope: Scope, limit: int, offset: int
) -> Page[ChangeOut]:
    """Grade changes of the subjects in scope, newest first."""
    conds = _joined_conditions(f, scope)
    if f.to_grade:
        conds.append(C.to_grade == f.to_grade)
    if f.cause:
        conds.append(C.cause == f.cause)
    if f.since:
        conds.append(C.valid_from >= f.since)
    stmt = (
        select(credit_grade_changes, *_SUBJECT_COLS)
        .select_from(credit_grade_changes.join(credit_subjects, S.subject_bidx == C.subject_bidx))
        .where(*conds)
        .order_by(C.recorded_at.desc(), C.id.desc())
    )
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda x: _change(x, *_named(kr, x)))


def subject_counts(conn: Connection, scope: Scope) -> dict[str, int]:
    """Subjects in scope by type (the list page's heading)."""
    rows = conn.execute(select(S.kind, func.count()).where(*scope.where(S.street_code)).group_by(S.kind))
    return {k: int(n) for k, n in rows}
