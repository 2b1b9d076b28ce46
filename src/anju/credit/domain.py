"""The credit domain: what a credit event is, its severities and subjects, and the checks of a new event.

Nothing here imports SQLAlchemy or FastAPI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from anju.core.errors import ValidationError

#: The verifiable log every event is appended to.
LOG = "credit"
SEVERITIES = ("minor", "major", "serious")
SUBJECT_KINDS = ("person", "org")


@dataclass(frozen=True)
class Event:
    subject_kind: str  # person | org
    subject_bidx: str
    source: str
    kind: str
    severity: str
    occurred_on: date
    reference: str
    expires_on: date | None = None
    street_code: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


def check_event(ev: Event) -> None:
    """Raise a ValidationError naming the field when the event cannot be recorded."""
    if ev.subject_kind not in SUBJECT_KINDS:
        raise ValidationError.of("subject_kind", "应为 person 或 org")
    if ev.severity not in SEVERITIES:
        raise ValidationError.of("severity", f"应为 {'、'.join(SEVERITIES)} 之一")
    if not ev.subject_bidx or len(ev.subject_bidx) != 64:
        raise ValidationError.of("subject_bidx", "应为 64 位盲索引")
    if ev.expires_on is not None and ev.expires_on < ev.occurred_on:
        raise ValidationError.of("expires_on", "不能早于发生日期")
