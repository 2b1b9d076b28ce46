"""Shared checks of credit events recorded by a context: the row and its leaf in the log ``credit``."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, select

from anju import ledger
from anju.credit import credit_events


def events_of(conn: Connection, bidx: str, kind: str | None = None) -> list[Any]:
    q = select(credit_events).where(credit_events.c.subject_bidx == bidx)
    if kind is not None:
        q = q.where(credit_events.c.kind == kind)
    return list(conn.execute(q.order_by(credit_events.c.id)))


def assert_event(
    conn: Connection, ev: Any, *, bidx: str, kind: str, severity: str, reference: str, source: str
) -> None:
    """The row says what was reported and its log leaf says the same."""
    assert (ev.subject_bidx, ev.kind, ev.severity, ev.reference, ev.source) == (bidx, kind, severity, reference, source)
    assert ev.ledger_index is not None
    leaf = json.loads(ledger.entry(conn, "credit", int(ev.ledger_index)).data)
    assert leaf["type"] == "credit.event"
    assert (leaf["subject"], leaf["kind"], leaf["severity"], leaf["reference"], leaf["source"]) == (
        bidx,
        kind,
        severity,
        reference,
        source,
    )
    assert leaf["occurred_on"] == ev.occurred_on.isoformat()
