"""Urban renewal's tables (城市更新, issue 23, part "renewal projects").

A project is on the register: an estate (every kind), a building and its unit (a lift retrofit). Its
district is the district or functional zone managing the estate's street (so the plan's 专栏6 rows,
which name 江北新区, are compared with the projects by one grouped query). Each lifecycle step is a
row (date, responsible unit, documents); contents refer to the catalogue's item codes (data); funding
is one row per source in integer fen; residents' consent links an owners' vote of the estates context
or records the consultation's figures; a lift retrofit keeps its owners' agreement per floor.

Money is integer fen, areas exact decimals (``Area``), times timezone-aware (``UTCDateTime``).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, ForeignKey, Index, Integer, String, Table, Text

from anju.core.types import Area, IdType, UTCDateTime, metadata

#: 更新项目: one renovation project of one estate (a lift retrofit: of one building unit).
renewal_projects = Table(
    "renewal_projects",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_no", String(20), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),  # domain.KINDS
    Column("name", String(100), nullable=False),
    Column("estate_id", IdType, ForeignKey("estates.id"), nullable=False),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=True),  # lifts (and single buildings)
    Column("unit_no", String(8), nullable=True),  # the building unit of a lift retrofit
    Column("district_code", String(12), nullable=False),  # the managing district or zone
    Column("street_code", String(12), nullable=False),
    Column("status", String(16), nullable=False),  # domain.STATUSES, along domain.LIFECYCLES[kind]
    Column("status_on", Date, nullable=False),  # the date of the last step
    Column("plan_year", Integer, nullable=True),  # the year's plan it is in (from "planned"; lifts: agreed)
    Column("area", Area, nullable=False),  # 改造面积 m² (construction area covered)
    Column("households", Integer, nullable=False),  # 户数
    Column("year_built", Integer, nullable=True),  # the register's, when checked
    Column("conditions", String(80), nullable=True),  # declared conditions (codes, comma-separated)
    Column("eligibility_edition", String(40), nullable=True),
    Column("eligibility_rule", String(40), nullable=True),
    Column("eligibility_reason", String(400), nullable=False),
    Column("shanty_mode", String(12), nullable=True),  # domain.SHANTY_MODES (留/改/拆)
    Column("expropriated_households", Integer, nullable=True),  # 征收户数
    Column("resettlement_programme", String(32), nullable=True),  # assistance programme code (征收安置房)
    Column("consent_vote_id", IdType, ForeignKey("estates_votes.id"), nullable=True),
    Column("consent_on", Date, nullable=True),  # 意愿征询 date
    Column("consent_asked", Integer, nullable=True),  # households asked
    Column("consent_agreed", Integer, nullable=True),  # households agreeing
    Column("after_care", String(100), nullable=True),  # lifts: 维保 by whom
    Column("synthetic", Boolean, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),  # account; NULL: the synthetic city or the command line
    Column("updated_at", UTCDateTime, nullable=False),
    # the progress table: one grouped query over (kind, status) by district and plan year
    Index("ix_renewal_projects_progress", "kind", "status", "district_code", "plan_year"),
    Index("ix_renewal_projects_street", "street_code", "status"),
    Index("ix_renewal_projects_estate", "estate_id"),
    Index("ix_renewal_projects_building", "building_id", "unit_no"),
)

#: 环节: each step a project has reached, with its date, responsible unit and documents.
renewal_steps = Table(
    "renewal_steps",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("project_id", IdType, ForeignKey("renewal_projects.id"), nullable=False),
    Column("status", String(16), nullable=False),
    Column("on", Date, nullable=False),
    Column("unit", String(100), nullable=False),  # 责任单位
    Column("documents", Text, nullable=False),  # JSON list of references (document or archive numbers)
    Column("note", String(200), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", IdType, nullable=True),
    Index("ix_renewal_steps_project", "project_id", "status", unique=True),
)

#: 改造内容: the catalogue items a project covers (codes of the catalogue data file).
renewal_contents = Table(
    "renewal_contents",
    metadata,
    Column("project_id", IdType, ForeignKey("renewal_projects.id"), primary_key=True),
    Column("item_code", String(12), primary_key=True),
    Column("category", String(12), nullable=False),  # domain.CATEGORIES, as the catalogue said
)

#: 资金来源: the funding of a project by source, integer fen.
renewal_funding = Table(
    "renewal_funding",
    metadata,
    Column("project_id", IdType, ForeignKey("renewal_projects.id"), primary_key=True),
    Column("source", String(20), primary_key=True),  # domain.FUNDING_SOURCES
    Column("amount_fen", BigInteger, nullable=False),
)

#: 加装电梯意愿: the owners of each floor of the unit and how many agreed.
renewal_lift_floors = Table(
    "renewal_lift_floors",
    metadata,
    Column("project_id", IdType, ForeignKey("renewal_projects.id"), primary_key=True),
    Column("floor_no", Integer, primary_key=True),
    Column("owners", Integer, nullable=False),
    Column("agreeing", Integer, nullable=False),
)
