"""transactions: an index on the filed contracts' ``filed_at`` (new homes and resale), for the public
figures' window scan (issue 18; docs/benchmarks.md "Public transaction figures: the window scan").

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 23:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sale_contracts_filed_at", "sale_contracts", ["filed_at"], unique=False)
    op.create_index("ix_resale_contracts_filed_at", "resale_contracts", ["filed_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_resale_contracts_filed_at", table_name="resale_contracts")
    op.drop_index("ix_sale_contracts_filed_at", table_name="sale_contracts")
