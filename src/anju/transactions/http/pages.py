"""Pages of new-home transactions.

* public, no sign-in (网上房地产): 在售项目 (``/transactions/projects``), a project with its permits and
  buildings (``/transactions/projects/{id}``), a building's sales table coloured by state with filed
  prices (``/transactions/buildings/{id}``) — no personal data on any of them;
* the bureau (``transactions.read``): presale permits and contracts (buyers masked), filtered and
  paginated, and the contracts' CSV export.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.security import Public, SecurityDep
from anju.transactions import domain, filings, queries
from anju.transactions.http.deps import TxRead
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
StatusQ = Annotated[Literal["", "draft", "signed", "filed", "cancelled"] | None, Query()]
TextQ = Annotated[str | None, Query(max_length=100)]


@router.get("/transactions/projects", response_class=HTMLResponse)
def projects_page(
    request: Request, uow: UowDep, caller: Public, paging: PagingDep, district: DistrictQ = None
) -> HTMLResponse:
    """Projects for sale with their presale permits (public)."""
    with uow.read() as conn:
        page = queries.public_projects(conn, district=district or None, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "transactions/projects.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        district=district or "",
        states=domain.SALE_STATES,
    )


@router.get("/transactions/projects/{project_id}", response_class=HTMLResponse)
def project_page(request: Request, uow: UowDep, caller: Public, project_id: Id) -> HTMLResponse:
    """A project for sale: its permits and the buildings with permitted homes (public)."""
    with uow.read() as conn:
        project, buildings = queries.public_project(conn, project_id)
    return render(request, "transactions/project.html", p=project, buildings=buildings, states=domain.SALE_STATES)


@router.get("/transactions/buildings/{building_id}", response_class=HTMLResponse)
def building_page(request: Request, uow: UowDep, caller: Public, building_id: Id) -> HTMLResponse:
    """A building's sales table coloured by 可售/已签约/已备案/不可售 with filed prices (public)."""
    with uow.read() as conn:
        table = queries.sales_table(conn, building_id)
    units = sorted({c["unit_no"] or "" for f in table["floors"] for c in f["cells"]})
    return render(request, "transactions/building.html", t=table, units=units, states=domain.SALE_STATES)


@router.get("/transactions/staff/permits", response_class=HTMLResponse)
def permits_page(
    request: Request,
    uow: UowDep,
    caller: TxRead,
    paging: PagingDep,
    district: DistrictQ = None,
    q: TextQ = None,
) -> HTMLResponse:
    """Presale permits in the caller's streets, filtered and paginated."""
    with uow.read() as conn:
        page = filings.list_permits(
            conn,
            scope=caller.scope,
            district=district or None,
            q=q or None,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return render(
        request,
        "transactions/staff_permits.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        district=district or "",
        q=q or "",
    )


@router.get("/transactions/staff/contracts", response_class=HTMLResponse)
def contracts_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxRead,
    paging: PagingDep,
    status: StatusQ = None,
    district: DistrictQ = None,
    q: Annotated[str | None, Query(max_length=30)] = None,
) -> HTMLResponse:
    """Purchase contracts in the caller's streets (buyers masked), filtered and paginated."""
    with uow.read() as conn:
        page = queries.list_contracts(
            conn,
            sec.keyring,
            scope=caller.scope,
            status=status or None,
            district=district or None,
            q=q or None,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return render(
        request,
        "transactions/staff_contracts.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        status=status or "",
        district=district or "",
        q=q or "",
        statuses=domain.CONTRACT_STATUS_LABELS,
    )


@router.get("/transactions/staff/contracts.csv")
def contracts_csv(
    uow: UowDep, sec: SecurityDep, caller: TxRead, status: StatusQ = None, district: DistrictQ = None
) -> Response:
    """The filtered contracts as CSV (buyers masked), written by the platform's one CSV writer."""
    with uow.read() as conn:
        body = queries.export_contracts(
            conn, sec.keyring, scope=caller.scope, status=status or None, district=district or None
        )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="sale-contracts.csv"'},
    )
