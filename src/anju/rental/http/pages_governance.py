"""Pages of governance: the complaint form and one's own complaints (with the handler's replies), the
staff complaint queue (overdue first) with taking and answering, and inspections with their form.
Closing a complaint and recording violations (credit events) are confirmed on a page of their own (no
inline script under the CSP). Form fields default to empty so that the service names every bad field and
the form is shown again with the reasons next to the fields.

Thin: parse the form, call a service, render or redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, FieldError
from anju.rental import domain, governance, inspections
from anju.rental.http.deps import RentalHandle, RentalRead, RentalSign
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DONE = {
    "filed": "投诉已提交，已分派至承办街道。",
    "taken": "已开始办理。",
    "resolved": "已办结，答复已告知投诉人。",
    "rejected": "已驳回，答复已告知投诉人。",
    "inspected": "检查记录已保存。",
}


def _ctx() -> dict[str, Any]:
    return {
        "kinds": domain.COMPLAINT_KINDS,
        "subjects": domain.COMPLAINT_SUBJECTS,
        "categories": domain.COMPLAINT_CATEGORIES,
        "status_labels": {k.value: v for k, v in domain.COMPLAINT_STATUS_LABELS.items()},
        "sides": domain.COMPLAINT_SIDES,
        "violation_kinds": domain.VIOLATION_KINDS,
        "severities": domain.SEVERITY_LABELS,
        "targets": domain.INSPECTION_TARGETS,
        "event_labels": {"received": "受理", "handling": "开始办理", "resolved": "办结", "rejected": "驳回"},
    }


# ------------------------------------------------------------------------------------- complainants


def _form_page(
    request: Request,
    days: int,
    values: dict[str, Any],
    errors: list[FieldError],
    message: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "rental/governance_complaint_form.html",
        status_code=status_code,
        days=days,
        values=values,
        errors=errors,
        message=message,
        **_ctx(),
    )


@router.get("/rental/complaints/new", response_class=HTMLResponse)
def complaint_form(
    request: Request,
    settings: SettingsDep,
    caller: RentalSign,
    subject_kind: Annotated[Literal["lease", "listing", "party", "home"], Query()] = "listing",
    ref: Annotated[str, Query(max_length=23)] = "",
) -> HTMLResponse:
    """The complaint / dispute form (投诉、纠纷), optionally about a given subject."""
    values = {"subject_kind": subject_kind, "ref": ref, "kind": "complaint"}
    return _form_page(request, settings.rental_complaint_days, values, [], None)


@router.post("/rental/complaints", response_class=HTMLResponse)
def complaint_post(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalSign,
    kind: Annotated[str, Form(max_length=12)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
    subject_kind: Annotated[str, Form(max_length=8)] = "",
    title: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=5000)] = "",
    ref: Annotated[str, Form(max_length=23)] = "",
) -> Any:
    r = ref.strip()
    num = int(r) if r.isdigit() and len(r) <= 18 else None
    cmd = governance.ComplaintIn(
        kind,
        category,
        subject_kind,
        title,
        text,
        lease_id=num if subject_kind == "lease" else None,
        listing_id=num if subject_kind == "listing" else None,
        party_id=num if subject_kind == "party" else None,
        house_code=r if subject_kind == "home" else None,
    )
    try:
        with audited(uow, caller, "rental.file_complaint", "rental_complaint") as conn:
            cid = governance.file_complaint(conn, caller, cmd, days=settings.rental_complaint_days)
            set_audit_target(conn, cid)
    except AnjuError as e:
        values = {"kind": kind, "category": category, "subject_kind": subject_kind, "title": title, "text": text}
        return _form_page(
            request, settings.rental_complaint_days, values | {"ref": ref}, e.errors, e.message, e.status_code
        )
    return RedirectResponse(f"/rental/complaints/mine/{cid}?done=filed", status_code=303)


@router.get("/rental/complaints/mine", response_class=HTMLResponse)
def my_complaints(request: Request, uow: UowDep, caller: RentalSign, paging: PagingDep) -> HTMLResponse:
    with uow.read() as conn:
        page = governance.list_complaints(
            conn, governance.ComplaintFilter(), scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return render(
        request,
        "rental/governance_my_complaints.html",
        items=items,
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/rental/complaints/mine/{complaint_id}", response_class=HTMLResponse)
def my_complaint(
    request: Request,
    uow: UowDep,
    caller: RentalSign,
    complaint_id: Id,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """One's own complaint: where it went, its deadline, every step and the reply."""
    with uow.read() as conn:
        c = governance.get_complaint(conn, caller.scope, complaint_id)
        names = divisions.names(conn, {c["street_code"], c["district_code"]})
    return render(
        request, "rental/governance_complaint.html", c=c, names=names, staff=False, done=DONE.get(done), **_ctx()
    )


# --------------------------------------------------------------------------------------------- staff


@router.get("/rental/complaints", response_class=HTMLResponse)
def queue(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    status: Annotated[Literal["", "received", "handling", "resolved", "rejected"], Query()] = "",
    kind: Annotated[Literal["", "complaint", "dispute"], Query()] = "",
    overdue: Annotated[Literal["", "1"], Query()] = "",
    open_only: Annotated[Literal["", "1"], Query(alias="open")] = "1",
    street: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """The complaint queue of the caller's streets: open ones first, the earliest deadline first; overdue
    ones are marked and escalated to the district. By default only open ones; a chosen status wins."""
    only_open = open_only == "1" and not status
    f = governance.ComplaintFilter(status or None, kind or None, street or None, overdue == "1", False, only_open)
    with uow.read() as conn:
        page = governance.list_complaints(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
        names = divisions.names(conn, {i["street_code"] for i in items})
    return render(
        request,
        "rental/governance_queue.html",
        items=items,
        street_names=names,
        f={"status": status, "kind": kind, "overdue": overdue, "open": "1" if only_open else "", "street": street},
        done=DONE.get(done),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


def _staff_detail(
    request: Request,
    uow: UowDep,
    caller: Any,
    complaint_id: int,
    *,
    message: str | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    with uow.read() as conn:
        c = governance.get_complaint(conn, caller.scope, complaint_id)
        names = divisions.names(conn, {c["street_code"], c["district_code"]})
    return render(
        request,
        "rental/governance_complaint.html",
        status_code=status_code,
        c=c,
        names=names,
        staff=True,
        errors=[],
        message=message,
        done=DONE.get(done),
        **_ctx(),
    )


@router.get("/rental/complaints/{complaint_id}", response_class=HTMLResponse)
def complaint_detail(
    request: Request, uow: UowDep, caller: RentalRead, complaint_id: Id, done: Annotated[str, Query(max_length=24)] = ""
) -> HTMLResponse:
    return _staff_detail(request, uow, caller, complaint_id, done=done)


@router.post("/rental/complaints/{complaint_id}/take", response_class=HTMLResponse)
def take(request: Request, uow: UowDep, caller: RentalHandle, complaint_id: Id) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.take_complaint", "rental_complaint", complaint_id) as conn:
            governance.take_complaint(conn, caller, complaint_id)

    def again(e: AnjuError) -> Response:
        return _staff_detail(request, uow, caller, complaint_id, message=e.message, status_code=e.status_code)

    return form_action(write, done=f"/rental/complaints/{complaint_id}?done=taken", again=again)


Outcome = Literal["resolved", "rejected"]


def _resolve_page(
    request: Request,
    uow: UowDep,
    caller: Any,
    complaint_id: int,
    outcome: str,
    values: dict[str, Any],
    *,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        c = governance.get_complaint(conn, caller.scope, complaint_id)
        names = divisions.names(conn, {c["street_code"], c["district_code"]})
    return render(
        request,
        "rental/governance_resolve.html",
        status_code=status_code,
        c=c,
        names=names,
        outcome=outcome,
        values=values,
        errors=errors or [],
        message=message,
        **_ctx(),
    )


@router.get("/rental/complaints/{complaint_id}/resolve", response_class=HTMLResponse)
def resolve_confirm(
    request: Request,
    uow: UowDep,
    caller: RentalHandle,
    complaint_id: Id,
    outcome: Annotated[Outcome, Query()] = "resolved",
) -> HTMLResponse:
    """The page that closes a complaint (办结 / 驳回): the reply and, for an upheld one, a violation. Closing
    cannot be undone, so it is a page of its own that says so."""
    return _resolve_page(request, uow, caller, complaint_id, outcome, {})


@router.post("/rental/complaints/{complaint_id}/resolution", response_class=HTMLResponse)
def resolution(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalHandle,
    complaint_id: Id,
    outcome: Annotated[Outcome, Form()],
    reply: Annotated[str, Form(max_length=5000)] = "",
    violation_kind: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[Literal["", "minor", "major", "serious"], Form()] = "",
    violation_description: Annotated[str, Form(max_length=500)] = "",
) -> Any:
    description = violation_description.strip() or reply.strip()[:500]
    violations = (governance.ViolationIn(violation_kind, description, severity or None),) if violation_kind else ()

    def write() -> None:
        with audited(uow, caller, f"rental.{outcome}_complaint", "rental_complaint", complaint_id) as conn:
            governance.resolve_complaint(
                conn, sec.keyring, caller, complaint_id, governance.Resolution(outcome, reply, violations)
            )

    def again(e: AnjuError) -> Response:
        values = {
            "reply": reply,
            "violation_kind": violation_kind,
            "severity": severity,
            "violation_description": violation_description,
        }
        return _resolve_page(
            request,
            uow,
            caller,
            complaint_id,
            outcome,
            values,
            errors=e.errors,
            message=e.message,
            status_code=e.status_code,
        )

    return form_action(write, done=f"/rental/complaints/{complaint_id}?done={outcome}", again=again)


# --------------------------------------------------------------------------------------- inspections


@router.get("/rental/inspections", response_class=HTMLResponse)
def inspections_page(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    target_kind: Annotated[Literal["", "party", "home", "listing"], Query()] = "",
    outcome: Annotated[Literal["", "compliant", "violation"], Query()] = "",
    street: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    party_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """Inspections of the caller's streets, the latest first."""
    f = inspections.InspectionFilter(target_kind or None, outcome or None, street or None, party_id)
    with uow.read() as conn:
        page = inspections.list_inspections(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
        names = divisions.names(conn, {i["street_code"] for i in items})
    return render(
        request,
        "rental/governance_inspections.html",
        items=items,
        street_names=names,
        f={"target_kind": target_kind, "outcome": outcome, "street": street, "party_id": party_id or ""},
        done=DONE.get(done),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


def _inspection_form(
    request: Request, values: dict[str, Any], errors: list[FieldError], message: str | None, status_code: int = 200
) -> HTMLResponse:
    return render(
        request,
        "rental/governance_inspection_form.html",
        status_code=status_code,
        values=values,
        errors=errors,
        message=message,
        today=clock.today(),
        **_ctx(),
    )


@router.get("/rental/inspections/new", response_class=HTMLResponse)
def inspection_new(
    request: Request,
    caller: RentalHandle,
    target_kind: Annotated[Literal["party", "home", "listing"], Query()] = "party",
    party_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    ref: Annotated[str, Query(max_length=23)] = "",
) -> HTMLResponse:
    """The inspection form, optionally about a given party (``party_id``) or other target (``ref``)."""
    return _inspection_form(request, {"target_kind": target_kind, "ref": party_id or ref}, [], None)


@router.post("/rental/inspections", response_class=HTMLResponse)
def inspection_post(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalHandle,
    target_kind: Annotated[str, Form(max_length=8)] = "",
    findings: Annotated[str, Form(max_length=5000)] = "",
    ref: Annotated[str, Form(max_length=23)] = "",
    inspected_on: Annotated[str, Form(max_length=10)] = "",
    violation_kind: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[Literal["", "minor", "major", "serious"], Form()] = "",
    violation_description: Annotated[str, Form(max_length=500)] = "",
    confirmed: Annotated[Literal["", "1"], Form()] = "",
) -> Any:
    """Record an inspection. With a violation (which becomes a credit event and cannot be withdrawn) the
    first post shows a confirmation page; its button posts the same values with ``confirmed=1``."""
    values = {
        "target_kind": target_kind,
        "ref": ref,
        "findings": findings,
        "inspected_on": inspected_on,
        "violation_kind": violation_kind,
        "severity": severity,
        "violation_description": violation_description,
    }
    on: date | None = None
    if inspected_on.strip():
        try:
            on = date.fromisoformat(inspected_on.strip())
        except ValueError:
            return _inspection_form(
                request, values, [FieldError("inspected_on", "日期应为 YYYY-MM-DD")], "检查记录有误", 422
            )
    if violation_kind and confirmed != "1":
        return render(request, "rental/governance_inspection_confirm.html", values=values, **_ctx())
    r = ref.strip()
    num = int(r) if r.isdigit() and len(r) <= 18 else None
    violations = (
        (governance.ViolationIn(violation_kind, violation_description, severity or None),) if violation_kind else ()
    )
    cmd = inspections.InspectionIn(
        target_kind,
        findings,
        on,
        party_id=num if target_kind == "party" else None,
        listing_id=num if target_kind == "listing" else None,
        house_code=r if target_kind == "home" else None,
        violations=violations,
    )
    try:
        with audited(uow, caller, "rental.inspect", "rental_inspection") as conn:
            iid = inspections.record_inspection(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, iid)
    except AnjuError as e:
        return _inspection_form(request, values, e.errors, e.message, e.status_code)
    return RedirectResponse(f"/rental/inspections/{iid}?done=inspected", status_code=303)


@router.get("/rental/inspections/{inspection_id}", response_class=HTMLResponse)
def inspection_detail(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    inspection_id: Id,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """One inspection: its target, findings and the violations it found with their credit events."""
    with uow.read() as conn:
        i = inspections.get_inspection(conn, caller.scope, inspection_id)
        names = divisions.names(conn, {i["street_code"], i["district_code"]})
    return render(request, "rental/governance_inspection.html", i=i, names=names, done=DONE.get(done), **_ctx())
