"""The credit report (信用报告) a subject downloads: its file (grade with the scoring edition, every event
with its status, its list entries, its objections and repairs) and, for every leaf of the log
``credit`` that records them, the log entry itself and its inclusion proof against a signed tree head.

The proofs are those of :mod:`anju.ledger` (RFC 9162), checked by the stand-alone verifier
``ledger/verify.py`` (``check_head`` with the published key, then ``check_inclusion`` of
``leaf_hash(entry)`` for every item); :mod:`anju.credit.report_pdf` prints the report and attaches the
same data as a JSON file to the PDF.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, select

from anju import ledger
from anju.core import clock
from anju.credit import domain, own_file
from anju.credit.casework import Subject
from anju.credit.own_file import EventView, GradeView, ListView
from anju.credit.tables import credit_events, credit_grade_changes, credit_list_entries

FORMAT = "anju-credit-report-v1"


class HeadView(TypedDict):
    """A signed tree head in its published form (``anju.ledger.SignedTreeHead.as_dict``)."""

    algorithm: str
    log: str
    root: str
    size: int
    timestamp: str
    signature_algorithm: str
    public_key: str
    signature: str


class ProofItem(TypedDict):
    what: str  # event | amendment | objection | objection_decision | repair | repair_decision | grade | list
    ref: str  # the event id, the case number, the grade change or list entry id
    index: int
    entry: str  # the log entry (UTF-8 JSON) as appended
    leaf_hash: str
    proof: list[str]


class Report(TypedDict):
    format: str
    generated_on: date
    subject_kind: str
    subject_label: str
    subject: str  # the blind index the file is kept under
    grade: GradeView | None
    lists: list[ListView]
    events: list[EventView]
    head: HeadView
    proofs: list[ProofItem]
    pending: int  # leaves appended after the signed head (in the next report)


def head_view(sth: Any) -> HeadView:
    d = sth.as_dict()
    return {
        "algorithm": d["algorithm"],
        "log": d["log"],
        "root": d["root"],
        "size": int(d["size"]),
        "timestamp": d["timestamp"],
        "signature_algorithm": d["signature_algorithm"],
        "public_key": d["public_key"],
        "signature": d["signature"],
    }


def _leaves(conn: Connection, subject: Subject, events: list[EventView]) -> list[tuple[str, str, int]]:
    out: list[tuple[str, str, int]] = []
    for e in events:
        if e["ledger_index"] is not None:
            out.append(("event", str(e["id"]), e["ledger_index"]))
        a = e["amendment"]
        if a and a["ledger_index"] is not None:
            out.append(("amendment", a["reference"], a["ledger_index"]))
        for c in e["cases"]:
            if c["ledger_index"] is not None:
                out.append((c["kind"], c["number"], c["ledger_index"]))
            if c["decision_ledger_index"] is not None:
                out.append((f"{c['kind']}_decision", c["number"], c["decision_ledger_index"]))
    g = credit_grade_changes.c
    for gid, idx in conn.execute(
        select(g.id, g.ledger_index).where(g.subject_bidx == subject.bidx, g.ledger_index.is_not(None)).order_by(g.id)
    ):
        out.append(("grade", str(gid), int(idx)))
    le = credit_list_entries.c
    for lid, idx, exit_idx in conn.execute(
        select(le.id, le.ledger_index, le.exit_ledger_index).where(le.subject_bidx == subject.bidx).order_by(le.id)
    ):
        if idx is not None:
            out.append(("list", str(lid), int(idx)))
        if exit_idx is not None:
            out.append(("list_exit", str(lid), int(exit_idx)))
    return out


def report(conn: Connection, subject: Subject, signer: ledger.Signer) -> Report:
    """The subject's report with proofs against the log's current signed head (signed and recorded
    when the latest one does not cover the log: call inside an audited transaction)."""
    sth = ledger.current_signed_head(conn, domain.LOG, signer)
    size = sth.head.size
    e = credit_events.c
    rows = conn.execute(select(credit_events).where(e.subject_bidx == subject.bidx).order_by(e.occurred_on, e.id)).all()
    events = own_file.event_views(conn, list(rows), clock.today())
    proofs: list[ProofItem] = []
    pending = 0
    for what, ref, idx in _leaves(conn, subject, events):
        if idx >= size:
            pending += 1
            continue
        entry = ledger.entry(conn, domain.LOG, idx)
        p = ledger.inclusion_proof(conn, domain.LOG, idx, size)
        proofs.append(
            {
                "what": what,
                "ref": ref,
                "index": idx,
                "entry": entry.data.decode("utf-8"),
                "leaf_hash": p.leaf_hash.hex(),
                "proof": [h.hex() for h in p.proof],
            }
        )
    return {
        "format": FORMAT,
        "generated_on": clock.today(),
        "subject_kind": subject.kind,
        "subject_label": subject.label,
        "subject": subject.bidx,
        "grade": own_file.grade_of(conn, subject.bidx),
        "lists": own_file.lists_of(conn, subject.bidx),
        "events": events,
        "head": head_view(sth),
        "proofs": proofs,
        "pending": pending,
    }
