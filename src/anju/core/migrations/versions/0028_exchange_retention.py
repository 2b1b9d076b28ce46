"""exchange: retention runs, and the verifiable log "exchange" their applied runs are appended to

Revision ID: 0028
Revises: 0023
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exchange_retention_runs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(length=8), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=40), nullable=False),
        sa.Column("actor_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("started_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("counts", sa.Text(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_retention_runs")),
    )
    with op.batch_alter_table("exchange_retention_runs", schema=None) as batch_op:
        batch_op.create_index("ix_exchange_retention_runs_started", ["started_at"], unique=False)

    logs = sa.table(
        "ledger_logs",
        sa.column("name", sa.String),
        sa.column("algorithm", sa.String),
        sa.column("size", sa.BigInteger),
        sa.column("created_at", anju.core.types.UTCDateTime(timezone=True)),
    )
    have = set(op.get_bind().execute(sa.select(logs.c.name)).scalars())
    if "exchange" not in have:
        op.bulk_insert(logs, [{"name": "exchange", "algorithm": "sm3", "size": 0, "created_at": datetime.now(UTC)}])


def downgrade() -> None:
    op.execute("DELETE FROM ledger_logs WHERE name = 'exchange' AND size = 0")
    op.drop_table("exchange_retention_runs")
