"""What waits in plan monitoring for the caller (the workbench, ``anju.core.worklist``): for the city's
plan officer (``plan.report`` over the whole city), the previous year's annual monitoring report when
it is not filed yet and the current plan covers that year."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from anju.core import clock
from anju.core.errors import NotFound
from anju.core.worklist import WorkItem
from anju.plan.current import plan_for
from anju.plan.tables import plan_reports
from anju.security import Caller


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    """One counted item (0 or 1) for the city officer; nothing for anyone else or a city without a plan."""
    city = caller.scope.code
    if not caller.can("plan.report") or not caller.scope.unrestricted or not city:
        return []
    try:
        plan = plan_for(conn, city)
    except NotFound:
        return []
    year = clock.today().year - 1
    if not plan.first_year <= year <= plan.last_year:
        return []
    filed = conn.execute(
        select(func.count()).where(plan_reports.c.plan_code == plan.code, plan_reports.c.year == year)
    ).scalar_one()
    return [WorkItem(f"{year} 年度监测报告尚未报送", 0 if filed else 1, f"/plan?year={year}#h-reports")]
