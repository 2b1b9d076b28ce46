"""streets: the street database's loads, panel rows and industry rows (issue 24).

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07 19:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "street_panel_loads",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("corrected", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_panel_loads")),
    )
    op.create_table(
        "street_panel",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("resident", sa.BigInteger(), nullable=True),
        sa.Column("registered", sa.BigInteger(), nullable=True),
        sa.Column("households", sa.BigInteger(), nullable=True),
        sa.Column("age_0_14", sa.BigInteger(), nullable=True),
        sa.Column("age_15_59", sa.BigInteger(), nullable=True),
        sa.Column("age_60_plus", sa.BigInteger(), nullable=True),
        sa.Column("land_stock", anju.core.types.Area(), nullable=True),
        sa.Column("land_supply", anju.core.types.Area(), nullable=True),
        sa.Column("jobs", sa.BigInteger(), nullable=True),
        sa.Column("enterprises", sa.BigInteger(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("load_id", ID, nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("superseded_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["street_code"], ["divisions.code"], name=op.f("fk_street_panel_street_code_divisions")
        ),
        sa.ForeignKeyConstraint(
            ["load_id"], ["street_panel_loads.id"], name=op.f("fk_street_panel_load_id_street_panel_loads")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_panel")),
    )
    op.create_index("ix_street_panel_key", "street_panel", ["year", "street_code", "source", "superseded_at"])
    op.create_table(
        "street_industry",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("panel_id", ID, nullable=False),
        sa.Column("sector", sa.String(length=24), nullable=False),
        sa.Column("jobs", sa.BigInteger(), nullable=True),
        sa.Column("enterprises", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["panel_id"], ["street_panel.id"], name=op.f("fk_street_industry_panel_id_street_panel")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_street_industry")),
    )
    op.create_index("ix_street_industry_panel", "street_industry", ["panel_id"])


def downgrade() -> None:
    op.drop_index("ix_street_industry_panel", table_name="street_industry")
    op.drop_table("street_industry")
    op.drop_index("ix_street_panel_key", table_name="street_panel")
    op.drop_table("street_panel")
    op.drop_table("street_panel_loads")
