"""assistance: department facts (部门核查数据) for the eligibility checks

Household registration (市公安局), social insurance (市人社局), minimum-income and assistance status
(市民政局) and housing provident fund (市住房公积金管理中心), delivered through the exchange's feeds
``assistance.hukou``, ``assistance.social_insurance``, ``assistance.minimum_income`` and
``assistance.provident_fund``. One table per source; every fact is kept with the batch it came in,
when it became known (``received_at``) and when a newer one replaced it (``superseded_at``), so a check
reads the facts known at its own time. ``current`` (1 or NULL) marks the one fact in force per person.

Revision ID: 0027
Revises: 0023
Create Date: 2026-12-06 22:30:00.000000
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0027"
down_revision = "0025"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

TABLES: dict[str, Callable[[], list[sa.Column[Any]]]] = {
    "fact_hukou": lambda: [
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("division_code", sa.String(length=12), nullable=False),
        sa.Column("registered_since", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
    ],
    "fact_social_insurance": lambda: [
        sa.Column("months_paid", sa.Integer(), nullable=False),
        sa.Column("last_paid_month", sa.Date(), nullable=False),
        sa.Column("employer_credit_code", sa.String(length=18), nullable=True),
    ],
    "fact_minimum_income": lambda: [
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("until", sa.Date(), nullable=True),
    ],
    "fact_provident_fund": lambda: [
        sa.Column("account_status", sa.String(length=8), nullable=False),
        sa.Column("monthly_deposit_fen", sa.BigInteger(), nullable=False),
        sa.Column("months_paid", sa.Integer(), nullable=False),
    ],
}


def upgrade() -> None:
    for name, columns in TABLES.items():
        op.create_table(
            name,
            sa.Column("id", ID, autoincrement=True, nullable=False),
            sa.Column("id_bidx", sa.String(length=64), nullable=False),
            sa.Column("id_number_enc", sa.LargeBinary(), nullable=False),
            *columns(),
            sa.Column("as_of", sa.Date(), nullable=False),
            sa.Column("batch_id", sa.BigInteger(), nullable=False),
            sa.Column("received_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
            sa.Column("superseded_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
            sa.Column("current", sa.Integer(), nullable=True),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        )
        op.create_index(f"ux_{name}_current", name, ["id_bidx", "current"], unique=True)
        op.create_index(f"ix_{name}_bidx_known", name, ["id_bidx", "received_at"], unique=False)
        op.create_index(f"ix_{name}_batch", name, ["batch_id"], unique=False)
        op.create_index(f"ix_{name}_in_force", name, ["current"], unique=False)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_index(f"ix_{name}_in_force", table_name=name)
        op.drop_index(f"ix_{name}_batch", table_name=name)
        op.drop_index(f"ix_{name}_bidx_known", table_name=name)
        op.drop_index(f"ux_{name}_current", table_name=name)
        op.drop_table(name)
