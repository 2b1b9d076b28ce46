"""Reading resale listings and contracts: the agency's own, the public list and the public check of a
verification code (no personal data), the parties' own contracts (unmasked: their own), and the staff
lists in scope with the CSV export (sellers and buyers masked)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, or_, select

from anju import divisions, registry, rental
from anju.core import clock, csvout
from anju.core.errors import NotFound
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.security import Caller, Keyring, mask_id, mask_name
from anju.transactions import domain
from anju.transactions import resale_domain as rd
from anju.transactions.resale_listing import agency_of
from anju.transactions.tables import resale_contracts, resale_listings

L = resale_listings
C = resale_contracts
H = registry.homes

# ------------------------------------------------------------------------------------------ listings


class PublicResaleListing(TypedDict):
    """What anyone may see of a resale listing: no owner, no agency staff, no personal data."""

    id: int
    listing_no: str
    title: str
    district_code: str
    district_name: str
    street_code: str
    street_name: str
    estate_name: str
    building_name: str
    floor_no: int | None
    area: Decimal
    asking_price_fen: int
    unit_price_fen: int
    status: str
    status_label: str
    published_at: datetime | None


class ResaleListingView(PublicResaleListing):
    """A listing as its agency sees it: the house code, the code and every rule's result."""

    house_code: str
    description: str
    verify_code: str | None
    verification: list[dict[str, Any]]
    created_at: datetime
    closed_at: datetime | None


class ResaleCodeCheck(PublicResaleListing):
    code: str
    valid: bool


def _cols() -> list[Any]:
    return [
        L,
        H.c.house_code,
        H.c.floor_no,
        registry.buildings.c.name.label("building_name"),
        registry.estates.c.name.label("estate_name"),
    ]


def _joined() -> Any:
    return (
        L.join(H, H.c.id == L.c.home_id)
        .join(registry.buildings, registry.buildings.c.id == H.c.building_id)
        .join(registry.estates, registry.estates.c.id == H.c.estate_id)
    )


def _public(r: Any, names: dict[str, str]) -> PublicResaleListing:
    area = Decimal(r.area)
    hundredths = int(area * 100) or 1
    return {
        "id": int(r.id),
        "listing_no": r.listing_no,
        "title": r.title,
        "district_code": r.district_code,
        "district_name": names.get(r.district_code, r.district_code),
        "street_code": r.street_code,
        "street_name": names.get(r.street_code, r.street_code),
        "estate_name": r.estate_name,
        "building_name": r.building_name,
        "floor_no": r.floor_no,
        "area": area,
        "asking_price_fen": int(r.asking_price_fen),
        "unit_price_fen": domain.fen_per_m2(int(r.asking_price_fen), hundredths),
        "status": r.status,
        "status_label": rd.LISTING_STATUS_LABELS.get(r.status, r.status),
        "published_at": r.published_at,
    }


def _view(r: Any, names: dict[str, str]) -> ResaleListingView:
    return {
        **_public(r, names),
        "house_code": r.house_code,
        "description": r.description,
        "verify_code": r.verify_code,
        "verification": json.loads(r.verification) if r.verification else [],
        "created_at": r.created_at,
        "closed_at": r.closed_at,
    }


def _names(conn: Connection, rows: Any) -> dict[str, str]:
    return divisions.names(conn, {r.street_code for r in rows} | {r.district_code for r in rows})


def agency_listings(
    conn: Connection, caller: Caller, *, status: str | None, limit: int, offset: int
) -> Page[ResaleListingView]:
    """The caller's agency's listings, newest first."""
    party = agency_of(conn, caller)
    stmt = select(*_cols()).select_from(_joined()).where(L.c.agency_party_id == party.id)
    if status:
        stmt = stmt.where(L.c.status == status)
    page = fetch_page(conn, stmt.order_by(L.c.id.desc()), limit=limit, offset=offset)
    names = _names(conn, page.items)
    return page.map(lambda r: _view(r, names))


def agency_listing(conn: Connection, caller: Caller, listing_id: int) -> ResaleListingView:
    party = agency_of(conn, caller)
    r = conn.execute(select(*_cols()).select_from(_joined()).where(L.c.id == listing_id)).first()
    if r is None or r.agency_party_id != party.id:
        raise NotFound(f"房源 {listing_id} 不存在")
    return _view(r, _names(conn, [r]))


@dataclass(frozen=True)
class PublicFilter:
    district: str | None = None
    street: str | None = None
    price_min_fen: int | None = None
    price_max_fen: int | None = None


