"""Purchase contracts of new homes (商品房买卖合同网签备案): draft → signed by both parties → filed →
cancelled (撤销备案).

The developer's staff (an account whose organisation code is a filed developer's credit code) drafts a
contract for a home of its own project under a presale permit, naming a buyer who holds a real-name
VERIFIED account (docs/identity.md); both sides sign; the developer files it and gets the filing
number; the bureau cancels a contract with a reason. A home is sold once: the database refuses a second
contract holding the same home (``ux_sale_contracts_home_active``), so of concurrent attempts exactly
one wins and the others get a clear 409. The registry's restrictions (查封, 抵押 …) are consulted when a
contract is drafted, at each signature and at filing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any, TypedDict

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.scope import SYSTEM
from anju.core.settings import Settings
from anju.core.types import area_to_db
from anju.registry import Status, home_restrictions
from anju.security import Caller, Keyring, accounts, mask_id, mask_name, person_name, resident_id
from anju.transactions import cancellations, domain, eligibility, events, figures, presale_funds
from anju.transactions.filings import CONTRACT_FILE, developer_of, require_credit, restriction_text
from anju.transactions.prices import current_price, yuan
from anju.transactions.tables import presale_permit_homes, presale_permits, sale_contracts, sale_projects

MAX_FEN = 10**13


@dataclass(frozen=True)
class ContractIn:
    """The model contract's fields the developer fills in (the home's area comes from the register)."""

    home_id: int
    buyer_name: str
    buyer_id_number: str
    total_price_fen: int
    payment_method: str
    down_payment_fen: int
    loan_fen: int
    delivery_date: date
    buyer_hukou: str = "local"  # local | nonlocal, declared by the buyer (限购)
    buyer_social_insurance_months: int = 0  # months of social insurance or income tax in the last 36


def _held(conn: Connection, home_id: int) -> Any:
    c = sale_contracts
    return conn.execute(select(c.c.id, c.c.status).where(c.c.home_id == home_id, c.c.active == 1)).first()


def _sold_twice(house_code: str) -> Conflict:
    reason = f"房屋 {house_code} 已有有效的买卖合同，不能重复销售"
    return Conflict(f"home_id: {reason}", [FieldError("home_id", reason)])


def check_restrictions(conn: Connection, home_id: int, house_code: str, step: str) -> None:
    """Refuse the step when any restriction source bars the home today, naming the restriction."""
    found = home_restrictions(conn, [home_id], clock.today()).get(home_id)
    if found:
        text = "；".join(restriction_text(r) for r in found)
        raise Conflict(
            f"home_id: 房屋 {house_code} 存在限制（{text}），不能{step}",
            [FieldError("home_id", f"存在限制（{text}），不能{step}")],
        )


def _amount(value: object, fld: str, errors: list[FieldError], *, zero: bool = False) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (value == 0 and not zero):
        errors.append(FieldError(fld, "应为正整数（分）" if not zero else "应为非负整数（分）"))
        return 0
    if value > MAX_FEN:
        errors.append(FieldError(fld, "超过合理范围，请核对"))
    return value


def _buyer(
    conn: Connection, kr: Keyring, name: str, id_number: str, errors: list[FieldError], side: str = "buyer"
) -> tuple[int, str, str] | None:
    """(account id, name, ID) of a party's verified account, or None with the reason collected
    (``side``: ``buyer``, or ``seller`` for resale contracts; it prefixes the fields named)."""
    who = {"buyer": "买受人", "seller": "出卖人"}[side]
    try:
        nm = person_name(name, f"{side}_name")
        idn = resident_id(id_number, f"{side}_id_number")
    except ValidationError as e:
        errors.extend(e.errors)
        return None
    row = conn.execute(
        select(accounts.c.id, accounts.c.name_bidx, accounts.c.disabled_at).where(
            accounts.c.id_number_bidx == kr.blind_index(idn, "id_number")
        )
    ).first()
    if row is None or row.disabled_at is not None:
        errors.append(FieldError(f"{side}_id_number", f"{who}尚未在平台注册并完成实名认证，不能网签"))
        return None
    if row.name_bidx != kr.blind_index(nm, "name"):
        errors.append(FieldError(f"{side}_name", f"{who}姓名与实名认证的姓名不一致"))
        return None
    return int(row.id), nm, idn


verified_party = _buyer


def draft_contract(conn: Connection, kr: Keyring, caller: Caller, cmd: ContractIn) -> int:
    """Draft a contract for a home of the caller's developer under a presale permit, at or below its
    filed price, for a buyer with a verified account. Every field is checked first; nothing is written
    on a refusal; a home already held by a contract is a 409."""
    today = clock.today()
    dev = developer_of(conn, caller)
    try:
        home = registry.get_home(conn, cmd.home_id, scope=SYSTEM)
    except NotFound:
        raise ValidationError.of("home_id", f"楼盘表中没有编号为 {cmd.home_id} 的房屋") from None
    code = home["house_code"]
    permit = conn.execute(
        select(presale_permits.c.id, presale_permits.c.project_id, sale_projects.c.developer_id)
        .join(presale_permit_homes, presale_permit_homes.c.permit_id == presale_permits.c.id)
        .join(sale_projects, sale_projects.c.id == presale_permits.c.project_id)
        .where(presale_permit_homes.c.home_id == home["id"])
    ).first()
    if permit is None or permit.developer_id != dev["id"]:
        raise ValidationError.of("home_id", f"房屋 {code} 不在本企业取得的预售许可范围内")
    if home["status"] != Status.presale:
        raise ValidationError.of("home_id", f"房屋 {code} 的状态为{home['status']}，不能预售签约")
    errors: list[FieldError] = []
    total = _amount(cmd.total_price_fen, "total_price_fen", errors)
    down = _amount(cmd.down_payment_fen, "down_payment_fen", errors)
    loan = _amount(cmd.loan_fen, "loan_fen", errors, zero=True)
    if not errors:
        errors.extend(FieldError(f, r) for f, r in domain.payment_problems(cmd.payment_method, total, down, loan))
    if cmd.delivery_date <= today:
        errors.append(FieldError("delivery_date", "交付日期应晚于今天"))
    if cmd.buyer_hukou not in eligibility.HUKOU_LABELS:
        errors.append(FieldError("buyer_hukou", "应为 local（本市户籍）或 nonlocal（非本市户籍）"))
    months = cmd.buyer_social_insurance_months
    if not isinstance(months, int) or isinstance(months, bool) or not 0 <= months <= 36:
        errors.append(FieldError("buyer_social_insurance_months", "应为 0–36 之间的整数（近 36 个月内的月数）"))
    buyer = _buyer(conn, kr, cmd.buyer_name, cmd.buyer_id_number, errors)
    if errors:
        raise ValidationError("合同信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    assert buyer is not None
    filed = current_price(conn, home["id"])
    if filed is None:
        raise ValidationError.of("total_price_fen", f"房屋 {code} 尚未备案价格，不能签约")
    if total > filed[1]:
        reason = f"房屋 {code} 的合同总价 {yuan(total)} 元高于备案价格 {yuan(filed[1])} 元，不能签约"
        raise ValidationError.of("total_price_fen", reason)
    check_restrictions(conn, home["id"], code, "销售")
    if _held(conn, home["id"]) is not None:
        raise _sold_twice(code)
    area = Decimal(home["construction_area"])
    now = clock.now()
    try:
        with conn.begin_nested():
            return int(
                conn.execute(
                    sale_contracts.insert()
                    .values(
                        home_id=home["id"],
                        project_id=permit.project_id,
                        permit_id=permit.id,
                        developer_id=dev["id"],
                        buyer_account_id=buyer[0],
                        buyer_name_enc=kr.encrypt(buyer[1], "sale_contracts.buyer_name"),
                        buyer_id_enc=kr.encrypt(buyer[2], "sale_contracts.buyer_id"),
                        buyer_id_bidx=kr.blind_index(buyer[2], "id_number"),
                        buyer_hukou=cmd.buyer_hukou,
                        buyer_si_months=months,
                        area=area,
                        total_price_fen=total,
                        unit_price_fen=domain.fen_per_m2(total, area_to_db(area) or 1),
                        payment_method=cmd.payment_method,
                        down_payment_fen=down,
                        loan_fen=loan,
                        delivery_date=cmd.delivery_date,
                        status=domain.ContractStatus.draft,
                        active=1,
                        district_code=home["district_code"],
                        street_code=home["street_code"],
                        created_by=caller.username,
                        created_at=now,
                        updated_at=now,
                    )
                    .returning(sale_contracts.c.id)
                ).scalar_one()
            )
    except IntegrityError:
        raise _sold_twice(code) from None


def _contract(conn: Connection, contract_id: int) -> Any:
    c = sale_contracts
    row = conn.execute(
        select(c, registry.homes.c.house_code)
        .join(registry.homes, registry.homes.c.id == c.c.home_id)
        .where(c.c.id == contract_id)
    ).first()
    if row is None:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    return row


def _own_as_developer(conn: Connection, caller: Caller, contract_id: int) -> Any:
    return _developers(conn, developer_of(conn, caller)["id"], contract_id)


def _developers(conn: Connection, developer_id: int, contract_id: int) -> Any:
    row = _contract(conn, contract_id)
    if row.developer_id != developer_id:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    return row


def developer_contract(conn: Connection, kr: Keyring, developer_id: int, contract_id: int) -> Contract:
    """A contract of the developer (already resolved by ``developer_of``) as its staff see it: buyer masked;
    another developer's contract is "not found"."""
    return contract_of(kr, _developers(conn, developer_id, contract_id), mask=True)


