"""Money: integer fen (分) inside, yuan (元) as people type and read it — one set of rules.

A typed amount may carry thousands separators in their places (``3,200.50``, ``3，200.50``; not
``3,20``) and surrounding blanks; it must be a finite decimal, not negative, with at most two decimals
(and, where a ceiling is given, not above it). A problem is a :class:`~anju.core.errors.FieldError`
naming the field: raised by :func:`yuan_to_fen`, or appended to a form's list by :func:`collect_fen`
(so a page shows every error at once).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from anju.core.errors import FieldError, ValidationError

#: The largest amount anyone may type (a hundred billion yuan): beyond it a value is a typing error.
MAX_YUAN = Decimal("99999999999.99")


class MoneyError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Digits grouped by thousands (``3,200`` or ``3，200``, never ``3,20``) and an optional fraction.
_GROUPED = re.compile(r"^-?\d{1,3}([,，]\d{3})+(\.\d+)?$")

#: What a person types: digits with an optional fraction (no exponent, underscore, plus sign or bare dot).
_PLAIN = re.compile(r"^-?\d+(\.\d+)?$")


def _parse(value: object, *, cap: Decimal | None) -> int:
    # A number already (a JSON body) keeps the checks below; typed text must first look like an amount.
    v = Decimal(value) if isinstance(value, Decimal | int) else _typed(str(value))
    if not v.is_finite():
        raise MoneyError("不是有限的数字")
    if v < 0:
        raise MoneyError("不能为负数")
    limit = MAX_YUAN if cap is None else min(cap, MAX_YUAN)
    if v > limit:
        raise MoneyError(f"超过合理范围（≤ {limit:,} 元），请核对")
    fen = v * 100
    if fen != fen.to_integral_value():
        raise MoneyError("最多两位小数")
    return int(fen)


def _typed(text: str) -> Decimal:
    text = text.strip()
    if "," in text or "，" in text:
        if not _GROUPED.match(text):
            raise MoneyError("不是数字")
        text = text.replace(",", "").replace("，", "")
    if not text:
        raise MoneyError("请填写金额（元）")
    if text.lower() in ("nan", "inf", "infinity", "-inf", "-infinity"):
        raise MoneyError("不是有限的数字")
    if not _PLAIN.match(text):
        raise MoneyError("不是数字")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        raise MoneyError("不是数字") from None


def yuan_to_fen(value: object, field: str, *, cap: Decimal | None = None) -> int:
    """Yuan as typed to integer fen; a bad amount raises :class:`ValidationError` naming ``field``."""
    try:
        return _parse(value, cap=cap)
    except MoneyError as e:
        raise ValidationError.of(field, e.reason) from None


def collect_fen(
    value: object, field: str, errors: list[FieldError], *, required: bool = True, cap: Decimal | None = None
) -> int | None:
    """Yuan as typed to fen, for forms that show every problem at once: a problem is appended to
    ``errors`` (and ``None`` returned). An empty optional amount is ``None`` without an error."""
    if not required and not str(value).strip():
        return None
    try:
        return _parse(value, cap=cap)
    except MoneyError as e:
        errors.append(FieldError(field, e.reason))
        return None


def fen_to_yuan(fen: int, *, unit: bool = False) -> str:
    """``320050`` → ``3,200.50`` (``3,200.50 元`` with ``unit``); negative amounts keep their sign."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{part:02d}" + (" 元" if unit else "")
