"""Form helpers of the safety pages: text, integers, dates and the confirmation box, each refusing a bad
value with a ValidationError naming the form's field."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from anju.core.errors import ValidationError


def text(form: FormData, name: str) -> str:
    v = form.get(name)
    return v.strip() if isinstance(v, str) else ""


def opt(v: str) -> str | None:
    return v or None


def integer(form: FormData, name: str) -> int:
    v = text(form, name)
    if not v.isdigit() or len(v) > 18:
        raise ValidationError.of(name, "应为正整数")
    return int(v)


def day(form: FormData, name: str, *, required: bool = True) -> date | None:
    v = text(form, name)
    if not v and not required:
        return None
    try:
        return date.fromisoformat(v)
    except ValueError:
        raise ValidationError.of(name, "应为日期（YYYY-MM-DD）") from None


def confirmed(form: FormData, what: str) -> None:
    """The page's confirmation: a box the person ticks after reading what the action does."""
    if text(form, "confirm") != "yes":
        raise ValidationError.of("confirm", f"请勾选确认：{what}")


def values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf_token"}


def opt_int(v: str) -> int | None:
    return int(v) if v.isdigit() and len(v) < 18 else None
