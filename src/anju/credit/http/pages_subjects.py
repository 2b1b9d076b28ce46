"""The officers' credit pages (信用主体, 红黑名单, 等级变动) and the public disclosure (信用公示).

Officers' pages need ``credit.read`` and show only the subjects of the caller's streets (the one scope
mechanism); a person is shown masked. The public pages show organisations only. Thin: parse, call,
render.
"""

from __future__ import annotations

from typing import Annotated, Literal, TypedDict

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.credit import domain, public, public_draws, queries
from anju.credit.http.deps import CreditRead
from anju.credit.http.exports import export
from anju.security import Public, SecurityDep
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
KindQ = Annotated[str, Query(pattern="^(" + "|".join(domain.SUBJECT_TYPES) + ")?$")]
PublicKindQ = Annotated[str, Query(pattern="^(" + "|".join(public.PUBLIC_TYPES) + ")?$")]
CauseQ = Annotated[str, Query(pattern="^(" + "|".join(domain.GRADE_CAUSES) + ")?$")]
GradeQ = Annotated[Literal["", "A", "B", "C", "D"], Query()]
ListQ = Annotated[Literal["", "red", "black"], Query()]
OpenQ = Annotated[Literal["", "open", "closed"], Query()]
DivQ = Annotated[str, Query(pattern=r"^\d{0,12}$")]
TextQ = Annotated[str, Query(max_length=100)]
FmtQ = Annotated[Literal["csv", "xlsx"], Query()]
CodeP = Annotated[str, Path(pattern=r"^[0-9A-Za-z]{18}$")]


def _query(**kw: str | int | None) -> str:
    return "&".join(f"{k}={v}" for k, v in kw.items() if v)


class Labels(TypedDict):
    type_labels: dict[str, str]
    grade_labels: dict[str, str]
    list_labels: dict[str, str]
    cause_labels: dict[str, str]
    public_types: dict[str, str]


def _labels() -> Labels:
    return {
        "type_labels": domain.SUBJECT_TYPES,
        "grade_labels": domain.GRADE_LABELS,
        "list_labels": domain.LISTS,
        "cause_labels": domain.GRADE_CAUSES,
        # "org" is a type still to be synchronised: the public reads it as 其他机构
        "public_types": {k: "其他机构" if k == "org" else domain.SUBJECT_TYPES[k] for k in public.PUBLIC_TYPES},
    }


def _subject_filter(kind: str, grade: str, lst: str, district: str, street: str, q: str) -> queries.SubjectFilter:
    return queries.SubjectFilter(kind or None, grade or None, lst or None, district or None, street or None, q or None)


@router.get("/credit/subjects", response_class=HTMLResponse)
def subjects_page(
    request: Request,
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
) -> HTMLResponse:
    f = _subject_filter(kind, grade, list, district, street, q.strip())
    with uow.read() as conn:
        places = divisions.choices(conn)
        page = queries.list_subjects(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        names = divisions.names(conn, {c for i in page.items for c in (i["district_code"], i["street_code"]) if c})
    return render(
        request,
        "credit/subjects_list.html",
        places=places,
        items=page.items,
        names=names,
        f={"kind": kind, "grade": grade, "list": list, "district": district, "street": street, "q": q},
        export_query=_query(kind=kind, grade=grade, list=list, district=district, street=street, q=q),
        pager=pager(page.total, paging.page, paging.page_size),
        **_labels(),
    )


@router.get("/credit/subjects.export")
def subjects_export(
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
    f = _subject_filter(kind, grade, list, district, street, q.strip())
    with uow.read() as conn:
        rows = [*queries.export_subjects(conn, sec.keyring, f, scope=caller.scope)]
    return export(fmt, "credit-subjects", "信用主体", queries.SUBJECT_COLUMNS, rows)


@router.get("/credit/subjects/{subject_id}", response_class=HTMLResponse)
def subject_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: CreditRead, paging: PagingDep, subject_id: Id
) -> HTMLResponse:
    with uow.read() as conn:
        file = queries.get_subject(conn, sec.keyring, caller.scope, subject_id)
        events = queries.subject_events(conn, caller.scope, subject_id, limit=paging.page_size, offset=paging.offset)
        s = file["subject"]
        names = divisions.names(conn, {c for c in (s["district_code"], s["street_code"]) if c})
    return render(
        request,
        "credit/subject_detail.html",
        file=file,
        s=s,
        events=events.items,
        names=names,
        pager=pager(events.total, paging.page, paging.page_size),
        **_labels(),
    )


def _list_filter(lst: str, state: str, kind: str, district: str, subject: int | None) -> queries.ListFilter:
    is_open = {"open": True, "closed": False}.get(state)
    return queries.ListFilter(lst or None, is_open, kind or None, district or None, subject)


SubjectQ = Annotated[int | None, Query(ge=1, le=2**62)]


@router.get("/credit/lists", response_class=HTMLResponse)
def lists_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    list: ListQ = "",
    state: OpenQ = "",
    kind: KindQ = "",
    district: DivQ = "",
    subject: SubjectQ = None,
) -> HTMLResponse:
    f = _list_filter(list, state, kind, district, subject)
    with uow.read() as conn:
        places = divisions.choices(conn)
        page = queries.list_entries(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "credit/lists.html",
        places=places,
        items=page.items,
        f={"list": list, "state": state, "kind": kind, "district": district, "subject": subject or ""},
        export_query=_query(list=list, state=state, kind=kind, district=district, subject=subject),
        pager=pager(page.total, paging.page, paging.page_size),
        **_labels(),
    )


