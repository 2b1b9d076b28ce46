"""REST routes of resale fund supervision (存量房交易资金监管, ``/api/v1/transactions/resale``): thin.

* the bureau (``transactions.manage``): open a district's supervised account, record a deposit
  (down payment or loan) against a filed resale contract in scope;
* staff in scope (``transactions.read``): the district accounts (with the day's reconciliation) and a
  contract's fund position;
* the bureau: the bank's statement lines of a district account, for the daily reconciliation.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from anju.security import audited, set_audit_target
from anju.transactions import resale_funds
from anju.transactions.http import schemas_funds as sf
from anju.transactions.http import schemas_resale_funds as s
from anju.transactions.http.deps import TxManage, TxRead
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/transactions/resale", tags=["transactions"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="区代码")]


@router.post("/fund-accounts", status_code=201, operation_id="tx_resale_open_fund_account")
def open_fund_account(uow: UowDep, caller: TxManage, body: s.DistrictAccountIn) -> s.AccountOut:
    """Open a district's supervised account for resale funds (one per district)."""
    with audited(uow, caller, "transactions.resale_open_fund_account", "resale_fund_account") as conn:
        acct = resale_funds.open_account(conn, caller, body.district_code, body.bank, body.account_no)
        set_audit_target(conn, acct)
    with uow.read() as conn:
        page = resale_funds.list_accounts(conn, caller.scope, district=body.district_code, limit=1, offset=0)
    return s.AccountOut(**page.items[0])


@router.get("/fund-accounts", operation_id="tx_resale_fund_accounts")
def fund_accounts(uow: UowDep, caller: TxRead, paging: PagingDep, district: DistrictQ = None) -> Page[s.AccountOut]:
    """The district accounts the caller's scope reaches, with what they hold and released."""
    with uow.read() as conn:
        page = resale_funds.list_accounts(
            conn, caller.scope, district=district or None, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.AccountOut(**a) for a in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.post("/fund-accounts/{account_id}/bank-lines", operation_id="tx_resale_import_fund_bank_lines")
def import_bank_lines(uow: UowDep, caller: TxManage, account_id: Id, body: sf.BankLinesIn) -> sf.BankImportOut:
    """The bank's statement lines of a district account (CSV ``date,amount_fen,direction,reference``), all
    or nothing: what the daily reconciliation compares the platform's journals with."""
    with audited(uow, caller, "transactions.resale_import_fund_bank_lines", "resale_fund_account", account_id) as conn:
        return sf.BankImportOut(**resale_funds.import_bank_lines(conn, caller, account_id, body.csv))


@router.post("/contracts/{contract_id}/deposits", status_code=201, operation_id="tx_resale_record_deposit")
def record_deposit(uow: UowDep, caller: TxManage, contract_id: Id, body: s.ResaleDepositIn) -> sf.DepositOut:
    """The buyer's down payment or loan against a filed contract; never above the contract's amount
    (422 naming the field, the cap and the amount); a repeated bank reference is the same journal."""
    with audited(uow, caller, "transactions.resale_record_deposit", "resale_contract", contract_id) as conn:
        out = resale_funds.record_deposit(
            conn, caller, contract_id, body.kind, body.amount_fen, body.reference, body.booked_on
        )
    return sf.DepositOut(**out)


@router.get("/contracts/{contract_id}/fund", operation_id="tx_resale_contract_fund")
def contract_fund(uow: UowDep, caller: TxRead, contract_id: Id) -> s.FundPositionOut:
    """The contract's supervised money: held, released to the seller, refunded, with the journals."""
    with uow.read() as conn:
        return s.FundPositionOut(**resale_funds.staff_position(conn, caller.scope, contract_id))
