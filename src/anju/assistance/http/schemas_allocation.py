"""Request and response shapes of draws, allocation and tracking (``/api/v1/assistance``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

ID_MAX = 2**62


class WaitingOut(BaseModel):
    id: int
    app_no: str = Field(description="申请编号（摇号名单中公布的编号）")
    programme_code: str
    priority_class: str | None = Field(None, description="优先类别")
    household_size: int
    bedrooms_allowed: int | None = Field(None, description="按家庭人数可选的最多居室数")
    district_code: str
    street_code: str
    submitted_at: datetime | None = None
    decided_at: datetime | None = None
    draw_no: str | None = Field(None, description="所在的未结束摇号（已冻结，或已摇号但尚未轮到）")


class FreezeIn(BaseModel):
    programme_code: str = Field(min_length=1, max_length=32, description="配房类保障项目，如 public_rental")
    priority_class: str | None = Field(None, max_length=24, description="优先类别；为空时冻结该项目全部类别")
    title: str = Field(min_length=1, max_length=120, description="摇号名称，如 2026年第一批公租房摇号")


class RunIn(BaseModel):
    seed: str = Field(max_length=1000, description="种子：现场公开摇出的数字或公开随机信标值（最长 256 个字符）")
    seed_source: str = Field(max_length=1000, description="种子的来源：如何、由谁、在何处产生")
    witnesses: list[str] = Field(max_length=20, description="在场见证人（公证、监督人员），至少一名")


class CloseIn(BaseModel):
    reason: str = Field(max_length=1000, description="结束原因（如房源已选完）")


class DrawOut(BaseModel):
    id: int
    draw_no: str = Field(description="摇号编号")
    title: str
    programme_code: str
    priority_class: str | None = None
    status: str = Field(description="frozen 已冻结名单、drawn 已摇号（选房中）、closed 已结束")
    status_label: str
    algorithm: str = Field(description="摇号算法，如 anju-lottery-v1")
    candidates: int = Field(description="候选人数")
    list_hash: str = Field(description="冻结名单的 SM3 哈希（摇号前公布）")
    frozen_at: datetime
    frozen_by: str
    seed: str | None = None
    seed_source: str | None = None
    witnesses: list[str] = Field(default_factory=list)
    result_hash: str | None = Field(None, description="摇号结果（选房顺序）的 SM3 哈希")
    drawn_at: datetime | None = None
    drawn_by: str | None = None
    frozen_ledger_index: int | None = Field(None, description="冻结名单在可验证日志 assistance 中的序号")
    ledger_index: int | None = Field(None, description="摇号结果在可验证日志 assistance 中的序号")
    selected: int = Field(description="已选房户数")
    passed: int = Field(description="放弃本轮的户数")
    street_codes: list[str] = Field(default_factory=list, description="候选人所在街道")


class DrawPublicOut(BaseModel):
    """What anyone may see about a draw (no sign-in): enough to re-run it."""

    id: int
    draw_no: str
    title: str
    programme_code: str
    priority_class: str | None = None
    status: str
    status_label: str
    algorithm: str
    candidates: int
    list_hash: str
    frozen_at: datetime
    seed: str | None = None
    seed_source: str | None = None
    witnesses: list[str] = Field(default_factory=list)
    result_hash: str | None = None
    drawn_at: datetime | None = None
    frozen_ledger_index: int | None = None
    ledger_index: int | None = None
    selected: int
    passed: int
    candidates_url: str = Field(description="冻结名单（每行一个编号，按冻结顺序）")
    result_url: str | None = Field(None, description="摇号结果（每行一个编号，第 1 行最先选房）")
    verify_command: str | None = Field(None, description="任何人都可以运行的核验命令")


class EntryOut(BaseModel):
    position: int = Field(description="冻结名单中的序号（从 1 开始）")
    rank: int | None = Field(None, description="选房顺序号（摇号后）")
    candidate_id: str


class VerificationOut(BaseModel):
    ok: bool
    reasons: list[str]
    algorithm: str
    list_hash: str
    seed: str
    result_hash: str
    submitted_result_hash: str = Field(description="存储的结果的哈希")


class HomeOut(BaseModel):
    home_id: int
    house_code: str
    address: str
    programme_code: str
    district_code: str
    street_code: str
    bedrooms: int
    area: str = Field(description="建筑面积（m²，两位小数）")
    monthly_rent_fen: int | None = None
    price_fen: int | None = None
    status: str
    restrictions: list[str] = Field(
        default_factory=list, description="今日不能选定该房源的限制（查封、危房等），为空则可选"
    )


class NextOut(BaseModel):
    application_id: int
    candidate_id: str
    rank: int
    household_size: int
    priority_class: str | None = None
    street_code: str
    bedrooms_allowed: int | None = None


class TurnOut(BaseModel):
    draw: DrawOut
    next: NextOut | None = Field(None, description="当前轮到的候选人；为空时无人待选")
    homes: list[HomeOut] = Field(description="适合该户的可选房源（按居室、面积从大到小）")
    homes_total: int


class SelectIn(BaseModel):
    application_id: int = Field(ge=1, le=ID_MAX)
    home_id: int = Field(ge=1, le=ID_MAX)


class PassIn(BaseModel):
    application_id: int = Field(ge=1, le=ID_MAX)
    reason: str = Field(max_length=1000, description="放弃原因")


class AllocationOut(BaseModel):
    id: int
    application_id: int
    app_no: str
    home_id: int
    house_code: str
    address: str
    programme_code: str
    draw_id: int | None = None
    draw_no: str | None = None
    rank: int | None = None
    status: str = Field(description="selected 已选房、contracted 已签约、moved_in 已入住、ended 已终止")
    status_label: str
    active: bool
    street_code: str = Field(description="房源所在街道")
    selected_at: datetime
    selected_by: str
    contract_no: str | None = None
    contracted_at: datetime | None = None
    moved_in_at: datetime | None = None
    ended_at: datetime | None = None
    end_reason: str | None = None


class ContractIn(BaseModel):
    contract_no: str = Field(max_length=100, description="合同编号（最长 32 个字符）")


class MoveInIn(BaseModel):
    on: date = Field(description="入住日期（不晚于今天）")


class CaseIn(BaseModel):
    application_id: int = Field(ge=1, le=ID_MAX)
    kind: str = Field(
        max_length=24, description="requalification、arrears、vacancy、sublet、false_materials、use_change"
    )
    facts: dict[str, Any] = Field(default_factory=dict, description="触发情况（如欠租月数、巡查记录），最多 8 KB")


class DecisionIn(BaseModel):
    outcome: str = Field(max_length=16, description="continue、market_rent、exit、recovery、ban")
    reason: str | None = Field(None, max_length=2000, description="理由；与政策规定的处理结果不同时必填")


class RuleOut(BaseModel):
    outcome: str
    exit_days: int
    ban_years: int
    credit: str | None = None


class CaseOut(BaseModel):
    id: int
    case_no: str
    application_id: int
    app_no: str
    programme_code: str
    allocation_id: int | None = None
    street_code: str
    kind: str
    kind_label: str
    facts: dict[str, Any]
    status: str
    status_label: str
    opened_at: datetime
    due_at: datetime
    outcome: str | None = None
    outcome_label: str | None = None
    outcome_reason: str | None = None
    exit_deadline: date | None = None
    ban_until: date | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    rule: RuleOut | None = Field(None, description="该项目该情形的退出规则（默认处理结果）")


class DecisionOut(BaseModel):
    case_no: str
    outcome: str
    default: str | None = Field(None, description="政策规定的默认处理结果")
    exit_deadline: date | None = None
    ban_until: date | None = None
    credit_severity: str | None = None
    credit_events: int = Field(description="为家庭成员记录的信用事件数")
    allocation_ended: int | None = None
    ledger_index: int


class RequalifyIn(BaseModel):
    programme_code: str = Field(min_length=1, max_length=32)
    on: date | None = Field(None, description="复核日期（默认今天）")


class RequalifyOut(BaseModel):
    checked: int
    qualified: int
    cases: int = Field(description="新立的年度复核案件数")


class PayIn(BaseModel):
    month: str = Field(max_length=7, description="发放月份 YYYY-MM")


class PayOut(BaseModel):
    paid: int = Field(description="本次发放笔数")
    amount_fen: int = Field(description="本次发放金额（分）")
    already_paid: int = Field(description="该月此前已发放的笔数（不重复发放）")
