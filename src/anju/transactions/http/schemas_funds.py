"""Request and response shapes of presale fund supervision (预售资金监管) in the transactions API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

Fen = Field(ge=1, le=10**13, description="金额（分）")


class FundAccountIn(BaseModel):
    bank: str = Field(max_length=60, description="开户银行")
    account_no: str = Field(max_length=40, description="监管账号")


class DepositIn(BaseModel):
    contract_id: int = Field(ge=1, le=2**62, description="已备案的买卖合同")
    kind: Literal["down_payment", "loan"] = Field(description="down_payment 首付款、loan 按揭贷款")
    amount_fen: int = Fen
    reference: str = Field(max_length=40, description="银行流水号（同一流水号重复提交只入账一次）")
    paid_on: date | None = Field(None, description="入账日期（默认今天）")


class DepositOut(BaseModel):
    journal_id: int
    ledger_index: int | None
    replayed: bool


class MilestoneIn(BaseModel):
    milestone: str = Field(max_length=24, description="节点代码，如 topped_out（主体结构封顶）")
    reached_on: date = Field(description="达到日期")


class ReleaseIn(BaseModel):
    amount_fen: int = Fen


class Created(BaseModel):
    id: int


class MilestoneOut(BaseModel):
    code: str
    name: str
    release_percent: int
    reached_on: date | None
    cap_fen: int


class PositionOut(BaseModel):
    fund_account_id: int
    project_id: int
    project_name: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    policy_code: str
    policy_name: str
    sample_policy: bool
    deposited_fen: int
    released_fen: int
    bank_fen: int
    pending_fen: int
    filed_total_fen: int
    retained_fen: int
    milestone: str | None
    milestone_name: str | None
    cap_fen: int
    available_fen: int
    milestones: list[MilestoneOut]


class AccountRowOut(BaseModel):
    fund_account_id: int
    project_id: int
    project_name: str
    bank: str
    account_no: str
    district_code: str
    deposited_fen: int
    released_fen: int
    bank_fen: int
    balanced: bool


class JournalOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    reference: str
    subject: str | None
    booked_on: date
    amount_fen: int
    memo: str
    ledger_index: int | None


class ReleaseOut(BaseModel):
    id: int
    amount_fen: int
    milestone: str | None
    status: str
    status_label: str
    requested_by: str
    by_developer: bool = Field(description="开发企业自行申请（否则为监管部门代为申请）")
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    journal_id: int | None


class DeveloperReleaseOut(BaseModel):
    """A release request as the developer sees it: no officer's name."""

    id: int
    amount_fen: int
    milestone: str | None
    status: str
    status_label: str
    by_developer: bool
    requested_at: datetime
    decided_at: datetime | None


class BankLinesIn(BaseModel):
    csv: str = Field(max_length=5_000_000, description="银行流水 CSV：date,amount_fen,direction,reference")


class BankImportOut(BaseModel):
    lines: int
    imported: int
    skipped: int


class DifferenceOut(BaseModel):
    reference: str
    direction: str
    platform_fen: int | None
    bank_fen: int | None


class ReconciliationOut(BaseModel):
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
    differences: list[DifferenceOut]
    trial_balance_fen: int
