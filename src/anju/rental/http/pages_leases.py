"""Pages of leases (网签备案): the parties' own leases (list, drafting form, the lease with signing,
filing and the tenant's escrow statement), the supervisors' list and detail, and the public filing
check the contract's QR code leads to. The changes of a filed lease (termination, cancellation,
amendment, renewal), each confirmed first, are :mod:`anju.rental.http.pages_lease_changes`.

Thin: parse the form, call a service, render or redirect (303). Filing carries an idempotency key
generated when its form is rendered, so a double submit is one filing.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions, ledger
from anju.core.errors import AnjuError, FieldError, NotFound, ValidationError
from anju.rental import (
    domain,
    escrow,
    escrow_statements,
    idempotency,
    lease_drafting,
    lease_filing,
    leases,
    listing_queries,
)
from anju.rental.http.deps import RentalRead, RentalSign
from anju.rental.http.form_fields import parse_date, parse_int, yuan_field
from anju.security import Caller, Public, SecurityDep, audited, ledger_signing_seed, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action, split_errors
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
StatusQ = Annotated[Literal["", "draft", "signing", "signed", "filed", "terminated", "expired", "cancelled"], Query()]
Done = Annotated[str, Query(max_length=24)]
Text = Annotated[str, Form(max_length=200)]
DONE = {
    "created": "合同已起草。请签署，并请承租人登录平台签署。",
    "signed": "已签署。",
    "filed": "合同已备案。",
    "terminated": "合同已解除，监管资金按规定退还。",
    "cancel_requested": "已申请注销备案，等待对方确认。",
    "cancelled": "备案已注销。",
    "paid": "缴存已登记。",
    "amend_proposed": "变更已提出，等待对方同意。",
    "amended": "合同已变更，变更记入可验证日志。",
}
EVENT_LABELS = {
    "created": "起草",
    "signed": "签署",
    "filed": "备案",
    "proposed": "提出变更",
    "amended": "变更",
    "terminated": "提前解除",
    "cancel_asked": "申请注销备案",
    "cancelled": "注销备案",
    "renewed": "续租",
    "expired": "期满",
}
#: The drafting form's fields; a service error on ``rent_fen`` is shown next to ``rent_yuan`` and so on.
LEASE_FIELDS = (
    "listing_id", "home_id", "room_id", "tenant_name", "tenant_id_number", "tenant_username", "start_on", "end_on",
    "rent_yuan", "deposit_yuan", "payment_cycle", "occupants", "use", "extra_clauses",
)  # fmt: skip
ALIASES = {"rent_fen": "rent_yuan", "deposit_fen": "deposit_yuan", "lease": "", "landlord": ""}


def labels_context() -> dict[str, Any]:
    return {
        "status_labels": {k.value: v for k, v in domain.LEASE_STATUS_LABELS.items()},
        "cycle_labels": {k.value: v for k, v in domain.CYCLE_LABELS.items()},
        "event_labels": EVENT_LABELS,
        "side_labels": domain.SIDE_LABELS,
        "schedule_labels": domain.SCHEDULE_LABELS,
        "journal_labels": domain.JOURNAL_KINDS,
        "uses": domain.LEASE_USES,
    }


# ------------------------------------------------------------------------------------------ the parties


@router.get("/rental/me/leases", response_class=HTMLResponse)
def my_leases(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSign,
    paging: PagingDep,
    status: StatusQ = "",
    done: Done = "",
) -> HTMLResponse:
    """The caller's leases, as landlord side (or its party's) or as tenant, newest first."""
    with uow.read() as conn:
        page = leases.list_leases(
            conn, sec.keyring, caller, leases.LeaseFilter(status=status or None), limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
        total, items = page.total, page.items
    return render(
        request,
        "rental/leases_mine.html",
        items=items,
        total=total,
        status=status,
        done=DONE.get(done),
        pager=pager(total, paging.page, paging.page_size),
        **labels_context(),
    )


def _my_listings(conn: Any, caller: Caller, days: int) -> list[listing_queries.ListingView]:
    """The caller's listings a lease may be drafted on (verified or published)."""
    out: list[listing_queries.ListingView] = []
    for status in (domain.ListingStatus.published, domain.ListingStatus.verified):
        try:
            items = listing_queries.my_listings(conn, caller, days, status=status, limit=100, offset=0).items
        except AnjuError:
            return []
        out += items
    return out


