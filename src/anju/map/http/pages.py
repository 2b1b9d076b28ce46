"""The map page (一图): a MapLibre GL map over the platform's own vector tiles. Thin: where to start."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anju import divisions
from anju.core import clock
from anju.core.errors import NotFound
from anju.map import domain
from anju.map.http.deps import RegistryRead
from anju.web.deps import SettingsDep, UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, uow: UowDep, settings: SettingsDep, caller: RegistryRead) -> HTMLResponse:
    """Opens on the caller's own area: the city, their district, or their street."""
    code = caller.scope.code or settings.city_code
    with uow.read() as conn:
        try:
            division = divisions.get(conn, code)
        except NotFound:  # a division missing from the data: fall back to the city
            division = divisions.get(conn, settings.city_code)
    zoom = domain.ZOOM_BY_LEVEL.get(division.level, domain.DEFAULT_ZOOM)
    default_lon, default_lat = domain.DEFAULT_CENTRE
    center = (division.centroid_lon or default_lon, division.centroid_lat or default_lat)
    return render(request, "map.html", center=center, zoom=zoom, today=clock.today().isoformat())
