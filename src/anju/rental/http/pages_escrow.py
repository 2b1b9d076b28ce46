"""Pages of rent escrow (租金监管): the enterprise's supervised accounts, and for supervisors the
accounts in scope with the day's reconciliation (imbalances first), one account's detail with its
reconciliation, journals and bank lines, the bank statement upload and penalties (confirmed first).
The tenant's statement is part of the lease page (:mod:`anju.rental.http.pages_leases`).

Thin: parse the form, call :mod:`anju.rental.escrow`, render or redirect (303).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from anju import divisions
from anju.core import clock
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.rental import domain, escrow, escrow_reconciliation, escrow_statements
from anju.rental.http.deps import RentalHandle, RentalParty, RentalRead, RentalSupervise
from anju.rental.http.form_fields import yuan_field
from anju.security import Caller, SecurityDep, audited
from anju.web.deps import Paging, PagingDep, UowDep
from anju.web.forms import split_errors
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
OnQ = Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$", description="对账日期")]
LINES_PAGE_SIZE = 20
PENALTY_FIELDS = ("amount_yuan", "reason", "reference")
DONE = {"imported": "银行流水已导入。", "penalty": "罚没已登记，从应付企业款中暂扣。"}


def _day(on: str) -> date:
    if not on:
        return clock.today()
    try:
        return date.fromisoformat(on)
    except ValueError:
        raise ValidationError.of("on", "日期应为 YYYY-MM-DD") from None


def _ctx() -> dict[str, Any]:
    return {"journal_labels": domain.JOURNAL_KINDS, "ledger_labels": domain.LEDGER_KINDS}


# ---------------------------------------------------------------------------------------- the enterprise


@router.get("/rental/me/escrow", response_class=HTMLResponse)
def my_escrow(
    request: Request,
    uow: UowDep,
    caller: RentalParty,
    paging: PagingDep,
    account: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> HTMLResponse:
    """The supervised accounts of the caller's own enterprise with their balances, and the journals of
    one of them (the first unless ``account`` is given)."""
    with uow.read() as conn:
        accounts = escrow_statements.my_accounts(conn, caller)
        chosen = account if account is not None else (accounts[0]["id"] if accounts else None)
        total = 0
        journals: Sequence[escrow_statements.JournalRow] = []
        if chosen is not None:
            page = escrow_statements.my_account_statement(
                conn, caller, chosen, limit=paging.page_size, offset=paging.offset
            )
            total, journals = page.total, page.items
    return render(
        request,
        "rental/escrow_mine.html",
        accounts=accounts,
        chosen=chosen,
        journals=journals,
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


# ---------------------------------------------------------------------------------------- supervisors


@router.get("/rental/escrow", response_class=HTMLResponse)
def accounts(request: Request, uow: UowDep, caller: RentalRead, paging: PagingDep, on: OnQ = "") -> HTMLResponse:
    """The supervised accounts in the caller's scope with the day's reconciliation, imbalances first."""
    day = _day(on)
    with uow.read() as conn:
        page = escrow_reconciliation.list_accounts(
            conn, caller.scope, day, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
        names = divisions.names(conn, {i["street_code"] for i in items} | {i["district_code"] for i in items})
    return render(
        request,
        "rental/escrow_accounts.html",
        items=items,
        total=total,
        on=day,
        names=names,
        imbalanced=sum(1 for i in items if not i["balanced"]),
        pager=pager(total, paging.page, paging.page_size),
        **_ctx(),
    )


def _account_page(
    request: Request,
    uow: UowDep,
    caller: Caller,
    account_id: int,
    day: date,
    paging: Paging,
    lines_page: int = 1,
    *,
    done: str = "",
    counts: tuple[int, int] | None = None,
    bank_errors: list[FieldError] | None = None,
    bank_message: str | None = None,
    penalty: dict[str, str] | None = None,
    penalty_errors: list[FieldError] | None = None,
    penalty_message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        acct = escrow_reconciliation.get_account(conn, caller.scope, account_id)
        rec = escrow_reconciliation.reconciliation(conn, caller.scope, account_id, day)
        page = escrow_statements.account_statement(
            conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset
        )
        total, journals = page.total, page.items
        bank = escrow_reconciliation.bank_lines(
            conn, caller.scope, account_id, limit=LINES_PAGE_SIZE, offset=(lines_page - 1) * LINES_PAGE_SIZE
        )
        lines_total, lines = bank.total, bank.items
        names = divisions.names(conn, {acct["street_code"], acct["district_code"]})
    p_errs, p_rest = split_errors(penalty_errors or [], PENALTY_FIELDS, {"amount_fen": "amount_yuan"})
    return render(
        request,
        "rental/escrow_account.html",
        status_code=status_code,
        acct=acct,
        rec=rec,
        on=day,
        names=names,
        journals=journals,
        pager=pager(total, paging.page, paging.page_size),
        lines=lines,
        lines_pager=pager(lines_total, lines_page, LINES_PAGE_SIZE),
        done=DONE.get(done),
        counts=counts,
        bank_errors=bank_errors or [],
        bank_message=bank_message,
        penalty=penalty or {},
        penalty_errs=p_errs,
        penalty_errors=p_rest,
        penalty_message=penalty_message,
        **_ctx(),
    )


@router.get("/rental/escrow/{account_id}", response_class=HTMLResponse)
def account(
    request: Request,
    uow: UowDep,
    caller: RentalRead,
    paging: PagingDep,
    account_id: Id,
    on: OnQ = "",
    lines_page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    done: Annotated[str, Query(max_length=24)] = "",
    imported: Annotated[int | None, Query(ge=0, le=10**6)] = None,
    skipped: Annotated[int | None, Query(ge=0, le=10**6)] = None,
) -> HTMLResponse:
    """One account: balances, the day's reconciliation with its differences, journals, bank lines."""
    counts = (imported, skipped) if imported is not None and skipped is not None else None
    return _account_page(request, uow, caller, account_id, _day(on), paging, lines_page, done=done, counts=counts)


