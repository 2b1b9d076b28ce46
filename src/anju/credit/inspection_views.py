"""Reading random inspections (双随机): draws in scope, their assignments, what is published, the
downloadable frozen lists and results, and the re-run of a draw from its stored material.

A draw's published face (no sign-in) shows its hashes, seed and witnesses, and the chosen subjects: an
organisation by name and credit code, a person only by its code in the draw (``S000123``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, func, or_, select

from anju.core import lottery
from anju.core.errors import Conflict, FieldError, NotFound
from anju.core.paging import Page, fetch_page
from anju.credit import domain, inspection_rule
from anju.credit.inspections import (
    OUTCOMES,
    STATUSES,
    draw_row,
    inspector_ids,
    inspector_names,
    scoped_draw,
    ticket_ids,
    visible,
)
from anju.credit.tables import (
    credit_events,
    credit_inspection_assignments,
    credit_inspection_draws,
    credit_inspection_inspectors,
    credit_subjects,
)
from anju.security import Caller, Keyring, mask_name

#: The column name a person's encrypted name is bound to in ``credit_subjects`` (SM4-GCM's AAD).
NAME_COLUMN = "credit_subjects.name"


class DrawPublic(TypedDict):
    """What anyone may see about a draw: numbers, criteria, hashes, seed, witnesses, log entries."""

    id: int
    draw_no: str
    title: str
    status: str
    status_label: str
    algorithm: str
    subject_types: list[str]
    district_code: str | None
    weights: dict[str, int]
    subjects: int
    sample_size: int
    tickets: int
    inspectors: int
    subjects_hash: str
    inspectors_hash: str
    frozen_at: datetime
    frozen_ledger_index: int | None
    seed: str | None
    seed_source: str | None
    witnesses: list[str]
    result_hash: str | None
    inspectors_result_hash: str | None
    drawn_at: datetime | None
    ledger_index: int | None


class DrawView(DrawPublic):
    """A draw as officers see it: who froze and ran it, and how many outcomes are recorded."""

    frozen_by: str
    drawn_by: str | None
    recorded: int


class PublicAssignment(TypedDict):
    rank: int
    subject: str  # the subject's code in the draw, e.g. S000123
    subject_type: str
    name: str | None  # organisations only
    credit_code: str | None  # organisations only
    inspector: str
    outcome: str
    outcome_label: str
    inspected_on: date | None


class AssignmentView(PublicAssignment):
    """An assignment as officers see it: a person's name masked, the findings and the event."""

    subject_id: int
    district_code: str | None
    street_code: str | None
    findings: str | None
    event_id: int | None
    event_kind: str | None
    recorded_by: str | None


def _public(row: Any) -> DrawPublic:
    crit = json.loads(row.criteria)
    return {
        "id": int(row.id),
        "draw_no": row.draw_no,
        "title": row.title,
        "status": row.status,
        "status_label": STATUSES.get(row.status, row.status),
        "algorithm": str(crit.get("algorithm", lottery.ALGORITHM)),
        "subject_types": list(crit.get("subject_types", [])),
        "district_code": row.district_code,
        "weights": dict(crit.get("weights", {})),
        "subjects": int(crit.get("subjects", 0)),
        "sample_size": int(row.sample_size),
        "tickets": int(row.tickets),
        "inspectors": int(crit.get("inspectors", 0)),
        "subjects_hash": row.subjects_hash,
        "inspectors_hash": row.inspectors_hash,
        "frozen_at": row.frozen_at,
        "frozen_ledger_index": row.frozen_ledger_index,
        "seed": row.seed,
        "seed_source": row.seed_source,
        "witnesses": json.loads(row.witnesses) if row.witnesses else [],
        "result_hash": row.result_hash,
        "inspectors_result_hash": row.inspectors_result_hash,
        "drawn_at": row.drawn_at,
        "ledger_index": row.ledger_index,
    }


def _recorded(conn: Connection, ids: list[int]) -> dict[int, int]:
    a = credit_inspection_assignments
    if not ids:
        return {}
    rows = conn.execute(
        select(a.c.draw_id, func.count()).where(a.c.draw_id.in_(ids), a.c.outcome != "pending").group_by(a.c.draw_id)
    )
    return {int(d): int(n) for d, n in rows}


def _view(row: Any, recorded: dict[int, int]) -> DrawView:
    return {
        **_public(row),
        "frozen_by": row.frozen_by,
        "drawn_by": row.drawn_by,
        "recorded": recorded.get(int(row.id), 0),
    }


def draw_public(conn: Connection, draw_id: int) -> DrawPublic:
    """What is published about a draw (no sign-in)."""
    return _public(draw_row(conn, draw_id))


def get_draw(conn: Connection, caller: Caller, draw_id: int) -> DrawView:
    row = scoped_draw(conn, caller, draw_id)
    return _view(row, _recorded(conn, [draw_id]))


