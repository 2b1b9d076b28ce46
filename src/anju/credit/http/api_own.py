"""REST routes of a subject's own credit file (``/credit/me``): the file, one event, objections and
repair requests (multipart: the text and up to ten documents), one's documents, the credit report PDF.

Thin: who the caller is as a subject (``casework.subject_of``: an agency's enterprise or a verified
person; anyone else 403), then a service.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, UploadFile
from fastapi.responses import Response

from anju import ledger
from anju.credit import casework, objections, own_file, repairs, report, report_pdf
from anju.credit.http.deps import CreditOwn
from anju.credit.http.schemas_cases import CaseCreated, EventOut, GradeOut, ListOut, OwnFileOut
from anju.security import Caller, Security, SecurityDep, audited, ledger_signing_seed
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["credit"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
Documents = Annotated[list[UploadFile] | None, File(description="PDF、JPEG 或 PNG，每份 ≤ 5 MB，最多 10 份")]


def uploads(files: list[UploadFile] | None) -> list[casework.Upload]:
    """The uploaded documents, each read up to one byte past the limit (the service refuses it)."""
    return [
        casework.Upload(f.filename or "file", f.content_type or "", f.file.read(casework.DOC_MAX_BYTES + 1))
        for f in files or []
        if f.filename or f.size
    ]


def pdf_response(sec: Security, uow: UowDep, caller: Caller) -> Response:
    """The caller's credit report (audited: it reads personal data and may sign a tree head)."""
    signer = ledger.signer_from_seed(ledger_signing_seed(sec.settings))
    with audited(uow, caller, "credit.report", "credit_subject") as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        rep = report.report(conn, subject, signer)
    body = report_pdf.render(rep)
    name = f"信用报告-{rep['generated_on']}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/credit/me", operation_id="credit_own_file")
def my_file(uow: UowDep, sec: SecurityDep, caller: CreditOwn, paging: PagingDep) -> OwnFileOut:
    """One's own credit file: current grade, open list entries, one's events (latest first) with their
    evidence, status and the objections and repair requests filed against them."""
    with uow.read() as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        f = own_file.own_file(conn, subject, limit=paging.page_size, offset=paging.offset)
    ev = f["events"]
    g = f["grade"]
    return OwnFileOut(
        subject_kind=f["subject_kind"],
        label=f["label"],
        grade=GradeOut(**g) if g else None,
        lists=[ListOut(**x) for x in f["lists"]],
        events=Page(
            items=[EventOut.model_validate(e) for e in ev.items], total=ev.total, page=paging.page,
            page_size=paging.page_size,
        ),
        open_cases=f["open_cases"],
    )  # fmt: skip


@router.get("/credit/me/events/{event_id}", operation_id="credit_own_event")
def my_event(uow: UowDep, sec: SecurityDep, caller: CreditOwn, event_id: Id) -> EventOut:
    """One of one's own events (another subject's answers 404)."""
    with uow.read() as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        return EventOut.model_validate(own_file.own_event_view(conn, subject, event_id))


@router.post("/credit/me/events/{event_id}/objections", status_code=201, operation_id="credit_file_objection")
def file_objection(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    event_id: Id,
    reason: Annotated[str, Form(max_length=2000, description="异议理由")],
    documents: Documents = None,
) -> CaseCreated:
    """Object to one of one's own events; decided within ``credit_objection_days`` working days."""
    files = uploads(documents)
    with audited(uow, caller, "credit.object", "credit_event", event_id) as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        number = objections.file_objection(
            conn, subject, event_id, reason, files, days=sec.settings.credit_objection_days
        )
    return CaseCreated(number=number)


@router.post("/credit/me/events/{event_id}/repairs", status_code=201, operation_id="credit_request_repair")
def request_repair(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditOwn,
    event_id: Id,
    basis: Annotated[str, Form(max_length=16, description="period（公示期满）或 rectification（整改到位）")],
    statement: Annotated[str, Form(max_length=2000, description="修复申请说明（整改情况）")],
    documents: Documents = None,
) -> CaseCreated:
    """Ask to repair one of one's own negative events; refused, naming the rule, when the repair rules
    do not allow it."""
    files = uploads(documents)
    with audited(uow, caller, "credit.repair.request", "credit_event", event_id) as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        number = repairs.request_repair(
            conn, subject, event_id, basis, statement, files,
            days=sec.settings.credit_repair_days, city=sec.settings.city_code,
        )  # fmt: skip
    return CaseCreated(number=number)


@router.get("/credit/me/documents/{doc_id}", operation_id="credit_own_document")
def my_document(uow: UowDep, sec: SecurityDep, caller: CreditOwn, doc_id: Id) -> Response:
    """A document one filed with an objection or a repair request."""
    with uow.read() as conn:
        subject = casework.subject_of(conn, sec.keyring, caller)
        name, ctype, data = own_file.own_document(conn, subject, doc_id)
    return download(name, ctype, data)


@router.get(
    "/credit/me/report.pdf",
    operation_id="credit_own_report",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "信用报告（PDF，附机器可读的包含证明）"}},
)
def my_report(uow: UowDep, sec: SecurityDep, caller: CreditOwn) -> Response:
    """One's credit report: the file and, for every logged record, its inclusion proof against a signed
    tree head of the log ``credit`` (appendix, and the attached ``credit-report.json``)."""
    return pdf_response(sec, uow, caller)


def download(name: str, ctype: str, data: bytes) -> Response:
    return Response(
        data, media_type=ctype, headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )
