"""The credit domain: subjects, events, grades, lists, the approval actions credit can restrict, and the
checks of a new event.

Nothing here imports SQLAlchemy or FastAPI. The scoring model (editions, rules, thresholds, list rules,
restriction and incentive rules, repair rules) is data (``credit/data/<city>/scoring.toml``) read by
:mod:`anju.credit.scoring`; the event catalogue is ``credit/data/event_kinds.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anju.core.errors import ValidationError
from anju.credit.catalogue import catalogue

#: The verifiable log every event, amendment, grade change, list change, objection decision and repair
#: is appended to.
LOG = "credit"
SEVERITIES = ("minor", "major", "serious")
SEVERITY_LABELS = {"minor": "一般", "major": "较重", "serious": "严重"}
SUBJECT_KINDS = ("person", "org")

#: Who has a credit file (信用主体), by type. Property-service companies and appraisal agencies are
#: filed by later capabilities (estates, house safety); the types exist now so their events have a home.
SUBJECT_TYPES: dict[str, str] = {
    "developer": "房地产开发企业",
    "rental_enterprise": "住房租赁企业",
    "agency": "房地产经纪机构",
    "property_service": "物业服务企业",
    "appraisal": "房屋安全鉴定机构",
    "practitioner": "从业人员",
    "household": "保障对象家庭",
    "person": "个人",
    "org": "其他机构（类型待同步）",
}
#: Subject types that are people: never shown by name on a public page.
PERSON_TYPES = frozenset({"practitioner", "household", "person"})

GRADE_LABELS = {"A": "A 级（诚信）", "B": "B 级（良好）", "C": "C 级（关注）", "D": "D 级（失信）"}
LISTS = {"red": "守信红名单", "black": "失信黑名单"}

#: The approvals that consult credit (联合惩戒 / 联合激励) through the one restriction mechanism
#: (``anju.registry.subject_restrictions``): the action code → what is being approved.
ACTIONS: dict[str, str] = {
    "rental.party.file": "住房租赁企业、经纪机构备案",
    "rental.party.renew": "住房租赁企业、经纪机构备案延续",
    "rental.listing.publish": "发布租赁房源",
    "rental.lease.file": "经纪机构代理签约、备案租赁合同",
    "transactions.permit.issue": "核发商品房预售许可",
    "transactions.contract.file": "商品房、存量房买卖合同网签备案",
    "estates.tender": "物业服务项目招投标",
    "assistance.eligibility": "住房保障资格",
}

AMENDMENT_KINDS = {"void": "异议成立，撤销记录", "repair": "信用修复"}
OBJECTION_STATUSES = {"submitted": "待处理", "upheld": "异议成立", "rejected": "异议不成立", "withdrawn": "已撤回"}
REPAIR_STATUSES = {"submitted": "待处理", "approved": "已修复", "rejected": "不予修复"}
REPAIR_BASES = {"period": "公示期满", "rectification": "整改到位"}
GRADE_CAUSES = {
    "event": "新增信用事件",
    "void": "异议成立",
    "repair": "信用修复",
    "recompute": "定期重算",
    "edition": "评价标准更新",
}


@dataclass(frozen=True)
class Event:
    subject_kind: str  # person | org
    subject_bidx: str
    source: str
    kind: str
    severity: str
    occurred_on: date
    reference: str
    expires_on: date | None = None
    street_code: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    #: the subject's type (``SUBJECT_TYPES``) when the reporter knows it: a subject without a credit
    #: file gets one of this type (``person`` or ``org`` otherwise, until a provider names it)
    subject_type: str | None = None


@dataclass(frozen=True)
class SubjectIn:
    """A party another context files, as a credit subject: named by the blind index of its ID or
    credit code; an organisation's name and code are public, a person's name is passed encrypted."""

    subject_bidx: str
    subject_kind: str  # person | org
    kind: str  # one of SUBJECT_TYPES
    name: str | None = None  # organisations only
    name_enc: bytes | None = None  # persons only (SM4, the security keyring)
    credit_code: str | None = None
    district_code: str | None = None
    street_code: str | None = None
    link: tuple[str, str, int] | None = None  # (context, kind, id) of the filed record


def check_event(ev: Event) -> None:
    """Raise a ValidationError naming the field when the event cannot be recorded."""
    if ev.subject_kind not in SUBJECT_KINDS:
        raise ValidationError.of("subject_kind", "应为 person 或 org")
    if ev.severity not in SEVERITIES:
        raise ValidationError.of("severity", f"应为 {'、'.join(SEVERITIES)} 之一")
    if not ev.subject_bidx or len(ev.subject_bidx) != 64:
        raise ValidationError.of("subject_bidx", "应为 64 位盲索引")
    if ev.expires_on is not None and ev.expires_on < ev.occurred_on:
        raise ValidationError.of("expires_on", "不能早于发生日期")
    cat = catalogue()
    if ev.kind not in cat.kinds:
        raise ValidationError.of("kind", f"信用事件目录中没有 {ev.kind}（见 credit/data/event_kinds.toml）")
    if not cat.may_report(ev.source, ev.kind):
        raise ValidationError.of("source", f"{ev.source} 不能报送 {ev.kind} 类信用事件")
    if ev.subject_type is not None and ev.subject_type not in SUBJECT_TYPES:
        raise ValidationError.of("subject_type", f"未知的信用主体类型：{ev.subject_type}")
    if not ev.reference or len(ev.reference) > 64:
        raise ValidationError.of("reference", "业务编号应为 1–64 个字符")


def check_subject(s: SubjectIn) -> None:
    """Raise a ValidationError naming the field when the subject cannot be filed."""
    if s.subject_kind not in SUBJECT_KINDS:
        raise ValidationError.of("subject_kind", "应为 person 或 org")
    if s.kind not in SUBJECT_TYPES:
        raise ValidationError.of("kind", f"未知的信用主体类型：{s.kind}")
    if not s.subject_bidx or len(s.subject_bidx) != 64:
        raise ValidationError.of("subject_bidx", "应为 64 位盲索引")
    if s.subject_kind == "person" and s.name is not None:
        raise ValidationError.of("name", "个人的姓名只能加密保存")
