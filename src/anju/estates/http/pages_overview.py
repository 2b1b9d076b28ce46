"""The estate-management hub (物业管理, ``/property``, ``estates.read``): the caller's scope at a glance,
linking each part's pages."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from anju.estates.http.deps import EstatesRead
from anju.estates.overview import overview
from anju.web.deps import UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/property", response_class=HTMLResponse)
def overview_page(request: Request, uow: UowDep, caller: EstatesRead) -> HTMLResponse:
    with uow.read() as conn:
        o = overview(conn, caller.scope)
    return render(request, "estates/overview.html", o=o)
