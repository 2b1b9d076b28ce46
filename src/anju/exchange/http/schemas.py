"""REST models of the exchange's feeds (数据接入): feeds and their metrics, batches, dead letters."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class FeedOut(BaseModel):
    dataset: str
    title: str
    source: str
    frequency: str
    batches: int
    received: int
    accepted: int
    rejected: int
    duplicate: int
    open_dead_letters: int
    last_batch_at: datetime | None
    lag_seconds: int | None = Field(description="记录数据日期到接收的平均时长（秒）；未声明数据日期字段时为空")


class RejectionOut(BaseModel):
    seq: int = Field(description="记录在批次中的序号（从 1 起）")
    field: str | None
    reason: str


class BatchOut(BaseModel):
    id: int
    dataset: str
    channel: str
    delivered_by: str
    filename: str | None
    status: str
    received: int
    accepted: int
    rejected: int
    duplicate: int
    lag_seconds: int | None
    lag_seconds_max: int | None
    error: str | None
    received_at: datetime
    finished_at: datetime | None


class FieldQualityOut(BaseModel):
    field: str
    label: str
    present: int
    missing: int
    invalid: int


class BatchDetail(BatchOut):
    quality: list[FieldQualityOut]


class BatchResultOut(BaseModel):
    batch_id: int
    dataset: str
    status: str
    received: int
    accepted: int
    rejected: int
    duplicate: int
    error: str | None
    rejections: list[RejectionOut] = Field(description="前 200 条拒绝原因（计数总是准确的）")


class FieldValueOut(BaseModel):
    name: str
    label: str
    value: str = Field(description="个人信息字段已脱敏")
    personal: bool


class RejectionReason(BaseModel):
    field: str | None
    reason: str


class DeadLetterOut(BaseModel):
    id: int
    batch_id: int
    dataset: str
    seq: int
    status: str
    rejections: list[RejectionReason]
    fields: list[FieldValueOut]
    replay_batch_id: int | None
    resolved_by: int | None
    resolved_at: datetime | None
    note: str | None


class ReplayBody(BaseModel):
    fields: dict[str, str] = Field(default_factory=dict, description="修正后的字段值；个人信息字段留空表示保持原值")


class DiscardBody(BaseModel):
    reason: str = Field(min_length=1, max_length=500)


class ReplayOut(BaseModel):
    batch: BatchResultOut
    replayed: int
    still_open: int
