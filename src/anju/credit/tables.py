"""The credit context's tables (房产信用信息库): subjects, events and their amendments, grades and their
history, red and black lists, objections, repairs, and the random-inspection draws (双随机).

Subjects are named by the blind index of their resident ID or unified social credit code
(``subject_bidx``), never matched in clear. An organisation's name and credit code are public and kept
in clear; a person's name is encrypted (``name_enc``) and never shown on a public page.

Nothing here is edited in place to change history: an upheld objection or an approved repair is a new
row in ``credit_event_amendments`` (and a new leaf in the verifiable log ``credit``); a grade change is
a new row in ``credit_grade_changes``; a list exit closes its entry with the exit's own date and leaf.
``credit_grades`` is the current grade per subject, the one row rewritten (a cache of the deterministic
computation, kept so that approvals and pages read one row).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from anju.core.types import IdType, UTCDateTime, metadata

# ---------------------------------------------------------------------------------------- subjects

# One credit file per subject (信用主体): developers, rental enterprises, brokerage agencies,
# property-service companies, appraisal agencies, practitioners, assistance households, persons.
credit_subjects = Table(
    "credit_subjects",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subject_bidx", String(64), nullable=False, unique=True),  # blind index of ID / credit code
    Column("subject_kind", String(8), nullable=False),  # person | org
    Column("kind", String(20), nullable=False),  # domain.SUBJECT_TYPES: developer | agency | practitioner …
    Column("name", String(100), nullable=True),  # an organisation's public name; NULL for persons
    Column("name_enc", LargeBinary, nullable=True),  # a person's name, SM4-encrypted
    Column("credit_code", String(18), nullable=True),  # an organisation's unified social credit code
    Column("district_code", String(12), nullable=True),
    Column("street_code", String(12), nullable=True),
    Column("links", Text, nullable=False),  # JSON list: [{"context": "rental", "kind": "party", "id": 12}]
    Column("first_seen_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_credit_subjects_kind", "kind", "district_code"),
    Index("ix_credit_subjects_street", "street_code"),
)

# ------------------------------------------------------------------------------------------ events

# Credit events (信用事件): violations and good conduct, from every context and from other departments'
# feeds. ``kind`` is one of the event catalogue's kinds (``credit/data/event_kinds.toml``).
credit_events = Table(
    "credit_events",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subject_kind", String(8), nullable=False),  # person | org
    Column("subject_bidx", String(64), nullable=False),  # HMAC-SM3 blind index of the ID / credit code
    Column("source", String(24), nullable=False),  # the reporting context: assistance | rental | …
    Column("kind", String(40), nullable=False),  # e.g. assistance.false_materials
    Column("severity", String(8), nullable=False),  # minor | major | serious
    Column("occurred_on", Date, nullable=False),
    Column("expires_on", Date, nullable=True),  # end of its effect (e.g. a ban period); NULL: lasting
    Column("reference", String(64), nullable=False),  # the reporting record, e.g. a case number
    Column("street_code", String(12), nullable=True),  # where it happened (scoping)
    Column("detail", Text, nullable=False),  # JSON; never personal values
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),  # its leaf in the verifiable log "credit"
    Index("ix_credit_events_subject", "subject_bidx", "occurred_on"),
    Index("ix_credit_events_recorded", "recorded_at"),
    # Feeds look records up by reference; public.synthetic() tests the prefix SYN- (LIKE on PostgreSQL).
    Index("ix_credit_events_reference", "reference", postgresql_ops={"reference": "text_pattern_ops"}),
)

# What ends an event's effect without editing it: ``void`` (an upheld objection: the event never
# counted) or ``repair`` (信用修复: it stops counting from ``effective_on``). One per event.
credit_event_amendments = Table(
    "credit_event_amendments",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("event_id", IdType, ForeignKey("credit_events.id"), nullable=False, unique=True),
    Column("kind", String(8), nullable=False),  # void | repair
    Column("effective_on", Date, nullable=False),  # void: the event's own date; repair: the repair's
    Column("reason", Text, nullable=False),
    Column("reference", String(32), nullable=False),  # the objection's or repair's number
    Column("recorded_by", String(64), nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),
)

# ------------------------------------------------------------------------------------------ grades

# The current grade per subject (a cache of the deterministic computation; see the module docstring).
credit_grades = Table(
    "credit_grades",
    metadata,
    Column("subject_bidx", String(64), primary_key=True),
    Column("subject_kind", String(8), nullable=False),
    Column("edition", String(24), nullable=False),  # the scoring model's edition code
    Column("score_centi", Integer, nullable=False),  # the score in hundredths of a point
    Column("grade", String(4), nullable=False),  # A | B | C | D (the edition's thresholds)
    Column("as_of", Date, nullable=False),
    Column("events", Integer, nullable=False),  # how many effective events counted
    Column("explanation", Text, nullable=False),  # JSON: the model's contribution per event
    Column("computed_at", UTCDateTime, nullable=False),
    Index("ix_credit_grades_grade", "grade", "subject_kind"),
)

# Every change of a subject's grade (append-only): when it took effect and when it was known.
credit_grade_changes = Table(
    "credit_grade_changes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subject_bidx", String(64), nullable=False),
    Column("edition", String(24), nullable=False),
    Column("from_grade", String(4), nullable=True),  # NULL: the subject's first grade
    Column("to_grade", String(4), nullable=False),
    Column("score_centi", Integer, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("cause", String(12), nullable=False),  # event | void | repair | recompute | edition
    Column("cause_ref", String(64), nullable=True),  # the event id, objection or repair number
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),
    Index("ix_credit_grade_changes_subject", "subject_bidx", "recorded_at"),
    Index("ix_credit_grade_changes_recorded", "recorded_at"),
)

# Red and black lists (守信红名单 / 失信黑名单): an entry, the rule that put the subject there, and
# its exit. ``active`` is 1 while the entry is open and NULL once it is closed (one open entry per
# subject and list).
credit_list_entries = Table(
    "credit_list_entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("subject_bidx", String(64), nullable=False),
    Column("list", String(8), nullable=False),  # red | black
    Column("rule", String(24), nullable=False),  # the model's list rule code
    Column("reason", String(200), nullable=False),
    Column("edition", String(24), nullable=False),
    Column("entered_on", Date, nullable=False),
    Column("exited_on", Date, nullable=True),
    Column("exit_reason", String(200), nullable=True),
    Column("active", Integer, nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("exit_recorded_at", UTCDateTime, nullable=True),
    Column("ledger_index", BigInteger, nullable=True),
    Column("exit_ledger_index", BigInteger, nullable=True),
    Index("ux_credit_list_entries_open", "subject_bidx", "list", "active", unique=True),
    Index("ix_credit_list_entries_list", "list", "active", "entered_on"),
)

# ------------------------------------------------------------------------- objections and repairs

# Objections (异议) to an event, with documents; decided by an officer within a deadline.
credit_objections = Table(
    "credit_objections",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("objection_no", String(24), nullable=False, unique=True),
    Column("event_id", IdType, ForeignKey("credit_events.id"), nullable=False),
    Column("subject_bidx", String(64), nullable=False),
    Column("account_id", IdType, nullable=True),  # who filed it (NULL once retention unlinks it)
    Column("reason", Text, nullable=False),
    Column("status", String(12), nullable=False),  # submitted | upheld | rejected | withdrawn
    Column("open", Integer, nullable=True),  # 1 while submitted; one open objection per event
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("due_on", Date, nullable=False),  # the decision deadline
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decision", Text, nullable=True),
    Column("street_code", String(12), nullable=True),  # the event's (scoping)
    Column("ledger_index", BigInteger, nullable=True),
    Column("decision_ledger_index", BigInteger, nullable=True),
    Index("ux_credit_objections_open", "event_id", "open", unique=True),
    Index("ix_credit_objections_due", "status", "due_on"),
    Index("ix_credit_objections_subject", "subject_bidx"),
)

# Repairs (信用修复): after the legal period, or on rectification; rules in the scoring model's data.
credit_repairs = Table(
    "credit_repairs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("repair_no", String(24), nullable=False, unique=True),
    Column("event_id", IdType, ForeignKey("credit_events.id"), nullable=False),
    Column("subject_bidx", String(64), nullable=False),
    Column("account_id", IdType, nullable=True),
    Column("basis", String(16), nullable=False),  # period | rectification
    Column("statement", Text, nullable=False),
    Column("status", String(12), nullable=False),  # submitted | approved | rejected
    Column("open", Integer, nullable=True),  # 1 while submitted; one open repair per event
    Column("submitted_at", UTCDateTime, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Column("decision", Text, nullable=True),
    Column("street_code", String(12), nullable=True),
    Column("ledger_index", BigInteger, nullable=True),
    Column("decision_ledger_index", BigInteger, nullable=True),
    Index("ux_credit_repairs_open", "event_id", "open", unique=True),
    Index("ix_credit_repairs_due", "status", "due_on"),
    Index("ix_credit_repairs_subject", "subject_bidx"),
)

# Documents of an objection or a repair (the evidence a subject files), stored like the assistance
# context's application documents.
credit_documents = Table(
    "credit_documents",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("owner_kind", String(12), nullable=False),  # objection | repair
    Column("owner_id", IdType, nullable=False),
    Column("filename", String(120), nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    Index("ix_credit_documents_owner", "owner_kind", "owner_id"),
)

# ------------------------------------------------------------------- random inspections (双随机)

# A random-inspection draw: the frozen subject tickets (weighted by grade: a subject holds as many
# tickets as its grade's weight) and the frozen inspector list, each hashed and logged before the
# seed is known; then the draw (the one lottery algorithm, ``anju-lottery-v1``) picks the subjects
# and, with the same seed over the inspector list, their inspectors.
credit_inspection_draws = Table(
    "credit_inspection_draws",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("draw_no", String(24), nullable=False, unique=True),
    Column("title", String(100), nullable=False),
    Column("criteria", Text, nullable=False),  # JSON: subject types, district, weights per grade
    Column("sample_size", Integer, nullable=False),
    Column("tickets", Integer, nullable=False),
    Column("subjects_hash", String(64), nullable=False),  # list hash of the frozen tickets
    Column("inspectors_hash", String(64), nullable=False),
    Column("status", String(8), nullable=False),  # frozen | drawn
    Column("district_code", String(12), nullable=True),  # scoping; NULL: city-wide
    Column("frozen_by", String(64), nullable=False),
    Column("frozen_at", UTCDateTime, nullable=False),
    Column("frozen_ledger_index", BigInteger, nullable=True),
    Column("seed", String(256), nullable=True),
    Column("seed_source", String(200), nullable=True),
    Column("witnesses", Text, nullable=True),  # JSON list of names
    Column("result_hash", String(64), nullable=True),
    Column("inspectors_result_hash", String(64), nullable=True),
    Column("drawn_by", String(64), nullable=True),
    Column("drawn_at", UTCDateTime, nullable=True),
    Column("ledger_index", BigInteger, nullable=True),
)

credit_inspection_tickets = Table(
    "credit_inspection_tickets",
    metadata,
    Column("draw_id", IdType, ForeignKey("credit_inspection_draws.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),  # 0-based position in the frozen list
    Column("ticket", String(64), nullable=False),  # "<subject id>-<n>", e.g. "S000123-2"
    Column("subject_id", IdType, ForeignKey("credit_subjects.id"), nullable=False),
    UniqueConstraint("draw_id", "ticket"),
)

credit_inspection_inspectors = Table(
    "credit_inspection_inspectors",
    metadata,
    Column("draw_id", IdType, ForeignKey("credit_inspection_draws.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("inspector", String(64), nullable=False),  # the inspector's username
    UniqueConstraint("draw_id", "inspector"),
)

# The draw's result: the chosen subjects in order, each with its inspector and the inspection's outcome.
credit_inspection_assignments = Table(
    "credit_inspection_assignments",
    metadata,
    Column("draw_id", IdType, ForeignKey("credit_inspection_draws.id"), primary_key=True),
    Column("rank", Integer, primary_key=True),  # 1-based
    Column("subject_id", IdType, ForeignKey("credit_subjects.id"), nullable=False),
    Column("inspector", String(64), nullable=False),
    Column("outcome", String(12), nullable=False),  # pending | clean | violations
    Column("inspected_on", Date, nullable=True),
    Column("findings", Text, nullable=True),
    Column("event_id", IdType, ForeignKey("credit_events.id"), nullable=True),  # the event it recorded
    Column("recorded_by", String(64), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=True),
    UniqueConstraint("draw_id", "subject_id"),
)
