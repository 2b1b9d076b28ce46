"""Anchoring the audit log in the verifiable log: tampering with past audit rows becomes detectable.

The audit table refuses UPDATE and DELETE through database triggers, but whoever controls the
database can drop a trigger. So, periodically (``anju audit anchor``, e.g. every few minutes from
cron), the rows written since the last anchor are digested — SHA-256 over a canonical encoding of
each row, in id order — and the digest is appended to the ledger log ``audit`` together with the id
range, and a tree head of the log is signed. ``anju audit verify`` first checks the log ``audit``
end to end (:func:`anju.ledger.check_log`: each anchor's data against its leaf hash, the tree, the
signed heads) — the anchors are not taken on the database's word — then recomputes every anchored
range and reports any range whose rows no longer match.
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


def anchor(engine: Engine, grace: timedelta = GRACE, signer: ledger.Signer | None = None) -> list[Anchored]:
    """Append one ledger entry per batch of audit rows written since the last anchor (and at least
    ``grace`` ago), then — given a signer — sign and record a tree head covering them, so that
    ``verify`` can check the anchors against a signature. Returns the new anchors."""
    out = _append_anchors(engine, grace)
    if signer is not None:
        with engine.begin() as conn:
            if _log_size(conn):
                ledger.current_signed_head(conn, LOG, signer)
    return out


def _append_anchors(engine: Engine, grace: timedelta) -> list[Anchored]:
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


@dataclass(frozen=True)
class AuditCheck:
    """What ``anju audit verify`` found: the anchors checked, the ranges that no longer match, and the
    check of the ledger log ``audit`` itself (None when nothing was ever anchored)."""

    checked: int
    mismatches: list[Mismatch]
    log: ledger.LogCheck | None

    @property
    def ok(self) -> bool:
        return not self.mismatches and (self.log is None or self.log.ok)


def verify(engine: Engine, public_key_hex: str | None) -> AuditCheck:
    """Check the ledger log ``audit`` end to end (:func:`anju.ledger.check_log`: leaf hashes from the
    anchors' data, the tree, the signed heads with ``public_key_hex``), reading the anchors in the same
    pass, then recompute every anchored range of audit rows."""
    items: list[tuple[int, bytes]] = []
    with engine.connect() as conn:
        try:
            report = ledger.check_log(conn, LOG, public_key_hex, on_leaf=lambda i, data: items.append((i, data)))
        except NotFound:
            return AuditCheck(0, [], None)
        bad = []
        for i, data in items:
            item = json.loads(data)
            sha, n = digest(conn, item["from"], item["to"])
            if sha != item["sha256"] or n != item["rows"]:
                bad.append(Mismatch(i, item["from"], item["to"], item["rows"], n))
    return AuditCheck(len(items), bad, report)
