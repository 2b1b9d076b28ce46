"""Request and response shapes of the housing-assistance application API (``/api/v1/assistance``)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from anju.assistance import applying


class MemberIn(BaseModel):
    name: str = Field("", max_length=40, description="姓名（本人可留空：取本账户实名认证的姓名）")
    id_number: str = Field(
        "", max_length=20, description="居民身份证号码（18 位；本人可留空，填写时须与本账户实名认证的号码一致）"
    )
    relation: str = Field(max_length=8, description="与申请人关系：本人（第一名）、配偶、子女、父母、其他")
    annual_income_yuan: Decimal = Field(description="上年度收入（元，最多两位小数）")
    assets_yuan: Decimal = Field(Decimal(0), description="家庭资产中归属本人的部分（元）")
    local_hukou: bool = Field(False, description="本市户籍")
    hukou_years: int = Field(0, ge=0, le=120, description="本市户籍年限")
    social_insurance_months: int = Field(0, ge=0, le=720, description="本市社保连续缴纳月数")
    employed: bool = Field(False, description="在本市就业")

    def command(self) -> applying.MemberIn:
        return applying.MemberIn(**self.model_dump())


class ApplicationBody(BaseModel):
    programme_code: str = Field(max_length=32, description="保障项目代码，见 GET /assistance/programmes")
    street_code: str = Field(max_length=12, description="受理街道（镇）代码：户籍或居住地")
    members: list[MemberIn] = Field(max_length=12, description="家庭成员，第一名为申请人本人")
    housing_status: Literal["none", "rented", "owned", "assisted", "other"] = "rented"
    talent_tier: Literal["A", "B", "C", "D"] | None = Field(None, description="人才层次（人才安居项目必填）")
    industry: str | None = Field(None, max_length=40)
    employer: str | None = Field(None, max_length=80)
    phone: str | None = Field(None, max_length=20, description="联系电话")

    def command(self) -> applying.ApplicationIn:
        d = self.model_dump(exclude={"members"})
        return applying.ApplicationIn(members=[m.command() for m in self.members], **d)


class Created(BaseModel):
    id: int
    app_no: str


class RuleOut(BaseModel):
    code: str
    name: str
    passed: bool
    inputs: dict[str, Any]
    requirement: str
    reason: str
    pending: bool = Field(False, description="待家庭成员授权（所需成员信息尚未授权使用）")


class EligibilityOut(BaseModel):
    eligible: bool
    priority_class: str | None
    policy: dict[str, Any]
    rules: list[RuleOut]
    department_facts: list[dict[str, Any]] = Field(
        default_factory=list,
        description="核验所用的部门数据（来源、截至日期、批次、与申报是否一致；不含身份证号码）",
    )


class ApplicationOut(BaseModel):
    id: int
    app_no: str
    programme_code: str
    programme_name: str | None = None
    status: str
    status_label: str
    level: str | None
    due_at: datetime | None
    priority_class: str | None
    household_size: int
    talent_tier: str | None
    district_code: str
    street_code: str
    eligible: bool | None
    submitted_at: datetime | None
    notice_until: datetime | None
    decided_at: datetime | None
    updated_at: datetime
    version: int


class MemberOut(BaseModel):
    seq: int
    relation: str
    name: str = Field(description="脱敏")
    id_number: str = Field(description="脱敏")
    birth_year: int
    annual_income_fen: int
    assets_fen: int
    local_hukou: bool
    hukou_years: int
    social_insurance_months: int
    employed: bool


class DocumentOut(BaseModel):
    id: int
    kind: str
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class StepOut(BaseModel):
    at: datetime
    actor: str
    level: str
    action: str
    from_status: str | None
    to_status: str
    reason: str | None
    ledger_index: int | None


class ObjectionOut(BaseModel):
    id: int
    status: str
    submitted_at: datetime
    resolution: str | None


class ApplicationDetail(ApplicationOut):
    priority_name: str | None = Field(None, description="轮候类别的名称")
    members: list[MemberOut]
    industry: str | None
    employer: str | None
    housing_status: str
    edition_id: int
    eligibility: EligibilityOut | None
    documents: list[DocumentOut]
    steps: list[StepOut]
    objections: list[ObjectionOut]


class RuleStatusOut(BaseModel):
    code: str
    name: str
    requirement: str = Field(description="项目公布的条件")
    result: Literal["pass", "fail", "pending"] = Field(description="符合 / 不符合 / 待成员授权")
    result_label: str


class SelfCheckOut(BaseModel):
    """The applicant's view of an eligibility check: per rule pass / fail / pending, no figures."""

    outcome: Literal["eligible", "ineligible", "pending"]
    outcome_label: str
    policy: dict[str, Any]
    rules: list[RuleStatusOut]


