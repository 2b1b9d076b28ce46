"""new-home contracts of the market history: ``sale_contracts.source`` and a nullable buyer account

``source`` is ``platform`` for a contract signed on the platform and ``history`` for one loaded from the
synthetic market history (or a legacy system); a history contract has no platform account behind its
buyer (``buyer_account_id`` NULL). Existing rows are platform contracts. See docs/transactions.md.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 19:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("sale_contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=8), nullable=False, server_default="platform"))
        batch_op.alter_column("buyer_account_id", existing_type=_id(), nullable=True)
    with op.batch_alter_table("sale_contracts", schema=None) as batch_op:
        batch_op.alter_column("source", existing_type=sa.String(length=8), server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM sale_contracts WHERE buyer_account_id IS NULL")
    with op.batch_alter_table("sale_contracts", schema=None) as batch_op:
        batch_op.alter_column("buyer_account_id", existing_type=_id(), nullable=False)
        batch_op.drop_column("source")
