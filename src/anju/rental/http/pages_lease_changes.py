"""Pages that change a filed lease, each confirmed on a page of its own first: early termination,
cancellation of the filing (by the parties, or by a supervisor), amendment and renewal.

Thin: parse the form, call a service; a refusal shows the confirmation page again with the errors
beside their fields (:func:`anju.web.forms.form_action`), success redirects (303) to the lease.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.rental import (
    domain,
    lease_changes,
    lease_drafting,
    leases,
)
from anju.rental.http.deps import RentalSign, RentalSupervise
from anju.rental.http.form_fields import parse_date, yuan_field
from anju.rental.http.pages_leases import Id, Text, labels_context, read_lease
from anju.security import Caller, SecurityDep, audited, set_audit_target
from anju.web.deps import SettingsDep, UowDep
from anju.web.forms import form_action, split_errors
from anju.web.templating import render

router = APIRouter(include_in_schema=False)

CONFIRM_TITLES = {
    "terminate": "提前解除租赁合同",
    "cancel": "注销租赁合同备案",
    "staff_cancel": "注销租赁合同备案",
    "amend": "变更租赁合同",
    "renew": "续租",
}
#: Fields of the confirmation pages' forms (an error on one is shown next to it).
CONFIRM_FIELDS = ("ended_on", "reason", "rent_yuan", "deposit_yuan", "end_on", "effective_on", "extra_clauses",
                  "payment_cycle")  # fmt: skip
ALIASES = {"rent_fen": "rent_yuan", "deposit_fen": "deposit_yuan", "lease": "", "landlord": ""}


def _confirm_page(
    request: Request,
    lease: leases.LeaseDetail,
    action: str,
    *,
    values: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    by_field, rest = split_errors(errors or [], CONFIRM_FIELDS, ALIASES)
    return render(
        request,
        "rental/leases_confirm.html",
        status_code=status_code,
        lease=lease,
        action=action,
        title=CONFIRM_TITLES[action],
        values=values or {},
        errs=by_field,
        errors=rest,
        message=message,
        today=clock.today(),
        **labels_context(),
    )


def _confirm_error(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    lease_id: int,
    action: str,
    values: dict[str, str],
    e: AnjuError,
) -> HTMLResponse:
    """The confirmation page again, with what was typed and the refusal next to its fields."""
    lease = read_lease(uow, sec, caller, lease_id)
    return _confirm_page(
        request, lease, action, values=values, errors=e.errors, message=e.message, status_code=e.status_code
    )


@router.get("/rental/me/leases/{lease_id}/terminate", response_class=HTMLResponse)
def terminate_confirm(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Any:
    """Early termination (提前解除): the date and the reason, confirmed on a page of its own."""
    return _confirm_page(request, read_lease(uow, sec, caller, lease_id), "terminate")


@router.post("/rental/me/leases/{lease_id}/terminate", response_class=HTMLResponse)
def terminate(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    ended_on: Annotated[str, Form(max_length=10)] = "",
    reason: Text = "",
) -> Any:
    errors: list[FieldError] = []
    day = parse_date(ended_on, "ended_on", errors)
    if not reason.strip():
        errors.append(FieldError("reason", "请说明原因"))

    def write() -> None:
        if errors or day is None:
            raise ValidationError("请更正标出的内容", errors)
        with audited(uow, caller, "rental.lease.terminate", "lease", lease_id) as conn:
            lease_changes.terminate(conn, settings, caller, lease_id, day, reason)

    def again(e: AnjuError) -> Response:
        values = {"ended_on": ended_on, "reason": reason}
        return _confirm_error(request, uow, sec, caller, lease_id, "terminate", values, e)

    return form_action(write, done=f"/rental/me/leases/{lease_id}?done=terminated", again=again)


@router.get("/rental/me/leases/{lease_id}/cancel", response_class=HTMLResponse)
def cancel_confirm(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Any:
    """备案注销 by both parties: the first asks (with a reason), the other confirms — on this page."""
    return _confirm_page(request, read_lease(uow, sec, caller, lease_id), "cancel")


@router.post("/rental/me/leases/{lease_id}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    reason: Text = "",
) -> Any:
    def write() -> str:
        with audited(uow, caller, "rental.lease.cancel", "lease", lease_id) as conn:
            result = lease_changes.cancel_by_parties(conn, settings, caller, lease_id, reason)
        return result

    def again(e: AnjuError) -> Response:
        return _confirm_error(request, uow, sec, caller, lease_id, "cancel", {"reason": reason}, e)

    def redirect_to(result: str) -> str:
        done = "cancelled" if result == "cancelled" else "cancel_requested"
        return f"/rental/me/leases/{lease_id}?done={done}"

    return form_action(write, done=redirect_to, again=again)


def _date_or_none(text: str, field: str, errors: list[FieldError]) -> date | None:
    return parse_date(text, field, errors) if text.strip() else None


@router.get("/rental/me/leases/{lease_id}/amend", response_class=HTMLResponse)
def amend_confirm(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Any:
    """A change of a filed lease (rent, end date, extra clauses): one party proposes it here, the
    other sees the proposal on this page and agrees to it as it stands."""
    return _confirm_page(request, read_lease(uow, sec, caller, lease_id), "amend")


@router.post("/rental/me/leases/{lease_id}/amend", response_class=HTMLResponse)
def amend(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    rent_yuan: Annotated[str, Form(max_length=20)] = "",
    end_on: Annotated[str, Form(max_length=10)] = "",
    effective_on: Annotated[str, Form(max_length=10)] = "",
    extra_clauses: Annotated[str, Form(max_length=6000)] = "",
    change_clauses: Annotated[str, Form(max_length=1)] = "",
) -> Any:
    values = {"rent_yuan": rent_yuan, "end_on": end_on, "effective_on": effective_on, "extra_clauses": extra_clauses,
              "change_clauses": change_clauses}  # fmt: skip
    errors: list[FieldError] = []
    cmd = leases.AmendIn(
        rent_fen=yuan_field(rent_yuan, "rent_yuan", errors, required=False),
        end_on=_date_or_none(end_on, "end_on", errors),
        extra_clauses=[x.strip() for x in extra_clauses.splitlines() if x.strip()] if change_clauses else None,
        effective_on=_date_or_none(effective_on, "effective_on", errors),
    )
    if not errors and cmd.rent_fen is None and cmd.end_on is None and cmd.extra_clauses is None:
        errors.append(FieldError("rent_yuan", "请至少填写一项变更：月租金、租期最后一天或补充条款"))

    def write() -> str:
        if errors:
            raise ValidationError("请更正标出的内容", errors)
        with audited(uow, caller, "rental.lease.amend", "lease", lease_id) as conn:
            result = lease_changes.amend(conn, settings, caller, lease_id, cmd)
        return result

    def again(e: AnjuError) -> Response:
        return _confirm_error(request, uow, sec, caller, lease_id, "amend", values, e)

    def redirect_to(result: str) -> str:
        done = "amended" if result == "amended" else "amend_proposed"
        return f"/rental/me/leases/{lease_id}?done={done}"

    return form_action(write, done=redirect_to, again=again)


@router.get("/rental/me/leases/{lease_id}/renew", response_class=HTMLResponse)
def renew_confirm(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Any:
    """续租 by the landlord side: a new draft from the day after this lease's end, between the same
    parties on the same home; it is signed and filed like any lease."""
    return _confirm_page(request, read_lease(uow, sec, caller, lease_id), "renew")


@router.post("/rental/me/leases/{lease_id}/renew", response_class=HTMLResponse)
def renew(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    end_on: Annotated[str, Form(max_length=10)] = "",
    rent_yuan: Annotated[str, Form(max_length=20)] = "",
    deposit_yuan: Annotated[str, Form(max_length=20)] = "",
    payment_cycle: Annotated[str, Form(max_length=12)] = "",
) -> Any:
    values = {"end_on": end_on, "rent_yuan": rent_yuan, "deposit_yuan": deposit_yuan, "payment_cycle": payment_cycle}
    errors: list[FieldError] = []
    end = parse_date(end_on, "end_on", errors)
    rent = yuan_field(rent_yuan, "rent_yuan", errors, required=False)
    deposit = yuan_field(deposit_yuan, "deposit_yuan", errors, required=False)
    if payment_cycle and payment_cycle not in {c.value for c in domain.PaymentCycle}:
        errors.append(FieldError("payment_cycle", "请选择支付周期"))

    def write() -> int:
        if errors or end is None:
            raise ValidationError("请更正标出的内容", errors)
        with audited(uow, caller, "rental.lease.renew", "lease", lease_id) as conn:
            new_id = lease_drafting.renew_lease(
                conn, sec.keyring, settings, caller, lease_id,
                end_on=end, rent_fen=rent, deposit_fen=deposit, payment_cycle=payment_cycle or None,
            )  # fmt: skip
            set_audit_target(conn, new_id)
        return new_id

    def again(e: AnjuError) -> Response:
        return _confirm_error(request, uow, sec, caller, lease_id, "renew", values, e)

    def redirect_to(new_id: int) -> str:
        return f"/rental/me/leases/{new_id}?done=created"

    return form_action(write, done=redirect_to, again=again)


@router.get("/rental/staff/leases/{lease_id}/cancel", response_class=HTMLResponse)
def staff_cancel_confirm(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSupervise, lease_id: Id) -> Any:
    """注销备案 by a supervisor, confirmed with a reason on a page of its own."""
    return _confirm_page(request, read_lease(uow, sec, caller, lease_id), "staff_cancel")


@router.post("/rental/staff/leases/{lease_id}/cancel", response_class=HTMLResponse)
def staff_cancel(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSupervise,
    lease_id: Id,
    reason: Text = "",
) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.lease.cancel", "lease", lease_id) as conn:
            lease_changes.cancel_by_supervisor(conn, settings, caller, lease_id, reason)

    def again(e: AnjuError) -> Response:
        return _confirm_error(request, uow, sec, caller, lease_id, "staff_cancel", {"reason": reason}, e)

    return form_action(write, done=f"/rental/staff/leases/{lease_id}?done=cancelled", again=again)
