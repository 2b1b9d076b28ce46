"""a synthetic register records its scale (the demo's figures scale the plan's targets with it)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 10:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "synthetic_registers",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("scale", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("generated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("synthetic_registers")
