"""Pages of the exchange open to everyone: the data catalogue (数据目录: the public part for everyone,
all of it for ``exchange.read``) and open data (开放数据) with its CSV and JSON downloads."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from anju.exchange import catalogue, open_data
from anju.exchange.domain import SENSITIVITIES
from anju.security import Public
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

DatasetId = Annotated[str, Path(max_length=80, pattern=r"^[a-z_]+\.[a-z0-9_]+$")]


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(
    request: Request,
    caller: Public,
    paging: PagingDep,
    q: Annotated[str, Query(max_length=100)] = "",
    sensitivity: Annotated[str, Query(max_length=4)] = "",
    context: Annotated[str, Query(max_length=20)] = "",
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> HTMLResponse:
    """The catalogue with search and filters; a caller sees what ``catalogue.visible`` allows."""
    seen = catalogue.visible(caller)
    found = catalogue.search(seen, q=q, sensitivity=sensitivity, context=context, open_only=open_only)
    items = found[paging.offset : paging.offset + paging.page_size]
    return render(
        request,
        "exchange/catalogue.html",
        items=items,
        total=len(found),
        pager=pager(len(found), paging.page, paging.page_size),
        q=q,
        sensitivity=sensitivity,
        context=context,
        open_only=open_only,
        sensitivities=SENSITIVITIES,
        contexts=sorted({d.context for d in seen}),
        context_labels=catalogue.CONTEXT_LABELS,
        full=catalogue.sees_all(caller),
    )


@router.get("/catalogue/{dataset_id}", response_class=HTMLResponse)
def dataset_page(request: Request, caller: Public, dataset_id: DatasetId) -> HTMLResponse:
    """One dataset's entry: description, owner, frequency, fields, who may see it, downloads."""
    d = catalogue.get(caller, dataset_id)
    return render(request, "exchange/dataset.html", d=d, full=catalogue.sees_all(caller))


@router.get("/open-data", response_class=HTMLResponse)
def open_data_page(request: Request, settings: SettingsDep, caller: Public) -> HTMLResponse:
    """The open datasets and their downloads."""
    return render(request, "exchange/open_data.html", items=open_data.open_datasets(), k=settings.exchange_open_data_k)


@router.get("/open-data/{dataset_id}.csv")
def open_data_csv(uow: UowDep, settings: SettingsDep, caller: Public, dataset_id: DatasetId) -> Response:
    with uow.read() as conn:
        t = open_data.table(conn, dataset_id, k=settings.exchange_open_data_k)
    return Response(
        open_data.to_csv(t),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{dataset_id}.csv"'},
    )


@router.get("/open-data/{dataset_id}.json")
def open_data_json(uow: UowDep, settings: SettingsDep, caller: Public, dataset_id: DatasetId) -> JSONResponse:
    with uow.read() as conn:
        t = open_data.table(conn, dataset_id, k=settings.exchange_open_data_k)
    return JSONResponse(open_data.to_json(t))
