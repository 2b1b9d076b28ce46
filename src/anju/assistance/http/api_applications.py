"""REST routes of housing-assistance applications (``/api/v1/assistance``). Thin: parse, call, shape.

Applicants use ``/assistance/me/…`` (their own applications only); reviewers use
``/assistance/applications/…`` (the applications of the streets in their scope). Programmes and the
public notice are public.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Path, Query, UploadFile
from fastapi.responses import Response
from sqlalchemy import select

from anju.assistance import applying, catalogue, consent, disclosure, queries, review
from anju.assistance.http import schemas_applications
from anju.assistance.http.deps import (
    AssistanceAllocate,
    AssistanceApply,
    AssistanceObject,
    AssistanceRead,
    AssistanceReview,
)
from anju.assistance.tables import applications
from anju.core.errors import FieldError, TooLarge
from anju.core.scope import Scope
from anju.security import Public, SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/assistance", tags=["assistance"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
Status = Literal["draft", "submitted", "returned", "notice", "approved", "rejected", "withdrawn", "allocated", "exited"]


def _detail(uow: UowDep, sec: SecurityDep, scope: Scope, app_id: int) -> schemas_applications.ApplicationDetail:
    with uow.read() as conn:
        return schemas_applications.ApplicationDetail(**queries.get_application(conn, sec.keyring, app_id, scope=scope))


@router.get("/programmes", operation_id="list_programmes")
def list_programmes(uow: UowDep, caller: Public) -> list[schemas_applications.ProgrammeOut]:
    """Every programme with every edition of its policy (rules, thresholds, review levels); ``in_force``
    marks the edition applying today. Sample policies say so (``sample``)."""
    with uow.read() as conn:
        return [schemas_applications.ProgrammeOut(**p) for p in catalogue.list_programmes(conn)]


@router.get("/notices", operation_id="list_notices")
def list_notices(
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    programme: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[schemas_applications.NoticeOut]:
    """The public notice (公示): applications in their notice period (no personal data)."""
    with uow.read() as conn:
        listed = queries.public_notices(conn, limit=paging.page_size, offset=paging.offset, programme=programme)
    return Page(
        items=[schemas_applications.NoticeOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/notices/{app_id}/objections", status_code=201, operation_id="object_to_application")
def object_to(
    uow: UowDep, caller: AssistanceObject, app_id: Id, body: schemas_applications.ObjectionIn
) -> dict[str, int]:
    """Raise an objection to an application under public notice; it holds the final decision until a
    district or city officer resolves it."""
    with audited(uow, caller, "assistance.object", "application", app_id) as conn:
        oid = review.object_to(conn, caller, app_id, body.text)
    return {"id": oid}


# ------------------------------------------------------------------------------------------ applicants


@router.post("/me/applications", status_code=201, operation_id="create_application")
def create_application(
    uow: UowDep, sec: SecurityDep, caller: AssistanceApply, body: schemas_applications.ApplicationBody
) -> schemas_applications.Created:
    """A new draft for the caller's household; every field is validated (errors name the field)."""
    with audited(uow, caller, "assistance.create", "application") as conn:
        app_id = applying.create_draft(conn, sec.keyring, caller, body.command())
        consent.note_named(conn, sec.settings, caller, app_id)
        set_audit_target(conn, app_id)
        app_no = conn.execute(select(applications.c.app_no).where(applications.c.id == app_id)).scalar_one()
    return schemas_applications.Created(id=app_id, app_no=app_no)


