"""REST mirrors of the credit pages: subjects, one subject's file and events, list entries, grade
changes (``credit.read``, in the caller's scope), and the public disclosure (anyone; organisations only)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from anju.credit import public, queries
from anju.credit.http import schemas_subjects as sch
from anju.credit.http.deps import CreditRead
from anju.credit.http.exports import EXPORT_RESPONSES, export
from anju.credit.http.pages_subjects import (
    CauseQ,
    CodeP,
    DivQ,
    FmtQ,
    GradeQ,
    Id,
    KindQ,
    ListQ,
    OpenQ,
    PublicKindQ,
    SubjectQ,
    TextQ,
    _list_filter,
    _subject_filter,
)
from anju.security import Public, SecurityDep
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/credit", responses=ERRORS)


@router.get("/subjects", operation_id="credit_list_subjects")
def list_subjects(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    kind: KindQ = "",
    grade: GradeQ = "",
    list: ListQ = "",
    district: DivQ = "",
    street: DivQ = "",
    q: TextQ = "",
) -> Page[sch.SubjectOut]:
    """Credit subjects in the caller's scope (persons masked), filtered, paginated."""
    f = _subject_filter(kind, grade, list, district, street, q.strip())
    with uow.read() as conn:
        page = queries.list_subjects(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[sch.SubjectOut(**i) for i in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/subjects/export", operation_id="credit_export_subjects", responses=EXPORT_RESPONSES)
def export_subjects(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    fmt: FmtQ = "csv",
    kind: KindQ = "",
    grade: GradeQ = "",
    list: ListQ = "",
    district: DivQ = "",
    street: DivQ = "",
    q: TextQ = "",
) -> Response:
    """The same list as CSV or xlsx (every matching subject in scope)."""
    f = _subject_filter(kind, grade, list, district, street, q.strip())
    with uow.read() as conn:
        rows = [*queries.export_subjects(conn, sec.keyring, f, scope=caller.scope)]
    return export(fmt, "credit-subjects", "信用主体", queries.SUBJECT_COLUMNS, rows)


@router.get("/subjects/{subject_id}", operation_id="credit_get_subject")
def get_subject(uow: UowDep, sec: SecurityDep, caller: CreditRead, subject_id: Id) -> sch.SubjectFileOut:
    """One credit file: grade explained, latest grade changes and list entries, links (404 out of scope)."""
    with uow.read() as conn:
        return sch.SubjectFileOut.model_validate(queries.get_subject(conn, sec.keyring, caller.scope, subject_id))


@router.get("/subjects/{subject_id}/events", operation_id="credit_subject_events")
def subject_events(uow: UowDep, caller: CreditRead, paging: PagingDep, subject_id: Id) -> Page[sch.EventOut]:
    """A subject's events with their status today, newest first."""
    with uow.read() as conn:
        page = queries.subject_events(conn, caller.scope, subject_id, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[sch.EventOut(**i) for i in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/lists", operation_id="credit_list_entries")
def list_entries(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    list: ListQ = "",
    state: OpenQ = "",
    kind: KindQ = "",
    district: DivQ = "",
    subject: SubjectQ = None,
) -> Page[sch.ListEntryOut]:
    """Red and black list entries of the subjects in scope, newest first."""
    f = _list_filter(list, state, kind, district, subject)
    with uow.read() as conn:
        page = queries.list_entries(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[sch.ListEntryOut(**i) for i in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/lists/export", operation_id="credit_export_lists", responses=EXPORT_RESPONSES)
def export_lists(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    fmt: FmtQ = "csv",
    list: ListQ = "",
    state: OpenQ = "",
    kind: KindQ = "",
    district: DivQ = "",
    subject: SubjectQ = None,
) -> Response:
    f = _list_filter(list, state, kind, district, subject)
    with uow.read() as conn:
        rows = [*queries.export_list_entries(conn, sec.keyring, f, scope=caller.scope)]
    return export(fmt, "credit-lists", "红黑名单", queries.LIST_COLUMNS, rows)


@router.get("/changes", operation_id="credit_list_changes")
def list_changes(
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    kind: KindQ = "",
    district: DivQ = "",
    grade: GradeQ = "",
    cause: CauseQ = "",
    subject: SubjectQ = None,
) -> Page[sch.ChangeOut]:
    """Grade changes of the subjects in scope, newest first."""
    f = queries.ChangeFilter(kind or None, district or None, grade or None, cause or None, subject)
    with uow.read() as conn:
        page = queries.list_changes(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[sch.ChangeOut(**i) for i in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/public", operation_id="credit_public_list")
def public_list(
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    kind: PublicKindQ = "",
    district: DivQ = "",
    list: ListQ = "",
    q: TextQ = "",
) -> Page[sch.PublicOrgOut]:
    """The public disclosure: organisations' grades and lists (individuals are never shown)."""
    f = public.PublicFilter(kind or None, district or None, list or None, q.strip() or None)
    with uow.read() as conn:
        page = public.list_public(conn, f, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[sch.PublicOrgOut.model_validate(i) for i in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/public/{credit_code}", operation_id="credit_public_org")
def public_org(uow: UowDep, caller: Public, credit_code: CodeP) -> sch.PublicOrgOut:
    """One organisation's grade and list entries (open and closed) by its credit code."""
    with uow.read() as conn:
        return sch.PublicOrgOut.model_validate(public.get_public(conn, credit_code))


@router.get("/public/{credit_code}/sanctions", operation_id="credit_public_sanctions")
def public_sanctions(uow: UowDep, caller: Public, paging: PagingDep, credit_code: CodeP) -> Page[sch.PublicSanctionOut]:
    """One organisation's sanctions (negative events, voided ones excluded), newest first."""
    with uow.read() as conn:
        page = public.public_sanctions(conn, credit_code, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[sch.PublicSanctionOut(**i) for i in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )
