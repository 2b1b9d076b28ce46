"""Resale transaction fund supervision (存量房交易资金监管) on the one ledger engine (``anju.funds``,
fund kind ``resale``, log ``funds``).

* The bureau opens one supervised account per district (owner ``district:<code>``, bank and account
  number; ``transactions.manage`` over the whole district).
* The buyer's down payment and loan of a *filed* resale contract are recorded as deposits in the
  contract's district account (bank → held for the contract, subject ``contract:<id>``), each never
  above what the contract says; the bank's reference is unique (the same deposit again is the same
  journal).
* The resale contract's life calls three hooks here, inside its own transaction:

  - :func:`on_filed` — nothing: money enters only when the bank reports it (a deposit), not when the
    contract is filed; the hook is kept so that filing stays one place to attach rules to;
  - :func:`on_registered` — the transfer to the buyer was registered (转移登记, the registration
    feed): everything held for the contract is released to the seller (journal ``release``: released
    ← bank);
  - :func:`on_cancelled` — a filed contract was cancelled (撤销): what was held is refunded to the
    buyer (journal ``refund``: held → bank).

  Both post nothing when nothing is held, and settle a contract at most once (the journal's ``item``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from anju import divisions, funds
from anju.core import clock, csvout
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.paging import Page
from anju.core.scope import OutOfScope, Scope
from anju.security import Caller
from anju.transactions import domain
from anju.transactions import resale_domain as rd
from anju.transactions.presale_funds import ACCOUNT_NO, DAY_COLUMNS, MAX_FEN, REFERENCE, DepositRecorded, yuan
from anju.transactions.tables import resale_contracts

KIND = "resale"
C = resale_contracts


def subject(contract_id: int) -> str:
    return f"contract:{contract_id}"


def owner(district_code: str) -> str:
    return f"district:{district_code}"


# ------------------------------------------------------------------------------------------ accounts


def open_account(conn: Connection, caller: Caller, district_code: str, bank: str, account_no: str) -> int:
    """Open the supervised account of a district wholly in the caller's scope (one per district)."""
    code = (district_code or "").strip()
    missing = f"没有区划 {code}"
    row = divisions.get(conn, code) if code.isdigit() else None
    if row is None or row.level != "district":
        raise NotFound(missing)
    if not caller.scope.allows_division(code):
        raise NotFound(missing)
    bank = " ".join((bank or "").split())
    errors = []
    if not 2 <= len(bank) <= 60:
        errors.append(FieldError("bank", "请填写开户银行（2–60 个字符）"))
    if not ACCOUNT_NO.match(account_no or ""):
        errors.append(FieldError("account_no", "账号应为 6–40 位数字、字母或短横线"))
    if errors:
        raise ValidationError("监管账户信息有误", errors)
    if funds.owner_accounts(conn, KIND, [owner(code)]):
        raise Conflict(f"{row.name}已开立存量房交易资金监管账户", [FieldError("district_code", "已开立")])
    if funds.account_by_no(conn, account_no) is not None:
        raise Conflict("该账号已登记为监管账户", [FieldError("account_no", "账号已登记")])
    # A district account has no street of its own: its street column holds the district's code.
    return funds.open_account(conn, KIND, owner(code), bank, account_no, code, code)


def _districts_in(conn: Connection, scope: Scope) -> list[str] | None:
    """The districts whose account the scope may see (None: every one): a district's own, or those
    of the scope's streets."""
    if scope.unrestricted:
        return None
    if scope.level == "district":
        return [scope.code]
    t = divisions.divisions_table
    streets = sorted(scope.streets or ())
    if not streets:
        return []
    q = select(t.c.parent_code).where(t.c.code.in_(streets)).distinct()
    return sorted({str(p) for p in conn.execute(q).scalars() if p})


class AccountRow(TypedDict):
    """A district's supervised account with its balances."""

    fund_account_id: int
    district_code: str
    district_name: str
    bank: str
    account_no: str
    opened_at: datetime
    held_fen: int  # held for contracts now
    released_fen: int  # paid to sellers
    bank_fen: int
    balanced: bool  # the day's reconciliation against the bank's lines


def _accounts_in(conn: Connection, scope: Scope, district: str | None) -> list[funds.Account]:
    """The district accounts the scope reaches (of one district), by district code: the one selection of
    the list and the reconciliation report."""
    allowed = _districts_in(conn, scope)
    rows = [
        a
        for a in funds.accounts(conn, funds.account_ids(conn, Scope.whole_city(), KIND))
        if (allowed is None or a["district_code"] in allowed) and (not district or a["district_code"] == district)
    ]
    return sorted(rows, key=lambda a: a["district_code"])