@dataclass(frozen=True)
class DrawFilter:
    status: str | None = None
    district: str | None = None


def list_draws(conn: Connection, caller: Caller, f: DrawFilter, *, limit: int, offset: int) -> Page[DrawView]:
    """Draws the caller sees, newest first."""
    d = credit_inspection_draws
    conds = visible(caller.scope, caller.username)
    if f.status:
        conds.append(d.c.status == f.status)
    if f.district:
        conds.append(d.c.district_code == f.district)
    page = fetch_page(conn, select(d).where(*conds).order_by(d.c.id.desc()), limit=limit, offset=offset)
    recorded = _recorded(conn, [int(r.id) for r in page.items])
    return page.map(lambda r: _view(r, recorded))


def _assignments_stmt(draw_id: int) -> Any:
    a, s, e, i = credit_inspection_assignments, credit_subjects, credit_events, credit_inspection_inspectors
    return (
        select(
            a,
            s.c.kind.label("subject_type"),
            s.c.subject_kind,
            s.c.name,
            s.c.name_enc,
            s.c.credit_code,
            s.c.district_code,
            s.c.street_code,
            e.c.kind.label("event_kind"),
            i.c.seq.label("inspector_seq"),
        )
        .select_from(
            a.join(s, s.c.id == a.c.subject_id)
            .outerjoin(e, e.c.id == a.c.event_id)
            .outerjoin(i, (i.c.draw_id == a.c.draw_id) & (i.c.inspector == a.c.inspector))
        )
        .where(a.c.draw_id == draw_id)
        .order_by(a.c.rank)
    )


def _org(r: Any) -> bool:
    return r.subject_kind == "org" and r.subject_type not in domain.PERSON_TYPES


def _public_assignment(r: Any) -> PublicAssignment:
    org = _org(r)
    return {
        "rank": int(r.rank),
        "subject": inspection_rule.subject_code(int(r.subject_id)),
        "subject_type": r.subject_type,
        "name": r.name if org else None,
        "credit_code": r.credit_code if org else None,
        # in public an inspector is a code of the draw (J01…), never a member of staff by name
        "inspector": r.inspector if r.inspector_seq is None else inspection_rule.inspector_code(int(r.inspector_seq)),
        "outcome": r.outcome,
        "outcome_label": OUTCOMES.get(r.outcome, r.outcome),
        "inspected_on": r.inspected_on,
    }


def masked_person(kr: Keyring | None, blob: bytes | None) -> str:
    """A person's name masked (``张*``), or ``***`` when it cannot be read."""
    if kr is None or blob is None:
        return "***"
    try:
        return mask_name(kr.decrypt(blob, NAME_COLUMN))
    except Exception:  # a name bound to another column or key shows as hidden
        return "***"


def assignments(
    conn: Connection, caller: Caller, draw_id: int, kr: Keyring | None, *, limit: int, offset: int
) -> Page[AssignmentView]:
    """The draw's chosen subjects in rank order, each with its inspector and outcome (officers).

    A caller whose scope does not cover the draw's district (a street or district officer looking at
    a city-wide draw, or at another district's draw whose tickets include its streets) sees only the
    assignments of subjects in its own streets and those it is the inspector of; the others' names,
    places and findings are not its to read (the published result still lists them by name or code)."""
    row = scoped_draw(conn, caller, draw_id)
    stmt = _assignments_stmt(draw_id).where(*_in_scope(caller, row))
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: _officer_view(r, kr))


def _officer_view(r: Any, kr: Keyring | None) -> AssignmentView:
    base = _public_assignment(r)
    if not _org(r):
        base["name"] = masked_person(kr, r.name_enc)
    return {
        **base,
        "inspector": r.inspector,  # staff see who
        "subject_id": int(r.subject_id),
        "district_code": r.district_code,
        "street_code": r.street_code,
        "findings": r.findings,
        "event_id": r.event_id,
        "event_kind": r.event_kind,
        "recorded_by": r.recorded_by,
    }


def _in_scope(caller: Caller, draw: Any) -> list[Any]:
    """Conditions on the assignments a caller may read in full (none: all of them)."""
    scope = caller.scope
    if scope.unrestricted or (draw.district_code is not None and scope.allows_division(draw.district_code)):
        return []
    a, s = credit_inspection_assignments.c, credit_subjects.c
    mine: list[Any] = [a.inspector == caller.username]
    if scope.streets:
        mine.append(and_(*scope.where(s.street_code)))
    return [or_(*mine)]


def public_assignments(conn: Connection, draw_id: int, *, limit: int, offset: int) -> Page[PublicAssignment]:
    """The published result: organisations by name, persons only by their code in the draw."""
    draw_row(conn, draw_id)
    return fetch_page(conn, _assignments_stmt(draw_id), limit=limit, offset=offset, row=_public_assignment)


