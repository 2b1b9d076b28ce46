"""The indicator dictionary's tables: the refresh runs and the current value of every indicator for
every area and year (what pages and the plan's progress read, never recomputed on a request).

A value is kept as its exact decimal text (``value``), in the indicator's unit; a missing value is NULL
with the reason (``missing``). A refresh replaces the values of the indicators and years it computed,
in one transaction, and names its run (``run_id``); the runs keep when and what was refreshed.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

indicator_runs = Table(
    "indicator_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(10), nullable=False),  # running | done | failed
    Column("years", String(200), nullable=False),  # comma-separated
    Column("codes", Text, nullable=True),  # comma-separated; NULL: every computed indicator
    Column("values_written", Integer, nullable=False, default=0),
    Column("error", String(400), nullable=True),
    Column("actor", String(40), nullable=False),
)

indicator_values = Table(
    "indicator_values",
    metadata,
    Column("code", String(80), primary_key=True),
    Column("level", String(8), primary_key=True),  # city | district | street
    Column("area_code", String(12), primary_key=True),  # division code
    Column("year", Integer, primary_key=True),
    Column("value", String(40), nullable=True),  # exact decimal text; NULL when missing
    Column("missing", String(200), nullable=True),  # why there is no value
    Column("run_id", IdType, ForeignKey("indicator_runs.id"), nullable=False),
    Index("ix_indicator_values_year", "year", "code", "level"),
)
