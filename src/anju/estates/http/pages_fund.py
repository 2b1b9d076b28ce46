"""Pages of the maintenance fund (住宅专项维修资金): the fund by district, street or estate with the
interest runs (``estates.read``), the dues list with filters and export, the annual interest (a
background job whose page shows its progress) and the import upload (``estates.fund``); an owner's
"我的维修资金" with movements and statement downloads (``estates.own``).

Thin: parse, call the services in ``estates.fund_*``, render or redirect. Forms carry the session's
CSRF token.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse

from anju import divisions
from anju.core import clock, jobs
from anju.core.errors import AnjuError, ValidationError
from anju.core.money import yuan_to_fen
from anju.estates import fund_deposits, fund_import, fund_interest, fund_queries
from anju.estates.http import api_fund
from anju.estates.http.deps import EstatesFund, EstatesOwn, EstatesRead
from anju.security import Caller, SecurityDep, audited, set_audit_detail, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Level = Literal["district", "street", "estate"]


def _fund_page(
    request: Request, uow: UowDep, caller: Caller, paging: PagingDep, level: Level, status: int = 200, message: str = ""
) -> HTMLResponse:
    with uow.read() as conn:
        groups = fund_queries.by_level(conn, caller.scope, level, limit=paging.page_size, offset=paging.offset)
        runs = fund_queries.interest_runs(conn, caller.scope, limit=20, offset=0)
        districts = [d for d in divisions.choices(conn) if caller.scope.allows_division(d["code"])]
    return render(
        request,
        "estates/fund.html",
        status_code=status,
        groups=groups.items,
        level=level,
        levels=fund_queries.LEVELS,
        runs=runs.items,
        runs_total=runs.total,
        districts=districts,
        district_names={d["code"]: d["name"] for d in districts},
        message=message,
        pager=pager(groups.total, paging.page, paging.page_size),
    )


@router.get("/property/fund", response_class=HTMLResponse)
def fund_page(
    request: Request, uow: UowDep, caller: EstatesRead, paging: PagingDep, level: Level = "district"
) -> HTMLResponse:
    """The fund in the caller's scope by district, street or estate, and the latest interest runs."""
    return _fund_page(request, uow, caller, paging, level)


@router.get("/property/fund/dues", response_class=HTMLResponse)
def dues_page(
    request: Request,
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Annotated[str, Query(max_length=12)] = "",
    kind: Annotated[str, Query(max_length=12)] = "",
    street: Annotated[str, Query(max_length=12)] = "",
    due_from: date | None = None,
    due_to: date | None = None,
) -> HTMLResponse:
    """Dues (首次交存、续筹) filtered by status, kind, street and due date, newest first."""
    f = api_fund.due_filter(status, kind, street, due_from, due_to)
    with uow.read() as conn:
        p = fund_queries.dues(conn, caller.scope, f, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "estates/fund_dues.html",
        dues=p.items,
        f={"status": status, "kind": kind, "street": street, "due_from": due_from or "", "due_to": due_to or ""},
        statuses=fund_deposits.DUE_STATUSES,
        kinds=fund_deposits.DUE_KINDS,
        query=request.url.query,
        pager=pager(p.total, paging.page, paging.page_size),
    )


@router.get("/property/fund/dues.csv")
def dues_export(
    uow: UowDep,
    caller: EstatesRead,
    status: Annotated[str, Query(max_length=12)] = "",
    kind: Annotated[str, Query(max_length=12)] = "",
    street: Annotated[str, Query(max_length=12)] = "",
    due_from: date | None = None,
    due_to: date | None = None,
) -> StreamingResponse:
    return api_fund.dues_csv(uow, caller, api_fund.due_filter(status, kind, street, due_from, due_to))


def _due_page(
    request: Request, uow: UowDep, caller: Caller, due_id: int, *, error: AnjuError | None = None, status: int = 200
) -> HTMLResponse:
    with uow.read() as conn:
        due = fund_deposits.due_in_scope(conn, due_id, caller.scope)
    return render(
        request,
        "estates/fund_due.html",
        status_code=status,
        due=due,
        statuses=fund_deposits.DUE_STATUSES,
        kinds=fund_deposits.DUE_KINDS,
        today=clock.today(),
        error=error,
        form=form_values(error),
    )


