"""Bank statement lines and the daily reconciliation of any supervised fund account against them.

The bank pushes statement lines (CSV ``date,amount_fen,direction,reference``); each day the platform's
movements of an account's cash ledger account (``bank``) are compared with the bank's lines by
reference, and the closing balances with each other. Owning contexts check the caller's scope on the
account (``engine.scoped_account``) and add their own columns (the party's name, the project's).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, case, func, insert, select

from anju.core import clock
from anju.core.errors import FieldError, ValidationError
from anju.core.paging import Page, fetch_page
from anju.funds.domain import CASH
from anju.funds.tables import fund_bank_lines, fund_journals, fund_ledger_accounts, fund_postings

MAX_IMPORT_LINES = 50_000  # lines of one bank statement import at most


class _ParsedLine(TypedDict):
    booked_on: date
    amount_fen: int
    direction: str
    reference: str
    row: int


class BankLine(TypedDict):
    """A statement line the bank pushed for a fund account."""

    id: int
    booked_on: date
    amount_fen: int
    direction: str
    reference: str
    imported_at: datetime


class BankImport(TypedDict):
    """Lines of a statement, those imported, and those skipped as imported before."""

    lines: int
    imported: int
    skipped: int


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


def parse_bank_lines(text: str) -> list[_ParsedLine]:
    """The statement's rows, every one validated (errors name the row); any error refuses them all."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in next(reader, [])]
    if tuple(header[:4]) != ("date", "amount_fen", "direction", "reference"):
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


