"""Request and response shapes of the escrow API (``/api/v1/rental/…/escrow…``). Money is integer fen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class PaymentIn(BaseModel):
    """A tenant's transfer into the supervised account: one payment cycle's supervised rent, or the deposit."""

    kind: Literal["rent", "deposit"] = Field(description="rent 预付租金 / deposit 押金")
    cycle_no: int | None = Field(None, ge=0, le=10_000, description="支付期次（从 0 起；缴存租金时必填）")
    amount_fen: int = Field(ge=-(2**62), le=2**62, description="金额（分），须等于应缴存金额")
    reference: str = Field(max_length=64, description="银行转账流水号（重复提交同一流水号得到同一结果）")
    paid_on: date | None = Field(None, description="转账日期（默认今天）")


class PaymentOut(BaseModel):
    journal_id: int
    ledger_index: int | None
    replayed: bool


class Journal(BaseModel):
    id: int
    kind: str
    kind_label: str
    reference: str
    lease_id: int | None
    booked_on: date
    amount_fen: int
    memo: str | None
    ledger_index: int | None


class ScheduleRow(BaseModel):
    cycle_no: int
    period_start: date
    period_end: date
    due_on: date
    amount_fen: int
    status: str


class ToPay(BaseModel):
    cycle_no: int
    amount_fen: int


class LeaseEscrow(BaseModel):
    """The tenant's view of the escrow of their lease."""

    lease_id: int
    filing_no: str | None
    supervised: bool
    status: str | None
    mode: str | None
    bank: str | None
    account_no: str | None
    deposit_fen: int
    deposit_status: str | None
    to_pay: list[ToPay]
    schedule: list[ScheduleRow]
    journals: list[Journal]


class ProofItem(BaseModel):
    journal_id: int
    kind: str
    reference: str
    index: int
    entry: str = Field(description="日志条目原文（UTF-8 JSON）；叶哈希 = H(0x00 ‖ 条目)")
    leaf_hash: str
    proof: list[str]


class LeaseProofs(BaseModel):
    """Inclusion proofs of every logged journal of a lease, for ``verify.py inclusion``."""

    log: str
    algorithm: str
    size: int
    root: str
    items: list[ProofItem]


class Account(BaseModel):
    id: int
    party_id: int
    party_name: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    opened_at: datetime


class AccountDay(Account):
    """An account with its reconciliation figures of one day."""

    platform_in: int
    platform_out: int
    platform_balance: int
    bank_in: int
    bank_out: int
    bank_balance: int
    difference: int
    balanced: bool


class AccountDetail(Account):
    balances: dict[str, int] = Field(description="各分户余额（分）：bank 借方为正，其余贷方为负")
    active_leases: int


class Difference(BaseModel):
    reference: str
    direction: str
    platform_fen: int | None
    bank_fen: int | None


class Reconciliation(BaseModel):
    account_id: int
    on: date
    platform_in: int
    platform_out: int
    platform_balance: int
    bank_in: int
    bank_out: int
    bank_balance: int
    difference: int
    balanced: bool
    differences: list[Difference]
    trial_balance_fen: int = Field(description="试算平衡：全部分户余额之和，恒为 0")


class BankLinesIn(BaseModel):
    csv: str = Field(max_length=5_000_000, description="银行流水 CSV：date,amount_fen,direction,reference")


class BankLinesOut(BaseModel):
    lines: int
    imported: int
    skipped: int


class BankLine(BaseModel):
    id: int
    booked_on: date
    amount_fen: int
    direction: str
    reference: str
    imported_at: datetime


class PenaltyIn(BaseModel):
    amount_fen: int = Field(ge=-(2**62), le=2**62, description="罚没金额（分）")
    reason: str = Field(max_length=400, description="原因")
    reference: str = Field(max_length=64, description="处罚决定书编号（重复提交同一编号得到同一结果）")


class JournalCreated(BaseModel):
    journal_id: int