def form_values(error: AnjuError | None) -> dict[str, str]:
    return {} if error is None else {e.field: e.reason for e in error.errors}


@router.get("/property/fund/dues/{due_id}", response_class=HTMLResponse)
def due_page(request: Request, uow: UowDep, caller: EstatesRead, due_id: Id) -> HTMLResponse:
    """One due; for the fund's clerks, the forms to record its payment or waive it."""
    return _due_page(request, uow, caller, due_id)


def _confirmed(confirm: str, what: str) -> None:
    if confirm != "yes":
        raise ValidationError.of("confirm", f"请勾选确认：{what}")


@router.post("/property/fund/dues/{due_id}/pay", response_class=HTMLResponse, response_model=None)
def due_pay(
    request: Request,
    uow: UowDep,
    caller: EstatesFund,
    due_id: Id,
    paid_on: Annotated[str, Form(max_length=10)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Record that the bank received the due (one journal; the home's 分户账 opened when needed)."""

    def write() -> None:
        _confirmed(confirm, "已核对银行到账，登记后记入分户账且不能撤销")
        try:
            on = date.fromisoformat(paid_on)
        except ValueError:
            raise ValidationError.of("paid_on", "应为日期（YYYY-MM-DD）") from None
        if on > clock.today():
            raise ValidationError.of("paid_on", "到账日期不能晚于今天")
        with audited(uow, caller, "estates.fund_pay", "estates_fund_due", due_id) as conn:
            fund_deposits.due_in_scope(conn, due_id, caller.scope)
            fund_deposits.pay_dues(conn, [due_id], paid_on=on, actor_account_id=caller.account_id)

    return form_action(
        write,
        done=f"/property/fund/dues/{due_id}?done=paid",
        again=lambda e: _due_page(request, uow, caller, due_id, error=e, status=e.status_code),
    )


@router.post("/property/fund/dues/{due_id}/waive", response_class=HTMLResponse, response_model=None)
def due_waive(
    request: Request,
    uow: UowDep,
    caller: EstatesFund,
    due_id: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Waive an outstanding due, with the reason."""

    def write() -> None:
        _confirmed(confirm, "免缴后该应缴记录不再催缴")
        with audited(uow, caller, "estates.fund_waive", "estates_fund_due", due_id) as conn:
            fund_deposits.waive_due(conn, due_id, reason=reason, scope=caller.scope)
            set_audit_detail(conn, {"reason": " ".join(reason.split())})

    return form_action(
        write,
        done=f"/property/fund/dues/{due_id}?done=waived",
        again=lambda e: _due_page(request, uow, caller, due_id, error=e, status=e.status_code),
    )


def _refund_page(
    request: Request, *, error: AnjuError | None = None, result: dict[str, object] | None = None, home: str = ""
) -> HTMLResponse:
    return render(
        request,
        "estates/fund_refund.html",
        status_code=error.status_code if error else 200,
        error=error,
        form=form_values(error),
        result=result,
        home=home,
    )


@router.get("/property/fund/refund", response_class=HTMLResponse)
def refund_page(request: Request, caller: EstatesFund) -> HTMLResponse:
    """The form to close a demolished home's 分户账 and refund its balance."""
    return _refund_page(request)


@router.post("/property/fund/refund", response_class=HTMLResponse)
def refund_form(
    request: Request,
    uow: UowDep,
    caller: EstatesFund,
    home: Annotated[str, Form(max_length=40)] = "",
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> HTMLResponse:
    """房屋灭失退还: the home by its house code or register number; refused while a spending share is unpaid."""
    key = home.strip()
    try:
        _confirmed(confirm, "房屋已灭失，销户退还后分户账不能恢复")
        if not key:
            raise ValidationError.of("home", "请填写房屋代码或房屋编号")
        with audited(uow, caller, "estates.fund_refund", "estates_fund_home") as conn:
            found = fund_import.find_homes(conn, [key]).get(key)
            if found is None:
                raise ValidationError.of("home", "楼盘表中没有该房屋")
            set_audit_target(conn, found)
            r = fund_deposits.refund(conn, found, on=clock.today(), actor_account_id=caller.account_id,
                                     scope=caller.scope)  # fmt: skip
    except AnjuError as e:
        return _refund_page(request, error=e, home=key)
    return _refund_page(request, result=dict(r), home=key)


@router.post("/property/fund/interest", response_class=HTMLResponse, response_model=None)
def interest_start(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesFund,
    paging: PagingDep,
    district_code: Annotated[str, Form(max_length=12)] = "",
    year: Annotated[str, Form(max_length=4)] = "",
    total_yuan: Annotated[str, Form(max_length=20)] = "",
) -> HTMLResponse | RedirectResponse:
    """Start the annual interest as a background job (its page shows the progress); bad input shows
    the page again with the reason (no job, nothing written)."""
    try:
        if not year.isdigit():
            raise ValidationError.of("year", "应为四位年份")
        total = yuan_to_fen(total_yuan, "total_yuan")
        if total <= 0:
            raise ValidationError.of("total_yuan", "利息金额应大于 0")
        if not district_code:
            raise ValidationError.of("district_code", "请选择区")
    except ValidationError as e:
        return _fund_page(request, uow, caller, paging, "district", 422, e.message)
    y = int(year)

    def work(progress: jobs.Progress) -> jobs.Done:
        with audited(uow, caller, "estates.fund_interest", "estates_interest_run") as conn:
            r = fund_interest.run_interest(
                conn, district_code=district_code, year=y, total_fen=total, actor_account_id=caller.account_id,
                progress=progress,
            )  # fmt: skip
            set_audit_target(conn, r["id"])
        return jobs.Done("/property/fund", f"{y} 年度计息完成：{r['homes']} 户，{r['journals']} 张分配凭证")

    job = jobs.start(
        uow, settings.data_dir, kind="estates.fund_interest", title=f"维修资金 {y} 年度计息（{district_code}）",
        owner=caller.account_id, work=work,
    )  # fmt: skip
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.post("/property/fund/import", response_class=HTMLResponse)
def import_upload(
    request: Request,
    uow: UowDep,
    caller: EstatesFund,
    paging: PagingDep,
    file: Annotated[UploadFile, File()],
    batch: Annotated[str, Form(max_length=24)] = "",
) -> HTMLResponse:
    """Import existing homes' 分户账 from a CSV: all or nothing; the errors name row and field."""
    data = file.file.read(api_fund.MAX_IMPORT_BYTES + 1)
    try:
        with audited(uow, caller, "estates.fund_import", "estates_fund_import", batch) as conn:
            r = fund_import.import_homes(conn, data, batch=batch, actor_account_id=caller.account_id)
            set_audit_detail(conn, {"homes": r["homes"], "journals": r["journals"]})
    except AnjuError as e:
        return render(request, "estates/fund_import.html", status_code=422, result=None, error=e)
    return render(request, "estates/fund_import.html", result=r, error=None)


# ------------------------------------------------------------------------------------------- owners


@router.get("/property/my-fund", response_class=HTMLResponse)
def my_fund(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: EstatesOwn,
    paging: PagingDep,
    home: Annotated[int, Query(ge=0, le=2**62)] = 0,
) -> HTMLResponse:
    """我的维修资金: one's homes with balances; the chosen one's movements (paginated) and downloads.
    An account without a verified identity sees what to do instead."""
    with uow.read() as conn:
        try:
            homes = fund_queries.my_homes(conn, sec.keyring, caller)
        except ValidationError as e:
            return render(request, "estates/my_fund.html", refused=e.errors[0].reason, homes=[], chosen=None)
        chosen = next((h for h in homes if h["home_id"] == home), homes[0] if homes else None)
        moves = None
        transfers: list[fund_queries.Transfer] = []
        if chosen:
            moves = fund_queries.movements(
                conn, sec.keyring, caller, chosen["home_id"], limit=paging.page_size, offset=paging.offset
            )
            transfers = fund_queries.transfers(conn, chosen["home_id"])
    return render(
        request,
        "estates/my_fund.html",
        refused=None,
        homes=homes,
        chosen=chosen,
        moves=moves.items if moves else [],
        transfers=transfers,
        pager=pager(moves.total if moves else 0, paging.page, paging.page_size),
    )


@router.get("/property/my-fund/{home_id}/statement.{fmt}")
def my_statement(
    uow: UowDep, sec: SecurityDep, caller: EstatesOwn, home_id: Id, fmt: Literal["json", "csv"]
) -> Response:
    return api_fund.statement_response(uow, sec, caller, home_id, fmt)
