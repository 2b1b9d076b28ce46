"""API shapes of the assistance figures (``/api/v1/assistance/figures/…``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

# --- targets ------------------------------------------------------------------------------------------


class DistrictFigure(BaseModel):
    code: str
    population: int | None = None
    homes: int | None = None


class YearTarget(BaseModel):
    year: int
    homes: int


class ProgrammeTargetOut(BaseModel):
    kind: str
    kind_label: str
    homes: int
    bound: str = Field(description="at_least（不少于）| about（约）| target（目标）")
    bound_label: str
    source: str


class TargetsOut(BaseModel):
    plan_name: str
    first_year: int
    last_year: int
    coverage_percent: float
    previous_coverage_percent: float | None
    coverage_source: str
    population: int | None = Field(description="全市常住人口（街道数据库最近年度）；尚无数据时为空")
    population_year: int | None
    population_sample: bool = Field(description="true：合成城市的人口（演示数据）")
    population_source: str
    district_population: list[DistrictFigure]
    supply_total: int
    supply_by_year: list[YearTarget]
    supply_kinds: list[str]
    supply_source: str
    programmes: list[ProgrammeTargetOut]
    talent_homes: int
    talent_beneficiaries: int
    talent_kinds: list[str]
    talent_home_kinds: list[str]
    talent_homes_by_district: list[DistrictFigure]
    talent_source: str
    scaled_by: float | None = Field(None, description="演示：合成城市的规模（规划指标已按此缩放）；真实数据为空")


# --- coverage -----------------------------------------------------------------------------------------


class CoverageProgramme(BaseModel):
    programme_code: str
    name: str
    persons: int
    households: int


class CoverageOut(BaseModel):
    area_code: str | None
    area_name: str
    on: date
    persons: int = Field(description="当前在保人数（按身份证号去重）")
    households: int = Field(description="当前在保户数（申请数）")
    population: int | None = Field(description="区域常住人口（街道数据库）；不是整区或全市、或尚无数据时为空")
    population_sample: bool
    population_year: int | None
    rate_percent: float | None = Field(description="覆盖率 = 在保人数 ÷ 城镇常住人口 × 100")
    target_percent: float
    previous_target_percent: float | None
    met: bool | None
    by_programme: list[CoverageProgramme]
    source: str


# --- supply -------------------------------------------------------------------------------------------


class YearHomes(BaseModel):
    year: int
    homes: int


class SupplyProgramme(BaseModel):
    programme_code: str
    name: str
    kind: str | None
    kind_label: str
    counts_towards_plan: bool = Field(description="计入专栏2 保障性住房年度供应计划")
    by_year: list[YearHomes]
    total: int
    period_total: int
    target: int | None
    target_bound: str | None
    target_bound_label: str | None
    progress_percent: float | None


class PlanYear(BaseModel):
    year: int
    homes: int
    target: int | None
    progress_percent: float | None


class SupplyOut(BaseModel):
    years: list[int]
    first_year: int
    last_year: int
    programmes: list[SupplyProgramme]
    plan_years: list[PlanYear]
    period_total: int
    period_target: int
    progress_percent: float | None
    targets_cover_city: bool = Field(description="false：所看范围不是全市，规划目标仍为全市目标")
    source: str


# --- applications -------------------------------------------------------------------------------------


class StatusLabel(BaseModel):
    status: str
    label: str


class StatusCount(BaseModel):
    status: str
    count: int


class ProgrammeStatuses(BaseModel):
    programme_code: str
    name: str
    total: int
    by_status: list[StatusCount]


class ApplicationsOut(BaseModel):
    statuses: list[StatusLabel]
    programmes: list[ProgrammeStatuses]
    total: int


# --- times --------------------------------------------------------------------------------------------


class TimeStat(BaseModel):
    n: int
    median_days: float | None
    p90_days: float | None


class LevelLabel(BaseModel):
    level: str
    label: str


class LevelTime(TimeStat):
    level: str
    label: str


class WaitingRow(TimeStat):
    programme_code: str
    name: str


class ApprovalRow(BaseModel):
    programme_code: str
    name: str
    overall: TimeStat
    levels: list[LevelTime]


class TimesOut(BaseModel):
    levels: list[LevelLabel]
    waiting: list[WaitingRow]
    approval: list[ApprovalRow]


# --- months -------------------------------------------------------------------------------------------


class MonthSeries(BaseModel):
    programme_code: str
    name: str
    counts: list[int]


class MonthlyOut(BaseModel):
    months: list[str] = Field(description="YYYY-MM（北京时间），连续")
    series: list[MonthSeries]
    totals: list[int]


# --- talent -------------------------------------------------------------------------------------------


class TalentTotals(BaseModel):
    applications: int
    beneficiaries: int = Field(description="累计受益人数（按身份证号去重）")
    beneficiaries_period: int = Field(description="规划期内开始受益的人数，对照人才受益量目标")
    beneficiaries_now: int
    beneficiaries_target: int
    beneficiaries_progress_percent: float | None
    homes_period: int
    homes_target: int
    homes_progress_percent: float | None
    targets_cover_city: bool


class TierRow(BaseModel):
    tier: str
    applications: int
    beneficiaries: int


class TalentDistrict(BaseModel):
    code: str | None
    name: str
    applications: int
    beneficiaries: int
    homes: int
    homes_target: int | None
    progress_percent: float | None


class IndustryRow(BaseModel):
    industry: str
    applications: int
    beneficiaries: int


class TalentMonth(BaseModel):
    month: str
    applications: int
    beneficiaries: int


class TalentOut(BaseModel):
    area_name: str
    first_year: int
    last_year: int
    totals: TalentTotals
    tiers: list[TierRow]
    districts: list[TalentDistrict]
    industries: list[IndustryRow]
    months: list[TalentMonth]
    source: str
