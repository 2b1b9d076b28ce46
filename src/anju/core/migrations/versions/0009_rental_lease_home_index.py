"""rental leases by home: the overlap check of a filing and the look-ups by home use it

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_rental_leases_home", "rental_leases", ["home_id", "start_on"])


def downgrade() -> None:
    op.drop_index("ix_rental_leases_home", table_name="rental_leases")
