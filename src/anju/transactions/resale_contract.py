"""Existing-home purchase contracts (存量房买卖合同网签备案): draft → signed by seller and buyer →
filed → registered (the transfer to the buyer was registered) or cancelled.

A contract is drafted by a filed brokerage agency for one of its verified listings, or by the seller
for a private sale (自行成交). The seller is a registered owner of the home (``registry.is_owner``:
blind index and the register's name) with a real-name VERIFIED account; the buyer is named by a
verified account too (the same resolution as new-home buyers: ``contracts.verified_party``). Each
signs from their own account. The restrictions of every source (``registry.home_restrictions``) are
asked at drafting, at each signature and at filing; the purchase-eligibility rules (限购, the policy
data of ``eligibility``) at each signature. A home has one contract in progress:
``ux_resale_contracts_home_active`` refuses a second one, so of simultaneous drafts exactly one wins.

Filing gives a number of its own series (``resale_domain.filing_number``: ``CS…``) and closes the
listing as sold. The registration feed completes a filed contract (``registrations.complete_resales``:
status ``registered``, ``active`` NULL, ``registration_id`` set). The fund hooks
(``resale_funds``) are called at filing, registration and cancellation.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.settings import Settings
from anju.core.types import area_to_db
from anju.registry import Status
from anju.security import Caller, Keyring, accounts, person_name, resident_id
from anju.transactions import cancellations, domain, eligibility, events, figures, resale_funds, resale_listing
from anju.transactions import resale_domain as rd
from anju.transactions.contracts import _amount, check_restrictions, verified_party
from anju.transactions.filings import CONTRACT_FILE, require_credit
from anju.transactions.tables import resale_contracts

C = resale_contracts


@dataclass(frozen=True)
class ResaleContractIn:
    """The model contract's fields (the home's area comes from the register).

    ``listing_id`` for an agency's contract; ``house_code`` for a private sale drafted by the seller,
    whose own verified account names the seller (``seller_name`` / ``seller_id_number`` are then
    ignored)."""

    buyer_name: str
    buyer_id_number: str
    total_price_fen: int
    payment_method: str
    down_payment_fen: int
    loan_fen: int
    listing_id: int | None = None
    house_code: str | None = None
    seller_name: str = ""
    seller_id_number: str = ""
    buyer_hukou: str = "local"
    buyer_social_insurance_months: int = 0


def _held_twice(house_code: str) -> Conflict:
    reason = f"房屋 {house_code} 已有正在办理的存量房买卖合同，不能重复签约"
    return Conflict(f"home_id: {reason}", [FieldError("home_id", reason)])


def _terms(cmd: ResaleContractIn, errors: list[FieldError]) -> tuple[int, int, int]:
    total = _amount(cmd.total_price_fen, "total_price_fen", errors)
    down = _amount(cmd.down_payment_fen, "down_payment_fen", errors)
    loan = _amount(cmd.loan_fen, "loan_fen", errors, zero=True)
    if not errors:
        errors.extend(FieldError(f, r) for f, r in domain.payment_problems(cmd.payment_method, total, down, loan))
    if cmd.buyer_hukou not in eligibility.HUKOU_LABELS:
        errors.append(FieldError("buyer_hukou", "应为 local（本市户籍）或 nonlocal（非本市户籍）"))
    months = cmd.buyer_social_insurance_months
    if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= 36:
        errors.append(FieldError("buyer_social_insurance_months", "应为 0–36 之间的整数（近 36 个月内的月数）"))
    return total, down, loan


def _seller_of_caller(conn: Connection, kr: Keyring, caller: Caller) -> tuple[int, str, str]:
    """(account id, name, ID) of the calling seller's verified account (a private sale)."""
    acct = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).first()
    if acct is None or acct.id_number_bidx is None or acct.id_number_enc is None:
        raise ValidationError.of("account", "账户尚未完成实名认证，不能作为出卖人网签（我的账户 → 实名认证）")
    return (
        int(acct.id),
        kr.decrypt(acct.name_enc, "accounts.name"),
        kr.decrypt(acct.id_number_enc, "accounts.id_number"),
    )


