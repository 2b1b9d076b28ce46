"""indicators: the indicator dictionary's refresh runs and current values (issue 24).

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 19:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "indicator_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("started_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("years", sa.String(length=200), nullable=False),
        sa.Column("codes", sa.Text(), nullable=True),
        sa.Column("values_written", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=400), nullable=True),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_runs")),
    )
    op.create_table(
        "indicator_values",
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=8), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=True),
        sa.Column("missing", sa.String(length=200), nullable=True),
        sa.Column("run_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["indicator_runs.id"], name=op.f("fk_indicator_values_run_id_indicator_runs")
        ),
        sa.PrimaryKeyConstraint("code", "level", "area_code", "year", name=op.f("pk_indicator_values")),
    )
    op.create_index("ix_indicator_values_year", "indicator_values", ["year", "code", "level"])


def downgrade() -> None:
    op.drop_index("ix_indicator_values_year", table_name="indicator_values")
    op.drop_table("indicator_values")
    op.drop_table("indicator_runs")