def public_listings(conn: Connection, f: PublicFilter, *, limit: int, offset: int) -> Page[PublicResaleListing]:
    """Published listings, newest first, filtered by district, street and asking price (anyone).

    A published listing always holds its home (``active`` 1): the status alone selects, newest first
    on ``ix_resale_listings_published`` / ``_district``; the count reads the listings only."""
    conds: list[Any] = [L.c.status == rd.ListingStatus.published]
    if f.district:
        conds.append(L.c.district_code == f.district)
    if f.street:
        conds.append(L.c.street_code == f.street)
    if f.price_min_fen is not None:
        conds.append(L.c.asking_price_fen >= f.price_min_fen)
    if f.price_max_fen is not None:
        conds.append(L.c.asking_price_fen <= f.price_max_fen)
    stmt = select(*_cols()).select_from(_joined()).where(*conds).order_by(L.c.published_at.desc(), L.c.id.desc())
    page = fetch_page(conn, stmt, limit=limit, offset=offset, count_stmt=select(L.c.id).where(*conds))
    names = _names(conn, page.items)
    return page.map(lambda r: _public(r, names))


def check_code(conn: Connection, code: str) -> ResaleCodeCheck:
    """The public facts a 房源核验码 vouches for (the rental listings' format and check character)."""
    norm = rental.domain.normalise_verify_code(code)
    if norm is None:
        raise NotFound("核验码无效")
    r = conn.execute(select(*_cols()).select_from(_joined()).where(L.c.verify_code == norm)).first()
    if r is None:
        raise NotFound("没有这个核验码")
    facts = _public(r, _names(conn, [r]))
    restricted = bool(registry.home_restrictions(conn, [int(r.home_id)], clock.today()).get(int(r.home_id)))
    valid = r.status in rd.ACTIVE_LISTING and not restricted
    out: ResaleCodeCheck = {**facts, "code": norm, "valid": valid}
    if restricted and r.status in rd.ACTIVE_LISTING:
        out["status"], out["status_label"] = "revoked", "核验码已失效（房屋存在限制）"
    return out


# ----------------------------------------------------------------------------------------- contracts


class ResaleContract(TypedDict):
    id: int
    home_id: int
    house_code: str
    listing_id: int | None
    agency_party_id: int | None
    seller_account_id: int | None
    private: bool
    seller_name: str
    seller_id_number: str
    buyer_name: str
    buyer_id_number: str
    buyer_hukou: str | None
    eligibility_policy: str | None
    eligibility: list[dict[str, Any]]
    area: Decimal
    total_price_fen: int
    unit_price_fen: int
    payment_method: str
    payment_label: str
    down_payment_fen: int
    loan_fen: int
    status: str
    status_label: str
    seller_signed_at: datetime | None
    buyer_signed_at: datetime | None
    signed_on: date | None
    filing_no: str | None
    filed_at: datetime | None
    registration_id: int | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    source: str
    district_code: str
    street_code: str
    created_at: datetime


def contract_of(kr: Keyring, r: Any, *, mask: bool, own: str | None = None, eligibility: bool = True) -> ResaleContract:
    """A contract for the caller: ``mask`` masks both parties except ``own`` (``seller`` / ``buyer``:
    the caller's own side, shown in full); ``eligibility`` False leaves the buyer's purchase
    eligibility out (the seller's and the agency's views)."""
    checked = json.loads(r.eligibility) if r.eligibility and eligibility else None
    mask_seller, mask_buyer = mask and own != "seller", mask and own != "buyer"
    sn = kr.decrypt(r.seller_name_enc, "resale_contracts.seller_name")
    si = kr.decrypt(r.seller_id_enc, "resale_contracts.seller_id")
    bn = kr.decrypt(r.buyer_name_enc, "resale_contracts.buyer_name")
    bi = kr.decrypt(r.buyer_id_enc, "resale_contracts.buyer_id")
    return {
        "id": int(r.id),
        "home_id": int(r.home_id),
        "house_code": r.house_code,
        "listing_id": r.listing_id,
        "agency_party_id": r.agency_party_id,
        "seller_account_id": r.seller_account_id,
        "private": r.agency_party_id is None,
        "seller_name": mask_name(sn) if mask_seller else sn,
        "seller_id_number": mask_id(si) if mask_seller else si,
        "buyer_name": mask_name(bn) if mask_buyer else bn,
        "buyer_id_number": mask_id(bi) if mask_buyer else bi,
        "buyer_hukou": r.buyer_hukou,
        "eligibility_policy": checked["policy"]["code"] if checked else None,
        "eligibility": checked["rules"] if checked else [],
        "area": r.area,
        "total_price_fen": int(r.total_price_fen),
        "unit_price_fen": int(r.unit_price_fen),
        "payment_method": r.payment_method,
        "payment_label": domain.PAYMENT_METHODS.get(r.payment_method, r.payment_method),
        "down_payment_fen": int(r.down_payment_fen),
        "loan_fen": int(r.loan_fen),
        "status": r.status,
        "status_label": rd.CONTRACT_STATUS_LABELS.get(r.status, r.status),
        "seller_signed_at": r.seller_signed_at,
        "buyer_signed_at": r.buyer_signed_at,
        "signed_on": r.signed_on,
        "filing_no": r.filing_no,
        "filed_at": r.filed_at,
        "registration_id": r.registration_id,
        "cancelled_at": r.cancelled_at,
        "cancel_reason": r.cancel_reason,
        "source": r.source,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "created_at": r.created_at,
    }


