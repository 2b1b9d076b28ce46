"""Pages of the developer's staff (``transactions.sell``, ``/transactions/sales/…``): their developer's
contracts, the drafting form of the model contract, the developer's signature and the filing."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core import money
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.security import Caller, SecurityDep, audited, set_audit_target
from anju.transactions import contracts, domain, filings, queries
from anju.transactions.http.deps import TxSell
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=40)]
DoneQ = Annotated[Literal["", "drafted", "signed", "filed", "withdrawn"], Query()]
StatusQ = Annotated[Literal["", "draft", "signed", "filed", "cancelled"], Query()]
DONE = {
    "drafted": "合同已起草。请签署，并请买受人登录平台签署。",
    "signed": "已签署。",
    "filed": "合同已备案。",
    "withdrawn": "合同已撤回，房屋可重新销售。",
}
#: The form's fields (a service's fen fields are shown at the form's yuan fields).
FIELDS = (
    "home_id",
    "buyer_name",
    "buyer_id_number",
    "total_price",
    "payment_method",
    "down_payment",
    "loan",
    "delivery_date",
    "buyer_hukou",
    "buyer_social_insurance_months",
)
ALIASES = {"total_price_fen": "total_price", "down_payment_fen": "down_payment", "loan_fen": "loan"}


def _page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    *,
    page: int = 1,
    page_size: int = 20,
    status: str = "",
    done: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        dev = filings.developer_of(conn, caller)
        found = queries.developer_contracts(
            conn, sec.keyring, dev["id"], status=status or None, limit=page_size, offset=(page - 1) * page_size
        )
    by_field: dict[str, str] = {}
    rest: list[FieldError] = []
    for e in errors or []:
        name = ALIASES.get(e.field, e.field)
        if name in FIELDS:
            by_field[name] = f"{by_field[name]}；{e.reason}" if name in by_field else e.reason
        else:
            rest.append(e)
    return render(
        request,
        "transactions/sales.html",
        status_code=status_code,
        developer=dev,
        items=found.items,
        pager=pager(found.total, page, page_size),
        status=status,
        statuses=domain.CONTRACT_STATUS_LABELS,
        payments=domain.PAYMENT_METHODS,
        done=DONE.get(done, ""),
        form=form or {},
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/sales", response_class=HTMLResponse)
def sales_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, paging: PagingDep,
    status: StatusQ = "", done: DoneQ = "",
) -> HTMLResponse:  # fmt: skip
    """The developer's contracts and the form to draft one (the account must work for a filed developer;
    any other account is told so on the page, which its menu offers to every agency)."""
    try:
        return _page(request, uow, sec, caller, page=paging.page, page_size=paging.page_size, status=status, done=done)
    except ValidationError as e:
        if not any(f.field == "account" for f in e.errors):
            raise
        return render(request, "transactions/not_developer.html", message=e.message)


def _command(form: dict[str, str]) -> contracts.ContractIn:
    """The typed form as the model contract's command; every unreadable field collected at once."""
    errors: list[FieldError] = []
    home_id = months = 0
    try:
        home_id = int(form["home_id"])
    except ValueError:
        errors.append(FieldError("home_id", "应为房屋编号（整数）"))
    try:
        months = int(form["buyer_social_insurance_months"] or "0")
    except ValueError:
        errors.append(FieldError("buyer_social_insurance_months", "应为 0–36 之间的整数"))
    total = money.collect_fen(form["total_price"], "total_price", errors)
    down = money.collect_fen(form["down_payment"], "down_payment", errors)
    loan = money.collect_fen(form["loan"], "loan", errors, required=False)
    delivery = date.min
    try:
        delivery = date.fromisoformat(form["delivery_date"])
    except ValueError:
        errors.append(FieldError("delivery_date", "日期格式应为 YYYY-MM-DD"))
    if errors:
        raise ValidationError("合同信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    return contracts.ContractIn(
        home_id=home_id,
        buyer_name=form["buyer_name"],
        buyer_id_number=form["buyer_id_number"],
        total_price_fen=total or 0,
        payment_method=form["payment_method"],
        down_payment_fen=down or 0,
        loan_fen=loan or 0,
        delivery_date=delivery,
        buyer_hukou=form["buyer_hukou"],
        buyer_social_insurance_months=months,
    )


