"""Pydantic models of spending the maintenance fund (the services' TypedDicts: the keys match, so
``Model(**row)`` type-checks)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from anju.core.settings import Settings
from anju.estates.spending import Limits


def limits(settings: Settings) -> Limits:
    return Limits(settings.estates_emergency_cap_fen, settings.estates_emergency_publish_days)


class QuoteIn(BaseModel):
    contractor: str = Field(max_length=100, description="施工单位")
    amount_fen: int = Field(description="报价（分）")
    chosen: bool = Field(False, description="选定的报价（恰好一份）")
    note: str | None = Field(None, max_length=200)


class ApplicationIn(BaseModel):
    estate_id: int = Field(ge=1, le=2**62)
    building_id: int | None = Field(None, ge=1, le=2**62, description="空：全小区")
    title: str = Field(max_length=100)
    category: str = Field(
        max_length=16, description="维修类别：lift、roof、facade、pipes、fire、security、roads、other"
    )
    description: str = Field("", max_length=2000)
    budget_fen: int = Field(description="预算（分）")
    quotes: list[QuoteIn] = Field(max_length=10)
    emergency: bool = Field(False, description="应急使用（无需业主表决，须街道确认，预算有上限）")
    emergency_kind: str | None = Field(None, max_length=16, description="紧急情形：lift、leak、fire、pipes、facade")
    vote_id: int | None = Field(None, ge=1, le=2**62, description="已通过的“使用维修资金”表决")
    submit: bool = Field(False, description="保存后立即提交审核")


class WithdrawIn(BaseModel):
    reason: str = Field(max_length=200, description="撤回原因（2–200 个字）")


class StageIn(BaseModel):
    label: str = Field(max_length=40)
    amount_fen: int


class DecisionIn(BaseModel):
    outcome: Literal["approve", "reject"]
    note: str = Field("", max_length=500)
    approved_fen: int | None = Field(None, description="批准金额（分）；空：选定的报价")
    stages: list[StageIn] = Field(default_factory=list, max_length=10, description="付款阶段；空：一次付清（竣工验收）")


class AcceptanceIn(BaseModel):
    accepted_on: date = Field(description="验收日期")


class ApplicationOut(BaseModel):
    id: int
    application_no: str
    estate_id: int
    estate_name: str
    building_id: int | None
    title: str
    category: str
    category_label: str
    emergency: bool
    emergency_kind: str | None
    emergency_label: str | None
    status: str
    status_label: str
    budget_fen: int
    approved_fen: int | None
    paid_fen: int
    applicant_kind: str
    applicant_label: str
    vote_id: int | None
    street_code: str
    submitted_at: datetime | None
    decided_at: datetime | None
    completed_at: datetime | None
    publish_due: date | None
    overdue: bool
    published_at: datetime | None
    withdrawn_at: datetime | None = None
    withdraw_reason: str | None = None


class QuoteOut(BaseModel):
    contractor: str
    amount_fen: int
    chosen: bool
    note: str | None


class StageOut(BaseModel):
    seq: int
    label: str
    amount_fen: int
    accepted_on: date | None
    journal_id: int | None
    ledger_index: int | None
    paid_at: datetime | None


class VoteOut(BaseModel):
    id: int
    vote_no: str
    title: str
    status: str
    passed: bool | None
    tallied_at: datetime | None


class ApplicationDetailOut(BaseModel):
    application: ApplicationOut
    description: str | None
    decision_note: str | None
    building_code: str | None
    quotes: list[QuoteOut]
    stages: list[StageOut]
    vote: VoteOut | None
    homes: int


class ShareOut(BaseModel):
    home_id: int
    house_code: str
    area: Decimal
    share_fen: int
    paid_fen: int


class PublicOut(BaseModel):
    application: ApplicationOut
    stages: list[StageOut]
    my_shares: list[ShareOut]


class LineProofOut(BaseModel):
    log: str
    algorithm: str
    size: int
    root: str
    journal_id: int
    index: int
    entry: str
    leaf_hash: str
    proof: list[str]
    line: str
    line_index: int
    lines: int
    lines_root: str
    line_proof: list[str]
