"""What the land, supply and rent-to-price pages and their REST mirrors read (market.read), scoped: the
latest finished run, the areas the caller may see, and each figure's rows. Routes stay thin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from anju import divisions
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.market import areas, rent_ratio, supply
from anju.market.runs import Run, latest_run


@dataclass(frozen=True, slots=True)
class Place:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class Places:
    """The city's districts (all: the land filters name them) and the areas the caller may see."""

    districts: list[Place]
    visible: list[Place]  # visible districts first, then the city
    names: dict[str, str]  # district and street names by code

    def district_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.districts)


def places(conn: Connection, scope: Scope, city_code: str, city_name: str = "全市") -> Places:
    """Every district with its streets (the land filters), and the areas the caller may see
    (:func:`anju.market.areas.listing`: districts, then the city, shown as ``city_name``)."""
    choices = divisions.choices(conn)
    ds = [Place(c["code"], c["name"]) for c in choices]
    seen = [
        Place(code, city_name if code == city_code else name) for code, name in areas.listing(conn, scope, city_code)
    ]
    names = {c["code"]: c["name"] for c in choices} | {s["code"]: s["name"] for c in choices for s in c["streets"]}
    names[city_code] = city_name
    return Places(ds, seen, names)


@dataclass(frozen=True, slots=True)
class SupplyView:
    run: Run | None
    area: str
    months: list[supply.SupplyMonth]
    overview: list[supply.SupplyMonth]  # the visible areas' last month


def supply_view(conn: Connection, scope: Scope, city_code: str, area: str | None, visible: list[str]) -> SupplyView:
    """One area's pipeline in the latest run (``area`` checked against the scope: outside it, 404) and
    the last month of every visible area."""
    chosen = area or city_code
    areas.require(scope, city_code, chosen)
    run = latest_run(conn)
    if run is None:
        return SupplyView(None, chosen, [], [])
    return SupplyView(
        run, chosen, supply.series(conn, run.id, chosen), supply.latest(conn, run.id, visible, run.last_month)
    )


@dataclass(frozen=True, slots=True)
class RatioView:
    run: Run | None
    page: Page[rent_ratio.StreetRatio]


def ratio_view(
    conn: Connection, scope: Scope, city_code: str, district: str | None, *, limit: int, offset: int
) -> RatioView:
    """The latest run's street ratios in scope (a district outside the scope: 404)."""
    if district:
        areas.require(scope, city_code, district)
    run = latest_run(conn)
    if run is None:
        return RatioView(None, Page([], 0))
    return RatioView(run, rent_ratio.list_ratios(conn, run.id, scope, district, limit=limit, offset=offset))


def ratio_rows(conn: Connection, scope: Scope, city_code: str, district: str | None) -> list[Any]:
    if district:
        areas.require(scope, city_code, district)
    run = latest_run(conn)
    return [] if run is None else list(rent_ratio.all_ratios(conn, run.id, scope, district))