@router.post("/transactions/sales/contracts", response_class=HTMLResponse, response_model=None)
def draft_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxSell,
    home_id: Annotated[str, Form(max_length=20)] = "",
    buyer_name: Text = "",
    buyer_id_number: Text = "",
    total_price: Text = "",
    payment_method: Annotated[str, Form(max_length=20)] = "",
    down_payment: Text = "",
    loan: Text = "",
    delivery_date: Annotated[str, Form(max_length=10)] = "",
    buyer_hukou: Annotated[str, Form(max_length=10)] = "local",
    buyer_social_insurance_months: Annotated[str, Form(max_length=3)] = "0",
) -> Response:
    """Draft a contract from the form; a refusal shows the form again with every error beside its field
    (the buyer's ID number is not echoed back)."""
    form = {
        "home_id": home_id,
        "buyer_name": buyer_name,
        "buyer_id_number": buyer_id_number,
        "total_price": total_price,
        "payment_method": payment_method,
        "down_payment": down_payment,
        "loan": loan,
        "delivery_date": delivery_date,
        "buyer_hukou": buyer_hukou,
        "buyer_social_insurance_months": buyer_social_insurance_months,
    }

    def write() -> int:
        cmd = _command(form)
        with audited(uow, caller, "transactions.draft_contract", "sale_contract") as conn:
            cid = contracts.draft_contract(conn, sec.keyring, caller, cmd)
            set_audit_target(conn, cid)
        return cid

    def again(e: AnjuError) -> Response:
        shown = form | {"buyer_id_number": ""}
        return _page(
            request, uow, sec, caller, form=shown, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done="/transactions/sales?done=drafted", again=again, not_found_is_error_page=False)


@router.post("/transactions/sales/contracts/{contract_id}/sign", response_class=HTMLResponse, response_model=None)
def sign_form(
    request: Request, uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: TxSell, contract_id: Id
) -> Response:
    """The developer's signature (restrictions and the purchase-eligibility rules are checked)."""

    def write() -> None:
        with audited(uow, caller, "transactions.sign_contract", "sale_contract", contract_id) as conn:
            contracts.sign_as_developer(conn, settings, caller, contract_id)

    def again(e: AnjuError) -> Response:
        return _page(request, uow, sec, caller, errors=e.errors, message=e.message, status_code=e.status_code)

    return form_action(write, done="/transactions/sales?done=signed", again=again)


@router.post("/transactions/sales/contracts/{contract_id}/file", response_class=HTMLResponse, response_model=None)
def file_form(request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id) -> Response:
    """File a contract both parties signed (网签备案)."""

    def write() -> None:
        with audited(uow, caller, "transactions.file_contract", "sale_contract", contract_id) as conn:
            contracts.file_contract(conn, sec.settings, sec.keyring, caller, contract_id)

    def again(e: AnjuError) -> Response:
        return _page(request, uow, sec, caller, errors=e.errors, message=e.message, status_code=e.status_code)

    return form_action(write, done="/transactions/sales?done=filed", again=again)


def _withdraw_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    contract_id: int,
    *,
    reason: str = "",
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        dev = filings.developer_of(conn, caller)  # read once: the refusal names the account
        c = contracts.developer_contract(conn, sec.keyring, dev["id"], contract_id)
    by_field = {e.field: e.reason for e in errors or [] if e.field == "reason"}
    rest = [e for e in errors or [] if e.field != "reason"]
    return render(
        request,
        "transactions/sales_withdraw.html",
        status_code=status_code,
        c=c,
        reason=reason,
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/sales/contracts/{contract_id}/withdraw", response_class=HTMLResponse)
def withdraw_confirm_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxSell, contract_id: Id
) -> HTMLResponse:
    """The confirmation page of a withdrawal (撤回): the draft's terms and the reason to give. Only the
    caller's developer's contracts (another's is a 404)."""
    return _withdraw_page(request, uow, sec, caller, contract_id)


@router.post("/transactions/sales/contracts/{contract_id}/withdraw", response_class=HTMLResponse, response_model=None)
def withdraw_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxSell,
    contract_id: Id,
    reason: Annotated[str, Form(max_length=400)] = "",
    confirmed: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    """Withdraw the draft after the confirmation page; a refusal shows that page again with the reason."""

    def write() -> None:
        if confirmed != "1":
            raise ValidationError.of("confirmed", "请在确认页确认撤回")
        with audited(uow, caller, "transactions.withdraw_contract", "sale_contract", contract_id) as conn:
            contracts.withdraw_draft(conn, caller, contract_id, reason)

    def again(e: AnjuError) -> Response:
        return _withdraw_page(
            request, uow, sec, caller, contract_id, reason=reason, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done="/transactions/sales?done=withdrawn", again=again)
