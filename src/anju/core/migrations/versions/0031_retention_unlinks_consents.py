"""assistance: a consent's account may be dropped (retention pseudonymises the consenting account away)

Revision ID: 0031
Revises: 0028
Create Date: 2026-12-06 23:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0026"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("member_consents", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=_ID, nullable=True)


def downgrade() -> None:
    op.execute("UPDATE member_consents SET account_id = 0 WHERE account_id IS NULL")
    with op.batch_alter_table("member_consents", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=_ID, nullable=False)
