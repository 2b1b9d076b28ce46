"""Request and response shapes of the resale (存量房) API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.transactions.resale_contract import ResaleContractIn
from anju.transactions.resale_listing import OwnerIn, ResaleListingIn

Payment = Literal["full", "instalment", "commercial_loan", "provident_loan", "combined_loan"]


class ListingIn(BaseModel):
    house_code: str = Field(max_length=40, description="房屋代码（楼盘表）")
    owner_name: str = Field(max_length=40, description="委托人（产权人）姓名，须与楼盘表登记一致；不保存")
    owner_id_number: str = Field(max_length=20, description="委托人居民身份证号码；只保存盲索引")
    title: str = Field(max_length=100, description="房源标题")
    description: str = Field("", max_length=4000, description="房源描述")
    asking_price_fen: int = Field(description="挂牌总价（分）")

    def command(self) -> ResaleListingIn:
        return ResaleListingIn(**self.model_dump())


class OwnerBody(BaseModel):
    owner_name: str = Field(max_length=40, description="委托人（产权人）姓名")
    owner_id_number: str = Field(max_length=20, description="委托人居民身份证号码")

    def command(self) -> OwnerIn:
        return OwnerIn(**self.model_dump())


class RuleOut(BaseModel):
    name: str
    title: str
    passed: bool
    reason: str


class VerifyOut(BaseModel):
    id: int
    status: str
    failed: list[str] = Field(description="未通过的核验规则")
    rules: list[RuleOut] = Field(description="每条核验规则的结果")
    verify_code: str | None = Field(description="房源核验码（核验通过时）")


class PublicListingOut(BaseModel):
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
    unit_price_fen: int = Field(description="挂牌单价（分/平方米）")
    status: str
    status_label: str
    published_at: datetime | None


class ListingOut(PublicListingOut):
    house_code: str
    description: str
    verify_code: str | None
    verification: list[RuleOut]
    created_at: datetime
    closed_at: datetime | None


class CodeCheckOut(PublicListingOut):
    code: str
    valid: bool


class ContractIn(BaseModel):
    """An agency's contract on one of its verified listings."""

    listing_id: int = Field(ge=1, le=2**62)
    seller_name: str = Field(max_length=40, description="出卖人姓名（登记产权人，须已实名认证）")
    seller_id_number: str = Field(max_length=20, description="出卖人居民身份证号码")
    buyer_name: str = Field(max_length=40, description="买受人姓名（须与实名认证一致）")
    buyer_id_number: str = Field(max_length=20, description="买受人居民身份证号码（须已在平台实名认证）")
    total_price_fen: int = Field(description="成交总价（分）")
    payment_method: Payment = Field(description="付款方式")
    down_payment_fen: int = Field(description="首付款（分）")
    loan_fen: int = Field(0, description="贷款金额（分）；首付款 + 贷款 = 总价")
    buyer_hukou: Literal["local", "nonlocal"] = Field("local", description="买受人户籍（申报）")
    buyer_social_insurance_months: int = Field(0, ge=0, le=36, description="近 36 个月社保或个税月数（申报）")

    def command(self) -> ResaleContractIn:
        return ResaleContractIn(**self.model_dump())


class PrivateContractIn(BaseModel):
    """A private sale (自行成交) drafted by the seller: the seller is the caller's verified account."""

    house_code: str = Field(max_length=40, description="房屋代码（楼盘表）")
    buyer_name: str = Field(max_length=40, description="买受人姓名（须与实名认证一致）")
    buyer_id_number: str = Field(max_length=20, description="买受人居民身份证号码（须已在平台实名认证）")
    total_price_fen: int = Field(description="成交总价（分）")
    payment_method: Payment = Field(description="付款方式")
    down_payment_fen: int = Field(description="首付款（分）")
    loan_fen: int = Field(0, description="贷款金额（分）")
    buyer_hukou: Literal["local", "nonlocal"] = Field("local", description="买受人户籍（申报）")
    buyer_social_insurance_months: int = Field(0, ge=0, le=36, description="近 36 个月社保或个税月数（申报）")

    def command(self) -> ResaleContractIn:
        return ResaleContractIn(**self.model_dump())


class ContractOut(BaseModel):
    id: int
    home_id: int
    house_code: str
    listing_id: int | None
    agency_party_id: int | None
    private: bool = Field(description="自行成交（无经纪机构）")
    seller_name: str = Field(description="出卖人姓名（当事人以外看到脱敏值）")
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
    status: Literal["draft", "signed", "filed", "registered", "cancelled"]
    status_label: str
    seller_signed_at: datetime | None
    buyer_signed_at: datetime | None
    signed_on: date | None
    filing_no: str | None = Field(description="存量房网签备案号（CS + 年 + 合同号 + 校验位）")
    filed_at: datetime | None
    registration_id: int | None = Field(description="完成本合同的转移登记")
    cancelled_at: datetime | None
    cancel_reason: str | None
    source: str
    district_code: str
    street_code: str
    created_at: datetime
