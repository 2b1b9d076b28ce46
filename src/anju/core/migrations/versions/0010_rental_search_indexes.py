"""public listing search: covering indexes (every filter column after the key), a city-wide rent index

At full scale a city-wide search counted and sorted ~100,000 published listings with a row look-up
each (seconds on a cold cache); with the filter columns in the index the count and the page's ids come
from the index alone.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 08:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FILTERS = ["bedrooms", "area", "mode", "verified_at", "published_at", "id"]
NEW = {
    "ix_listings_search": ["status", "district_code", "street_code", "rent_fen", *FILTERS],
    "ix_listings_street": ["status", "street_code", "rent_fen", *FILTERS],
    "ix_listings_newest": ["status", "published_at", "id", "rent_fen", "district_code", "street_code", *FILTERS[:4]],
    "ix_listings_rent": ["status", "rent_fen", "id", "district_code", "street_code", *FILTERS[:5]],
    "ix_listings_geo": ["status", "lon", "lat", "rent_fen", *FILTERS],
}
OLD = {
    "ix_listings_search": ["status", "district_code", "street_code", "rent_fen"],
    "ix_listings_street": ["status", "street_code", "rent_fen"],
    "ix_listings_newest": ["status", "published_at", "id"],
    "ix_listings_geo": ["status", "lon", "lat"],
}


def upgrade() -> None:
    for name in OLD:
        op.drop_index(name, table_name="rental_listings")
    for name, cols in NEW.items():
        op.create_index(name, "rental_listings", cols)


def downgrade() -> None:
    for name in NEW:
        op.drop_index(name, table_name="rental_listings")
    for name, cols in OLD.items():
        op.create_index(name, "rental_listings", cols)
