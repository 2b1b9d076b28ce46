"""market: land transfers, runs, price indices and their quality, the supply pipeline, rent-to-price
ratios, health indicators and scores, warnings, forecasts, publications (issue 21)

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

NEW_TABLES = (
    "market_land_transfers",
    "market_runs",
    "market_index_values",
    "market_index_quality",
    "market_supply",
    "market_rent_ratios",
    "market_indicator_values",
    "market_health_scores",
    "market_warnings",
    "market_forecasts",
    "market_publications",
)


def upgrade() -> None:
    op.create_table(
        "market_land_transfers",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("record_id", sa.String(length=40), nullable=False),
        sa.Column("parcel_no", sa.String(length=40), nullable=False),
        sa.Column("parcel_name", sa.String(length=100), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("land_use", sa.String(length=16), nullable=False),
        sa.Column("rental_housing", sa.Integer(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("site_area", anju.core.types.Area(), nullable=False),
        sa.Column("plot_ratio", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("floor_area", anju.core.types.Area(), nullable=False),
        sa.Column("starting_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("price_fen", sa.BigInteger(), nullable=False),
        sa.Column("floor_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("premium_rate", sa.Numeric(precision=8, scale=4), nullable=False),
        sa.Column("buyer", sa.String(length=100), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("feed_load_id", ID, nullable=True),
        sa.Column("created_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("record_id", name="uq_market_land_transfers_record_id"),
    )
    op.create_index("ix_market_land_street", "market_land_transfers", ["street_code"], unique=False)
    op.create_index(
        "ix_market_land_district_date", "market_land_transfers", ["district_code", "transferred_on"], unique=False
    )
    op.create_table(
        "market_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("engine", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("first_month", sa.String(length=7), nullable=False),
        sa.Column("last_month", sa.String(length=7), nullable=False),
        sa.Column("edition", sa.String(length=20), nullable=True),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("job_id", ID, nullable=True),
        sa.Column("started_by", sa.String(length=40), nullable=False),
        sa.Column("started_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", anju.core.types.UTCDateTime(), nullable=True),
    )
    op.create_index("ix_market_runs_status", "market_runs", ["status", "id"], unique=False)
    op.create_table(
        "market_index_values",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("segment", sa.String(length=8), nullable=False, primary_key=True),
        sa.Column("method", sa.String(length=24), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("band", sa.String(length=8), nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False, primary_key=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("mom", sa.Float(), nullable=True),
        sa.Column("yoy", sa.Float(), nullable=True),
        sa.Column("observations", sa.Integer(), nullable=False),
        sa.Column("median_unit_price_fen", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
    )
    op.create_table(
        "market_index_quality",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("segment", sa.String(length=8), nullable=False, primary_key=True),
        sa.Column("method", sa.String(length=24), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("band", sa.String(length=8), nullable=False, primary_key=True),
        sa.Column("accuracy", sa.Float(), nullable=True),
        sa.Column("volatility", sa.Float(), nullable=True),
        sa.Column("revision", sa.Float(), nullable=True),
        sa.Column("truth_mae", sa.Float(), nullable=True),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("thin_months", sa.Integer(), nullable=False),
        sa.Column("missing_months", sa.Integer(), nullable=False),
    )
    op.create_table(
        "market_supply",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False, primary_key=True),
        sa.Column("land_parcels", sa.Integer(), nullable=False),
        sa.Column("land_floor_area", anju.core.types.Area(), nullable=False),
        sa.Column("land_price_fen", sa.BigInteger(), nullable=False),
        sa.Column("projects", sa.Integer(), nullable=False),
        sa.Column("permits", sa.Integer(), nullable=False),
        sa.Column("permitted_homes", sa.Integer(), nullable=False),
        sa.Column("permitted_area", anju.core.types.Area(), nullable=False),
        sa.Column("completed_homes", sa.Integer(), nullable=False),
        sa.Column("new_sales", sa.Integer(), nullable=False),
        sa.Column("new_sales_area", anju.core.types.Area(), nullable=False),
        sa.Column("new_sales_fen", sa.BigInteger(), nullable=False),
        sa.Column("resales", sa.Integer(), nullable=False),
        sa.Column("resales_area", anju.core.types.Area(), nullable=False),
        sa.Column("resales_fen", sa.BigInteger(), nullable=False),
        sa.Column("inventory_homes", sa.Integer(), nullable=False),
        sa.Column("inventory_area", anju.core.types.Area(), nullable=False),
        sa.Column("months_of_supply", sa.Float(), nullable=True),
    )
    op.create_table(
        "market_rent_ratios",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("street_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("leases", sa.Integer(), nullable=False),
        sa.Column("sales", sa.Integer(), nullable=False),
        sa.Column("median_rent_fen_m2", sa.BigInteger(), nullable=True),
        sa.Column("median_price_fen_m2", sa.BigInteger(), nullable=True),
        sa.Column("ratio", sa.Float(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
    )
    op.create_table(
        "market_indicator_values",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False, primary_key=True),
        sa.Column("indicator", sa.String(length=40), nullable=False, primary_key=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("inputs", sa.Text(), nullable=False),
    )
    op.create_table(
        "market_health_scores",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False, primary_key=True),
        sa.Column("dimension", sa.String(length=16), nullable=False, primary_key=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("grade", sa.String(length=8), nullable=True),
        sa.Column("contributions", sa.Text(), nullable=False),
    )
    op.create_table(
        "market_warnings",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("edition", sa.String(length=20), nullable=False),
        sa.Column("indicator", sa.String(length=40), nullable=False),
        sa.Column("area_code", sa.String(length=12), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("message", sa.String(length=300), nullable=False),
        sa.Column("inputs", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False),
        sa.Column("raised_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=40), nullable=True),
        sa.Column("acknowledged_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("acknowledge_note", sa.String(length=500), nullable=True),
        sa.Column("closed_by", sa.String(length=40), nullable=True),
        sa.Column("closed_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("close_note", sa.String(length=500), nullable=True),
        sa.UniqueConstraint("rule", "area_code", "month", name="uq_market_warnings_rule_area_month"),
    )
    op.create_index("ix_market_warnings_status", "market_warnings", ["status", "area_code"], unique=False)
    op.create_table(
        "market_forecasts",
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False, primary_key=True),
        sa.Column("series", sa.String(length=24), nullable=False, primary_key=True),
        sa.Column("area_code", sa.String(length=12), nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False, primary_key=True),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("lower", sa.Float(), nullable=False),
        sa.Column("upper", sa.Float(), nullable=False),
        sa.Column("level", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=60), nullable=False),
        sa.Column("backtest_mape", sa.Float(), nullable=True),
    )
    op.create_table(
        "market_publications",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("current", sa.Integer(), nullable=True),
        sa.Column("run_id", ID, sa.ForeignKey("market_runs.id"), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("published_by", sa.String(length=40), nullable=False),
        sa.Column("published_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("month", "current", name="uq_market_publications_month_current"),
        sa.UniqueConstraint("month", "version", name="uq_market_publications_month_version"),
    )


def downgrade() -> None:
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
