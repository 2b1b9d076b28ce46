"""ledger: the verifiable log's logs, leaves, subtree hashes and signed tree heads

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_logs",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("algorithm", sa.String(length=16), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size >= 0", name=op.f("ck_ledger_logs_size_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_logs")),
        sa.UniqueConstraint("name", name=op.f("uq_ledger_logs_name")),
    )
    op.create_table(
        "ledger_leaves",
        sa.Column("log_id", Id, nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_leaves_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("log_id", "leaf_index", name=op.f("pk_ledger_leaves")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_nodes",
        sa.Column("log_id", Id, nullable=False),
        sa.Column("level", sa.SmallInteger(), nullable=False),
        sa.Column("node_index", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_nodes_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("log_id", "level", "node_index", name=op.f("pk_ledger_nodes")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "ledger_heads",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("log_id", Id, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("signature_algorithm", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.String(length=128), nullable=False),
        sa.Column("signature", sa.String(length=256), nullable=False),
        sa.ForeignKeyConstraint(["log_id"], ["ledger_logs.id"], name=op.f("fk_ledger_heads_log_id_ledger_logs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_heads")),
    )
    with op.batch_alter_table("ledger_heads", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_heads_log", ["log_id", "tree_size"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_heads", schema=None) as batch_op:
        batch_op.drop_index("ix_ledger_heads_log")
    op.drop_table("ledger_heads")
    op.drop_table("ledger_nodes")
    op.drop_table("ledger_leaves")
    op.drop_table("ledger_logs")
