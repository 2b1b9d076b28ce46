"""REST routes of existing-home resale (``/api/v1/transactions/resale``). Thin: parse, authorise, call.

* a filed brokerage agency's staff (``transactions.sell``): listings (create and verify, verify again,
  publish, withdraw), contracts on its listings (draft, file);
* sellers and buyers (``transactions.buy``): their own contracts, the signatures, a private sale
  (自行成交) drafted and filed by the seller;
* the bureau: the contracts in scope (``transactions.read``), cancellation (``transactions.manage``);
* anyone: the published listings and the check of a 房源核验码.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from anju.security import Public, SecurityDep, audited, set_audit_target
from anju.transactions import resale_contract, resale_listing, resale_queries
from anju.transactions.http import schemas_resale as s
from anju.transactions.http.deps import TxBuy, TxManage, TxRead, TxSell
from anju.transactions.http.schemas import CancelIn
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/transactions/resale", tags=["transactions"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="区代码")]
StreetQ = Annotated[str | None, Query(pattern=r"^(\d{9,12})?$", description="街道代码")]
FenQ = Annotated[int | None, Query(ge=0, le=10**13, description="挂牌总价（分）")]
ListingStatusQ = Annotated[
    Literal["draft", "verified", "published", "withdrawn", "sold"] | None, Query(description="房源状态")
]
StatusQ = Annotated[
    Literal["draft", "signed", "filed", "registered", "cancelled"] | None, Query(description="合同状态")
]


# -------------------------------------------------------------------------------- agency: listings


@router.post("/listings", status_code=201, operation_id="tx_resale_create_listing")
def create_listing(uow: UowDep, sec: SecurityDep, caller: TxSell, body: s.ListingIn) -> s.VerifyOut:
    """List an owner's home and verify it at once; every rule's result is returned (a failed listing
    stays a draft). Passing gives the 房源核验码."""
    with audited(uow, caller, "transactions.resale_list", "resale_listing") as conn:
        out = resale_listing.create_listing(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, out["id"])
    return s.VerifyOut(**out)


@router.get("/listings", operation_id="tx_resale_agency_listings")
def agency_listings(
    uow: UowDep, caller: TxSell, paging: PagingDep, status: ListingStatusQ = None
) -> Page[s.ListingOut]:
    """The caller's agency's listings, newest first."""
    with uow.read() as conn:
        page = resale_queries.agency_listings(conn, caller, status=status, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.ListingOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/listings/{listing_id}", operation_id="tx_resale_agency_listing")
def agency_listing(uow: UowDep, caller: TxSell, listing_id: Id) -> s.ListingOut:
    with uow.read() as conn:
        return s.ListingOut(**resale_queries.agency_listing(conn, caller, listing_id))


@router.post("/listings/{listing_id}/verification", operation_id="tx_resale_verify_listing")
def verify_listing(uow: UowDep, sec: SecurityDep, caller: TxSell, listing_id: Id, body: s.OwnerBody) -> s.VerifyOut:
    """Verify a draft again (the owner's name and ID are given again: they are not kept)."""
    with audited(uow, caller, "transactions.resale_verify", "resale_listing", listing_id) as conn:
        out = resale_listing.verify(conn, sec.keyring, caller, listing_id, body.command())
    return s.VerifyOut(**out)


@router.post("/listings/{listing_id}/publication", operation_id="tx_resale_publish_listing")
def publish_listing(uow: UowDep, caller: TxSell, listing_id: Id) -> s.ListingOut:
    with audited(uow, caller, "transactions.resale_publish", "resale_listing", listing_id) as conn:
        resale_listing.publish(conn, caller, listing_id)
    with uow.read() as conn:
        return s.ListingOut(**resale_queries.agency_listing(conn, caller, listing_id))


@router.post("/listings/{listing_id}/withdrawal", operation_id="tx_resale_withdraw_listing")
def withdraw_listing(uow: UowDep, caller: TxSell, listing_id: Id) -> s.ListingOut:
    with audited(uow, caller, "transactions.resale_withdraw", "resale_listing", listing_id) as conn:
        resale_listing.withdraw(conn, caller, listing_id)
    with uow.read() as conn:
        return s.ListingOut(**resale_queries.agency_listing(conn, caller, listing_id))


# ------------------------------------------------------------------------------- agency: contracts


@router.post("/contracts", status_code=201, operation_id="tx_resale_draft_contract")
def draft_contract(uow: UowDep, sec: SecurityDep, caller: TxSell, body: s.ContractIn) -> s.ContractOut:
    """Draft a resale contract on one of the agency's verified listings (parties masked in the answer)."""
    with audited(uow, caller, "transactions.resale_draft_contract", "resale_contract") as conn:
        cid = resale_contract.draft(conn, sec.keyring, caller, body.command(), private=False)
        set_audit_target(conn, cid)
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, cid))


@router.get("/agency/contracts", operation_id="tx_resale_agency_contracts")
def agency_contracts(uow: UowDep, sec: SecurityDep, caller: TxSell, paging: PagingDep) -> Page[s.ContractOut]:
    with uow.read() as conn:
        page = resale_queries.agency_contracts(conn, sec.keyring, caller, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.ContractOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.post("/contracts/{contract_id}/filing", operation_id="tx_resale_file_contract")
def file_contract(uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id) -> s.ContractOut:
    """File a contract both parties signed (存量房网签备案): the answer carries the filing number."""
    with audited(uow, caller, "transactions.resale_file_contract", "resale_contract", contract_id) as conn:
        resale_contract.file(conn, sec.keyring, caller, contract_id, private=False)
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, contract_id))


