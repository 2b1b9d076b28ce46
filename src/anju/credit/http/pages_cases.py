"""Pages of officers deciding objections (异议) and repair requests (信用修复) in their streets: the
queues (open ones by deadline, the oldest first, overdue marked), one case with its event and documents,
the decision on a confirmation page of its own (a decision cannot be withdrawn), a document.

Thin: parse the form, call a service, render or redirect.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core.errors import AnjuError
from anju.credit import casework, domain, objections, repairs
from anju.credit.http.api_own import download
from anju.credit.http.deps import CreditDecide, CreditRead
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
ObjectionNo = Annotated[str, Path(pattern=r"^YY\d{11}$")]
RepairNo = Annotated[str, Path(pattern=r"^XF\d{11}$")]
DONE = {"decided": "已作出处理决定，已写入可验证日志。"}

#: kind → (title, statuses, outcomes with their labels)
KINDS: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
    "objections": (
        "信用异议",
        domain.OBJECTION_STATUSES,
        {"upheld": "异议成立（撤销该记录）", "rejected": "异议不成立"},
    ),
    "repairs": ("信用修复申请", domain.REPAIR_STATUSES, {"approved": "予以修复", "rejected": "不予修复"}),
}


def _queue(request: Request, uow: UowDep, caller: Any, paging: Any, kind: str, status: str, done: str) -> HTMLResponse:
    title, statuses, _outcomes = KINDS[kind]
    with uow.read() as conn:
        if kind == "objections":
            page: Any = objections.objections(
                conn, scope=caller.scope, status=status or None, limit=paging.page_size, offset=paging.offset
            )
        else:
            page = repairs.repairs(
                conn, scope=caller.scope, status=status or None, limit=paging.page_size, offset=paging.offset
            )
        names = divisions.names(conn, {i["street_code"] for i in page.items if i["street_code"]})
    return render(
        request,
        "credit/cases.html",
        kind=kind,
        title=title,
        statuses=statuses,
        items=page.items,
        street_names=names,
        status=status,
        done=DONE.get(done),
        pager=pager(page.total, paging.page, paging.page_size),
    )


@router.get("/credit/objections", response_class=HTMLResponse)
def objections_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[Literal["submitted", "upheld", "rejected", "withdrawn", ""], Query()] = "submitted",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Objections of the caller's streets, open ones by deadline (the oldest first, overdue marked)."""
    return _queue(request, uow, caller, paging, "objections", status, done)


@router.get("/credit/repairs", response_class=HTMLResponse)
def repairs_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[Literal["submitted", "approved", "rejected", ""], Query()] = "submitted",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Repair requests of the caller's streets, open ones by deadline."""
    return _queue(request, uow, caller, paging, "repairs", status, done)


def _case(conn: Any, kind: str, number: str, caller: Any) -> Any:
    if kind == "objections":
        return objections.objection(conn, number, scope=caller.scope)
    return repairs.repair(conn, number, scope=caller.scope)


def _detail(
    request: Request,
    uow: UowDep,
    caller: Any,
    kind: str,
    number: str,
    *,
    template: str = "credit/case.html",
    outcome: str = "",
    reason: str = "",
    error: AnjuError | None = None,
    done: str = "",
) -> HTMLResponse:
    title, _statuses, outcomes = KINDS[kind]
    with uow.read() as conn:
        c = _case(conn, kind, number, caller)
    return render(
        request,
        template,
        status_code=error.status_code if error else 200,
        kind=kind,
        title=title,
        outcomes=outcomes,
        severities=domain.SEVERITY_LABELS,
        c=c,
        number=number,
        outcome=outcome,
        values={"reason": reason},
        message=error.message if error else None,
        errors=error.errors if error else [],
        done=DONE.get(done),
    )


@router.get("/credit/objections/{objection_no}", response_class=HTMLResponse)
def objection_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    objection_no: ObjectionNo,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(request, uow, caller, "objections", objection_no, done=done)


@router.get("/credit/repairs/{repair_no}", response_class=HTMLResponse)
def repair_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    repair_no: RepairNo,
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    return _detail(request, uow, caller, "repairs", repair_no, done=done)


@router.get("/credit/objections/{objection_no}/confirm", response_class=HTMLResponse)
def objection_confirm(
    request: Request,
    uow: UowDep,
    caller: CreditDecide,
    objection_no: ObjectionNo,
    outcome: Annotated[Literal["upheld", "rejected"], Query()] = "rejected",
) -> HTMLResponse:
    """Asks once more, with the reason, before the decision (it cannot be withdrawn)."""
    return _detail(
        request, uow, caller, "objections", objection_no, template="credit/case_confirm.html", outcome=outcome
    )


@router.get("/credit/repairs/{repair_no}/confirm", response_class=HTMLResponse)
def repair_confirm(
    request: Request,
    uow: UowDep,
    caller: CreditDecide,
    repair_no: RepairNo,
    outcome: Annotated[Literal["approved", "rejected"], Query()] = "rejected",
) -> HTMLResponse:
    return _detail(request, uow, caller, "repairs", repair_no, template="credit/case_confirm.html", outcome=outcome)


@router.post("/credit/objections/{objection_no}/decision", response_class=HTMLResponse)
def objection_decision(
    request: Request,
    uow: UowDep,
    caller: CreditDecide,
    objection_no: ObjectionNo,
    outcome: Annotated[Literal["", "upheld", "rejected"], Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def write() -> None:
        with audited(uow, caller, "credit.object.decide", "credit_objection", objection_no) as conn:
            objections.decide_objection(conn, caller, objection_no, outcome, reason)

    return form_action(
        write,
        done=f"/credit/objections/{objection_no}?done=decided",
        again=lambda e: _detail(
            request,
            uow,
            caller,
            "objections",
            objection_no,
            template="credit/case_confirm.html",
            outcome=outcome,
            reason=reason,
            error=e,
        ),
    )


@router.post("/credit/repairs/{repair_no}/decision", response_class=HTMLResponse)
def repair_decision(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditDecide,
    repair_no: RepairNo,
    outcome: Annotated[Literal["", "approved", "rejected"], Form()] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    def write() -> None:
        with audited(uow, caller, "credit.repair.decide", "credit_repair", repair_no) as conn:
            repairs.decide_repair(conn, caller, repair_no, outcome, reason, city=sec.settings.city_code)

    return form_action(
        write,
        done=f"/credit/repairs/{repair_no}?done=decided",
        again=lambda e: _detail(
            request,
            uow,
            caller,
            "repairs",
            repair_no,
            template="credit/case_confirm.html",
            outcome=outcome,
            reason=reason,
            error=e,
        ),
    )


@router.get("/credit/documents/{doc_id}")
def document(uow: UowDep, caller: CreditRead, doc_id: Id) -> Response:
    """A document of an objection or repair request of the caller's streets."""
    with uow.read() as conn:
        name, ctype, data = casework.document(conn, doc_id, lambda _bidx, street: caller.scope.allows(street))
    return download(name, ctype, data)