def list_accounts(
    conn: Connection, scope: Scope, *, district: str | None, limit: int, offset: int, on: date | None = None
) -> Page[AccountRow]:
    """The district accounts the caller's scope reaches (of one district), by district code, with the
    reconciliation of ``on`` (default today) against the bank's lines."""
    rows = _accounts_in(conn, scope, district)
    page = rows[offset : offset + limit]
    ids = [a["id"] for a in page]
    bal = funds.balances(conn, ids)
    day = funds.reconciliation.day_figures(conn, ids, on or clock.today())
    names = divisions.names(conn, {a["district_code"] for a in page})
    items: list[AccountRow] = []
    for a in page:
        b = bal.get(a["id"], {})
        items.append(
            {
                "fund_account_id": a["id"],
                "district_code": a["district_code"],
                "district_name": names.get(a["district_code"], a["district_code"]),
                "bank": a["bank"],
                "account_no": a["account_no"],
                "opened_at": a["opened_at"],
                "held_fen": -b.get("held", 0) - b.get("released", 0),
                "released_fen": b.get("released", 0),
                "bank_fen": b.get("bank", 0),
                "balanced": bool(day[a["id"]]["balanced"]),
            }
        )
    return Page(items, len(rows))


def _scoped(conn: Connection, scope: Scope, fund_account_id: int) -> funds.Account:
    """A district account the scope reaches (a district officer: the district's; a street officer: the
    district of its streets); anything else is "not found"."""
    acct = funds.scoped_account(conn, Scope.whole_city(), fund_account_id, KIND)
    allowed = _districts_in(conn, scope)
    if allowed is not None and acct["district_code"] not in allowed:
        raise OutOfScope("监管账户不存在")
    return acct


def import_bank_lines(conn: Connection, caller: Caller, fund_account_id: int, text: str) -> funds.BankImport:
    """The bank's statement lines of a district account (CSV ``date,amount_fen,direction,reference``, all
    or nothing), for the daily reconciliation — the generic ``funds.reconciliation`` import."""
    _scoped(conn, caller.scope, fund_account_id)
    return funds.reconciliation.import_bank_lines(conn, fund_account_id, text, caller.account_id)


# ------------------------------------------------------------------------------ reconciliation report

#: The columns of the resale accounts' daily reconciliation report (amounts in fen; ``balanced`` 1 or 0):
#: the presale report's figures (``presale_funds.DAY_COLUMNS``) after the district account's identity.
RECONCILIATION_COLUMNS = (
    "date", "fund_account_id", "district_code", "district_name", "bank", "account_no", *DAY_COLUMNS,
)  # fmt: skip


def reconcile_all(conn: Connection, scope: Scope, on: date, *, district: str | None = None) -> list[dict[str, Any]]:
    """Every district account in scope (of a district), by district code, with the figures of ``on``
    (``funds.reconciliation.day_figures``, as for the presale accounts): one row per account."""
    accts = _accounts_in(conn, scope, district)
    day = funds.reconciliation.day_figures(conn, [a["id"] for a in accts], on)
    names = divisions.names(conn, {a["district_code"] for a in accts})
    return [
        {"date": on, "fund_account_id": a["id"], "district_code": a["district_code"],
         "district_name": names.get(a["district_code"], a["district_code"]), "bank": a["bank"],
         "account_no": a["account_no"], **day[a["id"]]}
        for a in accts
    ]  # fmt: skip


def reconciliation_bytes(rows: list[dict[str, Any]]) -> bytes:
    """Rows of :func:`reconcile_all` as the report's CSV (``core.csvout``, as the presale report)."""
    return csvout.to_bytes(RECONCILIATION_COLUMNS, ([r[c] for c in RECONCILIATION_COLUMNS] for r in rows))


def reconciliation_csv(conn: Connection, scope: Scope, on: date, *, district: str | None = None) -> bytes:
    return reconciliation_bytes(reconcile_all(conn, scope, on, district=district))


def _district_account(conn: Connection, district_code: str) -> funds.Account | None:
    return funds.owner_accounts(conn, KIND, [owner(district_code)]).get(owner(district_code))


# ------------------------------------------------------------------------------------------ deposits


