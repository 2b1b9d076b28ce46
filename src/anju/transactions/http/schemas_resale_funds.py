"""Request and response shapes of resale fund supervision (存量房交易资金监管) in the transactions API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from anju.transactions.http.schemas_funds import FundAccountIn, JournalOut


class DistrictAccountIn(FundAccountIn):
    district_code: str = Field(pattern=r"^\d{6}$", description="区代码（每区一个监管账户）")


class AccountOut(BaseModel):
    fund_account_id: int
    district_code: str
    district_name: str
    bank: str
    account_no: str
    opened_at: datetime
    held_fen: int
    released_fen: int
    bank_fen: int
    balanced: bool = Field(description="今日与银行流水对账是否相符")


class ResaleDepositIn(BaseModel):
    kind: Literal["down_payment", "loan"] = Field(description="down_payment 首付款、loan 按揭贷款")
    amount_fen: int = Field(ge=1, le=10**13, description="金额（分）")
    reference: str = Field(max_length=40, description="银行流水号（同一流水号重复提交只入账一次）")
    booked_on: date | None = Field(None, description="入账日期（默认今天）")


class FundPositionOut(BaseModel):
    contract_id: int
    fund_account_id: int | None
    bank: str | None
    account_no: str | None
    down_payment_fen: int
    loan_fen: int
    deposited_fen: int
    held_fen: int
    released_fen: int
    refunded_fen: int
    journals: list[JournalOut]