def _new_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: Caller,
    *,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    by_field, rest = split_errors(errors or [], LEASE_FIELDS, ALIASES)
    with uow.read() as conn:
        own_listings = _my_listings(conn, caller, settings.rental_verify_code_days)
    return render(
        request,
        "rental/leases_new.html",
        status_code=status_code,
        values=values,
        errs=by_field,
        errors=rest,
        message=message,
        own_listings=own_listings,
        max_clauses=domain.MAX_EXTRA_CLAUSES,
        **labels_context(),
    )


@router.get("/rental/me/leases/new", response_class=HTMLResponse)
def new_lease(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalSign,
    listing_id: Annotated[str, Query(pattern=r"^\d{0,18}$")] = "",
    home_id: Annotated[str, Query(pattern=r"^\d{0,18}$")] = "",
) -> HTMLResponse:
    """The drafting form (示范文本): on one's verified listing, or directly on an owned/entrusted home."""
    values = {"listing_id": listing_id, "home_id": home_id, "payment_cycle": "monthly", "occupants": "1", "use": "居住"}
    return _new_page(request, uow, settings, caller, values=values)


@router.post("/rental/me/leases/new", response_class=HTMLResponse)
def create_lease(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    listing_id: Annotated[str, Form(max_length=20)] = "",
    home_id: Annotated[str, Form(max_length=20)] = "",
    room_id: Annotated[str, Form(max_length=20)] = "",
    tenant_name: Annotated[str, Form(max_length=40)] = "",
    tenant_id_number: Annotated[str, Form(max_length=20)] = "",
    tenant_username: Annotated[str, Form(max_length=40)] = "",
    start_on: Annotated[str, Form(max_length=10)] = "",
    end_on: Annotated[str, Form(max_length=10)] = "",
    rent_yuan: Annotated[str, Form(max_length=20)] = "",
    deposit_yuan: Annotated[str, Form(max_length=20)] = "",
    payment_cycle: Annotated[str, Form(max_length=12)] = "monthly",
    occupants: Annotated[str, Form(max_length=4)] = "1",
    use: Annotated[str, Form(max_length=16)] = "居住",
    extra_clauses: Annotated[str, Form(max_length=6000)] = "",
) -> Any:
    """Draft the lease; every problem is shown next to its field and nothing is written."""
    # the resident ID is never echoed back: it is typed again
    values = {
        "listing_id": listing_id, "home_id": home_id, "room_id": room_id, "tenant_name": tenant_name,
        "tenant_username": tenant_username, "start_on": start_on, "end_on": end_on, "rent_yuan": rent_yuan,
        "deposit_yuan": deposit_yuan, "payment_cycle": payment_cycle, "occupants": occupants, "use": use,
        "extra_clauses": extra_clauses,
    }  # fmt: skip
    errors: list[FieldError] = []
    start, end = parse_date(start_on, "start_on", errors), parse_date(end_on, "end_on", errors)
    rent = yuan_field(rent_yuan, "rent_yuan", errors) or 0
    deposit = yuan_field(deposit_yuan, "deposit_yuan", errors, required=False) or 0
    people = parse_int(occupants, "occupants", errors, required=True)
    lid = parse_int(listing_id, "listing_id", errors)
    hid, rid = parse_int(home_id, "home_id", errors), parse_int(room_id, "room_id", errors)
    if lid is not None and hid is not None:
        errors.append(FieldError("home_id", "已选择房源时不填房屋编号"))
    if errors or start is None or end is None or people is None:
        return _new_page(request, uow, settings, caller, values=values, errors=errors, status_code=422)
    cmd = leases.LeaseIn(
        tenant_name=tenant_name,
        tenant_id_number=tenant_id_number,
        start_on=start,
        end_on=end,
        rent_fen=rent,
        deposit_fen=deposit,
        payment_cycle=payment_cycle,
        occupants=people,
        use=use,
        listing_id=lid,
        home_id=hid,
        room_id=rid,
        tenant_username=tenant_username.strip() or None,
        extra_clauses=tuple(line.strip() for line in extra_clauses.splitlines() if line.strip()),
    )

    def write() -> int:
        with audited(uow, caller, "rental.lease.create", "lease") as conn:
            lease_id = lease_drafting.create_lease(conn, sec.keyring, settings, caller, cmd)
            set_audit_target(conn, lease_id)
        return lease_id

    def again(e: AnjuError) -> Response:
        return _new_page(
            request, uow, settings, caller, values=values, errors=e.errors, message=e.message, status_code=e.status_code
        )

    def redirect_to(lease_id: int) -> str:
        return f"/rental/me/leases/{lease_id}?done=created"

    return form_action(write, done=redirect_to, again=again)


