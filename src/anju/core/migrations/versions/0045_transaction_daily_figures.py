"""transactions: the public figures kept per day and per month (``transaction_daily_figures``,
``transaction_monthly_figures``: filed contracts' count and exact area per local day — or month — of
filing, market, district and the home's use), backfilled from the contracts; the public figures read only this table (issue 18/25; docs/benchmarks.md "Public
transaction figures: kept per day").

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-08 01:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

#: market → (the contracts' table, the statuses of a deal that counts), as ``transactions.figures.MARKETS``
_MARKETS = {
    "new": ("sale_contracts", "'filed'"),
    "resale": ("resale_contracts", "'filed', 'registered'"),
}


def upgrade() -> None:
    op.create_table(
        "transaction_daily_figures",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("contracts", sa.Integer(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "market", "district_code", "use", name=op.f("pk_transaction_daily_figures")),
    )
    op.create_table(
        "transaction_monthly_figures",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("market", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("use", sa.String(length=16), nullable=False),
        sa.Column("contracts", sa.Integer(), nullable=False),
        sa.Column("area", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("month", "market", "district_code", "use", name=op.f("pk_transaction_monthly_figures")),
    )
    postgres = op.get_bind().dialect.name == "postgresql"
    day = "CAST(c.filed_at AT TIME ZONE 'Asia/Shanghai' AS DATE)" if postgres else "date(c.filed_at, '+8 hours')"
    for market, (table, statuses) in _MARKETS.items():
        op.execute(
            f"INSERT INTO transaction_daily_figures (day, market, district_code, use, contracts, area) "
            f"SELECT {day}, '{market}', c.district_code, h.use, COUNT(*), SUM(c.area) "
            f"FROM {table} c JOIN homes h ON h.id = c.home_id "
            f"WHERE c.status IN ({statuses}) AND c.filed_at IS NOT NULL "
            f"GROUP BY {day}, c.district_code, h.use"
        )

    month = "CAST(date_trunc('month', day) AS DATE)" if postgres else "date(day, 'start of month')"
    op.execute(
        f"INSERT INTO transaction_monthly_figures (month, market, district_code, use, contracts, area) "
        f"SELECT {month}, market, district_code, use, SUM(contracts), SUM(area) FROM transaction_daily_figures "
        f"GROUP BY {month}, market, district_code, use"
    )


def downgrade() -> None:
    op.drop_table("transaction_monthly_figures")
    op.drop_table("transaction_daily_figures")
