"""The plan context's tables: the loaded editions of plans (``anju plan load``).

An edition keeps the plan file's whole text and its SHA-256, so what was loaded is exactly what the
platform reads back (the plan is parsed from the stored text) and an identical re-load is recognised.
Editions of one plan (``code``) are numbered 1, 2, … in load order; the newest is the one in force.
"""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table, Text, UniqueConstraint

from anju.core.types import IdType, UTCDateTime, metadata

plan_editions = Table(
    "plan_editions",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("code", String(40), nullable=False),  # the plan's code, e.g. 320100-14th
    Column("edition", Integer, nullable=False),
    Column("city", String(12), nullable=False),
    Column("name", String(200), nullable=False),
    Column("first_year", Integer, nullable=False),
    Column("last_year", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("filename", String(200), nullable=False),
    Column("text", Text, nullable=False),  # the file as loaded
    Column("loaded_at", UTCDateTime, nullable=False),
    Column("actor", String(40), nullable=False),
    UniqueConstraint("code", "edition", name="uq_plan_editions_code_edition"),
)
