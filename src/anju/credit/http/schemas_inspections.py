"""Request and response shapes of random inspections (``/api/v1/credit/inspections``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

ID_MAX = 2**62


class DrawIn(BaseModel):
    title: str = Field(max_length=200, description="抽查名称，如 2026年第四季度经纪机构双随机抽查")
    subject_types: list[str] = Field(
        min_length=1, max_length=8, description="检查对象类型（企业类与从业人员），如 agency、practitioner"
    )
    district_code: str | None = Field(None, max_length=12, description="区；为空时全市（仅市级）")
    sample_size: int = Field(ge=1, le=1000, description="抽取的检查对象数")
    weights: dict[str, int] | None = Field(
        None, description="各等级的签数（A、B、C、D、ungraded，0–10）；为空时用默认值 D 4、C 3、B 2、A 1、未评级 2"
    )
    inspectors: list[str] = Field(min_length=1, max_length=200, description="检查人员（辖区内工作人员的用户名）")


class RunIn(BaseModel):
    seed: str = Field(max_length=1000, description="种子：现场公开摇出的数字或公开随机信标值（最长 256 个字符）")
    seed_source: str = Field(max_length=1000, description="种子的来源：如何、由谁、在何处产生")
    witnesses: list[str] = Field(max_length=20, description="在场见证人（公证、监督人员），至少一名")


class OutcomeIn(BaseModel):
    outcome: Literal["clean", "violations"] = Field(description="clean 未发现问题；violations 发现问题")
    inspected_on: date = Field(description="检查日期")
    findings: str | None = Field(None, max_length=4000, description="检查发现（发现问题时必填）")
    kind: str | None = Field(None, max_length=40, description="发现问题时：信用事件目录中的失信事件类型")
    severity: Literal["minor", "major", "serious"] | None = Field(None, description="发现问题时：严重程度")


class DrawPublicOut(BaseModel):
    id: int
    draw_no: str = Field(description="抽查编号")
    title: str
    status: str = Field(description="frozen 已冻结名单、drawn 已摇号")
    status_label: str
    algorithm: str = Field(description="摇号算法 anju-lottery-v1")
    subject_types: list[str]
    district_code: str | None = None
    weights: dict[str, int] = Field(description="各等级的签数")
    subjects: int = Field(description="符合条件的检查对象数")
    sample_size: int
    tickets: int = Field(description="签数合计（冻结的检查对象名单行数）")
    inspectors: int
    subjects_hash: str = Field(description="冻结的检查对象名单（签）的 SM3 哈希，摇号前公布")
    inspectors_hash: str = Field(description="冻结的检查人员名单的 SM3 哈希，摇号前公布")
    frozen_at: datetime
    frozen_ledger_index: int | None = None
    seed: str | None = None
    seed_source: str | None = None
    witnesses: list[str] = Field(default_factory=list)
    result_hash: str | None = None
    inspectors_result_hash: str | None = None
    drawn_at: datetime | None = None
    ledger_index: int | None = None
    tickets_url: str
    inspectors_url: str
    verify_command: str | None = None


class DrawOut(DrawPublicOut):
    frozen_by: str
    drawn_by: str | None = None
    recorded: int = Field(description="已登记检查结果的对象数")


class PublicAssignmentOut(BaseModel):
    rank: int
    subject: str = Field(description="检查对象在本次抽查中的编号，如 S000123")
    subject_type: str
    name: str | None = Field(None, description="企业名称（个人不公开）")
    credit_code: str | None = None
    inspector: str
    outcome: str
    outcome_label: str
    inspected_on: date | None = None


class AssignmentOut(PublicAssignmentOut):
    subject_id: int
    district_code: str | None = None
    street_code: str | None = None
    findings: str | None = None
    event_id: int | None = None
    event_kind: str | None = None
    recorded_by: str | None = None


class InspectorOut(BaseModel):
    username: str
    role: str
    division_code: str | None = None


class OutcomeOut(BaseModel):
    event_id: int = Field(description="记录的信用事件")
    assignment: AssignmentOut


class VerificationOut(BaseModel):
    ok: bool
    reasons: list[str]
    algorithm: str
    subjects_hash: str
    inspectors_hash: str
    seed: str
    result_hash: str
    inspectors_result_hash: str
