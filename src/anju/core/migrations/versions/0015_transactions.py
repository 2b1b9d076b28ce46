"""new-home transactions (商品房): developers, projects, presale permits, filed prices, purchase contracts

A home is sold once: ``ux_sale_contracts_home_active`` is unique over (home_id, active), ``active`` 1
while a contract holds the home and NULL once it is cancelled. A home is in at most one presale permit
and has one price in force (``ux_home_prices_current``). See docs/transactions.md.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "developers",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("qualification_grade", sa.String(length=16), nullable=False),
        sa.Column("qualification_no", sa.String(length=40), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=40), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_developers")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_developers_credit_code")),
    )
    with op.batch_alter_table("developers", schema=None) as batch_op:
        batch_op.create_index("ix_developers_street", ["street_code"], unique=False)

    op.create_table(
        "sale_projects",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("estate_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=40), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developers.id"], name=op.f("fk_sale_projects_developer_id_developers")
        ),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_sale_projects_estate_id_estates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_projects")),
        sa.UniqueConstraint("estate_id", "name", name="uq_sale_projects_estate_name"),
    )
    with op.batch_alter_table("sale_projects", schema=None) as batch_op:
        batch_op.create_index("ix_sale_projects_developer", ["developer_id"], unique=False)
        batch_op.create_index("ix_sale_projects_street", ["street_code"], unique=False)

    op.create_table(
        "presale_permits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("permit_no", sa.String(length=24), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("homes", sa.Integer(), nullable=False),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("filed_by", sa.String(length=40), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["sale_projects.id"], name=op.f("fk_presale_permits_project_id_sale_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_permits")),
        sa.UniqueConstraint("permit_no", name=op.f("uq_presale_permits_permit_no")),
    )
    with op.batch_alter_table("presale_permits", schema=None) as batch_op:
        batch_op.create_index("ix_presale_permits_project", ["project_id"], unique=False)
        batch_op.create_index("ix_presale_permits_street", ["street_code", "issued_on"], unique=False)

    op.create_table(
        "home_prices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("home_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("permit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("total_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.Column("filed_by", sa.String(length=40), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_home_prices_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["presale_permits.id"], name=op.f("fk_home_prices_permit_id_presale_permits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_home_prices")),
        sa.UniqueConstraint("home_id", "version", name="uq_home_prices_version"),
    )
    with op.batch_alter_table("home_prices", schema=None) as batch_op:
        batch_op.create_index("ux_home_prices_current", ["home_id", "current"], unique=True)

    op.create_table(
        "presale_permit_homes",
        sa.Column("permit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("home_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("building_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_presale_permit_homes_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["presale_permits.id"], name=op.f("fk_presale_permit_homes_permit_id_presale_permits")
        ),
        sa.PrimaryKeyConstraint("permit_id", "home_id", name=op.f("pk_presale_permit_homes")),
        sa.UniqueConstraint("home_id", name="uq_presale_permit_homes_home"),
    )
    with op.batch_alter_table("presale_permit_homes", schema=None) as batch_op:
        batch_op.create_index("ix_presale_permit_homes_building", ["building_id"], unique=False)

    op.create_table(
        "sale_contracts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("home_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("project_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("permit_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("developer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buyer_account_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("buyer_name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("buyer_id_enc", sa.LargeBinary(), nullable=False),
        sa.Column("buyer_id_bidx", sa.String(length=64), nullable=False),
        sa.Column("buyer_hukou", sa.String(length=8), nullable=False),
        sa.Column("buyer_si_months", sa.Integer(), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=True),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("total_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("unit_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("payment_method", sa.String(length=20), nullable=False),
        sa.Column("down_payment_fen", sa.BigInteger(), nullable=False),
        sa.Column("loan_fen", sa.BigInteger(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("developer_signed_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("buyer_signed_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("filing_no", sa.String(length=20), nullable=True),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=200), nullable=True),
        sa.Column("cancelled_by", sa.String(length=40), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=40), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_account_id"], ["accounts.id"], name=op.f("fk_sale_contracts_buyer_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["developer_id"], ["developers.id"], name=op.f("fk_sale_contracts_developer_id_developers")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_sale_contracts_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["permit_id"], ["presale_permits.id"], name=op.f("fk_sale_contracts_permit_id_presale_permits")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["sale_projects.id"], name=op.f("fk_sale_contracts_project_id_sale_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sale_contracts")),
        sa.UniqueConstraint("filing_no", name=op.f("uq_sale_contracts_filing_no")),
    )
    with op.batch_alter_table("sale_contracts", schema=None) as batch_op:
        batch_op.create_index("ix_sale_contracts_buyer", ["buyer_account_id"], unique=False)
        batch_op.create_index("ix_sale_contracts_buyer_bidx", ["buyer_id_bidx", "active"], unique=False)
        batch_op.create_index("ix_sale_contracts_project", ["project_id", "status"], unique=False)
        batch_op.create_index("ix_sale_contracts_street", ["street_code", "status", "created_at"], unique=False)
        batch_op.create_index("ux_sale_contracts_home_active", ["home_id", "active"], unique=True)


def downgrade() -> None:
    for table in (
        "sale_contracts",
        "presale_permit_homes",
        "home_prices",
        "presale_permits",
        "sale_projects",
        "developers",
    ):
        op.drop_table(table)
