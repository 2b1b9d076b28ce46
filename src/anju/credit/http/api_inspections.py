"""REST routes of random inspections (双随机, ``/api/v1/credit/inspections``). Thin: parse, call, shape.

A draw's published material (its summary, the chosen organisations, both frozen lists, both drawn
orders and the re-run) is public: anyone can download the lists and re-run the draw offline.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypedDict

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.credit import inspection_views as views
from anju.credit import inspections
from anju.credit.http import schemas_inspections as s
from anju.credit.http.deps import CreditInspect, CreditRead
from anju.security import Public, SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/credit/inspections", tags=["credit"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=s.ID_MAX)]
Rank = Annotated[int, Path(ge=1, le=100_000)]
TEXT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "每行一个编号（UTF-8，LF 换行）"}
}
BASE = "/api/v1/credit/inspections"


def public_out(d: views.DrawPublic) -> s.DrawPublicOut:
    return s.DrawPublicOut(**_links(d), **d)


class Links(TypedDict):
    tickets_url: str
    inspectors_url: str
    verify_command: str | None


def _links(d: views.DrawPublic) -> Links:
    base = f"{BASE}/{d['id']}"
    return {
        "tickets_url": f"{base}/tickets.txt",
        "inspectors_url": f"{base}/inspectors.txt",
        "verify_command": views.verify_command(d) if d["seed"] else None,
    }


def draw_out(d: views.DrawView) -> s.DrawOut:
    return s.DrawOut(**_links(d), **d)


@router.get("", operation_id="list_credit_inspections")
def list_draws(
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[Literal["frozen", "drawn"] | None, Query()] = None,
    district: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[s.DrawOut]:
    """Draws the caller sees (its district's, those holding its streets' subjects, or its own), newest first."""
    with uow.read() as conn:
        listed = views.list_draws(
            conn, caller, views.DrawFilter(status, district or None), limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[draw_out(i) for i in listed.items], total=listed.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/inspectors", operation_id="list_credit_inspection_inspectors")
def list_inspectors(
    uow: UowDep,
    caller: CreditInspect,
    paging: PagingDep,
    district: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[s.InspectorOut]:
    """The staff accounts in scope that may be sent to inspect (a draw in ``district``)."""
    with uow.read() as conn:
        found = inspections.inspector_choices(
            conn, caller, district or None, limit=paging.page_size, offset=paging.offset
        )
    items = [s.InspectorOut(username=i.username, role=i.role, division_code=i.division_code) for i in found.items]
    return Page(items=items, total=found.total, page=paging.page, page_size=paging.page_size)


@router.post("", status_code=201, operation_id="freeze_credit_inspection")
def freeze(uow: UowDep, caller: CreditInspect, body: s.DrawIn) -> s.DrawOut:
    """Freeze the tickets (weighted by grade) and the inspectors; their SM3 hashes are stored and logged
    before any seed is known. 422 naming the field; 409 when no subject fits."""
    d = inspections.DrawIn(
        title=body.title,
        subject_types=body.subject_types,
        sample_size=body.sample_size,
        inspectors=body.inspectors,
        district_code=body.district_code or None,
        weights=body.weights,
    )
    with audited(uow, caller, "credit.freeze_inspection", "credit_inspection_draw") as conn:
        draw_id = inspections.freeze_draw(conn, caller, d)
        set_audit_target(conn, draw_id)
        return draw_out(views.get_draw(conn, caller, draw_id))


@router.get("/{draw_id}", operation_id="get_credit_inspection")
def get_draw(uow: UowDep, caller: CreditRead, draw_id: Id) -> s.DrawOut:
    with uow.read() as conn:
        return draw_out(views.get_draw(conn, caller, draw_id))


@router.post("/{draw_id}/run", operation_id="run_credit_inspection")
def run(uow: UowDep, caller: CreditInspect, draw_id: Id, body: s.RunIn) -> s.DrawOut:
    """Run a frozen draw with the seed announced in public. 409 when it has run (of two runs at once,
    one wins) or a stored list no longer has its published hash."""
    with audited(uow, caller, "credit.run_inspection", "credit_inspection_draw", draw_id) as conn:
        inspections.run_draw(conn, caller, draw_id, body.seed, body.seed_source, body.witnesses)
        return draw_out(views.get_draw(conn, caller, draw_id))


@router.get("/{draw_id}/assignments", operation_id="list_credit_inspection_assignments")
def list_assignments(
    uow: UowDep, sec: SecurityDep, caller: CreditRead, paging: PagingDep, draw_id: Id
) -> Page[s.AssignmentOut]:
    """The chosen subjects in rank order with their inspectors and outcomes (a person's name masked)."""
    with uow.read() as conn:
        listed = views.assignments(conn, caller, draw_id, sec.keyring, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.AssignmentOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/{draw_id}/assignments/{rank}/outcome", operation_id="record_credit_inspection_outcome")
def record_outcome(
    uow: UowDep, sec: SecurityDep, caller: CreditInspect, draw_id: Id, rank: Rank, body: s.OutcomeIn
) -> s.OutcomeOut:
    """Record an inspection's outcome (its inspector, or an officer of the draw's district) as a credit
    event. 409 when it is already recorded; 422 naming the field."""
    o = inspections.OutcomeIn(body.outcome, body.inspected_on, body.findings, body.kind, body.severity)
    with audited(uow, caller, "credit.record_inspection_outcome", "credit_inspection_draw", draw_id) as conn:
        event_id = inspections.record_outcome(conn, caller, draw_id, rank, o)
        a = views.assignment(conn, caller, draw_id, rank, sec.keyring)
    return s.OutcomeOut(event_id=event_id, assignment=s.AssignmentOut(**a))


# ------------------------------------------------------------------------------ published draw material


@router.get("/{draw_id}/public", operation_id="get_public_credit_inspection")
def public(uow: UowDep, _: Public, draw_id: Id) -> s.DrawPublicOut:
    """A draw as published (no sign-in): criteria, hashes, seed, witnesses, log entries, files."""
    with uow.read() as conn:
        return public_out(views.draw_public(conn, draw_id))


@router.get("/{draw_id}/public/assignments", operation_id="list_public_credit_inspection_assignments")
def public_assignments(uow: UowDep, _: Public, paging: PagingDep, draw_id: Id) -> Page[s.PublicAssignmentOut]:
    """The published result: organisations by name, persons only by their code in the draw."""
    with uow.read() as conn:
        listed = views.public_assignments(conn, draw_id, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.PublicAssignmentOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


def _text_file(text: str, name: str) -> Response:
    return Response(
        text.encode("utf-8"),
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get(
    "/{draw_id}/tickets.txt", operation_id="get_credit_inspection_tickets", response_class=Response, responses=TEXT
)
def tickets_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The frozen tickets, one per line in frozen order (``--tickets``; ``--candidates`` of ``anju lottery``)."""
    with uow.read() as conn:
        d = views.draw_public(conn, draw_id)
        return _text_file(views.tickets_text(conn, draw_id), f"{d['draw_no']}-tickets.txt")


@router.get(
    "/{draw_id}/inspectors.txt",
    operation_id="get_credit_inspection_inspectors",
    response_class=Response,
    responses=TEXT,
)
def inspectors_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The frozen inspector list, one username per line in frozen order (``--inspectors``)."""
    with uow.read() as conn:
        d = views.draw_public(conn, draw_id)
        return _text_file(views.inspectors_text(conn, draw_id), f"{d['draw_no']}-inspectors.txt")


def _result(uow: UowDep, draw_id: int, which: str) -> Response:
    with uow.read() as conn:
        d = views.draw_public(conn, draw_id)
        return _text_file(views.result_text(conn, draw_id, which), f"{d['draw_no']}-{which}-result.txt")


@router.get(
    "/{draw_id}/tickets-result.txt",
    operation_id="get_credit_inspection_tickets_result",
    response_class=Response,
    responses=TEXT,
)
def tickets_result_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The drawn order of the tickets, one per line (``--result`` of ``anju lottery verify``). 409 before the draw."""
    return _result(uow, draw_id, "tickets")


@router.get(
    "/{draw_id}/inspectors-result.txt",
    operation_id="get_credit_inspection_inspectors_result",
    response_class=Response,
    responses=TEXT,
)
def inspectors_result_file(uow: UowDep, _: Public, draw_id: Id) -> Response:
    """The drawn order of the inspectors, one per line (``--result`` of ``anju lottery verify``). 409 before."""
    return _result(uow, draw_id, "inspectors")


@router.get("/{draw_id}/verify", operation_id="verify_public_credit_inspection")
def verify(uow: UowDep, _: Public, draw_id: Id) -> s.VerificationOut:
    """Re-run the draw from its stored lists and seed and compare (409 before the draw)."""
    with uow.read() as conn:
        return s.VerificationOut(**views.verify_draw(conn, draw_id))
