"""Home flags (查封, 危房, 权属争议 …): restrictions that bar renting a home, recorded by supervisors
(and courts) — the rental context's source in the registry's one restriction mechanism
(:func:`anju.registry.home_restrictions`, re-exported here for the rental modules that ask it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, or_, select

from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.registry import Restriction, home_restrictions, homes
from anju.rental import domain, entrustments, parties
from anju.rental.tables import (
    rental_home_flags,
)
from anju.security import Caller

CHUNK = 5000
__all__ = ["flag_source", "home_restrictions"]


_FLAGS = select(
    rental_home_flags.c.home_id, rental_home_flags.c.kind, rental_home_flags.c.source, rental_home_flags.c.reason
).where(
    rental_home_flags.c.home_id.in_(bindparam("ids", expanding=True)),
    rental_home_flags.c.since <= bindparam("on"),
    or_(rental_home_flags.c.until.is_(None), rental_home_flags.c.until > bindparam("on")),
    rental_home_flags.c.lifted_at.is_(None),
)


def flag_source(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[Restriction]]:
    """The rental context's own restriction source: flags recorded by supervisors (and courts)."""
    out: dict[int, list[Restriction]] = defaultdict(list)
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(_FLAGS, {"ids": ids[i : i + CHUNK], "on": on})
        for hid, kind, source, reason in rows:
            out[hid].append(Restriction(kind, source, reason))
    return out


# ------------------------------------------------------------------------------------------ home flags


@dataclass(frozen=True)
class FlagIn:
    house_code: str
    kind: str
    source: str
    reason: str
    since: date | None = None
    until: date | None = None


def record_flag(conn: Connection, caller: Caller, cmd: FlagIn) -> int:
    """Flag a home (查封, 危房 …): it bars listing verification and lease filing while in force."""
    home = entrustments.home_by_code(conn, cmd.house_code)
    caller.scope.require(home.street_code, "没有这个房屋代码")
    errors: list[FieldError] = []
    if cmd.kind not in domain.FLAG_KINDS:
        errors.append(FieldError("kind", f"应为 {'、'.join(domain.FLAG_KINDS)} 之一"))
    if cmd.source not in domain.FLAG_SOURCES:
        errors.append(FieldError("source", f"应为 {'、'.join(domain.FLAG_SOURCES)} 之一"))
    reason = parties.clean_text(cmd.reason, "reason", 200, errors)
    since = cmd.since or clock.today()
    if cmd.until is not None and cmd.until <= since:
        errors.append(FieldError("until", "应晚于开始日期"))
    if errors:
        raise ValidationError("限制信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    return int(
        conn.execute(
            rental_home_flags.insert()
            .values(
                home_id=home.id,
                street_code=home.street_code,
                kind=cmd.kind,
                source=cmd.source,
                reason=reason,
                since=since,
                until=cmd.until,
                lifted_at=None,
                recorded_by=caller.account_id,
                recorded_at=clock.now(),
            )
            .returning(rental_home_flags.c.id)
        ).scalar_one()
    )


def lift_flag(conn: Connection, caller: Caller, flag_id: int) -> None:
    row = conn.execute(select(rental_home_flags).where(rental_home_flags.c.id == flag_id)).first()
    if row is None:
        raise NotFound(f"房屋限制 {flag_id} 不存在")
    caller.scope.require(row.street_code, f"房屋限制 {flag_id} 不存在")
    if row.lifted_at is not None:
        raise Conflict("该限制已解除", [FieldError("status", "已解除")])
    conn.execute(rental_home_flags.update().where(rental_home_flags.c.id == flag_id).values(lifted_at=clock.now()))


class HomeFlag(TypedDict):
    """A restriction recorded on a home (seized, mortgaged, unsafe …) and whether it is in force today."""

    id: int
    home_id: int
    house_code: str
    street_code: str
    kind: str
    kind_label: str
    source: str
    source_label: str
    reason: str
    since: date
    until: date | None
    lifted_at: datetime | None
    in_force: bool
    recorded_at: datetime


def list_flags(
    conn: Connection, *, scope: Scope, house_code: str | None, active: bool | None, limit: int, offset: int
) -> Page[HomeFlag]:
    conds: list[Any] = list(scope.where(rental_home_flags.c.street_code))
    if house_code:
        conds.append(homes.c.house_code == house_code.strip().upper())
    today = clock.today()
    in_force = and_(
        rental_home_flags.c.lifted_at.is_(None),
        rental_home_flags.c.since <= today,
        or_(rental_home_flags.c.until.is_(None), rental_home_flags.c.until > today),
    )
    if active is True:
        conds.append(in_force)
    elif active is False:
        conds.append(~in_force)
    base = (
        select(rental_home_flags, homes.c.house_code)
        .join(homes, homes.c.id == rental_home_flags.c.home_id)
        .where(*conds)
    )
    page = fetch_page(conn, base.order_by(rental_home_flags.c.id.desc()), limit=limit, offset=offset)
    return page.map(lambda r: _flag_out(r, today))


def get_flag(conn: Connection, *, scope: Scope, flag_id: int) -> HomeFlag:
    """One flag of a home in the caller's scope (the lifting page shows what is lifted)."""
    r = conn.execute(
        select(rental_home_flags, homes.c.house_code)
        .join(homes, homes.c.id == rental_home_flags.c.home_id)
        .where(rental_home_flags.c.id == flag_id)
    ).first()
    if r is None:
        raise NotFound(f"房屋限制 {flag_id} 不存在")
    scope.require(r.street_code, f"房屋限制 {flag_id} 不存在")
    return _flag_out(r, clock.today())


def _flag_out(r: Any, today: date) -> HomeFlag:
    return {
        "id": int(r.id),
        "home_id": int(r.home_id),
        "house_code": r.house_code,
        "street_code": r.street_code,
        "kind": r.kind,
        "kind_label": domain.FLAG_KINDS.get(r.kind, r.kind),
        "source": r.source,
        "source_label": domain.FLAG_SOURCES.get(r.source, r.source),
        "reason": r.reason,
        "since": r.since,
        "until": r.until,
        "lifted_at": r.lifted_at,
        "in_force": r.lifted_at is None and r.since <= today and (r.until is None or r.until > today),
        "recorded_at": r.recorded_at,
    }
