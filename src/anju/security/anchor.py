"""Anchoring the audit log in the verifiable log: tampering with past audit rows becomes detectable.

The audit table refuses UPDATE and DELETE through database triggers, but whoever controls the
database can drop a trigger. So, periodically (``anju audit anchor``, e.g. every few minutes from
cron), the rows written since the last anchor are digested — SHA-256 over a canonical encoding of
each row, in id order — and the digest is appended to the ledger log ``audit`` together with the id
range. ``anju audit verify`` recomputes every anchored range and reports any range whose rows no
longer match; the ledger's own proofs and signed heads show the anchors themselves were not rewritten.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypedDict

from sqlalchemy import Connection, Engine, select

from anju import ledger
from anju.core import clock
from anju.core.errors import NotFound
from anju.security.tables import audit_log

LOG = "audit"
#: Rows per anchor at most (a long-unanchored table is anchored in several entries).
BATCH = 100_000
#: Only rows at least this old are anchored: a transaction that drew a lower id but commits late
#: (PostgreSQL sequences) must not fall inside an anchored range after it was digested.
GRACE = timedelta(minutes=2)


def _row_bytes(row: Any) -> bytes:
    """Canonical encoding of one audit row (column order fixed by the table, UTC ISO times)."""
    values = [v.isoformat() if hasattr(v, "isoformat") else v for v in row]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def digest(conn: Connection, first_id: int, last_id: int) -> tuple[str, int]:
    """SHA-256 over the rows with first_id ≤ id ≤ last_id, and how many there are."""
    h = hashlib.sha256()
    n = 0
    rows = conn.execute(
        select(audit_log)
        .where(audit_log.c.id >= first_id, audit_log.c.id <= last_id)
        .order_by(audit_log.c.id)
        .execution_options(yield_per=5000)
    )
    for row in rows:
        data = _row_bytes(row)
        h.update(len(data).to_bytes(4, "big") + data)
        n += 1
    return h.hexdigest(), n


def _log_size(conn: Connection) -> int:
    try:
        return ledger.get_log(conn, LOG).size
    except NotFound:
        ledger.create_log(conn, LOG)
        return 0


#: One anchored range of audit rows as its ledger entry records it (``from``/``to`` audit ids, the row
#: count and digest), plus the entry's ``index`` in the ledger log.
Anchored = TypedDict("Anchored", {"from": int, "to": int, "rows": int, "sha256": str, "index": int})


def anchor(engine: Engine, grace: timedelta = GRACE) -> list[Anchored]:
    """Append one ledger entry per batch of audit rows written since the last anchor (and at least
    ``grace`` ago). Returns them."""
    out: list[Anchored] = []
    cutoff = clock.now() - grace
    while True:
        with engine.begin() as conn:
            size = _log_size(conn)
            last = json.loads(ledger.entry(conn, LOG, size - 1).data)["to"] if size else 0
            ids = [
                int(r[0])
                for r in conn.execute(
                    select(audit_log.c.id)
                    .where(audit_log.c.id > last, audit_log.c.at < cutoff)
                    .order_by(audit_log.c.id)
                    .limit(BATCH)
                )
            ]
            if not ids:
                return out
            # stop before the first row that is too young, so a range never has a gap that fills later
            young = conn.execute(
                select(audit_log.c.id)
                .where(audit_log.c.id > last, audit_log.c.id <= ids[-1], audit_log.c.at >= cutoff)
                .order_by(audit_log.c.id)
                .limit(1)
            ).scalar()
            if young is not None:
                ids = [i for i in ids if i < young]
                if not ids:
                    return out
            sha, n = digest(conn, ids[0], ids[-1])
            item = {"from": ids[0], "to": ids[-1], "rows": n, "sha256": sha}
            index = ledger.append(conn, LOG, [json.dumps(item, sort_keys=True, separators=(",", ":")).encode()])
            out.append({"from": ids[0], "to": ids[-1], "rows": n, "sha256": sha, "index": index})


@dataclass(frozen=True)
class Mismatch:
    index: int
    first_id: int
    last_id: int
    expected_rows: int
    found_rows: int


def verify(engine: Engine) -> tuple[int, list[Mismatch]]:
    """Recompute every anchored range: (ranges checked, the ranges that no longer match)."""
    bad = []
    with engine.connect() as conn:
        try:
            size = ledger.get_log(conn, LOG).size
        except NotFound:
            return 0, []
        for i in range(size):
            item = json.loads(ledger.entry(conn, LOG, i).data)
            sha, n = digest(conn, item["from"], item["to"])
            if sha != item["sha256"] or n != item["rows"]:
                bad.append(Mismatch(i, item["from"], item["to"], item["rows"], n))
    return size, bad
