"""The synthetic renewal projects: every project labelled synthetic and through the live checks (its
steps in lifecycle order, dates not decreasing, lifts' agreements meeting the rule before they are
signed), the district × year table filled from accepted projects, the lift figures, and the same
projects from the same seed on a second database."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from anju.core.db import make_engine
from anju.core.scope import Scope
from anju.renewal import domain, lifts, progress, rules
from anju.renewal.lifecycle import floors_of
from anju.renewal.tables import renewal_projects, renewal_steps
from anju.synth import generate_renewal
from tests.conftest import DbFactory

TODAY = date(2026, 6, 30)


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    p = renewal_projects.c
    with engine.connect() as c:
        return [
            tuple(r)
            for r in c.execute(select(p.project_no, p.kind, p.estate_id, p.status, p.area).order_by(p.project_no))
        ]


def test_synthetic_projects_follow_the_rules_and_the_seed(city_engine: Engine, db_factory: DbFactory) -> None:
    report = generate_renewal(city_engine, 3, scale=0.5, today=TODAY)
    made = report.made
    assert made["projects"] > 0 and made["lift"] > 0 and made["old_community"] > 0
    assert "老旧小区改造项目" in report.summary()
    elig = rules.load_eligibility(rules.DATA / "eligibility.toml")
    with city_engine.connect() as c:
        projects = list(c.execute(select(renewal_projects)))
        steps: dict[int, list[Any]] = {}
        for s in c.execute(select(renewal_steps).order_by(renewal_steps.c.id)):
            steps.setdefault(s.project_id, []).append(s)
        for p in projects:
            assert p.synthetic and p.eligibility_rule is not None
            order = [s.status for s in steps[p.id]]
            assert tuple(order) == domain.LIFECYCLES[p.kind][: len(order)] and order[-1] == p.status
            dates = [s.on for s in steps[p.id]]
            assert dates == sorted(dates) and dates[-1] <= TODAY
            if p.kind == "lift" and p.status != "reserve":
                share = domain.agreement_share(floors_of(c, p.id))
                assert share is not None and share >= elig.lift_min_agreement
            if p.kind in ("old_community", "shanty") and p.plan_year is not None:
                assert p.consent_on is not None
        figures = lifts.lift_figures(c, scope=Scope.whole_city())
        plan = rules.shipped_plan("320100")
        assert plan is not None
        table = progress.progress(c, plan, scope=Scope.whole_city())
    assert figures["projects"] == made["lift"] and figures["in_service"] == made["lifts_in_service"]
    accepted_old = sum(1 for p in projects if p.kind == "old_community" and p.status in domain.DONE and p.plan_year)
    assert sum(cell.done for cell in table.total.cells) == accepted_old
    # the same seed on another database: the same projects
    url = db_factory.fresh_url("city")
    other = make_engine(url)
    try:
        generate_renewal(other, 3, scale=0.5, today=TODAY)
        assert _rows(other) == _rows(city_engine)
    finally:
        other.dispose()
        db_factory.drop(url)
