"""plan: the annual figures as reported (versions, corrections) and the hand-entered figures (issue 24).

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-07 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0041"
down_revision = "0040"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "plan_reports",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("plan_code", sa.String(length=40), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("synthetic", sa.Integer(), nullable=False),
        sa.Column("reported_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("reported_by", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_reports")),
        sa.UniqueConstraint("plan_code", "year", "version", name=op.f("uq_plan_reports_plan_code_year_version")),
    )
    op.create_table(
        "plan_report_figures",
        sa.Column("report_id", ID, nullable=False),
        sa.Column("target_key", sa.String(length=80), nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("target", sa.String(length=40), nullable=False),
        sa.Column("actual", sa.String(length=40), nullable=True),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("missing", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["plan_reports.id"], name=op.f("fk_plan_report_figures_report_id_plan_reports")
        ),
        sa.PrimaryKeyConstraint("report_id", "target_key", name=op.f("pk_plan_report_figures")),
    )
    op.create_table(
        "plan_entries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("indicator", sa.String(length=80), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("source_note", sa.String(length=300), nullable=False),
        sa.Column("entered_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("entered_by", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_entries")),
    )
    op.create_index("ix_plan_entries_key", "plan_entries", ["indicator", "area_code", "year", "id"])


def downgrade() -> None:
    op.drop_index("ix_plan_entries_key", table_name="plan_entries")
    op.drop_table("plan_entries")
    op.drop_table("plan_report_figures")
    op.drop_table("plan_reports")
