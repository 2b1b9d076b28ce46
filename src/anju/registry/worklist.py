"""The register's key figures for the caller's area (the workbench, ``anju.core.worklist``)."""

from __future__ import annotations

from sqlalchemy import Connection

from anju.core.worklist import WorkItem
from anju.registry.reads import stats
from anju.security import Caller


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    if not caller.can("registry.read"):
        return []
    s = stats(conn, scope=caller.scope)
    return [
        WorkItem("小区/楼盘", s["estates"], "/registry", kind="figure"),
        WorkItem("幢", s["buildings"], "/registry", kind="figure"),
        WorkItem("户", s["homes"], "/search", kind="figure"),
    ]