def _own_as_buyer(conn: Connection, caller: Caller, contract_id: int) -> Any:
    row = _contract(conn, contract_id)
    if caller.account_id is None or row.buyer_account_id != caller.account_id:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    return row


def _must_be(row: Any, *states: str, action: str) -> None:
    if row.status not in states:
        label = domain.CONTRACT_STATUS_LABELS[row.status]
        raise Conflict(f"status: 合同{label}，不能{action}", [FieldError("status", f"合同{label}，不能{action}")])


def _sign(conn: Connection, settings: Settings, row: Any, side: str) -> str:
    _must_be(row, domain.ContractStatus.draft, action="签约")
    if getattr(row, f"{side}_signed_at") is not None:
        raise Conflict("status: 已签署，无需重复签署", [FieldError("status", "已签署")])
    check_restrictions(conn, row.home_id, row.house_code, "签约")
    found = eligibility.check_buyer(conn, settings, row, clock.today())
    if found is not None and not found.eligible:
        failed = "；".join(f"{r.name}：{r.reason}" for r in found.rules if not r.passed)
        raise ValidationError(
            f"buyer: 买受人不符合购房条件（{found.policy_code}）：{failed}",
            [FieldError("buyer", f"{r.name}：{r.reason}") for r in found.rules if not r.passed],
        )
    now = clock.now()
    other = row.buyer_signed_at if side == "developer" else row.developer_signed_at
    status = domain.ContractStatus.signed if other is not None else domain.ContractStatus.draft
    c = sale_contracts
    values: dict[str, object] = {f"{side}_signed_at": now, "status": status, "updated_at": now}
    values["eligibility"] = found.to_json() if found is not None else None
    conn.execute(c.update().where(c.c.id == row.id).values(values))
    return status


