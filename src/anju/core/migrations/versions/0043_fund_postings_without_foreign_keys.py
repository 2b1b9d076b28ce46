"""funds: the postings' two foreign keys (journal, ledger account) dropped (issue 22's interest at scale).

Every posting is written by the ledger engine (``anju.funds``), which checks each line's ledger account
(exists, is the journal's fund account's) before it writes anything and takes the journal ids from the
journals it has just inserted; nothing deletes journals or ledger accounts. The database's per-row check
of both keys was the largest server-side cost of a year's interest on PostgreSQL (≈ 17 µs a posting, ≈ 70 s
for 4 M homes). Orphan postings are found by ``funds.orphan_postings`` (``anju funds check``). See
docs/funds.md, "Integrity without foreign keys".

Revision ID: 0043
Revises: 0041 (the coordinator re-chains it after 0042)
Create Date: 2026-12-07 22:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

FKS = (
    ("fk_fund_postings_journal_id_fund_journals", "fund_journals", "journal_id"),
    ("fk_fund_postings_ledger_account_id_fund_ledger_accounts", "fund_ledger_accounts", "ledger_account_id"),
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in FKS:
            op.drop_constraint(name, "fund_postings", type_="foreignkey")
        return
    with op.batch_alter_table("fund_postings", schema=None) as batch_op:  # SQLite: the table is copied
        for name, _, _ in FKS:
            batch_op.drop_constraint(name, type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, parent, column in FKS:
            op.create_foreign_key(name, "fund_postings", parent, [column], ["id"])
        return
    with op.batch_alter_table("fund_postings", schema=None) as batch_op:
        for name, parent, column in FKS:
            batch_op.create_foreign_key(name, parent, [column], ["id"])
