"""Form fields of the rental pages as typed: dates, whole numbers and yuan amounts parsed with every
problem collected (so a page shows them all at once), and a service's errors placed beside the form's
fields (that last rule is the web kit's ``split_errors``, shared with the other contexts' pages)."""

from __future__ import annotations

from datetime import date

from anju.core import money
from anju.core.errors import FieldError

#: What a page says of an amount it cannot read (the rental pages' wording, pinned by their tests).
BAD_YUAN = "金额应为不小于 0 的数字（元），最多两位小数"


def yuan_field(text: str, field: str, errors: list[FieldError], *, required: bool = True) -> int | None:
    """Yuan as typed (``3,200.50``, ``3，200``) to integer fen by :mod:`anju.core.money`'s rules; a
    problem is added to ``errors`` (then ``None``); an empty optional amount is ``None``."""
    found: list[FieldError] = []
    fen = money.collect_fen(text, field, found, required=required)
    if found:
        errors.append(found[0] if not text.strip() else FieldError(field, BAD_YUAN))
    return fen


def parse_date(text: str, field: str, errors: list[FieldError], *, required: bool = True) -> date | None:
    v = text.strip()
    if not v:
        if required:
            errors.append(FieldError(field, "请填写日期"))
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        errors.append(FieldError(field, "日期应为 YYYY-MM-DD"))
        return None


def parse_int(text: str, field: str, errors: list[FieldError], *, required: bool = False) -> int | None:
    v = text.strip()
    if not v:
        if required:
            errors.append(FieldError(field, "必填"))
        return None
    if not v.isdigit() or len(v) > 18:
        errors.append(FieldError(field, "应为正整数"))
        return None
    return int(v)
