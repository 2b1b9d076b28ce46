"""Request and response bodies of service quality's REST routes (complaints, evaluations, inspections)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from anju.estates import quality_complaints, quality_evaluations, quality_inspections


class Created(BaseModel):
    id: int
    number: str


class ComplaintIn(BaseModel):
    house_code: str = Field("", max_length=23, description="您在该小区的房屋代码（须为登记产权人）")
    category: str = Field("", max_length=16)
    title: str = Field("", max_length=200)
    text: str = Field("", max_length=5000)

    def command(self) -> quality_complaints.ComplaintIn:
        return quality_complaints.ComplaintIn(self.house_code, self.category, self.title, self.text)


class ComplaintOut(BaseModel):
    id: int
    complaint_no: str
    estate_id: int
    estate_name: str
    company_id: int | None
    company_name: str | None
    category: str
    category_label: str
    title: str
    district_code: str
    street_code: str
    status: str
    status_label: str
    due_at: datetime
    overdue: bool
    upheld: bool | None
    created_at: datetime
    closed_at: datetime | None


class EventOut(BaseModel):
    kind: str
    label: str
    at: datetime
    text: str | None


class ComplaintDetail(ComplaintOut):
    text: str
    company_reply: str | None
    reply: str | None
    credit_event_id: int | None
    events: list[EventOut]


class ReplyIn(BaseModel):
    reply: str = Field("", max_length=5000)


class ResolutionIn(BaseModel):
    upheld: bool | None = Field(None, description="投诉是否属实：属实的记入企业信用档案")
    reply: str = Field("", max_length=5000)


class RejectionIn(BaseModel):
    reason: str = Field("", max_length=2000)


class EvaluationIn(BaseModel):
    project_id: int = Field(ge=1, le=2**62)
    year: int = Field(ge=1990, le=2200)
    items: dict[str, Decimal | str] = Field(default_factory=dict, max_length=50)
    evaluated_on: date | None = None
    note: str | None = Field(None, max_length=500)

    def command(self) -> quality_evaluations.EvaluationIn:
        return quality_evaluations.EvaluationIn(
            self.project_id, self.year, dict(self.items), self.evaluated_on, self.note
        )


class EvaluationOut(BaseModel):
    id: int
    project_id: int
    project_no: str
    estate_id: int
    estate_name: str
    company_id: int
    company_name: str
    year: int
    score: Decimal
    grade: str
    grade_label: str
    items: dict[str, Decimal]
    note: str | None
    evaluated_on: date
    street_code: str
    credit_event_id: int | None
    created_at: datetime


class EvaluationItemOut(BaseModel):
    code: str
    label: str
    max: Decimal


class EvaluationRulesOut(BaseModel):
    edition: str
    items: list[EvaluationItemOut]
    grades: dict[str, Decimal]  # grade → minimum score


class DrawIn(BaseModel):
    title: str = Field("", max_length=200)
    sample_size: int = Field(ge=1, le=1000)
    inspectors: list[str] = Field(default_factory=list, max_length=200)
    district_code: str | None = Field(None, max_length=12)

    def command(self) -> quality_inspections.DrawIn:
        return quality_inspections.DrawIn(self.title, self.sample_size, self.inspectors, self.district_code)


class DrawOut(BaseModel):
    id: int
    url: str  # the credit context's page of the draw (run it, record outcomes)
