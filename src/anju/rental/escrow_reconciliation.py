"""Rent escrow: the bank's statement lines and the daily reconciliation of every supervised account
against them (the supervisors' account list and account page)."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, case, func, insert, select

from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.rental import escrow
from anju.rental.tables import (
    rental_escrow_accounts,
    rental_escrow_bank_lines,
    rental_escrow_journals,
    rental_escrow_ledger_accounts,
    rental_escrow_positions,
    rental_escrow_postings,
    rental_parties,
)
from anju.security import Caller

MAX_IMPORT_LINES = 50_000  # lines of one bank statement import at most


class _ParsedLine(TypedDict):
    booked_on: date
    amount_fen: int
    direction: str
    reference: str
    row: int


class BankLine(TypedDict):
    """A statement line the bank pushed for an escrow account."""

    id: int
    booked_on: date
    amount_fen: int
    direction: str
    reference: str
    imported_at: datetime


class DayFigures(TypedDict):
    """An account's bank-cash movements and closing balance of one day, the platform's and the bank's."""

    platform_in: int
    platform_out: int
    platform_balance: int
    bank_in: int
    bank_out: int
    bank_balance: int
    difference: int
    balanced: int  # 1 or 0 (the reconciliation CSVs print it so)


class Account(TypedDict):
    """A supervised escrow account of a filed party."""

    id: int
    party_id: int
    party_name: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    opened_at: datetime


class AccountDay(Account, DayFigures):
    """An account with its reconciliation figures of one day."""


class AccountDetail(Account):
    """An account with its balances by ledger-account kind (fen) and its active leases."""

    balances: dict[str, int]
    active_leases: int


class Difference(TypedDict):
    """A reference only one side has (or with different amounts)."""

    reference: str
    direction: str
    platform_fen: int | None
    bank_fen: int | None


class Reconciliation(TypedDict):
    """One account's reconciliation of a day."""

    account_id: int
    on: date
    platform_in: int
    platform_out: int
    platform_balance: int
    bank_in: int
    bank_out: int
    bank_balance: int
    difference: int
    balanced: bool
    differences: list[Difference]
    trial_balance_fen: int


# ------------------------------------------------------------------------------------ bank movements