def record_deposit(
    conn: Connection,
    caller: Caller,
    contract_id: int,
    kind: str,
    amount_fen: int,
    reference: str,
    booked_on: date | None = None,
) -> DepositRecorded:
    """The buyer's down payment or loan (``kind``) of a filed resale contract in the caller's scope,
    paid into its district's supervised account; never above what the contract says for each kind.
    Idempotent by ``reference`` (the bank's): the same deposit again answers with its journal."""
    missing = f"没有编号为 {contract_id} 的合同"
    # The contract's row is taken for the rest of the transaction (PostgreSQL): concurrent deposits of
    # one contract check their caps one after the other, and the registration or cancellation that
    # settles the contract waits for (or is waited on by) the deposit.
    c = conn.execute(select(C).where(C.c.id == contract_id).with_for_update()).first()
    if c is None:
        raise NotFound(missing)
    caller.scope.require(c.street_code, missing)
    if kind not in domain.DEPOSIT_KINDS:
        raise ValidationError.of("kind", "应为 down_payment（首付款）或 loan（按揭贷款）")
    if not REFERENCE.match(reference or ""):
        raise ValidationError.of("reference", "银行流水号应为 6–40 位字母、数字、短横线或下划线")
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or not 0 < amount_fen <= MAX_FEN:
        raise ValidationError.of("amount_fen", "金额应为正整数（分）")
    day = booked_on or clock.today()
    if day > clock.today():
        raise ValidationError.of("booked_on", "入账日期不能晚于今天")
    acct = _district_account(conn, c.district_code)
    if acct is None:
        raise ValidationError.of("contract_id", "合同所在区尚未开立存量房交易资金监管账户")
    prior = funds.journal_by_reference(conn, reference)
    if prior is not None:
        same = (prior["fund_account_id"], prior["subject"], prior["kind"], prior["amount_fen"])
        if same != (acct["id"], subject(contract_id), kind, amount_fen):
            raise Conflict("银行流水号已用于另一笔入账", [FieldError("reference", "流水号重复")])
        return {"journal_id": prior["id"], "ledger_index": prior["ledger_index"], "replayed": True}
    if c.status != rd.ContractStatus.filed:
        label = rd.CONTRACT_STATUS_LABELS.get(c.status, c.status)
        raise ValidationError.of("contract_id", f"合同 {contract_id} {label}，只有已备案的合同可以入账")
    limit = int(c.down_payment_fen if kind == "down_payment" else c.loan_fen)
    totals = funds.subject_totals(conn, [acct["id"]], [subject(contract_id)]).get(
        (acct["id"], subject(contract_id)), {}
    )
    before = totals.get(kind, 0)
    label = domain.DEPOSIT_KINDS[kind]
    if before + amount_fen > limit:
        raise ValidationError.of(
            "amount_fen",
            f"合同 {c.filing_no} 约定{label} {yuan(limit)}，已入账 {yuan(before)}，本次 {yuan(amount_fen)}，"
            f"最多 {yuan(limit - before)}",
        )
    la = funds.accounts_of(conn, acct["id"], subject(contract_id))
    jid = funds.post(
        conn,
        funds.JournalIn(
            acct["id"],
            kind,
            reference,
            [(la["bank"], amount_fen, 0), (la["held"], 0, amount_fen)],
            day,
            f"存量房合同 {c.filing_no} {label}入账",
            subject=subject(contract_id),
            actor_account_id=caller.account_id,
            extra={"filing_no": c.filing_no, "district": c.district_code},
        ),
    )
    return {"journal_id": jid, "ledger_index": funds.journal(conn, jid)["ledger_index"], "replayed": False}


# --------------------------------------------------------------------------------------------- hooks


def on_filed(conn: Connection, contract: Any) -> None:
    """A resale contract was filed. Nothing is posted: money enters the supervised account when the
    bank reports it (:func:`record_deposit`), not when the contract is filed. Kept as the one place
    the filing would attach fund rules (an expected-deposit schedule, say)."""
    return None


def _refund(conn: Connection, contract_id: int, district_code: str, actor: int | None) -> int | None:
    """Post the refund of everything held for a contract (None when nothing is held or it was settled
    before)."""
    acct = _district_account(conn, district_code)
    if acct is None:
        return None
    subj = subject(contract_id)
    # What is still held: deposits less releases and refunds (a release posts on ``released``, not on
    # ``held``, so the ``held`` balance alone would refund money already paid to the seller).
    totals = funds.subject_totals(conn, [acct["id"]], [subj]).get((acct["id"], subj), {})
    held = _position(contract_id, acct, totals)["held_fen"]
    item = f"resale-refund:{contract_id}"
    if held <= 0 or funds.items_settled(conn, [item, f"resale-release:{contract_id}"]):
        return None
    la = funds.accounts_of(conn, acct["id"], subj)
    return funds.post(
        conn,
        funds.JournalIn(
            acct["id"], "refund", item, [(la["held"], held, 0), (la["bank"], 0, held)], clock.today(),
            "合同撤销，退还买受人", item=item, subject=subj, actor_account_id=actor, extra={"district": district_code},
        ),
    )  # fmt: skip


def on_registered(conn: Connection, contract_id: int, registration_id: int) -> None:
    """The transfer registration ``registration_id`` completed the filed contract ``contract_id``."""
    on_registered_many(conn, {contract_id: registration_id})


