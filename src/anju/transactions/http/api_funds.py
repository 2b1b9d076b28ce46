"""REST routes of presale fund supervision (``/api/v1/transactions/fund-accounts``): thin.

* the bureau (``transactions.manage``): open a project's account, record deposits against filed
  contracts, record milestones, request and approve (another officer) or reject releases, import the
  bank's statement lines;
* staff in scope (``transactions.read``): the accounts, an account's position, journals, releases and
  daily reconciliation;
* the developer's staff (``transactions.sell``): their own projects' accounts, positions and release
  requests, and a release request of their own (``/sales/fund-accounts``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query

from anju.core import clock
from anju.security import audited, set_audit_target
from anju.transactions import filings, presale_funds
from anju.transactions.http import schemas_funds as s
from anju.transactions.http.deps import TxManage, TxRead, TxSell
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/transactions", tags=["transactions"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="区代码")]
OnQ = Annotated[date | None, Query(description="对账日（默认今天）")]
ENTITY = "presale_fund_account"


@router.post("/projects/{project_id}/fund-account", status_code=201, operation_id="tx_open_fund_account")
def open_fund_account(
    uow: UowDep, settings: SettingsDep, caller: TxManage, project_id: Id, body: s.FundAccountIn
) -> s.PositionOut:
    """Open a project's supervised account (监管账户); the policy edition in force today governs it."""
    with audited(uow, caller, "transactions.open_fund_account", ENTITY) as conn:
        acct = presale_funds.open_account(conn, settings, caller, project_id, body.bank, body.account_no)
        set_audit_target(conn, acct)
    with uow.read() as conn:
        return s.PositionOut(**presale_funds.position(conn, settings, caller.scope, acct))


