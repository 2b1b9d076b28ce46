"""REST routes of new-home transactions (``/api/v1/transactions``). Thin: parse, authorise, call, shape.

* the bureau (``transactions.manage``): developers, projects, presale permits, price lists, cancellation;
* the developer's staff (``transactions.sell``): draft, sign and file contracts;
* the buyer (``transactions.buy``): read and sign their own contracts;
* staff in scope (``transactions.read``): lists, price history, contracts (buyers masked);
* anyone: a building's public sales table.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from anju.security import Public, SecurityDep, audited, audited_grouped, set_audit_target
from anju.transactions import contracts, figures, filings, prices, queries
from anju.transactions.http import schemas
from anju.transactions.http.deps import TxBuy, TxManage, TxRead, TxSell
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/transactions", tags=["transactions"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="区代码")]
StatusQ = Annotated[Literal["draft", "signed", "filed", "cancelled"] | None, Query(description="合同状态")]
TextQ = Annotated[str | None, Query(max_length=100)]


# ------------------------------------------------------------------------------ the bureau's filings


@router.post("/developers", status_code=201, operation_id="tx_file_developer")
def file_developer(uow: UowDep, sec: SecurityDep, caller: TxManage, body: schemas.DeveloperIn) -> schemas.DeveloperOut:
    """File a development enterprise (开发企业备案); a credit code filed before is a 409."""
    with audited(uow, caller, "transactions.file_developer", "developer") as conn:
        did = filings.file_developer(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, did)
    with uow.read() as conn:
        page = filings.list_developers(conn, scope=caller.scope, q=body.credit_code.strip(), limit=1, offset=0)
    return schemas.DeveloperOut(**page.items[0])


@router.get("/public/figures", operation_id="tx_public_figures")
def public_figures(uow: UowDep, caller: Public) -> schemas.PublicFiguresOut:
    """New-home contracts filed by day (30 days) and month (12 months), by district and use: counts and
    floor areas only (anyone)."""
    with uow.read() as conn:
        return schemas.PublicFiguresOut(**figures.public_figures(conn))


@router.get("/developers", operation_id="tx_list_developers")
def list_developers(uow: UowDep, caller: TxRead, paging: PagingDep, q: TextQ = None) -> Page[schemas.DeveloperOut]:
    with uow.read() as conn:
        page = filings.list_developers(conn, scope=caller.scope, q=q, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[schemas.DeveloperOut(**d) for d in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/projects", status_code=201, operation_id="tx_file_project")
def file_project(uow: UowDep, caller: TxManage, body: schemas.ProjectIn) -> schemas.ProjectOut:
    """File a development project on a register estate in the caller's scope."""
    with audited(uow, caller, "transactions.file_project", "sale_project") as conn:
        pid = filings.file_project(conn, caller, body.command())
        set_audit_target(conn, pid)
    with uow.read() as conn:
        return schemas.ProjectOut(**filings.get_project(conn, pid, scope=caller.scope))


