"""Pages of credit events: the list (``credit.read``: filters, paging, CSV export) and the form by which
an officer records an event by hand (``credit.record``), confirmed on a page of its own — a person's
resident ID is turned into its blind index at once: the confirmation page carries the blind index back,
never the ID.

Thin: parse the form, call :mod:`anju.credit.manual`, render or redirect.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, TypedDict
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core import clock, csvout
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.credit import domain, manual
from anju.credit.catalogue import SOURCES, catalogue
from anju.credit.http.deps import CreditRead, CreditRecord
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

DateQ = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")]
SourceQ = Annotated[str, Query(max_length=24, pattern=r"^[a-z]*$")]
KindQ = Annotated[str, Query(max_length=40)]
DistrictQ = Annotated[str, Query(pattern=r"^(\d{6,12})?$")]
FIELDS = ("subject_type", "credit_code", "org_name", "id_number", "kind", "severity", "evidence", "occurred_on",
          "expires_on", "street_code", "note")  # fmt: skip


class Vocab(TypedDict):
    """What every events page shows labels from."""

    subject_types: dict[str, str]
    person_types: frozenset[str]
    manual_kinds: dict[str, str]
    all_kinds: dict[str, str]
    sources: dict[str, str]
    severities: dict[str, str]
    statuses: dict[str, str]


def _ctx() -> Vocab:
    return {
        "subject_types": domain.SUBJECT_TYPES,
        "person_types": domain.PERSON_TYPES,
        "manual_kinds": manual.manual_kinds(),
        "all_kinds": {k: v.label for k, v in catalogue().kinds.items()},
        "sources": SOURCES,
        "severities": domain.SEVERITY_LABELS,
        "statuses": manual.STATUSES,
    }


def _day(field: str, v: str) -> date | None:
    """A filter's date; an impossible one (``2026-02-30``) is the field's error (422), never a 500."""
    try:
        return date.fromisoformat(v) if v else None
    except ValueError:
        raise ValidationError.of(field, "不是有效的日期（格式 YYYY-MM-DD）") from None


def _filter(source: str, kind: str, date_from: str, date_to: str, district: str) -> manual.EventFilter:
    return manual.EventFilter(
        source or None, kind or None, _day("date_from", date_from), _day("date_to", date_to), district or None
    )


@router.get("/credit/events", response_class=HTMLResponse)
def events_page(
    request: Request,
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    source: SourceQ = "",
    kind: KindQ = "",
    date_from: DateQ = "",
    date_to: DateQ = "",
    district: DistrictQ = "",
    done: Annotated[Literal["", "recorded"], Query()] = "",
) -> HTMLResponse:
    """Credit events in the caller's scope, newest recorded first, with the export of the same filter."""
    f = _filter(source, kind, date_from, date_to, district)
    with uow.read() as conn:
        places = divisions.choices(conn)
        page = manual.list_events(conn, caller.scope, f, limit=paging.page_size, offset=paging.offset)
        names = divisions.names(conn, {i["street_code"] for i in page.items if i["street_code"]})
    values = {"source": source, "kind": kind, "date_from": date_from, "date_to": date_to, "district": district}
    return render(
        request,
        "credit/events.html",
        places=places,
        items=page.items,
        street_names=names,
        f=values,
        query=urlencode({k: v for k, v in values.items() if v}),
        done="信用事件已记录，并已写入可验证日志。" if done else None,
        pager=pager(page.total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/credit/events.csv")
def events_csv(
    uow: UowDep,
    caller: CreditRead,
    source: SourceQ = "",
    kind: KindQ = "",
    date_from: DateQ = "",
    date_to: DateQ = "",
    district: DistrictQ = "",
) -> Response:
    """The filtered events as CSV (UTF-8 with BOM; persons never named), at most 100 000 rows."""
    with uow.read() as conn:
        body = csvout.to_bytes(
            manual.EXPORT_HEADER,
            manual.export_rows(conn, caller.scope, _filter(source, kind, date_from, date_to, district)),
        )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": "attachment; filename=credit-events.csv"},
    )


def _form(
    request: Request,
    uow: Any,
    caller: Any,
    values: dict[str, Any],
    errors: list[FieldError],
    message: str | None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:  # the streets the caller may record in, to pick from
        places = [
            {**d, "streets": [x for x in d["streets"] if caller.scope.allows(x["code"])]}
            for d in divisions.choices(conn)
        ]
    return render(
        request,
        "credit/events_new.html",
        status_code=status_code,
        values=values,
        errors=errors,
        message=message,
        today=clock.today(),
        places=[d for d in places if d["streets"]],
        **_ctx(),
    )


@router.get("/credit/events/new", response_class=HTMLResponse)
def event_new(request: Request, uow: UowDep, caller: CreditRecord) -> HTMLResponse:
    """The form: subject, kind, severity, evidence, dates."""
    return _form(request, uow, caller, {"subject_type": "rental_enterprise", "kind": "good.award"}, [], None)


@router.post("/credit/events", response_class=HTMLResponse)
def event_post(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: CreditRecord,
    subject_type: Annotated[str, Form(max_length=20)] = "",
    credit_code: Annotated[str, Form(max_length=30)] = "",
    org_name: Annotated[str, Form(max_length=100)] = "",
    id_number: Annotated[str, Form(max_length=30)] = "",
    subject_token: Annotated[str, Form(max_length=400)] = "",
    kind: Annotated[str, Form(max_length=40)] = "",
    severity: Annotated[str, Form(max_length=8)] = "",
    evidence: Annotated[str, Form(max_length=64)] = "",
    occurred_on: Annotated[str, Form(max_length=10)] = "",
    expires_on: Annotated[str, Form(max_length=10)] = "",
    street_code: Annotated[str, Form(max_length=12)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    confirmed: Annotated[Literal["", "1"], Form()] = "",
) -> Any:
    """Check the event; the first post shows it on a confirmation page, whose button posts the same
    values (a person's sealed subject token instead of the ID) with ``confirmed=1``, which records it."""
    values = {"subject_type": subject_type, "credit_code": credit_code, "org_name": org_name, "kind": kind,
              "severity": severity, "evidence": evidence, "occurred_on": occurred_on, "expires_on": expires_on,
              "street_code": street_code, "note": note}  # fmt: skip
    try:
        days: dict[str, date | None] = {}
        for name, text in (("occurred_on", occurred_on), ("expires_on", expires_on)):
            try:
                days[name] = date.fromisoformat(text.strip()) if text.strip() else None
            except ValueError:
                raise ValidationError.of(name, "日期应为 YYYY-MM-DD") from None
        cmd = manual.ManualEventIn(subject_type, kind, evidence, days["occurred_on"], credit_code, id_number,
                                   severity, days["expires_on"], street_code, note, subject_token,
                                   org_name)  # fmt: skip
        with uow.read() as conn:
            checked = manual.check(sec.keyring, caller, cmd, conn)
        if confirmed != "1":
            return render(
                request,
                "credit/events_confirm.html",
                values=values,
                ev=checked.event,
                subject_label=checked.subject_label,
                subject_token=checked.subject_token,
                **_ctx(),
            )
        with audited(uow, caller, "credit.record_event", "credit_event") as conn:
            eid = manual.record(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, eid)
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return _form(request, uow, caller, values, e.errors, e.message, e.status_code)
    return RedirectResponse("/credit/events?done=recorded", status_code=303)
