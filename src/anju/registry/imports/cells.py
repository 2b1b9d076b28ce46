"""Parsing of one cell of a row (no database): numbers, areas, house codes, vocabularies.

A bad cell raises :class:`Bad` naming the field and the reason; the scan collects them per row."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from anju.registry import domain


class Bad(Exception):
    def __init__(self, fld: str, reason: str) -> None:
        super().__init__(reason)
        self.field = fld
        self.reason = reason


def memo(parse: Any, label: str, kind: str) -> Any:
    cache: dict[str, str] = {}

    def get(raw: str) -> str:
        v = cache.get(raw)
        if v is None:
            try:
                v = parse(raw).value
            except ValueError:
                raise Bad(label, f"未知的{kind}「{raw}」") from None
            cache[raw] = v
        return v

    return get


#: Characters no identifier may hold: C0 and C1 controls (line breaks and tabs among them), DEL, the line
#: and paragraph separators, invisible format characters (soft hyphen, zero-width, bidirectional
#: overrides, byte order mark) and lone surrogates.
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


def control_reason(raw: str) -> str | None:
    """Why ``raw`` cannot be an identifier (a room number, a building number, a name), or None."""
    m = _CONTROL.search(raw)
    if m is None:
        return None
    return f"不能包含控制字符或不可见字符（第 {m.start() + 1} 个字符为 U+{ord(m.group()):04X}）"


def has_control(raw: str) -> bool:
    return _CONTROL.search(raw) is not None


_INTS: dict[str, int] = {str(i): i for i in range(-20, 201)}


def house_code_reason(raw: str, e: ValueError) -> str:
    msg = str(e)
    if msg.startswith("house code check character"):
        m = re.search(r"is (\S+), expected (\S+)", msg)
        reason = f"校验码错误（为 {m.group(1)}，应为 {m.group(2)}）" if m else "校验码错误"
    else:
        reason = "应为 22 位数字加 1 位校验码（0–9 或 X），共 23 位"
    hint = "；Excel 把它存成了数字，请把该列设为文本格式" if "e+" in raw.lower() else ""
    return f"「{raw}」不是有效的房屋代码：{reason}{hint}"


def integer(raw: str, fld: str, lo: int, hi: int) -> int:
    i = _INTS.get(raw)
    if i is not None and lo <= i <= hi:
        return i
    try:
        v = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise Bad(fld, f"「{raw}」不是整数") from None
    if not v.is_finite() or v != v.to_integral_value():
        raise Bad(fld, f"「{raw}」不是整数")
    i = int(v)
    if not lo <= i <= hi:
        raise Bad(fld, f"{i} 超出范围 {lo}–{hi}")
    return i


_AREA_FAST = re.compile(r"^[1-9]\d{0,4}(?:\.\d{1,2})?$")
_TWO = Decimal("0.01")


def area(raw: str, fld: str) -> Decimal:
    if _AREA_FAST.match(raw):  # the common case: 1–99999.99 with at most two places
        return Decimal(raw).quantize(_TWO)
    try:
        return domain.parse_area(raw, field=fld)
    except ValueError:
        pass
    try:
        v = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise Bad(fld, f"「{raw}」不是数字") from None
    if not v.is_finite():
        raise Bad(fld, f"「{raw}」不是有限的数字")
    if v <= 0:
        raise Bad(fld, f"面积必须大于 0 ㎡，实际为 {raw}")
    if v > domain.AREA_MAX:
        raise Bad(fld, f"面积 {raw} ㎡ 不合理（超过 {domain.AREA_MAX} ㎡）")
    raise Bad(fld, f"面积最多两位小数，实际为 {raw}")
