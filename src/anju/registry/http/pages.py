"""Server-rendered pages of the register (Jinja2 + HTMX). Thin: parse, call services, render."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, Forbidden
from anju.core.scope import Scope
from anju.registry import lists, lookups, reads, shapes
from anju.registry.http.deps import RegistryRead
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)


@router.get("/registry", response_class=HTMLResponse)
def index(request: Request, uow: UowDep, caller: RegistryRead) -> HTMLResponse:
    """The register's front page: the caller's area, its figures and its districts or streets."""
    with uow.read() as conn:
        districts = [
            division
            for division in divisions.by_level(conn, "district") + divisions.by_level(conn, "zone")
            if _visible(caller.scope, division)
        ]
        if caller.scope.level == "street":
            districts = [divisions.get(conn, caller.scope.code)]
        title = "全市" if caller.scope.unrestricted else divisions.get(conn, caller.scope.code).name
        stats = reads.stats(conn, scope=caller.scope)
        return render(request, "index.html", districts=districts, stats=stats, title=title, crumbs=[])


def _visible(scope: Scope, division: divisions.Division) -> bool:
    return scope.unrestricted or division.code == scope.code


@router.get("/divisions/{code}", response_class=HTMLResponse)
def division_page(request: Request, uow: UowDep, caller: RegistryRead, paging: PagingDep, code: str) -> HTMLResponse:
    with uow.read() as conn:
        division = divisions.get(conn, code)
        if not caller.scope.allows_division(code) and not (
            division.level == "community" and caller.scope.allows(division.parent_code)
        ):
            # Divisions are public knowledge: say it is outside the caller's area, not that it is missing.
            raise Forbidden(f"无权查看{division.name}：该区划不在您的管辖范围内")
        crumbs = divisions.ancestry(conn, code)
        if division.level in ("street", "community"):
            estates = lists.list_estates(
                conn,
                street_code=code if division.level == "street" else None,
                scope=caller.scope,
                offset=paging.offset,
                limit=paging.page_size,
            )
            return render(
                request,
                "street.html",
                division=division,
                crumbs=crumbs,
                estates=estates.items,
                pager=pager(estates.total, paging.page, paging.page_size),
            )
        streets = divisions.children(conn, code, "street").items
        streets = [s for s in streets if caller.scope.allows(s.code)]  # e.g. not the zone-managed ones
        return render(request, "district.html", division=division, crumbs=crumbs, streets=streets)


@router.get("/estates/{estate_id}", response_class=HTMLResponse)
def estate_page(request: Request, uow: UowDep, caller: RegistryRead, paging: PagingDep, estate_id: int) -> HTMLResponse:
    with uow.read() as conn:
        e = reads.get_estate(conn, estate_id, scope=caller.scope)
        blds = lists.list_buildings(
            conn, estate_id=estate_id, scope=caller.scope, offset=paging.offset, limit=paging.page_size
        )
        counts = reads.homes_in_building_count(conn, [b["id"] for b in blds.items])
        return render(
            request,
            "estate.html",
            estate=e,
            buildings=blds.items,
            counts=counts,
            crumbs=divisions.ancestry(conn, e["street_code"]),
            pager=pager(blds.total, paging.page, paging.page_size),
        )


def _grid(conn: Any, building_id: int, as_of: date, scope: Scope) -> dict[str, Any]:
    g = reads.building_as_of(conn, building_id, as_of, scope=scope)
    floors = []
    for floor_no, hs in groupby(g["homes"], key=lambda h: h["floor_no"]):
        floors.append((floor_no, sorted(hs, key=lambda h: (h["unit_no"] or "", h["room_no"]))))
    units = sorted({h["unit_no"] or "" for h in g["homes"]})
    legend: dict[str, int] = {}
    for h in g["homes"]:
        legend[h["status"]] = legend.get(h["status"], 0) + 1
    return {"grid": g, "floors": floors, "units": units, "legend": legend}


@router.get("/buildings/{building_id}", response_class=HTMLResponse)
def building_page(
    request: Request,
    uow: UowDep,
    caller: RegistryRead,
    building_id: int,
    as_of: Annotated[date | None, Query()] = None,
) -> HTMLResponse:
    with uow.read() as conn:
        b = reads.get_building(conn, building_id, scope=caller.scope)
        e = reads.get_estate(conn, b["estate_id"], scope=caller.scope)
        on = as_of or clock.today()
        ctx = _grid(conn, building_id, on, caller.scope)
        template = "_grid.html" if request.headers.get("hx-request") else "building.html"
        return render(
            request,
            template,
            building=b,
            estate=e,
            as_of=on,
            today=clock.today(),
            crumbs=divisions.ancestry(conn, b["street_code"]),
            **ctx,
        )


@router.get("/homes/{home_id}", response_class=HTMLResponse)
def home_page(request: Request, uow: UowDep, caller: RegistryRead, home_id: int) -> HTMLResponse:
    with uow.read() as conn:
        hist = reads.home_history(conn, home_id, scope=caller.scope)
        h = hist["home"]
        b = reads.get_building(conn, h["building_id"], scope=caller.scope)
        return render(
            request,
            "home.html",
            home=h,
            building=b,
            estate=reads.get_estate(conn, b["estate_id"], scope=caller.scope),
            hist=hist,
            rooms=reads.home_rooms(conn, home_id, scope=caller.scope),
            crumbs=divisions.ancestry(conn, h["street_code"]),
        )


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, uow: UowDep, caller: RegistryRead, paging: PagingDep, q: str = "") -> HTMLResponse:
    with uow.read() as conn:
        result: shapes.SearchResult | None = None
        error = None
        if q.strip():
            try:
                result = lookups.search(conn, q, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
            except AnjuError as e:
                error = e.message
        template = "_search_results.html" if request.headers.get("hx-request") else "search.html"
        bld_pager = pager(result["buildings_total"], paging.page, paging.page_size) if result else None
        return render(request, template, q=q, result=result, error=error, crumbs=[], pager=bld_pager)
