"""REST schemas of credit events recorded by hand and of the events list."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from anju.credit import manual


class ManualEventBody(BaseModel):
    subject_type: str = Field(
        max_length=20, description="信用主体类型：developer、rental_enterprise、agency、practitioner 等"
    )
    credit_code: str = Field("", max_length=30, description="组织的统一社会信用代码")
    org_name: str = Field("", max_length=100, description="组织名称（该代码在本平台尚无信用档案时必填）")
    id_number: str = Field("", max_length=30, description="个人的公民身份号码（仅用于生成盲索引，不保存）")
    kind: str = Field(max_length=40, description="信用事件类型（表彰奖励或失信行为，见信用事件目录）")
    severity: str = Field("", max_length=8, description="minor、major、serious；空则取类型的默认值")
    evidence: str = Field(max_length=64, description="决定书、文书编号（证据）")
    occurred_on: date | None = Field(None, description="发生（决定）日期")
    expires_on: date | None = Field(None, description="失效日期（空：长期）")
    street_code: str = Field("", max_length=12, description="发生地街道代码（区级及以下人员必填，须在管辖范围内）")
    note: str = Field("", max_length=500, description="说明")

    def command(self) -> manual.ManualEventIn:
        return manual.ManualEventIn(
            subject_type=self.subject_type,
            kind=self.kind,
            evidence=self.evidence,
            occurred_on=self.occurred_on,
            credit_code=self.credit_code,
            org_name=self.org_name,
            id_number=self.id_number,
            severity=self.severity,
            expires_on=self.expires_on,
            street_code=self.street_code,
            note=self.note,
        )


class EventCreated(BaseModel):
    id: int


class EventOut(BaseModel):
    id: int
    subject_kind: str
    subject_type: str | None
    subject: str
    source: str
    source_label: str
    kind: str
    kind_label: str
    polarity: str
    severity: str
    severity_label: str
    occurred_on: date
    expires_on: date | None
    reference: str
    street_code: str | None
    status: str
    recorded_at: datetime
    ledger_index: int | None
