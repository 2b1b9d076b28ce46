"""Pages of new-home transactions.

* public, no sign-in (网上房地产): 在售项目 (``/transactions/projects``), a project with its permits and
  buildings (``/transactions/projects/{id}``), a building's sales table coloured by state with filed
  prices (``/transactions/buildings/{id}``) — no personal data on any of them;
* the bureau (``transactions.read``): presale permits and contracts (buyers masked), filtered and
  paginated, a contract's page with the cancellation form (``transactions.manage``), and the
  contracts' CSV export;
* the buyer (``transactions.buy``): their own contracts, the purchase-eligibility rules each was
  checked against, and the signature.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core.errors import AnjuError, FieldError
from anju.security import Caller, Public, SecurityDep, audited
from anju.transactions import cancellations, contracts, domain, figures, filings, queries, registrations
from anju.transactions.http.deps import TxBuy, TxManage, TxRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
StatusQ = Annotated[Literal["", "draft", "signed", "filed", "cancelled"] | None, Query()]
TextQ = Annotated[str | None, Query(max_length=100)]
DoneQ = Annotated[Literal["", "signed", "cancelled"], Query()]
DONE = {"signed": "已签署。双方签署后由开发企业办理备案。", "cancelled": "合同已撤销，房屋恢复可售。"}


@router.get("/transactions/projects", response_class=HTMLResponse)
def projects_page(
    request: Request, uow: UowDep, caller: Public, paging: PagingDep, district: DistrictQ = None
) -> HTMLResponse:
    """Projects for sale with their presale permits (public)."""
    with uow.read() as conn:
        districts = divisions.choices(conn)
        page = queries.public_projects(conn, district=district or None, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "transactions/projects.html",
        districts=districts,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        district=district or "",
        states=domain.SALE_STATES,
    )


@router.get("/transactions/figures", response_class=HTMLResponse)
def figures_page(request: Request, uow: UowDep, caller: Public) -> HTMLResponse:
    """New-home contracts filed by day (30 days) and by month (12 months), by district and use (public)."""
    with uow.read() as conn:
        f = figures.public_figures(conn)
    return render(request, "transactions/figures.html", f=f)


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
        districts = divisions.choices(conn)
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
        districts=districts,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        district=district or "",
        q=q or "",
    )


@router.get("/transactions/staff/registrations", response_class=HTMLResponse)
def registrations_page(
    request: Request,
    uow: UowDep,
    caller: TxRead,
    paging: PagingDep,
    show: Annotated[Literal["review", "all"], Query()] = "review",
) -> HTMLResponse:
    """Transfer registrations of homes sold under a presale permit in the caller's streets: linked to
    their filed contract, or reported for review (no filed contract, or another owner than the buyer)."""
    with uow.read() as conn:
        page = registrations.registration_links(
            conn, scope=caller.scope, unlinked_only=show == "review", limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "transactions/staff_registrations.html",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        show=show,
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
        districts = divisions.choices(conn)
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
        districts=districts,
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


# ---------------------------------------------------------------------------------------- the buyer


def _my_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    *,
    done: str = "",
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items = []
    if caller.account_id is not None:
        with uow.read() as conn:
            items = queries.my_contracts(conn, sec.keyring, caller.account_id)
    return render(
        request,
        "transactions/my_contracts.html",
        status_code=status_code,
        items=items,
        done=DONE.get(done, ""),
        message=message,
        errors=errors or [],
    )


@router.get("/transactions/me/contracts", response_class=HTMLResponse)
def my_contracts_page(request: Request, uow: UowDep, sec: SecurityDep, caller: TxBuy, done: DoneQ = "") -> HTMLResponse:
    """The buyer's own purchase contracts (unmasked: their own), with the signature for drafts."""
    return _my_page(request, uow, sec, caller, done=done)


@router.post("/transactions/me/contracts/{contract_id}/sign", response_class=HTMLResponse, response_model=None)
def sign_page(
    request: Request, uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxBuy, contract_id: Id
) -> Response:
    """The buyer signs; restrictions and the purchase-eligibility rules are checked (reasons shown)."""

    def write() -> None:
        with audited(uow, caller, "transactions.sign_contract", "sale_contract", contract_id) as conn:
            contracts.sign_as_buyer(conn, settings, caller, contract_id)

    def again(e: AnjuError) -> Response:
        return _my_page(request, uow, sec, caller, message=e.message, errors=e.errors, status_code=e.status_code)

    return form_action(write, done="/transactions/me/contracts?done=signed", again=again)


# ------------------------------------------------------------------------------- a contract, staff


def _staff_contract_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    contract_id: int,
    *,
    done: str = "",
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        c = queries.staff_contract(conn, sec.keyring, contract_id, scope=caller.scope)
    return render(
        request,
        "transactions/staff_contract.html",
        status_code=status_code,
        c=c,
        done=DONE.get(done, ""),
        message=message,
        errors=errors or [],
        can_cancel=caller.can("transactions.manage") and c["status"] in domain.HOLDING,
        cancel_reasons=[(k, cancellations.CANCEL_REASONS[k][0]) for k in cancellations.NEW_HOME_REASONS],
    )


@router.get("/transactions/staff/contracts/{contract_id}", response_class=HTMLResponse)
def staff_contract_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxRead, contract_id: Id, done: DoneQ = ""
) -> HTMLResponse:
    """A contract in the caller's streets (buyer masked); officers who may cancel see the form."""
    return _staff_contract_page(request, uow, sec, caller, contract_id, done=done)


@router.post("/transactions/staff/contracts/{contract_id}/cancel", response_class=HTMLResponse, response_model=None)
def cancel_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxManage,
    contract_id: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    reason_code: Annotated[str, Form(max_length=20)] = "other",
) -> Response:
    """撤销备案 with a reason; a refusal shows the contract again with the reason beside the field."""

    def write() -> None:
        with audited(uow, caller, "transactions.cancel_contract", "sale_contract", contract_id) as conn:
            contracts.cancel_contract(conn, sec.keyring, caller, contract_id, reason, reason_code)

    def again(e: AnjuError) -> Response:
        return _staff_contract_page(
            request, uow, sec, caller, contract_id, message=e.message, errors=e.errors, status_code=e.status_code
        )

    return form_action(write, done=f"/transactions/staff/contracts/{contract_id}?done=cancelled", again=again)