def _import(uow: UowDep, caller: Caller, account_id: int, text: str) -> escrow_reconciliation.BankImport:
    with audited(uow, caller, "rental.escrow.bank_lines", "escrow_account", account_id) as conn:
        return escrow_reconciliation.import_bank_lines(conn, caller, account_id, text)


@router.post("/rental/escrow/{account_id}/bank-lines", response_class=HTMLResponse)
async def import_bank_lines(
    request: Request, uow: UowDep, caller: RentalHandle, paging: PagingDep, account_id: Id
) -> Any:
    """The bank's statement, uploaded as a CSV file or pasted (``date,amount_fen,direction,reference``):
    all lines or none; a line already imported is skipped."""
    form = await request.form()
    on = form.get("on")
    upload, pasted = form.get("file"), form.get("csv")
    text = pasted if isinstance(pasted, str) else ""
    day = _day(on if isinstance(on, str) else "")  # the form's own hidden field: a bad one is a plain 422
    try:
        if isinstance(upload, UploadFile) and upload.filename:
            try:
                text = (await upload.read()).decode("utf-8-sig")
            except UnicodeDecodeError:
                raise ValidationError.of("file", "文件应为 UTF-8 编码的 CSV") from None
        if not text.strip():
            raise ValidationError.of("file", "请选择银行流水文件，或粘贴流水内容")
        out = await run_in_threadpool(_import, uow, caller, account_id, text)
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return await run_in_threadpool(
            _account_page,
            request,
            uow,
            caller,
            account_id,
            day,
            paging,
            bank_errors=e.errors,
            bank_message=e.message,
            status_code=e.status_code,
        )
    return RedirectResponse(
        f"/rental/escrow/{account_id}?on={day}&done=imported&imported={out['imported']}&skipped={out['skipped']}",
        status_code=303,
    )


@router.post("/rental/escrow/{account_id}/penalties", response_class=HTMLResponse)
def impose_penalty(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: RentalSupervise,
    paging: PagingDep,
    account_id: Id,
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=400)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
    on: Annotated[str, Form(max_length=10)] = "",
) -> Any:
    """A penalty withheld from what the escrow owes the enterprise: the form's values are shown on a
    confirmation page first; only the confirmed post writes (idempotent by the decision's number)."""
    values = {"amount_yuan": amount_yuan, "reason": reason, "reference": reference, "on": on}
    day = _day(on)  # the form's own hidden field (the day the page showed): a bad one is a plain 422
    errors: list[FieldError] = []
    amount = yuan_field(amount_yuan, "amount_yuan", errors) or 0
    if amount == 0 and not errors:
        errors.append(FieldError("amount_yuan", "罚没金额应大于零"))
    if not reason.strip():
        errors.append(FieldError("reason", "请说明原因"))
    if not reference.strip():
        errors.append(FieldError("reference", "请填写处罚决定书编号"))
    try:
        if errors:
            raise ValidationError("请更正标出的内容", errors)
        if confirmed != "1":
            with uow.read() as conn:
                acct = escrow_reconciliation.get_account(conn, caller.scope, account_id)
            return render(request, "rental/escrow_penalty_confirm.html", acct=acct, values=values, amount_fen=amount)
        with audited(uow, caller, "rental.escrow.penalty", "escrow_account", account_id) as conn:
            escrow.impose_penalty(conn, sec.keyring, caller, account_id, amount, reason, reference.strip())
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return _account_page(
            request,
            uow,
            caller,
            account_id,
            day,
            paging,
            penalty=values,
            penalty_errors=e.errors,
            penalty_message=e.message,
            status_code=e.status_code,
        )
    back = f"on={on}&" if on else ""
    return RedirectResponse(f"/rental/escrow/{account_id}?{back}done=penalty", status_code=303)
