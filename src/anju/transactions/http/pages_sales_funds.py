"""The developer's staff's read-only view of their own projects' presale fund supervision accounts
(``transactions.sell``, ``/transactions/sales/funds``): balances, deposits, releases, the retained key
amount and the milestone reached. The developer resolved from the account (``filings.developer_of``) is
the scope: another developer's account is a 404. Nothing is written here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from anju.core import clock
from anju.core.errors import ValidationError
from anju.transactions import filings, presale_funds
from anju.transactions.http.deps import TxSell
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]


@router.get("/transactions/sales/funds", response_class=HTMLResponse)
def funds_page(request: Request, uow: UowDep, caller: TxSell, paging: PagingDep) -> HTMLResponse:
    """The developer's project accounts with their balances (an account of no developer is told so)."""
    try:
        with uow.read() as conn:
            dev = filings.developer_of(conn, caller)
            page = presale_funds.developer_accounts(
                conn, dev["id"], on=clock.today(), limit=paging.page_size, offset=paging.offset
            )
    except ValidationError as e:
        if not any(f.field == "account" for f in e.errors):
            raise
        return render(request, "transactions/not_developer.html", message=e.message)
    return render(
        request, "transactions/sales_funds.html", developer=dev, items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
    )  # fmt: skip


@router.get("/transactions/sales/funds/{account_id}", response_class=HTMLResponse)
def fund_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: TxSell, paging: PagingDep, account_id: Id
) -> HTMLResponse:
    """One of the developer's accounts: the position and the release requests (no officers' names)."""
    with uow.read() as conn:
        dev = filings.developer_of(conn, caller)
        pos = presale_funds.developer_position(conn, settings, dev["id"], account_id)
        rel = presale_funds.developer_releases(
            conn, dev["id"], account_id, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request, "transactions/sales_fund.html", developer=dev, p=pos, releases=rel.items,
        pager=pager(rel.total, paging.page, paging.page_size),
    )  # fmt: skip
