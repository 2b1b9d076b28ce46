"""Estate management's vocabulary and pure rules (issue 22): company qualifications, projects, tenders,
complaints, evaluations, owners' organisations, the matters of Civil Code art. 278 and their
thresholds, the maintenance fund's kind and building types, spending. No I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from typing import Final

from anju.funds import FundKind

# --------------------------------------------------------------------------------- property services

QUALIFICATIONS: Final = {"grade1": "一级", "grade2": "二级", "grade3": "三级", "none": "无资质等级"}
COMPANY_STATUSES: Final = {"filed": "已备案", "suspended": "暂停", "cancelled": "已注销"}
PROJECT_KINDS: Final = {"early": "前期物业服务", "owners": "业主大会选聘"}
CHOSEN_BY: Final = {"tender": "招投标", "owners": "业主共同决定", "negotiation": "协议选聘"}
PROJECT_STATUSES: Final = {"active": "服务中", "ended": "已到期", "terminated": "已解聘"}
#: 物业服务等级 (one to five stars, as in the city's service standard).
SERVICE_LEVELS: Final = {"1": "一级", "2": "二级", "3": "三级", "4": "四级", "5": "五级"}
TENDER_STATUSES: Final = {"open": "投标中", "closed": "评标中", "awarded": "已定标", "cancelled": "已撤销"}
BID_STATUSES: Final = {
    "submitted": "已投标",
    "withdrawn": "已撤回",
    "won": "中标",
    "lost": "未中标",
    "refused": "不予受理",
}
HANDOVER_RESULTS: Final = {
    "accepted": "通过",
    "with_defects": "有遗留问题通过",  # ≤ 16 characters: estates_handovers.result is String(16)
    "refused": "不予承接",
}
#: The restriction action every tender's award asks (the credit context's lists and grades).
TENDER_ACTION: Final = "estates.tender"

# ----------------------------------------------------------------------------------- service quality

COMPLAINT_CATEGORIES: Final = {
    "cleaning": "保洁",
    "security": "秩序维护",
    "repair": "共用部位设施维修",
    "greening": "绿化",
    "fees": "收费",
    "parking": "停车",
    "attitude": "服务态度",
    "other": "其他",
}
COMPLAINT_STATUSES: Final = {
    "received": "已受理",
    "company": "待企业答复",
    "handling": "处理中",
    "resolved": "已办结",
    "rejected": "不予受理",
}
EVALUATION_GRADES: Final = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}

# ------------------------------------------------------------------- owners' organisations, decisions

COMMITTEE_STATUSES: Final = {"active": "在任", "ended": "届满", "dissolved": "撤销"}
POSITIONS: Final = {"chair": "主任", "vice_chair": "副主任", "member": "委员"}
AUDIT_RESULTS: Final = {"clean": "无问题", "issues": "存在问题", "serious": "存在严重问题"}
VOTE_STATUSES: Final = {
    "draft": "草拟",
    "open": "表决中",
    "closed": "已截止",
    "tallied": "已计票",
    "cancelled": "已撤销",
}
CHOICES: Final = {"yes": "同意", "no": "反对", "abstain": "弃权"}


def effective_status(status: str, closes_at: datetime, now: datetime) -> str:
    """The status a vote is in: an open vote is closed from its end time on, recorded or not."""
    return "closed" if status == "open" and now >= closes_at else status


@dataclass(frozen=True, slots=True)
class Matter:
    """A matter owners decide jointly (Civil Code art. 278) and the share of the participating area
    *and* of the participating owners it needs: ``special`` ≥ 3/4, ``ordinary`` > 1/2."""

    code: str
    label: str
    rule: str  # special | ordinary


MATTERS: Final = {
    m.code: m
    for m in (
        Matter("rules", "制定和修改业主大会议事规则", "ordinary"),
        Matter("bylaws", "制定和修改管理规约", "ordinary"),
        Matter("committee", "选举业主委员会或者更换业主委员会成员", "ordinary"),
        Matter("hire_company", "选聘和解聘物业服务企业或者其他管理人", "ordinary"),
        Matter("use_fund", "使用建筑物及其附属设施的维修资金", "ordinary"),
        Matter("raise_fund", "筹集建筑物及其附属设施的维修资金", "special"),
        Matter("rebuild", "改建、重建建筑物及其附属设施", "special"),
        Matter("change_use", "改变共有部分的用途或者利用共有部分从事经营活动", "special"),
        Matter("other", "有关共有和共同管理权利的其他重大事项", "ordinary"),
    )
}

#: Quorum: owners holding ≥ 2/3 of the exclusive area and ≥ 2/3 of the owners take part.
QUORUM: Final = Fraction(2, 3)
SPECIAL: Final = Fraction(3, 4)
ORDINARY: Final = Fraction(1, 2)


@dataclass(frozen=True, slots=True)
class Outcome:
    """A vote's result under art. 278: whether the quorum was met and whether the matter passed."""

    quorum_met: bool
    passed: bool
    reason: str


