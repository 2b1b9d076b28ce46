"""The credit event stream (信用事件): what other contexts report about people and organisations.

Violations, confirmed complaints, inspection findings and exits from housing assistance become
events here; the credit capability (grading, repair, appeals) will read them. Subjects are named by
the blind index of their resident ID or unified social credit code, never in clear.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

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
)
