"""one ledger engine for every supervised fund (anju.funds); presale fund supervision

Creates the funds tables (fund_accounts, fund_ledger_accounts, fund_journals, fund_postings,
fund_bank_lines) and moves the rent escrow into them, keeping ids, balances and ledger indexes: an
escrow account becomes a fund account of kind ``rent_escrow`` (owner ``party:<id>``), a lease's ledger
accounts and journals get the subject ``lease:<id>``. The rental positions and schedule point at
fund_accounts; the old escrow tables are dropped. Adds the presale supervision tables and the
verifiable log ``funds`` (new fund kinds' journals). Downgrade moves rent escrow back.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 20:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import anju.core.types

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

MOVED = ("fund_accounts", "fund_ledger_accounts", "fund_journals", "fund_postings", "fund_bank_lines")


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _at() -> anju.core.types.UTCDateTime:
    return anju.core.types.UTCDateTime(timezone=True)


def _create_funds() -> None:
    op.create_table(
        "fund_accounts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=40), nullable=False),
        sa.Column("bank", sa.String(length=60), nullable=False),
        sa.Column("account_no", sa.String(length=40), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("opened_at", _at(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_accounts")),
        sa.UniqueConstraint("account_no", name=op.f("uq_fund_accounts_account_no")),
    )
    op.create_index("ix_fund_accounts_owner", "fund_accounts", ["kind", "owner"])
    op.create_index("ix_fund_accounts_street", "fund_accounts", ["street_code"])
    op.create_table(
        "fund_ledger_accounts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("fund_account_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=True),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_account_id"],
            ["fund_accounts.id"],
            name=op.f("fk_fund_ledger_accounts_fund_account_id_fund_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_fund_ledger_accounts_code")),
    )
    op.create_index("ix_fund_ledger_accounts_account", "fund_ledger_accounts", ["fund_account_id", "kind"])
    op.create_index("ix_fund_ledger_accounts_subject", "fund_ledger_accounts", ["subject"])
    op.create_table(
        "fund_journals",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("fund_account_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.String(length=40), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("actor_account_id", _id(), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_account_id"], ["fund_accounts.id"], name=op.f("fk_fund_journals_fund_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_journals")),
        sa.UniqueConstraint("item", name=op.f("uq_fund_journals_item")),
        sa.UniqueConstraint("reference", name=op.f("uq_fund_journals_reference")),
    )
    op.create_index("ix_fund_journals_account", "fund_journals", ["fund_account_id", "booked_on", "id"])
    op.create_index("ix_fund_journals_subject", "fund_journals", ["subject", "id"])
    op.create_table(
        "fund_postings",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("journal_id", _id(), nullable=False),
        sa.Column("ledger_account_id", _id(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["journal_id"], ["fund_journals.id"], name=op.f("fk_fund_postings_journal_id_fund_journals")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_account_id"],
            ["fund_ledger_accounts.id"],
            name=op.f("fk_fund_postings_ledger_account_id_fund_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_postings")),
    )
    op.create_index("ix_fund_postings_journal", "fund_postings", ["journal_id"])
    op.create_index("ix_fund_postings_account", "fund_postings", ["ledger_account_id", "journal_id"])
    op.create_table(
        "fund_bank_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("fund_account_id", _id(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("imported_at", _at(), nullable=False),
        sa.Column("imported_by", _id(), nullable=True),
        sa.ForeignKeyConstraint(
            ["fund_account_id"], ["fund_accounts.id"], name=op.f("fk_fund_bank_lines_fund_account_id_fund_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_bank_lines")),
        sa.UniqueConstraint(
            "fund_account_id",
            "reference",
            "direction",
            name=op.f("uq_fund_bank_lines_fund_account_id_reference_direction"),
        ),
    )
    op.create_index("ix_fund_bank_lines_day", "fund_bank_lines", ["fund_account_id", "booked_on"])


def _create_presale() -> None:
    op.create_table(
        "presale_fund_supervisions",
        sa.Column("project_id", _id(), nullable=False),
        sa.Column("fund_account_id", _id(), nullable=False),
        sa.Column("policy_code", sa.String(length=40), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("opened_by", sa.String(length=40), nullable=False),
        sa.Column("opened_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["fund_account_id"],
            ["fund_accounts.id"],
            name=op.f("fk_presale_fund_supervisions_fund_account_id_fund_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["sale_projects.id"], name=op.f("fk_presale_fund_supervisions_project_id_sale_projects")
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_presale_fund_supervisions")),
        sa.UniqueConstraint("fund_account_id", name=op.f("uq_presale_fund_supervisions_fund_account_id")),
    )
    op.create_index("ix_presale_fund_supervisions_street", "presale_fund_supervisions", ["street_code"])
    op.create_table(
        "presale_milestones",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("project_id", _id(), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["sale_projects.id"], name=op.f("fk_presale_milestones_project_id_sale_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_milestones")),
        sa.UniqueConstraint("project_id", "milestone", name="uq_presale_milestones_project_milestone"),
    )
    op.create_table(
        "presale_releases",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("project_id", _id(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("milestone", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_by", sa.String(length=40), nullable=False),
        sa.Column("requested_at", _at(), nullable=False),
        sa.Column("decided_by", sa.String(length=40), nullable=True),
        sa.Column("decided_at", _at(), nullable=True),
        sa.Column("journal_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["project_id"], ["sale_projects.id"], name=op.f("fk_presale_releases_project_id_sale_projects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_presale_releases")),
    )
    op.create_index("ix_presale_releases_project", "presale_releases", ["project_id", "status"])


def _lease_subject(col: str) -> str:
    return f"'lease:' || CAST({col} AS VARCHAR(20))"


def _reset_sequences(tables: tuple[str, ...]) -> None:
    """PostgreSQL: rows were copied with their ids; the identity sequences continue after them."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for t in tables:
        op.execute(
            f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"
        )


