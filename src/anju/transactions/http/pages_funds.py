"""Pages of presale fund supervision (预售资金监管) for the bureau's staff.

* ``transactions.read``: the project accounts (filtered by district, paginated, with the day's
  reconciliation) and an account's statement: deposited, released, the retained key amount, what is
  releasable at each milestone, the journals and the release requests;
* ``transactions.manage``: open a project's account, record a deposit against a filed contract,
  record a milestone, request a release, and approve (after a confirmation page; another officer than
  the requester) or reject a request.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.core.money import yuan_to_fen
from anju.security import Caller, audited, set_audit_target
from anju.transactions import domain, presale_funds
from anju.transactions.http.deps import TxManage, TxRead
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
OnQ = Annotated[date | None, Query()]
DoneQ = Annotated[Literal["", "opened", "deposit", "milestone", "requested", "approved", "rejected"], Query()]
DONE = {
    "opened": "监管账户已开立。",
    "deposit": "已入账。",
    "milestone": "工程节点已记录。",
    "requested": "拨付申请已提交，待另一名工作人员审批。",
    "approved": "已拨付，写入资金流水和可验证日志。",
    "rejected": "拨付申请已驳回。",
}
BASE = "/transactions/staff/funds"


def _day(text: str, fld: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError.of(fld, "日期应为 YYYY-MM-DD") from None


def _list(
    request: Request,
    uow: UowDep,
    caller: Caller,
    paging: PagingDep,
    district: str | None,
    *,
    values: dict[str, str] | None = None,
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        districts = divisions.choices(conn)
        page = presale_funds.list_accounts(
            conn, caller.scope, district=district or None, on=clock.today(), limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
    return render(
        request,
        "transactions/staff_funds.html",
        status_code=status_code,
        districts=districts,
        district=district or "",
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        can_manage=caller.can("transactions.manage"),
        values=values or {},
        message=message,
        errors=errors or [],
    )


@router.get(BASE, response_class=HTMLResponse)
def funds_page(
    request: Request, uow: UowDep, caller: TxRead, paging: PagingDep, district: DistrictQ = None
) -> HTMLResponse:
    """The projects' supervised accounts in scope, with balances and today's reconciliation."""
    return _list(request, uow, caller, paging, district)


@router.post(BASE, response_class=HTMLResponse, response_model=None)
def open_account_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    project_id: Annotated[str, Form(max_length=20)] = "",
    bank: Annotated[str, Form(max_length=60)] = "",
    account_no: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    values = {"project_id": project_id, "bank": bank, "account_no": account_no}

    def write() -> int:
        if not project_id.strip().isdigit():
            raise ValidationError.of("project_id", "请填写项目编号")
        with audited(uow, caller, "transactions.open_fund_account", "presale_fund_account") as conn:
            acct = presale_funds.open_account(conn, settings, caller, int(project_id), bank, account_no)
            set_audit_target(conn, acct)  # as the API does: the audit row names the account
            return acct

    def again(e: AnjuError) -> Response:
        return _list(request, uow, caller, paging, None, values=values, message=e.message, errors=e.errors,
                     status_code=e.status_code)  # fmt: skip

    return form_action(write, done=lambda acct: f"{BASE}/{acct}?done=opened", again=again)


def _account(
    request: Request,
    uow: UowDep,
    settings: Any,
    caller: Caller,
    paging: PagingDep,
    account_id: int,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    message: str | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        pos = presale_funds.position(conn, settings, caller.scope, account_id)
        journals = presale_funds.statement(conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset)
        releases = presale_funds.releases(conn, caller.scope, account_id, limit=50, offset=0)
        rec = presale_funds.reconciliation(conn, caller.scope, account_id, clock.today())
    return render(
        request,
        "transactions/staff_fund.html",
        status_code=status_code,
        p=pos,
        journals=journals.items,
        pager=pager(journals.total, paging.page, paging.page_size),
        releases=releases.items,
        rec=rec,
        deposit_kinds=domain.DEPOSIT_KINDS,
        can_manage=caller.can("transactions.manage"),
        done=DONE.get(done, ""),
        values=values or {},
        message=message,
        errors=errors or [],
    )


@router.get(BASE + "/reconciliation.csv")
def reconciliation_csv(uow: UowDep, caller: TxRead, district: DistrictQ = None, on: OnQ = None) -> Response:
    """The day's reconciliation of every account in scope (of a district) as CSV — the figures of the list
    page's 今日对账 column; ``on`` another day. Declared before ``/{account_id}``, which would take it."""
    day = on or clock.today()
    with uow.read() as conn:
        body = presale_funds.reconciliation_csv(conn, caller.scope, day, district=district or None)
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="presale-reconciliation-{day}.csv"'},
    )


