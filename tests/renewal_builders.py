"""Builders of the renewal tests: estates and buildings of the tiny city chosen by year built and
floors, and projects entered through the service (the same checks as the pages)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from anju import registry
from anju.core import clock
from anju.core.settings import Settings
from anju.renewal import lifecycle, projects
from anju.security import Caller

SYSTEM = Caller.system("test")
START = clock.today() - timedelta(days=400)


def estate_built(engine: Engine, lo: int, hi: int, street: str | None = None, skip: int = 0) -> Any:
    """An estate built in [lo, hi] (optionally in a street)."""
    e = registry.estates.c
    q = select(registry.estates).where(e.year_built.between(lo, hi)).order_by(e.id)
    if street:
        q = q.where(e.street_code == street)
    with engine.connect() as c:
        rows = list(c.execute(q.limit(skip + 1)))
    assert len(rows) > skip, f"no estate built {lo}–{hi}"
    return rows[skip]


def lift_building(engine: Engine, min_floors: int = 4) -> Any:
    """A building of ≥ ``min_floors`` floors whose estate has a year built."""
    b = registry.buildings.c
    with engine.connect() as c:
        row = c.execute(
            select(registry.buildings)
            .where(b.floors_above >= min_floors, b.floors_above <= 12, b.units >= 1)
            .order_by(b.id)
            .limit(1)
        ).first()
    assert row is not None
    return row


def enter(engine: Engine, settings: Settings, estate_id: int, kind: str = "old_community", **kw: Any) -> int:
    cmd = projects.ProjectIn(
        kind=kw.pop("kind_", kind),
        name=kw.pop("name", "测试改造项目"),
        estate_id=estate_id,
        on=kw.pop("on", START),
        unit=kw.pop("unit", "某区住房保障和房产局"),
        area=kw.pop("area", Decimal("12345.67")),
        households=kw.pop("households", 300),
        **kw,
    )
    with engine.begin() as c:
        return projects.create_project(c, settings, SYSTEM, cmd)


def step(engine: Engine, settings: Settings, pid: int, status: str, on: date, **kw: Any) -> None:
    with engine.begin() as c:
        lifecycle.advance(c, settings, SYSTEM, pid, lifecycle.StepIn(status, on, kw.pop("unit", "区建设局"), **kw))


def to_accepted(engine: Engine, settings: Settings, pid: int, plan_year: int) -> None:
    """Consent, contents, funding and every step up to 竣工验收."""
    with engine.begin() as c:
        lifecycle.record_consent(c, SYSTEM, pid, lifecycle.ConsentIn(START, None, 300, 280))
        lifecycle.set_contents(c, settings, SYSTEM, pid, ["B01", "C01"])
        lifecycle.set_funding(c, SYSTEM, pid, {"central": 100_000_00, "city": 50_000_00})
    for i, s in enumerate(("planned", "designed", "tendered", "construction", "accepted")):
        step(
            engine,
            settings,
            pid,
            s,
            START + timedelta(days=10 * (i + 1)),
            plan_year=plan_year if s == "planned" else None,
        )
