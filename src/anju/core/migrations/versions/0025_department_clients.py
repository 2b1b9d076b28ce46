"""department clients: OAuth 2.0 client credentials, their tokens and daily usage (issue 19)

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("client_id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("contact_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("contact_phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("daily_quota", sa.Integer(), nullable=False),
        sa.Column("secret_hash", sa.String(length=200), nullable=False),
        sa.Column("secret_created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("previous_secret_hash", sa.String(length=200), nullable=True),
        sa.Column("previous_expires_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=40), nullable=False),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
        sa.UniqueConstraint("client_id", name=op.f("uq_clients_client_id")),
    )
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.create_index("ix_clients_department", ["department", "status"], unique=False)
    op.create_table(
        "client_tokens",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("client_pk", ID, nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False),
        sa.Column("issued_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(["client_pk"], ["clients.id"], name=op.f("fk_client_tokens_client_pk_clients")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_client_tokens_token_hash")),
    )
    with op.batch_alter_table("client_tokens", schema=None) as batch_op:
        batch_op.create_index("ix_client_tokens_client", ["client_pk", "expires_at"], unique=False)
    op.create_table(
        "client_usage",
        sa.Column("client_pk", ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=12), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_pk"], ["clients.id"], name=op.f("fk_client_usage_client_pk_clients")),
        sa.PrimaryKeyConstraint("client_pk", "day", "dataset", "operation", name=op.f("pk_client_usage")),
    )


def downgrade() -> None:
    op.drop_table("client_usage")
    op.drop_table("client_tokens")
    op.drop_table("clients")