def _contracts() -> Any:
    return select(C, H.c.house_code).join(H, H.c.id == C.c.home_id)


def party_contracts(conn: Connection, kr: Keyring, account_id: int) -> list[ResaleContract]:
    """The caller's own resale contracts as seller or buyer, newest 200 (``as_party``: their own side
    in full, the other masked)."""
    rows = conn.execute(
        _contracts()
        .where(or_(C.c.seller_account_id == account_id, C.c.buyer_account_id == account_id))
        .order_by(C.c.id.desc())
        .limit(200)
    )
    return [as_party(kr, r, account_id) for r in rows]


def as_party(kr: Keyring, r: Any, account_id: int) -> ResaleContract:
    """A contract as its seller or buyer (``account_id``) sees it: their own name and ID in full, the
    other party's masked; the buyer's eligibility for the buyer only."""
    side = "seller" if r.seller_account_id == account_id else "buyer"
    return contract_of(kr, r, mask=True, own=side, eligibility=side == "buyer")


def agency_contracts(conn: Connection, kr: Keyring, caller: Caller, *, limit: int, offset: int) -> Page[ResaleContract]:
    """The caller's agency's contracts, newest first (parties masked: the agency is not a party)."""
    party = agency_of(conn, caller)
    stmt = _contracts().where(C.c.agency_party_id == party.id).order_by(C.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset).map(
        lambda r: contract_of(kr, r, mask=True, eligibility=False)
    )


@dataclass(frozen=True)
class StaffFilter:
    status: str | None = None
    district: str | None = None
    q: str | None = None  # a filing number or a house code
    source: str | None = None


def _staff_select(scope: Scope, f: StaffFilter) -> Any:
    stmt = _contracts().where(*scope.where(C.c.street_code))
    if f.status:
        stmt = stmt.where(C.c.status == f.status)
    if f.district:
        stmt = stmt.where(C.c.district_code == f.district)
    if f.source:
        stmt = stmt.where(C.c.source == f.source)
    if f.q:
        v = f.q.strip().upper()
        stmt = stmt.where((C.c.filing_no == v) | (H.c.house_code == v))
    return stmt.order_by(C.c.id.desc())


def staff_contracts(
    conn: Connection, kr: Keyring, *, scope: Scope, f: StaffFilter, limit: int, offset: int
) -> Page[ResaleContract]:
    """Resale contracts in the caller's streets, newest first, sellers and buyers masked."""
    page = fetch_page(conn, _staff_select(scope, f), limit=limit, offset=offset)
    return page.map(lambda r: contract_of(kr, r, mask=True))


def staff_contract(conn: Connection, kr: Keyring, contract_id: int, *, scope: Scope) -> ResaleContract:
    row = conn.execute(_contracts().where(C.c.id == contract_id)).first()
    missing = f"没有编号为 {contract_id} 的合同"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return contract_of(kr, row, mask=True)


EXPORT_COLUMNS = (
    "id", "filing_no", "status", "source", "house_code", "district_code", "street_code", "seller_name",
    "seller_id_number", "buyer_name", "buyer_id_number", "area", "total_price_fen", "unit_price_fen",
    "payment_method", "down_payment_fen", "loan_fen", "signed_on", "filed_at", "cancelled_at",
)  # fmt: skip


def export_contracts(conn: Connection, kr: Keyring, *, scope: Scope, f: StaffFilter, limit: int = 100_000) -> bytes:
    """The filtered contracts as CSV (sellers and buyers masked), through ``core.csvout``."""
    stmt = _staff_select(scope, f).limit(limit)

    def rows() -> Iterator[list[Any]]:
        for r in conn.execute(stmt):
            c: dict[str, object] = dict(contract_of(kr, r, mask=True))
            yield [c[k] for k in EXPORT_COLUMNS]

    return csvout.to_bytes(EXPORT_COLUMNS, rows())


def contract_for(conn: Connection, kr: Keyring, caller: Caller, contract_id: int) -> ResaleContract:
    """A contract as one who deals in it sees it: its seller or buyer (their own side in full, the
    other masked), or the staff of the agency that drafted it (masked, no eligibility)."""
    row = conn.execute(_contracts().where(C.c.id == contract_id)).first()
    missing = f"没有编号为 {contract_id} 的合同"
    if row is None:
        raise NotFound(missing)
    if caller.account_id is not None and caller.account_id in (row.seller_account_id, row.buyer_account_id):
        return as_party(kr, row, caller.account_id)
    if row.agency_party_id is None or agency_of(conn, caller).id != row.agency_party_id:
        raise NotFound(missing)
    return contract_of(kr, row, mask=True, eligibility=False)