class MemberConsentOut(BaseModel):
    seq: int
    relation: str
    name: str = Field(description="脱敏")
    id_number: str = Field(description="脱敏")
    adult: bool
    consent: Literal["self", "minor", "given", "missing"] = Field(
        description="self 申请人本人；minor 未成年人无须授权；given 已授权；missing 待本人授权"
    )
    consent_label: str


class MyApplicationDetail(ApplicationOut):
    """One's own application: the eligibility check without figures, each member's consent."""

    priority_name: str | None = Field(None, description="轮候类别的名称")
    members: list[MemberOut]
    industry: str | None
    employer: str | None
    housing_status: str
    edition_id: int
    eligibility: SelfCheckOut | None
    consents: list[MemberConsentOut]
    documents: list[DocumentOut]
    steps: list[StepOut]
    objections: list[ObjectionOut]
    checked_at: datetime | None


class ConsentRequestOut(BaseModel):
    """An application that names me as a member of someone else's household."""

    application_id: int
    app_no: str
    programme_name: str
    applicant: str = Field(description="申请人姓名（脱敏）")
    relation: str = Field(description="申请人填写的我与其关系")
    status: str
    status_label: str
    consented: bool
    consented_at: datetime | None
    can_change: bool = Field(description="申请尚未提交（草稿或退回补正）时可以授权或撤回")


class ConsentOut(BaseModel):
    application_id: int
    consented: bool


class DecisionIn(BaseModel):
    action: Literal["approve", "return", "reject"]
    reason: str | None = Field(None, max_length=500, description="退回或不予批准时必填")
    version: int | None = Field(None, ge=1, le=2**31, description="审核时看到的版本号（防止并发覆盖）")


class DecisionOut(BaseModel):
    id: int
    status: str


class WithdrawIn(BaseModel):
    reason: str | None = Field(None, max_length=500)


class ObjectionIn(BaseModel):
    text: str = Field(max_length=2000, description="异议内容")


class ResolutionIn(BaseModel):
    upheld: bool = Field(description="异议成立（申请不予批准）或不成立")
    resolution: str = Field(max_length=1000, description="核查结论")


class NoticeOut(BaseModel):
    id: int
    app_no: str
    programme_code: str
    street_code: str
    household_size: int
    priority_class: str | None
    notice_until: datetime | None


class EditionOut(BaseModel):
    id: int
    edition: int
    effective_from: date
    effective_to: date | None
    digest: str
    sample: bool
    in_force: bool
    policy: dict[str, Any]


class ProgrammeOut(BaseModel):
    code: str
    name: str
    kind: str
    kind_label: str
    editions: list[EditionOut]


class Finalised(BaseModel):
    approved: list[int]


class ProofItem(BaseModel):
    action: str
    at: datetime
    index: int = Field(description="叶子序号")
    entry: str = Field(description="日志记录原文（UTF-8）；叶子哈希 = SM3(0x00 ‖ 原文)")
    leaf_hash: str
    proof: list[str] = Field(description="审计路径（RFC 9162）")


class DecisionProofs(BaseModel):
    log: str
    algorithm: str
    size: int = Field(description="证明所对应的日志大小；与 GET /api/v1/ledger/assistance/head 的签名树头对照")
    root: str
    items: list[ProofItem]
