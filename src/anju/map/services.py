"""The map's JSON answers: street figures for a choropleth, a division's summary, and locate."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, TypedDict

from sqlalchemy import Connection, func, select

from anju import divisions, registry
from anju.core.errors import NotFound, ValidationError
from anju.core.scope import OutOfScope, Scope
from anju.map.domain import GONE, Figure
from anju.map.layers import Figures, district_of, street_figures, streets_in_scope


class StreetFigure(TypedDict):
    code: str
    name: str
    value: int


class StreetFigures(TypedDict):
    figure: Figure
    items: list[StreetFigure]
    min: int
    max: int


class StatusCount(TypedDict):
    status: str
    homes: int


class Summary(TypedDict):
    code: str
    name: str
    level: str
    as_of: str  # ISO date
    estates: int
    buildings: int
    homes: int
    homes_by_status: list[StatusCount]


class Located(TypedDict):
    kind: Literal["building", "home"]
    id: int
    building_id: int
    house_code: str
    address: str
    lon: float | None
    lat: float | None


def streets_figures(conn: Connection, figure: Figure, *, scope: Scope, as_of: date) -> StreetFigures:
    """{items: [{code, name, value}], min, max} over the streets in the scope."""
    figures = street_figures(conn, as_of)
    items = [
        StreetFigure(code=s.code, name=s.name, value=getattr(figures.get(s.code, Figures()), figure))
        for s in streets_in_scope(conn, scope)
    ]
    values = [i["value"] for i in items]
    return StreetFigures(figure=figure, items=items, min=min(values, default=0), max=max(values, default=0))


def summary(conn: Connection, code: str, *, scope: Scope, as_of: date) -> Summary:
    """A district's (or zone's) or a street's figures within the scope, with homes by status."""
    try:
        division = divisions.get(conn, code)
    except NotFound:
        raise NotFound(f"code: 没有区划 {code}") from None
    if division.level == "street":
        scope.require(division.code, f"code: 没有区划 {code}")
        streets = [division.code]
    elif division.level in ("district", "zone"):
        streets = [s.code for s in streets_in_scope(conn, scope) if district_of(s) == division.code]
        if not streets:  # the district exists: outside the caller's scope (answered and audited as not found)
            raise OutOfScope(f"code: 没有区划 {code}")
    else:
        raise ValidationError.of("code", "只能是区或街道的代码")
    figures = street_figures(conn, as_of)
    total = Figures()
    for s in streets:
        f = figures.get(s, Figures())
        total.homes += f.homes
        total.buildings += f.buildings
        total.estates += f.estates
    if as_of >= _today():
        q = (
            select(registry.homes.c.status, func.count())
            .where(registry.homes.c.street_code.in_(streets))
            .group_by(registry.homes.c.status)
        )
    else:
        q = (
            select(registry.home_versions.c.status, func.count())
            .where(
                registry.home_versions.c.street_code.in_(streets),
                registry.as_of_condition(registry.home_versions, as_of, None),
            )
            .group_by(registry.home_versions.c.status)
        )
    by_status = {str(s): int(n) for s, n in conn.execute(q)}
    homes_by_status = [
        StatusCount(status=s.value, homes=by_status.get(s.value, 0)) for s in registry.Status if s.value not in GONE
    ] + [StatusCount(status=s, homes=by_status[s]) for s in GONE if s in by_status]
    return Summary(
        code=division.code,
        name=division.name,
        level=division.level,
        as_of=as_of.isoformat(),
        estates=total.estates,
        buildings=total.buildings,
        homes=total.homes,
        homes_by_status=homes_by_status,
    )


def _today() -> date:
    from anju.core import clock

    return clock.today()


def locate(conn: Connection, q: str, *, scope: Scope, limit: int = 10) -> list[Located]:
    """The register search, shaped for flying the map there: buildings and homes with coordinates."""
    found = registry.search(conn, q, scope=scope, limit=limit)
    ids = {int(b["id"]) for b in found["buildings"]} | {int(h["building_id"]) for h in found["homes"]}
    where: dict[int, Any] = {}
    if ids:
        rows = conn.execute(
            select(
                registry.buildings.c.id,
                registry.buildings.c.house_code,
                registry.buildings.c.address,
                registry.buildings.c.centroid_lon,
                registry.buildings.c.centroid_lat,
            ).where(registry.buildings.c.id.in_(ids))
        )
        where = {int(r.id): r for r in rows}
    out: list[Located] = []
    for bl in found["buildings"]:
        r = where.get(int(bl["id"]))
        out.append(
            Located(
                kind="building",
                id=int(bl["id"]),
                building_id=int(bl["id"]),
                house_code=bl["house_code"],
                address=bl["address"],
                lon=r.centroid_lon if r is not None else None,
                lat=r.centroid_lat if r is not None else None,
            )
        )
    for h in found["homes"]:
        r = where.get(int(h["building_id"]))
        out.append(
            Located(
                kind="home",
                id=int(h["id"]),
                building_id=int(h["building_id"]),
                house_code=h["house_code"],
                address=h["address"],
                lon=r.centroid_lon if r is not None else None,
                lat=r.centroid_lat if r is not None else None,
            )
        )
    return out[: limit * 2]