def _detail_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    lease_id: int,
    *,
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
    done: str = "",
) -> HTMLResponse:
    with uow.read() as conn:
        lease = leases.get_lease(conn, sec.keyring, caller, lease_id)
        statement = None
        if lease["side"] == "tenant" and lease["escrow_required"] and lease["filing_no"]:
            try:
                statement = escrow_statements.lease_statement(conn, caller, lease_id)
            except NotFound:  # signed under another account of the same person
                statement = None
    pending = lease["pending_cancel"]
    return render(
        request,
        "rental/leases_detail.html",
        status_code=status_code,
        lease=lease,
        statement=statement if statement and statement["supervised"] else None,
        ledger_key=ledger.published_key(ledger_signing_seed(sec.settings)),
        can_sign=lease["status"] in ("draft", "signing")
        and (lease["landlord_signed_at"] if lease["side"] == "landlord" else lease["tenant_signed_at"]) is None,
        # a fresh key per rendering of the filing form: submitting that form twice is one filing
        idem_key=secrets.token_urlsafe(24) if lease["status"] == "signed" else None,
        other_asked_cancel=pending is not None and pending["by"] != lease["side"],
        message=message,
        errors=errors or [],
        done=DONE.get(done),
        **labels_context(),
    )


@router.get("/rental/me/leases/{lease_id}", response_class=HTMLResponse)
def my_lease(
    request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id, done: Done = ""
) -> HTMLResponse:
    """One's lease: parties (masked), terms, clauses, events and what one may do next."""
    return _detail_page(request, uow, sec, caller, lease_id, done=done)


@router.post("/rental/me/leases/{lease_id}/sign", response_class=HTMLResponse)
def sign(request: Request, uow: UowDep, sec: SecurityDep, caller: RentalSign, lease_id: Id) -> Any:
    def write() -> None:
        with audited(uow, caller, "rental.lease.sign", "lease", lease_id) as conn:
            lease_drafting.sign(conn, caller, lease_id)

    def again(e: AnjuError) -> Response:
        return _detail_page(
            request, uow, sec, caller, lease_id, message=e.message, errors=e.errors, status_code=e.status_code
        )

    return form_action(write, done=f"/rental/me/leases/{lease_id}?done=signed", again=again)


@router.post("/rental/me/leases/{lease_id}/file", response_class=HTMLResponse)
def file_lease(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: RentalSign,
    lease_id: Id,
    idempotency_key: Annotated[str, Form(max_length=80)] = "",
) -> Any:
    """File (备案) with the key of the rendered form: the same form sent again is the same filing."""

    def write() -> None:
        key = idempotency.check_key(idempotency_key)
        assert caller.account_id is not None
        digest = idempotency.request_hash(leases.FILE_OPERATION, lease_id, {})
        with uow.read() as conn:  # a replay is answered without taking any lock
            stored = idempotency.lookup(conn, caller.account_id, key, leases.FILE_OPERATION, digest)
        if stored is None:
            with audited(uow, caller, "rental.lease.file", "lease", lease_id) as conn:
                lease_filing.file_lease(conn, settings, caller, lease_id, key)

    def again(e: AnjuError) -> Response:
        return _detail_page(
            request, uow, sec, caller, lease_id, message=e.message, errors=e.errors, status_code=e.status_code
        )

    return form_action(write, done=f"/rental/me/leases/{lease_id}?done=filed", again=again)


def read_lease(uow: UowDep, sec: SecurityDep, caller: Caller, lease_id: int) -> leases.LeaseDetail:
    with uow.read() as conn:
        return leases.get_lease(conn, sec.keyring, caller, lease_id)


