"""map: the register's change counter (bumped by triggers) and centroid indexes for tile queries

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

#: (table, operations) whose writes change the register as the map shows it. Inserts of buildings and
#: homes always come with an insert of their first version; superseding a version comes with inserts.
WATCHED = (
    ("estates", ("INSERT", "UPDATE", "DELETE")),
    ("buildings", ("UPDATE", "DELETE")),
    ("homes", ("UPDATE", "DELETE")),
    ("building_versions", ("INSERT", "DELETE")),
    ("home_versions", ("INSERT", "DELETE")),
)


def upgrade() -> None:
    op.create_table(
        "register_changes",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO register_changes (id, n) VALUES (1, 0)")
    op.create_index("ix_estates_centroid", "estates", ["centroid_lon", "centroid_lat"])
    op.create_index("ix_buildings_centroid", "buildings", ["centroid_lon", "centroid_lat"])
    if op.get_bind().dialect.name == "sqlite":
        # SQLite has row triggers only: one tiny UPDATE of one row per written row.
        for table, ops in WATCHED:
            for verb in ops:
                op.execute(
                    f"CREATE TRIGGER register_changes_{table}_{verb.lower()} AFTER {verb} ON {table} "
                    "BEGIN UPDATE register_changes SET n = n + 1 WHERE id = 1; END"
                )
    else:
        # PostgreSQL: once per statement (bulk COPY and multi-row INSERTs bump it once).
        op.execute(
            "CREATE FUNCTION register_changes_bump() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN UPDATE register_changes SET n = n + 1 WHERE id = 1; RETURN NULL; END $$"
        )
        for table, ops in WATCHED:
            op.execute(
                f"CREATE TRIGGER register_changes_bump AFTER {' OR '.join(ops)} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION register_changes_bump()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, ops in WATCHED:
            for verb in ops:
                op.execute(f"DROP TRIGGER IF EXISTS register_changes_{table}_{verb.lower()}")
    else:
        for table, _ in WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS register_changes_bump ON {table}")
        op.execute("DROP FUNCTION IF EXISTS register_changes_bump()")
    op.drop_index("ix_buildings_centroid", table_name="buildings")
    op.drop_index("ix_estates_centroid", table_name="estates")
    op.drop_table("register_changes")
