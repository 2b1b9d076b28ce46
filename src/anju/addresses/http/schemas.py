"""Request and response shapes of the address API (``/api/v1/addresses``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from anju.addresses.linking import MAX_BATCH_PARSE


class ParseIn(BaseModel):
    address: str = Field(description="一条地址（自由文本）；无法解析时返回 200，error 说明原因")


class BatchParseIn(BaseModel):
    addresses: list[Any] = Field(
        max_length=MAX_BATCH_PARSE,
        description=f"最多 {MAX_BATCH_PARSE} 条地址；某条无法解析（或不是文本）只在该条的 error 中说明，不影响其他各条",
    )


class ParsedOut(BaseModel):
    input: str = Field(description="输入的地址（超长时截断）")
    province: str | None = None
    city: str | None = None
    district: str | None = None
    district_code: str | None = None
    zone: str | None = Field(None, description="功能区（写的是功能区而非行政区时）")
    street: str | None = None
    street_code: str | None = None
    community: str | None = None
    road: str | None = None
    door: str | None = None
    estate: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: int | None = None
    room: str | None = None
    canonical: str | None = Field(None, description="标准地址")
    notes: list[str] = Field(default_factory=list, description="解析时所做的处理（如删除电话号码、修复乱码）")
    ambiguities: list[str] = Field(default_factory=list, description="有歧义之处及所取的解释")
    error: str | None = Field(None, description="无法解析的原因（代码: 说明）；成功时为空")


class BatchParseOut(BaseModel):
    results: list[ParsedOut] = Field(description="与输入同序")


class LevelOut(BaseModel):
    level: str = Field(description="比较结果的级别（如 房号相同、缺失）")
    weight: float = Field(description="该比较的匹配权重（log2）")


class CandidateOut(BaseModel):
    rank: int
    house_code: str
    score: float = Field(description="匹配概率（0–1）")
    match_weight: float
    explanation: dict[str, LevelOut] = Field(description="逐项比较：小区、道路门牌、区、街道、楼栋、单元、房号")
    address: str | None = Field(None, description="楼盘表中的房屋地址")
    estate: str | None = None
    road: str | None = None
    door_no: str | None = None
    building_no: str | None = None
    unit_no: str | None = None
    room_no: str | None = None
    status: str | None = Field(None, description="房屋状态")
    district_code: str | None = None
    street_code: str | None = None


class RecordOut(BaseModel):
    id: int
    job_id: int
    source: str = Field(description="来源部门，如 police")
    record_id: str = Field(description="来源部门的记录号")
    address: str
    canonical: str | None = None
    components: dict[str, Any] = Field(description="解析出的地址要素（仅列出有值的要素）")
    status: str = Field(description="linked 已关联、review 待复核、unlinked 未关联")
    house_code: str | None = None
    score: float | None = None
    reason: str
    decision: str | None = Field(None, description="人工复核结论：accepted 确认、rejected 否决")
    decided_by: str | None = None
    decided_at: datetime | None = None
    street_code: str | None = None


class RecordDetail(RecordOut):
    candidates: list[CandidateOut] = Field(default_factory=list, description="候选房屋，按匹配权重从高到低")


class DecisionIn(BaseModel):
    accept: bool = Field(description="true：确认关联到 house_code；false：否决 house_code（为空时否决全部候选）")
    house_code: str | None = Field(None, max_length=23, description="候选房屋的房屋代码")


class DecisionOut(BaseModel):
    id: int
    status: str = Field(description="复核后记录的状态")
    house_code: str | None = None
    decision: str


class JobOut(BaseModel):
    id: int
    source: str
    filename: str
    backend: str
    status: str
    records_total: int
    linked: int
    review: int
    unlinked: int
    errors: int
    parameters: dict[str, Any]
    created_by: str
    created_at: datetime
    finished_at: datetime | None = None


class LinkJobOut(BaseModel):
    job_id: int | None
    source: str
    backend: str
    records: int
    linked: int
    review: int
    unlinked: int
    errors: int
    pairs_scored: int
    seconds: dict[str, float]