def draft(conn: Connection, kr: Keyring, caller: Caller, cmd: ResaleContractIn, *, private: bool) -> int:
    """Draft a resale contract: by the agency on its listing (``private`` False) or by the seller for a
    private sale. Every field is checked first; nothing is written on a refusal; a home already held by
    a contract in progress is a 409 (the unique index decides under races)."""
    today = clock.today()
    party = listing = None
    errors: list[FieldError] = []
    if private:
        seller = _seller_of_caller(conn, kr, caller)
        claimed = (seller[1], seller[2])
        code = (cmd.house_code or "").strip().upper()
        home = conn.execute(select(registry.homes).where(registry.homes.c.house_code == code)).first() if code else None
        if home is None:
            raise ValidationError.of("house_code", "楼盘表中没有该房屋")
    else:
        party = resale_listing.agency_of(conn, caller)
        if cmd.listing_id is None:
            raise ValidationError.of("listing_id", "须选择本机构已核验的房源")
        listing = resale_listing.listing_for_contract(conn, party, cmd.listing_id)
        home = conn.execute(select(registry.homes).where(registry.homes.c.id == listing.home_id)).one()
        claimed = (person_name(cmd.seller_name, "seller_name"), resident_id(cmd.seller_id_number, "seller_id_number"))
    hc = home.house_code
    if home.status != Status.in_use:
        raise ValidationError.of("house_code", f"房屋 {hc} 的状态为{home.status}，不能作为存量房签约")
    # Ownership first: no account is looked up for someone who does not own the home (else the answers
    # would tell whether an ID number has an account and whether a name matches it).
    seller_bidx = kr.blind_index(claimed[1], "id_number")
    fld = "account" if private else "seller_id_number"
    if listing is not None and listing.owner_bidx != seller_bidx:
        raise ValidationError.of(fld, "出卖人不是该房源核验时的委托人")
    if not registry.is_owner(conn, int(home.id), seller_bidx, today, named=(kr, claimed[0])):
        raise ValidationError.of(fld, f"出卖人不是房屋 {hc} 登记的现产权人（证件号码与姓名须与楼盘表一致）")
    if not private:
        found = verified_party(conn, kr, claimed[0], claimed[1], errors, side="seller")
        seller = found if found is not None else (0, "", "")
    total, down, loan = _terms(cmd, errors)
    buyer = verified_party(conn, kr, cmd.buyer_name, cmd.buyer_id_number, errors)
    if errors:
        raise ValidationError("合同信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert buyer is not None
    if buyer[0] == seller[0]:
        raise ValidationError.of("buyer_id_number", "买受人不能是出卖人本人")
    check_restrictions(conn, int(home.id), hc, "签约")
    if conn.execute(select(C.c.id).where(C.c.home_id == home.id, C.c.active == 1)).first() is not None:
        raise _held_twice(hc)
    area = Decimal(home.construction_area)
    now = clock.now()
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    C.insert()
                    .values(
                        home_id=home.id,
                        listing_id=listing.id if listing is not None else None,
                        agency_party_id=party.id if party is not None else None,
                        seller_bidx=seller_bidx,
                        seller_name_enc=kr.encrypt(seller[1], "resale_contracts.seller_name"),
                        seller_id_enc=kr.encrypt(seller[2], "resale_contracts.seller_id"),
                        seller_account_id=seller[0],
                        buyer_account_id=buyer[0],
                        buyer_name_enc=kr.encrypt(buyer[1], "resale_contracts.buyer_name"),
                        buyer_id_enc=kr.encrypt(buyer[2], "resale_contracts.buyer_id"),
                        buyer_id_bidx=kr.blind_index(buyer[2], "id_number"),
                        buyer_hukou=cmd.buyer_hukou,
                        buyer_si_months=cmd.buyer_social_insurance_months,
                        area=area,
                        total_price_fen=total,
                        unit_price_fen=domain.fen_per_m2(total, area_to_db(area) or 1),
                        payment_method=cmd.payment_method,
                        down_payment_fen=down,
                        loan_fen=loan,
                        status=rd.ContractStatus.draft.value,
                        active=1,
                        source="platform",
                        district_code=home.district_code,
                        street_code=home.street_code,
                        created_by=caller.username,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(C.c.id)
                ).scalar_one()
            )
    except IntegrityError:
        raise _held_twice(hc) from None