def _parse_bank_lines(text: str) -> list[_ParsedLine]:
    """The statement's rows, every one validated (errors name the row); any error refuses them all."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    cols = ("date", "amount_fen", "direction", "reference")
    if tuple(header[:4]) != cols:
        raise ValidationError.of("file", "表头应为 date,amount_fen,direction,reference")
    errors: list[FieldError] = []
    lines: list[_ParsedLine] = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(lines) >= MAX_IMPORT_LINES:
            raise ValidationError.of("file", f"一次最多导入 {MAX_IMPORT_LINES} 行")
        if len(row) < 4:
            errors.append(FieldError("file", "列数不足", n))
            continue
        d, amt, direction, ref = (c.strip() for c in row[:4])
        try:
            day = date.fromisoformat(d)
        except ValueError:
            errors.append(FieldError("date", "日期应为 YYYY-MM-DD", n))
            continue
        if not amt.isdigit() or not 0 < int(amt) <= 10**13:
            errors.append(FieldError("amount_fen", "金额应为正整数（分）", n))
            continue
        if direction not in ("in", "out"):
            errors.append(FieldError("direction", "方向应为 in 或 out", n))
            continue
        if not 1 <= len(ref) <= 64:
            errors.append(FieldError("reference", "流水号应为 1–64 个字符", n))
            continue
        lines.append({"booked_on": day, "amount_fen": int(amt), "direction": direction, "reference": ref, "row": n})
    if errors:
        raise ValidationError(f"银行流水有 {len(errors)} 处错误，未导入", errors)
    return lines


class BankImport(TypedDict):
    """Lines of a statement, those imported, and those skipped as imported before."""

    lines: int
    imported: int
    skipped: int


def import_bank_lines(
    conn: Connection, caller: Caller, escrow_account_id: int, text: str, actor_account_id: int | None = None
) -> BankImport:
    """Statement lines the bank pushed for an escrow account, as CSV ``date,amount_fen,direction,reference``
    (a header row). Every row is validated first (errors name the row); all or nothing. A line already
    imported (same reference and direction) is skipped, so a re-sent statement changes nothing."""
    escrow.scoped_account(conn, caller.scope, escrow_account_id)
    lines = _parse_bank_lines(text)
    seen = (
        {
            (r.reference, r.direction)
            for r in conn.execute(
                select(rental_escrow_bank_lines.c.reference, rental_escrow_bank_lines.c.direction).where(
                    rental_escrow_bank_lines.c.escrow_account_id == escrow_account_id,
                    rental_escrow_bank_lines.c.reference.in_(sorted({x["reference"] for x in lines})),
                )
            )
        }
        if lines
        else set()
    )
    now = clock.now()
    new, keys = [], set()
    for x in lines:
        k = (x["reference"], x["direction"])
        if k in seen or k in keys:
            continue
        keys.add(k)
        new.append(
            {
                "escrow_account_id": escrow_account_id,
                "booked_on": x["booked_on"],
                "amount_fen": x["amount_fen"],
                "direction": x["direction"],
                "reference": x["reference"],
                "imported_at": now,
                "imported_by": actor_account_id if actor_account_id is not None else caller.account_id,
            }
        )
    if new:
        conn.execute(insert(rental_escrow_bank_lines), new)
    return {"lines": len(lines), "imported": len(new), "skipped": len(lines) - len(new)}


def bank_lines(conn: Connection, scope: Scope, escrow_account_id: int, *, limit: int, offset: int) -> Page[BankLine]:
    """The bank's statement lines of one escrow account, newest first."""
    escrow.scoped_account(conn, scope, escrow_account_id)
    stmt = (
        select(rental_escrow_bank_lines)
        .where(rental_escrow_bank_lines.c.escrow_account_id == escrow_account_id)
        .order_by(rental_escrow_bank_lines.c.booked_on.desc(), rental_escrow_bank_lines.c.id.desc())
    )
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_bank_line)


def _bank_line(r: Any) -> BankLine:
    return {
        "id": int(r.id),
        "booked_on": r.booked_on,
        "amount_fen": int(r.amount_fen),
        "direction": r.direction,
        "reference": r.reference,
        "imported_at": r.imported_at,
    }


# ------------------------------------------------------------------------------------ reconciliation


