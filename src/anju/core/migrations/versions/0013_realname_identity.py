"""real-name identity: a declared identity number grants nothing until it is verified

Public accounts keep the identity number they declared in ``claimed_id_*``; ``id_number_*`` (which
every right that follows a person's ID reads) is set only when the real-name check passes. Existing
public accounts become unverified: their holders verify once (phone code, then the identity
provider). Staff accounts keep their number, recorded as verified by the bureau ("staff"). Phones
are confirmed by one-time codes (``phone_codes``), one account per confirmed number.
``synthetic_people`` is the demo's stand-in for the population register a real provider consults.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

PUBLIC = ("citizen", "landlord", "agency")


def upgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("claimed_id_enc", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("claimed_id_bidx", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("identity_verified_at", anju.core.types.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("identity_method", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("confirmed_phone_bidx", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("phone_confirmed_at", anju.core.types.UTCDateTime(timezone=True), nullable=True))
        batch.create_index("ix_accounts_claimed_id_bidx", ["claimed_id_bidx"], unique=False)
        batch.create_unique_constraint(op.f("uq_accounts_confirmed_phone_bidx"), ["confirmed_phone_bidx"])
    accounts = sa.table(
        "accounts",
        sa.column("role", sa.String),
        sa.column("id_number_enc", sa.LargeBinary),
        sa.column("id_number_bidx", sa.String),
        sa.column("claimed_id_enc", sa.LargeBinary),
        sa.column("claimed_id_bidx", sa.String),
        sa.column("identity_verified_at", anju.core.types.UTCDateTime(timezone=True)),
        sa.column("identity_method", sa.String),
        sa.column("created_at", anju.core.types.UTCDateTime(timezone=True)),
    )
    public = accounts.c.role.in_(PUBLIC)
    op.execute(
        accounts.update()
        .where(public)
        .values(
            claimed_id_enc=accounts.c.id_number_enc,
            claimed_id_bidx=accounts.c.id_number_bidx,
            id_number_enc=None,
            id_number_bidx=None,
        )
    )
    op.execute(
        accounts.update()
        .where(~public, accounts.c.id_number_bidx.is_not(None))
        .values(identity_verified_at=accounts.c.created_at, identity_method="staff")
    )
    op.create_table(
        "phone_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phone_bidx", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_phone_codes_account_id_accounts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_phone_codes")),
    )
    op.create_index("ix_phone_codes_account", "phone_codes", ["account_id", "created_at"], unique=False)
    op.create_table(
        "synthetic_people",
        sa.Column("id_bidx", sa.String(length=64), nullable=False),
        sa.Column("id_enc", sa.LargeBinary(), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("name_bidx", sa.String(length=64), nullable=False),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=False),
        sa.Column("phone_bidx", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id_bidx", name=op.f("pk_synthetic_people")),
    )


def downgrade() -> None:
    op.drop_table("synthetic_people")
    op.drop_index("ix_phone_codes_account", table_name="phone_codes")
    op.drop_table("phone_codes")
    accounts = sa.table(
        "accounts",
        sa.column("id_number_enc", sa.LargeBinary),
        sa.column("id_number_bidx", sa.String),
        sa.column("claimed_id_enc", sa.LargeBinary),
        sa.column("claimed_id_bidx", sa.String),
    )
    # An unverified claim goes back to where a declared number lived (duplicates would fail: keep one).
    op.execute(
        accounts.update()
        .where(accounts.c.id_number_bidx.is_(None), accounts.c.claimed_id_bidx.is_not(None))
        .values(id_number_enc=accounts.c.claimed_id_enc, id_number_bidx=accounts.c.claimed_id_bidx)
    )
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("uq_accounts_confirmed_phone_bidx"), type_="unique")
        batch.drop_index("ix_accounts_claimed_id_bidx")
        batch.drop_column("phone_confirmed_at")
        batch.drop_column("confirmed_phone_bidx")
        batch.drop_column("identity_method")
        batch.drop_column("identity_verified_at")
        batch.drop_column("claimed_id_bidx")
        batch.drop_column("claimed_id_enc")
