"""The credit report (信用报告) a subject downloads: its file (grade with the scoring edition, every event
with its status, its list entries, its objections and repairs) and, for every leaf of the log
``credit`` that records them, the log entry itself and its inclusion proof against a signed tree head.

The proofs are those of :mod:`anju.ledger` (RFC 9162), checked by the stand-alone verifier
``ledger/verify.py`` (``check_head`` with the published key, then ``check_inclusion`` of
``leaf_hash(entry)`` for every item); :mod:`anju.credit.report_pdf` prints the report and attaches the
same data as a JSON file to the PDF.

Bounded: a subject with thousands of events (a large rental enterprise collects one
``good.escrow_on_time`` per ended lease) gets its latest :data:`MAX_EVENTS` events in full, with
their amendments and cases, its latest :data:`MAX_EVENTS` grade changes and list entries, and the
count of all its events (``events_total``; the PDF says how many are not listed: the full history is
the officers' and the own-file pages'). The log entries and proofs are read set-wise
(:func:`anju.ledger.entries`, :func:`anju.ledger.inclusion_proofs`): a handful of queries, not two
per leaf.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy import Connection, func, select

from anju import ledger
from anju.core import clock
from anju.credit import domain, own_file, public
from anju.credit.casework import Subject
from anju.credit.own_file import EventView, GradeView, ListView
from anju.credit.tables import credit_events, credit_grade_changes, credit_list_entries

FORMAT = "anju-credit-report-v1"
#: The most events (and grade changes, and list entries) a report lists, the latest ones.
MAX_EVENTS = 500


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
    events_total: int  # all the subject's events; ``events`` holds the latest MAX_EVENTS of them
    synthetic: bool  # the credit data include the synthetic history: the PDF says so on its first page


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
    grades = conn.execute(
        select(g.id, g.ledger_index)
        .where(g.subject_bidx == subject.bidx, g.ledger_index.is_not(None))
        .order_by(g.id.desc())
        .limit(MAX_EVENTS)
    ).all()
    for gid, idx in reversed(grades):
        out.append(("grade", str(gid), int(idx)))
    le = credit_list_entries.c
    lists = conn.execute(
        select(le.id, le.ledger_index, le.exit_ledger_index)
        .where(le.subject_bidx == subject.bidx)
        .order_by(le.id.desc())
        .limit(MAX_EVENTS)
    ).all()
    for lid, idx, exit_idx in reversed(lists):
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
    mine = e.subject_bidx == subject.bidx
    total = int(conn.execute(select(func.count()).select_from(credit_events).where(mine)).scalar_one())
    latest = conn.execute(
        select(credit_events).where(mine).order_by(e.occurred_on.desc(), e.id.desc()).limit(MAX_EVENTS)
    ).all()
    events = own_file.event_views(conn, list(reversed(latest)), clock.today())
    leaves = _leaves(conn, subject, events)
    signed = [x for x in leaves if x[2] < size]
    pending = len(leaves) - len(signed)
    idxs = [idx for _, _, idx in signed]
    entries = ledger.entries(conn, domain.LOG, idxs)
    paths = ledger.inclusion_proofs(conn, domain.LOG, idxs, size)
    proofs: list[ProofItem] = [
        {
            "what": what,
            "ref": ref,
            "index": idx,
            "entry": entry.data.decode("utf-8"),
            "leaf_hash": p.leaf_hash.hex(),
            "proof": [h.hex() for h in p.proof],
        }
        for (what, ref, idx), entry, p in zip(signed, entries, paths, strict=True)
    ]
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
        "events_total": total,
        "synthetic": public.synthetic(conn),
    }
