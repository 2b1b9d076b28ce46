"""Progress of a plan's targets (规划实施监测): each target's actual value against its target, for its area,
as of a year, and a status. Pure functions over a :class:`Plan`, the stored indicator values and the
as-of year: no database here (the callers read the values once per request and pass them in).

The rules (docs/plan.md, "Progress and status"):

* **Actual value.** The stored value of ``target.indicator`` for ``target.area`` and a year, times
  ``target.factor`` (the dictionary's unit → the plan's unit). By ``target.period``:
  ``cumulative`` sums the plan years up to the as-of year; ``annual_average`` is the mean of those years;
  ``final_year`` and ``each_year`` take the as-of year's level (``each_year`` checks every elapsed year).
  A target with its own ``year`` (a cell of 专栏2 or 专栏6) takes that year's value only.
* **Missing data.** A value is needed for every elapsed year the rule uses; if one is missing the
  status is ``no_data`` and ``missing`` says which (the dictionary entry has no provider:
  "由统计部门报送，尚未录入"; the stored value's own reason; no stored value: "尚未计算"). Partial sums are
  never compared with a target.
* **Comparison.** ``at_least`` actual ≥ target; ``at_most`` actual ≤ target; ``about`` |actual − target|
  ≤ tolerance × |target|; ``equal`` actual = target.
* **Status.** ``achieved`` when the target is met at or after its due year (the plan's last year, or the
  target's own year), or — for an ``at_least`` cumulative target — as soon as the sum reaches the whole
  target. Before it is due: ``cumulative`` targets are compared **pro rata by elapsed years** (the
  target × elapsed years ÷ plan years: 2 of 5 years elapsed → 40 % of the five-year total expected);
  ``final_year`` levels against a straight path from the baseline (the value of the year before the
  plan, if stored; else the level is compared with the target itself) to the target in the last year;
  ``annual_average`` and ``each_year`` against the target itself. Met → ``on_track``, not met →
  ``behind``. After its due year, not met → ``behind``. A single-year target whose year has not come
  yet is ``no_data`` ("尚未到 2024 年度").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from anju.plan.domain import Comparison, Plan, Status, Target

#: The missing-data reason of a figure no provider computes (a department reports it by hand).
REPORTED_BY_HAND = "由统计部门报送，尚未录入"
NOT_COMPUTED = "尚未计算（指标值未刷新）"


class ValueLike(Protocol):
    """A stored indicator value (``anju.indicators.StoredValue`` or a hand-entered figure)."""

    @property
    def code(self) -> str: ...
    @property
    def area_code(self) -> str: ...
    @property
    def year(self) -> int: ...
    @property
    def value(self) -> Decimal | None: ...
    @property
    def missing(self) -> str | None: ...


#: (indicator code, area code, year) → (value, missing reason)
Values = Mapping[tuple[str, str, int], tuple[Decimal | None, str | None]]


@dataclass(frozen=True)
class YearValue:
    year: int
    value: Decimal | None  # in the plan's unit
    missing: str | None


@dataclass(frozen=True)
class TargetProgress:
    target: Target
    as_of: int
    actual: Decimal | None  # in the plan's unit; None when data is missing
    expected: Decimal | None  # what the rule expects by the as-of year (pro rata / path), in the plan's unit
    gap: Decimal | None  # actual − target (signed, the plan's unit)
    status: Status
    missing: str | None  # which data is missing (no_data), else None
    years: tuple[YearValue, ...]  # each plan year's value up to the as-of year (the trend)

    @property
    def key(self) -> str:
        return self.target.key

    @property
    def percent(self) -> Decimal | None:
        """actual ÷ target in %, one place (None without actual or for a zero target)."""
        if self.actual is None or not self.target.value:
            return None
        return (self.actual / self.target.value * 100).quantize(Decimal("0.1"))


def index(values: Iterable[ValueLike]) -> dict[tuple[str, str, int], tuple[Decimal | None, str | None]]:
    """The values keyed by (code, area, year); a later value for the same key wins (hand entries after
    stored values)."""
    return {(v.code, v.area_code, v.year): (v.value, v.missing) for v in values}


def meets(actual: Decimal, target: Decimal, comparison: Comparison, tolerance: Decimal) -> bool:
    """Whether ``actual`` satisfies ``comparison`` against ``target``."""
    if comparison == "at_least":
        return actual >= target
    if comparison == "at_most":
        return actual <= target
    if comparison == "about":
        return abs(actual - target) <= abs(target) * tolerance
    return actual == target


def _year_value(values: Values, t: Target, year: int, reported_by_hand: bool) -> YearValue:
    found = values.get((t.indicator, t.area, year))
    if found is None:
        return YearValue(year, None, REPORTED_BY_HAND if reported_by_hand else NOT_COMPUTED)
    value, missing = found
    if value is None:
        return YearValue(year, None, missing or NOT_COMPUTED)
    return YearValue(year, value * t.factor, None)


def _missing_text(missing: Sequence[YearValue]) -> str:
    reasons: dict[str, list[int]] = {}
    for y in missing:
        reasons.setdefault(y.missing or NOT_COMPUTED, []).append(y.year)
    return "；".join(f"{'、'.join(str(y) for y in ys)} 年：{r}" for r, ys in reasons.items())[:300]


def _judge(
    t: Target, got: Sequence[Decimal], due: bool, elapsed: Decimal, baseline: Decimal | None
) -> tuple[Decimal, Decimal, Status]:
    """(actual, expected by now, status) of a plan-period target from its elapsed years' values;
    ``elapsed``: the share of the plan's years elapsed."""

    def ok(v: Decimal, against: Decimal) -> bool:
        return meets(v, against, t.comparison, t.tolerance)

    if t.period == "cumulative":
        actual = sum(got, Decimal(0))
        expected = t.value if due else t.value * elapsed
        if ok(actual, t.value) and (due or t.comparison == "at_least"):
            status: Status = "achieved"
        else:
            status = "behind" if due or not ok(actual, expected) else "on_track"
        return actual, expected, status
    if t.period == "annual_average":
        actual = sum(got, Decimal(0)) / len(got)
        met = ok(actual, t.value)
    elif t.period == "each_year":
        actual = got[-1]
        met = all(ok(v, t.value) for v in got)
    else:  # final_year: before it is due, a straight path from the baseline
        actual = got[-1]
        expected = t.value if due or baseline is None else baseline + (t.value - baseline) * elapsed
        if due:
            return actual, expected, "achieved" if ok(actual, t.value) else "behind"
        return actual, expected, "on_track" if ok(actual, t.value) or ok(actual, expected) else "behind"
    if due:
        return actual, t.value, "achieved" if met else "behind"
    return actual, t.value, "on_track" if met else "behind"


