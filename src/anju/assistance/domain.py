"""Housing assistance domain: programme policies as data, application states, the eligibility engine.

Nothing here imports SQLAlchemy or FastAPI. A :class:`Policy` is one edition of a programme's rules,
read from TOML (``data/<city>/programmes.toml``); :func:`evaluate` applies it to a household and the
facts the platform holds about its members and returns every rule with its inputs and result, so an
applicant sees exactly which rule failed and why.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from anju.core import clock
from anju.core.money import fen_to_yuan


class Kind(StrEnum):
    public_rental = "public_rental"  # 公共租赁住房
    affordable_rental = "affordable_rental"  # 保障性租赁住房
    shared_ownership = "shared_ownership"  # 共有产权房
    resettlement = "resettlement"  # 征收安置房
    rent_subsidy = "rent_subsidy"  # 租赁补贴
    talent_purchase = "talent_purchase"  # 人才购房资格
    talent_rental = "talent_rental"  # 人才租赁住房
    talent_subsidy = "talent_subsidy"  # 人才租赁补贴


KIND_LABELS = {
    Kind.public_rental: "公共租赁住房",
    Kind.affordable_rental: "保障性租赁住房",
    Kind.shared_ownership: "共有产权房",
    Kind.resettlement: "征收安置房",
    Kind.rent_subsidy: "租赁补贴",
    Kind.talent_purchase: "人才购房资格",
    Kind.talent_rental: "人才租赁住房",
    Kind.talent_subsidy: "人才租赁补贴",
}


class Benefit(StrEnum):
    home = "home"  # a home is allocated (rental, shared ownership, resettlement)
    subsidy = "subsidy"  # paid monthly
    purchase = "purchase"  # a qualification to buy


class AppStatus(StrEnum):
    draft = "draft"  # 草稿
    submitted = "submitted"  # 已提交，待审核
    returned = "returned"  # 退回补正
    notice = "notice"  # 公示中
    approved = "approved"  # 已批准（轮候/发放中）
    rejected = "rejected"  # 不予批准
    withdrawn = "withdrawn"  # 已撤回
    allocated = "allocated"  # 已选房/已配租
    exited = "exited"  # 已退出


STATUS_LABELS = {
    AppStatus.draft: "草稿",
    AppStatus.submitted: "审核中",
    AppStatus.returned: "退回补正",
    AppStatus.notice: "公示中",
    AppStatus.approved: "已批准（轮候中）",
    AppStatus.rejected: "不予批准",
    AppStatus.withdrawn: "已撤回",
    AppStatus.allocated: "已配置",
    AppStatus.exited: "已退出",
}

#: While an application is in one of these, its members may not be in another application.
PENDING = frozenset({AppStatus.submitted, AppStatus.returned, AppStatus.notice, AppStatus.approved})
#: Priority classes for low-income households, whose income ceiling a 民政 status meets (docs/assistance.md)
MEANS_TESTED = frozenset({"low_income"})

LEVELS = ("street", "district", "city")
LEVEL_LABELS = {"street": "街道", "district": "区", "city": "市"}

RELATIONS = ("本人", "配偶", "子女", "父母", "其他")

#: Actions of an application's history steps.
STEP_LABELS = {
    "create": "创建草稿",
    "amend": "修改",
    "submit": "提交",
    "withdraw": "撤回",
    "approve": "审核通过",
    "return": "退回补正",
    "reject": "不予批准",
    "objection": "收到异议",
    "objection_upheld": "异议成立",
    "objection_dismissed": "异议不成立",
    "approve_final": "公示期满，批准",
    "select": "选房",
    "pass": "放弃本轮选房",
}
#: Who took a step: a review level, the applicant, the public (an objector) or a system job.
ACTOR_LABELS = {**LEVEL_LABELS, "applicant": "申请人", "public": "公众", "system": "系统"}

#: Outcomes of a tracking case (动态监管).
OUTCOMES = {
    "continue": "继续保障",
    "market_rent": "按市场租金计租",
    "exit": "限期退出",
    "recovery": "收回房屋",
    "ban": "收回并限制申请",
}

CASE_KINDS = {
    "requalification": "年度复核",
    "arrears": "拖欠租金",
    "vacancy": "长期空置",
    "sublet": "转租转借",
    "false_materials": "提供虚假材料",
    "use_change": "改变房屋用途或结构",
}

#: Draw statuses: frozen (list published), drawn (order published, selection under way), closed.
DRAW_STATUSES = {"frozen": "已冻结名单", "drawn": "已摇号（选房中）", "closed": "已结束"}
ALLOCATION_STATUSES = {"selected": "已选房", "contracted": "已签约", "moved_in": "已入住", "ended": "已终止"}
CASE_STATUSES = {"open": "待处理", "closed": "已处理"}
CREDIT_LABELS = {"minor": "一般失信", "major": "较重失信", "serious": "严重失信"}
#: Outcomes from the mildest to the most severe: following a rule with a milder outcome drops the
#: rule's ban and credit event, a stricter one keeps them.
SEVERITY = {"continue": 0, "market_rent": 1, "exit": 2, "recovery": 3, "ban": 4}
ENDING = frozenset({"exit", "recovery", "ban"})

#: Housing situations an applicant declares.
HOUSING_STATUSES = {"none": "无房", "rented": "租房", "owned": "自有住房", "assisted": "保障性住房", "other": "其他"}
#: Talent tiers (人才层次).
TIERS = ("A", "B", "C", "D")
#: How a plan states a target (专栏 wording).
BOUNDS = {"at_least": "不少于", "about": "约", "target": "目标"}


class PolicyError(ValueError):
    """A programme file is wrong; the message names the programme and the field."""


@dataclass(frozen=True)
class PriorityClass:
    code: str
    name: str
    #: conditions, all of which must hold: min_age (any member), min_household, max_income_per_person_fen
    when: Mapping[str, int]


@dataclass(frozen=True)
class ExitRule:
    outcome: str  # one of OUTCOMES
    exit_days: int = 0
    ban_years: int = 0
    credit: str | None = None  # severity of the credit event it creates, if any


@dataclass(frozen=True)
class Policy:
    """One edition of a programme (all money in fen, areas in m² as exact decimals)."""

    code: str
    kind: Kind
    name: str
    edition: int
    effective_from: date
    effective_to: date | None = None
    sample: bool = True
    benefit: Benefit = Benefit.home
    review_levels: tuple[str, ...] = LEVELS
    review_days: Mapping[str, int] = field(default_factory=lambda: {lv: 10 for lv in LEVELS})
    notice_days: int = 7
    lottery: bool = True
    # --- eligibility (None: not checked) ---
    max_income_per_person_fen: int | None = None  # annual, household income ÷ members
    min_income_per_person_fen: int | None = None  # e.g. shared ownership: able to pay
    max_assets_per_person_fen: int | None = None
    max_area_per_person: Decimal | None = None  # owned housing area per member (m²)
    no_home: bool = False  # no member owns a home in the city
    require_local_hukou: bool = False  # the applicant holds local hukou
    min_hukou_years: int | None = None
    min_social_insurance_months: int | None = None  # the applicant's months of local social insurance
    require_employed: bool = False
    min_household: int = 1
    max_household: int = 10
    min_applicant_age: int = 18
    max_applicant_age: int | None = None
    talent_tiers: tuple[str, ...] = ()  # empty: not a talent programme
    not_already_supported: bool = True
    bad_credit_severities: tuple[str, ...] = ("serious",)
    priority: tuple[PriorityClass, ...] = ()
    # --- allocation and payments ---
    max_bedrooms: Mapping[int, int] = field(default_factory=dict)  # household size → most bedrooms
    rent_fen_per_m2: int | None = None  # monthly rent of an allocated home per m²
    subsidy_fen_per_person: int | None = None  # monthly
    subsidy_max_fen: int | None = None  # monthly cap per household
    subsidy_by_tier: Mapping[str, int] = field(default_factory=dict)  # talent tier → monthly fen
    requalify_months: int = 12
    exit_rules: Mapping[str, ExitRule] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.name}（第{self.edition}版）"

    def in_force(self, on: date) -> bool:
        return self.effective_from <= on and (self.effective_to is None or on < self.effective_to)

    def bedrooms_allowed(self, household_size: int) -> int | None:
        if not self.max_bedrooms:
            return None
        sizes = sorted(self.max_bedrooms)
        fit = [s for s in sizes if s <= household_size]
        return self.max_bedrooms[fit[-1] if fit else sizes[0]]

    def monthly_subsidy(self, household_size: int, tier: str | None) -> int:
        if tier and tier in self.subsidy_by_tier:
            return self.subsidy_by_tier[tier]
        amount = (self.subsidy_fen_per_person or 0) * household_size
        return min(amount, self.subsidy_max_fen) if self.subsidy_max_fen else amount

    def to_json(self) -> str:
        def conv(v: Any) -> Any:
            if isinstance(v, date):
                return v.isoformat()
            if isinstance(v, Decimal):
                return str(v)
            if isinstance(v, dict):
                return {str(k): conv(x) for k, x in sorted(v.items(), key=lambda kv: str(kv[0]))}
            if isinstance(v, list | tuple):
                return [conv(x) for x in v]
            return v

        return json.dumps(conv(asdict(self)), ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        return hashlib.new("sm3", self.to_json().encode()).hexdigest()


# ---------------------------------------------------------------------------------------------- loading

_MONEY = {
    "max_income_per_person_yuan": "max_income_per_person_fen",
    "min_income_per_person_yuan": "min_income_per_person_fen",
    "max_assets_per_person_yuan": "max_assets_per_person_fen",
    "subsidy_yuan_per_person": "subsidy_fen_per_person",
    "subsidy_max_yuan": "subsidy_max_fen",
    "rent_yuan_per_m2": "rent_fen_per_m2",
}


def _fen(where: str, key: str, v: Any) -> int:
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise PolicyError(f"{where}.{key}: 不是数字") from None
    if d < 0:
        raise PolicyError(f"{where}.{key}: 不能为负数")
    fen = d * 100
    if fen != fen.to_integral_value():
        raise PolicyError(f"{where}.{key}: 金额最多两位小数")
    return int(fen)


def policy_from_dict(raw: Mapping[str, Any]) -> Policy:
    """Build and validate one policy edition from its TOML table (money in yuan, converted to fen)."""
    where = f"programme[{raw.get('code', '?')}]"
    data = dict(raw)
    try:
        kw: dict[str, Any] = dict(_policy_field(where, key, value) for key, value in data.items())
        policy = Policy(**kw)
    except PolicyError:
        raise
    except (TypeError, ValueError, KeyError) as e:
        raise PolicyError(f"{where}: {e}") from None
    _check_policy(where, policy)
    return policy


#: How a programme's TOML value becomes its :class:`Policy` field (money apart: it needs the place).
_FIELDS: dict[str, Callable[[Any], Any]] = {
    "kind": Kind,
    "benefit": Benefit,
    "max_area_per_person": lambda v: Decimal(str(v)),
    "review_levels": tuple,
    "talent_tiers": tuple,
    "bad_credit_severities": tuple,
    "max_bedrooms": lambda v: {int(k): int(x) for k, x in v.items()},
    "priority": lambda v: tuple(
        PriorityClass(p["code"], p["name"], {k: x for k, x in p.get("when", {}).items()}) for p in v
    ),
    "exit_rules": lambda v: {k: ExitRule(**x) for k, x in v.items()},
    "review_days": lambda v: {str(k): int(x) for k, x in v.items()},
}


def _policy_field(where: str, key: str, value: Any) -> tuple[str, Any]:
    """One key of a programme's TOML table as the :class:`Policy` field it becomes."""
    if key in _MONEY:
        return _MONEY[key], _fen(where, key, value)
    if key == "subsidy_yuan_by_tier":
        return "subsidy_by_tier", {str(k): _fen(where, key, v) for k, v in value.items()}
    convert = _FIELDS.get(key)
    return key, convert(value) if convert else value


