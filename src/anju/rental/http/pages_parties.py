"""Pages of filed parties: the enterprise/agency page (its filing, practitioners and the entrustments it
holds), the owner's entrustments, and the supervisors' list and detail with suspend / reinstate /
revoke, each confirmed on a page of its own (no inline script under the CSP).

Thin: parse the form, call a service, render or redirect.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from anju import divisions
from anju.core import clock, money
from anju.core.errors import AnjuError, FieldError, NotFound, ValidationError
from anju.rental import domain, entrustments, parties
from anju.rental.http.deps import RentalParty, RentalPublish, RentalRead, RentalSupervise
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
PARTY_FIELDS = (
    "kind", "credit_code", "name", "business_scope", "registered_capital_yuan", "legal_rep_name",
    "address", "street_code", "escrow_bank", "escrow_account_no",
)  # fmt: skip
DONE = {
    "filed": "备案已提交。",
    "amended": "备案信息已变更。",
    "added": "从业人员已登记。",
    "left": "已办理离职。",
    "entrusted": "委托已登记。",
    "revoked": "委托已撤销。",
    "suspend": "已暂停该主体的备案。",
    "reinstate": "已恢复该主体的备案。",
    "revoke": "已撤销该主体的备案。",
}


def _ctx() -> dict[str, Any]:
    return {
        "kind_labels": {k.value: v for k, v in domain.PARTY_KIND_LABELS.items()},
        "status_labels": {k.value: v for k, v in domain.PARTY_STATUS_LABELS.items()},
        "positions": domain.PRACTITIONER_POSITIONS,
        "action_labels": domain.PARTY_ACTION_LABELS,
        "done_labels": DONE,
    }


def _streets(conn: Any) -> list[Any]:
    return divisions.by_level(conn, "street")


def _party_cmd(form: FormData) -> parties.PartyIn:
    def get(name: str) -> str:
        v = form.get(name)
        return v if isinstance(v, str) else ""

    try:
        cap = money.yuan_to_fen(get("registered_capital_yuan"), "registered_capital_fen")
    except ValidationError:
        cap = 0  # the service names the field
    return parties.PartyIn(
        kind=get("kind"),
        credit_code=get("credit_code"),
        name=get("name"),
        business_scope=get("business_scope"),
        registered_capital_fen=cap,
        legal_rep_name=get("legal_rep_name"),
        legal_rep_id=get("legal_rep_id"),
        address=get("address"),
        street_code=get("street_code"),
        escrow_bank=get("escrow_bank") or None,
        escrow_account_no=get("escrow_account_no") or None,
    )


def _my_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Any,
    paging: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    with uow.read() as conn:
        try:
            party: parties.PartyDetail | None = parties.my_party(conn, sec.keyring, caller)
        except NotFound:
            party = None
        practitioners: Sequence[parties.Practitioner] = []
        total = 0
        entrusted: Sequence[entrustments.EntrustmentView] = []
        if party is not None:
            page = parties.list_practitioners(
                conn, sec.keyring, party["id"], status=None, limit=paging.page_size, offset=paging.offset
            )
            total, practitioners = page.total, page.items
            entrusted = entrustments.my_entrustments(conn, caller, side="agent", limit=50, offset=0).items
        streets = _streets(conn)
    if values is None and party is not None:
        values = {k: party.get(k) for k in PARTY_FIELDS} | {
            "registered_capital_yuan": f"{party['registered_capital_fen'] / 100:.2f}"
        }
    return render(
        request,
        "rental/parties_mine.html",
        status_code=status_code,
        party=party,
        practitioners=practitioners,
        entrusted=entrusted,
        streets=streets,
        values=values or {"credit_code": ""},
        errors=errors or [],
        message=message,
        done=DONE.get(done),
        today=clock.today(),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/rental/me/party", response_class=HTMLResponse)
def my_party(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalParty,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """The enterprise/agency page: its filing (or the filing form), practitioners, entrustments held."""
    return _my_page(request, uow, sec, caller, paging, done=done)


@router.post("/rental/me/party", response_class=HTMLResponse)
async def my_party_post(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalParty, paging: PagingDep) -> Any:
    """File the organisation, or amend its filing when it is already filed."""
    form = await request.form()
    cmd = _party_cmd(form)
    values = {k: v for k, v in form.items() if isinstance(v, str) and k in PARTY_FIELDS}
    try:
        with uow.read() as conn:
            filed = caller.account_id is not None and parties.party_for_account(conn, caller.account_id) is not None
        action = "amend_party" if filed else "file_party"
        with audited(uow, caller, f"rental.{action}", "rental_party") as conn:
            pid = (parties.amend_party if filed else parties.file_party)(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, pid)
    except AnjuError as e:
        return _my_page(
            request,
            uow,
            sec,
            caller,
            paging,
            values=values,
            errors=e.errors,
            message=e.message,
            status_code=e.status_code,
        )
    return RedirectResponse(f"/rental/me/party?done={'amended' if filed else 'filed'}", status_code=303)


@router.post("/rental/me/party/practitioners", response_class=HTMLResponse)
def add_practitioner(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalParty,
    paging: PagingDep,
    name: Annotated[str, Form(max_length=40)],
    id_number: Annotated[str, Form(max_length=20)],
    practice_no: Annotated[str, Form(max_length=24)],
    position: Annotated[str, Form(max_length=12)],
) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.add_practitioner", "rental_practitioner") as conn:
            pid = parties.add_practitioner(
                conn, sec.keyring, caller, parties.PractitionerIn(name, id_number, practice_no, position)
            )
            set_audit_target(conn, pid)

    def again(e: AnjuError) -> Response:
        return _my_page(
            request, uow, sec, caller, paging, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done="/rental/me/party?done=added", again=again)


@router.post("/rental/me/party/practitioners/{practitioner_id}/left", response_class=HTMLResponse)
def practitioner_left(
    request: Request, uow: UowDep, sec: SecurityDep, caller: RentalParty, paging: PagingDep, practitioner_id: Id
) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.practitioner_left", "rental_practitioner", practitioner_id) as conn:
            parties.practitioner_left(conn, caller, practitioner_id)

    def again(e: AnjuError) -> Response:
        return _my_page(
            request, uow, sec, caller, paging, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done="/rental/me/party?done=left", again=again)


# ------------------------------------------------------------------------------------- entrustments


def _entrustments_page(
    request: Request,
    uow: UowDep,
    caller: Any,
    paging: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    with uow.read() as conn:
        page = entrustments.my_entrustments(conn, caller, side=None, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
    return render(
        request,
        "rental/parties_entrustments.html",
        status_code=status_code,
        items=items,
        values=values or {},
        errors=errors or [],
        message=message,
        done=DONE.get(done),
        today=clock.today(),
        pager=pager(total, paging.page, paging.page_size),
    )


@router.get("/rental/entrustments", response_class=HTMLResponse)
def entrustments_page(
    request: Request,
    uow: UowDep,
    caller: RentalPublish,
    paging: PagingDep,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """The owner's entrustments (granted and received) and the form to entrust a home or a room."""
    return _entrustments_page(request, uow, caller, paging, done=done)