# ------------------------------------------------------------------------------------- the parties


def contract_row(conn: Connection, contract_id: int, *, for_update: bool = False) -> Any:
    """The contract with its home's code. ``for_update``: the contract's row is locked for the rest of
    the transaction (PostgreSQL; the homes row is not), so a mutating path reads the state it changes
    after any concurrent writer committed (simultaneous signatures, a double filing, a cancellation
    racing the registration feed)."""
    query = (
        select(C, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == C.c.home_id)
        .where(C.c.id == contract_id)
    )
    row = conn.execute(query.with_for_update(of=C) if for_update else query).first()
    if row is None:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    return row


def _must_be(row: Any, *states: str, action: str) -> None:
    if row.status not in states:
        label = rd.CONTRACT_STATUS_LABELS.get(row.status, row.status)
        raise Conflict(f"status: 合同{label}，不能{action}", [FieldError("status", f"合同{label}，不能{action}")])


def _as_party(conn: Connection, caller: Caller, contract_id: int, side: str, *, for_update: bool = False) -> Any:
    """The contract, if the caller's account is the one it names on ``side`` and is still verified
    with the same identity; otherwise not found (or a refusal naming the account)."""
    row = contract_row(conn, contract_id, for_update=for_update)
    if caller.account_id is None or getattr(row, f"{side}_account_id") != caller.account_id:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    verified = conn.execute(
        select(accounts.c.id_number_bidx).where(accounts.c.id == caller.account_id)
    ).scalar_one_or_none()
    if verified != (row.seller_bidx if side == "seller" else row.buyer_id_bidx):
        who = rd.SIDES[side]
        raise ValidationError.of("account", f"账户尚未完成实名认证，或与合同的{who}不一致（我的账户 → 实名认证）")
    return row


def _seller_still_owner(conn: Connection, row: Any) -> None:
    if not registry.is_owner(conn, int(row.home_id), row.seller_bidx, clock.today()):
        raise Conflict(
            f"seller: 出卖人已不是房屋 {row.house_code} 登记的产权人",
            [FieldError("seller", "出卖人已不是登记的产权人")],
        )


def sign(conn: Connection, settings: Settings, caller: Caller, contract_id: int, side: str) -> str:
    """The seller's or the buyer's signature, from the account the contract names; the contract is
    signed once both have. Restrictions, the seller's ownership and the 限购 rules are checked."""
    row = _as_party(conn, caller, contract_id, side, for_update=True)
    _must_be(row, rd.ContractStatus.draft, action="签约")
    if getattr(row, f"{side}_signed_at") is not None:
        raise Conflict("status: 已签署，无需重复签署", [FieldError("status", "已签署")])
    check_restrictions(conn, int(row.home_id), row.house_code, "签约")
    _seller_still_owner(conn, row)
    found = eligibility.check_buyer(conn, settings, row, clock.today(), market="resale")
    if found is not None and not found.eligible and side == "seller":
        # the buyer's circumstances are the buyer's: the seller learns only that the buyer may not buy
        reason = "买受人不符合购房条件，暂不能签约"
        raise ValidationError(f"buyer: {reason}", [FieldError("buyer", reason)])
    if found is not None and not found.eligible:
        failed = "；".join(f"{r.name}：{r.reason}" for r in found.rules if not r.passed)
        raise ValidationError(
            f"buyer: 买受人不符合购房条件（{found.policy_code}）：{failed}",
            [FieldError("buyer", f"{r.name}：{r.reason}") for r in found.rules if not r.passed],
        )
    now = clock.now()
    other = row.buyer_signed_at if side == "seller" else row.seller_signed_at
    both = other is not None
    status = rd.ContractStatus.signed if both else rd.ContractStatus.draft
    values: dict[str, object] = {f"{side}_signed_at": now, "status": status.value, "updated_at": now}
    if both:
        values["signed_on"] = clock.to_local(now).date()
    values["eligibility"] = found.to_json() if found is not None else None
    conn.execute(C.update().where(C.c.id == row.id).values(values))
    return status.value


