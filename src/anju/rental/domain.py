"""Vocabularies, rules and value objects of rental supervision. No SQLAlchemy, no FastAPI.

Sections follow ``tables.py``: parties · listings · leases · escrow · guidance rents · governance.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from anju.funds import FundKind

# ----------------------------------------------------------------------------------------- parties


class PartyKind(StrEnum):
    enterprise = "enterprise"  # 住房租赁企业
    agency = "agency"  # 房地产经纪机构


PARTY_KIND_LABELS = {PartyKind.enterprise: "住房租赁企业", PartyKind.agency: "房地产经纪机构"}


class PartyStatus(StrEnum):
    filed = "filed"  # 已备案
    suspended = "suspended"  # 暂停: can neither publish nor sign
    revoked = "revoked"  # 撤销: permanent


PARTY_STATUS_LABELS = {PartyStatus.filed: "已备案", PartyStatus.suspended: "已暂停", PartyStatus.revoked: "已撤销"}
#: Kinds of a practitioner's practice record.
RECORD_KINDS = {"training": "培训", "award": "表彰", "warning": "警示", "note": "其他"}
ENTRUSTMENT_STATES = {"active": "有效", "pending": "未到期始", "expired": "已到期", "revoked": "已撤销"}

# ----------------------------------------------------------------------------------------- listings


class ListingMode(StrEnum):
    whole = "whole"  # 整租
    room = "room"  # 分间出租


class ListingStatus(StrEnum):
    draft = "draft"  # 草稿 (failed verification; may be corrected and verified again)
    pending_review = "pending_review"  # 待复核: passed, but flagged (e.g. rent far outside guidance)
    verified = "verified"  # 已核验: has a verification code
    published = "published"  # 已发布
    withdrawn = "withdrawn"  # 已下架
    rejected = "rejected"  # 复核不通过
    expired = "expired"  # 核验码过期
    leased = "leased"  # 已出租 (a lease was filed on it)


LISTING_STATUS_LABELS = {
    ListingStatus.draft: "草稿",
    ListingStatus.pending_review: "待复核",
    ListingStatus.verified: "已核验",
    ListingStatus.published: "已发布",
    ListingStatus.withdrawn: "已下架",
    ListingStatus.rejected: "复核不通过",
    ListingStatus.expired: "核验码已过期",
    ListingStatus.leased: "已出租",
}

#: Statuses in which a listing occupies its rental unit (``active`` = 1).
ACTIVE_LISTING = frozenset({ListingStatus.pending_review, ListingStatus.verified, ListingStatus.published})

#: Rooms that may not be let as living space (住房租赁条例 art. 9: 厨房、卫生间、阳台、贮藏室 …).
NON_LIVING_ROOMS = ("厨房", "卫生间", "洗手间", "阳台", "贮藏室", "储藏室", "地下室", "车库")


def unit_key(home_id: int, room_id: int | None) -> str:
    """The rental unit a listing or a lease occupies: a whole home or one room."""
    return f"r{room_id}" if room_id is not None else f"h{home_id}"


#: The verification rules of a listing, in the order they are evaluated and shown (name → title).
LISTING_RULES = {
    "home_exists": "房屋在楼盘表中存在",
    "home_residential": "房屋用途为住宅且处于使用状态",
    "room_livable": "分间出租的房间存在、在用且不是非居住空间",
    "lister_entitled": "发布人是产权人或持有有效委托",
    "party_active": "发布机构已备案且未被暂停",
    "lister_credit": "发布机构（个人发布的，发布人）未受失信惩戒",
    "home_unrestricted": "房屋无查封、危房等限制",
    "unit_not_listed": "同一房屋（房间）没有其他有效房源",
    "facts_complete": "必填信息齐全（面积、室数、租金、≥3 张照片、楼层）",
    "rent_deposit_limits": "租金大于零且不超过上限，押金不超过规定月数",
    "rent_within_guidance": "租金在指导价格合理区间内",
}
#: Rules whose failure does not keep a listing a draft but sends it to staff review (a flag).
LISTING_FLAG_RULES = {"rent_within_guidance": "rent_outside_guidance"}
MIN_PHOTOS = 3


@dataclass(frozen=True)
class ListingFacts:
    """Everything verification needs to know about one listing, gathered by the service."""

    mode: str
    home_found: bool
    home_use: str | None
    home_status: str | None
    room_found: bool  # the room exists and belongs to the home (whole-home listings: True)
    room_status: str | None
    room_name: str | None
    lister_is_owner: bool
    has_entrustment: bool
    party_status: str | None  # None: the lister acts for no party
    restrictions: tuple[str, ...]  # labels of restrictions in force
    other_active: bool  # another active listing of the same unit
    mode_conflict: bool  # whole home vs a room of it listed at the same time
    area: Decimal | None
    bedrooms: int | None
    rent_fen: int | None
    deposit_fen: int | None
    photos: int
    floor: int | None
    floors_above: int | None
    floors_below: int | None
    max_rent_fen: int
    deposit_cap_months: int
    guidance: tuple[int, int] | None  # (low, high) fen per m² per month, or None if none published
    band_pct: int
    #: The lister declared an identity number that is not verified yet (it makes nobody an owner).
    lister_unverified: bool = False
    credit_refusal: str | None = None  # why credit bars the party (or the person) from listing, if it does


@dataclass(frozen=True)
class RuleResult:
    name: str
    passed: bool
    reason: str

    @property
    def title(self) -> str:
        return LISTING_RULES[self.name]


def _rule(name: str, ok: bool, good: str, bad: str) -> RuleResult:
    return RuleResult(name, ok, good if ok else bad)


def verify_listing(f: ListingFacts) -> list[RuleResult]:
    """Every rule evaluated (none skipped), each with a Chinese reason."""
    out = [_rule("home_exists", f.home_found, "房屋已在楼盘表登记", "楼盘表中没有该房屋")]
    out.append(
        _rule(
            "home_residential",
            f.home_found and f.home_use == "住宅" and f.home_status == "使用",
            "住宅，使用中",
            f"房屋用途为{f.home_use or '未知'}、状态为{f.home_status or '未知'}，只有使用中的住宅可以出租",
        )
    )
    if f.mode == ListingMode.room:
        non_living = f.room_name is not None and any(w in f.room_name for w in NON_LIVING_ROOMS)
        if not f.room_found:
            out.append(RuleResult("room_livable", False, "该房屋没有这个房间"))
        elif f.room_status != "in_use":
            out.append(RuleResult("room_livable", False, "房间已注销，不能出租"))
        elif non_living:
            out.append(RuleResult("room_livable", False, f"{f.room_name}属于非居住空间，依法不得出租供人居住"))
        else:
            out.append(RuleResult("room_livable", True, f"{f.room_name}，在用"))
    else:
        out.append(RuleResult("room_livable", True, "整租，不涉及分间"))
    out.append(
        _rule(
            "lister_entitled",
            f.lister_is_owner or f.has_entrustment,
            "发布人是产权人" if f.lister_is_owner else "发布人持有有效委托",
            "发布人尚未完成实名认证，不能以产权人身份发布；也没有有效的委托"
            if f.lister_unverified
            else "发布人既不是产权人，也没有有效的委托",
        )
    )
    if f.party_status is None:
        out.append(RuleResult("party_active", True, "个人发布，不涉及机构备案"))
    else:
        known = f.party_status in tuple(PartyStatus)
        label = PARTY_STATUS_LABELS[PartyStatus(f.party_status)] if known else "未备案"
        ok = f.party_status == PartyStatus.filed
        out.append(_rule("party_active", ok, "机构已备案", f"发布机构{label}，不能发布房源"))
    out.append(_rule("lister_credit", not f.credit_refusal, "未受失信惩戒", f.credit_refusal or ""))
    out.append(_rule("home_unrestricted", not f.restrictions, "无限制", "房屋存在限制：" + "、".join(f.restrictions)))
    if f.other_active:
        out.append(RuleResult("unit_not_listed", False, "该房屋（房间）已有其他待复核、已核验或已发布的房源"))
    elif f.mode_conflict:
        out.append(RuleResult("unit_not_listed", False, "同一房屋不能同时整租和分间出租"))
    else:
        out.append(RuleResult("unit_not_listed", True, "没有其他有效房源"))
    missing = []
    if f.area is None or f.area <= 0:
        missing.append("面积")
    if f.bedrooms is None or f.bedrooms < 1:
        missing.append("室数")
    if f.rent_fen is None:
        missing.append("租金")
    if f.photos < MIN_PHOTOS:
        missing.append(f"照片（至少 {MIN_PHOTOS} 张）")
    if f.floor is None:
        missing.append("楼层")
    elif f.floors_above is not None and not (-(f.floors_below or 0) <= f.floor <= f.floors_above and f.floor != 0):
        missing.append(f"楼层（应在 -{f.floors_below or 0} 至 {f.floors_above} 层之间）")
    out.append(_rule("facts_complete", not missing, "必填信息齐全", "缺少或有误：" + "、".join(missing)))
    problems = []
    if f.rent_fen is not None:
        if f.rent_fen <= 0:
            problems.append("月租金应大于零")
        elif f.rent_fen > f.max_rent_fen:
            problems.append(f"月租金超过 {f.max_rent_fen // 100} 元")
    if f.deposit_fen is not None:
        if f.deposit_fen < 0:
            problems.append("押金不能为负数")
        elif f.rent_fen is not None and f.rent_fen > 0 and f.deposit_fen > f.deposit_cap_months * f.rent_fen:
            problems.append(f"押金超过 {f.deposit_cap_months} 个月租金")
    out.append(_rule("rent_deposit_limits", not problems, "租金、押金在规定范围内", "；".join(problems)))
    out.append(_guidance_rule(f))
    return out


def _guidance_rule(f: ListingFacts) -> RuleResult:
    if f.guidance is None or not f.rent_fen or not f.area or f.area <= 0:
        return RuleResult("rent_within_guidance", True, "暂无适用的指导价格，不作比较")
    per_m2 = int(Decimal(f.rent_fen) / f.area)
    low, high = f.guidance
    side = outside_band(per_m2, low, high, f.band_pct)
    yuan = f"{per_m2 / 100:.2f} 元/㎡·月"
    band = f"指导区间 {low / 100:.2f}–{high / 100:.2f} 元/㎡·月"
    if side is None:
        return RuleResult("rent_within_guidance", True, f"{yuan}，在{band}内（允许偏离 {f.band_pct}%）")
    word = "低于" if side == "below" else "高于"
    return RuleResult("rent_within_guidance", False, f"{yuan}，明显{word}{band}，需人工复核")


def listing_outcome(results: Sequence[RuleResult]) -> tuple[ListingStatus, list[str]]:
    """draft when a blocking rule fails; pending_review (with flags) when only flag rules fail; else verified."""
    failed = [r.name for r in results if not r.passed]
    if any(n not in LISTING_FLAG_RULES for n in failed):
        return ListingStatus.draft, []
    flags = [LISTING_FLAG_RULES[n] for n in failed]
    return (ListingStatus.pending_review if flags else ListingStatus.verified), flags


#: The verification code alphabet: digits and capitals without 0/O, 1/I/L (31 symbols, a prime: the
#: weighted check character catches every single substitution and every adjacent swap).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_BODY = 10


def _code_check(body: str) -> str:
    n = len(CODE_ALPHABET)
    total = 0
    for i, ch in enumerate(reversed(body)):
        v = CODE_ALPHABET.index(ch)
        total += v * (i + 2)
    return CODE_ALPHABET[(n - total % n) % n]


def make_verify_code(random_indexes: Sequence[int]) -> str:
    """A 房源核验码 from ``CODE_BODY`` random indexes into the alphabet, plus its check character."""
    body = "".join(CODE_ALPHABET[i % len(CODE_ALPHABET)] for i in random_indexes[:CODE_BODY])
    return body + _code_check(body)


def normalise_verify_code(text: str) -> str | None:
    """The code as stored (upper case, separators removed), or None if it cannot be one (bad check)."""
    code = "".join(ch for ch in text.upper() if ch not in " -\u3000")
    if len(code) != CODE_BODY + 1 or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code if _code_check(code[:-1]) == code[-1] else None


#: The numbers the rental context issues, one format each (live and synthetic data alike): 房源编号
#: ``FY`` + yymmdd + 10 digits; 合同编号 ``HT`` + yyyymmdd + 10 hex; 备案编号 ``BA`` + yyyy + 9-digit
#: lease id + 4 digits.
LISTING_NO_RE = re.compile(r"^FY\d{16}$")
LEASE_NO_RE = re.compile(r"^HT\d{8}[0-9A-F]{10}$")
FILING_NO_RE = re.compile(r"^BA\d{17}$")


def listing_no(on: date, serial: int) -> str:
    return f"FY{on:%y%m%d}{serial % 10**10:010d}"


def lease_no(on: date, token: str) -> str:
    return f"HT{on:%Y%m%d}{token.upper()}"


def filing_no(year: int, lease_id: int, suffix: int) -> str:
    return f"BA{year:04d}{lease_id % 10**9:09d}{suffix % 10_000:04d}"


def code_valid_until(verified_at: datetime, days: int) -> datetime:
    return verified_at + timedelta(days=days)


# ------------------------------------------------------------------------------------------- leases

SIDE_LABELS = {"landlord": "出租方", "tenant": "承租人", "supervisor": "监管部门", "parties": "双方协商"}


class LeaseStatus(StrEnum):
    draft = "draft"  # 草拟: neither party has signed
    signing = "signing"  # 签署中: one party has signed
    signed = "signed"  # 已签署: both signed, not yet filed
    filed = "filed"  # 已备案 (active)
    terminated = "terminated"  # 提前解除
    expired = "expired"  # 期满
    cancelled = "cancelled"  # 备案注销


LEASE_STATUS_LABELS = {
    LeaseStatus.draft: "草拟",
    LeaseStatus.signing: "签署中",
    LeaseStatus.signed: "已签署",
    LeaseStatus.filed: "已备案",
    LeaseStatus.terminated: "已解除",
    LeaseStatus.expired: "已期满",
    LeaseStatus.cancelled: "备案已注销",
}


class PaymentCycle(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"
    half_year = "half_year"
    yearly = "yearly"


#: Months of rent collected at once per payment cycle.
CYCLE_MONTHS = {PaymentCycle.monthly: 1, PaymentCycle.quarterly: 3, PaymentCycle.half_year: 6, PaymentCycle.yearly: 12}
CYCLE_LABELS = {
    PaymentCycle.monthly: "月付",
    PaymentCycle.quarterly: "季付",
    PaymentCycle.half_year: "半年付",
    PaymentCycle.yearly: "年付",
}

#: What a lease may be used for (住房租赁条例: a home is let for living; the model lease says 居住).
LEASE_USES = ("居住",)
#: Optional extra clauses a contract may add to the model lease: at most this many, each this long.
MAX_EXTRA_CLAUSES = 10
MAX_CLAUSE_CHARS = 500
MAX_OCCUPANTS = 20

#: The fixed clauses of the model lease (住房租赁合同示范文本), in order: (heading, text). Every contract
#: carries them unchanged; its own facts (parties, home, term, rent …) fill the first articles.
MODEL_CLAUSES: tuple[tuple[str, str], ...] = (
    ("房屋用途", "承租人承诺房屋仅用于居住，不得擅自改变用途，不得将厨房、卫生间、阳台、贮藏室等非居住空间用于居住。"),
    ("居住人数", "房屋实际居住人数不得超过本合同约定人数，且应符合本市人均居住面积的规定。"),
    (
        "租金与押金",
        "承租人按约定的支付周期支付租金；出租人收取押金的，应在合同终止、承租人结清费用后返还。"
        "住房租赁企业收取的押金及预收租金超过规定限额的，应存入监管账户。",
    ),
    ("出租人义务", "出租人应保证房屋及附属设施符合安全、防火、卫生等要求，并负责房屋主体结构及设施的维修。"),
    ("承租人义务", "承租人应合理使用房屋及设施，不得擅自改动房屋结构，未经出租人书面同意不得转租。"),
    (
        "合同解除",
        "一方严重违约致使合同目的不能实现的，另一方可解除合同；双方协商一致可提前解除合同。"
        "提前解除的，应在备案平台办理解除登记。",
    ),
    ("合同备案", "本合同经双方在线签署后，由平台办理登记备案；备案信息可通过合同上的二维码公开核验。"),
    ("争议解决", "因本合同发生争议的，双方协商解决；协商不成的，可向房屋所在地街道申请调解或依法向人民法院起诉。"),
)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later (the last day of the month when it has fewer days)."""
    import calendar

    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def term_months(start_on: date, end_on: date) -> int:
    """Whole months a term spans, rounded up (1 Jan – 31 Dec is 12; 1 Jan – 1 Jan next year is 13)."""
    months = (end_on.year - start_on.year) * 12 + (end_on.month - start_on.month)
    if add_months(start_on, months) <= end_on:
        months += 1
    return months


