"""feeds in: batches, accepted keys, dead letters, quality

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 22:09:09.376289
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_batches",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("delivered_by", sa.String(length=120), nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("lag_records", sa.Integer(), nullable=False),
        sa.Column("lag_seconds_sum", sa.BigInteger(), nullable=False),
        sa.Column("lag_seconds_max", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("received_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_batches")),
    )
    with op.batch_alter_table("feed_batches", schema=None) as batch_op:
        batch_op.create_index("ix_feed_batches_dataset", ["dataset", "received_at"], unique=False)

    op.create_table(
        "feed_dataset_locks",
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("batches", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("dataset", name=op.f("pk_feed_dataset_locks")),
    )
    op.create_table(
        "feed_dead_letters",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("personal_enc", sa.LargeBinary(), nullable=True),
        sa.Column("rejections", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("replay_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("resolved_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("resolved_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["feed_batches.id"], name=op.f("fk_feed_dead_letters_batch_id_feed_batches")
        ),
        sa.ForeignKeyConstraint(
            ["replay_batch_id"], ["feed_batches.id"], name=op.f("fk_feed_dead_letters_replay_batch_id_feed_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_dead_letters")),
    )
    with op.batch_alter_table("feed_dead_letters", schema=None) as batch_op:
        batch_op.create_index("ix_feed_dead_letters_batch", ["batch_id", "seq"], unique=False)
        batch_op.create_index("ix_feed_dead_letters_open", ["dataset", "status"], unique=False)

    op.create_table(
        "feed_keys",
        sa.Column("dataset", sa.String(length=80), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("order_value", sa.String(length=64), nullable=True),
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["feed_batches.id"], name=op.f("fk_feed_keys_batch_id_feed_batches")),
    )
    with op.batch_alter_table("feed_keys", schema=None) as batch_op:
        batch_op.create_index("ix_feed_keys_batch", ["batch_id"], unique=False)
        batch_op.create_index("ix_feed_keys_key", ["dataset", "key"], unique=False)

    op.create_table(
        "feed_quality",
        sa.Column("batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("invalid", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["feed_batches.id"], name=op.f("fk_feed_quality_batch_id_feed_batches")),
        sa.PrimaryKeyConstraint("batch_id", "field", name=op.f("pk_feed_quality")),
    )


def downgrade() -> None:
    for name in ("feed_quality", "feed_keys", "feed_dead_letters", "feed_dataset_locks", "feed_batches"):
        op.drop_table(name)
