"""What waits in market monitoring for the caller (the workbench, ``anju.core.worklist``): the open early
warnings an officer may handle (their district's; every one for the city's officers), red and orange
ones urgent."""

from __future__ import annotations

from sqlalchemy import Connection

from anju.core.worklist import WorkItem
from anju.market.health_queries import open_warnings
from anju.security import Caller


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    if not caller.can("market.warn"):
        return []
    total, urgent = open_warnings(conn, caller.scope)
    return [WorkItem("待处理的市场预警", total, "/market/warnings?status=open", urgent)]
