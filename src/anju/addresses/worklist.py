"""What waits in the address context for the caller (the workbench, ``anju.core.worklist``)."""

from __future__ import annotations

from sqlalchemy import Connection

from anju.addresses.review import QueueFilter, list_records
from anju.core.worklist import WorkItem
from anju.security import Caller


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    if not caller.can("address.review"):
        return []
    waiting = list_records(conn, QueueFilter(), scope=caller.scope, limit=1, offset=0).total
    return [WorkItem("待复核的地址匹配", waiting, "/addresses/review")]
