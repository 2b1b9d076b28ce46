"""REST routes of rent escrow (租金监管). Thin: parse, call :mod:`anju.rental.escrow`, shape.

* the tenant: ``/rental/me/leases/{id}/escrow`` (statement, payments, inclusion proofs);
* the enterprise: ``/rental/me/escrow/accounts`` (its supervised accounts and their journals);
* supervisors: ``/rental/escrow/accounts`` (accounts in scope, each with the day's reconciliation,
  imbalances first), journals, bank statement lines, penalties, and the reconciliation export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.core import clock, csvout
from anju.rental import escrow, escrow_reconciliation, escrow_statements
from anju.rental.http import schemas_escrow
from anju.rental.http.deps import RentalHandle, RentalParty, RentalRead, RentalSign, RentalSupervise
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["rental"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
On = Annotated[date | None, Query(description="对账日期（默认今天）")]
RECON_COLUMNS = (
    "id", "party_name", "bank", "account_no", "district_code", "street_code", "platform_in", "platform_out",
    "platform_balance", "bank_in", "bank_out", "bank_balance", "difference", "balanced",
)  # fmt: skip


# ---------------------------------------------------------------------------------------- the tenant


@router.get("/me/leases/{lease_id}/escrow", operation_id="rental_lease_escrow")
def lease_escrow(uow: UowDep, caller: RentalSign, lease_id: Id) -> schemas_escrow.LeaseEscrow:
    """The escrow of the tenant's own lease: what must be paid in, the release schedule, every journal."""
    with uow.read() as conn:
        return schemas_escrow.LeaseEscrow(**escrow_statements.lease_statement(conn, caller, lease_id))


@router.post("/me/leases/{lease_id}/escrow/payments", status_code=201, operation_id="rental_escrow_pay")
def pay_in(uow: UowDep, caller: RentalSign, lease_id: Id, body: schemas_escrow.PaymentIn) -> schemas_escrow.PaymentOut:
    """Record the tenant's transfer into the supervised account (idempotent by ``reference``)."""
    with audited(uow, caller, "rental.escrow.pay", "lease", lease_id) as conn:
        out = escrow.record_payment(
            conn, caller, lease_id, body.kind, body.amount_fen, body.reference, cycle_no=body.cycle_no,
            paid_on=body.paid_on,
        )  # fmt: skip
    return schemas_escrow.PaymentOut(**out)


@router.get("/me/leases/{lease_id}/escrow/proofs", operation_id="rental_escrow_proofs")
def proofs(
    uow: UowDep,
    caller: RentalSign,
    lease_id: Id,
    size: Annotated[int | None, Query(ge=1, le=2**62, description="树的大小（默认当前）")] = None,
    download: Annotated[bool, Query(description="作为文件下载")] = False,
) -> schemas_escrow.LeaseProofs:
    """Inclusion proofs of every logged escrow journal of the lease in the log ``rental``; check each
    with ``python verify.py inclusion --algorithm A --leaf-hash H --index I --size N --root R --proof …``."""
    with uow.read() as conn:
        out = schemas_escrow.LeaseProofs(**escrow_statements.lease_proofs(conn, caller, lease_id, size))
    if download:
        body = json.dumps(out.model_dump(mode="json"), ensure_ascii=False, indent=2)
        name = f"escrow-proofs-lease-{lease_id}-size-{out.size}.json"
        return Response(  # type: ignore[return-value]
            body, media_type="application/json", headers={"content-disposition": f'attachment; filename="{name}"'}
        )
    return out


# ---------------------------------------------------------------------------------------- the enterprise


@router.get("/me/escrow/accounts", operation_id="rental_my_escrow_accounts")
def my_accounts(uow: UowDep, caller: RentalParty) -> list[schemas_escrow.AccountDetail]:
    """The supervised accounts of the caller's own filed enterprise."""
    with uow.read() as conn:
        return [schemas_escrow.AccountDetail(**a) for a in escrow_statements.my_accounts(conn, caller)]