def _check_policy(where: str, policy: Policy) -> None:
    """The rules that tie a policy's fields together (levels, exit rules, household sizes, dates)."""
    for lv in policy.review_levels:
        if lv not in LEVELS:
            raise PolicyError(f"{where}.review_levels: 未知审核层级 {lv}（可用 street/district/city）")
        if lv not in policy.review_days:
            raise PolicyError(f"{where}.review_days: 缺少 {lv} 的审核时限")
    if not policy.review_levels:
        raise PolicyError(f"{where}.review_levels: 至少一级审核")
    for k, rule in policy.exit_rules.items():
        if k not in CASE_KINDS:
            raise PolicyError(f"{where}.exit_rules: 未知情形 {k}")
        if rule.outcome not in OUTCOMES:
            raise PolicyError(f"{where}.exit_rules.{k}.outcome: 未知处理结果 {rule.outcome}")
    if policy.min_household > policy.max_household:
        raise PolicyError(f"{where}.min_household: 大于 max_household")
    if policy.effective_to is not None and policy.effective_to <= policy.effective_from:
        raise PolicyError(f"{where}.effective_to: 应晚于 effective_from")


def load_policies(path: Path) -> list[Policy]:
    """Every edition in a programmes file, validated (raises :class:`PolicyError`)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path.name}: {e}") from None
    out = [policy_from_dict(p) for p in raw.get("programme", [])]
    seen: set[tuple[str, int]] = set()
    for p in out:
        if (p.code, p.edition) in seen:
            raise PolicyError(f"programme[{p.code}].edition: 第{p.edition}版重复")
        seen.add((p.code, p.edition))
    return out


def sample_policy_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "programmes.toml"


# --------------------------------------------------------------------------------------------- eligibility


@dataclass(frozen=True)
class Member:
    relation: str
    birth_year: int
    annual_income_fen: int
    assets_fen: int
    local_hukou: bool
    hukou_years: int
    social_insurance_months: int
    employed: bool
    id_bidx: str = ""


@dataclass(frozen=True)
class Household:
    members: tuple[Member, ...]
    talent_tier: str | None = None
    means_tested: bool = False  # 市民政局 lists a member as 低保/低收入/特困 (meets priority income conditions)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def applicant(self) -> Member:
        return self.members[0]


@dataclass(frozen=True)
class Facts:
    """What the platform itself knows about the household's members (cross-checks)."""

    homes_owned: int = 0  # homes owned now by any member (楼盘表 property rights)
    area_owned: Decimal = Decimal(0)  # their construction area, m² (summed over the members' shares)
    supported_by: tuple[str, ...] = ()  # programme codes of current benefits of any member
    credit_events: tuple[tuple[str, str], ...] = ()  # (kind, severity) of effective credit events
    credit_restrictions: tuple[str, ...] = ()  # why credit bars members (联合惩戒), each member named
    #: Some members' register facts were not consulted (an adult member has not consented yet): a
    #: register rule these facts pass is only "pending"; one they already fail fails (the facts only grow).
    incomplete: bool = False