@router.get("/fund-accounts", operation_id="tx_list_fund_accounts")
def list_fund_accounts(
    uow: UowDep, caller: TxRead, paging: PagingDep, district: DistrictQ = None, on: OnQ = None
) -> Page[s.AccountRowOut]:
    with uow.read() as conn:
        page = presale_funds.list_accounts(
            conn, caller.scope, district=district or None, on=on or clock.today(), limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
    return Page(items=[s.AccountRowOut(**i) for i in page.items], total=page.total, page=paging.page,
                page_size=paging.page_size)  # fmt: skip


@router.get("/fund-accounts/{account_id}", operation_id="tx_fund_account")
def fund_account(uow: UowDep, settings: SettingsDep, caller: TxRead, account_id: Id) -> s.PositionOut:
    """Deposited, released, retained (重点监管额度) and releasable per milestone."""
    with uow.read() as conn:
        return s.PositionOut(**presale_funds.position(conn, settings, caller.scope, account_id))


@router.get("/sales/fund-accounts", operation_id="tx_developer_fund_accounts")
def developer_fund_accounts(uow: UowDep, caller: TxSell, paging: PagingDep) -> Page[s.AccountRowOut]:
    """The developer's staff: their own projects' supervised accounts with balances (the caller's scope:
    the enterprise the account works for)."""
    with uow.read() as conn:
        filings.developer_of(conn, caller)  # an account of no filed developer is told so (422)
        page = presale_funds.list_accounts(
            conn, caller.scope, district=None, on=clock.today(), limit=paging.page_size, offset=paging.offset
        )
    return Page(items=[s.AccountRowOut(**i) for i in page.items], total=page.total, page=paging.page,
                page_size=paging.page_size)  # fmt: skip


@router.get("/sales/fund-accounts/{account_id}", operation_id="tx_developer_fund_account")
def developer_fund_account(uow: UowDep, settings: SettingsDep, caller: TxSell, account_id: Id) -> s.PositionOut:
    """The developer's staff: one of their own projects' accounts (another developer's is a 404)."""
    with uow.read() as conn:
        filings.developer_of(conn, caller)
        return s.PositionOut(**presale_funds.position(conn, settings, caller.scope, account_id))


@router.get("/sales/fund-accounts/{account_id}/releases", operation_id="tx_developer_fund_releases")
def developer_fund_releases(
    uow: UowDep, caller: TxSell, account_id: Id, paging: PagingDep
) -> Page[s.DeveloperReleaseOut]:
    """The developer's staff: the release requests of one of their own accounts and their states (the
    officers' names are not shown)."""
    with uow.read() as conn:
        filings.developer_of(conn, caller)
        page = presale_funds.releases(conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset)
    return Page(items=[s.DeveloperReleaseOut(**r) for r in page.items], total=page.total, page=paging.page,
                page_size=paging.page_size)  # fmt: skip


@router.post("/sales/fund-accounts/{account_id}/releases", status_code=201, operation_id="tx_developer_request_release")
def developer_request_release(
    uow: UowDep, settings: SettingsDep, caller: TxSell, account_id: Id, body: s.ReleaseIn
) -> s.Created:
    """The developer applies for a release from its own project's account against the milestone reached;
    above the cap it is refused (422, naming the milestone, the cap, released, pending and retained). An
    officer in scope approves or rejects it."""
    with audited(uow, caller, "transactions.developer_request_release", "presale_release") as conn:
        filings.developer_of(conn, caller)
        rid = presale_funds.request_release(conn, settings, caller, account_id, body.amount_fen)
        set_audit_target(conn, rid)
    return s.Created(id=rid)


@router.get("/fund-accounts/{account_id}/journals", operation_id="tx_fund_journals")
def fund_journals(uow: UowDep, caller: TxRead, account_id: Id, paging: PagingDep) -> Page[s.JournalOut]:
    with uow.read() as conn:
        page = presale_funds.statement(conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset)
    return Page(items=[s.JournalOut(**j) for j in page.items], total=page.total, page=paging.page,
                page_size=paging.page_size)  # fmt: skip


@router.post("/fund-accounts/{account_id}/deposits", status_code=201, operation_id="tx_record_deposit")
def record_deposit(uow: UowDep, caller: TxManage, account_id: Id, body: s.DepositIn) -> s.DepositOut:
    """A buyer's down payment or loan against a filed contract; never above the contract's amount."""
    with audited(uow, caller, "transactions.record_deposit", ENTITY, account_id) as conn:
        out = presale_funds.record_deposit(
            conn, caller, account_id, body.contract_id, body.kind, body.amount_fen, body.reference, body.paid_on
        )
    return s.DepositOut(**out)


@router.post("/fund-accounts/{account_id}/milestones", status_code=201, operation_id="tx_record_milestone")
def record_milestone(
    uow: UowDep, settings: SettingsDep, caller: TxManage, account_id: Id, body: s.MilestoneIn
) -> s.PositionOut:
    with audited(uow, caller, "transactions.record_milestone", ENTITY, account_id) as conn:
        presale_funds.record_milestone(conn, settings, caller, account_id, body.milestone, body.reached_on)
    with uow.read() as conn:
        return s.PositionOut(**presale_funds.position(conn, settings, caller.scope, account_id))


@router.get("/fund-accounts/{account_id}/releases", operation_id="tx_fund_releases")
def fund_releases(uow: UowDep, caller: TxRead, account_id: Id, paging: PagingDep) -> Page[s.ReleaseOut]:
    with uow.read() as conn:
        page = presale_funds.releases(conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset)
    return Page(items=[s.ReleaseOut(**r) for r in page.items], total=page.total, page=paging.page,
                page_size=paging.page_size)  # fmt: skip


@router.post("/fund-accounts/{account_id}/releases", status_code=201, operation_id="tx_request_release")
def request_release(
    uow: UowDep, settings: SettingsDep, caller: TxManage, account_id: Id, body: s.ReleaseIn
) -> s.Created:
    """Request a release to the developer; above the latest milestone's cap it is refused (422, naming
    the milestone, the cap and the amount)."""
    with audited(uow, caller, "transactions.request_release", "presale_release") as conn:
        rid = presale_funds.request_release(conn, settings, caller, account_id, body.amount_fen)
        set_audit_target(conn, rid)
    return s.Created(id=rid)


@router.post(
    "/fund-accounts/{account_id}/releases/{release_id}/approval", status_code=201, operation_id="tx_approve_release"
)
def approve_release(
    uow: UowDep, settings: SettingsDep, caller: TxManage, account_id: Id, release_id: Id
) -> s.DepositOut:
    """Approve a request (another officer): the cap is checked again and the release journal posted."""
    with audited(uow, caller, "transactions.approve_release", "presale_release", release_id) as conn:
        jid = presale_funds.approve_release(conn, settings, caller, account_id, release_id)
    with uow.read() as conn:
        return s.DepositOut(journal_id=jid, ledger_index=presale_funds.journal_index(conn, jid), replayed=False)


@router.post(
    "/fund-accounts/{account_id}/releases/{release_id}/rejection", status_code=204, operation_id="tx_reject_release"
)
def reject_release(uow: UowDep, caller: TxManage, account_id: Id, release_id: Id) -> None:
    with audited(uow, caller, "transactions.reject_release", "presale_release", release_id) as conn:
        presale_funds.reject_release(conn, caller, account_id, release_id)


@router.post("/fund-accounts/{account_id}/bank-lines", operation_id="tx_import_fund_bank_lines")
def import_bank_lines(uow: UowDep, caller: TxManage, account_id: Id, body: s.BankLinesIn) -> s.BankImportOut:
    """The bank's statement lines (CSV ``date,amount_fen,direction,reference``), all or nothing."""
    with audited(uow, caller, "transactions.import_fund_bank_lines", ENTITY, account_id) as conn:
        return s.BankImportOut(**presale_funds.import_bank_lines(conn, caller, account_id, body.csv))


@router.get("/fund-accounts/{account_id}/reconciliation", operation_id="tx_fund_reconciliation")
def reconciliation(uow: UowDep, caller: TxRead, account_id: Id, on: OnQ = None) -> s.ReconciliationOut:
    """The day's reconciliation of the account against the bank's lines."""
    with uow.read() as conn:
        return s.ReconciliationOut(**presale_funds.reconciliation(conn, caller.scope, account_id, on or clock.today()))
