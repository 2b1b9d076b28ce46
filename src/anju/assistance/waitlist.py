"""The waiting list (轮候): approved applications of a home programme, by priority class, in the order
of submission, that are in no open draw and have not selected a home."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from anju.assistance import domain
from anju.assistance.catalogue import Editions, home_programme
from anju.assistance.tables import (
    allocations,
    application_steps,
    applications,
    draw_candidates,
    draws,
    programme_editions,
)
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope


class WaitingEntry(TypedDict):
    """An application on the waiting list."""

    id: int
    app_no: str
    programme_code: str
    priority_class: str | None
    household_size: int
    bedrooms_allowed: int | None
    district_code: str
    street_code: str
    submitted_at: datetime | None
    decided_at: datetime | None
    draw_no: str | None


def passed_since(app_col: Any, since: Any) -> Any:
    return (
        select(application_steps.c.id)
        .where(application_steps.c.application_id == app_col, application_steps.c.action == "pass")
        .where(application_steps.c.at >= since)
        .exists()
    )


def selected_in(draw_col: Any, app_col: Any) -> Any:
    return (
        select(allocations.c.id)
        .where(allocations.c.draw_id == draw_col, allocations.c.application_id == app_col)
        .exists()
    )


def in_open_draw(app_col: Any) -> Any:
    """The application is a candidate of a frozen draw, or of a drawn one in which it has neither
    selected nor passed its turn yet (it may not be frozen into a second draw meanwhile)."""
    awaiting = and_(
        draws.c.status == "drawn",
        ~selected_in(draws.c.id, draw_candidates.c.application_id),
        ~passed_since(draw_candidates.c.application_id, draws.c.drawn_at),
    )
    return exists(
        select(draw_candidates.c.draw_id)
        .join(draws, draws.c.id == draw_candidates.c.draw_id)
        .where(draw_candidates.c.application_id == app_col, or_(draws.c.status == "frozen", awaiting))
    )


def waiting_conds(programme_code: str, priority_class: str | None, scope: Scope) -> list[Any]:
    conds: list[Any] = [
        applications.c.programme_code == programme_code,
        applications.c.status == domain.AppStatus.approved.value,
    ]
    if priority_class:
        conds.append(applications.c.priority_class == priority_class)
    conds.append(
        ~select(allocations.c.id)
        .where(allocations.c.application_id == applications.c.id, allocations.c.active == 1)
        .exists()
    )
    conds.extend(scope.where(applications.c.street_code))
    return conds


def waiting_list(
    conn: Connection,
    programme_code: str,
    priority_class: str | None = None,
    *,
    scope: Scope,
    limit: int,
    offset: int,
) -> Page[WaitingEntry]:
    """Approved applications of a home programme not yet allocated, in the order of the waiting list
    (submission time, then application number), with the open draw each is in, if any."""
    home_programme(conn, programme_code)
    conds = waiting_conds(programme_code, priority_class, scope)
    page = fetch_page(
        conn,
        select(applications).where(*conds).order_by(applications.c.submitted_at, applications.c.app_no),
        limit=limit,
        offset=offset,
    )
    ids = [int(r.id) for r in page.items]
    in_draw: dict[int, str] = {}
    if ids:
        q = (
            select(draw_candidates.c.application_id, draws.c.draw_no)
            .join(draws, draws.c.id == draw_candidates.c.draw_id)
            .where(draw_candidates.c.application_id.in_(ids))
            .where(
                or_(
                    draws.c.status == "frozen",
                    and_(
                        draws.c.status == "drawn",
                        ~selected_in(draws.c.id, draw_candidates.c.application_id),
                        ~passed_since(draw_candidates.c.application_id, draws.c.drawn_at),
                    ),
                )
            )
        )
        in_draw = {int(x): str(n) for x, n in conn.execute(q)}
    eds = Editions(conn)
    return page.map(
        lambda r: {
            "id": int(r.id),
            "app_no": r.app_no,
            "programme_code": r.programme_code,
            "priority_class": r.priority_class,
            "household_size": r.household_size,
            "bedrooms_allowed": eds(r.edition_id).bedrooms_allowed(r.household_size),
            "district_code": r.district_code,
            "street_code": r.street_code,
            "submitted_at": r.submitted_at,
            "decided_at": r.decided_at,
            "draw_no": in_draw.get(int(r.id)),
        }
    )


class WaitingCount(TypedDict):
    """How many wait for a programme's priority class, and how many of them are in no open draw."""

    programme_code: str
    priority_class: str | None
    waiting: int
    undrawn: int


def waiting_summary(conn: Connection, *, scope: Scope) -> list[WaitingCount]:
    """Per home programme and priority class: how many wait, and how many are in no open draw."""
    home_codes = [
        str(r.code)
        for r in conn.execute(select(programme_editions.c.code, programme_editions.c.policy))
        if json.loads(r.policy).get("benefit", "home") == domain.Benefit.home
    ]
    if not home_codes:
        return []
    base = [
        applications.c.programme_code.in_(sorted(set(home_codes))),
        applications.c.status == domain.AppStatus.approved.value,
        *scope.where(applications.c.street_code),
    ]
    free = case((~in_open_draw(applications.c.id), 1), else_=0)
    rows = conn.execute(
        select(applications.c.programme_code, applications.c.priority_class, func.count(), func.sum(free))
        .where(*base)
        .group_by(applications.c.programme_code, applications.c.priority_class)
        .order_by(applications.c.programme_code, applications.c.priority_class)
    ).all()
    return [
        {"programme_code": p, "priority_class": c, "waiting": int(n), "undrawn": int(u or 0)} for p, c, n, u in rows
    ]
