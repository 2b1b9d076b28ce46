"""credit: an index of credit events by reference (department feeds look records up by it; the public
pages ask whether the data is synthetic, references ``SYN-…``). On PostgreSQL its operator class is
``text_pattern_ops`` so that the prefix test ``LIKE 'SYN-%'`` uses it whatever the collation.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 02:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_credit_events_reference",
        "credit_events",
        ["reference"],
        unique=False,
        postgresql_ops={"reference": "text_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_credit_events_reference", table_name="credit_events")
