"""The audit log: one row per write or refusal, written inside the write's transaction
(:func:`audited`), and the auditors' search and CSV export."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, TypeVar, cast

from sqlalchemy import Connection, Engine, select

from anju.core import clock, csvout
from anju.core.db import UnitOfWork, insert_row, unit_of_work
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.security.callers import Caller
from anju.security.tables import audit_log
from anju.security.vocabulary import action_label, entity_label

T = TypeVar("T")


_AUDIT = audit_log.insert()  # built once: every write of every route executes it


def record(
    conn: Connection,
    caller: Caller,
    action: str,
    *,
    entity: str | None = None,
    entity_id: object = None,
    outcome: str = "ok",
    reason: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit row (in the caller's transaction). ``detail`` must hold no personal values."""
    insert_row(
        conn,
        _AUDIT,
        {
            "at": clock.now(),
            "actor_id": caller.account_id,
            "actor": caller.username[:40],
            "role": caller.role.value if caller.role else None,
            "scope_code": caller.scope.code or None,
            "action": action,
            "entity": entity,
            "entity_id": None if entity_id is None else str(entity_id)[:40],
            "outcome": outcome,
            "reason": reason[:200] if reason else None,
            "ip": caller.ip,
            "request_id": caller.request_id,
            "detail": json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        },
    )


AUDIT_TARGET = "anju.audit.entity_id"


def set_audit_target(conn: Connection, entity_id: object) -> None:
    """Name the record a write created (its id is known only after the insert)."""
    conn.info[AUDIT_TARGET] = entity_id


AUDIT_DETAIL = "anju.audit.detail"


def set_audit_detail(conn: Connection, detail: dict[str, Any]) -> None:
    """Give the audit row of an ``audited`` write its detail (no personal values), known only inside."""
    conn.info[AUDIT_DETAIL] = detail


@contextmanager
def audited(
    uow: UnitOfWork, caller: Caller, action: str, entity: str | None = None, entity_id: object = None
) -> Iterator[Connection]:
    """One write transaction whose audit row is written inside it, just before commit.

    Route handlers open every write through this (tests/unit/test_architecture.py refuses ``uow.begin``
    in route modules), so no write can skip its audit row.
    """
    with uow.begin() as conn:
        conn.info.pop(AUDIT_TARGET, None)
        conn.info.pop(AUDIT_DETAIL, None)
        yield conn
        target = conn.info.pop(AUDIT_TARGET, entity_id)
        record(conn, caller, action, entity=entity, entity_id=target, detail=conn.info.pop(AUDIT_DETAIL, None))


def audited_command(engine: Engine, action: str, entity: str | None = None) -> AbstractContextManager[Connection]:
    """A command line's write: ``audited`` by the system caller ``cli``, through a unit of work over
    ``engine`` (on SQLite, the writers' queue)."""
    return audited(unit_of_work(engine), Caller.system("cli"), action, entity)


async def audited_grouped(
    uow: UnitOfWork,
    caller: Caller,
    action: str,
    entity: str | None,
    entity_id: object,
    work: Callable[[Connection], T],
    *,
    wrote: Callable[[T], bool] = lambda _r: True,
) -> T:
    """``audited`` for a busy write on an entity known beforehand (lease filing), committed together
    with other requests' writes (``UnitOfWork.grouped``): ``work`` and its audit row run in a shared
    transaction (or, without group commit, in one of their own), and the answer comes after the
    commit. A result ``wrote`` refuses (a replay answered from storage, which wrote nothing) gets no
    audit row. Every other write uses ``audited``."""

    def job(conn: Connection) -> T:
        result = work(conn)
        if wrote(result):
            record(conn, caller, action, entity=entity, entity_id=entity_id)
        return result

    return await uow.grouped(job)