@router.get("/projects", operation_id="tx_list_projects")
def list_projects(
    uow: UowDep, caller: TxRead, paging: PagingDep, district: DistrictQ = None
) -> Page[schemas.ProjectOut]:
    with uow.read() as conn:
        page = filings.list_projects(
            conn, scope=caller.scope, district=district or None, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[schemas.ProjectOut(**p) for p in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/permits", status_code=201, operation_id="tx_file_permit")
def file_permit(uow: UowDep, sec: SecurityDep, caller: TxManage, body: schemas.PermitIn) -> schemas.PermitOut:
    """Issue a presale permit: exactly the permitted homes move to 预售 in the register (source: the
    permit number). Homes outside the project's estate or not 在建 are refused, named; so is a developer
    credit bars (联合惩戒, 409)."""
    with audited(uow, caller, "transactions.file_permit", "presale_permit") as conn:
        pid = filings.file_permit(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, pid)
    with uow.read() as conn:
        return schemas.PermitOut(**filings.get_permit(conn, pid, scope=caller.scope))


@router.get("/permits", operation_id="tx_list_permits")
def list_permits(
    uow: UowDep,
    caller: TxRead,
    paging: PagingDep,
    project_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    district: DistrictQ = None,
    q: TextQ = None,
) -> Page[schemas.PermitOut]:
    with uow.read() as conn:
        page = filings.list_permits(
            conn,
            scope=caller.scope,
            project_id=project_id,
            district=district or None,
            q=q,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return Page(
        items=[schemas.PermitOut(**p) for p in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/permits/{permit_id}/prices", status_code=201, operation_id="tx_file_prices")
def file_prices(uow: UowDep, caller: TxManage, permit_id: Id, body: schemas.PricesIn) -> schemas.PricesFiled:
    """File (or re-file) the price list (一房一价) of homes of a permit; a new version supersedes."""
    with audited(uow, caller, "transactions.file_prices", "presale_permit", permit_id) as conn:
        n = prices.file_prices(conn, caller, permit_id, [ln.line() for ln in body.lines], body.reason)
    return schemas.PricesFiled(permit_id=permit_id, filed=n)


@router.get("/homes/{home_id}/prices", operation_id="tx_price_history")
def price_history(uow: UowDep, caller: TxRead, home_id: Id) -> list[schemas.PriceOut]:
    """Every filed price of a home, newest first."""
    with uow.read() as conn:
        return [schemas.PriceOut(**p) for p in prices.price_history(conn, home_id, scope=caller.scope)]


# ---------------------------------------------------------------------------------------- contracts


@router.post("/contracts", status_code=201, operation_id="tx_draft_contract")
def draft_contract(uow: UowDep, sec: SecurityDep, caller: TxSell, body: schemas.ContractIn) -> schemas.ContractOut:
    """Draft a purchase contract (the developer's staff). A home already held by a contract is a 409."""
    with audited(uow, caller, "transactions.draft_contract", "sale_contract") as conn:
        cid = contracts.draft_contract(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, cid)
    with uow.read() as conn:
        return schemas.ContractOut(**contracts.contract_for_party(conn, sec.keyring, caller, cid))


@router.post("/contracts/{contract_id}/developer-signature", operation_id="tx_sign_as_developer")
def sign_as_developer(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxSell, contract_id: Id
) -> schemas.ContractOut:
    """The developer's signature; the purchase-eligibility rules (限购) in force are checked."""
    with audited(uow, caller, "transactions.sign_contract", "sale_contract", contract_id) as conn:
        contracts.sign_as_developer(conn, settings, caller, contract_id)
    with uow.read() as conn:
        return schemas.ContractOut(**contracts.contract_for_party(conn, sec.keyring, caller, contract_id))


@router.post("/contracts/{contract_id}/buyer-signature", operation_id="tx_sign_as_buyer")
def sign_as_buyer(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxBuy, contract_id: Id
) -> schemas.ContractOut:
    """The buyer's signature; the purchase-eligibility rules (限购) in force are checked."""
    with audited(uow, caller, "transactions.sign_contract", "sale_contract", contract_id) as conn:
        contracts.sign_as_buyer(conn, settings, caller, contract_id)
    with uow.read() as conn:
        return schemas.ContractOut(**contracts.contract_for_party(conn, sec.keyring, caller, contract_id))


@router.post("/contracts/{contract_id}/filing", operation_id="tx_file_contract")
async def file_contract(uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id) -> schemas.ContractOut:
    """File a contract both parties signed (网签备案): the answer carries the filing number. Committed
    together with the filings other requests send at the same time (group commit, as lease filing)."""

    def work(conn: Connection) -> contracts.Contract:
        return contracts.file_and_show(conn, sec.settings, sec.keyring, caller, contract_id)

    filed = await audited_grouped(uow, caller, "transactions.file_contract", "sale_contract", contract_id, work)
    return schemas.ContractOut(**filed)


@router.post("/contracts/{contract_id}/withdrawal", status_code=204, operation_id="tx_withdraw_contract")
def withdraw_contract(uow: UowDep, caller: TxSell, contract_id: Id, body: schemas.WithdrawIn) -> None:
    """The developer's staff withdraw their own developer's draft (before both signatures), with a reason:
    the home is free again. A signed or filed contract is the bureau's to cancel (409)."""
    with audited(uow, caller, "transactions.withdraw_contract", "sale_contract", contract_id) as conn:
        contracts.withdraw_draft(conn, caller, contract_id, body.reason)


@router.post("/contracts/{contract_id}/cancellation", status_code=204, operation_id="tx_cancel_contract")
def cancel_contract(uow: UowDep, sec: SecurityDep, caller: TxManage, contract_id: Id, body: schemas.CancelIn) -> None:
    """撤销备案 (or withdraw an unfiled contract), with a reason: the home is free again."""
    with audited(uow, caller, "transactions.cancel_contract", "sale_contract", contract_id) as conn:
        contracts.cancel_contract(conn, sec.keyring, caller, contract_id, body.reason, body.reason_code)


@router.get("/contracts", operation_id="tx_list_contracts")
def list_contracts(
    uow: UowDep,
    sec: SecurityDep,
    caller: TxRead,
    paging: PagingDep,
    status: StatusQ = None,
    district: DistrictQ = None,
    q: Annotated[str | None, Query(max_length=30, description="备案号或房屋代码")] = None,
) -> Page[schemas.ContractOut]:
    """Contracts in the caller's streets, newest first; buyers masked."""
    with uow.read() as conn:
        page = queries.list_contracts(
            conn,
            sec.keyring,
            scope=caller.scope,
            status=status,
            district=district or None,
            q=q,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return Page(
        items=[schemas.ContractOut(**c) for c in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/me/contracts", operation_id="tx_my_contracts")
def my_contracts(uow: UowDep, sec: SecurityDep, caller: TxBuy) -> list[schemas.ContractOut]:
    """The caller's own contracts as buyer."""
    if caller.account_id is None:
        return []
    with uow.read() as conn:
        return [schemas.ContractOut(**c) for c in queries.my_contracts(conn, sec.keyring, caller.account_id)]


# ------------------------------------------------------------------------------------------- public


@router.get("/public/buildings/{building_id}/sales", operation_id="tx_public_sales_table")
def public_sales_table(uow: UowDep, caller: Public, building_id: Id) -> schemas.SalesTableOut:
    """A building's sales table (楼盘表): every home's public state and filed price; no personal data."""
    with uow.read() as conn:
        return schemas.SalesTableOut(**queries.sales_table(conn, building_id))