def on_registered_many(conn: Connection, completed: Mapping[int, int]) -> list[int]:
    """Transfer registrations completed these filed contracts (contract id → registration id, in the
    registration load's transaction): release everything held for each to its seller. Set-wise — a
    fixed number of queries and one ``post_many`` however many contracts a load completes (a release
    posts on the account's own ``released`` and ``bank``). Returns the release journals."""
    if not completed:
        return []
    ids = sorted(completed)
    rows = conn.execute(select(C.c.id, C.c.district_code, C.c.filing_no).where(C.c.id.in_(ids))).all()
    accts = funds.owner_accounts(conn, KIND, sorted({owner(r.district_code) for r in rows}))
    totals = funds.subject_totals(conn, sorted({a["id"] for a in accts.values()}), [subject(i) for i in ids])
    settled = funds.items_settled(conn, [f"resale-release:{i}" for i in ids])
    ledgers: dict[int, dict[str, int]] = {}
    journals: list[funds.JournalIn] = []
    today = clock.today()
    for r in rows:
        acct = accts.get(owner(r.district_code))
        item = f"resale-release:{r.id}"
        if acct is None or item in settled:
            continue
        held = _position(int(r.id), acct, totals.get((acct["id"], subject(int(r.id))), {}))["held_fen"]
        if held <= 0:
            continue
        if acct["id"] not in ledgers:
            ledgers[acct["id"]] = funds.ledger_accounts(conn, acct["id"])
        la = ledgers[acct["id"]]
        journals.append(
            funds.JournalIn(
                acct["id"], "release", item, [(la["released"], held, 0), (la["bank"], 0, held)], today,
                f"存量房合同 {r.filing_no} 转移登记完成，划付卖方", item=item, subject=subject(int(r.id)),
                extra={"filing_no": r.filing_no, "district": r.district_code, "registration": completed[int(r.id)]},
            )
        )  # fmt: skip
    return funds.post_many(conn, journals) if journals else []


def on_cancelled(conn: Connection, contract: Any, was_filed: bool, actor: int | None = None) -> None:
    """A holding resale contract was cancelled (``was_filed``: money may be held): refund the buyer."""
    if was_filed:
        _refund(conn, int(contract.id), contract.district_code, actor)


# ----------------------------------------------------------------------------------------- positions


class FundPosition(TypedDict):
    """Where a resale contract's supervised money stands (no account: nothing can have been paid in)."""

    contract_id: int
    fund_account_id: int | None
    bank: str | None
    account_no: str | None
    down_payment_fen: int  # deposited, of each kind
    loan_fen: int
    deposited_fen: int
    held_fen: int
    released_fen: int
    refunded_fen: int
    journals: list[funds.Journal]


def _position(contract_id: int, acct: funds.Account | None, t: dict[str, int]) -> FundPosition:
    dep = t.get("down_payment", 0) + t.get("loan", 0)
    rel, ref = t.get("release", 0), t.get("refund", 0)
    return {
        "contract_id": contract_id,
        "fund_account_id": acct["id"] if acct else None,
        "bank": acct["bank"] if acct else None,
        "account_no": acct["account_no"] if acct else None,
        "down_payment_fen": t.get("down_payment", 0),
        "loan_fen": t.get("loan", 0),
        "deposited_fen": dep,
        "held_fen": dep - rel - ref,
        "released_fen": rel,
        "refunded_fen": ref,
        "journals": [],
    }


def positions(conn: Connection, contracts: list[tuple[int, str]]) -> dict[int, FundPosition]:
    """The positions of (contract id, district code) pairs the caller may see, in two queries (no
    journals: a list's summary)."""
    owners = sorted({owner(d) for _, d in contracts})
    accts = funds.owner_accounts(conn, KIND, owners)
    ids = sorted({a["id"] for a in accts.values()})
    totals = funds.subject_totals(conn, ids, [subject(c) for c, _ in contracts])
    out: dict[int, FundPosition] = {}
    for cid, d in contracts:
        a = accts.get(owner(d))
        out[cid] = _position(cid, a, totals.get((a["id"], subject(cid)), {}) if a else {})
    return out


def position(conn: Connection, contract_id: int, district_code: str) -> FundPosition:
    """One contract's position with its journals (the caller has scoped the contract)."""
    pos = positions(conn, [(contract_id, district_code)])[contract_id]
    if pos["fund_account_id"] is not None:
        page = funds.journals(
            conn, fund_account_id=pos["fund_account_id"], subject=subject(contract_id), limit=100, offset=0
        )
        pos["journals"] = list(page.items)
    return pos


def staff_position(conn: Connection, scope: Scope, contract_id: int) -> FundPosition:
    """A contract's position for the bureau's staff in scope (else not found)."""
    row = conn.execute(select(C.c.id, C.c.street_code, C.c.district_code).where(C.c.id == contract_id)).first()
    missing = f"没有编号为 {contract_id} 的合同"
    if row is None:
        raise NotFound(missing)
    scope.require(row.street_code, missing)
    return position(conn, contract_id, row.district_code)