def target_progress(
    plan: Plan, t: Target, values: Values, as_of: int, *, reported_by_hand: bool = False
) -> TargetProgress:
    """The progress of one target as of the end of ``as_of`` (see the module for the rules).
    ``reported_by_hand``: the indicator has no provider (its missing values say so)."""
    first, last = plan.first_year, plan.last_year
    if t.year is not None:
        if as_of < t.year:
            return TargetProgress(t, as_of, None, None, None, "no_data", f"尚未到 {t.year} 年度", ())
        yv = _year_value(values, t, t.year, reported_by_hand)
        if yv.value is None:
            return TargetProgress(t, as_of, None, None, None, "no_data", _missing_text([yv]), (yv,))
        ok = meets(yv.value, t.value, t.comparison, t.tolerance)
        return TargetProgress(
            t, as_of, yv.value, t.value, yv.value - t.value, "achieved" if ok else "behind", None, (yv,)
        )
    end = min(max(as_of, first), last)
    if as_of < first:
        return TargetProgress(t, as_of, None, None, None, "no_data", f"规划期自 {first} 年开始", ())
    years = tuple(_year_value(values, t, y, reported_by_hand) for y in range(first, end + 1))
    due = as_of >= last
    n_plan, n_done = last - first + 1, end - first + 1
    needed = years if t.period in ("cumulative", "annual_average", "each_year") else years[-1:]
    missing = [y for y in needed if y.value is None]
    if missing:
        return TargetProgress(t, as_of, None, None, None, "no_data", _missing_text(missing), years)
    got = [y.value for y in needed if y.value is not None]
    base = values.get((t.indicator, t.area, first - 1))
    baseline = None if base is None or base[0] is None else base[0] * t.factor
    actual, expected, status = _judge(t, got, due, Decimal(n_done) / n_plan, baseline)
    return TargetProgress(t, as_of, actual, expected, actual - t.value, status, None, years)


def progress(
    plan: Plan,
    values: Iterable[ValueLike] | Values,
    as_of: int,
    *,
    by_hand: Iterable[str] = (),
    areas: Iterable[str] | None = None,
) -> list[TargetProgress]:
    """Every target's progress (in the plan's order); ``by_hand``: indicator codes without a provider;
    ``areas``: only targets for these areas (a district officer's city and district targets)."""
    book = values if isinstance(values, Mapping) else index(values)
    hand = set(by_hand)
    wanted = None if areas is None else set(areas)
    return [
        target_progress(plan, t, book, as_of, reported_by_hand=t.indicator in hand)
        for t in plan.targets
        if wanted is None or t.area in wanted
    ]


def default_as_of(plan: Plan, years_with_data: Iterable[int]) -> int:
    """The latest plan year with any stored value, else the plan's first year."""
    inside = [y for y in years_with_data if plan.first_year <= y <= plan.last_year]
    return max(inside) if inside else plan.first_year


def needed_years(plan: Plan) -> list[int]:
    """The years whose values progress may read: the plan's years and the baseline year before them."""
    return [plan.first_year - 1, *plan.years]


__all__ = [
    "NOT_COMPUTED",
    "REPORTED_BY_HAND",
    "TargetProgress",
    "YearValue",
    "default_as_of",
    "index",
    "meets",
    "needed_years",
    "progress",
    "target_progress",
]
