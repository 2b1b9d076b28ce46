"""The plan monitoring API's shapes (``/api/v1/plan``): progress of targets, reported figures and their
versions, hand-entered figures, the public figures, evaluation jobs."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

StatusT = Literal["achieved", "on_track", "behind", "no_data"]


class YearValueOut(BaseModel):
    year: int
    value: Decimal | None
    missing: str | None


class TargetOut(BaseModel):
    key: str
    label: str
    indicator: str
    indicator_name: str
    area_code: str
    area_name: str
    unit: str
    comparison: str
    target: Decimal
    nature: str
    period: str
    year: int | None
    source: str
    actual: Decimal | None
    expected: Decimal | None
    gap: Decimal | None
    percent: Decimal | None
    status: StatusT
    status_label: str
    missing: str | None
    years: list[YearValueOut]


class ProgressOut(BaseModel):
    plan_code: str
    plan_name: str
    edition: int
    city: str
    first_year: int
    last_year: int
    as_of: int
    synthetic: bool
    targets: list[TargetOut]


class ReportOut(BaseModel):
    id: int
    year: int
    version: int
    note: str | None
    synthetic: bool
    reported_at: datetime
    reported_by: str


class FigureOut(BaseModel):
    year: int
    version: int
    reported_at: datetime
    note: str | None
    target_key: str
    indicator: str
    area_code: str
    target: Decimal
    actual: Decimal | None
    unit: str
    status: StatusT
    status_label: str
    missing: str | None


class HistoryLineOut(BaseModel):
    figure: FigureOut
    corrected: FigureOut | None = Field(None, description="被本版更正的上一版数值")


class TargetDetailOut(BaseModel):
    target: TargetOut
    formula: str
    data_source: str
    calibre: str
    history: list[HistoryLineOut]


class ReportIn(BaseModel):
    year: int = Field(ge=1990, le=2100, description="报送年度")
    note: str | None = Field(None, max_length=500, description="更正说明（再次报送时必填）")


class EntryIn(BaseModel):
    indicator: str = Field(min_length=1, max_length=80, description="指标代码")
    area_code: str = Field(min_length=1, max_length=12, description="区划代码")
    year: int = Field(ge=1990, le=2100)
    value: str = Field(min_length=1, max_length=40, description="数值（指标字典的单位）")
    source_note: str = Field(min_length=1, max_length=300, description="数据来源：报送部门、文件")


class EntryOut(BaseModel):
    id: int
    indicator: str
    area_code: str
    year: int
    value: Decimal
    source_note: str
    entered_at: datetime
    entered_by: str


class PublicOut(BaseModel):
    plan_code: str
    plan_name: str
    synthetic: bool
    year: int | None = Field(None, description="figures 所属的报送年度")
    reports: list[ReportOut]
    figures: list[FigureOut]


class EvaluationIn(BaseModel):
    kind: Literal["midterm", "final"]
    format: Literal["docx", "pdf"]


class JobOut(BaseModel):
    job_id: int
    job_url: str