@dataclass(frozen=True)
class LeaseLimits:
    """The configured limits of a lease (settings ``rental_*``)."""

    max_term_months: int
    max_rent_fen: int
    deposit_cap_months: int


def lease_problems(
    limits: LeaseLimits,
    *,
    start_on: date,
    end_on: date,
    rent_fen: int,
    deposit_fen: int,
    occupants: int,
    payment_cycle: str,
    use: str,
    extra_clauses: Sequence[str],
) -> list[tuple[str, str]]:
    """Every broken rule of a lease's terms as (field, reason); empty when the terms are acceptable."""
    out: list[tuple[str, str]] = []
    if start_on >= end_on:
        out.append(("end_on", "租赁期限的结束日期应晚于开始日期"))
    elif term_months(start_on, end_on) > limits.max_term_months:
        out.append(("end_on", f"租赁期限不得超过 {limits.max_term_months} 个月"))
    if rent_fen <= 0:
        out.append(("rent_fen", "月租金应大于零"))
    elif rent_fen > limits.max_rent_fen:
        out.append(("rent_fen", f"月租金超过 {limits.max_rent_fen // 100} 元，不予受理"))
    if deposit_fen < 0:
        out.append(("deposit_fen", "押金不能为负数"))
    elif rent_fen > 0 and deposit_fen > limits.deposit_cap_months * rent_fen:
        out.append(("deposit_fen", f"押金不得超过 {limits.deposit_cap_months} 个月租金"))
    if occupants < 1:
        out.append(("occupants", "居住人数至少为 1 人"))
    elif occupants > MAX_OCCUPANTS:
        out.append(("occupants", f"居住人数不得超过 {MAX_OCCUPANTS} 人"))
    if payment_cycle not in CYCLE_MONTHS:
        out.append(("payment_cycle", "支付周期应为 " + "、".join(CYCLE_MONTHS)))
    if use not in LEASE_USES:
        out.append(("use", "房屋用途应为居住"))
    if len(extra_clauses) > MAX_EXTRA_CLAUSES:
        out.append(("extra_clauses", f"补充条款最多 {MAX_EXTRA_CLAUSES} 条"))
    for i, c in enumerate(extra_clauses[:MAX_EXTRA_CLAUSES]):
        if not c.strip():
            out.append((f"extra_clauses.{i}", "补充条款不能为空"))
        elif len(c) > MAX_CLAUSE_CHARS:
            out.append((f"extra_clauses.{i}", f"每条补充条款不超过 {MAX_CLAUSE_CHARS} 字"))
    return out


