"""assistance: household members' consent to the use of their register facts; named members

The eligibility self-check used to consult the register (homes owned, current benefits, credit
events) for any ID number a citizen typed into a draft (issue 17, finding 2). Now the applicant is
the account's verified identity and another adult member's register facts are used only after that
member consents from their own verified account (``member_consents``). ``named_members`` remembers
which distinct ID numbers each account has named, so that probing is flagged to the audit.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 09:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "member_consents",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("application_id", ID, nullable=False),
        sa.Column("member_bidx", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("consented_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_member_consents_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_consents")),
        sa.UniqueConstraint(
            "application_id", "member_bidx", name=op.f("uq_member_consents_application_id_member_bidx")
        ),
    )
    op.create_index("ix_member_consents_account", "member_consents", ["account_id"], unique=False)
    op.create_table(
        "named_members",
        sa.Column("account_id", ID, nullable=False),
        sa.Column("member_bidx", sa.String(length=64), nullable=False),
        sa.Column("first_named_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", "member_bidx", name=op.f("pk_named_members")),
    )
    op.create_index("ix_named_members_account_at", "named_members", ["account_id", "first_named_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_named_members_account_at", table_name="named_members")
    op.drop_table("named_members")
    op.drop_index("ix_member_consents_account", table_name="member_consents")
    op.drop_table("member_consents")