# ------------------------------------------------------------------------------ sellers and buyers


@router.post("/me/contracts", status_code=201, operation_id="tx_resale_draft_private")
def draft_private(uow: UowDep, sec: SecurityDep, caller: TxBuy, body: s.PrivateContractIn) -> s.ContractOut:
    """A private sale (自行成交) drafted by the seller, a registered owner with a verified account."""
    with audited(uow, caller, "transactions.resale_draft_contract", "resale_contract") as conn:
        cid = resale_contract.draft(conn, sec.keyring, caller, body.command(), private=True)
        set_audit_target(conn, cid)
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, cid))


@router.get("/me/contracts", operation_id="tx_resale_my_contracts")
def my_contracts(uow: UowDep, sec: SecurityDep, caller: TxBuy) -> list[s.ContractOut]:
    """The caller's own resale contracts as seller or buyer (unmasked)."""
    if caller.account_id is None:
        return []
    with uow.read() as conn:
        return [s.ContractOut(**c) for c in resale_queries.party_contracts(conn, sec.keyring, caller.account_id)]


@router.post("/me/contracts/{contract_id}/seller-signature", operation_id="tx_resale_sign_seller")
def sign_as_seller(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxBuy, contract_id: Id
) -> s.ContractOut:
    """The seller's signature, from the verified account the contract names."""
    with audited(uow, caller, "transactions.resale_sign_contract", "resale_contract", contract_id) as conn:
        resale_contract.sign(conn, settings, caller, contract_id, "seller")
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, contract_id))


@router.post("/me/contracts/{contract_id}/buyer-signature", operation_id="tx_resale_sign_buyer")
def sign_as_buyer(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxBuy, contract_id: Id
) -> s.ContractOut:
    """The buyer's signature; the purchase-eligibility rules (限购) in force are checked."""
    with audited(uow, caller, "transactions.resale_sign_contract", "resale_contract", contract_id) as conn:
        resale_contract.sign(conn, settings, caller, contract_id, "buyer")
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, contract_id))


@router.post("/me/contracts/{contract_id}/filing", operation_id="tx_resale_file_private")
def file_private(uow: UowDep, sec: SecurityDep, caller: TxBuy, contract_id: Id) -> s.ContractOut:
    """The seller files a signed private sale (an agency's contract is filed by the agency)."""
    with audited(uow, caller, "transactions.resale_file_contract", "resale_contract", contract_id) as conn:
        resale_contract.file(conn, sec.keyring, caller, contract_id, private=True)
    with uow.read() as conn:
        return s.ContractOut(**resale_queries.contract_for(conn, sec.keyring, caller, contract_id))


# ------------------------------------------------------------------------------------- the bureau


@router.get("/contracts", operation_id="tx_resale_list_contracts")
def list_contracts(
    uow: UowDep,
    sec: SecurityDep,
    caller: TxRead,
    paging: PagingDep,
    status: StatusQ = None,
    district: DistrictQ = None,
    q: Annotated[str | None, Query(max_length=30, description="备案号或房屋代码")] = None,
    source: Annotated[Literal["platform", "history"] | None, Query(description="来源")] = None,
) -> Page[s.ContractOut]:
    """Resale contracts in the caller's streets, newest first; sellers and buyers masked."""
    f = resale_queries.StaffFilter(status=status, district=district or None, q=q or None, source=source)
    with uow.read() as conn:
        page = resale_queries.staff_contracts(
            conn, sec.keyring, scope=caller.scope, f=f, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.ContractOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.post("/contracts/{contract_id}/cancellation", status_code=204, operation_id="tx_resale_cancel_contract")
def cancel_contract(uow: UowDep, sec: SecurityDep, caller: TxManage, contract_id: Id, body: CancelIn) -> None:
    """撤销 a resale contract in progress (draft, signed or filed), with a reason: the home is free again."""
    with audited(uow, caller, "transactions.resale_cancel_contract", "resale_contract", contract_id) as conn:
        resale_contract.cancel(conn, sec.keyring, caller, contract_id, body.reason, body.reason_code)


# ------------------------------------------------------------------------------------------- public


@router.get("/public/listings", operation_id="tx_resale_public_listings")
def public_listings(
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    price_min_fen: FenQ = None,
    price_max_fen: FenQ = None,
) -> Page[s.PublicListingOut]:
    """Published resale listings (anyone): no owner, no personal data."""
    f = resale_queries.PublicFilter(district or None, street or None, price_min_fen, price_max_fen)
    with uow.read() as conn:
        page = resale_queries.public_listings(conn, f, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.PublicListingOut(**x) for x in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get("/public/check", operation_id="tx_resale_check_code")
def check_code(uow: UowDep, caller: Public, code: Annotated[str, Query(max_length=20)]) -> s.CodeCheckOut:
    """What a 房源核验码 vouches for, and whether it is valid (anyone)."""
    with uow.read() as conn:
        return s.CodeCheckOut(**resale_queries.check_code(conn, code))
