"""REST routes of credit events: an officer records one by hand (``credit.record``); the events list
(``credit.read``), in the caller's scope."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from anju.credit import manual
from anju.credit.http.deps import CreditRead, CreditRecord
from anju.credit.http.schemas_events import EventCreated, EventOut, ManualEventBody
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/credit", responses=ERRORS)


@router.post("/events", status_code=201, operation_id="credit_record_event")
def record_event(uow: UowDep, sec: SecurityDep, caller: CreditRecord, body: ManualEventBody) -> EventCreated:
    """Record an award or a sanction decided outside the platform, for an organisation (credit code) or
    a person (resident ID: blind-indexed at once, never stored). Source ``credit``; logged."""
    with audited(uow, caller, "credit.record_event", "credit_event") as conn:
        eid = manual.record(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, eid)
    return EventCreated(id=eid)


@router.get("/events", operation_id="credit_list_events")
def list_events(
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    source: Annotated[str | None, Query(max_length=24, pattern=r"^[a-z]+$")] = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    date_from: Annotated[date | None, Query(description="发生日期不早于")] = None,
    date_to: Annotated[date | None, Query(description="发生日期不晚于")] = None,
    district: Annotated[str | None, Query(pattern=r"^\d{6,12}$", description="区或街道代码")] = None,
) -> Page[EventOut]:
    """Credit events in the caller's scope, newest recorded first."""
    f = manual.EventFilter(source, kind, date_from, date_to, district)
    with uow.read() as conn:
        page = manual.list_events(conn, caller.scope, f, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[EventOut(**i) for i in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )
