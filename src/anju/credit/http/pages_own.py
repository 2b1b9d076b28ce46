"""Pages of a subject's own credit file (我的信用): the file, one event with the objection and repair
forms, one's documents and the credit report PDF.

A signed-in party who is not (yet) a credit subject — an unverified citizen, an agency account without
its enterprise — sees the page with what to do instead of a 403 (the menu never leads to a refusal).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju.core import clock
from anju.core.errors import AnjuError, Forbidden
from anju.credit import casework, domain, objections, own_file, repair_rules, repairs
from anju.credit.http.api_own import download, pdf_response, uploads
from anju.credit.http.deps import CreditOwn
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DONE = {"objected": "异议已提交，将在办理时限内处理。", "repair": "修复申请已提交，将在办理时限内处理。"}


#: What every page of the file shows besides its own data.
CTX: dict[str, Any] = {
    "bases": domain.REPAIR_BASES,
    "grade_labels": domain.GRADE_LABELS,
    "max_docs": casework.DOCS_PER_CASE,
    "max_mb": casework.DOC_MAX_BYTES // (1024 * 1024),
}


@router.get("/credit/me", response_class=HTMLResponse)
def my_file(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """One's own credit file: grade, lists, events with status, objections and repairs."""
    with uow.read() as conn:
        try:
            subject = casework.subject_of(conn, sec.keyring, caller)
        except Forbidden as e:
            return render(request, "credit/me.html", refused=e.message, f=None, **CTX)
        f = own_file.own_file(conn, subject, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "credit/me.html",
        refused=None,
        f=f,
        done=DONE.get(done),
        pager=pager(f["events"].total, paging.page, paging.page_size),
        **CTX,
    )


def _event_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    event_id: int,
    *,
    form: str = "",
    values: dict[str, str] | None = None,
    error: AnjuError | None = None,
) -> HTMLResponse:
    with uow.read() as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        ev = own_file.own_event_view(conn, subject, event_id)
    rules = repair_rules.rules(sec.settings.city_code)
    period = rules.period(ev["kind"], ev["severity"]) if ev["severity"] in domain.SEVERITIES else None
    # the first dates a repair may be asked for (so the form is not offered before either is reached)
    ready = None
    if period is not None:
        by_period = repair_rules.add_months(ev["occurred_on"], period.period_months)
        by_fix = (
            repair_rules.add_months(ev["occurred_on"], period.rectification_months) if period.rectification else None
        )
        ready = {"period": by_period, "rectification": by_fix, "earliest": min(d for d in (by_period, by_fix) if d)}
    return render(
        request,
        "credit/me_event.html",
        status_code=error.status_code if error else 200,
        e=ev,
        form=form,
        values=values or {},
        message=error.message if error else None,
        errors=error.errors if error else [],
        period=period,
        ready=ready,
        today=clock.today(),
        repairable=repair_rules.repairable(ev["kind"], rules),
        objection_days=sec.settings.credit_objection_days,
        repair_days=sec.settings.credit_repair_days,
        **CTX,
    )


@router.get("/credit/me/events/{event_id}", response_class=HTMLResponse)
def my_event(request: Request, uow: UowDep, sec: SecurityDep, caller: CreditOwn, event_id: Id) -> HTMLResponse:
    """One of one's own events: its evidence, status, cases; the objection and repair forms."""
    return _event_page(request, uow, sec, caller, event_id)


@router.post("/credit/me/events/{event_id}/objection", response_class=HTMLResponse)
def my_objection(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    event_id: Id,
    reason: Annotated[str, Form(max_length=2000)] = "",
    documents: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    files = uploads(documents)
    try:
        with audited(uow, caller, "credit.object", "credit_event", event_id) as conn:
            subject = casework.subject_of(conn, sec.keyring, caller)
            objections.file_objection(conn, subject, event_id, reason, files, days=sec.settings.credit_objection_days)
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return _event_page(request, uow, sec, caller, event_id, form="objection", values={"reason": reason}, error=e)
    return RedirectResponse(f"/credit/me?done=objected#event-{event_id}", status_code=303)


@router.post("/credit/me/events/{event_id}/repair", response_class=HTMLResponse)
def my_repair(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    event_id: Id,
    basis: Annotated[Literal["", "period", "rectification"], Form()] = "",
    statement: Annotated[str, Form(max_length=2000)] = "",
    documents: Annotated[list[UploadFile] | None, File()] = None,
) -> Response:
    files = uploads(documents)
    try:
        with audited(uow, caller, "credit.repair.request", "credit_event", event_id) as conn:
            subject = casework.subject_of(conn, sec.keyring, caller)
            repairs.request_repair(
                conn, subject, event_id, basis, statement, files,
                days=sec.settings.credit_repair_days, city=sec.settings.city_code,
            )  # fmt: skip
    except AnjuError as e:
        if e.status_code == 404:
            raise
        values = {"basis": basis, "statement": statement}
        return _event_page(request, uow, sec, caller, event_id, form="repair", values=values, error=e)
    return RedirectResponse(f"/credit/me?done=repair#event-{event_id}", status_code=303)


@router.get("/credit/me/documents/{doc_id}")
def my_document(uow: UowDep, sec: SecurityDep, caller: CreditOwn, doc_id: Id) -> Response:
    with uow.read() as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        name, ctype, data = own_file.own_document(conn, subject, doc_id)
    return download(name, ctype, data)


@router.get("/credit/me/report.pdf")
def my_report(uow: UowDep, sec: SecurityDep, caller: CreditOwn) -> Response:
    """The credit report PDF with its inclusion proofs (see the API route of the same path)."""
    return pdf_response(sec, uow, caller)
