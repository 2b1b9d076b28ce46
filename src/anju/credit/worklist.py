"""What waits in credit for the caller (the workbench, ``anju.core.worklist``): an officer's objections
and repair requests to decide in their streets (overdue ones urgent); a subject's own open cases."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from anju.core import clock
from anju.core.worklist import WorkItem
from anju.credit.tables import credit_objections, credit_repairs
from anju.security import Caller


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    out: list[WorkItem] = []
    if caller.can("credit.decide"):
        today = clock.today()
        for label, table, path in (
            ("待处理的信用异议", credit_objections, "/credit/objections"),
            ("待处理的信用修复申请", credit_repairs, "/credit/repairs"),
        ):
            t = table.c
            row = conn.execute(
                select(func.count(), func.count().filter(t.due_on < today))
                .select_from(table)
                .where(t.status == "submitted", *caller.scope.where(t.street_code))
            ).one()
            out.append(WorkItem(label, int(row[0]), path, int(row[1])))
    if caller.can("credit.own") and caller.account_id is not None:
        n = 0
        for table in (credit_objections, credit_repairs):
            n += int(
                conn.execute(
                    select(func.count())
                    .select_from(table)
                    .where(table.c.account_id == caller.account_id, table.c.status == "submitted")
                ).scalar_one()
            )
        out.append(WorkItem("我的信用异议、修复申请（处理中）", n, "/credit/me"))
    return out
