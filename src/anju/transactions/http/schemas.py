"""Request and response shapes of the new-home transactions API."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.transactions.contracts import ContractIn as ContractCmd
from anju.transactions.filings import DeveloperIn as DeveloperCmd
from anju.transactions.filings import PermitIn as PermitCmd
from anju.transactions.filings import ProjectIn as ProjectCmd
from anju.transactions.prices import PriceLine

Grade = Literal["1", "2", "provisional"]
Payment = Literal["full", "instalment", "commercial_loan", "provident_loan", "combined_loan"]


class DeveloperIn(BaseModel):
    credit_code: str = Field(max_length=24, description="统一社会信用代码（GB 32100，校验位）")
    name: str = Field(max_length=100, description="企业名称")
    qualification_grade: Grade = Field(description="资质等级：1 一级、2 二级、provisional 暂定")
    qualification_no: str = Field(max_length=40, description="资质证书编号")
    address: str = Field(max_length=200, description="住所")
    street_code: str = Field(max_length=12, description="住所所在街道（镇）代码")

    def command(self) -> DeveloperCmd:
        return DeveloperCmd(**self.model_dump())


class DeveloperOut(BaseModel):
    id: int
    credit_code: str
    name: str
    qualification_grade: str
    qualification_label: str
    qualification_no: str
    address: str
    district_code: str
    street_code: str
    filed_at: datetime


class ProjectIn(BaseModel):
    name: str = Field(max_length=100, description="项目名称")
    developer_id: int = Field(ge=1, le=2**62, description="已备案的开发企业")
    estate_id: int = Field(ge=1, le=2**62, description="楼盘表中的小区（项目所在）")

    def command(self) -> ProjectCmd:
        return ProjectCmd(**self.model_dump())


class ProjectOut(BaseModel):
    id: int
    name: str
    developer_id: int
    developer_name: str
    estate_id: int
    estate_name: str
    district_code: str
    street_code: str
    filed_at: datetime


class PermitIn(BaseModel):
    project_id: int = Field(ge=1, le=2**62)
    issued_on: date = Field(description="许可日期（不晚于今天）")
    building_ids: list[int] = Field(default_factory=list, max_length=200, description="按幢许可：楼幢的全部房屋")
    home_ids: list[int] = Field(default_factory=list, max_length=5000, description="按批次许可：列出的房屋")

    def command(self) -> PermitCmd:
        return PermitCmd(**self.model_dump())


class PermitOut(BaseModel):
    id: int
    permit_no: str = Field(description="预售许可证号")
    project_id: int
    project_name: str
    developer_name: str
    issued_on: date
    homes: int
    area: Decimal
    district_code: str
    street_code: str
    filed_at: datetime


class PriceLineIn(BaseModel):
    home_id: int = Field(ge=1, le=2**62)
    unit_price_fen: int = Field(description="备案单价（分/平方米，按建筑面积）")
    total_price_fen: int = Field(description="备案总价（分）= 单价 × 建筑面积，误差不超过 1 元")

    def line(self) -> PriceLine:
        return PriceLine(**self.model_dump())


class PricesIn(BaseModel):
    lines: list[PriceLineIn] = Field(max_length=5000)
    reason: str | None = Field(None, max_length=200, description="调价原因（重新备案时）")


class PricesFiled(BaseModel):
    permit_id: int
    filed: int


class PriceOut(BaseModel):
    home_id: int
    version: int
    unit_price_fen: int
    total_price_fen: int
    current: bool
    reason: str | None
    filed_at: datetime
    superseded_at: datetime | None


class ContractIn(BaseModel):
    home_id: int = Field(ge=1, le=2**62)
    buyer_name: str = Field(max_length=40, description="买受人姓名（须与实名认证一致）")
    buyer_id_number: str = Field(max_length=20, description="买受人居民身份证号码（须已在平台实名认证）")
    total_price_fen: int = Field(description="总价（分），不得高于备案价格")
    payment_method: Payment = Field(description="付款方式")
    down_payment_fen: int = Field(description="首付款（分）")
    loan_fen: int = Field(0, description="贷款金额（分）；首付款 + 贷款 = 总价")
    delivery_date: date = Field(description="交付日期")
    buyer_hukou: Literal["local", "nonlocal"] = Field("local", description="买受人户籍（申报）：本市 / 非本市")
    buyer_social_insurance_months: int = Field(
        0, ge=0, le=36, description="近 36 个月内累计缴纳社保或个税的月数（申报，限购规则用）"
    )

    def command(self) -> ContractCmd:
        return ContractCmd(**self.model_dump())


class EligibilityRuleOut(BaseModel):
    code: str
    name: str
    passed: bool
    inputs: dict[str, Any]
    requirement: str
    reason: str


class ContractOut(BaseModel):
    id: int
    home_id: int
    house_code: str
    project_id: int
    permit_id: int
    developer_id: int
    buyer_name: str = Field(description="买受人姓名（工作人员与开发企业看到脱敏值）")
    buyer_id_number: str
    buyer_hukou: str
    buyer_social_insurance_months: int
    eligibility_policy: str | None = Field(description="签约时核验所依据的限购政策版本")
    eligibility: list[EligibilityRuleOut] = Field(description="限购规则逐条核验结果（最近一次签署时）")
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
    filing_no: str | None = Field(description="备案号：XS + 年份 + 10 位合同编号 + 1 位 Luhn 校验位")
    filed_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    district_code: str
    street_code: str
    created_at: datetime


class WithdrawIn(BaseModel):
    reason: str = Field(max_length=200, description="撤回原因")


class CancelIn(BaseModel):
    reason: str = Field(max_length=200, description="撤销原因")
    reason_code: str = Field(
        "other",
        max_length=20,
        description="撤销原因类别：agreed 协商一致、buyer 购房人原因、seller 出卖人原因（存量房）、judicial 司法裁判、"
        "developer 开发企业责任（商品房，记入信用）、agency 经纪机构责任（存量房，记入信用）、other 其他",
    )


class SalesCellOut(BaseModel):
    home_id: int
    house_code: str
    unit_no: str | None
    floor_no: int
    floor_label: str
    room_no: str
    use: str
    construction_area: Decimal
    state: str
    state_label: str
    unit_price_fen: int | None
    total_price_fen: int | None


class SalesFloorOut(BaseModel):
    floor_no: int
    floor_label: str
    cells: list[SalesCellOut]


class SalesTableOut(BaseModel):
    building_id: int
    building_no: str
    building_name: str
    estate_name: str
    project_id: int | None
    project_name: str | None
    permits: list[str]
    floors: list[SalesFloorOut]
    counts: dict[str, int]
    as_of: date


class FigureRowOut(BaseModel):
    market: str = Field(description="市场：new 新建商品房，resale 存量房")
    market_label: str
    period: str = Field(description="日期 YYYY-MM-DD 或月份 YYYY-MM")
    district_code: str
    district_name: str
    use: str = Field(description="房屋用途")
    contracts: int = Field(description="备案合同数")
    area: Decimal = Field(description="备案面积（㎡）")


class PublicFiguresOut(BaseModel):
    as_of: date
    daily: list[FigureRowOut]
    monthly: list[FigureRowOut]
    daily_total: int
    monthly_total: int
    daily_by_market: dict[str, int] = Field(description="近 30 日各市场备案套数")
    monthly_by_market: dict[str, int] = Field(description="近 12 个月各市场备案套数")
