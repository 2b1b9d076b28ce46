"""estates: property-service companies, projects, tenders, handovers; complaints and evaluations;
owners' assemblies, committees, votes and sealed ballots; the maintenance fund's home records, dues,
interest runs and spending applications; the logs ``estates`` and ``maintenance_fund``; the column
``fund_journals.lines`` of the engine's allocation journals (issue 22)

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 07:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: In creation order (a table after those it refers to); dropped in reverse.
NEW_TABLES = (
    "estates_companies",
    "estates_interest_runs",
    "estates_assemblies",
    "estates_tenders",
    "estates_votes",
    "estates_bids",
    "estates_committees",
    "estates_projects",
    "estates_spending",
    "estates_vote_electors",
    "estates_ballots",
    "estates_committee_members",
    "estates_complaints",
    "estates_evaluations",
    "estates_fund_dues",
    "estates_fund_homes",
    "estates_handovers",
    "estates_project_fees",
    "estates_spending_quotes",
    "estates_spending_shares",
    "estates_spending_stages",
    "estates_term_audits",
    "estates_complaint_events",
    "estates_negative_items",
)

LOGS = ("estates", "maintenance_fund")


def upgrade() -> None:
    # funds.post_allocations (the engine's set-wise allocation journals, first used by the maintenance fund)
    op.add_column("fund_journals", sa.Column("lines", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # An allocation updates the balance of millions of ledger accounts at once: free space on each
        # page lets PostgreSQL update them in place (HOT, no index entry per row). New pages only.
        op.execute("ALTER TABLE fund_ledger_accounts SET (fillfactor = 50)")
    op.create_table(
        "estates_companies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("qualification", sa.String(length=12), nullable=False),
        sa.Column("staff", sa.Integer(), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("filed_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("filed_by", ID, nullable=True),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_companies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_estates_companies_credit_code")),
    )
    op.create_index("ix_estates_companies_district", "estates_companies", ["district_code", "status"], unique=False)
    op.create_table(
        "estates_interest_runs",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("fund_account_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("total_fen", sa.BigInteger(), nullable=False),
        sa.Column("homes", sa.Integer(), nullable=False),
        sa.Column("journals", sa.Integer(), nullable=False),
        sa.Column("run_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("run_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_account_id"],
            ["fund_accounts.id"],
            name=op.f("fk_estates_interest_runs_fund_account_id_fund_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_interest_runs")),
        sa.UniqueConstraint("fund_account_id", "year", name=op.f("uq_estates_interest_runs_fund_account_id_year")),
    )
    op.create_table(
        "estates_assemblies",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("established_on", sa.Date(), nullable=False),
        sa.Column("filing_no", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_assemblies_estate_id_estates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_assemblies")),
        sa.UniqueConstraint("estate_id", name=op.f("uq_estates_assemblies_estate_id")),
        sa.UniqueConstraint("filing_no", name=op.f("uq_estates_assemblies_filing_no")),
    )
    op.create_table(
        "estates_tenders",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tender_no", sa.String(length=20), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("published_on", sa.Date(), nullable=False),
        sa.Column("closes_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("awarded_bid_id", ID, nullable=True),
        sa.Column("awarded_on", sa.Date(), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_tenders_estate_id_estates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_tenders")),
        sa.UniqueConstraint("tender_no", name=op.f("uq_estates_tenders_tender_no")),
    )
    op.create_index("ix_estates_tenders_street", "estates_tenders", ["street_code", "status"], unique=False)
    op.create_table(
        "estates_votes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("vote_no", sa.String(length=20), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("matter", sa.String(length=24), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("record_date", sa.Date(), nullable=False),
        sa.Column("opens_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("electorate_owners", sa.Integer(), nullable=True),
        sa.Column("electorate_area", anju.core.types.Area(), nullable=True),
        sa.Column("participated_owners", sa.Integer(), nullable=True),
        sa.Column("participated_area", anju.core.types.Area(), nullable=True),
        sa.Column("yes_owners", sa.Integer(), nullable=True),
        sa.Column("yes_area", anju.core.types.Area(), nullable=True),
        sa.Column("no_owners", sa.Integer(), nullable=True),
        sa.Column("no_area", anju.core.types.Area(), nullable=True),
        sa.Column("abstain_owners", sa.Integer(), nullable=True),
        sa.Column("abstain_area", anju.core.types.Area(), nullable=True),
        sa.Column("quorum_met", sa.Boolean(), nullable=True),
        sa.Column("passed", sa.Boolean(), nullable=True),
        sa.Column("tallied_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_votes_estate_id_estates")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_votes")),
        sa.UniqueConstraint("vote_no", name=op.f("uq_estates_votes_vote_no")),
    )
    op.create_index("ix_estates_votes_estate", "estates_votes", ["estate_id", "status"], unique=False)
    op.create_index("ix_estates_votes_street", "estates_votes", ["street_code", "status"], unique=False)
    op.create_table(
        "estates_bids",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("tender_id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("fee_fen_per_m2", sa.Integer(), nullable=False),
        sa.Column("technical_score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("price_score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("total_score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("submitted_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["estates_companies.id"], name=op.f("fk_estates_bids_company_id_estates_companies")
        ),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["estates_tenders.id"], name=op.f("fk_estates_bids_tender_id_estates_tenders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_bids")),
        sa.UniqueConstraint("tender_id", "company_id", name=op.f("uq_estates_bids_tender_id_company_id")),
    )
    op.create_table(
        "estates_committees",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("assembly_id", ID, nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("term_starts_on", sa.Date(), nullable=False),
        sa.Column("term_ends_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("vote_id", ID, nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["assembly_id"],
            ["estates_assemblies.id"],
            name=op.f("fk_estates_committees_assembly_id_estates_assemblies"),
        ),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_committees_estate_id_estates")),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["estates_votes.id"], name=op.f("fk_estates_committees_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_committees")),
    )
    op.create_index("ix_estates_committees_estate", "estates_committees", ["estate_id", "status"], unique=False)
    op.create_index("ix_estates_committees_street", "estates_committees", ["street_code", "status"], unique=False)
    op.create_table(
        "estates_projects",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_no", sa.String(length=20), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("company_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("chosen_by", sa.String(length=12), nullable=False),
        sa.Column("tender_id", ID, nullable=True),
        sa.Column("vote_id", ID, nullable=True),
        sa.Column("contract_no", sa.String(length=40), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("service_level", sa.String(length=4), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=200), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"], ["estates_companies.id"], name=op.f("fk_estates_projects_company_id_estates_companies")
        ),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_projects_estate_id_estates")),
        sa.ForeignKeyConstraint(
            ["tender_id"], ["estates_tenders.id"], name=op.f("fk_estates_projects_tender_id_estates_tenders")
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["estates_votes.id"], name=op.f("fk_estates_projects_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_projects")),
        sa.UniqueConstraint("project_no", name=op.f("uq_estates_projects_project_no")),
    )
    op.create_index("ix_estates_projects_company", "estates_projects", ["company_id", "status"], unique=False)
    op.create_index("ix_estates_projects_street", "estates_projects", ["street_code", "status"], unique=False)
    op.create_index(
        "ux_estates_projects_active",
        "estates_projects",
        ["estate_id"],
        unique=True,
        sqlite_where=sa.text("status = 'active'"),
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_table(
        "estates_spending",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("application_no", sa.String(length=20), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("building_id", ID, nullable=True),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("emergency_kind", sa.String(length=16), nullable=True),
        sa.Column("vote_id", ID, nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("budget_fen", sa.BigInteger(), nullable=False),
        sa.Column("approved_fen", sa.BigInteger(), nullable=True),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("applicant_kind", sa.String(length=12), nullable=False),
        sa.Column("applicant_account_id", ID, nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("submitted_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", ID, nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column("published_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["building_id"], ["buildings.id"], name=op.f("fk_estates_spending_building_id_buildings")
        ),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_spending_estate_id_estates")),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["estates_votes.id"], name=op.f("fk_estates_spending_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_spending")),
        sa.UniqueConstraint("application_no", name=op.f("uq_estates_spending_application_no")),
    )
    op.create_index("ix_estates_spending_estate", "estates_spending", ["estate_id", "status"], unique=False)
    op.create_index("ix_estates_spending_street", "estates_spending", ["street_code", "status"], unique=False)
    op.create_table(
        "estates_vote_electors",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("vote_id", ID, nullable=False),
        sa.Column("owner_bidx", sa.String(length=64), nullable=False),
        sa.Column("homes", sa.Integer(), nullable=False),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["estates_votes.id"], name=op.f("fk_estates_vote_electors_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_vote_electors")),
        sa.UniqueConstraint("vote_id", "owner_bidx", name=op.f("uq_estates_vote_electors_vote_id_owner_bidx")),
    )
    op.create_table(
        "estates_ballots",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("vote_id", ID, nullable=False),
        sa.Column("elector_id", ID, nullable=False),
        sa.Column("commitment", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("choice", sa.String(length=8), nullable=True),
        sa.Column("cast_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["elector_id"],
            ["estates_vote_electors.id"],
            name=op.f("fk_estates_ballots_elector_id_estates_vote_electors"),
        ),
        sa.ForeignKeyConstraint(
            ["vote_id"], ["estates_votes.id"], name=op.f("fk_estates_ballots_vote_id_estates_votes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_ballots")),
        sa.UniqueConstraint("commitment", name=op.f("uq_estates_ballots_commitment")),
        sa.UniqueConstraint("vote_id", "elector_id", name=op.f("uq_estates_ballots_vote_id_elector_id")),
    )
    op.create_table(
        "estates_committee_members",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("committee_id", ID, nullable=False),
        sa.Column("owner_bidx", sa.String(length=64), nullable=False),
        sa.Column("name_enc", sa.LargeBinary(), nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("position", sa.String(length=12), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["estates_committees.id"],
            name=op.f("fk_estates_committee_members_committee_id_estates_committees"),
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_estates_committee_members_home_id_homes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_committee_members")),
        sa.UniqueConstraint(
            "committee_id", "owner_bidx", name=op.f("uq_estates_committee_members_committee_id_owner_bidx")
        ),
    )
    op.create_index("ix_estates_committee_members_owner", "estates_committee_members", ["owner_bidx"], unique=False)
    op.create_table(
        "estates_complaints",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("complaint_no", sa.String(length=20), nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=True),
        sa.Column("company_id", ID, nullable=True),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("complainant_account_id", ID, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handler_account_id", ID, nullable=True),
        sa.Column("company_reply", sa.Text(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=True),
        sa.Column("upheld", sa.Boolean(), nullable=True),
        sa.Column("credit_event_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("handled_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"], ["estates_companies.id"], name=op.f("fk_estates_complaints_company_id_estates_companies")
        ),
        sa.ForeignKeyConstraint(["estate_id"], ["estates.id"], name=op.f("fk_estates_complaints_estate_id_estates")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["estates_projects.id"], name=op.f("fk_estates_complaints_project_id_estates_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_complaints")),
        sa.UniqueConstraint("complaint_no", name=op.f("uq_estates_complaints_complaint_no")),
    )
    op.create_index("ix_estates_complaints_company", "estates_complaints", ["company_id", "status"], unique=False)
    op.create_index(
        "ix_estates_complaints_complainant", "estates_complaints", ["complainant_account_id", "id"], unique=False
    )
    op.create_index(
        "ix_estates_complaints_queue", "estates_complaints", ["street_code", "status", "due_at"], unique=False
    )
    op.create_table(
        "estates_evaluations",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("grade", sa.String(length=12), nullable=False),
        sa.Column("items", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("evaluator_account_id", ID, nullable=True),
        sa.Column("credit_event_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["estates_projects.id"], name=op.f("fk_estates_evaluations_project_id_estates_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_evaluations")),
        sa.UniqueConstraint("project_id", "year", name=op.f("uq_estates_evaluations_project_id_year")),
    )
    op.create_table(
        "estates_fund_dues",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("rate_fen_per_m2", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("journal_id", ID, nullable=True),
        sa.Column("created_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_estates_fund_dues_home_id_homes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_fund_dues")),
        sa.UniqueConstraint("home_id", "kind", "reference", name=op.f("uq_estates_fund_dues_home_id_kind_reference")),
    )
    op.create_index("ix_estates_fund_dues_status", "estates_fund_dues", ["status", "due_on"], unique=False)
    op.create_table(
        "estates_fund_homes",
        sa.Column("home_id", ID, autoincrement=False, nullable=False),
        sa.Column("fund_account_id", ID, nullable=False),
        sa.Column("estate_id", ID, nullable=False),
        sa.Column("building_id", ID, nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("building_type", sa.String(length=12), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_account_id"], ["fund_accounts.id"], name=op.f("fk_estates_fund_homes_fund_account_id_fund_accounts")
        ),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_estates_fund_homes_home_id_homes")),
        sa.PrimaryKeyConstraint("home_id", name=op.f("pk_estates_fund_homes")),
    )
    op.create_index("ix_estates_fund_homes_estate", "estates_fund_homes", ["estate_id", "building_id"], unique=False)
    op.create_index("ix_estates_fund_homes_street", "estates_fund_homes", ["street_code"], unique=False)
    op.create_table(
        "estates_handovers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=False),
        sa.Column("items_checked", sa.Integer(), nullable=False),
        sa.Column("defects", sa.Integer(), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", ID, nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["estates_projects.id"], name=op.f("fk_estates_handovers_project_id_estates_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_handovers")),
    )
    op.create_index("ix_estates_handovers_project", "estates_handovers", ["project_id"], unique=False)
    op.create_table(
        "estates_project_fees",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("home_use", sa.String(length=16), nullable=False),
        sa.Column("fee_fen_per_m2", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["estates_projects.id"], name=op.f("fk_estates_project_fees_project_id_estates_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_project_fees")),
        sa.UniqueConstraint("project_id", "home_use", name=op.f("uq_estates_project_fees_project_id_home_use")),
    )
    op.create_table(
        "estates_spending_quotes",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("spending_id", ID, nullable=False),
        sa.Column("contractor", sa.String(length=100), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("chosen", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["spending_id"],
            ["estates_spending.id"],
            name=op.f("fk_estates_spending_quotes_spending_id_estates_spending"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_spending_quotes")),
    )
    op.create_index("ix_estates_spending_quotes_spending", "estates_spending_quotes", ["spending_id"], unique=False)
    op.create_table(
        "estates_spending_shares",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("spending_id", ID, nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("area", anju.core.types.Area(), nullable=False),
        sa.Column("share_fen", sa.BigInteger(), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_estates_spending_shares_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["spending_id"],
            ["estates_spending.id"],
            name=op.f("fk_estates_spending_shares_spending_id_estates_spending"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_spending_shares")),
        sa.UniqueConstraint("spending_id", "home_id", name=op.f("uq_estates_spending_shares_spending_id_home_id")),
    )
    op.create_index("ix_estates_spending_shares_home", "estates_spending_shares", ["home_id"], unique=False)
    op.create_table(
        "estates_spending_stages",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("spending_id", ID, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("accepted_on", sa.Date(), nullable=True),
        sa.Column("accepted_by", ID, nullable=True),
        sa.Column("journal_id", ID, nullable=True),
        sa.Column("paid_at", anju.core.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["spending_id"],
            ["estates_spending.id"],
            name=op.f("fk_estates_spending_stages_spending_id_estates_spending"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_spending_stages")),
        sa.UniqueConstraint("spending_id", "seq", name=op.f("uq_estates_spending_stages_spending_id_seq")),
    )
    op.create_table(
        "estates_term_audits",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("committee_id", ID, nullable=False),
        sa.Column("audited_on", sa.Date(), nullable=False),
        sa.Column("auditor", sa.String(length=100), nullable=False),
        sa.Column("result", sa.String(length=12), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("recorded_by", ID, nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["estates_committees.id"],
            name=op.f("fk_estates_term_audits_committee_id_estates_committees"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_term_audits")),
    )
    op.create_index("ix_estates_term_audits_committee", "estates_term_audits", ["committee_id"], unique=False)
    op.create_table(
        "estates_complaint_events",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("complaint_id", ID, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_account_id", ID, nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["estates_complaints.id"],
            name=op.f("fk_estates_complaint_events_complaint_id_estates_complaints"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_complaint_events")),
    )
    op.create_index(
        "ix_estates_complaint_events_complaint", "estates_complaint_events", ["complaint_id", "id"], unique=False
    )
    op.create_table(
        "estates_negative_items",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("committee_id", ID, nullable=False),
        sa.Column("member_id", ID, nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", ID, nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["committee_id"],
            ["estates_committees.id"],
            name=op.f("fk_estates_negative_items_committee_id_estates_committees"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["estates_committee_members.id"],
            name=op.f("fk_estates_negative_items_member_id_estates_committee_members"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_negative_items")),
    )
    op.create_index("ix_estates_negative_items_committee", "estates_negative_items", ["committee_id"], unique=False)

    logs = sa.table(
        "ledger_logs",
        sa.column("name", sa.String),
        sa.column("algorithm", sa.String),
        sa.column("size", sa.BigInteger),
        sa.column("created_at", anju.core.types.UTCDateTime()),
    )
    have = set(op.get_bind().execute(sa.select(logs.c.name)).scalars())
    op.bulk_insert(
        logs,
        [{"name": n, "algorithm": "sm3", "size": 0, "created_at": datetime.now(UTC)} for n in LOGS if n not in have],
    )


def downgrade() -> None:
    for log in LOGS:
        op.execute(sa.text("DELETE FROM ledger_logs WHERE name = :n AND size = 0").bindparams(n=log))
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
    op.execute("ALTER TABLE fund_journals DROP COLUMN lines")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE fund_ledger_accounts RESET (fillfactor)")  # SQLite ≥ 3.35 and PostgreSQL alike
