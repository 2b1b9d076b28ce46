"""The page-form pattern, once: run a write; on a refusal re-render the form with the errors at their
fields; on success redirect (303, so a reload does not post again)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TypeVar

from fastapi.responses import RedirectResponse, Response

from anju.core.errors import AnjuError, FieldError

T = TypeVar("T")


def form_action(
    write: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    again: Callable[[AnjuError], Response],
    not_found_is_error_page: bool = True,
) -> Response:
    """``write()`` (which opens its own audited transaction); a refusal (:class:`AnjuError`) answers
    ``again(error)`` — the same page with ``error.errors`` beside their fields — and a missing record
    (404) stays the error page unless ``not_found_is_error_page`` is off. Success redirects to ``done``
    (or to ``done(result)``)."""
    try:
        result = write()
    except AnjuError as e:
        if not_found_is_error_page and e.status_code == 404:
            raise
        return again(e)
    url = done(result) if callable(done) else done
    return RedirectResponse(url, status_code=303)


def split_errors(
    errors: Iterable[FieldError], fields: Iterable[str], aliases: Mapping[str, str] | None = None
) -> tuple[dict[str, str], list[FieldError]]:
    """Errors by form field (to show next to it) and the rest (shown above the form).

    ``extra_clauses.3`` is shown at ``extra_clauses``; ``aliases`` maps a service's field name to the
    form's (``rent_fen`` → ``rent_yuan``)."""
    known = set(fields)
    by_field: dict[str, str] = {}
    rest: list[FieldError] = []
    for e in errors:
        name = (aliases or {}).get(e.field, e.field.split(".")[0])
        if name in known:
            by_field[name] = f"{by_field[name]}；{e.reason}" if name in by_field else e.reason
        else:
            rest.append(e)
    return by_field, rest
