"""The street database's tables (migration 0039): the loads (batches), the panel rows and their
industry rows, both bitemporal.

A row's *valid* time is its ``year`` (the year the figures describe); its *recorded* time is
``recorded_at`` … ``superseded_at`` (when the platform held it as the current figure). The current
version of a key (street, year, source) is the one with ``superseded_at`` NULL; the figure "as reported
on date D" is the version with ``recorded_at <= D < superseded_at`` (or NULL). A correction closes the
current version and inserts a new one in the same transaction; nothing is ever updated in place but
``superseded_at``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, Index, Integer, String, Table

from anju.core.types import Area, IdType, UTCDateTime, metadata

street_panel_loads = Table(
    "street_panel_loads",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False),
    Column("source", String(40), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("synthetic", Boolean, nullable=False),
    Column("rows", Integer, nullable=False),  # data rows in the file
    Column("added", Integer, nullable=False),  # keys seen for the first time
    Column("corrected", Integer, nullable=False),  # keys whose current version it replaced
    Column("unchanged", Integer, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("actor", String(40), nullable=False),
)


def _versioned() -> list[Column[object]]:
    return [
        Column("load_id", IdType, ForeignKey("street_panel_loads.id"), nullable=False),
        Column("recorded_at", UTCDateTime, nullable=False),
        Column("superseded_at", UTCDateTime, nullable=True),
    ]


street_panel = Table(
    "street_panel",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("street_code", String(12), ForeignKey("divisions.code"), nullable=False),
    Column("year", Integer, nullable=False),
    Column("source", String(40), nullable=False),
    Column("resident", BigInteger, nullable=True),
    Column("registered", BigInteger, nullable=True),
    Column("households", BigInteger, nullable=True),
    Column("age_0_14", BigInteger, nullable=True),
    Column("age_15_59", BigInteger, nullable=True),
    Column("age_60_plus", BigInteger, nullable=True),
    Column("land_stock", Area, nullable=True),  # m²
    Column("land_supply", Area, nullable=True),  # m²
    Column("jobs", BigInteger, nullable=True),  # every sector's jobs (NULL when a sector's is missing)
    Column("enterprises", BigInteger, nullable=True),
    Column("synthetic", Boolean, nullable=False),
    *_versioned(),
    Index("ix_street_panel_key", "year", "street_code", "source", "superseded_at"),
)

street_industry = Table(
    "street_industry",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("panel_id", IdType, ForeignKey("street_panel.id"), nullable=False),
    Column("sector", String(24), nullable=False),
    Column("jobs", BigInteger, nullable=True),
    Column("enterprises", BigInteger, nullable=True),
    Index("ix_street_industry_panel", "panel_id"),
)
