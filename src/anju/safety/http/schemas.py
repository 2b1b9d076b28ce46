"""Request and response shapes of house safety's API (``/api/v1/safety/…``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from anju.safety import agencies, appraisals, hazards, inspections, records

Code = Field(max_length=23, description="房屋代码（楼幢或房屋）")


class Created(BaseModel):
    id: int


class StatusOut(BaseModel):
    id: int
    status: str


class AgencyIn(BaseModel):
    credit_code: str = Field(max_length=24, description="统一社会信用代码（GB 32100，校验位）")
    name: str = Field(max_length=100, description="机构名称")
    qualification: Literal["grade_a", "grade_b"] = Field(description="鉴定资质：grade_a 甲级 / grade_b 乙级")
    street_code: str = Field(max_length=12, description="注册地所在街道（镇）代码")

    def command(self) -> agencies.AgencyIn:
        return agencies.AgencyIn(**self.model_dump())


class AgencyOut(BaseModel):
    id: int
    credit_code: str
    name: str
    qualification: str
    qualification_label: str
    district_code: str
    street_code: str
    status: str
    status_label: str
    synthetic: bool
    filed_at: datetime


class EngineerOut(BaseModel):
    id: int
    name: str = Field(description="姓名（脱敏）")
    title: str
    title_label: str
    cert_no: str


class ViolationOut(BaseModel):
    id: int
    occurred_on: date
    severity: str
    severity_label: str
    reason: str
    draw_id: int | None
    credit_event_id: int


class AgencyDetailOut(AgencyOut):
    engineers: list[EngineerOut]
    violations: list[ViolationOut]
    updated_at: datetime


class AgencyStatusIn(BaseModel):
    action: Literal["suspend", "reinstate", "cancel"]
    reason: str = Field(max_length=200, description="理由（必填）")


class EngineerIn(BaseModel):
    name: str = Field(max_length=40, description="姓名（加密保存，显示脱敏）")
    title: Literal["senior", "engineer", "assistant"] = Field(description="职称")
    cert_no: str = Field(max_length=32, description="注册或执业证书编号")


class EngineersIn(BaseModel):
    engineers: list[EngineerIn] = Field(min_length=1, max_length=200)

    def command(self) -> list[agencies.EngineerIn]:
        return [agencies.EngineerIn(**e.model_dump()) for e in self.engineers]


class ViolationIn(BaseModel):
    occurred_on: date
    severity: Literal["minor", "major", "serious"]
    reason: str = Field(max_length=200)
    draw_id: int | None = Field(default=None, ge=1, le=2**62, description="来自哪次双随机抽查（信用模块）")

    def command(self) -> agencies.ViolationIn:
        return agencies.ViolationIn(**self.model_dump())


class DrawIn(BaseModel):
    title: str = Field(max_length=100)
    sample_size: int = Field(ge=1, le=1000)
    inspectors: list[str] = Field(min_length=1, max_length=100, description="检查人员账户名")
    district_code: str | None = Field(default=None, max_length=12)

    def command(self) -> agencies.DrawIn:
        return agencies.DrawIn(self.title, self.sample_size, [i[:40] for i in self.inspectors], self.district_code)


class RuleOut(BaseModel):
    code: str
    label: str
    trigger: str
    min_age: int
    due_days: int
    structures: list[str]


class EditionOut(BaseModel):
    code: str
    name: str
    effective_from: date
    sample: bool
    rules: list[RuleOut]


class PlanIn(BaseModel):
    title: str = Field(max_length=100)
    rule_code: str = Field(max_length=24, description="规则代码（当日生效版本）")
    district_code: str | None = Field(default=None, max_length=12)
    street_code: str | None = Field(default=None, max_length=12)
    event_note: str | None = Field(default=None, max_length=200, description="事件后排查：发生了什么")

    def command(self) -> inspections.PlanIn:
        return inspections.PlanIn(**self.model_dump())


class PlanOut(BaseModel):
    id: int
    plan_no: str
    title: str
    rule_edition: str
    rule_code: str
    trigger: str
    trigger_label: str
    event_note: str | None
    district_code: str | None
    street_code: str | None
    planned_on: date
    due_on: date
    buildings: int
    status: str
    status_label: str
    overdue: bool
    synthetic: bool


class InspectionOut(BaseModel):
    id: int
    plan_id: int
    building_id: int
    house_code: str
    address: str
    structure: str
    year_built: int | None
    district_code: str
    street_code: str
    status: str
    status_label: str
    inspected_on: date | None
    finding: str | None
    finding_label: str
    notes: str | None


class InspectionIn(BaseModel):
    inspected_on: date
    finding: Literal["none", "minor", "serious"]
    notes: str | None = Field(default=None, max_length=400)

    def command(self) -> inspections.InspectionIn:
        return inspections.InspectionIn(**self.model_dump())


class AppraisalIn(BaseModel):
    house_code: str = Code
    agency_id: int = Field(ge=1, le=2**62)
    grade: Literal["A", "B", "C", "D"] = Field(description="JGJ 125 房屋危险性等级")
    standard: Literal["JGJ 125-2016", "JGJ 125-99"] = Field(description="所依据标准的版本")
    report_no: str = Field(max_length=40, description="鉴定报告编号")
    appraised_on: date
    summary: str | None = Field(default=None, max_length=400)
    inspection_id: int | None = Field(default=None, ge=1, le=2**62)

    def command(self) -> appraisals.AppraisalIn:
        return appraisals.AppraisalIn(**self.model_dump())


class AppraisedOut(BaseModel):
    id: int
    hazard_id: int | None


class AppraisalOut(BaseModel):
    id: int
    report_no: str
    building_id: int
    house_code: str
    address: str
    district_code: str
    street_code: str
    agency_id: int
    agency_name: str
    grade: str
    grade_label: str
    standard: str
    appraised_on: date
    summary: str | None
    synthetic: bool


class HazardOut(BaseModel):
    id: int
    case_no: str
    building_id: int
    house_code: str
    address: str
    structure: str
    year_built: int | None
    district_code: str
    street_code: str
    grade: str
    grade_label: str
    path: str
    path_label: str
    path_decided: bool
    measures: str | None
    opened_on: date
    decide_by: date
    due_on: date | None
    status: str
    status_label: str
    closed_on: date | None
    closure: str | None
    closure_label: str
    close_reason: str | None
    overdue: bool
    synthetic: bool


class HazardDetailOut(HazardOut):
    appraisal_id: int
    report_no: str
    homes: int
    updated_at: datetime


class PathIn(BaseModel):
    path: Literal["monitor", "reinforce", "demolish"] = Field(description="留 / 改 / 拆")
    due_on: date = Field(description="整改期限")
    measures: str = Field(max_length=400, description="一幢一策：措施")

    def command(self) -> hazards.PathIn:
        return hazards.PathIn(**self.model_dump())


class CloseIn(BaseModel):
    closure: Literal["remediated", "demolished", "monitored"]
    reason: str = Field(max_length=200)
    closed_on: date | None = None

    def command(self) -> hazards.CloseIn:
        return hazards.CloseIn(**self.model_dump())


class PermitIn(BaseModel):
    house_code: str = Code
    applicant: str = Field(max_length=100, description="申请单位，或“业主”（不保存个人姓名）")
    works: str = Field(max_length=400, description="拟变动的结构内容")
    applied_on: date | None = None

    def command(self) -> records.PermitIn:
        return records.PermitIn(**self.model_dump())


class PermitDecisionIn(BaseModel):
    approve: bool
    note: str = Field(default="", max_length=200, description="审查意见（不予许可时必填）")


class PermitOut(BaseModel):
    id: int
    permit_no: str
    house_code: str
    address: str
    street_code: str
    home_id: int | None
    applicant: str
    works: str
    applied_on: date
    due_on: date
    status: str
    status_label: str
    decided_on: date | None
    overdue: bool


class CurtainIn(BaseModel):
    house_code: str = Code
    inspected_on: date
    result: Literal["ok", "defects", "danger"]
    notes: str | None = Field(default=None, max_length=400)

    def command(self) -> records.CurtainIn:
        return records.CurtainIn(**self.model_dump())


class CurtainOut(BaseModel):
    id: int
    building_id: int
    house_code: str
    address: str
    street_code: str
    inspected_on: date
    result: str
    result_label: str
    notes: str | None
    next_due_on: date
    overdue: bool


class FigureRowOut(BaseModel):
    code: str
    name: str
    inspected: int
    grade_a: int
    grade_b: int
    grade_c: int
    grade_d: int
    open_hazards: int
    remediated: int
    agencies: int


class ReferenceOut(BaseModel):
    period: str
    inspected_buildings: int
    dangerous_remediated: int
    filed_agencies: int


class FiguresOut(BaseModel):
    districts: list[FigureRowOut]
    city: FigureRowOut
    reference: ReferenceOut
