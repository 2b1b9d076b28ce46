"""Request and response shapes of property services: companies, projects, tenders, handovers, coverage."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from anju.estates import services_companies, services_projects, services_tenders


class Created(BaseModel):
    id: int


class StatusOut(BaseModel):
    id: int
    status: str


class ReasonIn(BaseModel):
    reason: str = Field(max_length=200, description="理由（必填，记入审计）")


class CompanyIn(BaseModel):
    credit_code: str = Field(max_length=24, description="统一社会信用代码（GB 32100，校验位）")
    name: str = Field(max_length=100, description="企业名称")
    qualification: Literal["grade1", "grade2", "grade3", "none"] = Field(description="资质等级")
    staff: int = Field(description="从业人员数")
    street_code: str = Field(max_length=12, description="注册地所在街道（镇）代码")

    def command(self) -> services_companies.CompanyIn:
        return services_companies.CompanyIn(**self.model_dump())


class CompanyOut(BaseModel):
    id: int
    credit_code: str
    name: str
    qualification: str
    qualification_label: str
    staff: int
    district_code: str
    street_code: str | None
    status: str
    status_label: str
    filed_at: datetime


class ProjectLineOut(BaseModel):
    id: int
    project_no: str
    estate_id: int
    estate_name: str
    status: str
    status_label: str
    starts_on: str
    ends_on: str


class TenderWonOut(BaseModel):
    tender_id: int
    tender_no: str
    title: str
    awarded_on: str | None


class CompanyDetailOut(CompanyOut):
    projects: list[ProjectLineOut]
    tenders_won: list[TenderWonOut]
    updated_at: datetime


class ProjectIn(BaseModel):
    estate_id: int = Field(ge=1, le=2**62, description="楼盘表小区")
    company_id: int = Field(ge=1, le=2**62, description="已备案的物业服务企业")
    kind: Literal["early", "owners"] = Field(description="early 前期物业服务 / owners 业主大会选聘")
    chosen_by: Literal["tender", "owners", "negotiation"] = Field(description="选聘方式")
    tender_id: int | None = Field(None, ge=1, le=2**62, description="招投标选聘：本小区已定标、由该企业中标的招标")
    vote_id: int | None = Field(None, ge=1, le=2**62, description="业主共同决定：本小区通过的选聘表决（可选）")
    contract_no: str = Field(max_length=40, description="合同编号")
    starts_on: date
    ends_on: date
    service_level: Literal["1", "2", "3", "4", "5"] = Field(description="物业服务等级")
    fees: dict[str, int] = Field(description="收费标准：房屋用途 → 分/㎡·月")

    def command(self) -> services_projects.ProjectIn:
        return services_projects.ProjectIn(**self.model_dump())


class ProjectOut(BaseModel):
    id: int
    project_no: str
    estate_id: int
    estate_name: str
    company_id: int
    company_name: str
    kind: str
    kind_label: str
    chosen_by: str
    chosen_by_label: str
    contract_no: str
    starts_on: date
    ends_on: date
    service_level: str
    status: str
    status_label: str
    district_code: str
    street_code: str


class FeeOut(BaseModel):
    home_use: str
    fee_fen_per_m2: int


class HandoverOut(BaseModel):
    id: int
    inspected_on: date
    items_checked: int
    defects: int
    result: str
    result_label: str
    note: str | None
    recorded_at: datetime


class ProjectDetailOut(ProjectOut):
    tender_id: int | None
    vote_id: int | None
    ended_on: date | None
    end_reason: str | None
    fees: list[FeeOut]
    handovers: list[HandoverOut]


class EndIn(BaseModel):
    action: Literal["end", "terminate"] = Field(description="end 到期 / terminate 解聘")
    ended_on: date
    reason: str = Field(max_length=200)


class HandoverIn(BaseModel):
    inspected_on: date
    items_checked: int = Field(description="查验项目数")
    defects: int = Field(description="发现问题数")
    result: Literal["accepted", "with_defects", "refused"]
    note: str | None = Field(None, max_length=500)

    def command(self) -> services_projects.HandoverIn:
        return services_projects.HandoverIn(**self.model_dump())


class TenderIn(BaseModel):
    estate_id: int = Field(ge=1, le=2**62)
    kind: Literal["early", "owners"]
    title: str = Field(max_length=100)
    closes_on: date = Field(description="投标截止日")

    def command(self) -> services_tenders.TenderIn:
        return services_tenders.TenderIn(**self.model_dump())


class TenderOut(BaseModel):
    id: int
    tender_no: str
    estate_id: int
    estate_name: str
    kind: str
    kind_label: str
    title: str
    published_on: date
    closes_on: date
    status: str
    status_label: str
    awarded_bid_id: int | None
    awarded_on: date | None
    district_code: str
    street_code: str
    bids: int


class BidLineOut(BaseModel):
    id: int
    company_id: int
    company_name: str
    credit_code: str
    fee_fen_per_m2: int
    technical_score: Decimal | None
    price_score: Decimal | None
    total_score: Decimal | None
    status: str
    status_label: str
    note: str | None
    submitted_at: datetime


class TenderDetailOut(TenderOut):
    bid_lines: list[BidLineOut]


class BidIn(BaseModel):
    company_id: int | None = Field(None, ge=1, le=2**62, description="投标企业（企业自行投标时省略）")
    fee_fen_per_m2: int = Field(description="住宅物业服务费报价（分/㎡·月）")
    note: str | None = Field(None, max_length=200)


class ScoreIn(BaseModel):
    technical: dict[int, Decimal] = Field(description="投标 id → 技术分（0–100，两位小数）")


class AwardOut(BaseModel):
    bid_id: int
    company_id: int
    refused: list[int]


class CoverageLineOut(BaseModel):
    level: str
    district_code: str
    street_code: str | None
    name: str
    estates: int
    served_estates: int
    estate_percent: Decimal | None
    homes: int
    served_homes: int
    home_percent: Decimal | None
    new_estates: int
    new_served_estates: int
    new_estate_percent: Decimal | None
    meets_target: bool | None
    gap_estates: int


class CoverageOut(BaseModel):
    target_percent: Decimal
    target_label: str
    target_source: str
    target_binding: bool
    target_new_from_year: int
    lines: list[CoverageLineOut]
