"""events out: the transactional outbox, its subscribers and their deliveries (docs/exchange.md)

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0026"
down_revision = "0028"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = anju.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "exchange_events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("topic", sa.String(length=60), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("personal", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_events")),
    )
    op.create_index("ix_exchange_events_topic", "exchange_events", ["topic", "id"], unique=False)
    op.create_table(
        "exchange_subscribers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("department", sa.String(length=60), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("amqp_exchange", sa.String(length=120), nullable=True),
        sa.Column("routing_key", sa.String(length=120), nullable=True),
        sa.Column("topics", sa.Text(), nullable=False),
        sa.Column("personal", sa.Boolean(), nullable=False),
        sa.Column("secret_enc", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_subscribers")),
        sa.UniqueConstraint("name", name=op.f("uq_exchange_subscribers_name")),
    )
    op.create_table(
        "exchange_deliveries",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("subscriber_id", ID, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", TS, nullable=False),
        sa.Column("claimed_until", TS, nullable=True),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["event_id"], ["exchange_events.id"], name=op.f("fk_exchange_deliveries_event_id_exchange_events")
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["exchange_subscribers.id"],
            name=op.f("fk_exchange_deliveries_subscriber_id_exchange_subscribers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_deliveries")),
    )
    op.create_index("ix_exchange_deliveries_queue", "exchange_deliveries", ["state", "id"], unique=False)
    op.create_index(
        "ix_exchange_deliveries_key", "exchange_deliveries", ["subscriber_id", "key", "state", "event_id"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        # a queue table: every delivery is updated once or more, so vacuum and analyse it often
        op.execute(
            "ALTER TABLE exchange_deliveries SET (autovacuum_vacuum_scale_factor = 0.02, "
            "autovacuum_analyze_scale_factor = 0.02)"
        )


def downgrade() -> None:
    op.drop_table("exchange_deliveries")
    op.drop_table("exchange_subscribers")
    op.drop_table("exchange_events")
