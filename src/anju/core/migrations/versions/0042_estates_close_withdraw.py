"""estates: a vote's close step (closed_at, closed_by) and the database's refusal of a ballot for a vote
that is not open or past its end (a trigger on estates_ballots); a spending application's withdrawal by
its applicant (withdrawn_at, withdrawn_by, withdraw_reason); an organisation's paper ballot recorded by
an officer (estates_ballots.recorded_by); the recorded transfer of a home's maintenance
fund account with a completed resale (estates_fund_transfers) (issue 22).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07 21:45:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0042"
down_revision = "0041"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

#: The message both databases raise; ``owners_votes.seal_ballots`` recognises it.
BALLOT_REFUSED = "estates_ballots: vote not open"


def upgrade() -> None:
    with op.batch_alter_table("estates_votes") as t:
        t.add_column(sa.Column("closed_at", anju.core.types.UTCDateTime(), nullable=True))
        t.add_column(sa.Column("closed_by", ID, nullable=True))
    with op.batch_alter_table("estates_ballots") as t:
        # a paper ballot of an organisation elector, recorded by this officer (NULL: cast online)
        t.add_column(sa.Column("recorded_by", ID, nullable=True))
    with op.batch_alter_table("estates_spending") as t:
        t.add_column(sa.Column("withdrawn_at", anju.core.types.UTCDateTime(), nullable=True))
        t.add_column(sa.Column("withdrawn_by", ID, nullable=True))
        t.add_column(sa.Column("withdraw_reason", sa.String(length=200), nullable=True))
    op.create_table(
        "estates_fund_transfers",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("home_id", ID, nullable=False),
        sa.Column("contract_id", ID, nullable=False),
        sa.Column("registration_id", ID, nullable=True),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("from_owner_bidx", sa.String(length=64), nullable=False),
        sa.Column("to_owner_bidx", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", anju.core.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["home_id"], ["homes.id"], name=op.f("fk_estates_fund_transfers_home_id_homes")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["resale_contracts.id"],
            name=op.f("fk_estates_fund_transfers_contract_id_resale_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_estates_fund_transfers")),
        sa.UniqueConstraint("contract_id", name=op.f("uq_estates_fund_transfers_contract_id")),
    )
    op.create_index(
        "ix_estates_fund_transfers_home", "estates_fund_transfers", ["home_id", "transferred_on"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        # SQLite serialises writers: the vote's row cannot change between this check and the insert.
        op.execute(
            "CREATE TRIGGER estates_ballots_vote_open BEFORE INSERT ON estates_ballots "
            "WHEN NOT EXISTS (SELECT 1 FROM estates_votes v WHERE v.id = NEW.vote_id AND v.status = 'open' "
            "AND NEW.cast_at >= v.opens_at AND NEW.cast_at < v.closes_at) "
            f"BEGIN SELECT RAISE(ABORT, '{BALLOT_REFUSED}'); END"
        )
    else:
        # FOR SHARE: a ballot waits for a close in progress (which locks the vote FOR UPDATE) and then
        # sees it closed; a close waits for the ballots being inserted to commit.
        op.execute(
            "CREATE FUNCTION estates_ballots_vote_open() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "PERFORM 1 FROM estates_votes v WHERE v.id = NEW.vote_id AND v.status = 'open' "
            "AND NEW.cast_at >= v.opens_at AND NEW.cast_at < v.closes_at FOR SHARE; "
            f"IF NOT FOUND THEN RAISE EXCEPTION '{BALLOT_REFUSED}' USING ERRCODE = 'check_violation'; END IF; "
            "RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER estates_ballots_vote_open BEFORE INSERT ON estates_ballots "
            "FOR EACH ROW EXECUTE FUNCTION estates_ballots_vote_open()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS estates_ballots_vote_open")
    else:
        op.execute("DROP TRIGGER IF EXISTS estates_ballots_vote_open ON estates_ballots")
        op.execute("DROP FUNCTION IF EXISTS estates_ballots_vote_open()")
    op.drop_index("ix_estates_fund_transfers_home", table_name="estates_fund_transfers")
    op.drop_table("estates_fund_transfers")
    with op.batch_alter_table("estates_spending") as t:
        t.drop_column("withdraw_reason")
        t.drop_column("withdrawn_by")
        t.drop_column("withdrawn_at")
    with op.batch_alter_table("estates_ballots") as t:
        t.drop_column("recorded_by")
    with op.batch_alter_table("estates_votes") as t:
        t.drop_column("closed_by")
        t.drop_column("closed_at")
