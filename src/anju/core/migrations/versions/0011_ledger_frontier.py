"""ledger logs keep their right frontier: an append extends it without reading stored subtrees

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_logs") as batch:
        batch.add_column(sa.Column("frontier", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("frontier_size", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_logs") as batch:
        batch.drop_column("frontier_size")
        batch.drop_column("frontier")