def decide(
    matter: str,
    *,
    electorate_owners: int,
    electorate_area: Decimal,
    participated_owners: int,
    participated_area: Decimal,
    yes_owners: int,
    yes_area: Decimal,
) -> Outcome:
    """The art. 278 rule, exactly (fractions, no floats): quorum ≥ 2/3 of the area and ≥ 2/3 of the
    owners; then a special matter needs ≥ 3/4 of the participating area and owners, an ordinary one
    more than half of each."""
    m = MATTERS[matter]
    if electorate_owners <= 0 or electorate_area <= 0:
        return Outcome(False, False, "无表决权人")
    area_part = Fraction(participated_area) / Fraction(electorate_area)
    owners_part = Fraction(participated_owners, electorate_owners)
    if area_part < QUORUM or owners_part < QUORUM:
        return Outcome(
            False,
            False,
            f"参与表决的专有部分面积占比 {float(area_part):.2%}、人数占比 {float(owners_part):.2%}，未达三分之二",
        )
    yes_a = Fraction(yes_area) / Fraction(participated_area)
    yes_o = Fraction(yes_owners, participated_owners)
    if m.rule == "special":
        ok = yes_a >= SPECIAL and yes_o >= SPECIAL
        need = "四分之三以上（含）"
    else:
        ok = yes_a > ORDINARY and yes_o > ORDINARY
        need = "过半数"
    verdict = "通过" if ok else "未通过"
    return Outcome(
        True,
        ok,
        f"同意的面积占参与表决面积 {float(yes_a):.2%}、人数占 {float(yes_o):.2%}，需{need}：{verdict}",
    )


# ---------------------------------------------------------------------- the special maintenance fund

#: Building types the deposit rates are set for (dated policy data, estates/data/<city>/fund_rates.toml).
BUILDING_TYPES: Final = {
    "multi": "多层住宅",
    "high": "高层住宅（有电梯）",
    "villa": "低层住宅（别墅）",
    "other": "非住宅",
}

#: 住宅专项维修资金 on the one ledger engine: a fund account per district (the city centre's special
#: account at a bank), one ledger account ``home`` per home (subject ``home:<id>``: 分户账).
MAINTENANCE: Final = FundKind(
    name="maintenance",
    label="住宅专项维修资金",
    log="maintenance_fund",
    entry_type="estates.maintenance",
    account_kinds=("bank", "interest", "payable", "refunds"),
    subject_kinds=("home",),
    journal_kinds={
        "deposit": "交存",
        "topup": "续筹",
        "interest": "增值分配",
        "spend": "使用分摊",
        "payout": "划付施工单位",
        "refund": "退还（房屋灭失）",
        "interest_in": "银行结息",
    },
    ledger_labels={
        "bank": "专户银行存款",
        "interest": "待分配增值收益",
        "payable": "应付工程款",
        "refunds": "应退业主款",
        "home": "分户账",
    },
)

SPENDING_CATEGORIES: Final = {
    "lift": "电梯维修更新",
    "roof": "屋面防水",
    "facade": "外墙",
    "pipes": "给排水管道",
    "fire": "消防设施",
    "security": "安防设施",
    "roads": "道路与场地",
    "other": "其他共用部位共用设施设备",
}
EMERGENCY_KINDS: Final = {
    "lift": "电梯故障危及安全",
    "leak": "屋面或外墙渗漏",
    "fire": "消防设施失效",
    "pipes": "供排水管道爆裂堵塞",
    "facade": "外墙脱落危及安全",
}
SPENDING_STATUSES: Final = {
    "draft": "草拟",
    "voting": "业主表决中",
    "submitted": "待审核",
    "approved": "已批准",
    "rejected": "不予批准",
    "in_progress": "施工中",
    "completed": "已完工",
    "published": "已公示决算",
    "withdrawn": "已撤回",
}

#: The label every page, export and file of synthetic estate data carries.
SYNTHETIC_LABEL: Final = "合成数据（演示用，非真实物业与维修资金数据）"
