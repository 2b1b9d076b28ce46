"""The figures routes' targets: the city's current plan (``anju.plan.plan_for``, cached per process)
handed to :func:`anju.assistance.plan_targets.targets_in`. The plan is read here, in the adapters, so
assistance's core does not depend on the plan context (whose reports use the market's, which reads
assistance)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from anju.assistance import plan_targets
from anju.plan import plan_for


def current(conn: Connection, settings: Any) -> plan_targets.Targets:
    return plan_targets.targets_in(conn, plan_for(conn, settings.city_code), settings.city_code)
