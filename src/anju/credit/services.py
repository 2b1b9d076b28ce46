"""Writing and reading credit events."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from anju import ledger
from anju.core import clock
from anju.core.errors import ValidationError
from anju.credit.tables import credit_events

LOG = "credit"
SEVERITIES = ("minor", "major", "serious")


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


def record_event(conn: Connection, ev: Event) -> int:
    """Store one event and append it to the verifiable log ``credit``; returns its id."""
    if ev.subject_kind not in ("person", "org"):
        raise ValidationError.of("subject_kind", "应为 person 或 org")
    if ev.severity not in SEVERITIES:
        raise ValidationError.of("severity", f"应为 {'、'.join(SEVERITIES)} 之一")
    if not ev.subject_bidx or len(ev.subject_bidx) != 64:
        raise ValidationError.of("subject_bidx", "应为 64 位盲索引")
    if ev.expires_on is not None and ev.expires_on < ev.occurred_on:
        raise ValidationError.of("expires_on", "不能早于发生日期")
    now = clock.now()
    entry = json.dumps(
        {
            "type": "credit.event",
            "subject": ev.subject_bidx,
            "source": ev.source,
            "kind": ev.kind,
            "severity": ev.severity,
            "occurred_on": ev.occurred_on.isoformat(),
            "expires_on": ev.expires_on.isoformat() if ev.expires_on else None,
            "reference": ev.reference,
            "recorded_at": now.isoformat(),
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()
    idx = ledger.append(conn, LOG, [entry])
    return int(
        conn.execute(
            credit_events.insert()
            .values(
                subject_kind=ev.subject_kind,
                subject_bidx=ev.subject_bidx,
                source=ev.source,
                kind=ev.kind,
                severity=ev.severity,
                occurred_on=ev.occurred_on,
                expires_on=ev.expires_on,
                reference=ev.reference,
                street_code=ev.street_code,
                detail=json.dumps(ev.detail, ensure_ascii=False),
                recorded_at=now,
                ledger_index=idx,
            )
            .returning(credit_events.c.id)
        ).scalar_one()
    )


def effective_events(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, list[tuple[str, str]]]:
    """For each subject, the (kind, severity) of its events in effect on ``on``. Set-wise, chunked."""
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    keys = list(bidxs)
    for i in range(0, len(keys), 5000):
        chunk = keys[i : i + 5000]
        rows = conn.execute(
            select(credit_events.c.subject_bidx, credit_events.c.kind, credit_events.c.severity).where(
                credit_events.c.subject_bidx.in_(chunk),
                credit_events.c.occurred_on <= on,
                or_(credit_events.c.expires_on.is_(None), credit_events.c.expires_on > on),
            )
        )
        for b, k, s in rows:
            out[b].append((k, s))
    return out