def _repoint(table: str, old: str, new: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        # op.f: the naming convention's name, truncated with a hash where PostgreSQL's 63 characters end
        batch_op.drop_constraint(op.f(f"fk_{table}_escrow_account_id_{old}"), type_="foreignkey")
        batch_op.create_foreign_key(op.f(f"fk_{table}_escrow_account_id_{new}"), new, ["escrow_account_id"], ["id"])


def upgrade() -> None:
    _create_funds()
    op.execute(
        "INSERT INTO fund_accounts (id, kind, owner, bank, account_no, district_code, street_code, opened_at) "
        "SELECT id, 'rent_escrow', 'party:' || CAST(party_id AS VARCHAR(20)), bank, account_no, district_code, "
        "street_code, opened_at FROM rental_escrow_accounts"
    )
    op.execute(
        "INSERT INTO fund_ledger_accounts (id, fund_account_id, kind, subject, code, balance_fen) "
        f"SELECT id, escrow_account_id, kind, CASE WHEN lease_id IS NULL THEN NULL ELSE {_lease_subject('lease_id')} END, "
        "CASE WHEN lease_id IS NULL THEN code "
        f"ELSE CAST(escrow_account_id AS VARCHAR(20)) || ':' || kind || ':' || {_lease_subject('lease_id')} END, "
        "balance_fen FROM rental_escrow_ledger_accounts"
    )
    op.execute(
        "INSERT INTO fund_journals (id, fund_account_id, kind, reference, item, subject, booked_on, amount_fen, memo, "
        "actor_account_id, ledger_index, created_at) "
        "SELECT id, escrow_account_id, kind, reference, item, "
        f"CASE WHEN lease_id IS NULL THEN NULL ELSE {_lease_subject('lease_id')} END, booked_on, amount_fen, memo, "
        "actor_account_id, ledger_index, created_at FROM rental_escrow_journals"
    )
    op.execute(
        "INSERT INTO fund_postings (id, journal_id, ledger_account_id, debit_fen, credit_fen) "
        "SELECT id, journal_id, ledger_account_id, debit_fen, credit_fen FROM rental_escrow_postings"
    )
    op.execute(
        "INSERT INTO fund_bank_lines (id, fund_account_id, booked_on, amount_fen, direction, reference, imported_at, "
        "imported_by) SELECT id, escrow_account_id, booked_on, amount_fen, direction, reference, imported_at, "
        "imported_by FROM rental_escrow_bank_lines"
    )
    _reset_sequences(MOVED)
    _repoint("rental_escrow_positions", "rental_escrow_accounts", "fund_accounts")
    _repoint("rental_escrow_schedule", "rental_escrow_accounts", "fund_accounts")
    for t in (
        "rental_escrow_postings",
        "rental_escrow_journals",
        "rental_escrow_bank_lines",
        "rental_escrow_ledger_accounts",
        "rental_escrow_accounts",
    ):
        op.drop_table(t)
    _create_presale()
    logs = sa.table(
        "ledger_logs",
        sa.column("name", sa.String),
        sa.column("algorithm", sa.String),
        sa.column("size", sa.BigInteger),
        sa.column("created_at", _at()),
    )
    have = set(op.get_bind().execute(sa.select(logs.c.name)).scalars())
    if "funds" not in have:
        op.bulk_insert(logs, [{"name": "funds", "algorithm": "sm3", "size": 0, "created_at": datetime.now(UTC)}])


def _create_rental_escrow() -> None:
    op.create_table(
        "rental_escrow_accounts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("party_id", _id(), nullable=False),
        sa.Column("bank", sa.String(length=60), nullable=False),
        sa.Column("account_no", sa.String(length=40), nullable=False),
        sa.Column("district_code", sa.String(length=12), nullable=False),
        sa.Column("street_code", sa.String(length=12), nullable=False),
        sa.Column("opened_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["party_id"], ["rental_parties.id"], name=op.f("fk_rental_escrow_accounts_party_id_rental_parties")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_escrow_accounts")),
        sa.UniqueConstraint("account_no", name=op.f("uq_rental_escrow_accounts_account_no")),
    )
    op.create_index("ix_rental_escrow_accounts_party", "rental_escrow_accounts", ["party_id"])
    op.create_index("ix_rental_escrow_accounts_street", "rental_escrow_accounts", ["street_code"])
    op.create_table(
        "rental_escrow_ledger_accounts",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("escrow_account_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("lease_id", _id(), nullable=True),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("balance_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escrow_account_id"],
            ["rental_escrow_accounts.id"],
            name=op.f("fk_rental_escrow_ledger_accounts_escrow_account_id_rental_escrow_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["rental_leases.id"], name=op.f("fk_rental_escrow_ledger_accounts_lease_id_rental_leases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_escrow_ledger_accounts")),
        sa.UniqueConstraint("code", name=op.f("uq_rental_escrow_ledger_accounts_code")),
    )
    op.create_index("ix_rental_escrow_ledger_accounts_lease", "rental_escrow_ledger_accounts", ["lease_id"])
    op.create_table(
        "rental_escrow_journals",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("escrow_account_id", _id(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=True),
        sa.Column("lease_id", _id(), nullable=True),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(length=200), nullable=False),
        sa.Column("actor_account_id", _id(), nullable=True),
        sa.Column("ledger_index", sa.BigInteger(), nullable=True),
        sa.Column("created_at", _at(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escrow_account_id"],
            ["rental_escrow_accounts.id"],
            name=op.f("fk_rental_escrow_journals_escrow_account_id_rental_escrow_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["lease_id"], ["rental_leases.id"], name=op.f("fk_rental_escrow_journals_lease_id_rental_leases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_escrow_journals")),
        sa.UniqueConstraint("item", name=op.f("uq_rental_escrow_journals_item")),
        sa.UniqueConstraint("reference", name=op.f("uq_rental_escrow_journals_reference")),
    )
    op.create_index(
        "ix_rental_escrow_journals_account", "rental_escrow_journals", ["escrow_account_id", "booked_on", "id"]
    )
    op.create_index("ix_rental_escrow_journals_lease", "rental_escrow_journals", ["lease_id", "id"])
    op.create_table(
        "rental_escrow_postings",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("journal_id", _id(), nullable=False),
        sa.Column("ledger_account_id", _id(), nullable=False),
        sa.Column("debit_fen", sa.BigInteger(), nullable=False),
        sa.Column("credit_fen", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["journal_id"],
            ["rental_escrow_journals.id"],
            name=op.f("fk_rental_escrow_postings_journal_id_rental_escrow_journals"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_account_id"],
            ["rental_escrow_ledger_accounts.id"],
            name=op.f("fk_rental_escrow_postings_ledger_account_id_rental_escrow_ledger_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_escrow_postings")),
    )
    op.create_index("ix_rental_escrow_postings_journal", "rental_escrow_postings", ["journal_id"])
    op.create_index("ix_rental_escrow_postings_account", "rental_escrow_postings", ["ledger_account_id", "journal_id"])
    op.create_table(
        "rental_escrow_bank_lines",
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("escrow_account_id", _id(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("imported_at", _at(), nullable=False),
        sa.Column("imported_by", _id(), nullable=True),
        sa.ForeignKeyConstraint(
            ["escrow_account_id"],
            ["rental_escrow_accounts.id"],
            name=op.f("fk_rental_escrow_bank_lines_escrow_account_id_rental_escrow_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rental_escrow_bank_lines")),
        sa.UniqueConstraint(
            "escrow_account_id",
            "reference",
            "direction",
            name=op.f("uq_rental_escrow_bank_lines_escrow_account_id_reference_direction"),
        ),
    )
    op.create_index("ix_rental_escrow_bank_lines_day", "rental_escrow_bank_lines", ["escrow_account_id", "booked_on"])


def downgrade() -> None:
    op.execute("DELETE FROM ledger_logs WHERE name = 'funds' AND size = 0")
    op.drop_table("presale_releases")
    op.drop_table("presale_milestones")
    op.drop_table("presale_fund_supervisions")
    _create_rental_escrow()
    rent = "(SELECT id FROM fund_accounts WHERE kind = 'rent_escrow')"
    lease_id = "CAST(SUBSTR(subject, 7) AS INTEGER)"
    op.execute(
        "INSERT INTO rental_escrow_accounts (id, party_id, bank, account_no, district_code, street_code, opened_at) "
        "SELECT id, CAST(SUBSTR(owner, 7) AS INTEGER), bank, account_no, district_code, street_code, opened_at "
        "FROM fund_accounts WHERE kind = 'rent_escrow'"
    )
    op.execute(
        "INSERT INTO rental_escrow_ledger_accounts (id, escrow_account_id, kind, lease_id, code, balance_fen) "
        f"SELECT id, fund_account_id, kind, CASE WHEN subject IS NULL THEN NULL ELSE {lease_id} END, "
        "CASE WHEN subject IS NULL THEN code "
        f"ELSE CAST(fund_account_id AS VARCHAR(20)) || ':' || kind || ':' || CAST({lease_id} AS VARCHAR(20)) END, "
        f"balance_fen FROM fund_ledger_accounts WHERE fund_account_id IN {rent}"
    )
    op.execute(
        "INSERT INTO rental_escrow_journals (id, escrow_account_id, kind, reference, item, lease_id, booked_on, "
        "amount_fen, memo, actor_account_id, ledger_index, created_at) "
        f"SELECT id, fund_account_id, kind, reference, item, CASE WHEN subject IS NULL THEN NULL ELSE {lease_id} END, "
        f"booked_on, amount_fen, memo, actor_account_id, ledger_index, created_at FROM fund_journals "
        f"WHERE fund_account_id IN {rent}"
    )
    op.execute(
        "INSERT INTO rental_escrow_postings (id, journal_id, ledger_account_id, debit_fen, credit_fen) "
        "SELECT id, journal_id, ledger_account_id, debit_fen, credit_fen FROM fund_postings WHERE journal_id IN "
        f"(SELECT id FROM fund_journals WHERE fund_account_id IN {rent})"
    )
    op.execute(
        "INSERT INTO rental_escrow_bank_lines (id, escrow_account_id, booked_on, amount_fen, direction, reference, "
        "imported_at, imported_by) SELECT id, fund_account_id, booked_on, amount_fen, direction, reference, "
        f"imported_at, imported_by FROM fund_bank_lines WHERE fund_account_id IN {rent}"
    )
    _reset_sequences(
        (
            "rental_escrow_accounts",
            "rental_escrow_ledger_accounts",
            "rental_escrow_journals",
            "rental_escrow_postings",
            "rental_escrow_bank_lines",
        )
    )
    _repoint("rental_escrow_positions", "fund_accounts", "rental_escrow_accounts")
    _repoint("rental_escrow_schedule", "fund_accounts", "rental_escrow_accounts")
    for t in reversed(MOVED):
        op.drop_table(t)
