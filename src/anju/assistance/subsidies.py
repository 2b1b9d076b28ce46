"""Rent subsidies, paid monthly (:func:`pay_subsidies`, idempotent per application and month)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select
from sqlalchemy.exc import IntegrityError

from anju import ledger
from anju.assistance import domain
from anju.assistance.catalogue import Editions
from anju.assistance.common import LOG, log_entry, midnight, require_officer
from anju.assistance.tables import applications, programme_editions, subsidy_payments
from anju.core import clock
from anju.core.errors import Conflict, FieldError, ValidationError
from anju.security import Caller


class Payment(TypedDict):
    """The result of a month's subsidy run."""

    paid: int
    amount_fen: int
    already_paid: int


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(month: str) -> tuple[date, date]:
    """'YYYY-MM' → (first day, first day of the next month), or a ValidationError naming ``month``."""
    m = _MONTH.match(month or "")
    if not m or not 2000 <= int(m.group(1)) <= 2100 or not 1 <= int(m.group(2)) <= 12:
        raise ValidationError.of("month", "应为 YYYY-MM 格式的月份（2000–2100 年）")
    first = date(int(m.group(1)), int(m.group(2)), 1)
    return first, domain.add_months(first, 1)


def pay_subsidies(conn: Connection, caller: Caller, month: str) -> Payment:
    """One payment per approved rent-subsidy application (approved before the month ended) in the
    caller's scope for ``month``, the amount from its edition (per person with a cap, or by talent
    tier). Idempotent: applications already paid that month are skipped (unique per application and
    month), so a second run pays nothing. Each run that pays appends a summary to the log."""
    require_officer(caller)
    first, nxt = parse_month(month)
    if first > clock.today():
        raise ValidationError.of("month", "不能发放未来月份的补贴")
    subsidy_editions = [
        int(r.id)
        for r in conn.execute(select(programme_editions.c.id, programme_editions.c.policy))
        if json.loads(r.policy).get("benefit") == domain.Benefit.subsidy
    ]
    if not subsidy_editions:
        return {"paid": 0, "amount_fen": 0, "already_paid": 0}
    paid = select(subsidy_payments.c.id).where(
        subsidy_payments.c.application_id == applications.c.id, subsidy_payments.c.month == month
    )
    base = [
        applications.c.edition_id.in_(subsidy_editions),
        applications.c.status == domain.AppStatus.approved.value,
        applications.c.decided_at < midnight(nxt),
        *caller.scope.where(applications.c.street_code),
    ]
    already = conn.execute(select(func.count()).select_from(applications).where(*base, paid.exists())).scalar_one()
    rows = conn.execute(
        select(
            applications.c.id,
            applications.c.app_no,
            applications.c.edition_id,
            applications.c.household_size,
            applications.c.talent_tier,
        )
        .where(*base, ~paid.exists())
        .order_by(applications.c.id)
    ).all()
    if not rows:
        return {"paid": 0, "amount_fen": 0, "already_paid": int(already)}
    eds = Editions(conn)
    now = clock.now()
    out: list[dict[str, Any]] = [
        {
            "application_id": int(r.id),
            "month": month,
            "amount_fen": eds(r.edition_id).monthly_subsidy(r.household_size, r.talent_tier),
            "created_at": now,
        }
        for r in rows
    ]
    try:  # a concurrent run of the same month collides on the unique (application, month): refused whole
        conn.execute(subsidy_payments.insert(), out)
    except IntegrityError:
        raise Conflict(f"{month} 的补贴正在由他人发放，请稍后重试", [FieldError("month", "正在发放")]) from None
    total = sum(int(p["amount_fen"]) for p in out)
    digest = hashlib.new(
        "sm3", "".join(f"{r.app_no}\t{p['amount_fen']}\n" for r, p in zip(rows, out, strict=True)).encode()
    ).hexdigest()
    ledger.append(
        conn,
        LOG,
        [
            log_entry(
                "assistance.subsidies.paid",
                month=month,
                payments=len(out),
                amount_fen=total,
                sm3=digest,
                actor=caller.username,
                at=now.isoformat(),
            )
        ],
    )
    return {"paid": len(out), "amount_fen": total, "already_paid": int(already)}
