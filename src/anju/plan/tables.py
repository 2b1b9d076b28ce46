"""The plan context's tables: the loaded editions of plans (``anju plan load``); the annual figures as
the bureau reported them, in versions; the figures a department reports by hand.

An edition keeps the plan file's whole text and its SHA-256, so what was loaded is exactly what the
platform reads back (the plan is parsed from the stored text) and an identical re-load is recognised.
Editions of one plan (``code``) are numbered 1, 2, … in load order; the newest is the one in force.

A report (``plan_reports``) is one version of one plan year's figures (a correction is a new version with
its note, never an overwrite); its figures (``plan_report_figures``) are the snapshot of every target's
progress at that moment — target, actual, status, missing reason — so the public page and the upward
export show what was reported, whatever the live data says later. A hand entry (``plan_entries``) is a
figure no provider computes, each entry kept (the latest of a key is the one progress reads).
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

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