def sign_as_developer(conn: Connection, settings: Settings, caller: Caller, contract_id: int) -> str:
    """The developer's signature (出卖人签章); the contract is signed once both sides have signed.
    The purchase-eligibility rules in force today are checked at each signature."""
    return _sign(conn, settings, _own_as_developer(conn, caller, contract_id), "developer")


def sign_as_buyer(conn: Connection, settings: Settings, caller: Caller, contract_id: int) -> str:
    """The buyer's signature (买受人签字), by the verified account the contract names."""
    row = _own_as_buyer(conn, caller, contract_id)
    verified = conn.execute(
        select(accounts.c.id_number_bidx).where(accounts.c.id == caller.account_id)
    ).scalar_one_or_none()
    if verified != row.buyer_id_bidx:
        raise ValidationError.of("account", "账户尚未完成实名认证，或与合同的买受人不一致（我的账户 → 实名认证）")
    return _sign(conn, settings, row, "buyer")


def _file(conn: Connection, settings: Settings, kr: Keyring, caller: Caller, contract_id: int) -> SimpleNamespace:
    """File the contract; the row as it now stands (what the filing read, with what it wrote). A
    developer credit bars (联合惩戒) files nothing."""
    dev = developer_of(conn, caller)
    row = _contract(conn, contract_id)
    if row.developer_id != dev["id"]:
        raise NotFound(f"没有编号为 {contract_id} 的合同")
    _must_be(row, domain.ContractStatus.signed, action="备案")
    check_restrictions(conn, row.home_id, row.house_code, "备案")
    require_credit(conn, kr, CONTRACT_FILE, dev["credit_code"], dev["name"], "developer")
    now = clock.now()
    number = domain.filing_number(clock.to_local(now).year, row.id)
    c = sale_contracts
    done = conn.execute(
        c.update()
        .where(c.c.id == row.id, c.c.status == domain.ContractStatus.signed)  # a second filing meanwhile: refused
        .values(status=domain.ContractStatus.filed, filing_no=number, filed_at=now, updated_at=now)
    )
    if done.rowcount != 1:
        _must_be(_contract(conn, contract_id), domain.ContractStatus.signed, action="备案")
    wrote = {"status": domain.ContractStatus.filed, "filing_no": number, "filed_at": now, "updated_at": now}
    events.contract_filed(conn, settings, row, number)
    filed = SimpleNamespace(**(row._asdict() | wrote))
    figures.filed(conn, "new", filed)  # the public figures, last: their day's row is locked until commit
    return filed


