"""Validation and masking of personal identifiers.

Check digits come from python-stdnum (GB 11643 resident identity numbers, GB 32100 unified social
credit codes); nothing here re-implements them. Every validator returns the normalised value or raises
:class:`anju.core.errors.ValidationError` naming the field — and never echoes the value back.
"""

from __future__ import annotations

import re

from stdnum.cn import ric, uscc
from stdnum.exceptions import ValidationError as StdnumError

from anju.core.errors import ValidationError

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
NAME_RE = re.compile(r"^[\u3400-\u9fff·•A-Za-z][\u3400-\u9fff·• A-Za-z]{0,38}[\u3400-\u9fffA-Za-z]$")


def resident_id(value: str, field: str = "id_number") -> str:
    """A GB 11643 resident identity number (18 characters; a legacy 15-digit one is upgraded)."""
    v = "".join(value.split()).upper()
    if len(v) == 15 and v.isdigit():
        body = v[:6] + "19" + v[6:]
        v = body + ric.calc_check_digit(body + "0")  # the function skips the last character
    try:
        return str(ric.validate(v))
    except KeyError:  # python-stdnum's region table has an entry without a county for some codes (320192)
        raise ValidationError.of(field, "居民身份证号码中的出生日期或地址码无效") from None
    except StdnumError as e:
        reason = {
            "InvalidLength": "居民身份证号码应为 18 位",
            "InvalidChecksum": "居民身份证号码校验位不正确",
            "InvalidComponent": "居民身份证号码中的出生日期或地址码无效",
            "InvalidFormat": "居民身份证号码格式不正确",
        }.get(type(e).__name__, "居民身份证号码无效")
        raise ValidationError.of(field, reason) from None


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
