"""What waits for house-safety staff on the workbench (``anju.core.worklist``): open hazard cases past a
deadline (urgent), pending inspections of open plans, permit applications past their decision date and
curtain walls whose next inspection is late — within the caller's scope; and the open cases as a figure."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from anju.core.scope import Scope
from anju.core.worklist import WorkItem
from anju.safety import hazards, records
from anju.safety.tables import safety_inspections, safety_plans
from anju.security import Caller


def _pending(conn: Connection, scope: Scope) -> int:
    i, p = safety_inspections.c, safety_plans.c
    return int(
        conn.execute(
            select(func.count())
            .select_from(safety_inspections.join(safety_plans, p.id == i.plan_id))
            .where(i.status == "pending", p.status == "open", *scope.where(i.street_code))
        ).scalar_one()
    )


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    if not caller.can("safety.read"):
        return []
    scope = caller.scope
    late = hazards.list_hazards(conn, hazards.HazardFilter(overdue=True), scope=scope, limit=1, offset=0).total
    open_cases = hazards.list_hazards(conn, hazards.HazardFilter(status="open"), scope=scope, limit=1, offset=0).total
    permits = records.list_permits(conn, scope=scope, overdue=True, limit=1, offset=0).total
    walls = records.list_curtain_walls(conn, scope=scope, overdue=True, limit=1, offset=0).total
    out = [
        WorkItem("逾期危房隐患案件", late, "/safety/hazards?overdue=1", urgent=late),
        WorkItem("待排查楼幢", _pending(conn, scope), "/safety/plans"),
        WorkItem("逾期未决结构变动许可", permits, "/safety/permits?overdue=1", urgent=permits),
        WorkItem("逾期幕墙检查", walls, "/safety/curtain-walls?overdue=1"),
        WorkItem("处置中危房", open_cases, "/safety/hazards?status=open", kind="figure"),
    ]
    return [w for w in out if w.count or w.kind == "figure"]
