"""House safety's tables (智慧房安, issue 23), all on the register's buildings and homes.

- appraisal agencies filed with the platform, their engineers (names encrypted, SM4, with a mask) and the
  violations found when supervising them (each also a credit event of the agency);
- safety inspection plans (排查, by a dated rule) and one inspection per building of a plan;
- appraisals (鉴定, JGJ 125 grade A–D with the standard's edition) by a filed agency;
- hazard cases (隐患/危房) opened by a C or D grade: the path (留/改/拆) and its deadlines; an open case
  restricts the building's homes through the registry's one restriction mechanism;
- structure-change permits and curtain-wall inspections, with their deadlines.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, ForeignKey, Index, Integer, LargeBinary, String, Table, text

from anju.core.types import IdType, UTCDateTime, metadata

#: 房屋安全鉴定机构: an agency filed with the platform (its credit file is the credit context's).
safety_agencies = Table(
    "safety_agencies",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("credit_code", String(18), nullable=False, unique=True),  # GB 32100 统一社会信用代码
    Column("name", String(100), nullable=False),
    Column("qualification", String(12), nullable=False),  # domain.QUALIFICATIONS
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("status", String(12), nullable=False),  # domain.AGENCY_STATUSES
    Column("synthetic", Boolean, nullable=False, server_default=text("false")),
    Column("filed_at", UTCDateTime, nullable=False),
    Column("filed_by", IdType, nullable=True),  # account; NULL: the synthetic city
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_safety_agencies_district", "district_code", "status"),
)

#: An agency's registered engineers: the name is personal data (encrypted, shown masked).
safety_engineers = Table(
    "safety_engineers",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("safety_agencies.id"), nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("name_mask", String(16), nullable=False),
    Column("title", String(12), nullable=False),  # domain.ENGINEER_TITLES
    Column("cert_no", String(32), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Index("ix_safety_engineers_agency", "agency_id"),
)

#: A violation found when supervising an agency (双随机抽查 or otherwise): also a credit event.
safety_violations = Table(
    "safety_violations",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("agency_id", IdType, ForeignKey("safety_agencies.id"), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("severity", String(8), nullable=False),  # domain.SEVERITIES
    Column("reason", String(200), nullable=False),
    Column("draw_id", IdType, nullable=True),  # the credit context's random-inspection draw, when it came from one
    Column("credit_event_id", IdType, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_safety_violations_agency", "agency_id"),
)

#: 排查计划: buildings selected by a rule of the edition in force, with a deadline.
safety_plans = Table(
    "safety_plans",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("plan_no", String(20), nullable=False, unique=True),
    Column("title", String(100), nullable=False),
    Column("rule_edition", String(40), nullable=False),
    Column("rule_code", String(24), nullable=False),
    Column("trigger", String(12), nullable=False),  # domain.TRIGGERS
    Column("event_note", String(200), nullable=True),
    Column("district_code", String(12), nullable=True),  # NULL: the whole scope of the planner
    Column("street_code", String(12), nullable=True),
    Column("planned_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("buildings", Integer, nullable=False),
    Column("status", String(8), nullable=False),  # domain.PLAN_STATUSES
    Column("synthetic", Boolean, nullable=False, server_default=text("false")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("created_by", IdType, nullable=True),
)

#: One building of a plan and what its inspection found.
safety_inspections = Table(
    "safety_inspections",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("plan_id", IdType, ForeignKey("safety_plans.id"), nullable=False),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("status", String(8), nullable=False),  # domain.INSPECTION_STATUSES
    Column("inspected_on", Date, nullable=True),
    Column("finding", String(8), nullable=True),  # domain.FINDINGS
    Column("notes", String(400), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=True),
    Column("recorded_by", IdType, nullable=True),
    Index("uq_safety_inspections_plan_building", "plan_id", "building_id", unique=True),
    Index("ix_safety_inspections_building", "building_id"),
    Index("ix_safety_inspections_street", "street_code", "status"),
)

#: 鉴定: a building's JGJ 125 grade by a filed agency.
safety_appraisals = Table(
    "safety_appraisals",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("report_no", String(40), nullable=False, unique=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("agency_id", IdType, ForeignKey("safety_agencies.id"), nullable=False),
    Column("inspection_id", IdType, ForeignKey("safety_inspections.id"), nullable=True),
    Column("grade", String(1), nullable=False),  # domain.GRADES
    Column("standard", String(24), nullable=False),  # domain.STANDARDS: the edition of JGJ 125
    Column("appraised_on", Date, nullable=False),
    Column("summary", String(400), nullable=True),
    Column("synthetic", Boolean, nullable=False, server_default=text("false")),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("recorded_by", IdType, nullable=True),
    Index("ix_safety_appraisals_building", "building_id", "appraised_on"),
    Index("ix_safety_appraisals_street", "street_code", "grade"),
)

#: 隐患/危房 case: opened by a C or D grade; while open, the building's homes are restricted.
safety_hazards = Table(
    "safety_hazards",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("case_no", String(20), nullable=False, unique=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("appraisal_id", IdType, ForeignKey("safety_appraisals.id"), nullable=False),
    Column("grade", String(1), nullable=False),
    Column("path", String(12), nullable=False),  # domain.PATHS
    Column("path_decided", Boolean, nullable=False),  # False: the default path until 一幢一策 is decided
    Column("measures", String(400), nullable=True),
    Column("opened_on", Date, nullable=False),
    Column("decide_by", Date, nullable=False),  # the path's decision deadline
    Column("due_on", Date, nullable=True),  # the remediation deadline
    Column("status", String(8), nullable=False),  # domain.HAZARD_STATUSES
    Column("closed_on", Date, nullable=True),
    Column("closure", String(12), nullable=True),  # domain.CLOSURES
    Column("close_reason", String(200), nullable=True),
    Column("synthetic", Boolean, nullable=False, server_default=text("false")),
    Column("updated_at", UTCDateTime, nullable=False),
    Index(
        "uq_safety_hazards_open_building",
        "building_id",
        unique=True,
        sqlite_where=text("status = 'open'"),
        postgresql_where=text("status = 'open'"),
    ),
    Index("ix_safety_hazards_street", "street_code", "status"),
)

#: 房屋结构变动安全许可: an application to change a home's (or building's) load-bearing structure.
safety_permits = Table(
    "safety_permits",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("permit_no", String(20), nullable=False, unique=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("home_id", IdType, ForeignKey("homes.id"), nullable=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("applicant", String(100), nullable=False),  # an organisation, or "业主" (no person's name kept)
    Column("works", String(400), nullable=False),
    Column("applied_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),  # the decision deadline
    Column("status", String(8), nullable=False),  # domain.PERMIT_STATUSES
    Column("decided_on", Date, nullable=True),
    Column("decision_note", String(200), nullable=True),
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_safety_permits_street", "street_code", "status"),
)

#: 幕墙安全检查: a building's curtain-wall inspection and when the next one is due.
safety_curtain_walls = Table(
    "safety_curtain_walls",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("building_id", IdType, ForeignKey("buildings.id"), nullable=False),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),
    Column("inspected_on", Date, nullable=False),
    Column("result", String(8), nullable=False),  # domain.CURTAIN_RESULTS
    Column("notes", String(400), nullable=True),
    Column("next_due_on", Date, nullable=False),
    Column("latest", Boolean, nullable=False),  # the building's latest inspection
    Column("recorded_at", UTCDateTime, nullable=False),
    Index("ix_safety_curtain_walls_building", "building_id"),
    Index("ix_safety_curtain_walls_due", "latest", "next_due_on"),
)