def lease_needs_escrow(
    landlord_kind: str, payment_cycle: str, rent_fen: int, deposit_fen: int, rent_months: int, deposit_months: int
) -> bool:
    """Whether an enterprise's lease collects money that must go to its supervised escrow account:
    rent in advance beyond ``rent_months`` months, or a deposit beyond ``deposit_months`` months' rent."""
    if landlord_kind != "party":
        return False
    return CYCLE_MONTHS[PaymentCycle(payment_cycle)] > rent_months or deposit_fen > deposit_months * rent_fen


def periods_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    """Whether two inclusive date ranges share a day."""
    return a_start <= b_end and b_start <= a_end


# ------------------------------------------------------------------------------------------ escrow

SCHEDULE_LABELS = {
    "planned": "待缴存", "held": "监管中", "released": "已拨付", "refunded": "已退还", "cancelled": "已取消",
}  # fmt: skip


@dataclass(frozen=True)
class EscrowRule:
    """Settings ``rental_escrow_*``: rent collected for more than ``rent_months`` at once and a deposit
    above ``deposit_months`` of rent must be supervised; ``excess`` supervises the part beyond the
    limit, ``all`` the whole amount."""

    rent_months: int
    deposit_months: int
    mode: str  # excess | all


@dataclass(frozen=True)
class EscrowNeed:
    """What of one lease's money goes to escrow: how many rent months of each payment (the last ones of
    the cycle) and how much of the deposit."""

    rent_months_per_cycle: int
    deposit_fen: int

    @property
    def required(self) -> bool:
        return self.rent_months_per_cycle > 0 or self.deposit_fen > 0


