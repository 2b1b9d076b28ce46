"""Which plan a request or a command monitors: the city's current plan (``plans.current_plan``) or a
named one; a plan that is neither loaded nor shipped is a :class:`NotFound` naming it."""

from __future__ import annotations

from sqlalchemy import Connection

from anju.core.errors import NotFound
from anju.plan.domain import Plan
from anju.plan.plans import current_plan, plan_by_code


def plan_for(conn: Connection, city: str, code: str | None = None) -> Plan:
    if code:
        try:
            return plan_by_code(conn, code)
        except LookupError:
            raise NotFound(f"没有规划 {code}") from None
    found = current_plan(conn, city)
    if found is None:
        raise NotFound(f"城市 {city} 尚未载入住房发展规划")
    return found
