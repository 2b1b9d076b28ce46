"""Tables of the address fusion library (房产公安房屋地址融合库).

A link job reads one department's records (``source``: police, …); each record keeps its parsed
components, its outcome (linked / review / unlinked) and, for review, its candidate homes with the
comparison that scored them. Clerks' decisions are remembered per normalised address and source, so
that the next job starts from them.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from anju.core.types import IdType, UTCDateTime, metadata

address_link_jobs = Table(
    "address_link_jobs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source", String(24), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("backend", String(16), nullable=False),  # duckdb | spark
    Column("status", String(16), nullable=False),  # running | done | failed
    Column("records_total", Integer, nullable=False),
    Column("linked", Integer, nullable=False),
    Column("review", Integer, nullable=False),
    Column("unlinked", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("parameters", Text, nullable=False),  # JSON: thresholds and model parameters used
    Column("created_by", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
)

address_records = Table(
    "address_records",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("job_id", IdType, ForeignKey("address_link_jobs.id"), nullable=False),
    Column("source", String(24), nullable=False),
    Column("record_id", String(64), nullable=False),
    Column("address", String(1000), nullable=False),
    Column("address_key", String(64), nullable=False),  # SM3 of the normalised address text
    Column("canonical", String(300), nullable=True),
    Column("components", Text, nullable=False),  # JSON of the parsed components
    Column("street_code", String(12), nullable=True),  # of the best candidate, else parsed: scoping
    Column("status", String(12), nullable=False),  # linked | review | unlinked
    Column("house_code", String(23), nullable=True),
    Column("score", Float, nullable=True),  # match probability of the best candidate
    Column("reason", String(200), nullable=False),
    Column("decision", String(12), nullable=True),  # accepted | rejected (by a clerk)
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    UniqueConstraint("job_id", "record_id"),
    Index("ix_address_records_queue", "status", "street_code", "id"),
    Index("ix_address_records_house", "house_code"),
    Index("ix_address_records_source", "source", "record_id"),
)

address_candidates = Table(
    "address_candidates",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("record_pk", IdType, ForeignKey("address_records.id"), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("house_code", String(23), nullable=False),
    Column("score", Float, nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("explanation", Text, nullable=False),  # JSON: per comparison, the level and its weight
    UniqueConstraint("record_pk", "rank"),
)

address_decisions = Table(
    "address_decisions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("source", String(24), nullable=False),
    Column("address_key", String(64), nullable=False),
    Column("house_code", String(23), nullable=False),
    Column("decision", String(12), nullable=False),  # accepted | rejected
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", UTCDateTime, nullable=False),
    Column("record_pk", IdType, nullable=True),
    UniqueConstraint("source", "address_key", "house_code"),
)
