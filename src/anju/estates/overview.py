"""The estate-management overview (物业管理): what the caller's scope holds, part by part, in a few
grouped counts — the hub page links each part's own pages."""

from __future__ import annotations

from typing import TypedDict

from sqlalchemy import ColumnElement, Connection, Table, func, select

from anju.core import clock
from anju.core.scope import Scope
from anju.estates.services_coverage import street_coverage
from anju.estates.tables import (
    estates_committees,
    estates_complaints,
    estates_fund_homes,
    estates_projects,
    estates_spending,
    estates_votes,
)


class Overview(TypedDict):
    estates: int  # the register's residential estates in scope (the coverage rule's denominator)
    served: int  # of them, with an active property-service project (as on the coverage page)
    projects: int
    committees: int  # active owners' committees
    open_votes: int
    open_complaints: int
    fund_homes: int  # homes with an open maintenance-fund account
    pending_applications: int  # spending applications waiting for a decision


def overview(conn: Connection, scope: Scope) -> Overview:
    """Counts of each part in ``scope`` (one query per part, each grouped or counted in SQL)."""

    def count(t: Table, *conds: ColumnElement[bool]) -> int:
        q = select(func.count()).select_from(t).where(*scope.where(t.c.street_code), *conds)
        return int(conn.execute(q).scalar_one())

    p = estates_projects
    # the same rule as the coverage page (residential estates with standing homes), so the two agree
    streets = street_coverage(conn, scope)
    return {
        "estates": sum(s.coverage.estates for s in streets),
        "served": sum(s.coverage.served_estates for s in streets),
        "projects": count(p, p.c.status == "active"),
        "committees": count(estates_committees, estates_committees.c.status == "active"),
        "open_votes": count(estates_votes, estates_votes.c.status == "open", estates_votes.c.closes_at > clock.now()),
        "open_complaints": count(
            estates_complaints, estates_complaints.c.status.in_(("received", "company", "handling"))
        ),
        "fund_homes": count(estates_fund_homes, estates_fund_homes.c.status == "open"),
        "pending_applications": count(estates_spending, estates_spending.c.status == "submitted"),
    }