@dataclass(frozen=True)
class RuleResult:
    code: str
    name: str
    passed: bool
    inputs: Mapping[str, Any]
    requirement: str
    reason: str  # Chinese, shown to the applicant
    #: Not decided yet: the rule needs register facts of members who have not consented (待成员授权).
    pending: bool = False


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    priority_class: str | None
    rules: tuple[RuleResult, ...]
    policy_code: str
    policy_edition: int
    department_facts: tuple[Mapping[str, Any], ...] = ()  # the department facts the check used

    @property
    def failed(self) -> list[RuleResult]:
        return [r for r in self.rules if not r.passed and not r.pending]

    @property
    def pending(self) -> list[RuleResult]:
        return [r for r in self.rules if r.pending]

    def to_json(self) -> str:
        return json.dumps(
            {
                "eligible": self.eligible,
                "priority_class": self.priority_class,
                "policy": {"code": self.policy_code, "edition": self.policy_edition},
                "rules": [asdict(r) for r in self.rules],
                "department_facts": [dict(x) for x in self.department_facts],
            },
            ensure_ascii=False,
        )


def _rule(code: str, name: str, ok: bool, inputs: Mapping[str, Any], requirement: str, why: str) -> RuleResult:
    return RuleResult(code, name, ok, dict(inputs), requirement, "符合" if ok else why)