@router.get(BASE + "/{account_id}", response_class=HTMLResponse)
def fund_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxRead,
    paging: PagingDep,
    account_id: Id,
    done: DoneQ = "",
) -> HTMLResponse:
    """An account's statement: balances, releasable per milestone, journals and release requests."""
    return _account(request, uow, settings, caller, paging, account_id, done=done)


def _again(request: Request, uow: UowDep, settings: Any, caller: Caller, paging: PagingDep, account_id: int,
           values: dict[str, str]) -> Any:  # fmt: skip
    def again(e: AnjuError) -> Response:
        return _account(request, uow, settings, caller, paging, account_id, values=values, message=e.message,
                        errors=e.errors, status_code=e.status_code)  # fmt: skip

    return again


@router.post(BASE + "/{account_id}/deposits", response_class=HTMLResponse, response_model=None)
def deposit_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    account_id: Id,
    contract_id: Annotated[str, Form(max_length=20)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    paid_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Record a buyer's down payment or loan against a filed contract of the project."""
    values = {"contract_id": contract_id, "kind": kind, "amount_yuan": amount_yuan, "reference": reference,
              "paid_on": paid_on}  # fmt: skip

    def write() -> None:
        if not contract_id.strip().isdigit():
            raise ValidationError.of("contract_id", "请填写合同编号")
        amount = yuan_to_fen(amount_yuan, "amount_yuan")
        day = _day(paid_on, "paid_on") if paid_on.strip() else None
        with audited(uow, caller, "transactions.record_deposit", "presale_fund_account", account_id) as conn:
            presale_funds.record_deposit(conn, caller, account_id, int(contract_id), kind, amount, reference, day)

    again = _again(request, uow, settings, caller, paging, account_id, values)
    return form_action(write, done=f"{BASE}/{account_id}?done=deposit", again=again)


@router.post(BASE + "/{account_id}/milestones", response_class=HTMLResponse, response_model=None)
def milestone_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    account_id: Id,
    milestone: Annotated[str, Form(max_length=24)] = "",
    reached_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    values = {"milestone": milestone, "reached_on": reached_on}

    def write() -> None:
        day = _day(reached_on, "reached_on")
        with audited(uow, caller, "transactions.record_milestone", "presale_fund_account", account_id) as conn:
            presale_funds.record_milestone(conn, settings, caller, account_id, milestone, day)

    again = _again(request, uow, settings, caller, paging, account_id, values)
    return form_action(write, done=f"{BASE}/{account_id}?done=milestone", again=again)


@router.post(BASE + "/{account_id}/releases", response_class=HTMLResponse, response_model=None)
def request_release_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    account_id: Id,
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Request a release; above the latest milestone's cap the page says which milestone, cap and amount."""
    values = {"release_yuan": amount_yuan}

    def write() -> None:
        amount = yuan_to_fen(amount_yuan, "amount_fen")
        with audited(uow, caller, "transactions.request_release", "presale_release") as conn:
            presale_funds.request_release(conn, settings, caller, account_id, amount)

    again = _again(request, uow, settings, caller, paging, account_id, values)
    return form_action(write, done=f"{BASE}/{account_id}?done=requested", again=again)


@router.get(BASE + "/{account_id}/releases/{release_id}/approve", response_class=HTMLResponse)
def approve_confirm_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: TxManage, account_id: Id, release_id: Id
) -> HTMLResponse:
    """The confirmation page of an approval: what will be paid to the developer, and why it is allowed."""
    with uow.read() as conn:
        pos = presale_funds.position(conn, settings, caller.scope, account_id, but=release_id)
        release = presale_funds.requested_release(conn, caller.scope, account_id, release_id)
    return render(request, "transactions/staff_fund_approve.html", p=pos, r=release)


@router.post(BASE + "/{account_id}/releases/{release_id}/approve", response_class=HTMLResponse, response_model=None)
def approve_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    account_id: Id,
    release_id: Id,
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    def write() -> None:
        if confirmed != "1":
            raise ValidationError.of("confirmed", "请在确认页确认拨付")
        with audited(uow, caller, "transactions.approve_release", "presale_release", release_id) as conn:
            presale_funds.approve_release(conn, settings, caller, account_id, release_id)

    again = _again(request, uow, settings, caller, paging, account_id, {})
    return form_action(write, done=f"{BASE}/{account_id}?done=approved", again=again)


@router.post(BASE + "/{account_id}/releases/{release_id}/reject", response_class=HTMLResponse, response_model=None)
def reject_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: TxManage,
    paging: PagingDep,
    account_id: Id,
    release_id: Id,
) -> Response:
    def write() -> None:
        with audited(uow, caller, "transactions.reject_release", "presale_release", release_id) as conn:
            presale_funds.reject_release(conn, caller, account_id, release_id)

    again = _again(request, uow, settings, caller, paging, account_id, {})
    return form_action(write, done=f"{BASE}/{account_id}?done=rejected", again=again)
