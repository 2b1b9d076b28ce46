"""Small builders for readable tests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from anju import divisions
from anju.core.scope import SYSTEM
from anju.registry import (
    NewBuilding,
    NewEstate,
    NewHome,
    Status,
    Structure,
    Use,
    create_building,
    create_estate,
    create_home,
)

TODAY = date(2026, 6, 30)


def a_street(conn: Connection) -> str:
    row = conn.execute(
        select(divisions.divisions_table.c.code).where(divisions.divisions_table.c.level == "street").order_by("code")
    ).first()
    assert row is not None
    return str(row[0])


def a_building(
    conn: Connection,
    *,
    floors: int = 6,
    units: int = 1,
    status: Status = Status.in_use,
    year: int = 2010,
    since: date = date(2010, 5, 1),
    building_no: str = "1",
) -> int:
    eid = create_estate(
        conn, NewEstate(name="测试花园", street_code=a_street(conn), road="测试路", door_no="8"), scope=SYSTEM
    )
    return create_building(
        conn,
        NewBuilding(
            estate_id=eid,
            building_no=building_no,
            use=Use.residential,
            structure=Structure.steel_concrete,
            floors_above=floors,
            units=units,
            year_built=year,
            status=status,
            valid_from=since,
        ),
        today=TODAY,
        scope=SYSTEM,
    )


def a_home(
    conn: Connection,
    building_id: int,
    *,
    floor: int = 5,
    room: str = "502",
    area: str = "89.50",
    since: date = date(2010, 5, 1),
    status: Status | None = None,
    now: datetime | None = None,
) -> int:
    return create_home(
        conn,
        NewHome(
            building_id=building_id,
            floor_no=floor,
            room_no=room,
            construction_area=Decimal(area),
            rooms=2,
            halls=1,
            valid_from=since,
            status=status,
        ),
        today=TODAY,
        now=now,
        scope=SYSTEM,
    )


def finished_job(client: Any, location: str, timeout: float = 60.0) -> dict[str, Any]:
    """Follow a page's answer ``/jobs/{id}`` (a background job) until the job ends; its JSON view.
    ``timeout`` guards against a hang (it is not a speed check)."""
    import time

    assert location.startswith("/jobs/"), location
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = client.get("/api/v1" + location).json()
        if not job["open"] or time.monotonic() > deadline:
            return job
        time.sleep(0.05)
