"""The plan context's tables (规划实施监测): the annual figures as the bureau reported them, in versions
(a correction is a new version with its note, never an overwrite), and the figures a department reports
by hand (no provider computes them), each entry kept.

A report (``plan_reports``) is one version of one plan year's figures; its figures (``plan_report_figures``)
are the snapshot of every target's progress at that moment — target, actual, status, missing reason —
so the public page and the upward export show what was reported, whatever the live data says later.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from anju.core.types import IdType, UTCDateTime, metadata

plan_reports = Table(
    "plan_reports",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("plan_code", String(40), nullable=False),
    Column("edition", Integer, nullable=False),
    Column("year", Integer, nullable=False),  # the plan year reported (as of its end)
    Column("version", Integer, nullable=False),  # 1, then 2, 3 … for corrections
    Column("note", String(500), nullable=True),  # required for a correction: what was corrected and why
    Column("synthetic", Integer, nullable=False, default=0),  # 1: reported from a synthetic city
    Column("reported_at", UTCDateTime, nullable=False),
    Column("reported_by", String(40), nullable=False),
    UniqueConstraint("plan_code", "year", "version"),
)

plan_report_figures = Table(
    "plan_report_figures",
    metadata,
    Column("report_id", IdType, ForeignKey("plan_reports.id"), primary_key=True),
    Column("target_key", String(80), primary_key=True),
    Column("indicator", String(80), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("target", String(40), nullable=False),  # exact decimal text, the plan's unit
    Column("actual", String(40), nullable=True),  # NULL: no data (see missing)
    Column("unit", String(20), nullable=False),
    Column("status", String(10), nullable=False),  # achieved | on_track | behind | no_data
    Column("missing", String(300), nullable=True),
)

plan_entries = Table(
    "plan_entries",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("indicator", String(80), nullable=False),
    Column("area_code", String(12), nullable=False),
    Column("year", Integer, nullable=False),
    Column("value", String(40), nullable=False),  # exact decimal text, the dictionary's unit
    Column("source_note", String(300), nullable=False),  # which department, which document
    Column("entered_at", UTCDateTime, nullable=False),
    Column("entered_by", String(40), nullable=False),
    Index("ix_plan_entries_key", "indicator", "area_code", "year", "id"),
)