@router.post("/rental/entrustments", response_class=HTMLResponse)
def entrust(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalPublish,
    paging: PagingDep,
    house_code: Annotated[str, Form(max_length=23)],
    valid_from: Annotated[date, Form()],
    valid_to: Annotated[date, Form()],
    room_code: Annotated[str, Form(max_length=26)] = "",
    agent_username: Annotated[str, Form(max_length=40)] = "",
    agent_credit_code: Annotated[str, Form(max_length=24)] = "",
) -> Any:
    cmd = entrustments.EntrustmentIn(
        house_code, valid_from, valid_to, room_code or None, agent_username or None, agent_credit_code or None
    )
    try:
        with audited(uow, caller, "rental.entrust", "rental_entrustment") as conn:
            set_audit_target(conn, entrustments.entrust(conn, sec.keyring, caller, cmd))
    except AnjuError as e:
        values = {
            "house_code": house_code,
            "room_code": room_code,
            "agent_username": agent_username,
            "agent_credit_code": agent_credit_code,
            "valid_from": valid_from,
            "valid_to": valid_to,
        }
        return _entrustments_page(
            request, uow, caller, paging, values=values, errors=e.errors, message=e.message, status_code=e.status_code
        )
    return RedirectResponse("/rental/entrustments?done=entrusted", status_code=303)