@router.post("/rental/me/leases/{lease_id}/escrow/payments", response_class=HTMLResponse)
def pay_in(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSign,
    lease_id: Id,
    kind: Annotated[str, Form(max_length=8)] = "",
    cycle_no: Annotated[str, Form(max_length=6)] = "",
    amount_fen: Annotated[str, Form(max_length=16)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    paid_on: Annotated[str, Form(max_length=10)] = "",
) -> Any:
    """The tenant records a transfer into the supervised account (idempotent by its reference)."""
    errors: list[FieldError] = []
    cycle = parse_int(cycle_no, "cycle_no", errors)
    amount = parse_int(amount_fen, "amount_fen", errors, required=True)
    day = parse_date(paid_on, "paid_on", errors) if paid_on.strip() else None

    def write() -> None:
        if errors or amount is None:
            raise ValidationError("请更正标出的内容", errors)
        with audited(uow, caller, "rental.escrow.pay", "lease", lease_id) as conn:
            escrow.record_payment(conn, caller, lease_id, kind, amount, reference.strip(), cycle_no=cycle, paid_on=day)

    def again(e: AnjuError) -> Response:
        return _detail_page(
            request, uow, sec, caller, lease_id, message=e.message, errors=e.errors, status_code=e.status_code
        )

    return form_action(write, done=f"/rental/me/leases/{lease_id}?done=paid#escrow", again=again)


# ---------------------------------------------------------------------------------------- supervisors


@router.get("/rental/staff/leases", response_class=HTMLResponse)
def staff_leases(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalRead,
    paging: PagingDep,
    status: StatusQ = "",
    district: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
    street: Annotated[str, Query(pattern=r"^\d{0,12}$")] = "",
) -> HTMLResponse:
    """Leases of the streets in the caller's scope, with filters, paginated, exportable as CSV."""
    f = leases.LeaseFilter(status=status or None, street=street or None)
    with uow.read() as conn:
        who = leases.in_district(conn, caller, district)
        page = leases.list_leases(conn, sec.keyring, who, f, limit=paging.page_size, offset=paging.offset)
        total, items = page.total, page.items
        districts = [x for x in divisions.by_level(conn, "district") if caller.scope.allows_division(x.code)]
        streets = [x for x in divisions.by_level(conn, "street") if caller.scope.allows(x.code)]
    names = {x.code: x.name for x in streets}
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("district", district), ("street", street)) if v)
    return render(
        request,
        "rental/leases_staff.html",
        items=items,
        total=total,
        f={"status": status, "district": district, "street": street},
        districts=districts,
        streets=streets,
        street_names=names,
        csv_query=query,
        pager=pager(total, paging.page, paging.page_size),
        **labels_context(),
    )


def _staff_detail(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Caller, lease_id: int, done: str = ""
) -> HTMLResponse:
    lease = read_lease(uow, sec, caller, lease_id)
    return render(request, "rental/leases_staff_detail.html", lease=lease, done=DONE.get(done), **labels_context())


@router.get("/rental/staff/leases/{lease_id}", response_class=HTMLResponse)
def staff_lease(
    request: Request, uow: UowDep, sec: SecurityDep, caller: RentalRead, lease_id: Id, done: Done = ""
) -> HTMLResponse:
    return _staff_detail(request, uow, sec, caller, lease_id, done)


# --------------------------------------------------------------------------------------------- public


@router.get("/rental/filings", response_class=HTMLResponse)
def filing_form(request: Request, caller: Public, no: Annotated[str, Query(max_length=40)] = "") -> Response:
    """The portal's check box: on to the public page of the filing number typed in."""
    norm = "".join(no.split()).upper()
    if not domain.FILING_NO_RE.match(norm):
        message = "备案编号格式不正确：应为 BA 开头、后接 17 位数字，请核对后重新输入"
        return render(request, "error.html", status_code=404, code=404, message=message)
    return RedirectResponse(f"/rental/filings/{norm}", status_code=303)


@router.get("/rental/filings/{filing_no}", response_class=HTMLResponse)
def filing_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: Public, filing_no: Annotated[str, Path(max_length=24)]
) -> HTMLResponse:
    """Anyone may check a filing: status, where, term, rent; names masked."""
    with uow.read() as conn:
        f = leases.public_filing_view(conn, sec.keyring, filing_no)
    return render(request, "rental/leases_filing.html", f=f)
