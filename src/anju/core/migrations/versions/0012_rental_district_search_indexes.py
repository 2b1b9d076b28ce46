"""public listing search within a district: by rent, and newest first

A district's search with a rent range counted through the city-wide rent index and sorted the
district's matches for "newest" in a temporary B-tree (33 ms of a 40–50 ms p95 at full scale). These
two covering indexes let the count seek the district's rent range and the page walk the district's
listings newest first.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 16:10:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

FILTERS = ["bedrooms", "area", "mode", "verified_at", "published_at", "id"]
NEW = {
    "ix_listings_district_rent": ["status", "district_code", "rent_fen", "street_code", *FILTERS],
    "ix_listings_district_newest": ["status", "district_code", "published_at", "id", "rent_fen", *FILTERS[:4]],
}


def upgrade() -> None:
    for name, cols in NEW.items():
        op.create_index(name, "rental_listings", cols)
    op.execute("ANALYZE rental_listings")  # the planners choose an index by its statistics


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="rental_listings")
