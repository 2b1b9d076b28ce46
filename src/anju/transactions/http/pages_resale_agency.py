"""Pages of a filed brokerage agency's staff (``transactions.sell``, ``/transactions/resale/agency/…``):
the agency's listings and the form to list an owner's home (verified at once), a listing's page with
every rule's result, its verification again, publication and withdrawal, the contract drafting form on
a verified listing, and the filing of a signed contract (confirmed on a page of the contract first).

An account that works for no brokerage agency is told so on the page its menu offers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Connection

from anju.core import money
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.security import Caller, SecurityDep, audited, set_audit_target
from anju.transactions import domain, resale_contract, resale_listing, resale_queries
from anju.transactions.http.deps import TxSell
from anju.transactions.http.pages_resale import FILE_EXPLAIN, TERMS, confirm_page, contract_command, split_errors
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=40)]
LISTING_FIELDS = ("house_code", "owner_name", "owner_id_number", "title", "description", "asking_price")
DONE = {
    "listed": "房源已发布并核验。",
    "published": "房源已发布到公开房源。",
    "withdrawn": "房源已撤回，核验码失效。",
    "drafted": "合同已起草，请出卖人和买受人登录平台签署。",
    "filed": "合同已备案。",
}


def _home(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    *,
    page: int = 1,
    page_size: int = 20,
    done: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        with uow.read() as conn:
            agency = resale_listing.agency_of(conn, caller)
            listings = resale_queries.agency_listings(
                conn, caller, status=None, limit=page_size, offset=(page - 1) * page_size
            )
            contracts = resale_queries.agency_contracts(conn, sec.keyring, caller, limit=50, offset=0)
    except ValidationError as e:
        if not any(f.field == "account" for f in e.errors):
            raise
        return render(request, "transactions/resale_not_agency.html", status_code=status_code, message=e.message)
    by_field, rest = split_errors(errors, LISTING_FIELDS)
    return render(
        request,
        "transactions/resale_agency.html",
        status_code=status_code,
        agency=agency,
        listings=listings.items,
        pager=pager(listings.total, page, page_size),
        contracts=contracts.items,
        done=DONE.get(done, ""),
        form=form or {},
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/resale/agency", response_class=HTMLResponse)
def agency_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, paging: PagingDep, done: str = ""
) -> HTMLResponse:
    """The agency's listings and contracts, and the form to list an owner's home."""
    return _home(request, uow, sec, caller, page=paging.page, page_size=paging.page_size, done=done[:20])


@router.post("/transactions/resale/agency/listings", response_class=HTMLResponse, response_model=None)
def create_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxSell,
    house_code: Text = "",
    owner_name: Text = "",
    owner_id_number: Text = "",
    title: Annotated[str, Form(max_length=100)] = "",
    description: Annotated[str, Form(max_length=4000)] = "",
    asking_price: Text = "",
) -> Response:
    """List and verify at once; the listing's page shows every rule's result (a failed one is a draft).
    A refused form is shown again with each error beside its field (the owner's ID is not echoed)."""
    form = {
        "house_code": house_code, "owner_name": owner_name, "owner_id_number": owner_id_number, "title": title,
        "description": description, "asking_price": asking_price,
    }  # fmt: skip

    def write() -> int:
        errors: list[FieldError] = []
        price = money.collect_fen(asking_price, "asking_price", errors)
        if errors:
            raise ValidationError("房源信息有误：" + errors[0].reason, errors)
        cmd = resale_listing.ResaleListingIn(house_code, owner_name, owner_id_number, title, description, price or 0)
        with audited(uow, caller, "transactions.resale_list", "resale_listing") as conn:
            out = resale_listing.create_listing(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, out["id"])
        return out["id"]

    def again(e: AnjuError) -> Response:
        shown = form | {"owner_id_number": ""}
        errors = [FieldError("asking_price" if x.field == "asking_price_fen" else x.field, x.reason) for x in e.errors]
        return _home(request, uow, sec, caller, form=shown, errors=errors, message=e.message, status_code=e.status_code)

    return form_action(
        write,
        done=lambda lid: f"/transactions/resale/agency/listings/{lid}",
        again=again,
        not_found_is_error_page=False,
    )


def _listing(
    request: Request,
    uow: UowDep,
    caller: Caller,
    listing_id: int,
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        x = resale_queries.agency_listing(conn, caller, listing_id)
    by_field, rest = split_errors(errors, ("seller_name", "seller_id_number", *TERMS))
    return render(
        request,
        "transactions/resale_listing.html",
        status_code=status_code,
        x=x,
        payments=domain.PAYMENT_METHODS,
        done=DONE.get(done, ""),
        form=form or {},
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/resale/agency/listings/{listing_id}", response_class=HTMLResponse)
def listing_page(request: Request, uow: UowDep, caller: TxSell, listing_id: Id, done: str = "") -> HTMLResponse:
    """One of the agency's listings with every verification rule's result and its next steps."""
    return _listing(request, uow, caller, listing_id, done=done[:20])


def _step(
    request: Request,
    uow: UowDep,
    caller: Caller,
    listing_id: int,
    action: str,
    done: str,
    work: Callable[[Connection], object],
) -> Response:
    def write() -> None:
        with audited(uow, caller, action, "resale_listing", listing_id) as conn:
            work(conn)

    def again(e: AnjuError) -> Response:
        return _listing(request, uow, caller, listing_id, errors=e.errors, message=e.message, status_code=e.status_code)

    return form_action(write, done=f"/transactions/resale/agency/listings/{listing_id}?done={done}", again=again)


@router.post(
    "/transactions/resale/agency/listings/{listing_id}/verify", response_class=HTMLResponse, response_model=None
)
def verify_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxSell,
    listing_id: Id,
    owner_name: Text = "",
    owner_id_number: Text = "",
) -> Response:
    """Verify a draft again with the owner's name and ID (given again: they are not kept)."""
    owner = resale_listing.OwnerIn(owner_name, owner_id_number)
    return _step(
        request, uow, caller, listing_id, "transactions.resale_verify", "listed",
        lambda conn: resale_listing.verify(conn, sec.keyring, caller, listing_id, owner),
    )  # fmt: skip


@router.post(
    "/transactions/resale/agency/listings/{listing_id}/publish", response_class=HTMLResponse, response_model=None
)
def publish_form(request: Request, uow: UowDep, caller: TxSell, listing_id: Id) -> Response:
    return _step(
        request, uow, caller, listing_id, "transactions.resale_publish", "published",
        lambda conn: resale_listing.publish(conn, caller, listing_id),
    )  # fmt: skip


@router.post(
    "/transactions/resale/agency/listings/{listing_id}/withdraw", response_class=HTMLResponse, response_model=None
)
def withdraw_form(request: Request, uow: UowDep, caller: TxSell, listing_id: Id) -> Response:
    return _step(
        request, uow, caller, listing_id, "transactions.resale_withdraw", "withdrawn",
        lambda conn: resale_listing.withdraw(conn, caller, listing_id),
    )  # fmt: skip


@router.post("/transactions/resale/agency/contracts", response_class=HTMLResponse, response_model=None)
def draft_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxSell,
    listing_id: Annotated[int, Form(ge=1, le=2**62)],
    seller_name: Text = "",
    seller_id_number: Text = "",
    buyer_name: Text = "",
    buyer_id_number: Text = "",
    buyer_hukou: Annotated[str, Form(max_length=10)] = "local",
    buyer_social_insurance_months: Annotated[str, Form(max_length=3)] = "0",
    total_price: Text = "",
    payment_method: Annotated[str, Form(max_length=20)] = "",
    down_payment: Text = "",
    loan: Text = "",
) -> Response:
    """Draft a contract on a verified listing; a refusal shows the listing's page with the form again
    (the parties' ID numbers are not echoed back)."""
    form = {
        "seller_name": seller_name, "seller_id_number": seller_id_number, "buyer_name": buyer_name,
        "buyer_id_number": buyer_id_number, "buyer_hukou": buyer_hukou,
        "buyer_social_insurance_months": buyer_social_insurance_months, "total_price": total_price,
        "payment_method": payment_method, "down_payment": down_payment, "loan": loan,
    }  # fmt: skip

    def write() -> int:
        cmd = contract_command(form, listing_id=listing_id)
        with audited(uow, caller, "transactions.resale_draft_contract", "resale_contract") as conn:
            cid = resale_contract.draft(conn, sec.keyring, caller, cmd, private=False)
            set_audit_target(conn, cid)
        return cid

    def again(e: AnjuError) -> Response:
        shown = form | {"seller_id_number": "", "buyer_id_number": ""}
        return _listing(
            request, uow, caller, listing_id, form=shown, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done="/transactions/resale/agency?done=drafted", again=again)


@router.get("/transactions/resale/agency/contracts/{contract_id}/file", response_class=HTMLResponse)
def fileconfirm_page(request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id) -> HTMLResponse:
    """A signed contract shown in full before the agency files it."""
    return confirm_page(
        request, uow, sec, caller, contract_id, action=f"/transactions/resale/agency/contracts/{contract_id}/file",
        title="办理存量房网签备案", explain=FILE_EXPLAIN, button="确认备案", back="/transactions/resale/agency",
    )  # fmt: skip


@router.post(
    "/transactions/resale/agency/contracts/{contract_id}/file", response_class=HTMLResponse, response_model=None
)
def file_form(request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id) -> Response:
    """File a contract both parties signed (存量房网签备案)."""

    def write() -> None:
        with audited(uow, caller, "transactions.resale_file_contract", "resale_contract", contract_id) as conn:
            resale_contract.file(conn, sec.keyring, caller, contract_id, private=False)

    def again(e: AnjuError) -> Response:
        return confirm_page(
            request, uow, sec, caller, contract_id, action=f"/transactions/resale/agency/contracts/{contract_id}/file",
            title="办理存量房网签备案", explain=FILE_EXPLAIN, button="确认备案", back="/transactions/resale/agency",
            errors=e.errors, message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done="/transactions/resale/agency?done=filed", again=again)
