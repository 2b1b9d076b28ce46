"""Pages of existing-home resale (存量房), except the agency's (``pages_resale_agency``).

* anyone: the published listings filtered by district, street and price (``/transactions/resale``)
  and the check of a 房源核验码 (``/transactions/resale/check``) — no personal data;
* sellers and buyers (``transactions.buy``): their own contracts (``/transactions/resale/me``), the
  signature and a private sale's filing each confirmed on a page of the contract first, and the form
  of a private sale (自行成交) drafted by the seller;
* the bureau: the contracts in scope, filtered and paginated, with the CSV export (sellers and buyers
  masked; ``transactions.read``) and the cancellation, confirmed with a reason
  (``transactions.manage``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju import divisions
from anju.core import money
from anju.core.errors import AnjuError, FieldError, ValidationError
from anju.security import Caller, Public, SecurityDep, audited, set_audit_target
from anju.transactions import cancellations, domain, resale_contract, resale_funds, resale_queries
from anju.transactions import resale_domain as rd
from anju.transactions.http.deps import TxBuy, TxManage, TxRead
from anju.web import forms
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Text = Annotated[str, Form(max_length=40)]
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$")]
StreetQ = Annotated[str | None, Query(pattern=r"^(\d{9,12})?$")]
StatusQ = Annotated[Literal["", "draft", "signed", "filed", "registered", "cancelled"], Query()]
SourceQ = Annotated[Literal["", "platform", "history"], Query()]
TextQ = Annotated[str | None, Query(max_length=30)]
SideQ = Annotated[Literal["seller", "buyer"], Query()]
DoneQ = Annotated[Literal["", "drafted", "signed", "filed", "cancelled", "deposit"], Query()]
DONE = {
    "drafted": "合同已起草。请签署，并请对方登录平台签署。",
    "signed": "已签署。双方签署后办理网签备案。",
    "filed": "合同已备案。",
    "cancelled": "合同已撤销，房屋可以重新交易。",
    "deposit": "已入账，资金由监管账户监管至转移登记。",
}
#: The contract form's fields (a service's fen fields are shown at the form's yuan fields).
TERMS = (
    "buyer_name", "buyer_id_number", "buyer_hukou", "buyer_social_insurance_months", "total_price",
    "payment_method", "down_payment", "loan",
)  # fmt: skip
ALIASES = {"total_price_fen": "total_price", "down_payment_fen": "down_payment", "loan_fen": "loan"}
#: A deposit's service fields shown at the deposit form's fields.
DEPOSIT_ALIASES = {"amount_fen": "amount_yuan"}


def split_errors(errors: list[FieldError] | None, fields: tuple[str, ...]) -> tuple[dict[str, str], list[FieldError]]:
    """The errors beside the form's fields, and the rest (shown above the form): the web kit's rule with
    the contract and deposit forms' field names."""
    return forms.split_errors(errors or [], fields, ALIASES | DEPOSIT_ALIASES)


