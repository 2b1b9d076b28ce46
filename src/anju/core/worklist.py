"""What is waiting for a person, as each context counts it for the workbench (工作台).

A context declares a work-list provider in the one list (``anju.contexts``: ``Context.worklist``,
``"module:function"``); the provider answers, for the signed-in caller and within the caller's scope,
a few counted items with the page where they are handled. The workbench asks every provider; a
provider answers only what the caller's permissions let them act on, and nothing when there is none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection


@dataclass(frozen=True)
class WorkItem:
    """One kind of work waiting: ``count`` things at ``path``, of which ``urgent`` are overdue; or, with
    ``kind="figure"``, one of the caller's area's key figures (a count the workbench shows as a card)."""

    label: str
    count: int
    path: str
    urgent: int = 0
    kind: str = "task"  # task | figure


#: ``(connection, caller) -> items``; the caller is ``anju.security.Caller`` (core names no context).
Provider = Callable[[Connection, Any], list[WorkItem]]