@router.get("/me/escrow/accounts/{account_id}/journals", operation_id="rental_my_escrow_journals")
def my_journals(uow: UowDep, caller: RentalParty, account_id: Id, paging: PagingDep) -> Page[schemas_escrow.Journal]:
    with uow.read() as conn:
        page = escrow_statements.my_account_statement(
            conn, caller, account_id, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_escrow.Journal(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


# ---------------------------------------------------------------------------------------- supervisors


@router.get("/escrow/accounts", operation_id="rental_escrow_accounts")
def accounts(uow: UowDep, caller: RentalRead, paging: PagingDep, on: On = None) -> Page[schemas_escrow.AccountDay]:
    """The supervised accounts in the caller's scope with the day's reconciliation, imbalances first."""
    with uow.read() as conn:
        page = escrow_reconciliation.list_accounts(
            conn, caller.scope, on or clock.today(), limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_escrow.AccountDay(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/escrow/reconciliation.csv",
    operation_id="rental_escrow_reconciliation_csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}},
)
def reconciliation_csv(uow: UowDep, caller: RentalRead, on: On = None) -> Response:
    """The daily reconciliation report of every account in scope (UTF-8 with BOM, for Excel)."""
    day = on or clock.today()
    with uow.read() as conn:
        rows = escrow_reconciliation.reconcile_all(conn, caller.scope, day)
    by_name: list[Mapping[str, object]] = list(rows)  # the columns by name
    return Response(
        csvout.to_bytes(RECON_COLUMNS, ([r[c] for c in RECON_COLUMNS] for r in by_name)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="escrow-reconciliation-{day}.csv"'},
    )


@router.get("/escrow/accounts/{account_id}", operation_id="rental_escrow_account")
def account(uow: UowDep, caller: RentalRead, account_id: Id) -> schemas_escrow.AccountDetail:
    with uow.read() as conn:
        return schemas_escrow.AccountDetail(**escrow_reconciliation.get_account(conn, caller.scope, account_id))


@router.get("/escrow/accounts/{account_id}/journals", operation_id="rental_escrow_journals")
def journals(
    uow: UowDep,
    caller: RentalRead,
    account_id: Id,
    paging: PagingDep,
    date_from: Annotated[date | None, Query(alias="from", description="起始日期")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="截止日期")] = None,
) -> Page[schemas_escrow.Journal]:
    with uow.read() as conn:
        page = escrow_statements.account_statement(
            conn, caller.scope, account_id, date_from=date_from, date_to=date_to, limit=paging.page_size,
            offset=paging.offset,
        )  # fmt: skip
        total, items = page.total, page.items
    return Page(
        items=[schemas_escrow.Journal(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.get("/escrow/accounts/{account_id}/reconciliation", operation_id="rental_escrow_reconciliation")
def reconciliation(uow: UowDep, caller: RentalRead, account_id: Id, on: On = None) -> schemas_escrow.Reconciliation:
    """One account's reconciliation of a day, with the references only one side has."""
    with uow.read() as conn:
        return schemas_escrow.Reconciliation(
            **escrow_reconciliation.reconciliation(conn, caller.scope, account_id, on or clock.today())
        )


@router.get("/escrow/accounts/{account_id}/bank-lines", operation_id="rental_escrow_bank_lines")
def bank_lines(uow: UowDep, caller: RentalRead, account_id: Id, paging: PagingDep) -> Page[schemas_escrow.BankLine]:
    with uow.read() as conn:
        page = escrow_reconciliation.bank_lines(
            conn, caller.scope, account_id, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_escrow.BankLine(**i) for i in items], total=total, page=paging.page, page_size=paging.page_size
    )


@router.post("/escrow/accounts/{account_id}/bank-lines", operation_id="rental_escrow_import_bank_lines")
def import_bank_lines(
    uow: UowDep, caller: RentalHandle, account_id: Id, body: schemas_escrow.BankLinesIn
) -> schemas_escrow.BankLinesOut:
    """Import the bank's statement lines (all or nothing; a line already imported is skipped)."""
    with audited(uow, caller, "rental.escrow.bank_lines", "escrow_account", account_id) as conn:
        return schemas_escrow.BankLinesOut(
            **escrow_reconciliation.import_bank_lines(conn, caller, account_id, body.csv)
        )


@router.post("/escrow/accounts/{account_id}/penalties", status_code=201, operation_id="rental_escrow_penalty")
def penalty(
    uow: UowDep, sec: SecurityDep, caller: RentalSupervise, account_id: Id, body: schemas_escrow.PenaltyIn
) -> schemas_escrow.JournalCreated:
    """A penalty withheld from what the escrow owes the enterprise (idempotent by the decision's number)."""
    with audited(uow, caller, "rental.escrow.penalty", "escrow_account", account_id) as conn:
        jid = escrow.impose_penalty(conn, sec.keyring, caller, account_id, body.amount_fen, body.reason, body.reference)
    return schemas_escrow.JournalCreated(journal_id=jid)
