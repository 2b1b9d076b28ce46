"""Urban renewal's pure rules and vocabularies (城市更新, issue 23, part "renewal projects"): project
kinds, each kind's lifecycle, funding sources, the catalogue's categories, the shanty-town modes
(留/改/拆). No I/O, no framework.

A project moves one step at a time along its kind's lifecycle; every step has its date (not before
the previous step's, not in the future), its responsible unit and its documents (references, e.g. a
plan's document number or an archive number).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Final

#: What every page showing synthetic projects says.
SYNTHETIC_LABEL: Final = "合成数据：本页的城市更新项目由合成城市生成器生成，仅供演示。"

KINDS: Final[dict[str, str]] = {
    "old_community": "老旧小区改造",
    "shanty": "棚户区改造",
    "lift": "既有住宅加装电梯",
    "energy": "既有建筑节能改造",
}

STATUSES: Final[dict[str, str]] = {
    "reserve": "储备",
    "planned": "列入年度计划",
    "agreed": "签订加装协议",
    "designed": "方案设计",
    "permitted": "取得施工许可",
    "tendered": "招标完成",
    "construction": "施工中",
    "accepted": "竣工验收",
    "in_service": "投入使用",
    "closed": "结案",
}

#: Each kind's lifecycle, in order (a project starts at the first status).
_WORKS: Final = ("reserve", "planned", "designed", "tendered", "construction", "accepted", "closed")
LIFECYCLES: Final[dict[str, tuple[str, ...]]] = {
    "old_community": _WORKS,
    "shanty": _WORKS,
    "energy": _WORKS,
    # 一梯一策: the owners' agreement, design, permit, construction, acceptance, then the lift in
    # service with its after-care (维保) named
    "lift": ("reserve", "agreed", "designed", "permitted", "construction", "accepted", "in_service"),
}

#: Statuses at which the works are finished (the plan's actual counts these).
DONE: Final = frozenset({"accepted", "closed", "in_service"})

SHANTY_MODES: Final[dict[str, str]] = {
    "retain": "留（保护性改造）",
    "renovate": "改（改善性改造）",
    "demolish": "拆（拆除重建）",
}

FUNDING_SOURCES: Final[dict[str, str]] = {
    "central": "中央补助资金",
    "provincial": "省级补助资金",
    "city": "市级财政资金",
    "district": "区级财政资金",
    "owners": "居民出资",
    "maintenance_fund": "住宅专项维修资金",
    "social": "社会资本",
}

CATEGORIES: Final[dict[str, str]] = {"basic": "基础类", "complete": "完善类", "improve": "提升类"}

#: A funding amount's ceiling (fen): ten billion yuan.
MAX_FUNDING_FEN: Final = 10_000_000_000 * 100


def next_status(kind: str, status: str) -> str | None:
    """The status after ``status`` in the kind's lifecycle (None at the end)."""
    steps = LIFECYCLES[kind]
    i = steps.index(status)
    return steps[i + 1] if i + 1 < len(steps) else None


def step_problems(
    kind: str, current: str, target: str, on: date, last_on: date | None, today: date, unit: str
) -> list[tuple[str, str]]:
    """Why moving a ``kind`` project from ``current`` to ``target`` on ``on`` is refused: (field, reason)
    pairs in Chinese, empty when it may move."""
    out: list[tuple[str, str]] = []
    if kind not in LIFECYCLES:
        return [("kind", "未知的项目类型")]
    expected = next_status(kind, current) if current in LIFECYCLES[kind] else None
    if target not in LIFECYCLES[kind]:
        out.append(("status", f"{KINDS[kind]}项目没有“{STATUSES.get(target, target)}”这一环节"))
    elif expected is None:
        out.append(("status", f"项目已处于最后环节“{STATUSES[current]}”"))
    elif target != expected:
        out.append(("status", f"当前环节为“{STATUSES[current]}”，下一环节应为“{STATUSES[expected]}”"))
    if on > today:
        out.append(("on", "日期不能晚于今天"))
    if last_on is not None and on < last_on:
        out.append(("on", f"日期不能早于上一环节的日期 {last_on.isoformat()}"))
    if not unit.strip():
        out.append(("unit", "请填写责任单位"))
    elif len(unit) > 100:
        out.append(("unit", "责任单位最多 100 字"))
    return out


@dataclass(frozen=True, slots=True)
class FloorAgreement:
    """The owners of one floor of a building unit and how many of them agreed to the lift."""

    floor_no: int
    owners: int
    agreeing: int


def agreement_share(floors: Sequence[FloorAgreement]) -> Fraction | None:
    """The share of the unit's owners who agreed (None when no owners are recorded)."""
    owners = sum(f.owners for f in floors)
    return Fraction(sum(f.agreeing for f in floors), owners) if owners else None


def floor_problems(floors: Sequence[FloorAgreement], floors_above: int) -> list[tuple[str, str]]:
    """Why a unit's per-floor agreement is refused (field ``floors.<i>``, reason in Chinese)."""
    out: list[tuple[str, str]] = []
    seen: set[int] = set()
    if not floors:
        out.append(("floors", "请按楼层填写业主数和同意户数"))
    for i, f in enumerate(floors):
        where = f"floors.{i}"
        if not 1 <= f.floor_no <= floors_above:
            out.append((where, f"楼层应在 1–{floors_above} 之间"))
        if f.floor_no in seen:
            out.append((where, f"第 {f.floor_no} 层重复"))
        seen.add(f.floor_no)
        if not 0 <= f.owners <= 200:
            out.append((where, "业主数应在 0–200 之间"))
        if not 0 <= f.agreeing <= f.owners:
            out.append((where, "同意户数应在 0 到该层业主数之间"))
    return out


def percent(share: Fraction | None) -> str:
    """A share as a percentage with one decimal ("—" when unknown)."""
    if share is None:
        return "—"
    return f"{float(share * 100):.1f}%"
