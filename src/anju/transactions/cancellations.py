"""Why a contract's filing is cancelled (撤销备案), and the credit event when the reason puts the fault on
the developer (a new home's contract) or the brokerage agency (a resale contract it brokered).

The officer chooses a reason code beside the free text; only the attributable codes record an event
(``transactions.contract_cancelled``, the catalogue's severity) of the organisation at fault, in the
cancellation's transaction, named by the contract's filing number (its id before filing). A buyer's or
seller's change of mind, an agreement, a court order or an unstated reason records nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from anju import credit, rental
from anju.core import clock
from anju.core.errors import ValidationError
from anju.security import Keyring
from anju.transactions.tables import developers

#: Reason code → (Chinese label, who is at fault: "developer" | "agency" | None).
CANCEL_REASONS: dict[str, tuple[str, str | None]] = {
    "agreed": ("买卖双方协商一致", None),
    "buyer": ("购房人原因（放弃购买、资格或贷款未获通过等）", None),
    "seller": ("出卖人（业主）个人原因", None),
    "judicial": ("司法裁判、查封等", None),
    "developer": ("开发企业责任（一房多卖、虚假宣传、违规销售等）", "developer"),
    "agency": ("经纪机构责任（违规代理、提供虚假信息等）", "agency"),
    "other": ("其他原因", None),
}
NEW_HOME_REASONS = ("agreed", "buyer", "judicial", "developer", "other")
RESALE_REASONS = ("agreed", "buyer", "seller", "judicial", "agency", "other")
KIND = "transactions.contract_cancelled"


def check_reason(code: str, allowed: tuple[str, ...]) -> str | None:
    """The party at fault for ``code`` (None: nobody's), or a ValidationError naming ``reason_code``."""
    if code not in allowed:
        raise ValidationError.of("reason_code", "应为 " + "、".join(f"{c}（{CANCEL_REASONS[c][0]}）" for c in allowed))
    return CANCEL_REASONS[code][1]


def _event(kr: Keyring, code: str, subject_type: str, row: Any, reference: str, detail: dict[str, Any]) -> credit.Event:
    return credit.Event(
        subject_kind="org",
        subject_bidx=kr.blind_index(code, "credit_code"),
        source="transactions",
        kind=KIND,
        severity=credit.catalogue().kinds[KIND].severity,
        occurred_on=clock.today(),
        reference=reference,
        street_code=row.street_code,
        detail=detail,
        subject_type=subject_type,
    )


def new_home_cancelled(conn: Connection, kr: Keyring, row: Any, reason_code: str) -> int | None:
    """The developer's event when a new home's contract is cancelled for the developer's fault."""
    if check_reason(reason_code, NEW_HOME_REASONS) != "developer":
        return None
    dev = conn.execute(select(developers.c.credit_code).where(developers.c.id == row.developer_id)).scalar_one()
    ref = row.filing_no or f"SC{int(row.id)}"
    detail = {"contract_id": int(row.id), "contract": "new_home", "reason_code": reason_code}
    return credit.record_event(conn, _event(kr, dev, "developer", row, ref, detail))


def resale_cancelled(conn: Connection, kr: Keyring, row: Any, reason_code: str) -> int | None:
    """The agency's event when a resale contract it brokered is cancelled for the agency's fault."""
    if check_reason(reason_code, RESALE_REASONS) != "agency":
        return None
    if row.agency_party_id is None:
        raise ValidationError.of("reason_code", "该合同为自行成交，没有经纪机构")
    p = rental.rental_parties
    code = conn.execute(select(p.c.credit_code).where(p.c.id == row.agency_party_id)).scalar_one()
    ref = row.filing_no or f"RC{int(row.id)}"
    detail = {"contract_id": int(row.id), "contract": "resale", "reason_code": reason_code}
    return credit.record_event(conn, _event(kr, code, "agency", row, ref, detail))