def record_now(engine: Engine, caller: Caller, action: str, **kw: Any) -> None:
    """Record in a transaction of its own (refusals: the request itself writes nothing)."""
    with engine.begin() as conn:
        record(conn, caller, action, **kw)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # prefix, e.g. "registry." or "auth."
    entity: str | None = None
    entity_id: str | None = None
    outcome: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self, scope: Scope) -> list[Any]:
        """A district auditor sees the actions of callers scoped inside the district."""
        cond: list[Any] = []
        if not scope.unrestricted:
            inside = sorted((scope.streets or frozenset()) | {scope.code})
            cond.append(audit_log.c.scope_code.in_(inside))
        if self.actor:
            cond.append(audit_log.c.actor == self.actor)
        if self.action:
            cond.append(audit_log.c.action.startswith(self.action, autoescape=True))
        if self.entity:
            cond.append(audit_log.c.entity == self.entity)
        if self.entity_id:
            cond.append(audit_log.c.entity_id == self.entity_id)
        if self.outcome:
            cond.append(audit_log.c.outcome == self.outcome)
        if self.since:
            cond.append(audit_log.c.at >= self.since)
        if self.until:
            cond.append(audit_log.c.at < self.until)
        return cond


class AuditEntry(TypedDict):
    """One row of the audit log."""

    id: int
    at: datetime
    actor_id: int | None
    actor: str
    role: str | None
    scope_code: str | None
    action: str
    entity: str | None
    entity_id: str | None
    outcome: str
    reason: str | None
    ip: str | None
    request_id: str | None
    detail: str | None


def list_audit(conn: Connection, scope: Scope, f: AuditFilter, *, offset: int = 0, limit: int = 50) -> Page[AuditEntry]:
    """Audit rows, newest first."""
    stmt = select(audit_log).where(*f.conditions(scope)).order_by(audit_log.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=lambda r: cast(AuditEntry, dict(r._mapping)))


AUDIT_COLUMNS = (
    "id",
    "at",
    "actor",
    "role",
    "scope_code",
    "action",
    "entity",
    "entity_id",
    "outcome",
    "reason",
    "ip",
    "request_id",
    "detail",
)


def export_audit(engine: Engine, caller: Caller, f: AuditFilter) -> Iterator[bytes]:
    """An audit search as CSV chunks for a download; the export itself is recorded first."""
    record_now(engine, caller, "audit.export", detail={k: v for k, v in vars(f).items() if v is not None})
    return audit_csv(engine, caller.scope, f)


AUDIT_CSV_HEADERS = {"Content-Disposition": 'attachment; filename="audit.csv"'}


def audit_csv(engine: Engine, scope: Scope, f: AuditFilter, *, limit: int = 1_000_000) -> Iterator[bytes]:
    """The matching audit rows as CSV (UTF-8 with BOM for Excel), oldest first, streamed in chunks."""
    import io

    buf = io.StringIO()
    w = csvout.writer(buf)
    buf.write(csvout.BOM)
    w.writerow(
        [
            "编号",
            "时间（北京时间）",
            "操作人",
            "角色",
            "范围",
            "操作",
            "操作代码",
            "对象类型",
            "对象类型代码",
            "对象编号",
            "结果",
            "事由",
            "来源地址",
            "请求编号",
            "详情",
        ]
    )
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(audit_log.c[c] for c in AUDIT_COLUMNS))
            .where(*f.conditions(scope))
            .order_by(audit_log.c.id)
            .limit(limit)
            .execution_options(yield_per=2000)
        )
        for n, row in enumerate(rows, 1):
            values = list(row)
            values[1] = clock.to_local(values[1]).strftime("%Y-%m-%d %H:%M:%S")
            # the Chinese name of the action and of the object type first, each code beside it
            values[5:7] = [action_label(values[5]), values[5], entity_label(values[6]), values[6]]
            w.writerow(values)
            if n % 2000 == 0:
                yield buf.getvalue().encode("utf-8")
                buf.seek(0)
                buf.truncate()
    yield buf.getvalue().encode("utf-8")
