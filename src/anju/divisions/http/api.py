"""REST routes of the divisions context (thin: parse, call a service, shape)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from anju.divisions import services
from anju.divisions.http.deps import DivisionsRead
from anju.divisions.http.schemas import DivisionOut
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["divisions"], responses=ERRORS)


@router.get("/divisions", operation_id="list_divisions")
def list_divisions(
    uow: UowDep,
    _: DivisionsRead,
    paging: PagingDep,
    parent: Annotated[str | None, Query(max_length=12, description="上级区划代码（含功能区管理的街道）")] = None,
    level: Annotated[str | None, Query(pattern="^(city|district|zone|street|community)$")] = None,
) -> Page[DivisionOut]:
    with uow.read() as conn:
        if parent:
            services.get(conn, parent)
            page = services.children(conn, parent, level, offset=paging.offset, limit=paging.page_size)
            items, total = list(page.items), page.total
        else:
            every = services.by_level(conn, level or "district")
            total = len(every)
            items = every[paging.offset : paging.offset + paging.page_size]
        return Page(
            items=[DivisionOut(**i.__dict__) for i in items], total=total, page=paging.page, page_size=paging.page_size
        )


@router.get("/divisions/{code}", operation_id="get_division")
def get_division(uow: UowDep, _: DivisionsRead, code: str) -> DivisionOut:
    with uow.read() as conn:
        return DivisionOut(**services.get(conn, code).__dict__)


@router.get("/divisions/{code}/geometry", operation_id="get_division_geometry")
def get_division_geometry(uow: UowDep, _: DivisionsRead, code: str) -> dict[str, Any]:
    with uow.read() as conn:
        division = services.get(conn, code)
        geometry = services.geometry(conn, code)
        return {
            "type": "Feature",
            "properties": {
                "code": division.code,
                "name": division.name,
                "level": division.level,
                "geometry_source": division.geometry_source,
            },
            "geometry": json.loads(geometry) if geometry else None,
        }
