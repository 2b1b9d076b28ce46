"""Lift retrofits (既有住宅加装电梯, 一梯一策): the owners' agreement per floor of the building unit,
the figures (agreements signed, completions, lifts in service) and the list with each unit's share.

A lift project's lifecycle (``domain.LIFECYCLES["lift"]``) is reserve → agreed (the agreement signed:
the share of the unit's owners agreeing meets the rules' ``[lift] min_agreement``) → designed →
permitted → construction → accepted → in service (with its after-care, 维保, named).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import TypedDict

from sqlalchemy import Connection, case, delete, func, select, update

from anju import registry
from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.renewal import domain
from anju.renewal.lifecycle import lift_floor_rows, scoped_project
from anju.renewal.tables import renewal_lift_floors, renewal_projects
from anju.security import Caller

P = renewal_projects.c
SIGNED = ("agreed", "designed", "permitted", "construction", "accepted", "in_service")


def set_floors(
    conn: Connection, caller: Caller, project_id: int, floors: Sequence[domain.FloorAgreement]
) -> Fraction | None:
    """Replace the unit's owners' agreement per floor (before the agreement is signed). Returns the
    share agreeing."""
    p = scoped_project(conn, caller.scope, project_id, lock=True)
    if p.kind != "lift":
        raise ValidationError.of("kind", "只有加装电梯项目按楼层征询业主意见")
    if p.status != "reserve":
        raise ValidationError.of("floors", "加装协议已签订，楼层意见不能再修改")
    floors_above = conn.execute(
        select(registry.buildings.c.floors_above).where(registry.buildings.c.id == p.building_id)
    ).scalar_one()
    problems = domain.floor_problems(floors, floors_above)
    if problems:
        errors = [FieldError(f, r) for f, r in problems]
        raise ValidationError("楼层意见有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    conn.execute(delete(renewal_lift_floors).where(renewal_lift_floors.c.project_id == project_id))
    conn.execute(
        renewal_lift_floors.insert(),
        [
            {"project_id": project_id, "floor_no": f.floor_no, "owners": f.owners, "agreeing": f.agreeing}
            for f in floors
        ],
    )
    conn.execute(update(renewal_projects).where(P.id == project_id).values(updated_at=clock.now()))
    return domain.agreement_share(floors)


class LiftFigures(TypedDict):
    projects: int
    signed: int  # agreements signed (agreed or beyond)
    completed: int  # accepted or in service
    in_service: int


def lift_figures(conn: Connection, *, scope: Scope, district: str | None = None) -> LiftFigures:
    """The counts of lift retrofits in scope (one grouped query)."""
    q = select(
        func.count(),
        func.coalesce(func.sum(case((P.status.in_(SIGNED), 1), else_=0)), 0),
        func.coalesce(func.sum(case((P.status.in_(("accepted", "in_service")), 1), else_=0)), 0),
        func.coalesce(func.sum(case((P.status == "in_service", 1), else_=0)), 0),
    ).where(P.kind == "lift", *scope.where(P.street_code))
    if district:
        q = q.where(P.district_code == district)
    n, signed, done, serving = conn.execute(q).one()
    return {"projects": int(n), "signed": int(signed), "completed": int(done), "in_service": int(serving)}


class LiftRow(TypedDict):
    id: int
    project_no: str
    estate_name: str
    building_name: str
    unit_no: str | None
    street_code: str
    status: str
    status_label: str
    status_on: str
    owners: int
    agreeing: int
    share: str
    after_care: str | None


def list_lifts(conn: Connection, *, scope: Scope, status: str | None = None, limit: int, offset: int) -> Page[LiftRow]:
    """Lift retrofits in scope with each unit's agreement (floors summed in one query per page)."""
    if status and status not in domain.LIFECYCLES["lift"]:
        raise ValidationError.of("status", "未知的环节")
    es, bs = registry.estates, registry.buildings
    q = (
        select(
            P.id,
            P.project_no,
            es.c.name.label("estate_name"),
            bs.c.name.label("building_name"),
            P.unit_no,
            P.street_code,
            P.status,
            P.status_on,
            P.after_care,
        )
        .select_from(renewal_projects.join(es, es.c.id == P.estate_id).outerjoin(bs, bs.c.id == P.building_id))
        .where(P.kind == "lift", *scope.where(P.street_code))
        .order_by(P.id.desc())
    )
    if status:
        q = q.where(P.status == status)
    page = fetch_page(conn, q, limit=limit, offset=offset)
    floors = lift_floor_rows(conn, [int(r.id) for r in page.items])
    items: list[LiftRow] = []
    for r in page.items:
        fl = floors.get(int(r.id), [])
        items.append(
            {
                "id": int(r.id),
                "project_no": r.project_no,
                "estate_name": r.estate_name,
                "building_name": r.building_name or "",
                "unit_no": r.unit_no,
                "street_code": r.street_code,
                "status": r.status,
                "status_label": domain.STATUSES[r.status],
                "status_on": r.status_on.isoformat(),
                "owners": sum(f.owners for f in fl),
                "agreeing": sum(f.agreeing for f in fl),
                "share": domain.percent(domain.agreement_share(fl)),
                "after_care": r.after_care,
            }
        )
    return Page(items, page.total)
