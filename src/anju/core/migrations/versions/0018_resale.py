"""existing-home (存量房) resale listings and contracts

A home has at most one active resale listing and one active resale contract (``active`` 1 or NULL,
unique with the home). ``resale_contracts.source`` is ``platform`` or ``history``. See
docs/transactions.md.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at() -> anju.core.types.UTCDateTime:
    return anju.core.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "resale_listings",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("listing_no", sa.String(length=20), nullable=False),
        sa.Column("home_id", _id(), nullable=False),
        sa.Column("agency_party_id", _id(), nullable=True),
        sa.Column("lister_account_id", _id(), nullable=True),
        sa.Column("owner_bidx", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("asking_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("verification", sa.Text(), nullable=True),
        sa.Column("verify_code", sa.String(length=16), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", _at(), nullable=False),
        sa.Column("published_at", _at(), nullable=True),
        sa.Column("closed_at", _at(), nullable=True),
        sa.Column("updated_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_party_id"], ["rental_parties.id"], name=op.f("fk_resale_listings_agency_party_id_rental_parties")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_resale_listings_home_id_homes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resale_listings")),
        sa.UniqueConstraint("listing_no", name=op.f("uq_resale_listings_listing_no")),
        sa.UniqueConstraint("verify_code", name=op.f("uq_resale_listings_verify_code")),
    )
    with op.batch_alter_table("resale_listings", schema=None) as batch_op:
        batch_op.create_index("ix_resale_listings_street", ["street_code", "status", "created_at"], unique=False)
        batch_op.create_index("ux_resale_listings_home_active", ["home_id", "active"], unique=True)

    op.create_table(
        "resale_contracts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("home_id", _id(), nullable=False),
        sa.Column("listing_id", _id(), nullable=True),
        sa.Column("agency_party_id", _id(), nullable=True),
        sa.Column("seller_bidx", sa.String(length=64), nullable=False),
        sa.Column("seller_name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("seller_id_enc", sa.LargeBinary(), nullable=False),
        sa.Column("seller_account_id", _id(), nullable=True),
        sa.Column("buyer_account_id", _id(), nullable=True),
        sa.Column("buyer_name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("buyer_id_enc", sa.LargeBinary(), nullable=False),
        sa.Column("buyer_id_bidx", sa.String(length=64), nullable=False),
        sa.Column("buyer_hukou", sa.String(length=8), nullable=True),
        sa.Column("buyer_si_months", sa.Integer(), nullable=True),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("total_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("down_payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("loan_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("seller_signed_at", _at(), nullable=True),
        sa.Column("buyer_signed_at", _at(), nullable=True),
        sa.Column("filing_no", sa.String(length=20), nullable=True),
        sa.Column("filed_at", _at(), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("registration_id", _id(), nullable=True),
        sa.Column("cancelled_at", _at(), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("cancelled_by", sa.String(length=40), nullable=True),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", _at(), nullable=False),
        sa.Column("updated_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_party_id"], ["rental_parties.id"], name=op.f("fk_resale_contracts_agency_party_id_rental_parties")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_resale_contracts_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["listing_id"], ["resale_listings.id"], name=op.f("fk_resale_contracts_listing_id_resale_listings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resale_contracts")),
        sa.UniqueConstraint("filing_no", name=op.f("uq_resale_contracts_filing_no")),
    )
    with op.batch_alter_table("resale_contracts", schema=None) as batch_op:
        batch_op.create_index("ix_resale_contracts_buyer_bidx", ["buyer_id_bidx", "active"], unique=False)
        batch_op.create_index("ix_resale_contracts_signed", ["signed_on"], unique=False)
        batch_op.create_index("ix_resale_contracts_street", ["street_code", "status", "created_at"], unique=False)
        batch_op.create_index("ux_resale_contracts_home_active", ["home_id", "active"], unique=True)


def downgrade() -> None:
    op.drop_table("resale_contracts")
    op.drop_table("resale_listings")
