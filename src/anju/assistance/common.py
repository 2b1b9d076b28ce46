"""What the use cases of housing assistance share: the log's name, reviewer levels, the application
look-ups (own / in scope), steps of an application's history, and checked text fields."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection, select

from anju import ledger
from anju.assistance import domain
from anju.assistance.tables import application_members, application_steps, applications
from anju.core import clock
from anju.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from anju.core.scope import Scope
from anju.security import Caller, Role

_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


# ------------------------------------------------------- text fields, officers, steps of the allocation


def text_field(value: str | None, fld: str, max_len: int, *, required: bool = True, lines: bool = False) -> str | None:
    """A trimmed text field, or a ValidationError naming the field: length, no control characters."""
    v = (value or "").strip()
    if not v:
        if required:
            raise ValidationError.of(fld, "不能为空")
        return None
    if len(v) > max_len:
        raise ValidationError.of(fld, f"最长 {max_len} 个字符")
    for ch in v:
        if lines and ch in "\n\r\t":
            continue
        if unicodedata.category(ch) in _BAD_CATEGORIES:
            raise ValidationError.of(fld, f"含有不允许的字符 U+{ord(ch):04X}")
    return v


def require_officer(caller: Caller) -> None:
    """Draws, selection and decisions are made by district or city officers (or a system job)."""
    if caller.role in (Role.district_officer, Role.city_officer):
        return
    if caller.role is None and caller.account_id is None and caller.username.startswith("system:"):
        return
    raise Forbidden("只有区、市住房部门人员可以办理")


def level_of(caller: Caller) -> str:
    return ROLE_LEVEL.get(caller.role, "system") if caller.role else "system"


def midnight(day: date) -> datetime:
    """The start of a local calendar day, as an aware UTC timestamp."""
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def log_entry(entry_type: str, /, **fields: Any) -> bytes:
    return json.dumps({"type": entry_type, **fields}, ensure_ascii=False, sort_keys=True, default=str).encode()


def record_step(
    conn: Connection,
    app_id: int,
    caller: Caller,
    action: str,
    from_status: str | None,
    to_status: str,
    reason: str | None,
    ledger_index: int | None = None,
) -> None:
    conn.execute(
        application_steps.insert().values(
            application_id=app_id,
            at=clock.now(),
            actor=caller.username[:64],
            level=level_of(caller),
            action=action,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            ledger_index=ledger_index,
        )
    )


LOG = "assistance"

#: The review level each staff role acts at.
ROLE_LEVEL = {Role.street_clerk: "street", Role.district_officer: "district", Role.city_officer: "city"}


def own_application(conn: Connection, caller: Caller, app_id: int) -> Any:
    row = conn.execute(select(applications).where(applications.c.id == app_id)).first()
    if row is None or row.account_id is None or row.account_id != caller.account_id:
        raise NotFound(f"申请 {app_id} 不存在")
    return row


def scoped_application(conn: Connection, scope: Scope, app_id: int) -> Any:
    row = conn.execute(select(applications).where(applications.c.id == app_id)).first()
    if row is None:
        raise NotFound(f"申请 {app_id} 不存在")
    if scope.level == "own":
        if row.account_id != scope.account_id:
            raise NotFound(f"申请 {app_id} 不存在")
    else:
        scope.require(row.street_code, f"申请 {app_id} 不存在")
    return row


def member_conflict(conn: Connection, bidxs: Sequence[str], app_id: int) -> Conflict:
    rows = conn.execute(
        select(application_members.c.seq, application_members.c.id_bidx).where(
            application_members.c.application_id == app_id
        )
    ).all()
    clash = conn.execute(
        select(application_members.c.id_bidx).where(
            application_members.c.id_bidx.in_(list(bidxs)),
            application_members.c.pending == 1,
            application_members.c.application_id != app_id,
        )
    ).scalars()
    taken = set(clash)
    seqs = [r.seq for r in rows if r.id_bidx in taken] or [i for i, b in enumerate(bidxs) if b in taken]
    errs = [FieldError(f"members[{s}].id_number", "已是另一份在办申请的家庭成员") for s in seqs] or [
        FieldError("members", "有成员已在另一份在办申请中")
    ]
    return Conflict("家庭成员已在另一份在办申请中，同一人不能同时参加两份申请", errs)


# ---------------------------------------------------------------------------------- steps of the review


def decision_step(
    conn: Connection,
    app_id: int,
    caller: Caller,
    level: str,
    action: str,
    from_status: str | None,
    to_status: domain.AppStatus,
    reason: str | None,
    *,
    log: bool = False,
) -> None:
    at = clock.now()
    idx = None
    if log:
        entry = json.dumps(
            {
                "type": "assistance.decision",
                "application": app_id,
                "action": action,
                "level": level,
                "to": to_status.value,
                # officers by account name; an applicant or a member of the public not by name: the log
                # is permanent and public-facing, personal data stays out of it
                "actor": level if level in ("applicant", "public") else caller.username,
                "at": at.isoformat(),
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode()
        idx = ledger.append(conn, LOG, [entry])
    conn.execute(
        application_steps.insert().values(
            application_id=app_id,
            at=at,
            # an objector stays anonymous to the applicant (the audit log keeps who it was)
            actor="public" if level == "public" else caller.username[:64],
            level=level,
            action=action,
            from_status=from_status,
            to_status=to_status.value,
            reason=reason,
            ledger_index=idx,
        )
    )
