"""The vector tile routes of the city housing map (一图): ``/tiles/{layer}/{z}/{x}/{y}.pbf``.

Mounted with the pages (outside ``/api/v1``) so MapLibre fetches them with the session cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from anju.map import tiles
from anju.map.http.deps import RegistryRead
from anju.map.http.params import AsOf, as_of_or_today
from anju.web.deps import UowDep
from anju.web.schemas import ERRORS

router = APIRouter(tags=["map"], responses=ERRORS)

TILE_HEADERS = {"cache-control": "private, max-age=60"}


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    operation_id="map_tile",
    response_class=Response,
    responses={200: {"content": {tiles.MEDIA_TYPE: {}}, "description": "Mapbox Vector Tile；空瓦片为 200 且正文为空"}},
)
def map_tile(
    request: Request,
    uow: UowDep,
    caller: RegistryRead,
    layer: Annotated[str, Path(max_length=40, description="图层名")],
    z: Annotated[int, Path(description="缩放级别 0–22")],
    x: Annotated[int, Path(description="列号")],
    y: Annotated[int, Path(description="行号")],
    as_of: AsOf = None,
) -> Response:
    cache: tiles.TileCache | None = getattr(request.app.state, "tile_cache", None)
    with uow.read() as conn:
        body = tiles.tile(conn, cache, layer, z, x, y, scope=caller.scope, as_of=as_of_or_today(as_of))
    return Response(body, media_type=tiles.MEDIA_TYPE, headers=TILE_HEADERS)