def _day_figures(conn: Connection, acct_ids: Sequence[int] | None, on: date, scope: Scope) -> dict[int, DayFigures]:
    """Per escrow account: the platform's bank-cash movements and closing balance on ``on`` and the
    bank's, in four grouped queries."""
    conds = scope.where(rental_escrow_accounts.c.street_code)
    if acct_ids is not None:
        conds.append(rental_escrow_accounts.c.id.in_(list(acct_ids)))
    ids = [int(x) for x in conn.execute(select(rental_escrow_accounts.c.id).where(*conds)).scalars()]
    out: dict[int, DayFigures] = {
        i: {
            "platform_in": 0, "platform_out": 0, "platform_balance": 0, "bank_in": 0, "bank_out": 0, "bank_balance": 0,
            "difference": 0, "balanced": 0,
        }
        for i in ids
    }  # fmt: skip
    if not ids:
        return out
    bank_la = select(rental_escrow_ledger_accounts.c.id).where(
        rental_escrow_ledger_accounts.c.escrow_account_id.in_(ids), rental_escrow_ledger_accounts.c.kind == "bank"
    )
    base = (
        select(
            rental_escrow_journals.c.escrow_account_id,
            func.coalesce(func.sum(rental_escrow_postings.c.debit_fen), 0),
            func.coalesce(func.sum(rental_escrow_postings.c.credit_fen), 0),
        )
        .join(rental_escrow_postings, rental_escrow_postings.c.journal_id == rental_escrow_journals.c.id)
        .where(rental_escrow_postings.c.ledger_account_id.in_(bank_la))
        .group_by(rental_escrow_journals.c.escrow_account_id)
    )
    for a, dr, cr in conn.execute(base.where(rental_escrow_journals.c.booked_on == on)):
        out[int(a)]["platform_in"], out[int(a)]["platform_out"] = int(dr), int(cr)
    for a, dr, cr in conn.execute(base.where(rental_escrow_journals.c.booked_on <= on)):
        out[int(a)]["platform_balance"] = int(dr) - int(cr)
    signed_in = func.sum(
        case((rental_escrow_bank_lines.c.direction == "in", rental_escrow_bank_lines.c.amount_fen), else_=0)
    )
    signed_out = func.sum(
        case((rental_escrow_bank_lines.c.direction == "out", rental_escrow_bank_lines.c.amount_fen), else_=0)
    )
    bank = select(rental_escrow_bank_lines.c.escrow_account_id, signed_in, signed_out).where(
        rental_escrow_bank_lines.c.escrow_account_id.in_(ids)
    )
    for a, i_, o_ in conn.execute(
        bank.where(rental_escrow_bank_lines.c.booked_on == on).group_by(rental_escrow_bank_lines.c.escrow_account_id)
    ):
        out[int(a)]["bank_in"], out[int(a)]["bank_out"] = int(i_ or 0), int(o_ or 0)
    for a, i_, o_ in conn.execute(
        bank.where(rental_escrow_bank_lines.c.booked_on <= on).group_by(rental_escrow_bank_lines.c.escrow_account_id)
    ):
        out[int(a)]["bank_balance"] = int(i_ or 0) - int(o_ or 0)
    for f in out.values():
        f["difference"] = f["platform_balance"] - f["bank_balance"]
        f["balanced"] = int(
            f["difference"] == 0 and f["platform_in"] == f["bank_in"] and f["platform_out"] == f["bank_out"]
        )
    return out


def _account_out(r: Any) -> Account:
    return {
        "id": int(r.id),
        "party_id": int(r.party_id),
        "party_name": r.party_name,
        "bank": r.bank,
        "account_no": r.account_no,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "opened_at": r.opened_at,
    }


def _accounts_query() -> Any:
    return select(rental_escrow_accounts, rental_parties.c.name.label("party_name")).join(
        rental_parties, rental_parties.c.id == rental_escrow_accounts.c.party_id
    )


def list_accounts(
    conn: Connection, scope: Scope, on: date, *, imbalanced_first: bool = True, limit: int, offset: int
) -> Page[AccountDay]:
    """The escrow accounts in scope with their reconciliation figures of ``on``, imbalances first."""
    figures = _day_figures(conn, None, on, scope)
    rows = conn.execute(
        _accounts_query().where(rental_escrow_accounts.c.id.in_(list(figures))).order_by(rental_escrow_accounts.c.id)
    ).all()
    items: list[AccountDay] = [{**_account_out(r), **figures[int(r.id)]} for r in rows]
    if imbalanced_first:
        items.sort(key=lambda i: (i["balanced"], i["id"]))
    return Page(items[offset : offset + limit], len(items))


