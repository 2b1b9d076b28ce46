"""The developer's staff's view of their own projects' presale fund supervision accounts
(``transactions.sell``, ``/transactions/sales/funds``): balances, deposits, releases, the retained key
amount and the milestone reached — and their own release applications (拨付申请) against the milestone
reached, after a confirmation page; an officer in scope approves or rejects them.

The caller's scope (``Scope.own`` carrying the enterprise's credit code) decides which accounts it
reaches: another developer's account is a 404. An account of no filed developer is told so on a page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.core.money import yuan_to_fen
from anju.security import Caller, audited, set_audit_target
from anju.transactions import filings, presale_funds
from anju.transactions.http.deps import TxSell
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DoneQ = Annotated[Literal["", "requested"], Query()]
DONE = {"requested": "拨付申请已提交，待监管部门审批。"}
BASE = "/transactions/sales/funds"


def _as_developer(request: Request, page: Callable[[], Response], status_code: int = 200) -> Response:
    """``page()``, or — for an account of no filed developer (``filings.developer_of``'s refusal on
    ``account``) — a page saying so in Chinese instead of a JSON error (``status_code``: 200 for a page
    read, 422 for a refused form)."""
    try:
        return page()
    except ValidationError as e:
        if not any(f.field == "account" for f in e.errors):
            raise
        return render(request, "transactions/not_developer.html", status_code=status_code, message=e.message,
                      funds=True)  # fmt: skip


@router.get(BASE, response_class=HTMLResponse)
def funds_page(request: Request, uow: UowDep, caller: TxSell, paging: PagingDep) -> Response:
    """The developer's project accounts with their balances (an account of no developer is told so)."""

    def page() -> Response:
        with uow.read() as conn:
            dev = filings.developer_of(conn, caller)
            found = presale_funds.list_accounts(
                conn, caller.scope, district=None, on=clock.today(), limit=paging.page_size, offset=paging.offset
            )
        return render(
            request, "transactions/sales_funds.html", developer=dev, items=found.items,
            pager=pager(found.total, paging.page, paging.page_size),
        )  # fmt: skip

    return _as_developer(request, page)


def _fund(
    request: Request,
    uow: UowDep,
    settings: Any,
    caller: Caller,
    paging: PagingDep,
    account_id: int,
    *,
    done: str = "",
    amount_yuan: str = "",
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> Response:
    """One of the developer's accounts: the position, the release requests (no officers' names) and the
    application form."""

    def page() -> Response:
        with uow.read() as conn:
            dev = filings.developer_of(conn, caller)
            pos = presale_funds.position(conn, settings, caller.scope, account_id)
            rel = presale_funds.releases(conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset)
        by_field = {e.field: e.reason for e in errors or [] if e.field == "amount_fen"}
        return render(
            request, "transactions/sales_fund.html", status_code=status_code, developer=dev, p=pos,
            releases=rel.items, pager=pager(rel.total, paging.page, paging.page_size), done=DONE.get(done, ""),
            amount_yuan=amount_yuan, field_errors=by_field,
            errors=[e for e in errors or [] if e.field != "amount_fen"], message=message,
        )  # fmt: skip

    return _as_developer(request, page)


@router.get(BASE + "/{account_id}", response_class=HTMLResponse)
def fund_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: TxSell, paging: PagingDep, account_id: Id,
    done: DoneQ = "",
) -> Response:  # fmt: skip
    """One of the developer's accounts (another developer's is a 404; an account of no developer is told
    so on a page)."""
    return _fund(request, uow, settings, caller, paging, account_id, done=done)


@router.post(BASE + "/{account_id}/releases", response_class=HTMLResponse, response_model=None)
def release_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxSell,
    paging: PagingDep,
    account_id: Id,
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Apply for a release: first the confirmation page (the amount against the milestone reached, the
    cap, what is released and pending, the retained amount), then, confirmed, the request (audited). A
    request above the cap shows the account again with the reason beside the amount; nothing is written."""

    def again(e: AnjuError) -> Response:
        if any(f.field == "account" for f in e.errors):
            raise e  # no developer: the page saying so, as a refused form (422)
        return _fund(request, uow, settings, caller, paging, account_id, amount_yuan=amount_yuan,
                     message=e.message, errors=e.errors, status_code=e.status_code)  # fmt: skip

    def confirm() -> Response:
        try:
            amount = yuan_to_fen(amount_yuan, "amount_fen")
            with uow.read() as conn:
                dev = filings.developer_of(conn, caller)
                pos = presale_funds.position(conn, settings, caller.scope, account_id)
            presale_funds.check_release(pos, amount)
        except ValidationError as e:
            if any(f.field == "account" for f in e.errors):
                raise
            return again(e)
        return render(request, "transactions/sales_fund_release.html", developer=dev, p=pos, amount_fen=amount,
                      amount_yuan=amount_yuan)  # fmt: skip

    def write() -> int:
        amount = yuan_to_fen(amount_yuan, "amount_fen")
        with audited(uow, caller, "transactions.developer_request_release", "presale_release") as conn:
            filings.developer_of(conn, caller)
            rid = presale_funds.request_release(conn, settings, caller, account_id, amount)
            set_audit_target(conn, rid)
        return rid

    if confirmed != "1":
        return _as_developer(request, confirm, 422)
    return _as_developer(
        request, lambda: form_action(write, done=f"{BASE}/{account_id}?done=requested", again=again), 422
    )
