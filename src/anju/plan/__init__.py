"""Plan implementation monitoring (规划实施监测评估, issue 24): plans as versioned data (targets linked to
the indicator dictionary, the published tables, their internal consistency reported, never corrected),
progress of every target against the platform's live data, the annual figures as reported with later
corrections, the dashboard, the public page, the evaluation reports and the upward export.
See docs/plan.md.

Other contexts use only what this module exports.
"""

from anju.plan.current import plan_for
from anju.plan.domain import (
    COMPARISON_LABELS,
    COMPARISONS,
    NATURE_LABELS,
    PERIODS,
    STATUS_LABELS,
    Comparison,
    Inconsistency,
    Nature,
    Period,
    Plan,
    PlanTable,
    Status,
    TableRow,
    Target,
)
from anju.plan.plans import (
    Edition,
    LoadResult,
    PlanReadError,
    check,
    current_plan,
    editions,
    load,
    parse_plan,
    plan_by_code,
    read_plan,
    shipped,
)

__all__ = [
    "COMPARISONS",
    "COMPARISON_LABELS",
    "NATURE_LABELS",
    "PERIODS",
    "STATUS_LABELS",
    "Comparison",
    "Edition",
    "Inconsistency",
    "LoadResult",
    "Nature",
    "Period",
    "Plan",
    "PlanReadError",
    "PlanTable",
    "Status",
    "TableRow",
    "Target",
    "check",
    "current_plan",
    "editions",
    "load",
    "parse_plan",
    "plan_by_code",
    "plan_for",
    "read_plan",
    "shipped",
]