def file(conn: Connection, kr: Keyring, caller: Caller, contract_id: int, *, private: bool) -> str:
    """File a signed contract (网签备案): by the agency that drafted it, or by the seller of a private
    sale. Gives the filing number, closes the listing as sold and calls the fund hook (which posts nothing:
    money enters when the bank reports a deposit, ``resale_funds.record_deposit``)."""
    if private:
        row = _as_party(conn, caller, contract_id, "seller", for_update=True)
        if row.agency_party_id is not None:
            raise Conflict("status: 经纪机构居间的合同由经纪机构办理备案", [FieldError("status", "由经纪机构备案")])
    else:
        party = resale_listing.agency_of(conn, caller)
        row = contract_row(conn, contract_id, for_update=True)
        if row.agency_party_id != party.id:
            raise NotFound(f"没有编号为 {contract_id} 的合同")
    _must_be(row, rd.ContractStatus.signed, action="备案")
    check_restrictions(conn, int(row.home_id), row.house_code, "备案")
    if not private:  # 联合惩戒: an agency credit bars files nothing
        require_credit(conn, kr, CONTRACT_FILE, party.credit_code, party.name, "agency")
    _seller_still_owner(conn, row)
    now = clock.now()
    number = rd.filing_number(clock.to_local(now).year, int(row.id))
    conn.execute(
        C.update()
        .where(C.c.id == row.id)
        .values(status=rd.ContractStatus.filed.value, filing_no=number, filed_at=now, updated_at=now)
    )
    if row.listing_id is not None:
        resale_listing.close(conn, int(row.listing_id), rd.ListingStatus.sold)
    resale_funds.on_filed(conn, row)
    events.resale_contract_filed(conn, row, number)
    figures.filed(conn, "resale", SimpleNamespace(**(row._asdict() | {"filed_at": now})))  # last: locks the day's row
    return number


def cancel(
    conn: Connection, kr: Keyring, caller: Caller, contract_id: int, reason: str, reason_code: str = "other"
) -> None:
    """撤销 by the bureau (in scope), with a reason, from draft, signed or filed; the home is free
    again (a sold listing stays closed: the agency lists again if the owner still sells). A
    ``reason_code`` putting the fault on the brokering agency records its credit event."""
    cancellations.check_reason(reason_code, cancellations.RESALE_REASONS)
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError.of("reason", "须填写撤销原因")
    if len(text) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    row = contract_row(conn, contract_id, for_update=True)
    caller.scope.require(row.street_code, f"没有编号为 {contract_id} 的合同")
    _must_be(row, *rd.HOLDING, action="撤销")
    now = clock.now()
    conn.execute(
        C.update()
        .where(C.c.id == row.id)
        .values(
            status=rd.ContractStatus.cancelled.value,
            active=None,
            cancelled_at=now,
            cancel_reason=text,
            cancelled_by=caller.username,
            updated_at=now,
        )
    )
    resale_funds.on_cancelled(conn, row, was_filed=row.status == rd.ContractStatus.filed, actor=caller.account_id)
    cancellations.resale_cancelled(conn, kr, row, reason_code)
    if row.status == rd.ContractStatus.filed:
        figures.cancelled(conn, "resale", row)  # out of the public figures of the day it was filed
