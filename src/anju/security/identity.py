"""Validation and masking of personal identifiers.

Check digits come from python-stdnum (GB 11643 resident identity numbers, GB 32100 unified social
credit codes); nothing here re-implements them. Every validator returns the normalised value or raises
:class:`anju.core.errors.ValidationError` naming the field — and never echoes the value back.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from anju.core.errors import ValidationError

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
NAME_RE = re.compile(r"^[\u3400-\u9fff·•A-Za-z][\u3400-\u9fff·• A-Za-z]{0,38}[\u3400-\u9fffA-Za-z]$")


_RIC_REASONS = {
    "InvalidLength": "居民身份证号码应为 18 位",
    "InvalidChecksum": "居民身份证号码校验位不正确",
    "InvalidComponent": "居民身份证号码中的出生日期或地址码无效",
    "InvalidFormat": "居民身份证号码格式不正确",
}


@lru_cache(maxsize=65536)
def _birth_place_known(region: str, year: int) -> bool:
    """Whether python-stdnum knows the address code ``region`` for a person born in ``year`` (its
    table look-up is the costly part of ``ric.validate``: feeds check millions of numbers, from a few
    thousand address codes)."""
    try:
        ric.get_birth_place(f"{region}{year:04d}0101000X")
    except (StdnumError, KeyError):  # KeyError: an entry without a county in the table (320192)
        return False
    return True


def resident_id(value: str, field: str = "id_number") -> str:
    """A GB 11643 resident identity number (18 characters; a legacy 15-digit one is upgraded).

    The same checks as ``stdnum.cn.ric.validate`` (length, digits, check digit, birth date, address
    code at the birth year), with the address code's look-up cached per code and year."""
    v = "".join(value.split()).upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        v = body + ric.calc_check_digit(body + "0")  # the function skips the last character
    if len(v) != 18:
        raise ValidationError.of(field, _RIC_REASONS["InvalidLength"])
    if not v[:-1].isdigit() or not v[:-1].isascii():
        raise ValidationError.of(field, _RIC_REASONS["InvalidFormat"])
    if v[-1] != ric.calc_check_digit(v):
        raise ValidationError.of(field, _RIC_REASONS["InvalidChecksum"])
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValidationError.of(field, _RIC_REASONS["InvalidComponent"]) from None
    if not _birth_place_known(v[:6], born.year):
        raise ValidationError.of(field, _RIC_REASONS["InvalidComponent"])
    return v


def credit_code(value: str, field: str = "org_code") -> str:
    """A GB 32100 unified social credit code of an organisation."""
    v = "".join(value.split()).upper()
    try:
        return str(uscc.validate(v))
    except StdnumError as e:
        reason = (
            "统一社会信用代码校验位不正确" if type(e).__name__ == "InvalidChecksum" else "统一社会信用代码应为 18 位"
        )
        raise ValidationError.of(field, reason) from None


def phone(value: str, field: str = "phone") -> str:
    """A mainland mobile number (11 digits, optional +86 prefix)."""
    v = re.sub(r"[\s-]", "", value)
    v = v.removeprefix("+86").removeprefix("0086")
    if not PHONE_RE.match(v):
        raise ValidationError.of(field, "手机号码应为 11 位，以 1 开头")
    return v


def person_name(value: str, field: str = "name") -> str:
    v = " ".join(value.split())
    if not NAME_RE.match(v):
        raise ValidationError.of(field, "姓名应为 2–40 个汉字或字母")
    return v


def mask_id(value: str) -> str:
    """``320102199001011234`` → ``3201**********1234``."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` → ``138****5678``."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """``张三`` → ``张*``; ``欧阳娜娜`` → ``欧***``; brackets, quotes and spaces stay as they are, and
    the first letter shown is a letter (``（产权人）`` → ``（产**）``, not ``（****``)."""
    out: list[str] = []
    shown = False
    for ch in value:
        if not ch.isalnum():
            out.append(ch)
        elif not shown:
            out.append(ch)
            shown = True
        else:
            out.append("*")
    return "".join(out)
