"""safety: appraisal agencies, engineers and violations; inspection plans and inspections; appraisals;
hazard cases; structure-change permits; curtain-wall inspections (issue 23). The map's tile cache
watches appraisals and hazard cases (the register-version triggers of 0004), so the safety layer's
tiles follow them.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

#: In creation order (a table after those it refers to); dropped in reverse.
NEW_TABLES = (
    "safety_agencies",
    "safety_plans",
    "safety_engineers",
    "safety_violations",
    "safety_curtain_walls",
    "safety_inspections",
    "safety_appraisals",
    "safety_permits",
    "safety_hazards",
)

#: Tables whose writes bump the register version the tile cache is keyed by (as 0004 does).
WATCHED = (
    ("safety_appraisals", ("INSERT", "UPDATE", "DELETE")),
    ("safety_hazards", ("INSERT", "UPDATE", "DELETE")),
)


def upgrade() -> None:
    op.create_table(
        "safety_agencies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("qualification", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_agencies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_safety_agencies_credit_code")),
    )
    op.create_index("ix_safety_agencies_district", "safety_agencies", ["district_code", "status"], unique=False)
    op.create_table(
        "safety_plans",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("plan_no", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("rule_edition", sa.String(length=40), nullable=False),
        sa.Column("rule_code", sa.String(length=24), nullable=False),
        sa.Column("trigger", sa.String(length=12), nullable=False),
        sa.Column("event_note", sa.String(length=200), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=True),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("planned_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("buildings", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_plans")),
        sa.UniqueConstraint("plan_no", name=op.f("uq_safety_plans_plan_no")),
    )
    op.create_table(
        "safety_engineers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("name_mask", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=12), nullable=False),
        sa.Column("cert_no", sa.String(length=32), nullable=False),
        sa.Column("added_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["safety_agencies.id"], name=op.f("fk_safety_engineers_agency_id_safety_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_engineers")),
    )
    op.create_index("ix_safety_engineers_agency", "safety_engineers", ["agency_id"], unique=False)
    op.create_table(
        "safety_violations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("draw_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("credit_event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["safety_agencies.id"], name=op.f("fk_safety_violations_agency_id_safety_agencies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_violations")),
    )
    op.create_index("ix_safety_violations_agency", "safety_violations", ["agency_id"], unique=False)
    op.create_table(
        "safety_curtain_walls",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=8), nullable=False),
        sa.Column("notes", sa.String(length=400), nullable=True),
        sa.Column("next_due_on", sa.Date(), nullable=False),
        sa.Column("latest", sa.Boolean(), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_safety_curtain_walls_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_curtain_walls")),
    )
    op.create_index("ix_safety_curtain_walls_building", "safety_curtain_walls", ["building_id"], unique=False)
    op.create_index("ix_safety_curtain_walls_due", "safety_curtain_walls", ["latest", "next_due_on"], unique=False)
    op.create_table(
        "safety_inspections",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("finding", sa.String(length=8), nullable=True),
        sa.Column("notes", sa.String(length=400), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_safety_inspections_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"], ["safety_plans.id"], name=op.f("fk_safety_inspections_plan_id_safety_plans")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_inspections")),
    )
    op.create_index("ix_safety_inspections_building", "safety_inspections", ["building_id"], unique=False)
    op.create_index("ix_safety_inspections_street", "safety_inspections", ["street_code", "status"], unique=False)
    op.create_index(
        "uq_safety_inspections_plan_building", "safety_inspections", ["plan_id", "building_id"], unique=True
    )
    op.create_table(
        "safety_appraisals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("report_no", sa.String(length=40), nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("agency_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("inspection_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("standard", sa.String(length=24), nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(length=400), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["safety_agencies.id"], name=op.f("fk_safety_appraisals_agency_id_safety_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_safety_appraisals_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["safety_inspections.id"],
            name=op.f("fk_safety_appraisals_inspection_id_safety_inspections"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_appraisals")),
        sa.UniqueConstraint("report_no", name=op.f("uq_safety_appraisals_report_no")),
    )
    op.create_index("ix_safety_appraisals_building", "safety_appraisals", ["building_id", "appraised_on"], unique=False)
    op.create_index("ix_safety_appraisals_street", "safety_appraisals", ["street_code", "grade"], unique=False)
    op.create_table(
        "safety_permits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("permit_no", sa.String(length=20), nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("home_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("works", sa.String(length=400), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decision_note", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_safety_permits_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_safety_permits_home_id_homes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_permits")),
        sa.UniqueConstraint("permit_no", name=op.f("uq_safety_permits_permit_no")),
    )
    op.create_index("ix_safety_permits_street", "safety_permits", ["street_code", "status"], unique=False)
    op.create_table(
        "safety_hazards",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("case_no", sa.String(length=20), nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("appraisal_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("path", sa.String(length=12), nullable=False),
        sa.Column("path_decided", sa.Boolean(), nullable=False),
        sa.Column("measures", sa.String(length=400), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("decide_by", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closure", sa.String(length=12), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=True),
        sa.Column("synthetic", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appraisal_id"], ["safety_appraisals.id"], name=op.f("fk_safety_hazards_appraisal_id_safety_appraisals")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_safety_hazards_building_id_buildings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_hazards")),
        sa.UniqueConstraint("case_no", name=op.f("uq_safety_hazards_case_no")),
    )
    op.create_index("ix_safety_hazards_street", "safety_hazards", ["street_code", "status"], unique=False)
    op.create_index(
        "uq_safety_hazards_open_building",
        "safety_hazards",
        ["building_id"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )

    if op.get_bind().dialect.name == "sqlite":
        for table, ops in WATCHED:
            for verb in ops:
                op.execute(
                    f"CREATE TRIGGER register_changes_{table}_{verb.lower()} AFTER {verb} ON {table} "
                    "BEGIN UPDATE register_changes SET n = n + 1 WHERE id = 1; END"
                )
    else:
        for table, ops in WATCHED:
            op.execute(
                f"CREATE TRIGGER register_changes_bump AFTER {' OR '.join(ops)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION register_changes_bump()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, ops in WATCHED:
            for verb in ops:
                op.execute(f"DROP TRIGGER IF EXISTS register_changes_{table}_{verb.lower()}")
    else:
        for table, _ in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS register_changes_bump ON {table}")
    for table in reversed(NEW_TABLES):
        op.drop_table(table)
