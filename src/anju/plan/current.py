"""Which plan a request or a command monitors: the city's current plan (``plans.current_plan``) or a
named one; a plan that is neither loaded nor shipped is a :class:`NotFound` naming it.

The current plan is kept per process while nothing it depends on changes — the loaded editions (their
count and newest id: one small query per request) and the year (a plan's period): parsing the plan file
on every request would cost half the dashboard's budget.
"""

from __future__ import annotations

import threading

from sqlalchemy import Connection, func, select

from anju.core import clock
from anju.core.errors import NotFound
from anju.plan.domain import Plan
from anju.plan.plans import current_plan, plan_by_code
from anju.plan.tables import plan_editions

_lock = threading.Lock()
_cache: dict[tuple[object, ...], Plan] = {}


def _fingerprint(conn: Connection, city: str) -> tuple[object, ...]:
    n, newest = conn.execute(select(func.count(), func.max(plan_editions.c.id))).one()
    return (conn.engine.url.render_as_string(), city, clock.today().year, int(n), newest)


def plan_for(conn: Connection, city: str, code: str | None = None) -> Plan:
    if code:
        try:
            return plan_by_code(conn, code)
        except LookupError:
            raise NotFound(f"没有规划 {code}") from None
    key = _fingerprint(conn, city)
    with _lock:
        found = _cache.get(key)
    if found is None:
        found = current_plan(conn, city)
        if found is None:
            raise NotFound(f"城市 {city} 尚未载入住房发展规划")
        with _lock:
            if len(_cache) > 32:
                _cache.clear()
            _cache[key] = found
    return found
