"""Existing-home resale listings (存量房源发布与核验) by filed brokerage agencies.

The agency's staff (an account of the role ``agency`` whose organisation code is a ``rental_parties``
row of kind ``agency``: the platform's one register of filed agencies, resolved by
``anju.rental.party_for_account``) lists an owner's home with the owner's name and resident ID and the
asking price. Verification gathers the facts and feeds them to the pure rule list
``resale_domain.verify_listing``; every result is stored. The rules a rental listing shares are
answered by the same registry checks: the owner is a current registered owner by blind index and
the register's name (``registry.is_owner``), and no restriction source bars the home
(``registry.home_restrictions``). The owner's name and ID are read once and never stored: only the
blind index of the ID (``owner_bidx``) stays with the listing.

Passing gives a 房源核验码 in the rental listings' format (``rental.domain.make_verify_code``) and the
listing holds its home (``active`` 1; ``ux_resale_listings_home_active`` refuses a second one under
races). A verified listing is published to the public list, withdrawn by the agency, or closed as
sold when a contract on it is filed.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from anju import registry, rental
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.security import Caller, Keyring, person_name, resident_id
from anju.transactions import resale_domain as rd
from anju.transactions.contracts import MAX_FEN
from anju.transactions.filings import restriction_text
from anju.transactions.tables import resale_contracts, resale_listings


@dataclass(frozen=True)
class OwnerIn:
    """The owner the agency lists for (委托人): checked against the register, never stored."""

    owner_name: str
    owner_id_number: str


@dataclass(frozen=True)
class ResaleListingIn:
    house_code: str
    owner_name: str
    owner_id_number: str
    title: str
    description: str
    asking_price_fen: int


class RuleOut(TypedDict):
    name: str
    title: str
    passed: bool
    reason: str


class VerifyResult(TypedDict):
    id: int
    status: str
    failed: list[str]
    rules: list[RuleOut]
    verify_code: str | None


def agency_of(conn: Connection, caller: Caller) -> Any:
    """The brokerage agency (``rental_parties`` of kind ``agency``, any status) the caller works for."""
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    party = rental.party_for_account(conn, caller.account_id)
    if party is None or party.kind != rental.domain.PartyKind.agency:
        raise ValidationError.of("account", "本账户所属机构不是已备案的房地产经纪机构")
    return party


def _filed_agency(conn: Connection, caller: Caller) -> Any:
    """The caller's agency, if its filing is in force (a suspended or revoked agency lists nothing and
    learns nothing about a home: refused before any verification)."""
    party = agency_of(conn, caller)
    if party.status != rental.domain.PartyStatus.filed:
        label = rental.domain.PARTY_STATUS_LABELS.get(party.status, party.status)
        raise ValidationError.of("account", f"经纪机构备案{label}，不能发布或核验房源")
    return party


def _home(conn: Connection, house_code: str) -> Any:
    code = (house_code or "").strip().upper()
    home = conn.execute(select(registry.homes).where(registry.homes.c.house_code == code)).first() if code else None
    if home is None:
        raise ValidationError.of("house_code", "home_exists: 楼盘表中没有该房屋")
    return home


def _owner(kr: Keyring, name: str, id_number: str) -> tuple[str, str]:
    """(name, blind index of the ID) of the owner, or the field errors."""
    errors: list[FieldError] = []
    nm = idn = ""
    try:
        nm = person_name(name, "owner_name")
    except ValidationError as e:
        errors.extend(e.errors)
    try:
        idn = resident_id(id_number, "owner_id_number")
    except ValidationError as e:
        errors.extend(e.errors)
    if errors:
        raise ValidationError("委托人信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    return nm, kr.blind_index(idn, "id_number")


def _clean(cmd: ResaleListingIn) -> tuple[str, str, int]:
    errors: list[FieldError] = []
    title = " ".join((cmd.title or "").split())
    if not title:
        errors.append(FieldError("title", "不能为空"))
    elif len(title) > 100:
        errors.append(FieldError("title", "最长 100 个字符"))
    desc = (cmd.description or "").strip()
    if len(desc) > 4000:
        errors.append(FieldError("description", "最长 4000 个字符"))
    price = cmd.asking_price_fen
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        errors.append(FieldError("asking_price_fen", "应为正整数（分）"))
    elif price > MAX_FEN:
        errors.append(FieldError("asking_price_fen", "超过合理范围，请核对"))
    if errors:
        raise ValidationError("房源信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    return title, desc, price


def _own(conn: Connection, party: Any, listing_id: int) -> Any:
    row = conn.execute(select(resale_listings).where(resale_listings.c.id == listing_id)).first()
    if row is None or row.agency_party_id != party.id:
        raise NotFound(f"房源 {listing_id} 不存在")
    return row


def _new_code() -> str:
    alphabet = rental.domain.CODE_ALPHABET
    return rental.domain.make_verify_code([secrets.randbelow(len(alphabet)) for _ in range(rental.domain.CODE_BODY)])


# ---------------------------------------------------------------------------------------- use cases


def create_listing(conn: Connection, kr: Keyring, caller: Caller, cmd: ResaleListingIn) -> VerifyResult:
    """Create a listing of a register home for its owner and verify it at once (the owner's name and
    ID are checked now and not kept). A failed verification leaves a draft with the results."""
    party = _filed_agency(conn, caller)
    title, desc, price = _clean(cmd)
    name, bidx = _owner(kr, cmd.owner_name, cmd.owner_id_number)
    home = _home(conn, cmd.house_code)
    now = clock.now()
    lid = conn.execute(
        resale_listings.insert()
        .values(
            listing_no=rd.listing_no(clock.to_local(now).date(), secrets.randbelow(10**10)),
            home_id=home.id,
            agency_party_id=party.id,
            lister_account_id=caller.account_id,
            owner_bidx=bidx,
            title=title,
            description=desc,
            area=home.construction_area,
            asking_price_fen=price,
            status=rd.ListingStatus.draft.value,
            active=None,
            verification=None,
            verify_code=None,
            district_code=home.district_code,
            street_code=home.street_code,
            created_at=now,
            updated_at=now,
        )
        .returning(resale_listings.c.id)
    ).scalar_one()
    return _verify(conn, kr, party, int(lid), name, bidx)


def verify(conn: Connection, kr: Keyring, caller: Caller, listing_id: int, owner: OwnerIn) -> VerifyResult:
    """Verify a draft again (the owner's name and ID are given again: they are not kept)."""
    party = _filed_agency(conn, caller)
    # the first statement is a write: concurrent verifications of one listing queue here
    conn.execute(update(resale_listings).where(resale_listings.c.id == listing_id).values(updated_at=clock.now()))
    row = _own(conn, party, listing_id)
    if row.status != rd.ListingStatus.draft:
        label = rd.LISTING_STATUS_LABELS.get(row.status, row.status)
        raise Conflict(f"status: 房源{label}，不能重复核验", [FieldError("status", f"房源{label}")])
    name, bidx = _owner(kr, owner.owner_name, owner.owner_id_number)
    return _verify(conn, kr, party, listing_id, name, bidx)


def gather_facts(conn: Connection, kr: Keyring, row: Any, party: Any, name: str, bidx: str) -> rd.ListingFacts:
    """The facts of one listing: a handful of indexed reads."""
    today = clock.today()
    home = conn.execute(select(registry.homes.c.status).where(registry.homes.c.id == row.home_id)).first()
    hid = int(row.home_id)
    found = registry.home_restrictions(conn, [hid], today).get(hid, [])
    other = conn.execute(
        select(resale_listings.c.id).where(
            resale_listings.c.home_id == hid, resale_listings.c.active == 1, resale_listings.c.id != row.id
        )
    ).first()
    contract = conn.execute(
        select(resale_contracts.c.id).where(resale_contracts.c.home_id == hid, resale_contracts.c.active == 1)
    ).first()
    return rd.ListingFacts(
        home_found=home is not None,
        home_status=home.status if home is not None else None,
        owner_registered=registry.is_owner(conn, hid, bidx, today, named=(kr, name)),
        agency_status=party.status,
        agency_kind=party.kind,
        restrictions=tuple(restriction_text(r) for r in found),
        other_listing=other is not None,
        active_contract=contract is not None,
        mortgages=tuple(
            f"{m['authority']}（{m['document_no']}）"
            for m in registry.restrictions_in_force(conn, [hid], today, ["mortgage"])
        ),
    )


def _rules_out(results: list[rd.RuleResult]) -> list[RuleOut]:
    return [{"name": r.name, "title": r.title, "passed": r.passed, "reason": r.reason} for r in results]


def _verify(conn: Connection, kr: Keyring, party: Any, listing_id: int, name: str, bidx: str) -> VerifyResult:
    row = conn.execute(select(resale_listings).where(resale_listings.c.id == listing_id)).one()
    results = rd.verify_listing(gather_facts(conn, kr, row, party, name, bidx))
    failed = [r.name for r in results if not r.passed]
    rules = _rules_out(results)
    now = clock.now()
    values: dict[str, Any] = {
        "verification": json.dumps(rules, ensure_ascii=False),
        "owner_bidx": bidx,
        "updated_at": now,
    }
    code = None
    if failed:
        conn.execute(update(resale_listings).where(resale_listings.c.id == listing_id).values(**values))
    else:
        code = _new_code()
        values |= {"status": rd.ListingStatus.verified.value, "active": 1, "verify_code": code}
        try:
            with conn.begin_nested():
                conn.execute(update(resale_listings).where(resale_listings.c.id == listing_id).values(**values))
        except IntegrityError:
            reason = "该房屋已有其他已核验或已发布的出售房源"
            raise Conflict(f"home_not_listed: {reason}", [FieldError("home_not_listed", reason)]) from None
    return {
        "id": listing_id,
        "status": rd.ListingStatus.draft.value if failed else rd.ListingStatus.verified.value,
        "failed": failed,
        "rules": rules,
        "verify_code": code,
    }


def publish(conn: Connection, caller: Caller, listing_id: int) -> None:
    """Publish a verified listing, if no restriction has come to bar the home since."""
    party = agency_of(conn, caller)
    row = _own(conn, party, listing_id)
    if row.status != rd.ListingStatus.verified:
        label = rd.LISTING_STATUS_LABELS.get(row.status, row.status)
        raise Conflict(f"status: 只有已核验的房源可以发布（当前：{label}）", [FieldError("status", label)])
    if party.status != rental.domain.PartyStatus.filed:
        raise Conflict("account: 经纪机构备案已暂停或撤销，不能发布", [FieldError("account", "经纪机构不是已备案状态")])
    found = registry.home_restrictions(conn, [int(row.home_id)], clock.today()).get(int(row.home_id))
    if found:
        text = "；".join(restriction_text(r) for r in found)
        raise Conflict(f"home_unrestricted: 房屋存在限制（{text}），不能发布", [FieldError("home_unrestricted", text)])
    now = clock.now()
    conn.execute(
        update(resale_listings)
        .where(resale_listings.c.id == listing_id)
        .values(status=rd.ListingStatus.published.value, published_at=now, updated_at=now)
    )


def withdraw(conn: Connection, caller: Caller, listing_id: int) -> None:
    """The agency withdraws a listing (draft, verified or published): its code no longer verifies."""
    party = agency_of(conn, caller)
    row = _own(conn, party, listing_id)
    if row.status not in (rd.ListingStatus.draft, *rd.ACTIVE_LISTING):
        label = rd.LISTING_STATUS_LABELS.get(row.status, row.status)
        raise Conflict(f"status: 房源{label}，不能撤回", [FieldError("status", f"房源{label}")])
    held = conn.execute(
        select(resale_contracts.c.id).where(resale_contracts.c.listing_id == listing_id, resale_contracts.c.active == 1)
    ).first()
    if held is not None:
        raise Conflict(
            "status: 该房源已有正在办理的买卖合同，不能撤回", [FieldError("status", "已有正在办理的买卖合同")]
        )
    close(conn, listing_id, rd.ListingStatus.withdrawn)


def close(conn: Connection, listing_id: int, status: rd.ListingStatus) -> None:
    """Close a listing (withdrawn, or sold when a contract on it is filed): it frees the home."""
    now = clock.now()
    conn.execute(
        update(resale_listings)
        .where(resale_listings.c.id == listing_id)
        .values(status=status.value, active=None, closed_at=now, updated_at=now)
    )


def listing_for_contract(conn: Connection, party: Any, listing_id: int) -> Any:
    """The agency's own listing a contract is drafted on: verified or published."""
    row = conn.execute(select(resale_listings).where(resale_listings.c.id == listing_id)).first()
    if row is None or row.agency_party_id != party.id:
        raise ValidationError.of("listing_id", "没有这个房源，或不是本机构的房源")
    if row.status not in rd.ACTIVE_LISTING:
        label = rd.LISTING_STATUS_LABELS.get(row.status, row.status)
        raise ValidationError.of("listing_id", f"房源{label}，只有已核验或已发布的房源可以签约")
    return row
