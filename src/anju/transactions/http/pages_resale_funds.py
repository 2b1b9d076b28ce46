"""The page of resale fund supervision's district accounts (存量房交易资金监管账户) for the bureau's staff:
``transactions.read`` sees the accounts in scope with what they hold and released; ``transactions.manage``
opens a district's account. A contract's own fund (deposits, release, refund) is on its staff page
(``pages_resale``)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.security import Caller, audited, set_audit_target
from anju.transactions import resale_funds
from anju.transactions.http.deps import TxManage, TxRead
from anju.web.deps import PagingDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

BASE = "/transactions/staff/resale-funds"
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
DoneQ = Annotated[Literal["", "opened"], Query()]
OnQ = Annotated[date | None, Query()]


def _list(
    request: Request,
    uow: UowDep,
    caller: Caller,
    paging: PagingDep,
    district: str | None,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        districts = divisions.choices(conn)
        page = resale_funds.list_accounts(
            conn, caller.scope, district=district or None, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "transactions/staff_resale_funds.html",
        status_code=status_code,
        districts=districts,
        district=district or "",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        can_manage=caller.can("transactions.manage"),
        done="监管账户已开立。" if done == "opened" else None,
        values=values or {},
        message=message,
        errors=errors or [],
    )


@router.get(BASE, response_class=HTMLResponse)
def resale_funds_page(
    request: Request, uow: UowDep, caller: TxRead, paging: PagingDep, district: DistrictQ = None, done: DoneQ = ""
) -> HTMLResponse:
    """The districts' supervised accounts in scope, with what they hold for contracts and released."""
    return _list(request, uow, caller, paging, district, done=done)


@router.get(BASE + "/reconciliation.csv")
def reconciliation_csv(uow: UowDep, caller: TxRead, district: DistrictQ = None, on: OnQ = None) -> Response:
    """The day's reconciliation of every district account in scope (of a district) as CSV — the figures
    of the list's 今日对账 column, as the presale report; ``on`` another day."""
    day = on or clock.today()
    with uow.read() as conn:
        body = resale_funds.reconciliation_csv(conn, caller.scope, day, district=district or None)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="resale-reconciliation-{day}.csv"'},
    )


@router.post(BASE, response_class=HTMLResponse, response_model=None)
def open_resale_account_page(
    request: Request,
    uow: UowDep,
    caller: TxManage,
    paging: PagingDep,
    district_code: Annotated[str, Form(max_length=12)] = "",
    bank: Annotated[str, Form(max_length=60)] = "",
    account_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Open a district's account (one per district); a refusal shows the form again beside the field."""
    values = {"district_code": district_code, "bank": bank, "account_no": account_no}

    def write() -> int:
        if not district_code.strip():
            raise ValidationError.of("district_code", "请选择区")
        with audited(uow, caller, "transactions.resale_open_fund_account", "resale_fund_account") as conn:
            acct = resale_funds.open_account(conn, caller, district_code.strip(), bank, account_no)
            set_audit_target(conn, acct)
            return acct

    def again(e: AnjuError) -> Response:
        return _list(request, uow, caller, paging, None, values=values, message=e.message, errors=e.errors,
                     status_code=e.status_code)  # fmt: skip

    return form_action(write, done=lambda _acct: f"{BASE}?done=opened", again=again)
