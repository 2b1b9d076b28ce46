"""Routes of the city housing map (一图): vector tiles and the page's JSON. Thin: parse, call, shape."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from anju.core import clock
from anju.map import schemas as s
from anju.map import services as svc
from anju.map.layers import layers
from anju.map.tiles import MEDIA_TYPE, TileCache, tile
from anju.web.deps import RegistryRead, UowDep
from anju.web.schemas import ERRORS

router = APIRouter(tags=["map"], responses=ERRORS)
api = APIRouter(tags=["map"], responses=ERRORS)

AsOf = Annotated[date | None, Query(description="登记簿截至日期（YYYY-MM-DD），默认今天")]
TILE_HEADERS = {"cache-control": "private, max-age=60"}


def _as_of(value: date | None) -> date:
    today = clock.today()
    return today if value is None or value > today else value


@router.get(
    "/tiles/{layer}/{z}/{x}/{y}.pbf",
    operation_id="map_tile",
    response_class=Response,
    responses={200: {"content": {MEDIA_TYPE: {}}, "description": "Mapbox Vector Tile；空瓦片为 200 且正文为空"}},
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
    cache: TileCache | None = getattr(request.app.state, "tile_cache", None)
    with uow.read() as conn:
        body = tile(conn, cache, layer, z, x, y, scope=caller.scope, as_of=_as_of(as_of))
    return Response(body, media_type=MEDIA_TYPE, headers=TILE_HEADERS)


@api.get("/map/layers", operation_id="map_layers")
def map_layers(caller: RegistryRead) -> list[s.LayerOut]:
    return [s.LayerOut(**ly.describe(), tiles=f"/tiles/{ly.name}/{{z}}/{{x}}/{{y}}.pbf") for ly in layers()]


@api.get("/map/streets/figures", operation_id="map_street_figures")
def street_figures(
    uow: UowDep,
    caller: RegistryRead,
    figure: Annotated[svc.Figure, Query(description="homes | buildings | estates")] = "homes",
    as_of: AsOf = None,
) -> s.FiguresOut:
    with uow.read() as conn:
        return s.FiguresOut(**svc.streets_figures(conn, figure, scope=caller.scope, as_of=_as_of(as_of)))


@api.get("/map/summary/{code}", operation_id="map_summary")
def summary(
    uow: UowDep,
    caller: RegistryRead,
    code: Annotated[str, Path(pattern=r"^\d{6}(\d{3})?$", description="区或街道代码")],
    as_of: AsOf = None,
) -> s.SummaryOut:
    with uow.read() as conn:
        return s.SummaryOut(**svc.summary(conn, code, scope=caller.scope, as_of=_as_of(as_of)))


@api.get("/map/locate", operation_id="map_locate")
def locate(
    uow: UowDep,
    caller: RegistryRead,
    q: Annotated[str, Query(min_length=1, max_length=100, description="房屋代码或地址")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[s.LocateItem]:
    with uow.read() as conn:
        return [s.LocateItem(**i) for i in svc.locate(conn, q, scope=caller.scope, limit=limit)]
