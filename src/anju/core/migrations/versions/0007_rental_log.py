"""the verifiable log of rental supervision (escrow entries and filing events)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    logs = sa.table(
        "ledger_logs",
        sa.column("name", sa.String),
        sa.column("algorithm", sa.String),
        sa.column("size", sa.BigInteger),
        sa.column("created_at", anju.core.types.UTCDateTime(timezone=True)),
    )
    have = set(op.get_bind().execute(sa.select(logs.c.name)).scalars())
    if "rental" not in have:
        op.bulk_insert(logs, [{"name": "rental", "algorithm": "sm3", "size": 0, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute("DELETE FROM ledger_logs WHERE name = 'rental' AND size = 0")
