"""credit: subjects, amendments, grades and their history, red and black lists, objections, repairs,
documents, random-inspection draws (issue 20); an index of credit events by when they were recorded

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 01:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

NEW_TABLES = (
    "credit_subjects",
    "credit_event_amendments",
    "credit_grades",
    "credit_grade_changes",
    "credit_list_entries",
    "credit_objections",
    "credit_repairs",
    "credit_documents",
    "credit_inspection_draws",
    "credit_inspection_tickets",
    "credit_inspection_inspectors",
    "credit_inspection_assignments",
)


def upgrade() -> None:
    op.create_index("ix_credit_events_recorded", "credit_events", ["recorded_at"], unique=False)
    op.create_table(
        "credit_subjects",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("subject_bidx", sa.String(length=64), nullable=False),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=True),
        sa.Column("name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("district_code", sa.String(length=12), nullable=True),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column("first_seen_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("subject_bidx"),
    )
    op.create_index("ix_credit_subjects_street", "credit_subjects", ["street_code"], unique=False)
    op.create_index("ix_credit_subjects_kind", "credit_subjects", ["kind", "district_code"], unique=False)
    op.create_table(
        "credit_event_amendments",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("event_id", ID, sa.ForeignKey("credit_events.id"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("event_id"),
    )
    op.create_table(
        "credit_grades",
        sa.Column("subject_bidx", sa.String(length=64), nullable=False, primary_key=True),
        sa.Column("subject_kind", sa.String(length=8), nullable=False),
        sa.Column("edition", sa.String(length=24), nullable=False),
        sa.Column("score_centi", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=4), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("computed_at", anju.core.types.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_credit_grades_grade", "credit_grades", ["grade", "subject_kind"], unique=False)
    op.create_table(
        "credit_grade_changes",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("subject_bidx", sa.String(length=64), nullable=False),
        sa.Column("edition", sa.String(length=24), nullable=False),
        sa.Column("from_grade", sa.String(length=4), nullable=True),
        sa.Column("to_grade", sa.String(length=4), nullable=False),
        sa.Column("score_centi", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("cause", sa.String(length=12), nullable=False),
        sa.Column("cause_ref", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
    )
    op.create_index("ix_credit_grade_changes_recorded", "credit_grade_changes", ["recorded_at"], unique=False)
    op.create_index(
        "ix_credit_grade_changes_subject", "credit_grade_changes", ["subject_bidx", "recorded_at"], unique=False
    )
    op.create_table(
        "credit_list_entries",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("subject_bidx", sa.String(length=64), nullable=False),
        sa.Column("list", sa.String(length=8), nullable=False),
        sa.Column("rule", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("edition", sa.String(length=24), nullable=False),
        sa.Column("entered_on", sa.Date(), nullable=False),
        sa.Column("exited_on", sa.Date(), nullable=True),
        sa.Column("exit_reason", sa.String(length=200), nullable=True),
        sa.Column("active", sa.Integer(), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("exit_recorded_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("exit_ledger_index", sa.BigInteger(), nullable=True),
    )
    op.create_index(
        "ix_credit_list_entries_list", "credit_list_entries", ["list", "active", "entered_on"], unique=False
    )
    op.create_index(
        "ux_credit_list_entries_open", "credit_list_entries", ["subject_bidx", "list", "active"], unique=True
    )
    op.create_table(
        "credit_objections",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("objection_no", sa.String(length=24), nullable=False),
        sa.Column("event_id", ID, sa.ForeignKey("credit_events.id"), nullable=False),
        sa.Column("subject_bidx", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("open", sa.Integer(), nullable=True),
        sa.Column("submitted_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("decision_ledger_index", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("objection_no"),
    )
    op.create_index("ix_credit_objections_subject", "credit_objections", ["subject_bidx"], unique=False)
    op.create_index("ux_credit_objections_open", "credit_objections", ["event_id", "open"], unique=True)
    op.create_index("ix_credit_objections_due", "credit_objections", ["status", "due_on"], unique=False)
    op.create_table(
        "credit_repairs",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("repair_no", sa.String(length=24), nullable=False),
        sa.Column("event_id", ID, sa.ForeignKey("credit_events.id"), nullable=False),
        sa.Column("subject_bidx", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=True),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("open", sa.Integer(), nullable=True),
        sa.Column("submitted_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("decision", sa.Text(), nullable=True),
        sa.Column("street_code", sa.String(length=12), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("decision_ledger_index", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("repair_no"),
    )
    op.create_index("ix_credit_repairs_subject", "credit_repairs", ["subject_bidx"], unique=False)
    op.create_index("ix_credit_repairs_due", "credit_repairs", ["status", "due_on"], unique=False)
    op.create_index("ux_credit_repairs_open", "credit_repairs", ["event_id", "open"], unique=True)
    op.create_table(
        "credit_documents",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("owner_kind", sa.String(length=12), nullable=False),
        sa.Column("owner_id", ID, nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", anju.core.types.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_credit_documents_owner", "credit_documents", ["owner_kind", "owner_id"], unique=False)
    op.create_table(
        "credit_inspection_draws",
        sa.Column("id", ID, autoincrement=True, nullable=False, primary_key=True),
        sa.Column("draw_no", sa.String(length=24), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.Column("subjects_hash", sa.String(length=64), nullable=False),
        sa.Column("inspectors_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=True),
        sa.Column("frozen_by", sa.String(length=64), nullable=False),
        sa.Column("frozen_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.Column("frozen_ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("seed", sa.String(length=256), nullable=True),
        sa.Column("seed_source", sa.String(length=200), nullable=True),
        sa.Column("witnesses", sa.Text(), nullable=True),
        sa.Column("result_hash", sa.String(length=64), nullable=True),
        sa.Column("inspectors_result_hash", sa.String(length=64), nullable=True),
        sa.Column("drawn_by", sa.String(length=64), nullable=True),
        sa.Column("drawn_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.UniqueConstraint("draw_no"),
    )
    op.create_table(
        "credit_inspection_tickets",
        sa.Column("draw_id", ID, sa.ForeignKey("credit_inspection_draws.id"), nullable=False, primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("ticket", sa.String(length=64), nullable=False),
        sa.Column("subject_id", ID, sa.ForeignKey("credit_subjects.id"), nullable=False),
        sa.UniqueConstraint("draw_id", "ticket"),
    )
    op.create_table(
        "credit_inspection_inspectors",
        sa.Column("draw_id", ID, sa.ForeignKey("credit_inspection_draws.id"), nullable=False, primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.UniqueConstraint("draw_id", "inspector"),
    )
    op.create_table(
        "credit_inspection_assignments",
        sa.Column("draw_id", ID, sa.ForeignKey("credit_inspection_draws.id"), nullable=False, primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False, primary_key=True),
        sa.Column("subject_id", ID, sa.ForeignKey("credit_subjects.id"), nullable=False),
        sa.Column("inspector", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("inspected_on", sa.Date(), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("event_id", ID, sa.ForeignKey("credit_events.id"), nullable=True),
        sa.Column("recorded_by", sa.String(length=64), nullable=True),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=True),
        sa.UniqueConstraint("draw_id", "subject_id"),
    )


def downgrade() -> None:
    for name in reversed(NEW_TABLES):
        op.drop_table(name)
    op.drop_index("ix_credit_events_recorded", table_name="credit_events")