def account_details(conn: Connection, ids: Sequence[int]) -> list[AccountDetail]:
    """Accounts with their balances by ledger-account kind and their active leases: three grouped queries."""
    if not ids:
        return []
    rows = conn.execute(
        _accounts_query().where(rental_escrow_accounts.c.id.in_(list(ids))).order_by(rental_escrow_accounts.c.id)
    ).all()
    balances: dict[int, dict[str, int]] = defaultdict(dict)
    for a, kind, total in conn.execute(
        select(
            rental_escrow_ledger_accounts.c.escrow_account_id,
            rental_escrow_ledger_accounts.c.kind,
            func.sum(rental_escrow_ledger_accounts.c.balance_fen),
        )
        .where(rental_escrow_ledger_accounts.c.escrow_account_id.in_(list(ids)))
        .group_by(rental_escrow_ledger_accounts.c.escrow_account_id, rental_escrow_ledger_accounts.c.kind)
    ):
        balances[int(a)][kind] = int(total)
    leases: dict[int, int] = dict(
        conn.execute(
            select(rental_escrow_positions.c.escrow_account_id, func.count())
            .where(
                rental_escrow_positions.c.escrow_account_id.in_(list(ids)), rental_escrow_positions.c.status == "active"
            )
            .group_by(rental_escrow_positions.c.escrow_account_id)
        ).all()
    )
    return [
        {**_account_out(r), "balances": balances.get(int(r.id), {}), "active_leases": int(leases.get(r.id, 0))}
        for r in rows
    ]


def get_account(conn: Connection, scope: Scope, account_id: int) -> AccountDetail:
    escrow.scoped_account(conn, scope, account_id)
    return account_details(conn, [account_id])[0]


def reconciliation(conn: Connection, scope: Scope, account_id: int, on: date) -> Reconciliation:
    """One account's reconciliation of a day: the platform's and the bank's movements and balances,
    the references only one side has, and the trial balance of the account's ledger (always zero)."""
    escrow.scoped_account(conn, scope, account_id)
    fig = _day_figures(conn, [account_id], on, scope)[account_id]
    bank_la = select(rental_escrow_ledger_accounts.c.id).where(
        rental_escrow_ledger_accounts.c.escrow_account_id == account_id, rental_escrow_ledger_accounts.c.kind == "bank"
    )
    ours = {
        (r.reference, "in" if r.dr else "out"): int(r.dr or r.cr)
        for r in conn.execute(
            select(
                rental_escrow_journals.c.reference,
                rental_escrow_postings.c.debit_fen.label("dr"),
                rental_escrow_postings.c.credit_fen.label("cr"),
            )
            .join(rental_escrow_postings, rental_escrow_postings.c.journal_id == rental_escrow_journals.c.id)
            .where(
                rental_escrow_journals.c.escrow_account_id == account_id,
                rental_escrow_journals.c.booked_on == on,
                rental_escrow_postings.c.ledger_account_id.in_(bank_la),
            )
        )
    }
    theirs = {
        (r.reference, r.direction): int(r.amount_fen)
        for r in conn.execute(
            select(
                rental_escrow_bank_lines.c.reference,
                rental_escrow_bank_lines.c.direction,
                rental_escrow_bank_lines.c.amount_fen,
            ).where(
                rental_escrow_bank_lines.c.escrow_account_id == account_id, rental_escrow_bank_lines.c.booked_on == on
            )
        )
    }
    differences: list[Difference] = []
    for k in sorted(set(ours) | set(theirs)):
        a, b = ours.get(k), theirs.get(k)
        if a != b:
            differences.append({"reference": k[0], "direction": k[1], "platform_fen": a, "bank_fen": b})
    trial = conn.execute(
        select(func.coalesce(func.sum(rental_escrow_ledger_accounts.c.balance_fen), 0)).where(
            rental_escrow_ledger_accounts.c.escrow_account_id == account_id
        )
    ).scalar_one()
    balanced = bool(fig["balanced"]) and not differences
    return {
        "account_id": account_id,
        "on": on,
        "platform_in": fig["platform_in"],
        "platform_out": fig["platform_out"],
        "platform_balance": fig["platform_balance"],
        "bank_in": fig["bank_in"],
        "bank_out": fig["bank_out"],
        "bank_balance": fig["bank_balance"],
        "difference": fig["difference"],
        "balanced": balanced,
        "differences": differences,
        "trial_balance_fen": int(trial),
    }


def reconcile_all(conn: Connection, scope: Scope, on: date) -> list[AccountDay]:
    """Every account's figures of ``on`` (for the command line), imbalances first."""
    return list(list_accounts(conn, scope, on, limit=10**9, offset=0).items)