def assignment(conn: Connection, caller: Caller, draw_id: int, rank: int, kr: Keyring | None) -> AssignmentView:
    """One assignment, if the caller may read it (see :func:`assignments`; its inspector sees it too)."""
    row = scoped_draw(conn, caller, draw_id)
    stmt = _assignments_stmt(draw_id).where(credit_inspection_assignments.c.rank == rank, *_in_scope(caller, row))
    found = conn.execute(stmt).first()
    if found is None:
        raise NotFound(f"抽查 {draw_id} 没有第 {rank} 位检查对象")
    return _officer_view(found, kr)


# ------------------------------------------------------------------------------------ published files


def _lines(ids: list[str]) -> str:
    return "".join(i + "\n" for i in ids)


def tickets_text(conn: Connection, draw_id: int) -> str:
    """The frozen tickets, one per line in frozen order (``lottery.write_ids`` format)."""
    draw_row(conn, draw_id)
    return _lines(ticket_ids(conn, draw_id))


def inspectors_text(conn: Connection, draw_id: int) -> str:
    """The frozen inspector list as published: one code (``J01``…) per line in frozen order."""
    draw_row(conn, draw_id)
    return _lines(inspector_ids(conn, draw_id))


def _drawn(conn: Connection, draw_id: int) -> Any:
    row = draw_row(conn, draw_id)
    if row.seed is None:
        raise Conflict(f"抽查 {row.draw_no} 尚未摇号", [FieldError("status", row.status)])
    return row


def result_text(conn: Connection, draw_id: int, which: str) -> str:
    """The full drawn order of the tickets (``which="tickets"``) or of the inspectors, one per line:
    the ``--result`` of ``anju lottery verify`` for each list. 409 before the draw."""
    row = _drawn(conn, draw_id)
    ids = ticket_ids(conn, draw_id) if which == "tickets" else inspector_ids(conn, draw_id)
    return _lines(list(lottery.draw(ids, row.seed).order))


def verify_command(d: DrawPublic) -> str:
    """The command anyone can run on the two published files."""
    seed = str(d.get("seed") or "")
    quoted = "'" + seed.replace("'", "'\"'\"'") + "'"
    no = d["draw_no"]
    return (
        f"anju credit inspections verify --tickets {no}-tickets.txt --inspectors {no}-inspectors.txt "
        f"--seed {quoted} --sample {d['sample_size']} --expect-tickets-hash {d['subjects_hash']} "
        f"--expect-inspectors-hash {d['inspectors_hash']}"
    )


class VerifyOut(TypedDict):
    ok: bool
    reasons: list[str]
    algorithm: str
    subjects_hash: str
    inspectors_hash: str
    seed: str
    result_hash: str
    inspectors_result_hash: str


def verify_draw(conn: Connection, draw_id: int) -> VerifyOut:
    """Re-run a drawn draw from its stored lists and seed and compare with what was stored and logged."""
    row = _drawn(conn, draw_id)
    tickets, who = ticket_ids(conn, draw_id), inspector_names(conn, draw_id)
    code_of = {name: code for code, name in who.items()}
    out = inspection_rule.select(tickets, list(who), row.seed, row.sample_size)
    reasons: list[str] = []
    if out.tickets.list_hash != row.subjects_hash:
        reasons.append(f"检查对象名单的哈希 {out.tickets.list_hash} 与公布的 {row.subjects_hash} 不同")
    if out.inspectors.list_hash != row.inspectors_hash:
        reasons.append(f"检查人员名单的哈希 {out.inspectors.list_hash} 与公布的 {row.inspectors_hash} 不同")
    if out.tickets.result_hash != row.result_hash:
        reasons.append("检查对象的摇号结果哈希与公布的不同")
    if out.inspectors.result_hash != row.inspectors_result_hash:
        reasons.append("检查人员的摇号结果哈希与公布的不同")
    a = credit_inspection_assignments
    stored = [
        (int(r.rank), inspection_rule.subject_code(int(r.subject_id)), code_of.get(str(r.inspector), str(r.inspector)))
        for r in conn.execute(
            select(a.c.rank, a.c.subject_id, a.c.inspector).where(a.c.draw_id == draw_id).order_by(a.c.rank)
        )
    ]
    if stored != [(x.rank, x.subject, x.inspector) for x in out.assignments]:
        reasons.append("存储的抽查结果与按名单和种子重新摇号的结果不同")
    return {
        "ok": not reasons,
        "reasons": reasons,
        "algorithm": lottery.ALGORITHM,
        "subjects_hash": out.tickets.list_hash,
        "inspectors_hash": out.inspectors.list_hash,
        "seed": out.tickets.seed,
        "result_hash": out.tickets.result_hash,
        "inspectors_result_hash": out.inspectors.result_hash,
    }
