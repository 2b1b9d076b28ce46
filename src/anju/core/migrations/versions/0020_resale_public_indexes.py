"""indexes of the public resale listings

The public list (``/transactions/resale``) reads published listings newest first, in the whole city,
a district or a street, optionally within a price range: ``ix_resale_listings_published`` (status,
published_at, id), ``ix_resale_listings_district`` and ``ix_resale_listings_street_published`` (the
division, status, published_at, id) let each walk its index in order and count from it
(measured in docs/benchmarks.md, "Public resale listings"; an index on the price made the planner
sort a price range's rows instead of walking the newest first, and was slower).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resale_listings", schema=None) as batch_op:
        batch_op.create_index("ix_resale_listings_published", ["status", "published_at", "id"], unique=False)
        batch_op.create_index(
            "ix_resale_listings_district", ["district_code", "status", "published_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_resale_listings_street_published", ["street_code", "status", "published_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("resale_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_resale_listings_street_published")
        batch_op.drop_index("ix_resale_listings_district")
        batch_op.drop_index("ix_resale_listings_published")
