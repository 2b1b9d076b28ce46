"""The one write rule for long jobs (imports, link jobs, batch re-checks).

A request's write is one transaction with its audit row inside (``audited``). A long job may need
several transactions (batches), but it follows the same rule: every transaction it opens goes through
the unit of work (on SQLite, the writers' queue), and the transaction that records the job — its job
row, its counts — is the one that writes its audit row. A crash anywhere leaves either the job's record
and its audit row, or neither.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from anju.core.db import UnitOfWork
from anju.security.audit import record
from anju.security.callers import Caller


@dataclass
class AuditedJob:
    """A long job of ``caller``'s: open its batches with :meth:`batch` and the transaction that records
    it with :meth:`final` (set ``entity_id``, ``outcome`` and ``detail`` before leaving it)."""

    uow: UnitOfWork
    caller: Caller
    action: str
    entity: str | None = None
    entity_id: object = None
    outcome: str = "ok"
    detail: dict[str, Any] | None = field(default=None)
    recorded: bool = False

    @contextmanager
    def batch(self) -> Iterator[Connection]:
        """One intermediate transaction of the job (no audit row: the job is not recorded yet)."""
        with self.uow.begin() as conn:
            yield conn

    @contextmanager
    def final(self) -> Iterator[Connection]:
        """The transaction that records the job; its audit row is written in it, just before commit.

        A job may open it again after a failed attempt rolled back (e.g. to record a rejected import);
        once one has committed, the job is recorded and cannot be recorded twice."""
        if self.recorded:
            raise RuntimeError(f"job {self.action} is already recorded")
        with self.uow.begin() as conn:
            yield conn
            record(
                conn,
                self.caller,
                self.action,
                entity=self.entity,
                entity_id=self.entity_id,
                outcome=self.outcome,
                detail=self.detail,
            )
        self.recorded = True


def audited_job(uow: UnitOfWork, caller: Caller, action: str, entity: str | None = None) -> AuditedJob:
    """The unit-of-work entry of a long job: see :class:`AuditedJob`."""
    return AuditedJob(uow, caller, action, entity)