@router.get("/credit/lists.export")
def lists_export(
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


@router.get("/credit/changes", response_class=HTMLResponse)
def changes_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRead,
    paging: PagingDep,
    kind: KindQ = "",
    district: DivQ = "",
    grade: GradeQ = "",
    cause: CauseQ = "",
    subject: SubjectQ = None,
) -> HTMLResponse:
    f = queries.ChangeFilter(kind or None, district or None, grade or None, cause or None, subject)
    with uow.read() as conn:
        places = divisions.choices(conn)
        page = queries.list_changes(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "credit/changes.html",
        places=places,
        items=page.items,
        f={"kind": kind, "district": district, "grade": grade, "cause": cause, "subject": subject or ""},
        pager=pager(page.total, paging.page, paging.page_size),
        **_labels(),
    )


# ------------------------------------------------------------------------------- public (信用公示)


@router.get("/credit/public", response_class=HTMLResponse)
def public_page(
    request: Request,
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    kind: PublicKindQ = "",
    district: DivQ = "",
    list: ListQ = "",
    q: TextQ = "",
) -> HTMLResponse:
    f = public.PublicFilter(kind or None, district or None, list or None, q.strip() or None)
    with uow.read() as conn:
        places = divisions.choices(conn)
        page = public.list_public(conn, f, limit=paging.page_size, offset=paging.offset)
        synthetic = public.synthetic(conn)
        draws = public_draws.recent_draws(conn)
        codes = {i["district_code"] for i in page.items if i["district_code"]}
        names = divisions.names(conn, codes | {d["district_code"] for d in draws if d["district_code"]})
    return render(
        request,
        "credit/public_list.html",
        places=places,
        items=page.items,
        names=names,
        synthetic=synthetic,
        draws=draws,
        f={"kind": kind, "district": district, "list": list, "q": q},
        pager=pager(page.total, paging.page, paging.page_size),
        **_labels(),
    )


@router.get("/credit/public/{credit_code}", response_class=HTMLResponse)
def public_org_page(
    request: Request, uow: UowDep, caller: Public, paging: PagingDep, credit_code: CodeP
) -> HTMLResponse:
    with uow.read() as conn:
        org = public.get_public(conn, credit_code)
        sanctions = public.public_sanctions(conn, credit_code, limit=paging.page_size, offset=paging.offset)
        synthetic = public.synthetic(conn)
        names = divisions.names(conn, {org["district_code"]} if org["district_code"] else set())
    return render(
        request,
        "credit/public_detail.html",
        org=org,
        sanctions=sanctions.items,
        names=names,
        synthetic=synthetic,
        pager=pager(sanctions.total, paging.page, paging.page_size),
    )
