"""The default expiry of an event recorded without one (by hand, or an inspection's outcome): the
kind's ``expiry_months`` in the scoring edition in force on the event's date — the same period after
which the assessment stops counting it — so the file shows when the record stops being in effect
rather than 长期. A kind the edition gives no expiry (0), or does not name, stays without one."""

from __future__ import annotations

from datetime import date

from anju.credit.assessment import add_months
from anju.credit.scoring import edition_on


def default_expiry(kind: str, occurred_on: date) -> date | None:
    rule = edition_on(occurred_on).kinds.get(kind)
    if rule is None or not rule.expiry_months:
        return None
    return add_months(occurred_on, rule.expiry_months)
