"""Pure rules of spending the maintenance fund (维修资金使用): apportionment by the largest remainder,
the payment stages, the application's life cycle. No I/O.

Apportionment (分摊) is exact: every fen of an amount goes to exactly one home. Each home first gets
the whole fen of its exact quota (``total × weight / Σ weights``); the fen left over go one each to the
homes with the largest fractional remainders, ties to the earlier home (the caller orders homes by id).
A home of zero weight gets nothing. The same rule splits a stage's payment over the homes' unpaid
shares, so no home ever pays more than its share and the last stage pays exactly what is left.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from anju.core.errors import Conflict, FieldError, ValidationError
from anju.estates.domain import SPENDING_STATUSES

#: Statuses an application passes through, in order (``rejected`` and ``withdrawn`` end it early).
FLOW: Final = ("draft", "submitted", "approved", "in_progress", "completed", "published")
#: Applications whose approved shares still bind the homes' balances (approved, not yet fully paid).
COMMITTED: Final = ("approved", "in_progress")
MAX_STAGES: Final = 10
MAX_QUOTES: Final = 10
APPLICANT_KINDS: Final = {"committee": "业主委员会", "company": "物业服务企业", "street": "街道办事处"}


def apportion(total_fen: int, weights: Sequence[Decimal | int]) -> list[int]:
    """``total_fen`` split over ``weights`` (areas or fen) by the largest remainder, exactly: the parts
    sum to ``total_fen``, each part is the floor or the ceiling of its exact quota, zero weights get 0.
    Refused (``ValueError``) for a negative amount or weight, or a positive amount over no weight."""
    if total_fen < 0:
        raise ValueError("amount must not be negative")
    # exact integers: every weight scaled by the same power of ten (areas have hundredths, fen none)
    exp = max((-int(Decimal(w).as_tuple().exponent) for w in weights), default=0)
    ws = [int(Decimal(w).scaleb(max(exp, 0))) for w in weights]
    if any(w < 0 for w in ws):
        raise ValueError("weights must not be negative")
    whole = sum(ws)
    if whole == 0:
        if total_fen:
            raise ValueError("a positive amount needs a positive weight")
        return [0] * len(ws)
    parts, rems = [], []
    for w in ws:
        q, r = divmod(total_fen * w, whole)
        parts.append(q)
        rems.append(r)
    left = total_fen - sum(parts)
    # the largest remainders first; a stable sort keeps ties in the homes' order
    for i in sorted(range(len(ws)), key=rems.__getitem__, reverse=True)[:left]:
        parts[i] += 1
    return parts


def split_stage(stage_fen: int, unpaid: Sequence[int]) -> list[int]:
    """A stage's payment over the homes' unpaid shares (fen): never more than a home's unpaid share;
    the last stage (``stage_fen`` equal to the unpaid total) pays each home exactly what it owes."""
    if stage_fen > sum(unpaid):
        raise ValueError("a stage cannot pay more than is unpaid")
    return apportion(stage_fen, unpaid)


@dataclass(frozen=True, slots=True)
class StageIn:
    """A payment stage: its label (e.g. 预付款, 竣工验收) and amount."""

    label: str
    amount_fen: int


def check_stages(stages: Sequence[StageIn], approved_fen: int) -> None:
    """1–``MAX_STAGES`` stages, each labelled and positive, summing to the approved amount exactly."""
    errors: list[FieldError] = []
    if not 1 <= len(stages) <= MAX_STAGES:
        errors.append(FieldError("stages", f"应有 1–{MAX_STAGES} 个付款阶段"))
    for i, s in enumerate(stages):
        if not s.label.strip() or len(s.label) > 40:
            errors.append(FieldError(f"stages[{i}].label", "阶段名称应为 1–40 个字符"))
        if type(s.amount_fen) is not int or s.amount_fen <= 0:
            errors.append(FieldError(f"stages[{i}].amount_fen", "阶段金额应为正整数（分）"))
    if not errors and sum(s.amount_fen for s in stages) != approved_fen:
        total = sum(s.amount_fen for s in stages)
        errors.append(FieldError("stages", f"各阶段金额合计 {total} 分，应等于批准金额 {approved_fen} 分"))
    if errors:
        raise ValidationError(errors[0].field + ": " + errors[0].reason, errors)


def must_be(status: str, *allowed: str, action: str) -> None:
    """The application is in one of ``allowed`` statuses, else a conflict naming the action."""
    if status not in allowed:
        raise Conflict(f"申请当前为“{SPENDING_STATUSES.get(status, status)}”，不能{action}")
