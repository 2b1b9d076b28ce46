"""Errors that name the field and the reason; the web layer turns them into JSON 4xx answers."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    reason: str
    row: int | None = None

    def as_dict(self) -> dict[str, object]:
        d: dict[str, object] = {"field": self.field, "reason": self.reason}
        if self.row is not None:
            d["row"] = self.row
        return d


class AnjuError(Exception):
    """Base of the errors a user can cause; carries an HTTP status for the web layer."""

    status_code = 400
    code = "bad_request"
    #: Set when the refusal has already been written to the audit log (the web layer records the rest).
    audited = False

    def __init__(self, message: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []

    def as_dict(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, "errors": [e.as_dict() for e in self.errors]}


class ValidationError(AnjuError):
    status_code = 422
    code = "invalid"

    @classmethod
    def of(cls, field_name: str, reason: str) -> ValidationError:
        return cls(f"{field_name}: {reason}", [FieldError(field_name, reason)])


class NotFound(AnjuError):
    status_code = 404
    code = "not_found"


class Conflict(AnjuError):
    status_code = 409
    code = "conflict"


class TooLarge(AnjuError):
    status_code = 413
    code = "too_large"


class Unauthenticated(AnjuError):
    """No valid credentials (missing, expired, revoked or forged): the message never says which."""

    status_code = 401
    code = "unauthenticated"


class Forbidden(AnjuError):
    status_code = 403
    code = "forbidden"


class TooManyRequests(AnjuError):
    status_code = 429
    code = "rate_limited"


@dataclass
class ErrorReport:
    """Accumulates row-level problems of a batch (import files)."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, row: int | None, field_name: str, reason: str) -> None:
        self.errors.append(FieldError(field_name, reason, row))

    def __bool__(self) -> bool:
        return bool(self.errors)