def import_bank_lines(conn: Connection, fund_account_id: int, text: str, actor_account_id: int | None) -> BankImport:
    """Statement lines for a fund account the caller scoped, all or nothing (every row validated
    first). A line imported before (same reference and direction) is skipped: a re-sent statement
    changes nothing."""
    lines = parse_bank_lines(text)
    bl = fund_bank_lines
    seen = (
        {
            (r.reference, r.direction)
            for r in conn.execute(
                select(bl.c.reference, bl.c.direction).where(
                    bl.c.fund_account_id == fund_account_id, bl.c.reference.in_(sorted({x["reference"] for x in lines}))
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
                "fund_account_id": fund_account_id,
                "booked_on": x["booked_on"],
                "amount_fen": x["amount_fen"],
                "direction": x["direction"],
                "reference": x["reference"],
                "imported_at": now,
                "imported_by": actor_account_id,
            }
        )
    if new:
        conn.execute(insert(bl), new)
    return {"lines": len(lines), "imported": len(new), "skipped": len(lines) - len(new)}


def bank_lines(conn: Connection, fund_account_id: int, *, limit: int, offset: int) -> Page[BankLine]:
    """The bank's statement lines of one fund account, newest first."""
    stmt = (
        select(fund_bank_lines)
        .where(fund_bank_lines.c.fund_account_id == fund_account_id)
        .order_by(fund_bank_lines.c.booked_on.desc(), fund_bank_lines.c.id.desc())
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


def _cash(ids: Sequence[int]) -> Any:
    la = fund_ledger_accounts
    return select(la.c.id).where(la.c.fund_account_id.in_(list(ids)), la.c.kind == CASH)


def day_figures(conn: Connection, ids: Sequence[int], on: date) -> dict[int, DayFigures]:
    """Per fund account (already scoped): the platform's bank-cash movements and closing balance on
    ``on`` and the bank's, in four grouped queries."""
    out: dict[int, DayFigures] = {
        int(i): {
            "platform_in": 0, "platform_out": 0, "platform_balance": 0, "bank_in": 0, "bank_out": 0, "bank_balance": 0,
            "difference": 0, "balanced": 0,
        }
        for i in ids
    }  # fmt: skip
    if not ids:
        return out
    j, p, bl = fund_journals, fund_postings, fund_bank_lines
    base = (
        select(
            j.c.fund_account_id, func.coalesce(func.sum(p.c.debit_fen), 0), func.coalesce(func.sum(p.c.credit_fen), 0)
        )
        .join(p, p.c.journal_id == j.c.id)
        .where(p.c.ledger_account_id.in_(_cash(ids)))
        .group_by(j.c.fund_account_id)
    )
    for a, dr, cr in conn.execute(base.where(j.c.booked_on == on)):
        out[int(a)]["platform_in"], out[int(a)]["platform_out"] = int(dr), int(cr)
    for a, dr, cr in conn.execute(base.where(j.c.booked_on <= on)):
        out[int(a)]["platform_balance"] = int(dr) - int(cr)
    signed_in = func.sum(case((bl.c.direction == "in", bl.c.amount_fen), else_=0))
    signed_out = func.sum(case((bl.c.direction == "out", bl.c.amount_fen), else_=0))
    bank = select(bl.c.fund_account_id, signed_in, signed_out).where(bl.c.fund_account_id.in_(list(ids)))
    for a, i_, o_ in conn.execute(bank.where(bl.c.booked_on == on).group_by(bl.c.fund_account_id)):
        out[int(a)]["bank_in"], out[int(a)]["bank_out"] = int(i_ or 0), int(o_ or 0)
    for a, i_, o_ in conn.execute(bank.where(bl.c.booked_on <= on).group_by(bl.c.fund_account_id)):
        out[int(a)]["bank_balance"] = int(i_ or 0) - int(o_ or 0)
    for f in out.values():
        f["difference"] = f["platform_balance"] - f["bank_balance"]
        f["balanced"] = int(
            f["difference"] == 0 and f["platform_in"] == f["bank_in"] and f["platform_out"] == f["bank_out"]
        )
    return out


def reconcile(conn: Connection, fund_account_id: int, on: date) -> Reconciliation:
    """One (scoped) account's reconciliation of a day: the platform's and the bank's movements and
    balances, the references only one side has, and the trial balance of its ledger (always zero)."""
    fig = day_figures(conn, [fund_account_id], on)[fund_account_id]
    j, p, bl = fund_journals, fund_postings, fund_bank_lines
    ours = {
        (r.reference, "in" if r.dr else "out"): int(r.dr or r.cr)
        for r in conn.execute(
            select(j.c.reference, p.c.debit_fen.label("dr"), p.c.credit_fen.label("cr"))
            .join(p, p.c.journal_id == j.c.id)
            .where(
                j.c.fund_account_id == fund_account_id,
                j.c.booked_on == on,
                p.c.ledger_account_id.in_(_cash([fund_account_id])),
            )
        )
    }
    theirs = {
        (r.reference, r.direction): int(r.amount_fen)
        for r in conn.execute(
            select(bl.c.reference, bl.c.direction, bl.c.amount_fen).where(
                bl.c.fund_account_id == fund_account_id, bl.c.booked_on == on
            )
        )
    }
    differences: list[Difference] = []
    for k in sorted(set(ours) | set(theirs)):
        a, b = ours.get(k), theirs.get(k)
        if a != b:
            differences.append({"reference": k[0], "direction": k[1], "platform_fen": a, "bank_fen": b})
    trial = conn.execute(
        select(func.coalesce(func.sum(fund_ledger_accounts.c.balance_fen), 0)).where(
            fund_ledger_accounts.c.fund_account_id == fund_account_id
        )
    ).scalar_one()
    return {
        "account_id": fund_account_id,
        "on": on,
        "platform_in": fig["platform_in"],
        "platform_out": fig["platform_out"],
        "platform_balance": fig["platform_balance"],
        "bank_in": fig["bank_in"],
        "bank_out": fig["bank_out"],
        "bank_balance": fig["bank_balance"],
        "difference": fig["difference"],
        "balanced": bool(fig["balanced"]) and not differences,
        "differences": differences,
        "trial_balance_fen": int(trial),
    }
