"""Home flags as pages (房屋限制: 查封, 危房, 权属争议 …): staff list the flags of their streets, record one
on a home by its house code, and lift one after a confirmation. A flag in force bars listing
verification and lease filing (the registry's one restriction mechanism asks the rental context's
source). Thin: parse, call ``home_flags``, render or redirect."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, FieldError
from anju.rental import domain, home_flags
from anju.rental.http.deps import RentalHandle, RentalRead
from anju.rental.http.form_fields import parse_date
from anju.security import audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action, split_errors
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
FIELDS = ("house_code", "kind", "source", "reason", "since", "until")
DONE = {"recorded": "限制已登记，自开始日期起该房屋不能核验房源或备案租赁合同。", "lifted": "限制已解除。"}


@router.get("/rental/flags", response_class=HTMLResponse)
def flags_page(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    house_code: Annotated[str, Query(max_length=23)] = "",
    active: Annotated[Literal["", "1", "0"], Query()] = "1",
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """The flags of the caller's streets: in force by default, or lifted/expired, or all; by house code."""
    with uow.read() as conn:
        page = home_flags.list_flags(
            conn,
            scope=caller.scope,
            house_code=house_code.strip() or None,
            active=None if not active else active == "1",
            limit=paging.page_size,
            offset=paging.offset,
        )
    return render(
        request,
        "rental/flags.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        f={"house_code": house_code, "active": active},
        done=DONE.get(done),
    )


def _form(
    request: Request,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errs, rest = split_errors(errors or [], FIELDS)
    return render(
        request,
        "rental/flags_new.html",
        status_code=status_code,
        values=values,
        errs=errs,
        errors=rest,
        message=message,
        kinds=domain.FLAG_KINDS,
        sources=domain.FLAG_SOURCES,
    )


@router.get("/rental/flags/new", response_class=HTMLResponse)
def new_flag(
    request: Request, caller: RentalHandle, house_code: Annotated[str, Query(max_length=23)] = ""
) -> HTMLResponse:
    return _form(request, {"house_code": house_code, "kind": "seized", "source": "court"})


@router.post("/rental/flags/new", response_class=HTMLResponse)
def record_flag(
    request: Request,
    uow: UowDep,
    caller: RentalHandle,
    house_code: Annotated[str, Form(max_length=23)] = "",
    kind: Annotated[str, Form(max_length=16)] = "",
    source: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=400)] = "",
    since: Annotated[str, Form(max_length=10)] = "",
    until: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Record a flag; every problem is shown beside its field and nothing is written."""
    values = dict(house_code=house_code, kind=kind, source=source, reason=reason, since=since, until=until)
    errors: list[FieldError] = []
    start = parse_date(since, "since", errors, required=False)
    end = parse_date(until, "until", errors, required=False)
    if not reason.strip():
        errors.append(FieldError("reason", "请写明限制的依据（文书编号等）"))
    if errors:
        return _form(request, values, errors, status_code=422)
    cmd = home_flags.FlagIn(house_code.strip(), kind, source, reason, start, end)

    def write() -> None:
        with audited(uow, caller, "rental.flag_home", "rental_home_flag") as conn:
            set_audit_target(conn, home_flags.record_flag(conn, caller, cmd))

    def again(e: AnjuError) -> Response:
        return _form(request, values, e.errors, e.message, e.status_code)

    return form_action(write, done="/rental/flags?done=recorded", again=again)


@router.get("/rental/flags/{flag_id}/lift", response_class=HTMLResponse)
def lift_confirm(request: Request, uow: UowDep, caller: RentalHandle, flag_id: Id) -> HTMLResponse:
    """The confirmation before a flag is lifted: what it is, on which home, since when."""
    with uow.read() as conn:
        flag = home_flags.get_flag(conn, scope=caller.scope, flag_id=flag_id)
    return render(request, "rental/flags_lift.html", x=flag)


@router.post("/rental/flags/{flag_id}/lift", response_class=HTMLResponse)
def lift_flag(request: Request, uow: UowDep, caller: RentalHandle, flag_id: Id) -> Response:
    def write() -> None:
        with audited(uow, caller, "rental.lift_flag", "rental_home_flag", flag_id) as conn:
            home_flags.lift_flag(conn, caller, flag_id)

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            flag = home_flags.get_flag(conn, scope=caller.scope, flag_id=flag_id)
        return render(request, "rental/flags_lift.html", status_code=e.status_code, x=flag, message=e.message)

    return form_action(write, done="/rental/flags?done=lifted", again=again)
