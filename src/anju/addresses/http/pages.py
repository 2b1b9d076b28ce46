"""Pages of the address fusion library: the clerical review queue and the parser's try-out page.

Thin: parse, call services, render. A decision is confirmed on a page of its own (no script: the
CSP allows none inline) and posted with the session's CSRF token; the queue then says what was done.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import Connection

from anju.addresses import linking, review
from anju.addresses.domain import COMPARISONS, COMPONENTS, STATUS_LABELS
from anju.addresses.http.deps import AddressParse, AddressRead, AddressReview
from anju.core.errors import AnjuError, ValidationError
from anju.security import Caller, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

MAX_PARSE_FORM = 200_000


def _int_or_none(name: str, value: str | None) -> int | None:
    if not value:
        return None
    if not value.isdigit() or len(value) > 18:
        raise ValidationError.of(name, "必须是正整数")
    return int(value)


def _record(conn: Connection, record_pk: int, caller: Caller) -> review.RecordDetail:
    return review.get_record(conn, record_pk, scope=caller.scope)


@router.get("/addresses/review", response_class=HTMLResponse)
def review_queue(
    request: Request,
    uow: UowDep,
    caller: AddressRead,
    paging: PagingDep,
    source: Annotated[str, Query(max_length=24)] = "",
    job: Annotated[str, Query(max_length=20)] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    done: Annotated[str, Query(max_length=20)] = "",
) -> HTMLResponse:
    """Undecided review records in the caller's scope, filtered by source, job and address text."""
    f = review.QueueFilter(source=source or None, job_id=_int_or_none("job", job), q=q or None)
    notice = None
    with uow.read() as conn:
        listed = review.list_records(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
        jobs = review.list_jobs(conn, limit=100, offset=0).items
        done_pk = _int_or_none("done", done)
        if done_pk is not None:
            try:
                notice = _record(conn, done_pk, caller)
            except AnjuError:
                notice = None
    return render(
        request,
        "addresses/review.html",
        records=listed.items,
        jobs=jobs,
        sources=sorted({j["source"] for j in jobs}),
        source=source,
        job=job,
        q=q,
        notice=notice,
        status_labels=STATUS_LABELS,
        pager=pager(listed.total, paging.page, paging.page_size),
    )


@router.get("/addresses/review/{record_id}", response_class=HTMLResponse)
def review_record(request: Request, uow: UowDep, caller: AddressRead, record_id: int) -> HTMLResponse:
    """The department's record on the left, each candidate home of the register on the right."""
    with uow.read() as conn:
        rec = _record(conn, record_id, caller)
    return render(
        request,
        "addresses/record.html",
        rec=rec,
        components=COMPONENTS,
        comparisons=COMPARISONS,
        status_labels=STATUS_LABELS,
    )


@router.get("/addresses/review/{record_id}/confirm", response_class=HTMLResponse)
def confirm_decision(
    request: Request,
    uow: UowDep,
    caller: AddressReview,
    record_id: int,
    house_code: Annotated[str, Query(max_length=23)] = "",
) -> HTMLResponse:
    """Asks once more before a decision is made: link to ``house_code``, or (empty) reject every candidate."""
    with uow.read() as conn:
        rec = _record(conn, record_id, caller)
    candidate = next((c for c in rec["candidates"] if c["house_code"] == house_code), None)
    if house_code and candidate is None:
        raise ValidationError.of("house_code", "不是这条记录的候选房屋")
    return render(request, "addresses/confirm.html", rec=rec, candidate=candidate, status_labels=STATUS_LABELS)


@router.post("/addresses/review/{record_id}/decision", response_class=RedirectResponse)
def post_decision(
    uow: UowDep,
    caller: AddressReview,
    record_id: int,
    accept: Annotated[bool, Form()],
    house_code: Annotated[str, Form(max_length=23)] = "",
) -> RedirectResponse:
    with audited(uow, caller, "address.decide", "address_record", record_id) as conn:
        review.decide(
            conn, record_id, house_code=house_code or None, accept=accept, scope=caller.scope, actor=caller.username
        )
    return RedirectResponse(f"/addresses/review?done={record_id}", status_code=303)


@router.get("/addresses/parse", response_class=HTMLResponse)
def parse_page(request: Request, caller: AddressParse) -> HTMLResponse:
    return render(request, "addresses/parse.html", text="", results=None, components=COMPONENTS)


@router.post("/addresses/parse", response_class=HTMLResponse)
def parse_form(
    request: Request, caller: AddressParse, text: Annotated[str, Form(max_length=MAX_PARSE_FORM)] = ""
) -> HTMLResponse:
    """Parse each non-empty line of the text area (the page shows one row per address)."""
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        results = [p.as_dict() for p in linking.parse_many(lines)]
    except ValidationError as e:
        return render(
            request,
            "addresses/parse.html",
            status_code=422,
            text=text,
            results=None,
            components=COMPONENTS,
            message=e.errors[0].reason if e.errors else e.message,
        )
    return render(request, "addresses/parse.html", text=text, results=results, components=COMPONENTS)