def file_contract(conn: Connection, settings: Settings, kr: Keyring, caller: Caller, contract_id: int) -> str:
    """File a signed contract (网签备案): the filing number (``domain.filing_number``) is given."""
    return str(_file(conn, settings, kr, caller, contract_id).filing_no)


def file_and_show(conn: Connection, settings: Settings, kr: Keyring, caller: Caller, contract_id: int) -> Contract:
    """:func:`file_contract`, answering with the filed contract as the developer's staff see it (buyer
    masked), built from the row the filing read and wrote (a busy write: no second read)."""
    return contract_of(kr, _file(conn, settings, kr, caller, contract_id), mask=True)


def _reason(reason: str | None, verb: str) -> str:
    """The reason, whitespace collapsed: required, at most 200 characters (``sale_contracts.cancel_reason``)."""
    text = " ".join((reason or "").split())
    if not text:
        raise ValidationError.of("reason", f"须填写{verb}原因")
    if len(text) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    return text


def withdraw_draft(conn: Connection, caller: Caller, contract_id: int, reason: str) -> None:
    """The developer's staff withdraw (撤回) their own developer's draft, with a reason, before both parties
    have signed: the contract ends cancelled (``cancelled_by`` the staff account) and the home is free again
    (``active`` NULL, so a new draft may hold it). Another developer's contract is a 404; a signed, filed or
    cancelled one a 409 (only the bureau cancels a signed or filed contract). A draft has no deposits (they
    enter against filed contracts only) and the withdrawal is nobody's fault: no refund, no credit event."""
    text = _reason(reason, "撤回")
    row = _own_as_developer(conn, caller, contract_id)
    _must_be(row, domain.ContractStatus.draft, action="撤回")
    now = clock.now()
    c = sale_contracts
    done = conn.execute(
        c.update()
        .where(c.c.id == row.id, c.c.status == domain.ContractStatus.draft)  # a signature meanwhile: refused
        .values(
            status=domain.ContractStatus.cancelled,
            active=None,
            cancelled_at=now,
            cancel_reason=text,
            cancelled_by=caller.username,
            updated_at=now,
        )
    )
    if done.rowcount != 1:
        _must_be(_contract(conn, contract_id), domain.ContractStatus.draft, action="撤回")


