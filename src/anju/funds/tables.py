"""Tables of the supervised funds (资金监管): one double-entry ledger for every fund kind.

* ``fund_accounts``: a supervised account (监管账户) at a bank: its fund kind, its owner (``party:5``,
  ``project:3``: a reference into the owning context), bank and account number, and the division it
  is scoped by;
* ``fund_ledger_accounts``: the ledger's accounts, per fund account (``subject`` NULL) or per subject
  (``lease:12``, ``contract:7``); ``balance_fen`` is debit-positive and kept by every posting;
* ``fund_journals``: balanced journals (sum of debits = sum of credits), each appended to its fund
  kind's verifiable log (``ledger_index``). ``reference`` is unique (a repeated bank transfer is the
  same journal); ``item`` names what a journal settles (``L42:rent:1``) so nothing is settled twice;
* ``fund_postings``: the journals' legs in integer fen (no foreign keys: the engine checks them, see
  docs/funds.md "Integrity without foreign keys");
* ``fund_bank_lines``: statement lines the bank pushed, the other side of the daily reconciliation.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Table, UniqueConstraint

from anju.core.types import IdType, UTCDateTime, metadata

fund_accounts = Table(
    "fund_accounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # a registered fund kind: rent_escrow | presale | …
    Column("owner", String(40), nullable=False),  # party:5 | project:3 (the owning context's reference)
    Column("bank", String(60), nullable=False),
    Column("account_no", String(40), nullable=False, unique=True),
    Column("district_code", String(12), nullable=False),
    Column("street_code", String(12), nullable=False),  # scoping
    Column("opened_at", UTCDateTime, nullable=False),
    Index("ix_fund_accounts_owner", "kind", "owner"),
    Index("ix_fund_accounts_street", "street_code"),
)

fund_ledger_accounts = Table(
    "fund_ledger_accounts",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # the fund kind's account_kinds / subject_kinds
    Column("subject", String(40), nullable=True),  # lease:12 | contract:7 | NULL (the account's own)
    Column("code", String(80), nullable=False, unique=True),  # 7:bank, 7:prepaid:lease:42
    Column("balance_fen", BigInteger, nullable=False),
    Index("ix_fund_ledger_accounts_account", "fund_account_id", "kind"),
    Index("ix_fund_ledger_accounts_subject", "subject"),
)

fund_journals = Table(
    "fund_journals",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # the fund kind's journal_kinds
    Column("reference", String(64), nullable=False, unique=True),
    Column("item", String(64), nullable=True, unique=True),
    Column("subject", String(40), nullable=True),
    Column("booked_on", Date, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),  # the sum of its debits
    Column("memo", String(200), nullable=False),
    Column("actor_account_id", IdType, nullable=True),
    Column("ledger_index", BigInteger, nullable=True),  # its leaf in the fund kind's verifiable log
    Column("created_at", UTCDateTime, nullable=False),
    # An allocation journal (funds.post_allocations): the number of its lines; NULL for other journals.
    Column("lines", Integer, nullable=True),
    Index("ix_fund_journals_account", "fund_account_id", "booked_on", "id"),
    Index("ix_fund_journals_subject", "subject", "id"),
)

fund_postings = Table(
    "fund_postings",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    # No foreign keys (migration 0043): only the engine writes postings, checking every line's ledger
    # account first; ``funds.orphan_postings`` finds any posting whose journal or account is missing.
    Column("journal_id", IdType, nullable=False),  # fund_journals.id
    Column("ledger_account_id", IdType, nullable=False),  # fund_ledger_accounts.id
    Column("debit_fen", BigInteger, nullable=False),
    Column("credit_fen", BigInteger, nullable=False),
    Index("ix_fund_postings_journal", "journal_id"),
    Index("ix_fund_postings_account", "ledger_account_id", "journal_id"),
)

fund_bank_lines = Table(
    "fund_bank_lines",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("fund_account_id", IdType, ForeignKey("fund_accounts.id"), nullable=False),
    Column("booked_on", Date, nullable=False),
    Column("amount_fen", BigInteger, nullable=False),  # positive
    Column("direction", String(4), nullable=False),  # in | out
    Column("reference", String(64), nullable=False),
    Column("imported_at", UTCDateTime, nullable=False),
    Column("imported_by", IdType, nullable=True),
    UniqueConstraint("fund_account_id", "reference", "direction"),
    Index("ix_fund_bank_lines_day", "fund_account_id", "booked_on"),
)
