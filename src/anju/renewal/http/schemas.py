"""Request and response shapes of the renewal API."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from anju.renewal import domain
from anju.renewal.lifecycle import ConsentIn as ConsentCmd
from anju.renewal.lifecycle import StepIn as StepCmd
from anju.renewal.projects import ProjectIn as ProjectCmd

Kind = Literal["old_community", "shanty", "lift", "energy"]
Status = Literal[
    "reserve",
    "planned",
    "agreed",
    "designed",
    "permitted",
    "tendered",
    "construction",
    "accepted",
    "in_service",
    "closed",
]
Source = Literal["central", "provincial", "city", "district", "owners", "maintenance_fund", "social"]
BigId = Field(ge=1, le=2**62)
Doc = str


class Created(BaseModel):
    id: int


class StatusOut(BaseModel):
    id: int
    status: str


class ProjectIn(BaseModel):
    kind: Kind = Field(description="项目类型")
    name: str = Field(max_length=100, description="项目名称")
    estate_id: int = Field(ge=1, le=2**62, description="楼盘表小区 id")
    on: date = Field(description="入库日期")
    unit: str = Field(max_length=100, description="责任单位")
    area_m2: Decimal = Field(description="改造面积（平方米，最多两位小数）")
    households: int = Field(ge=0, le=100_000, description="户数")
    building_id: int | None = Field(None, ge=1, le=2**62, description="楼栋 id（加装电梯必填）")
    unit_no: str | None = Field(None, max_length=3, description="单元号（加装电梯必填）")
    conditions: list[Literal["facilities", "functions", "services", "will"]] = Field(
        default_factory=list, max_length=4, description="申报的情形（2005 年前建成的小区）"
    )
    shanty_mode: Literal["retain", "renovate", "demolish"] | None = Field(None, description="留/改/拆（棚户区改造）")
    expropriated_households: int | None = Field(None, ge=0, le=100_000, description="征收户数（拆）")
    resettlement_programme: str | None = Field(None, max_length=32, description="征收安置房项目代码（住房保障）")
    documents: list[str] = Field(default_factory=list, max_length=10, description="文件编号")

    def command(self) -> ProjectCmd:
        return ProjectCmd(
            self.kind,
            self.name,
            self.estate_id,
            self.on,
            self.unit,
            self.area_m2,
            self.households,
            self.building_id,
            self.unit_no,
            tuple(self.conditions),
            self.shanty_mode,
            self.expropriated_households,
            self.resettlement_programme,
            tuple(self.documents),
        )


class ProjectOut(BaseModel):
    id: int
    project_no: str
    kind: str
    kind_label: str
    name: str
    estate_id: int
    estate_name: str
    building_id: int | None
    unit_no: str | None
    district_code: str
    street_code: str
    status: str
    status_label: str
    status_on: date
    plan_year: int | None
    area: Decimal
    households: int
    synthetic: bool


class StepIn(BaseModel):
    status: Status = Field(description="进入的环节（须为下一环节）")
    on: date = Field(description="日期")
    unit: str = Field(max_length=100, description="责任单位")
    documents: list[str] = Field(default_factory=list, max_length=10, description="文件编号")
    plan_year: int | None = Field(None, ge=1990, le=2100, description="计划年度（列入年度计划时必填）")
    after_care: str | None = Field(None, max_length=100, description="维保单位（电梯投入使用时必填）")
    note: str | None = Field(None, max_length=200)

    def command(self) -> StepCmd:
        return StepCmd(
            self.status, self.on, self.unit, tuple(self.documents), self.plan_year, self.after_care, self.note
        )


class StepOut(BaseModel):
    status: str
    status_label: str
    on: date
    unit: str
    documents: list[str]
    note: str | None


class ContentOut(BaseModel):
    code: str
    name: str
    category: str
    category_label: str


class FundingOut(BaseModel):
    source: str
    label: str
    amount_fen: int


class ProjectDetailOut(ProjectOut):
    eligibility_rule: str | None
    eligibility_reason: str
    year_built: int | None
    shanty_mode: str | None
    expropriated_households: int | None
    resettlement_programme: str | None
    consent_vote_id: int | None
    consent_on: date | None
    consent_asked: int | None
    consent_agreed: int | None
    after_care: str | None
    next_status: str | None
    steps: list[StepOut]
    contents: list[ContentOut]
    funding: list[FundingOut]
    funding_total_fen: int


class ContentsIn(BaseModel):
    codes: list[str] = Field(max_length=50, description="改造内容清单的条目代码")


class FundingIn(BaseModel):
    amounts_fen: dict[Source, int] = Field(description="资金来源 → 金额（分）；0 表示删除该来源")


class ConsentIn(BaseModel):
    vote_id: int | None = Field(None, ge=1, le=2**62, description="本小区已计票的业主表决 id（物业管理）")
    on: date | None = Field(None, description="征询日期（无业主表决时必填）")
    asked: int | None = Field(None, ge=0, le=100_000, description="征询户数")
    agreed: int | None = Field(None, ge=0, le=100_000, description="同意户数")

    def command(self) -> ConsentCmd:
        return ConsentCmd(self.on, self.vote_id, self.asked, self.agreed)


class FloorIn(BaseModel):
    floor_no: int = Field(ge=1, le=200)
    owners: int = Field(ge=0, le=200)
    agreeing: int = Field(ge=0, le=200)


class FloorsIn(BaseModel):
    floors: list[FloorIn] = Field(max_length=200)


class ShareOut(BaseModel):
    id: int
    share: str


class LiftOut(BaseModel):
    id: int
    project_no: str
    estate_name: str
    building_name: str
    unit_no: str | None
    street_code: str
    status: str
    status_label: str
    status_on: str
    owners: int
    agreeing: int
    share: str
    after_care: str | None


class LiftFiguresOut(BaseModel):
    projects: int
    signed: int
    completed: int
    in_service: int


class CellOut(BaseModel):
    year: int
    plan_communities: int
    plan_area: Decimal
    listed: int
    done: int
    done_area: Decimal


class RowOut(BaseModel):
    code: str
    name: str
    cells: list[CellOut]


class TargetOut(BaseModel):
    code: str
    label: str
    unit: str
    target: Decimal
    actual: Decimal
    percent: str
    binding: bool
    source: str


class ProgressOut(BaseModel):
    plan_name: str
    years: list[int]
    rows: list[RowOut]
    total: RowOut
    targets: list[TargetOut]
    discrepancies: list[str]


class EligibilityOut(BaseModel):
    eligible: bool
    edition: str | None
    rule: str | None
    reason: str


class CatalogueItemOut(BaseModel):
    code: str
    category: str
    category_label: str
    name: str


KIND_LABELS = domain.KINDS