@router.get("/rental/entrustments/{entrustment_id}/revoke", response_class=HTMLResponse)
def revoke_confirm(request: Request, uow: UowDep, caller: RentalPublish, entrustment_id: Id) -> HTMLResponse:
    with uow.read() as conn:
        items = entrustments.my_entrustments(conn, caller, side="owner", limit=10_000, offset=0).items
    item = next((i for i in items if i["id"] == entrustment_id), None)
    if item is None:
        raise NotFound(f"委托 {entrustment_id} 不存在")
    return render(request, "rental/parties_entrustment_revoke.html", item=item)


@router.post("/rental/entrustments/{entrustment_id}/revoke", response_class=HTMLResponse)
def revoke(request: Request, uow: UowDep, caller: RentalPublish, paging: PagingDep, entrustment_id: Id) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.revoke_entrustment", "rental_entrustment", entrustment_id) as conn:
            entrustments.revoke_entrustment(conn, caller, entrustment_id)

    def again(e: AnjuError) -> Response:
        return _entrustments_page(request, uow, caller, paging, message=e.message, status_code=e.status_code)

    return form_action(write, done="/rental/entrustments?done=revoked", again=again)


# -------------------------------------------------------------------------------------- supervisors


@router.get("/rental/parties", response_class=HTMLResponse)
def parties_list(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    paging: PagingDep,
    kind: Annotated[Literal["", "enterprise", "agency"], Query()] = "",
    status: Annotated[Literal["", "filed", "suspended", "revoked"], Query()] = "",
    street: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    q: Annotated[str, Query(max_length=100)] = "",
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    """Filed parties of the caller's streets with filters, paginated, exportable as CSV."""
    f = parties.PartyFilter(kind or None, status or None, street or None, q.strip() or None)
    with uow.read() as conn:
        page = parties.list_parties(
            conn, sec.keyring, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
        names = divisions.names(conn, {i["street_code"] for i in items})
    query = "&".join(f"{k}={v}" for k, v in (("kind", kind), ("status", status), ("street", street), ("q", q)) if v)
    return render(
        request,
        "rental/parties_list.html",
        items=items,
        street_names=names,
        f={"kind": kind, "status": status, "street": street, "q": q},
        csv_query=query,
        done=DONE.get(done),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/rental/parties/{party_id}", response_class=HTMLResponse)
def party_detail(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    paging: PagingDep,
    party_id: Id,
    done: Annotated[str, Query(max_length=24)] = "",
) -> HTMLResponse:
    with uow.read() as conn:
        party = parties.get_party(conn, sec.keyring, caller.scope, party_id)
        page = parties.list_practitioners(
            conn, sec.keyring, party_id, status=None, limit=paging.page_size, offset=paging.offset
        )
        total, practitioners = page.total, page.items
        names = divisions.names(conn, {party["street_code"], party["district_code"]})
    return render(
        request,
        "rental/parties_detail.html",
        party=party,
        practitioners=practitioners,
        names=names,
        done=DONE.get(done),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


@router.get("/rental/parties/{party_id}/confirm", response_class=HTMLResponse)
def party_confirm(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSupervise,
    party_id: Id,
    action: Annotated[Literal["suspend", "reinstate", "revoke"], Query()] = "suspend",
) -> HTMLResponse:
    with uow.read() as conn:
        party = parties.get_party(conn, sec.keyring, caller.scope, party_id)
    return render(request, "rental/parties_confirm.html", party=party, action=action, **_ctx())


@router.post("/rental/parties/{party_id}/status", response_class=HTMLResponse)
def party_status(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSupervise,
    party_id: Id,
    action: Annotated[Literal["suspend", "reinstate", "revoke"], Form()],
    reason: Annotated[str, Form(max_length=200)] = "",
) -> Any:
    def write() -> None:
        with audited(uow, caller, f"rental.{action}_party", "rental_party", party_id) as conn:
            parties.supervise(conn, sec.keyring, caller, party_id, action, reason)

    def again(e: AnjuError) -> Response:
        with uow.read() as conn:
            party = parties.get_party(conn, sec.keyring, caller.scope, party_id)
        return render(
            request,
            "rental/parties_confirm.html",
            status_code=e.status_code,
            party=party,
            action=action,
            message=e.message,
            errors=e.errors,
            reason=reason,
            **_ctx(),
        )

    return form_action(write, done=f"/rental/parties/{party_id}?done={action}", again=again)
