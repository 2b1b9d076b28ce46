"""REST routes of complaints, disputes and inspections. Complainants use ``/rental/me/complaints``
(their own); staff use ``/rental/complaints`` and ``/rental/inspections`` (the streets of their scope).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from anju.rental import governance, inspections
from anju.rental.http import schemas_governance
from anju.rental.http.deps import RentalHandle, RentalRead, RentalSign
from anju.rental.tables import rental_complaints, rental_inspections
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
CStatus = Literal["received", "handling", "resolved", "rejected"]


def _page_c(
    total: int, items: Sequence[governance.ComplaintSummary], page: int, size: int
) -> Page[schemas_governance.ComplaintOut]:
    return Page(items=[schemas_governance.ComplaintOut(**i) for i in items], total=total, page=page, page_size=size)


# ------------------------------------------------------------------------------------- complainants


@router.post("/me/complaints", status_code=201, operation_id="rental_file_complaint")
def file_complaint(
    uow: UowDep, settings: SettingsDep, caller: RentalSign, body: schemas_governance.ComplaintIn
) -> schemas_governance.Created:
    """File a complaint or dispute about a lease (one's own), a listing, a party or a home. It is
    assigned to the street of its subject with a deadline of ``rental_complaint_days`` days."""
    with audited(uow, caller, "rental.file_complaint", "rental_complaint") as conn:
        cid = governance.file_complaint(conn, caller, body.command(), days=settings.rental_complaint_days)
        set_audit_target(conn, cid)
        no = conn.execute(select(rental_complaints.c.complaint_no).where(rental_complaints.c.id == cid)).scalar_one()
    return schemas_governance.Created(id=cid, number=no)


@router.get("/me/complaints", operation_id="rental_my_complaints")
def my_complaints(uow: UowDep, caller: RentalSign, paging: PagingDep) -> Page[schemas_governance.ComplaintOut]:
    with uow.read() as conn:
        page = governance.list_complaints(
            conn, governance.ComplaintFilter(), scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return _page_c(total, items, paging.page, paging.page_size)


@router.get("/me/complaints/{complaint_id}", operation_id="rental_my_complaint")
def my_complaint(uow: UowDep, caller: RentalSign, complaint_id: Id) -> schemas_governance.ComplaintDetail:
    """One's own complaint with the handler's reply and every step."""
    with uow.read() as conn:
        return schemas_governance.ComplaintDetail(**governance.get_complaint(conn, caller.scope, complaint_id))


# --------------------------------------------------------------------------------------------- staff


@router.get("/complaints", operation_id="rental_list_complaints")
def list_complaints(
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    status: Annotated[CStatus | None, Query()] = None,
    kind: Annotated[Literal["complaint", "dispute"] | None, Query()] = None,
    street: Annotated[str | None, Query(max_length=12)] = None,
    overdue: Annotated[bool, Query(description="只看超期未办结的（已升级至区）")] = False,
    open_only: Annotated[bool, Query(alias="open", description="只看未办结的")] = False,
) -> Page[schemas_governance.ComplaintOut]:
    """The complaint queue of the caller's streets: open ones first, the earliest deadline first
    (overdue ones are escalated to the district)."""
    f = governance.ComplaintFilter(status, kind, street, overdue, False, open_only)
    with uow.read() as conn:
        page = governance.list_complaints(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
    return _page_c(total, items, paging.page, paging.page_size)


@router.get("/complaints/{complaint_id}", operation_id="rental_get_complaint")
def get_complaint(uow: UowDep, caller: RentalRead, complaint_id: Id) -> schemas_governance.ComplaintDetail:
    with uow.read() as conn:
        return schemas_governance.ComplaintDetail(**governance.get_complaint(conn, caller.scope, complaint_id))


@router.post("/complaints/{complaint_id}/take", operation_id="rental_take_complaint")
def take(
    uow: UowDep, caller: RentalHandle, complaint_id: Id, body: schemas_governance.TakeIn
) -> schemas_governance.ComplaintDetail:
    """Start handling a received complaint (received → handling)."""
    with audited(uow, caller, "rental.take_complaint", "rental_complaint", complaint_id) as conn:
        governance.take_complaint(conn, caller, complaint_id, body.note)
    with uow.read() as conn:
        return schemas_governance.ComplaintDetail(**governance.get_complaint(conn, caller.scope, complaint_id))


@router.post("/complaints/{complaint_id}/resolution", operation_id="rental_resolve_complaint")
def resolve(
    uow: UowDep, sec: SecurityDep, caller: RentalHandle, complaint_id: Id, body: schemas_governance.ResolutionIn
) -> schemas_governance.ComplaintDetail:
    """Close a complaint being handled: resolved or rejected, with the reply the complainant reads. An
    upheld complaint may record violations of its subject (each becomes a credit event)."""
    with audited(uow, caller, f"rental.{body.outcome}_complaint", "rental_complaint", complaint_id) as conn:
        governance.resolve_complaint(conn, sec.keyring, caller, complaint_id, body.command())
    with uow.read() as conn:
        return schemas_governance.ComplaintDetail(**governance.get_complaint(conn, caller.scope, complaint_id))


@router.post("/inspections", status_code=201, operation_id="rental_record_inspection")
def record_inspection(
    uow: UowDep, sec: SecurityDep, caller: RentalHandle, body: schemas_governance.InspectionIn
) -> schemas_governance.Created:
    """Record an inspection of a party, a home or a listing in scope; each violation found becomes a
    credit event (source ``rental``) of whoever answers for the target."""
    with audited(uow, caller, "rental.inspect", "rental_inspection") as conn:
        iid = inspections.record_inspection(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, iid)
        no = conn.execute(select(rental_inspections.c.inspection_no).where(rental_inspections.c.id == iid)).scalar_one()
    return schemas_governance.Created(id=iid, number=no)


@router.get("/inspections", operation_id="rental_list_inspections")
def list_inspections(
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    target_kind: Annotated[Literal["party", "home", "listing"] | None, Query()] = None,
    outcome: Annotated[Literal["compliant", "violation"] | None, Query()] = None,
    street: Annotated[str | None, Query(max_length=12)] = None,
    party_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Page[schemas_governance.InspectionOut]:
    f = inspections.InspectionFilter(target_kind, outcome, street, party_id)
    with uow.read() as conn:
        page = inspections.list_inspections(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
    return Page(
        items=[schemas_governance.InspectionOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/inspections/{inspection_id}", operation_id="rental_get_inspection")
def get_inspection(uow: UowDep, caller: RentalRead, inspection_id: Id) -> schemas_governance.InspectionDetail:
    with uow.read() as conn:
        return schemas_governance.InspectionDetail(**inspections.get_inspection(conn, caller.scope, inspection_id))
