"""Property services' pure rules (issue 22, part "services"): tender scoring and award, and coverage
against the plan's target. No I/O; exact decimals and fractions, never floats.

Scoring (综合评分法): the panel gives each bid a technical score 0–100; the price score is computed
from the offered residential fee — the lowest fee gets 100, every other ``lowest / fee × 100``; the
total is ``TECHNICAL_WEIGHT × technical + PRICE_WEIGHT × price``. Every score is rounded half-up to
two places (the columns are ``Numeric(5, 2)``) and the award compares the rounded totals: the highest
total wins, ties go to the lower fee, then to the earlier bid.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final

#: The weights of the composite score (技术分 60 %, 价格分 40 %), as the city's tender rules set them.
TECHNICAL_WEIGHT: Final = Decimal("0.6")
PRICE_WEIGHT: Final = Decimal("0.4")
CENT: Final = Decimal("0.01")
MAX_SCORE: Final = Decimal(100)


@dataclass(frozen=True, slots=True)
class Target:
    """A plan target as data: the share, whether it binds (约束性), where it comes from, and the first
    year of the plan period (the estates it applies to: those built from that year on)."""

    share: Fraction
    binding: bool
    label: str
    source: str
    new_from_year: int


#: 新建住宅小区、改造后老旧小区专业化物业管理覆盖率 100 %（约束性）.
COVERAGE_TARGET: Final = Target(
    share=Fraction(1),
    binding=True,
    label="新建住宅小区、改造后老旧小区专业化物业管理覆盖率",
    source="“十四五”住房发展规划 主要指标表 第 149 行（约束性）",
    # 新建住宅小区: built in the plan period (2021–2025) or later; the renovated old estates (改造后
    # 老旧小区) are not in this context's data, so the target is measured on the new estates
    new_from_year=2021,
)


def q2(value: Decimal) -> Decimal:
    """Rounded half-up to two places (how every score is stored)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def technical_score(value: Decimal | int | str, field: str = "technical_score") -> Decimal:
    """A panel's technical score, 0–100 with at most two decimals; ValueError names the rule."""
    try:
        d = Decimal(str(value))
    except ArithmeticError:
        raise ValueError("技术分应为数字") from None
    if not d.is_finite() or d < 0 or d > MAX_SCORE:
        raise ValueError("技术分应在 0–100 之间")
    if d != q2(d):
        raise ValueError("技术分最多两位小数")
    return d


def price_scores(fees: Mapping[int, int]) -> dict[int, Decimal]:
    """Each bid's price score from its fee (fen per m²·month, > 0): lowest fee → 100, others
    ``lowest / fee × 100`` rounded to two places."""
    if not fees:
        return {}
    if min(fees.values()) <= 0:
        raise ValueError("报价应为正数")
    low = Decimal(min(fees.values()))
    return {bid: q2(low / Decimal(fee) * MAX_SCORE) for bid, fee in fees.items()}


def total_score(technical: Decimal, price: Decimal) -> Decimal:
    return q2(TECHNICAL_WEIGHT * technical + PRICE_WEIGHT * price)


@dataclass(frozen=True, slots=True)
class ScoredBid:
    bid_id: int
    fee_fen_per_m2: int
    total: Decimal
    submitted_at: datetime


def winner(bids: Sequence[ScoredBid]) -> int:
    """The awarded bid: the highest total, then the lower fee, then the earlier bid (then the lower id)."""
    if not bids:
        raise ValueError("没有可评的投标")
    best = min(bids, key=lambda b: (-b.total, b.fee_fen_per_m2, b.submitted_at, b.bid_id))
    return best.bid_id


@dataclass(frozen=True, slots=True)
class Coverage:
    """Residential estates (and their homes) with an active property-service project, of all."""

    estates: int
    served_estates: int
    homes: int
    served_homes: int

    @property
    def estate_share(self) -> Fraction | None:
        return Fraction(self.served_estates, self.estates) if self.estates else None

    @property
    def home_share(self) -> Fraction | None:
        return Fraction(self.served_homes, self.homes) if self.homes else None

    def meets(self, target: Target = COVERAGE_TARGET) -> bool | None:
        """Whether the estate share reaches the target (None when there is nothing to cover)."""
        share = self.estate_share
        return None if share is None else share >= target.share

    def gap(self, target: Target = COVERAGE_TARGET) -> int:
        """How many more estates must be served to reach the target."""
        need = target.share * self.estates
        ceil = -(-need.numerator // need.denominator)
        return max(0, ceil - self.served_estates)

    def __add__(self, other: Coverage) -> Coverage:
        return Coverage(
            self.estates + other.estates,
            self.served_estates + other.served_estates,
            self.homes + other.homes,
            self.served_homes + other.served_homes,
        )


def percent(share: Fraction | None) -> Decimal | None:
    """A share as a percentage rounded half-up to one place (for display and exports)."""
    if share is None:
        return None
    return (Decimal(share.numerator) * 100 / Decimal(share.denominator)).quantize(Decimal("0.1"), ROUND_HALF_UP)
