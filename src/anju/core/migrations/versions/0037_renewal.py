"""renewal: urban-renewal projects on the register (old-community, shanty-town, lift and energy
retrofits), their lifecycle steps, contents, funding by source and the lift owners' agreement per
floor (issue 23). Independent of the house-safety tables (the lead re-chains it after 0036 at merge).

Revision ID: 0037
Revises: 0035
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

NEW_TABLES = ("renewal_projects", "renewal_contents", "renewal_funding", "renewal_lift_floors", "renewal_steps")


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["renewal_projects.id"], name=op.f(f"fk_{table}_project_id_renewal_projects")
    )


def upgrade() -> None:
    op.create_table(
        "renewal_projects",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_no", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("building_id", ID, nullable=True),
        sa.Column("unit_no", sa.String(length=8), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_on", sa.Date(), nullable=False),
        sa.Column("plan_year", sa.Integer(), nullable=True),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("households", sa.Integer(), nullable=False),
        sa.Column("year_built", sa.Integer(), nullable=True),
        sa.Column("conditions", sa.String(length=80), nullable=True),
        sa.Column("eligibility_edition", sa.String(length=40), nullable=True),
        sa.Column("eligibility_rule", sa.String(length=40), nullable=True),
        sa.Column("eligibility_reason", sa.String(length=400), nullable=False),
        sa.Column("shanty_mode", sa.String(length=12), nullable=True),
        sa.Column("expropriated_households", sa.Integer(), nullable=True),
        sa.Column("resettlement_programme", sa.String(length=32), nullable=True),
        sa.Column("consent_vote_id", ID, nullable=True),
        sa.Column("consent_on", sa.Date(), nullable=True),
        sa.Column("consent_asked", sa.Integer(), nullable=True),
        sa.Column("consent_agreed", sa.Integer(), nullable=True),
        sa.Column("after_care", sa.String(length=100), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_renewal_projects_estate_id_estates")),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_renewal_projects_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(
            ["consent_vote_id"], ["estates_votes.id"], name=op.f("fk_renewal_projects_consent_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_projects")),
        sa.UniqueConstraint("project_no", name=op.f("uq_renewal_projects_project_no")),
    )
    op.create_index(
        "ix_renewal_projects_progress", "renewal_projects", ["kind", "status", "district_code", "plan_year"]
    )
    op.create_index("ix_renewal_projects_street", "renewal_projects", ["street_code", "status"])
    op.create_index("ix_renewal_projects_estate", "renewal_projects", ["estate_id"])
    op.create_index("ix_renewal_projects_building", "renewal_projects", ["building_id", "unit_no"])
    op.create_table(
        "renewal_contents",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("item_code", sa.String(length=12), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        _project_fk("renewal_contents"),
        sa.PrimaryKeyConstraint("project_id", "item_code", name=op.f("pk_renewal_contents")),
    )
    op.create_table(
        "renewal_funding",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        _project_fk("renewal_funding"),
        sa.PrimaryKeyConstraint("project_id", "source", name=op.f("pk_renewal_funding")),
    )
    op.create_table(
        "renewal_lift_floors",
        sa.Column("project_id", ID, nullable=False),
        sa.Column("floor_no", sa.Integer(), nullable=False),
        sa.Column("owners", sa.Integer(), nullable=False),
        sa.Column("agreeing", sa.Integer(), nullable=False),
        _project_fk("renewal_lift_floors"),
        sa.PrimaryKeyConstraint("project_id", "floor_no", name=op.f("pk_renewal_lift_floors")),
    )
    op.create_table(
        "renewal_steps",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("unit", sa.String(length=100), nullable=False),
        sa.Column("documents", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", ID, nullable=True),
        _project_fk("renewal_steps"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_renewal_steps")),
    )
    op.create_index("ix_renewal_steps_project", "renewal_steps", ["project_id", "status"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_renewal_steps_project", table_name="renewal_steps")
    for name in ("renewal_projects_progress", "renewal_projects_street", "renewal_projects_estate"):
        op.drop_index(f"ix_{name}", table_name="renewal_projects")
    op.drop_index("ix_renewal_projects_building", table_name="renewal_projects")
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
