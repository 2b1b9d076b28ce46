"""REST models of credit subjects, lists, grade changes and the public disclosure."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel


class SubjectOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    subject_kind: str
    name: str  # an organisation's name; a person's masked name
    credit_code: str | None
    district_code: str | None
    street_code: str | None
    grade: str | None
    score: float | None
    lists: list[str]


class LinkOut(BaseModel):
    context: str
    kind: str
    id: int
    label: str
    href: str | None


class GradeOut(BaseModel):
    grade: str
    score: float
    edition: str
    as_of: date
    events: int
    explanation: Any


class ChangeOut(BaseModel):
    id: int
    subject_id: int | None
    subject_name: str
    subject_kind_label: str
    from_grade: str | None
    to_grade: str
    score: float
    valid_from: date
    cause: str
    cause_label: str
    cause_ref: str | None
    recorded_at: datetime


class ListEntryOut(BaseModel):
    id: int
    subject_id: int | None
    subject_name: str
    subject_kind_label: str
    list: str
    list_label: str
    rule: str
    reason: str
    entered_on: date
    exited_on: date | None
    exit_reason: str | None
    open: bool


class SubjectFileOut(BaseModel):
    subject: SubjectOut
    links: list[LinkOut]
    grade: GradeOut | None
    history: list[ChangeOut]
    list_entries: list[ListEntryOut]


class EventOut(BaseModel):
    id: int
    kind: str
    kind_label: str
    source: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    status: str
    status_label: str
    synthetic: bool


class PublicListEntryOut(BaseModel):
    list: str
    list_label: str
    reason: str
    entered_on: date
    exited_on: date | None


class PublicOrgOut(BaseModel):
    credit_code: str
    name: str
    kind: str
    kind_label: str
    district_code: str | None
    grade: str | None
    grade_label: str | None
    lists: list[PublicListEntryOut]


class PublicSanctionOut(BaseModel):
    kind: str
    kind_label: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    status_label: str