def contract_command(
    form: dict[str, str], *, listing_id: int | None = None, house_code: str | None = None
) -> resale_contract.ResaleContractIn:
    """The typed contract form as the service's command; every unreadable field collected at once."""
    errors: list[FieldError] = []
    months = 0
    try:
        months = int(form.get("buyer_social_insurance_months") or "0")
    except ValueError:
        errors.append(FieldError("buyer_social_insurance_months", "应为 0–36 之间的整数"))
    total = money.collect_fen(form.get("total_price", ""), "total_price", errors)
    down = money.collect_fen(form.get("down_payment", ""), "down_payment", errors)
    loan = money.collect_fen(form.get("loan", ""), "loan", errors, required=False)
    if errors:
        raise ValidationError("合同信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors[:5]), errors)
    return resale_contract.ResaleContractIn(
        buyer_name=form.get("buyer_name", ""),
        buyer_id_number=form.get("buyer_id_number", ""),
        total_price_fen=total or 0,
        payment_method=form.get("payment_method", ""),
        down_payment_fen=down or 0,
        loan_fen=loan or 0,
        buyer_hukou=form.get("buyer_hukou", "local"),
        buyer_social_insurance_months=months,
        seller_name=form.get("seller_name", ""),
        seller_id_number=form.get("seller_id_number", ""),
        listing_id=listing_id,
        house_code=house_code,
    )


# ------------------------------------------------------------------------------------------- public


@router.get("/transactions/resale", response_class=HTMLResponse)
def public_page(
    request: Request,
    uow: UowDep,
    caller: Public,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    price_min: Annotated[str, Query(max_length=12)] = "",
    price_max: Annotated[str, Query(max_length=12)] = "",
) -> HTMLResponse:
    """Published resale listings (anyone), filtered by district, street and asking price (万元)."""
    errors: list[FieldError] = []
    lo = money.collect_fen(price_min, "price_min", errors, required=False)
    hi = money.collect_fen(price_max, "price_max", errors, required=False)
    f = resale_queries.PublicFilter(
        district or None,
        street or None,
        lo * 10_000 if lo is not None else None,
        hi * 10_000 if hi is not None else None,
    )
    with uow.read() as conn:
        districts = divisions.choices(conn)
        page = resale_queries.public_listings(conn, f, limit=paging.page_size, offset=paging.offset)
    return render(
        request,
        "transactions/resale_public.html",
        districts=districts,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        district=district or "",
        street=street or "",
        price_min=price_min,
        price_max=price_max,
        message="；".join(f"{'最低总价' if e.field == 'price_min' else '最高总价'}{e.reason}" for e in errors) or None,
    )


@router.get("/transactions/resale/check", response_class=HTMLResponse)
def check_page(
    request: Request, uow: UowDep, caller: Public, code: Annotated[str, Query(max_length=20)]
) -> HTMLResponse:
    """What a resale 房源核验码 vouches for (anyone); an unknown or mistyped code is a 404 page."""
    with uow.read() as conn:
        x = resale_queries.check_code(conn, code)
    return render(request, "transactions/resale_check.html", x=x)


# ------------------------------------------------------------------------------ sellers and buyers


def _mine_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    *,
    done: str = "",
    form: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    items: list[dict[str, object]] = []
    if caller.account_id is not None:
        with uow.read() as conn:
            mine = resale_queries.party_contracts(conn, sec.keyring, caller.account_id)
            fund = resale_funds.positions(conn, [(c["id"], c["district_code"]) for c in mine])
            for c in mine:
                side = "seller" if c["seller_account_id"] == caller.account_id else "buyer"
                items.append({**c, "mine": side, "fund": fund[c["id"]]})
    by_field, rest = split_errors(errors, ("house_code", *TERMS))
    return render(
        request,
        "transactions/resale_mine.html",
        status_code=status_code,
        items=items,
        payments=domain.PAYMENT_METHODS,
        done=DONE.get(done, ""),
        form=form or {},
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/resale/me", response_class=HTMLResponse)
def mine_page(request: Request, uow: UowDep, sec: SecurityDep, caller: TxBuy, done: DoneQ = "") -> HTMLResponse:
    """The caller's own resale contracts (unmasked: their own) and the private-sale form."""
    return _mine_page(request, uow, sec, caller, done=done)


@router.post("/transactions/resale/me/contracts", response_class=HTMLResponse, response_model=None)
def draft_private_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxBuy,
    house_code: Text = "",
    buyer_name: Text = "",
    buyer_id_number: Text = "",
    buyer_hukou: Annotated[str, Form(max_length=10)] = "local",
    buyer_social_insurance_months: Annotated[str, Form(max_length=3)] = "0",
    total_price: Text = "",
    payment_method: Annotated[str, Form(max_length=20)] = "",
    down_payment: Text = "",
    loan: Text = "",
) -> Response:
    """The seller drafts a private sale; a refusal shows the form again, each error beside its field
    (the buyer's ID number is not echoed back)."""
    form = {
        "house_code": house_code, "buyer_name": buyer_name, "buyer_id_number": buyer_id_number,
        "buyer_hukou": buyer_hukou, "buyer_social_insurance_months": buyer_social_insurance_months,
        "total_price": total_price, "payment_method": payment_method, "down_payment": down_payment, "loan": loan,
    }  # fmt: skip

    def write() -> int:
        cmd = contract_command(form, house_code=house_code)
        with audited(uow, caller, "transactions.resale_draft_contract", "resale_contract") as conn:
            cid = resale_contract.draft(conn, sec.keyring, caller, cmd, private=True)
            set_audit_target(conn, cid)
        return cid

    def again(e: AnjuError) -> Response:
        shown = form | {"buyer_id_number": ""}
        return _mine_page(
            request, uow, sec, caller, form=shown, errors=e.errors, message=e.message, status_code=e.status_code
        )

    return form_action(write, done="/transactions/resale/me?done=drafted", again=again, not_found_is_error_page=False)


def confirm_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    contract_id: int,
    *,
    action: str,
    title: str,
    explain: str,
    button: str,
    back: str,
    hidden: dict[str, str] | None = None,
    read: Callable[..., resale_queries.ResaleContract] | None = None,
    reason: bool = False,
    reason_value: str = "",
    reason_code: str = "other",
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A page showing the whole contract before a step that cannot be undone, with its one button."""
    with uow.read() as conn:
        if read is None:
            c = resale_queries.contract_for(conn, sec.keyring, caller, contract_id)
        else:
            c = read(conn, sec.keyring, contract_id, scope=caller.scope)
    by_field, rest = split_errors(errors, ("reason", "reason_code"))
    codes = [(k, cancellations.CANCEL_REASONS[k][0]) for k in cancellations.RESALE_REASONS] if reason else []
    return render(
        request,
        "transactions/resale_confirm.html",
        status_code=status_code,
        c=c,
        action=action,
        title=title,
        explain=explain,
        button=button,
        back=back,
        hidden=hidden or {},
        reason=reason,
        reason_value=reason_value,
        reason_codes=codes,
        reason_code=reason_code,
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


SIGN_EXPLAIN = (
    "签署前平台将核验房屋限制（查封、抵押等）、出卖人的产权和买受人的购房资格（限购）。双方签署后合同即成立。"
)
FILE_EXPLAIN = (
    "备案后取得存量房网签备案号，房源随之成交下架；交易资金按存量房交易资金监管办理，办理转移登记后合同完成。"
)


@router.get("/transactions/resale/me/contracts/{contract_id}/sign", response_class=HTMLResponse)
def signconfirm_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxBuy, contract_id: Id, side: SideQ
) -> HTMLResponse:
    """The contract shown in full before the caller signs it as seller or buyer."""
    return confirm_page(
        request, uow, sec, caller, contract_id, action=f"/transactions/resale/me/contracts/{contract_id}/sign",
        title=f"签署存量房买卖合同（{rd.SIDES[side]}）", explain=SIGN_EXPLAIN, button="确认合同内容并签署",
        back="/transactions/resale/me", hidden={"side": side},
    )  # fmt: skip


@router.post("/transactions/resale/me/contracts/{contract_id}/sign", response_class=HTMLResponse, response_model=None)
def sign_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    settings: SettingsDep,
    caller: TxBuy,
    contract_id: Id,
    side: Annotated[Literal["seller", "buyer"], Form()] = "buyer",
) -> Response:
    """The signature; a refusal (restriction, eligibility) shows the confirmation page with the reasons."""

    def write() -> None:
        with audited(uow, caller, "transactions.resale_sign_contract", "resale_contract", contract_id) as conn:
            resale_contract.sign(conn, settings, caller, contract_id, side)

    def again(e: AnjuError) -> Response:
        return confirm_page(
            request, uow, sec, caller, contract_id, action=f"/transactions/resale/me/contracts/{contract_id}/sign",
            title=f"签署存量房买卖合同（{rd.SIDES[side]}）", explain=SIGN_EXPLAIN, button="确认合同内容并签署",
            back="/transactions/resale/me", hidden={"side": side}, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done="/transactions/resale/me?done=signed", again=again)


@router.get("/transactions/resale/me/contracts/{contract_id}/file", response_class=HTMLResponse)
def fileconfirm_page(request: Request, uow: UowDep, sec: SecurityDep, caller: TxBuy, contract_id: Id) -> HTMLResponse:
    """A private sale shown in full before its seller files it."""
    return confirm_page(
        request, uow, sec, caller, contract_id, action=f"/transactions/resale/me/contracts/{contract_id}/file",
        title="办理存量房网签备案", explain=FILE_EXPLAIN, button="确认备案", back="/transactions/resale/me",
    )  # fmt: skip


@router.post("/transactions/resale/me/contracts/{contract_id}/file", response_class=HTMLResponse, response_model=None)
def file_form(request: Request, uow: UowDep, sec: SecurityDep, caller: TxBuy, contract_id: Id) -> Response:
    """The seller files a signed private sale."""

    def write() -> None:
        with audited(uow, caller, "transactions.resale_file_contract", "resale_contract", contract_id) as conn:
            resale_contract.file(conn, sec.keyring, caller, contract_id, private=True)

    def again(e: AnjuError) -> Response:
        return confirm_page(
            request, uow, sec, caller, contract_id, action=f"/transactions/resale/me/contracts/{contract_id}/file",
            title="办理存量房网签备案", explain=FILE_EXPLAIN, button="确认备案", back="/transactions/resale/me",
            errors=e.errors, message=e.message, status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done="/transactions/resale/me?done=filed", again=again)


# ---------------------------------------------------------------------------------------- the bureau


def _filter(status: str, district: str | None, q: str | None, source: str) -> resale_queries.StaffFilter:
    return resale_queries.StaffFilter(status or None, district or None, q or None, source or None)


@router.get("/transactions/staff/resale", response_class=HTMLResponse)
def staff_page(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxRead,
    paging: PagingDep,
    status: StatusQ = "",
    district: DistrictQ = None,
    q: TextQ = None,
    source: SourceQ = "",
) -> HTMLResponse:
    """Resale contracts in the caller's streets, filtered and paginated; sellers and buyers masked."""
    with uow.read() as conn:
        districts = divisions.choices(conn)
        page = resale_queries.staff_contracts(
            conn, sec.keyring, scope=caller.scope, f=_filter(status, district, q, source),
            limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    return render(
        request,
        "transactions/resale_staff.html",
        districts=districts,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        statuses=rd.CONTRACT_STATUS_LABELS,
        status=status,
        district=district or "",
        q=q or "",
        source=source,
    )


@router.get("/transactions/staff/resale.csv")
def staff_csv(
    uow: UowDep,
    sec: SecurityDep,
    caller: TxRead,
    status: StatusQ = "",
    district: DistrictQ = None,
    q: TextQ = None,
    source: SourceQ = "",
) -> Response:
    """The filtered contracts as CSV (sellers and buyers masked), by the platform's one CSV writer."""
    with uow.read() as conn:
        body = resale_queries.export_contracts(
            conn, sec.keyring, scope=caller.scope, f=_filter(status, district, q, source)
        )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="resale-contracts.csv"'},
    )


def _staff_contract(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: Caller,
    contract_id: int,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        c = resale_queries.staff_contract(conn, sec.keyring, contract_id, scope=caller.scope)
        fund = resale_funds.position(conn, contract_id, c["district_code"])
    by_field, rest = split_errors(errors, DEPOSIT_FIELDS)
    return render(
        request,
        "transactions/resale_staff_contract.html",
        status_code=status_code,
        c=c,
        fund=fund,
        done=DONE.get(done, ""),
        can_cancel=caller.can("transactions.manage") and c["status"] in rd.HOLDING,
        can_deposit=caller.can("transactions.manage") and c["status"] == rd.ContractStatus.filed,
        deposit_kinds=domain.DEPOSIT_KINDS,
        values=values or {},
        field_errors=by_field,
        errors=rest,
        message=message if (rest or not by_field) else None,
    )


@router.get("/transactions/staff/resale/{contract_id}", response_class=HTMLResponse)
def staff_contract_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxRead, contract_id: Id, done: DoneQ = ""
) -> HTMLResponse:
    """One contract in the caller's streets (parties masked) with its supervised funds; officers who may
    cancel see the link, and the deposit form while it is filed."""
    return _staff_contract(request, uow, sec, caller, contract_id, done=done)


DEPOSIT_FIELDS = ("kind", "amount_yuan", "reference", "booked_on")


@router.post("/transactions/staff/resale/{contract_id}/deposits", response_class=HTMLResponse, response_model=None)
def deposit_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxManage,
    contract_id: Id,
    kind: Annotated[str, Form(max_length=20)] = "",
    amount_yuan: Annotated[str, Form(max_length=20)] = "",
    reference: Annotated[str, Form(max_length=64)] = "",
    booked_on: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Record the buyer's down payment or loan paid into the district's supervised account; a refusal
    shows the contract again with each error beside its field."""
    values = {"kind": kind, "amount_yuan": amount_yuan, "reference": reference, "booked_on": booked_on}

    def write() -> None:
        errors: list[FieldError] = []
        amount = money.collect_fen(amount_yuan, "amount_yuan", errors)
        day = None
        if booked_on.strip():
            try:
                day = date.fromisoformat(booked_on.strip())
            except ValueError:
                errors.append(FieldError("booked_on", "日期应为 YYYY-MM-DD"))
        if errors:
            raise ValidationError("入账信息有误", errors)
        with audited(uow, caller, "transactions.resale_record_deposit", "resale_contract", contract_id) as conn:
            resale_funds.record_deposit(conn, caller, contract_id, kind, amount or 0, reference, day)

    def again(e: AnjuError) -> Response:
        return _staff_contract(
            request, uow, sec, caller, contract_id, values=values, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=f"/transactions/staff/resale/{contract_id}?done=deposit", again=again)


CANCEL_EXPLAIN = "撤销后合同终止，房屋可以重新交易；已备案的，监管的交易资金按规定退还买受人。撤销记入审计，不能恢复。"


@router.get("/transactions/staff/resale/{contract_id}/cancel", response_class=HTMLResponse)
def cancelconfirm_page(
    request: Request, uow: UowDep, sec: SecurityDep, caller: TxManage, contract_id: Id
) -> HTMLResponse:
    """The contract shown in full before the bureau cancels it, with the reason to give."""
    return confirm_page(
        request, uow, sec, caller, contract_id, action=f"/transactions/staff/resale/{contract_id}/cancel",
        title="撤销存量房买卖合同", explain=CANCEL_EXPLAIN, button="确认撤销",
        back=f"/transactions/staff/resale/{contract_id}", read=resale_queries.staff_contract, reason=True,
    )  # fmt: skip


@router.post("/transactions/staff/resale/{contract_id}/cancel", response_class=HTMLResponse, response_model=None)
def cancel_form(
    request: Request,
    uow: UowDep,
    sec: SecurityDep,
    caller: TxManage,
    contract_id: Id,
    reason: Annotated[str, Form(max_length=200)] = "",
    reason_code: Annotated[str, Form(max_length=20)] = "other",
) -> Response:
    """撤销 with a reason; a refusal shows the confirmation again with the reason beside the field."""

    def write() -> None:
        with audited(uow, caller, "transactions.resale_cancel_contract", "resale_contract", contract_id) as conn:
            resale_contract.cancel(conn, sec.keyring, caller, contract_id, reason, reason_code)

    def again(e: AnjuError) -> Response:
        return confirm_page(
            request, uow, sec, caller, contract_id, action=f"/transactions/staff/resale/{contract_id}/cancel",
            title="撤销存量房买卖合同", explain=CANCEL_EXPLAIN, button="确认撤销",
            back=f"/transactions/staff/resale/{contract_id}", read=resale_queries.staff_contract, reason=True,
            reason_value=reason, reason_code=reason_code, errors=e.errors, message=e.message,
            status_code=e.status_code,
        )  # fmt: skip

    return form_action(write, done=f"/transactions/staff/resale/{contract_id}?done=cancelled", again=again)