#: The rules that read the register's facts about the members (homes, benefits, credit), not what the
#: applicant declared: they need every adult member's consent (docs/assistance.md).
REGISTER_RULES = frozenset({"no_home", "area", "not_supported", "credit"})
PENDING_REASON = "待家庭成员授权后核验"


def _settle(r: RuleResult, facts: Facts) -> RuleResult:
    """A register rule passed on incomplete facts is pending (its inputs are not shown: they would be
    the facts of the members who did consent, which is not the answer)."""
    if r.code in REGISTER_RULES and r.passed and facts.incomplete:
        return RuleResult(r.code, r.name, False, {}, r.requirement, PENDING_REASON, pending=True)
    return r


def evaluate(policy: Policy, hh: Household, facts: Facts, on: date) -> Eligibility:
    """Apply every rule of ``policy`` to ``hh`` and ``facts`` on the date ``on``; never raises."""
    rules: list[RuleResult] = []
    n = max(hh.size, 1)
    a = hh.applicant
    age = on.year - a.birth_year
    rules.append(
        _rule(
            "household_size",
            "家庭人数",
            policy.min_household <= hh.size <= policy.max_household,
            {"人数": hh.size},
            f"{policy.min_household}–{policy.max_household} 人",
            f"家庭人数 {hh.size} 人，不在 {policy.min_household}–{policy.max_household} 人之间",
        )
    )
    age_ok = age >= policy.min_applicant_age and (policy.max_applicant_age is None or age <= policy.max_applicant_age)
    upper = f"至 {policy.max_applicant_age} 周岁" if policy.max_applicant_age else "以上"
    rules.append(
        _rule(
            "applicant_age",
            "申请人年龄",
            age_ok,
            {"年龄": age},
            f"{policy.min_applicant_age} 周岁{upper}",
            f"申请人 {age} 周岁，不符合 {policy.min_applicant_age} 周岁{upper}的要求",
        )
    )
    income = sum(m.annual_income_fen for m in hh.members)
    per_person = income // n
    if policy.max_income_per_person_fen is not None:
        limit = policy.max_income_per_person_fen
        rules.append(
            _rule(
                "income",
                "人均年收入上限",
                per_person <= limit,
                {
                    "家庭年收入": fen_to_yuan(income, unit=True),
                    "人数": n,
                    "人均年收入": fen_to_yuan(per_person, unit=True),
                },
                f"≤ {fen_to_yuan(limit, unit=True)}",
                f"人均年收入 {fen_to_yuan(per_person, unit=True)}，高于上限 {fen_to_yuan(limit, unit=True)}",
            )
        )
    if policy.min_income_per_person_fen is not None:
        floor = policy.min_income_per_person_fen
        rules.append(
            _rule(
                "income_floor",
                "人均年收入下限（支付能力）",
                per_person >= floor,
                {"人均年收入": fen_to_yuan(per_person, unit=True)},
                f"≥ {fen_to_yuan(floor, unit=True)}",
                f"人均年收入 {fen_to_yuan(per_person, unit=True)}，低于 {fen_to_yuan(floor, unit=True)}",
            )
        )
    if policy.max_assets_per_person_fen is not None:
        assets = sum(m.assets_fen for m in hh.members)
        limit = policy.max_assets_per_person_fen
        rules.append(
            _rule(
                "assets",
                "人均资产上限",
                assets // n <= limit,
                {"家庭资产": fen_to_yuan(assets, unit=True), "人均资产": fen_to_yuan(assets // n, unit=True)},
                f"≤ {fen_to_yuan(limit, unit=True)}",
                f"人均资产 {fen_to_yuan(assets // n, unit=True)}，高于上限 {fen_to_yuan(limit, unit=True)}",
            )
        )
    if policy.no_home:
        rules.append(
            _rule(
                "no_home",
                "本市无房（楼盘表核对）",
                facts.homes_owned == 0,
                {"名下住房套数": facts.homes_owned},
                "家庭成员在本市名下无住房",
                f"楼盘表显示家庭成员名下有 {facts.homes_owned} 套住房",
            )
        )
    if policy.max_area_per_person is not None:
        per = (facts.area_owned / n).quantize(Decimal("0.01"))
        rules.append(
            _rule(
                "area",
                "人均住房面积（楼盘表核对）",
                per <= policy.max_area_per_person,
                {"名下住房面积": f"{facts.area_owned} m²", "人均": f"{per} m²"},
                f"≤ {policy.max_area_per_person} m²",
                f"人均住房建筑面积 {per} m²，高于标准 {policy.max_area_per_person} m²",
            )
        )
    if policy.require_local_hukou:
        rules.append(
            _rule(
                "hukou",
                "本市户籍",
                a.local_hukou,
                {"申请人本市户籍": "是" if a.local_hukou else "否"},
                "申请人为本市户籍",
                "申请人不是本市户籍",
            )
        )
    if policy.min_hukou_years is not None:
        rules.append(
            _rule(
                "hukou_years",
                "本市户籍年限",
                a.local_hukou and a.hukou_years >= policy.min_hukou_years,
                {"户籍年限": a.hukou_years if a.local_hukou else 0},
                f"≥ {policy.min_hukou_years} 年",
                f"本市户籍 {a.hukou_years if a.local_hukou else 0} 年，不足 {policy.min_hukou_years} 年",
            )
        )
    if policy.min_social_insurance_months is not None:
        months = a.social_insurance_months
        rules.append(
            _rule(
                "social_insurance",
                "本市社保缴纳",
                months >= policy.min_social_insurance_months,
                {"连续缴纳月数": months},
                f"≥ {policy.min_social_insurance_months} 个月",
                f"本市社保连续缴纳 {months} 个月，不足 {policy.min_social_insurance_months} 个月",
            )
        )
    if policy.require_employed:
        rules.append(
            _rule(
                "employed",
                "在本市就业",
                a.employed,
                {"就业": "是" if a.employed else "否"},
                "申请人在本市就业",
                "申请人未在本市就业",
            )
        )
    if policy.talent_tiers:
        tier = hh.talent_tier or ""
        rules.append(
            _rule(
                "talent_tier",
                "人才层次",
                tier in policy.talent_tiers,
                {"人才层次": tier or "无"},
                "、".join(policy.talent_tiers) + " 类人才",
                f"人才层次 {tier or '无'} 不在 {'、'.join(policy.talent_tiers)} 之中",
            )
        )
    if policy.not_already_supported:
        others = sorted(set(facts.supported_by))
        rules.append(
            _rule(
                "not_supported",
                "未享受其他住房保障",
                not others,
                {"正在享受": "、".join(others) or "无"},
                "家庭成员未在享受其他住房保障或人才安居待遇",
                f"家庭成员正在享受：{'、'.join(others)}",
            )
        )
    if policy.bad_credit_severities or facts.credit_restrictions:  # the latter: the one mechanism's answer
        bad = sorted({k for k, sev in facts.credit_events if sev in policy.bad_credit_severities})
        rules.append(
            _rule(
                "credit",
                "无严重失信记录",
                not bad and not facts.credit_restrictions,
                {"失信记录": "、".join(bad) or "无", "信用惩戒": "；".join(facts.credit_restrictions) or "无"},
                "家庭成员无有效的严重失信记录，未被实施失信联合惩戒",
                "；".join([f"家庭成员有失信记录：{'、'.join(bad)}"] * bool(bad) + list(facts.credit_restrictions)),
            )
        )
    rules = [_settle(r, facts) for r in rules]
    eligible = all(r.passed for r in rules)
    return Eligibility(
        eligible, priority_of(policy, hh, on) if eligible else None, tuple(rules), policy.code, policy.edition
    )


def priority_of(policy: Policy, hh: Household, on: date) -> str | None:
    """The first priority class whose conditions all hold, else ``"general"``."""
    n = max(hh.size, 1)
    per_person = sum(m.annual_income_fen for m in hh.members) // n
    oldest = max((on.year - m.birth_year for m in hh.members), default=0)
    for p in policy.priority:
        w = p.when
        if "min_age" in w and oldest < w["min_age"]:
            continue
        if "min_household" in w and hh.size < w["min_household"]:
            continue
        ceiling = w.get("max_income_per_person_yuan")  # 民政's status meets it in a means-tested class only
        if ceiling is not None and per_person > ceiling * 100 and not (hh.means_tested and p.code in MEANS_TESTED):
            continue
        return p.code
    return "general" if policy.priority else None


# ---------------------------------------------------------------------- after approval: dates, outcomes


add_years = clock.add_years  # one rule for the whole platform (``anju.core.clock``)


def add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


@dataclass(frozen=True)
class Consequences:
    """What an outcome does, by the programme edition's exit rule for the case's kind."""

    default: str | None
    ends: bool
    exit_deadline: date | None
    ban_until: date | None
    credit: str | None


def consequences(policy: Policy, kind: str, outcome: str, today: date) -> Consequences:
    """The rule's defaults applied to the chosen outcome: an ending outcome gets the rule's exit days;
    the ban and the credit event follow the rule when the outcome is at least as severe as the rule's
    own (a milder outcome, chosen with a reason, drops them)."""
    rule = policy.exit_rules.get(kind)
    ends = outcome in ENDING
    exit_days = rule.exit_days if rule else 0
    exit_deadline = today + timedelta(days=exit_days) if ends or (outcome == "market_rent" and exit_days) else None
    strict = rule is not None and SEVERITY[outcome] >= SEVERITY[rule.outcome]
    ban_years = rule.ban_years if rule and ends and strict else 0
    credit = rule.credit if rule and ends and strict else None
    return Consequences(
        rule.outcome if rule else None,
        ends,
        exit_deadline,
        add_years(today, ban_years) if ban_years else None,
        credit,
    )
