"""The JSON API of the city housing map (一图) under /api/v1: layers, street figures, summaries and
locate. Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from anju.map import domain, services
from anju.map.http import schemas
from anju.map.http.deps import RegistryRead
from anju.map.http.params import AsOf, as_of_or_today
from anju.map.layers import layers
from anju.web.deps import UowDep
from anju.web.schemas import ERRORS

router = APIRouter(tags=["map"], responses=ERRORS)


@router.get("/map/layers", operation_id="map_layers")
def map_layers(caller: RegistryRead) -> list[schemas.LayerOut]:
    return [schemas.LayerOut(**ly.describe(), tiles=f"/tiles/{ly.name}/{{z}}/{{x}}/{{y}}.pbf") for ly in layers()]


@router.get("/map/streets/figures", operation_id="map_street_figures")
def street_figures(
    uow: UowDep,
    caller: RegistryRead,
    figure: Annotated[domain.Figure, Query(description="homes | buildings | estates")] = "homes",
    as_of: AsOf = None,
) -> schemas.FiguresOut:
    with uow.read() as conn:
        return schemas.FiguresOut(
            **services.streets_figures(conn, figure, scope=caller.scope, as_of=as_of_or_today(as_of))
        )


@router.get("/map/summary/{code}", operation_id="map_summary")
def summary(
    uow: UowDep,
    caller: RegistryRead,
    code: Annotated[str, Path(pattern=r"^\d{6}(\d{3})?$", description="区或街道代码")],
    as_of: AsOf = None,
) -> schemas.SummaryOut:
    with uow.read() as conn:
        return schemas.SummaryOut(**services.summary(conn, code, scope=caller.scope, as_of=as_of_or_today(as_of)))


@router.get("/map/locate", operation_id="map_locate")
def locate(
    uow: UowDep,
    caller: RegistryRead,
    q: Annotated[str, Query(min_length=1, max_length=100, description="房屋代码或地址")],
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[schemas.LocateItem]:
    with uow.read() as conn:
        return [schemas.LocateItem(**i) for i in services.locate(conn, q, scope=caller.scope, limit=limit)]
