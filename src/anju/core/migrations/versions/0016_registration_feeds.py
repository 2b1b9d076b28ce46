"""registration and restriction feeds: registrations, restriction_records, feed_loads, feed_locks; home_owners bitemporal

``home_owners`` gains ``superseded_at`` (NULL: still believed — every existing row), the registration
that named the owner and, for a replacement of another writer's row, that row's id. Nothing existing
changes meaning: readers of current beliefs add ``superseded_at IS NULL``.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AT = anju.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "registrations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("certificate_no", sa.String(length=64), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("corrects_id", ID, nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("load_id", ID, nullable=False),
        sa.Column("recorded_at", AT, nullable=False),
        sa.Column("superseded_at", AT, nullable=True),
        sa.Column("superseded_by", ID, nullable=True),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_registrations_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["corrects_id"], ["registrations.id"], name=op.f("fk_registrations_corrects_id_registrations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registrations")),
        sa.UniqueConstraint("record_id", name=op.f("uq_registrations_record_id")),
    )
    op.create_index("ix_registrations_home", "registrations", ["home_id", "registered_on"], unique=False)
    with op.batch_alter_table("home_owners", schema=None) as batch_op:
        batch_op.add_column(sa.Column("superseded_at", AT, nullable=True))
        batch_op.add_column(sa.Column("registration_id", ID, nullable=True))
        batch_op.add_column(sa.Column("origin_id", ID, nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_home_owners_registration_id_registrations"), "registrations", ["registration_id"], ["id"]
        )
        batch_op.create_index("ix_home_owners_registration", ["registration_id"], unique=False)
    op.create_table(
        "restriction_records",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("document_no", sa.String(length=64), nullable=False),
        sa.Column("authority", sa.String(length=80), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("lifts_id", ID, nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("load_id", ID, nullable=False),
        sa.Column("recorded_at", AT, nullable=False),
        sa.CheckConstraint("ends_on IS NULL OR ends_on > starts_on", name=op.f("ck_restriction_records_term")),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_restriction_records_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["lifts_id"], ["restriction_records.id"], name=op.f("fk_restriction_records_lifts_id_restriction_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restriction_records")),
        sa.UniqueConstraint("record_id", name=op.f("uq_restriction_records_record_id")),
    )
    op.create_index(
        "ix_restriction_records_home", "restriction_records", ["home_id", "kind", "starts_on"], unique=False
    )
    op.create_index("ix_restriction_records_lifts", "restriction_records", ["lifts_id"], unique=False)
    locks = op.create_table(
        "feed_locks",
        sa.Column("feed", sa.String(length=16), nullable=False),
        sa.Column("loads", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("feed", name=op.f("pk_feed_locks")),
    )
    op.bulk_insert(locks, [{"feed": "registrations", "loads": 0}, {"feed": "restrictions", "loads": 0}])
    op.create_table(
        "feed_loads",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("feed", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("records_total", sa.Integer(), nullable=False),
        sa.Column("records_new", sa.Integer(), nullable=False),
        sa.Column("records_unchanged", sa.Integer(), nullable=False),
        sa.Column("records_rejected", sa.Integer(), nullable=False),
        sa.Column("report", sa.Text(), nullable=False),
        sa.Column("created_at", AT, nullable=False),
        sa.Column("finished_at", AT, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_loads")),
    )


def downgrade() -> None:
    op.drop_table("feed_loads")
    op.drop_table("feed_locks")
    op.drop_index("ix_restriction_records_lifts", table_name="restriction_records")
    op.drop_index("ix_restriction_records_home", table_name="restriction_records")
    op.drop_table("restriction_records")
    with op.batch_alter_table("home_owners", schema=None) as batch_op:
        batch_op.drop_index("ix_home_owners_registration")
        batch_op.drop_constraint(op.f("fk_home_owners_registration_id_registrations"), type_="foreignkey")
        batch_op.drop_column("origin_id")
        batch_op.drop_column("registration_id")
        batch_op.drop_column("superseded_at")
    op.drop_index("ix_registrations_home", table_name="registrations")
    op.drop_table("registrations")