@router.get("/me/applications", operation_id="list_my_applications")
def list_mine(uow: UowDep, caller: AssistanceApply, paging: PagingDep) -> Page[schemas_applications.ApplicationOut]:
    with uow.read() as conn:
        listed = queries.list_applications(
            conn, queries.AppFilter(), scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[schemas_applications.ApplicationOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


def _mine(uow: UowDep, sec: SecurityDep, scope: Scope, app_id: int) -> schemas_applications.MyApplicationDetail:
    with uow.read() as conn:
        detail = disclosure.applicant_detail(conn, sec.keyring, app_id, scope=scope)
    return schemas_applications.MyApplicationDetail.model_validate(detail)


@router.get("/me/applications/{app_id}", operation_id="get_my_application")
def get_mine(
    uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id
) -> schemas_applications.MyApplicationDetail:
    """One's own application: masked members, documents, every step, each member's consent, and the
    eligibility check per rule (pass / fail / pending) without the figures it used."""
    return _mine(uow, sec, caller.scope, app_id)


@router.put("/me/applications/{app_id}", operation_id="replace_my_application")
def replace_mine(
    uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id, body: schemas_applications.ApplicationBody
) -> schemas_applications.MyApplicationDetail:
    """Replace a draft's (or a returned application's) content."""
    with audited(uow, caller, "assistance.amend", "application", app_id) as conn:
        applying.replace_draft(conn, sec.keyring, caller, app_id, body.command())
        consent.note_named(conn, sec.settings, caller, app_id)
    return _mine(uow, sec, caller.scope, app_id)


@router.post("/me/applications/{app_id}/documents", status_code=201, operation_id="upload_document")
def upload_document(
    uow: UowDep,
    caller: AssistanceApply,
    app_id: Id,
    kind: Annotated[str, Form(max_length=24, description="材料类型")],
    file: Annotated[UploadFile, File(description="PDF、JPEG 或 PNG，≤ 5 MB")],
) -> dict[str, int]:
    data = file.file.read(applying.DOC_MAX_BYTES + 1)
    if len(data) > applying.DOC_MAX_BYTES:
        raise TooLarge(f"文件超过 {applying.DOC_MAX_BYTES // (1024 * 1024)} MB", [FieldError("file", "文件过大")])
    with audited(uow, caller, "assistance.upload", "application", app_id) as conn:
        doc_id = applying.add_document(
            conn, caller, app_id, kind, file.filename or "file", file.content_type or "", data
        )
    return {"id": doc_id}


@router.get("/me/applications/{app_id}/documents/{doc_id}", operation_id="get_my_document")
def get_my_document(uow: UowDep, caller: AssistanceApply, app_id: Id, doc_id: Id) -> Response:
    with uow.read() as conn:
        name, ctype, data = applying.get_document(conn, app_id, doc_id, scope=caller.scope)
    return _download(name, ctype, data)


def _download(name: str, ctype: str, data: bytes) -> Response:
    return Response(
        data, media_type=ctype, headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.get("/me/applications/{app_id}/proofs", operation_id="get_my_decision_proofs")
def my_proofs(
    uow: UowDep,
    caller: AssistanceApply,
    app_id: Id,
    size: Annotated[int | None, Query(ge=1, le=2**62, description="日志大小（默认当前）")] = None,
) -> schemas_applications.DecisionProofs:
    """Each logged step of one's own application (submission, every decision) with the log entry and
    its inclusion proof: check them with ``verify.py inclusion --algorithm sm3 …`` against the
    signed tree head of the log ``assistance``."""
    with uow.read() as conn:
        return schemas_applications.DecisionProofs(**queries.decision_proofs(conn, caller, app_id, size))


@router.post("/me/applications/{app_id}/check", operation_id="check_my_application")
def check_mine(uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id) -> schemas_applications.SelfCheckOut:
    """Run the eligibility self-check now: every rule passes, fails, or waits for a member's consent
    (pending), without the figures. Register facts are read for the applicant, minors and consenting
    members only. At most ``ANJU_ASSISTANCE_SELF_CHECKS_PER_HOUR`` an hour (429 beyond)."""
    consent.throttle_self_check(uow, sec.settings, caller, app_id)
    with audited(uow, caller, "assistance.check", "application", app_id) as conn:
        result = consent.self_check(conn, sec.keyring, caller, app_id)
    return schemas_applications.SelfCheckOut.model_validate(disclosure.of(result))


@router.post("/me/applications/{app_id}/submit", operation_id="submit_application")
def submit(uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id) -> schemas_applications.SelfCheckOut:
    """Submit: every adult member has consented (else 422 naming each one, masked) and the
    eligibility check passes (else 422 naming each failed rule); nothing changes when refused."""
    with audited(uow, caller, "assistance.submit", "application", app_id) as conn:
        result = review.submit(conn, sec.keyring, caller, app_id)
    return schemas_applications.SelfCheckOut.model_validate(disclosure.of(result))


@router.post("/me/applications/{app_id}/withdraw", operation_id="withdraw_application")
def withdraw(
    uow: UowDep, caller: AssistanceApply, app_id: Id, body: schemas_applications.WithdrawIn
) -> schemas_applications.DecisionOut:
    with audited(uow, caller, "assistance.withdraw", "application", app_id) as conn:
        review.withdraw(conn, caller, app_id, body.reason)
    return schemas_applications.DecisionOut(id=app_id, status="withdrawn")


# ------------------------------------------------------------------------------ members' consent


@router.get("/me/consents", operation_id="list_my_consents")
def list_my_consents(
    uow: UowDep, sec: SecurityDep, caller: AssistanceApply, paging: PagingDep
) -> Page[schemas_applications.ConsentRequestOut]:
    """Applications of other households that name me (my verified identity) as a member, with my
    consent to the use of my register and benefit facts for each (403 until I am verified)."""
    with uow.read() as conn:
        listed = consent.consent_requests(conn, sec.keyring, caller, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_applications.ConsentRequestOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/me/consents/{app_id}", operation_id="give_my_consent")
def give_consent(uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id) -> schemas_applications.ConsentOut:
    """I consent that this application (only) may use my homes owned, benefits and credit records in
    its eligibility check. Possible while it is a draft or returned."""
    with audited(uow, caller, "assistance.consent", "application", app_id) as conn:
        consent.confirm(conn, sec.keyring, caller, app_id)
    return schemas_applications.ConsentOut(application_id=app_id, consented=True)


@router.post("/me/consents/{app_id}/withdraw", operation_id="withdraw_my_consent")
def withdraw_consent(
    uow: UowDep, sec: SecurityDep, caller: AssistanceApply, app_id: Id
) -> schemas_applications.ConsentOut:
    """I take my consent back (while the application is a draft or returned)."""
    with audited(uow, caller, "assistance.consent_withdraw", "application", app_id) as conn:
        consent.withdraw(conn, sec.keyring, caller, app_id)
    return schemas_applications.ConsentOut(application_id=app_id, consented=False)


# ------------------------------------------------------------------------------------------- reviewers


@router.get("/applications", operation_id="list_applications")
def list_applications(
    uow: UowDep,
    caller: AssistanceRead,
    paging: PagingDep,
    status: Annotated[Status | None, Query(description="状态")] = None,
    programme: Annotated[str | None, Query(max_length=32, description="保障项目")] = None,
    level: Annotated[Literal["street", "district", "city"] | None, Query(description="当前审核层级")] = None,
    street: Annotated[str | None, Query(max_length=12, description="街道代码")] = None,
    app_no: Annotated[str | None, Query(max_length=24, description="申请编号")] = None,
    overdue: Annotated[bool, Query(description="只看已超过办理时限的")] = False,
) -> Page[schemas_applications.ApplicationOut]:
    """Applications in the caller's scope, the most urgent deadline first."""
    f = queries.AppFilter(status, programme, level, overdue, street, app_no)
    with uow.read() as conn:
        listed = queries.list_applications(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas_applications.ApplicationOut(**i) for i in listed.items],
        total=listed.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/applications/{app_id}", operation_id="get_application")
def get_application(
    uow: UowDep, sec: SecurityDep, caller: AssistanceRead, app_id: Id
) -> schemas_applications.ApplicationDetail:
    return _detail(uow, sec, caller.scope, app_id)


@router.get("/applications/{app_id}/documents/{doc_id}", operation_id="get_document")
def get_document(uow: UowDep, caller: AssistanceRead, app_id: Id, doc_id: Id) -> Response:
    with uow.read() as conn:
        name, ctype, data = applying.get_document(conn, app_id, doc_id, scope=caller.scope)
    return _download(name, ctype, data)


@router.post("/applications/{app_id}/decision", operation_id="decide_application")
def decide(
    uow: UowDep, caller: AssistanceReview, app_id: Id, body: schemas_applications.DecisionIn
) -> schemas_applications.DecisionOut:
    """Approve (on to the next level, or the public notice after the last), return for more
    information, or reject — at the application's current level, which must be the caller's."""
    with audited(uow, caller, f"assistance.{body.action}", "application", app_id) as conn:
        to = review.review(conn, caller, app_id, review.Decision(body.action, body.reason, body.version))
    return schemas_applications.DecisionOut(id=app_id, status=to.value)


@router.post("/objections/{objection_id}/resolution", operation_id="resolve_objection")
def resolve(
    uow: UowDep, caller: AssistanceAllocate, objection_id: Id, body: schemas_applications.ResolutionIn
) -> dict[str, str]:
    with audited(uow, caller, "assistance.resolve_objection", "objection", objection_id) as conn:
        review.resolve_objection(conn, caller, objection_id, body.upheld, body.resolution)
    return {"status": "upheld" if body.upheld else "dismissed"}


@router.post("/notices/finalise", operation_id="finalise_notices")
def finalise(uow: UowDep, caller: AssistanceAllocate) -> schemas_applications.Finalised:
    """Approve every application in scope whose notice ended without an open objection."""
    with audited(uow, caller, "assistance.finalise", "application") as conn:
        done = review.finalise_notices(conn, caller)
    return schemas_applications.Finalised(approved=done)
