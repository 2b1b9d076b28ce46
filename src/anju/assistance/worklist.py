"""What waits in housing assistance for the caller (the workbench, ``anju.core.worklist``): reviewers'
applications at their level (overdue ones urgent) and open objections; an applicant's returned
applications and unsubmitted drafts."""

from __future__ import annotations

from sqlalchemy import Connection, and_, func, select

from anju.assistance import domain
from anju.assistance.common import level_of
from anju.assistance.consent import OPEN
from anju.assistance.queries import AppFilter, list_applications
from anju.assistance.tables import application_members, applications, member_consents, objections
from anju.core.worklist import WorkItem
from anju.security import Caller, accounts


def _count(conn: Connection, caller: Caller, f: AppFilter) -> int:
    return list_applications(conn, f, scope=caller.scope, limit=1, offset=0).total


def items(conn: Connection, caller: Caller) -> list[WorkItem]:
    out: list[WorkItem] = []
    if caller.can("assistance.review"):
        level = level_of(caller)
        waiting = _count(conn, caller, AppFilter(status=domain.AppStatus.submitted, level=level))
        late = _count(conn, caller, AppFilter(status=domain.AppStatus.submitted, level=level, overdue=True))
        out.append(WorkItem("待我审核的保障申请", waiting, f"/assistance/review?level={level}", late))
        open_objections = conn.execute(
            select(func.count())
            .select_from(objections.join(applications, applications.c.id == objections.c.application_id))
            .where(objections.c.status == "open", *caller.scope.where(applications.c.street_code))
        ).scalar_one()
        out.append(WorkItem("待核查的公示异议", int(open_objections), "/assistance/review?status=notice"))
    if caller.can("assistance.apply"):
        returned = _count(conn, caller, AppFilter(status=domain.AppStatus.returned))
        drafts = _count(conn, caller, AppFilter(status=domain.AppStatus.draft))
        out.append(WorkItem("退回补正的申请", returned, "/assistance/me", returned))
        out.append(WorkItem("未提交的申请", drafts, "/assistance/me"))
        awaiting = _awaiting_my_consent(conn, caller)
        out.append(WorkItem("等我授权的家庭申请", awaiting, "/assistance/consents"))
    return out


def _awaiting_my_consent(conn: Connection, caller: Caller) -> int:
    """Open applications of someone else's household that name my verified identity, without my consent."""
    bidx = conn.execute(select(accounts.c.id_number_bidx).where(accounts.c.id == caller.account_id)).scalar()
    if not bidx:
        return 0
    consented = (
        select(member_consents.c.application_id)
        .where(
            member_consents.c.application_id == applications.c.id,
            member_consents.c.member_bidx == bidx,
            member_consents.c.withdrawn_at.is_(None),
        )
        .exists()
    )
    return int(
        conn.execute(
            select(func.count())
            .select_from(
                applications.join(
                    application_members,
                    and_(
                        application_members.c.application_id == applications.c.id,
                        application_members.c.id_bidx == bidx,
                    ),
                )
            )
            .where(
                applications.c.status.in_([s.value for s in OPEN]),
                applications.c.account_id.is_distinct_from(caller.account_id),
                ~consented,
            )
        ).scalar_one()
    )