def escrow_need(
    rule: EscrowRule, landlord_kind: str, payment_cycle: str, rent_fen: int, deposit_fen: int
) -> EscrowNeed:
    """The supervised part of a lease's money under ``rule``. Only enterprise (party) landlords are
    supervised. Quarterly (3 months) is not more than 3; half-year and yearly are."""
    if landlord_kind != "party":
        return EscrowNeed(0, 0)
    cycle = CYCLE_MONTHS[PaymentCycle(payment_cycle)]
    months = 0
    if cycle > rule.rent_months:
        months = cycle if rule.mode == "all" else cycle - rule.rent_months
    limit = rule.deposit_months * rent_fen
    deposit = 0
    if deposit_fen > limit:
        deposit = deposit_fen if rule.mode == "all" else deposit_fen - limit
    return EscrowNeed(months, deposit)


@dataclass(frozen=True)
class RentMonth:
    """One rent month of a lease held in escrow until it is earned."""

    cycle_no: int
    period_start: date
    period_end: date  # inclusive
    amount_fen: int

    @property
    def due_on(self) -> date:
        """Released the day after the month ends (the rent is then earned)."""
        return self.period_end + timedelta(days=1)


def _days(a: date, b: date) -> int:
    return (b - a).days + 1


def escrow_months(
    start_on: date, end_on: date, rent_fen: int, payment_cycle: str, months_per_cycle: int
) -> list[RentMonth]:
    """The supervised rent months of a lease: the last ``months_per_cycle`` months of each payment cycle.
    A last month cut short by the end of the term is prorated by days (integer fen, rounded down)."""
    if months_per_cycle <= 0:
        return []
    cycle = CYCLE_MONTHS[PaymentCycle(payment_cycle)]
    out: list[RentMonth] = []
    k = 0
    while True:
        start = add_months(start_on, k)
        if start > end_on:
            break
        full_end = add_months(start_on, k + 1) - timedelta(days=1)
        end = min(full_end, end_on)
        if k % cycle >= cycle - months_per_cycle:
            amount = rent_fen if end == full_end else rent_fen * _days(start, end) // _days(start, full_end)
            out.append(RentMonth(k // cycle, start, end, amount))
        k += 1
    return out


def earned_part(month: RentMonth, ended_on: date) -> int:
    """The part of a held rent month earned by a lease that ended on ``ended_on`` (by days)."""
    if ended_on >= month.period_end:
        return month.amount_fen
    if ended_on < month.period_start:
        return 0
    return month.amount_fen * _days(month.period_start, ended_on) // _days(month.period_start, month.period_end)


#: Ledger account kinds: per escrow account, and per lease.
LEDGER_KINDS = {
    "bank": "监管账户银行存款",
    "payable": "应付企业款",
    "penalties": "罚没款（暂扣）",
    "prepaid": "承租人预付租金",
    "deposit": "押金",
    "refunds": "应退承租人款",
}
#: Journal kinds.
JOURNAL_KINDS = {
    "payment": "承租人缴存",
    "release": "按月拨付企业",
    "refund": "退还未到期租金",
    "deposit_return": "退还押金",
    "deduction": "押金抵扣",
    "penalty": "罚没（监管）",
    "payout": "银行划款",
}


#: Rent escrow as a fund kind of the one ledger engine (``anju.funds``), declared in ``anju.contexts``.
#: Its journals stay in the verifiable log ``rental`` (where they were before the move).
RENT_ESCROW = FundKind(
    name="rent_escrow",
    label="租金监管",
    log="rental",
    entry_type="rental.escrow",
    account_kinds=("bank", "payable", "penalties"),
    subject_kinds=("prepaid", "deposit", "refunds"),
    journal_kinds=JOURNAL_KINDS,
    ledger_labels=LEDGER_KINDS,
)


# ----------------------------------------------------------------------------------- guidance rents

EDITION_STATUS_LABELS = {"draft": "草稿", "published": "现行", "superseded": "已替代"}


def home_type(mode: str, bedrooms: int | None) -> str:
    """The home type guidance rents are published by: a room (分间), or a whole home by bedrooms."""
    if mode == ListingMode.room:
        return "分间"
    if not bedrooms or bedrooms <= 1:
        return "1室"
    if bedrooms == 2:
        return "2室"
    return "3室+"


HOME_TYPES = ("1室", "2室", "3室+", "分间")


def outside_band(rent_fen_m2: int, low: int, high: int, band_pct: int) -> str | None:
    """Whether a rent per m² lies more than ``band_pct`` % below ``low`` or above ``high``."""
    if rent_fen_m2 * 100 < low * (100 - band_pct):
        return "below"
    if rent_fen_m2 * 100 > high * (100 + band_pct):
        return "above"
    return None


# ---------------------------------------------------------------------------------------- governance

#: Positions of practitioners (从业人员).
PRACTITIONER_POSITIONS = {"broker": "经纪人", "assistant": "经纪人协理", "manager": "管理人员", "staff": "业务人员"}
PRACTITIONER_STATUS_LABELS = {"active": "在职", "suspended": "暂停执业", "revoked": "已注销", "left": "已离职"}

#: Kinds of restriction a supervisor may flag a home with, and who said so.
FLAG_KINDS = {"seized": "查封", "unsafe": "危房", "disputed": "权属争议", "other": "其他限制"}
FLAG_SOURCES = {"court": "法院", "registry": "不动产登记", "safety": "房屋安全", "supervisor": "监管部门"}

#: Supervision actions on a filed party: the status each one leads from and to, and whether it is a
#: sanction (a sanction becomes a credit event of the party's organisation).
PARTY_ACTIONS: dict[str, tuple[frozenset[PartyStatus], PartyStatus]] = {
    "suspend": (frozenset({PartyStatus.filed}), PartyStatus.suspended),
    "reinstate": (frozenset({PartyStatus.suspended}), PartyStatus.filed),
    "revoke": (frozenset({PartyStatus.filed, PartyStatus.suspended}), PartyStatus.revoked),
}
PARTY_ACTION_LABELS = {"filed": "备案", "amended": "变更备案", "suspend": "暂停", "reinstate": "恢复", "revoke": "撤销"}
#: action → (credit event kind, severity) of the sanctions.
PARTY_SANCTIONS = {"suspend": ("rental.party_suspended", "major"), "revoke": ("rental.party_revoked", "serious")}


class ComplaintStatus(StrEnum):
    received = "received"  # 已受理
    handling = "handling"  # 办理中
    resolved = "resolved"  # 已办结
    rejected = "rejected"  # 不予受理 / 驳回


COMPLAINT_STATUS_LABELS = {
    ComplaintStatus.received: "已受理",
    ComplaintStatus.handling: "办理中",
    ComplaintStatus.resolved: "已办结",
    ComplaintStatus.rejected: "已驳回",
}
OPEN_COMPLAINT = frozenset({ComplaintStatus.received, ComplaintStatus.handling})
COMPLAINT_KINDS = {"complaint": "投诉", "dispute": "纠纷"}
COMPLAINT_SUBJECTS = {"lease": "租赁合同", "listing": "房源", "party": "租赁企业/经纪机构", "home": "房屋"}
COMPLAINT_CATEGORIES = (
    "虚假房源",
    "押金退还",
    "租金纠纷",
    "违规收费",
    "违规分割出租",
    "房屋质量",
    "未备案",
    "资金监管",
    "其他",
)
COMPLAINT_SIDES = {"tenant": "承租人", "landlord": "出租人", "public": "公众"}

#: Violations staff may record (inspection findings, upheld complaints): each becomes a credit event of
#: kind ``rental.<name>`` with the default severity below (the handler may choose another).
VIOLATION_KINDS: dict[str, tuple[str, str]] = {
    "rental.false_listing": ("发布虚假房源信息", "major"),
    "rental.unverified_listing": ("发布未经核验的房源", "minor"),
    "rental.unfiled_lease": ("未按规定办理租赁合同备案", "minor"),
    "rental.escrow_breach": ("未按规定存管租金、押金", "serious"),
    "rental.deposit_overcharge": ("超额收取押金或违规收费", "major"),
    "rental.illegal_partition": ("违规分割出租或将非居住空间出租", "major"),
    "rental.unfiled_practitioner": ("使用未备案的从业人员", "minor"),
    "rental.forced_eviction": ("暴力、威胁等方式驱逐承租人", "serious"),
    "rental.unfiled_party": ("未备案从事住房租赁经营", "major"),
    "rental.other": ("其他违反住房租赁规定的行为", "minor"),
}
SEVERITY_LABELS = {"minor": "一般", "major": "较重", "serious": "严重"}
INSPECTION_TARGETS = {"party": "租赁企业/经纪机构", "home": "房屋", "listing": "房源"}
