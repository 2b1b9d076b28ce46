"""address fusion library

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 02:08:53.753461
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "address_decisions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("house_code", sa.String(length=23), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("record_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_decisions")),
        sa.UniqueConstraint(
            "source", "address_key", "house_code", name=op.f("uq_address_decisions_source_address_key_house_code")
        ),
    )
    op.create_table(
        "address_link_jobs",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("backend", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("records_total", sa.Integer(), nullable=False),
        sa.Column("linked", sa.Integer(), nullable=False),
        sa.Column("review", sa.Integer(), nullable=False),
        sa.Column("unlinked", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("parameters", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_link_jobs")),
    )
    op.create_table(
        "address_records",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("job_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=1000), nullable=False),
        sa.Column("address_key", sa.String(length=64), nullable=False),
        sa.Column("canonical", sa.String(length=300), nullable=True),
        sa.Column("components", sa.Text(), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("house_code", sa.String(length=23), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.String(length=12), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"], ["address_link_jobs.id"], name=op.f("fk_address_records_job_id_address_link_jobs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_records")),
        sa.UniqueConstraint("job_id", "record_id", name=op.f("uq_address_records_job_id_record_id")),
    )
    with op.batch_alter_table("address_records", schema=None) as batch_op:
        batch_op.create_index("ix_address_records_house", ["house_code"], unique=False)
        batch_op.create_index("ix_address_records_queue", ["status", "street_code", "id"], unique=False)
        batch_op.create_index("ix_address_records_source", ["source", "record_id"], unique=False)

    op.create_table(
        "address_candidates",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("record_pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("house_code", sa.String(length=23), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_pk"], ["address_records.id"], name=op.f("fk_address_candidates_record_pk_address_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address_candidates")),
        sa.UniqueConstraint("record_pk", "rank", name=op.f("uq_address_candidates_record_pk_rank")),
    )


def downgrade() -> None:
    op.drop_table("address_candidates")
    with op.batch_alter_table("address_records", schema=None) as batch_op:
        batch_op.drop_index("ix_address_records_source")
        batch_op.drop_index("ix_address_records_queue")
        batch_op.drop_index("ix_address_records_house")

    op.drop_table("address_records")
    op.drop_table("address_link_jobs")
    op.drop_table("address_decisions")
