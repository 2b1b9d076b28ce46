"""The map layer 物业服务覆盖: residential estates coloured by whether a project served them on the map's
date, with the project's company and level; scoped; the tile cache key follows the projects."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from anju import registry
from anju.core import clock
from anju.core.scope import SYSTEM, Scope
from anju.estates import COVERAGE_LAYER
from anju.estates.tables import estates_companies, estates_projects


def test_estates_are_served_as_of_the_date_and_the_version_follows_the_projects(estates_engine: Engine) -> None:
    p, e = estates_projects.c, registry.estates.c
    with estates_engine.connect() as conn:
        row = conn.execute(
            select(p.id, p.estate_id, p.project_no, p.starts_on, p.street_code, e.centroid_lon, e.centroid_lat,
                   estates_companies.c.name.label("company"))
            .join(registry.estates, e.id == p.estate_id)
            .join(estates_companies, estates_companies.c.id == p.company_id)
            .where(p.status == "active", e.centroid_lon.is_not(None))
            .order_by(p.id)
            .limit(1)
        ).one()  # fmt: skip
        box = (row.centroid_lon - 0.001, row.centroid_lat - 0.001, row.centroid_lon + 0.001, row.centroid_lat + 0.001)

        def props(as_of: date, scope: Scope = SYSTEM) -> dict[str, Any] | None:
            found = [f[1] for f in COVERAGE_LAYER.features(conn, box, 15, scope, as_of) if f[1]["id"] == row.estate_id]
            return found[0] if found else None

        now = props(clock.today())
        assert now is not None and now["service"] == "served"
        assert now["project_no"] == row.project_no and now["company"] == row.company
        before = props(row.starts_on - timedelta(days=1))
        assert before is not None and before["service"] == "unserved" and before["chosen_by"] == "none"
        other_street = Scope.of_streets("street", "x", ["000000000"])
        assert props(clock.today(), other_street) is None
        v = COVERAGE_LAYER.version(conn)
    with estates_engine.begin() as conn:
        conn.execute(update(estates_projects).where(p.id == row.id).values(status="terminated", ended_on=clock.today()))
    with estates_engine.connect() as conn:
        today, yesterday = props(clock.today()), props(clock.today() - timedelta(days=1))
        assert today is not None and today["service"] == "unserved"  # ended today: not serving on the day
        assert yesterday is not None and yesterday["service"] == "served"
        assert COVERAGE_LAYER.version(conn) != v
