"""Pydantic models of the subject's own file, objections and repairs (the services' TypedDicts: the
keys match, so ``Model(**row)`` type-checks)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from anju.web.schemas import Page


class GradeOut(BaseModel):
    grade: str
    grade_label: str
    edition: str
    score_centi: int
    as_of: date
    events: int
    computed_at: datetime


class ListOut(BaseModel):
    list: str
    list_label: str
    rule: str
    reason: str
    edition: str
    entered_on: date
    ledger_index: int | None


class AmendmentOut(BaseModel):
    kind: str
    kind_label: str
    effective_on: date
    reason: str
    reference: str
    recorded_at: datetime
    ledger_index: int | None


class DocumentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int
    sha256: str


class CaseOut(BaseModel):
    kind: str
    number: str
    basis: str | None
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date
    decided_at: datetime | None
    decision: str | None
    documents: list[DocumentOut]
    ledger_index: int | None
    decision_ledger_index: int | None


class EventOut(BaseModel):
    id: int
    source: str
    kind: str
    kind_label: str
    polarity: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    detail: dict[str, Any]
    recorded_at: datetime
    ledger_index: int | None
    status: str
    status_label: str
    amendment: AmendmentOut | None
    cases: list[CaseOut]
    can_object: bool
    can_repair: bool


class OwnFileOut(BaseModel):
    subject_kind: str
    label: str
    grade: GradeOut | None
    lists: list[ListOut]
    events: Page[EventOut]
    open_cases: int


class CaseCreated(BaseModel):
    number: str


class _CaseRow(BaseModel):
    event_id: int
    event_kind: str
    event_kind_label: str
    severity: str
    occurred_on: date
    event_reference: str
    subject_kind: str
    subject_name: str | None
    subject_id: int | None = None
    status: str
    status_label: str
    submitted_at: datetime
    due_on: date
    overdue: bool
    decided_at: datetime | None
    street_code: str | None


class ObjectionOut(_CaseRow):
    objection_no: str


class RepairOut(_CaseRow):
    repair_no: str
    basis: str
    basis_label: str


class _Detail(BaseModel):
    decision: str | None
    decided_by: str | None
    documents: list[DocumentOut]
    ledger_index: int | None
    decision_ledger_index: int | None


class ObjectionDetailOut(ObjectionOut, _Detail):
    reason: str


class RepairDetailOut(RepairOut, _Detail):
    statement: str
