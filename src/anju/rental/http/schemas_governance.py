"""Request and response shapes of complaints, disputes and inspections (``/api/v1/rental``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from anju.rental import governance, inspections


class ViolationIn(BaseModel):
    kind: str = Field(max_length=40, description="违规类型，如 rental.false_listing（见 docs/rental.md）")
    description: str = Field(min_length=1, max_length=500)
    severity: Literal["minor", "major", "serious"] | None = Field(None, description="为空：按类型的默认程度")

    def command(self) -> governance.ViolationIn:
        return governance.ViolationIn(**self.model_dump())


class ComplaintIn(BaseModel):
    kind: Literal["complaint", "dispute"] = Field(description="complaint 投诉 / dispute 纠纷")
    category: str = Field(max_length=16, description="类别：虚假房源、押金退还、租金纠纷 …")
    subject_kind: Literal["lease", "listing", "party", "home"]
    lease_id: int | None = Field(None, ge=1, le=2**62, description="合同（须为本人作为一方的合同）")
    listing_id: int | None = Field(None, ge=1, le=2**62)
    party_id: int | None = Field(None, ge=1, le=2**62)
    house_code: str | None = Field(None, max_length=23)
    title: str = Field(max_length=100)
    text: str = Field(max_length=5000)

    def command(self) -> governance.ComplaintIn:
        return governance.ComplaintIn(**self.model_dump())


class Created(BaseModel):
    id: int
    number: str


class ComplaintOut(BaseModel):
    id: int
    complaint_no: str
    kind: str
    kind_label: str
    category: str
    subject_kind: str
    subject_label: str
    lease_id: int | None
    listing_id: int | None
    party_id: int | None
    home_id: int | None
    district_code: str
    street_code: str = Field(description="承办街道")
    complainant_side: str
    title: str
    status: str
    status_label: str
    due_at: datetime = Field(description="办理时限")
    overdue: bool
    level: Literal["street", "district"] = Field(description="超期未办结的升级至区")
    created_at: datetime
    handled_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class ComplaintEvent(BaseModel):
    kind: str
    at: datetime
    text: str | None
    by_staff: bool


class ComplaintDetail(ComplaintOut):
    text: str
    reply: str | None
    credit_event_id: int | None
    events: list[ComplaintEvent]
    complainant: str | None = None


class TakeIn(BaseModel):
    note: str | None = Field(None, max_length=500)


class ResolutionIn(BaseModel):
    outcome: Literal["resolved", "rejected"]
    reply: str = Field(min_length=1, max_length=5000, description="答复（投诉人可见）")
    violations: list[ViolationIn] = Field(default_factory=list, max_length=20, description="认定的违规（可选）")

    def command(self) -> governance.Resolution:
        return governance.Resolution(self.outcome, self.reply, tuple(v.command() for v in self.violations))


class InspectionIn(BaseModel):
    target_kind: Literal["party", "home", "listing"]
    party_id: int | None = Field(None, ge=1, le=2**62)
    listing_id: int | None = Field(None, ge=1, le=2**62)
    house_code: str | None = Field(None, max_length=23)
    inspected_on: date | None = Field(None, description="检查日期（默认今天）")
    findings: str = Field(max_length=5000, description="检查情况")
    violations: list[ViolationIn] = Field(default_factory=list, max_length=20)

    def command(self) -> inspections.InspectionIn:
        d = self.model_dump(exclude={"violations"})
        return inspections.InspectionIn(**d, violations=tuple(v.command() for v in self.violations))


class InspectionOut(BaseModel):
    id: int
    inspection_no: str
    target_kind: str
    target_label: str
    party_id: int | None
    home_id: int | None
    listing_id: int | None
    house_code: str | None
    party_name: str | None
    district_code: str
    street_code: str
    inspected_on: date
    outcome: str
    outcome_label: str
    recorded_at: datetime


class ViolationOut(BaseModel):
    kind: str
    kind_label: str
    severity: str
    severity_label: str
    description: str
    subject_kind: str
    occurred_on: date
    credit_event_id: int


class InspectionDetail(InspectionOut):
    findings: str
    violations: list[ViolationOut]