def cancel_contract(
    conn: Connection, kr: Keyring, caller: Caller, contract_id: int, reason: str, reason_code: str = "other"
) -> None:
    """撤销备案 (or withdraw a draft or signed contract) by the bureau, with a reason; the home is free again
    and what the buyer deposited in the project's supervised account is refunded. A ``reason_code`` putting
    the fault on the developer records its credit event (:mod:`anju.transactions.cancellations`)."""
    cancellations.check_reason(reason_code, cancellations.NEW_HOME_REASONS)
    text = _reason(reason, "撤销")
    row = _contract(conn, contract_id)
    caller.scope.require(row.street_code, f"没有编号为 {contract_id} 的合同")
    _must_be(row, *domain.HOLDING, action="撤销")
    now = clock.now()
    c = sale_contracts
    done = conn.execute(
        c.update()
        .where(c.c.id == row.id, c.c.status == row.status)  # filed meanwhile: refused (the figures count it)
        .values(
            status=domain.ContractStatus.cancelled,
            active=None,
            cancelled_at=now,
            cancel_reason=text,
            cancelled_by=caller.username,
            updated_at=now,
        )
    )
    if done.rowcount != 1:
        raise Conflict("status: 合同状态已变化，请刷新后重试", [FieldError("status", "合同状态已变化")])
    presale_funds.on_contract_cancelled(conn, caller, int(row.id))  # refunds what it deposited, if anything
    cancellations.new_home_cancelled(conn, kr, row, reason_code)
    if row.status == domain.ContractStatus.filed:
        figures.cancelled(conn, "new", row)  # out of the public figures of the day it was filed


# ---------------------------------------------------------------------------------------------- reads


class EligibilityRule(TypedDict):
    code: str
    name: str
    passed: bool
    inputs: dict[str, Any]
    requirement: str
    reason: str


class Contract(TypedDict):
    id: int
    home_id: int
    house_code: str
    project_id: int
    permit_id: int
    developer_id: int
    buyer_name: str
    buyer_id_number: str
    buyer_hukou: str
    buyer_social_insurance_months: int
    eligibility_policy: str | None
    eligibility: list[EligibilityRule]
    area: Decimal
    total_price_fen: int
    unit_price_fen: int
    payment_method: str
    payment_label: str
    down_payment_fen: int
    loan_fen: int
    delivery_date: date
    status: str
    status_label: str
    developer_signed_at: datetime | None
    buyer_signed_at: datetime | None
    filing_no: str | None
    filed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    district_code: str
    street_code: str
    created_at: datetime


def contract_of(kr: Keyring, r: Any, *, mask: bool) -> Contract:
    checked = json.loads(r.eligibility) if r.eligibility else None
    name = kr.decrypt(r.buyer_name_enc, "sale_contracts.buyer_name")
    idn = kr.decrypt(r.buyer_id_enc, "sale_contracts.buyer_id")
    return {
        "id": r.id,
        "home_id": r.home_id,
        "house_code": r.house_code,
        "project_id": r.project_id,
        "permit_id": r.permit_id,
        "developer_id": r.developer_id,
        "buyer_name": mask_name(name) if mask else name,
        "buyer_id_number": mask_id(idn) if mask else idn,
        "buyer_hukou": r.buyer_hukou,
        "buyer_social_insurance_months": r.buyer_si_months,
        "eligibility_policy": checked["policy"]["code"] if checked else None,
        "eligibility": checked["rules"] if checked else [],
        "area": r.area,
        "total_price_fen": r.total_price_fen,
        "unit_price_fen": r.unit_price_fen,
        "payment_method": r.payment_method,
        "payment_label": domain.PAYMENT_METHODS.get(r.payment_method, r.payment_method),
        "down_payment_fen": r.down_payment_fen,
        "loan_fen": r.loan_fen,
        "delivery_date": r.delivery_date,
        "status": r.status,
        "status_label": domain.CONTRACT_STATUS_LABELS.get(r.status, r.status),
        "developer_signed_at": r.developer_signed_at,
        "buyer_signed_at": r.buyer_signed_at,
        "filing_no": r.filing_no,
        "filed_at": r.filed_at,
        "cancelled_at": r.cancelled_at,
        "cancel_reason": r.cancel_reason,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "created_at": r.created_at,
    }


def contract_for_party(conn: Connection, kr: Keyring, caller: Caller, contract_id: int) -> Contract:
    """A contract as one of its parties sees it: the developer's staff or the buyer (unmasked: their own)."""
    row = _contract(conn, contract_id)
    if caller.account_id is not None and row.buyer_account_id == caller.account_id:
        return contract_of(kr, row, mask=False)
    return contract_of(kr, _own_as_developer(conn, caller, contract_id), mask=True)
