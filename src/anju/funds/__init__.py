"""Supervised funds (资金监管): the one double-entry ledger engine of every supervised fund — rent
escrow (rental), presale funds (transactions), resale funds, later the maintenance fund.

The owning context keeps its business rules (when money enters, when it is released) and declares
its fund kind (:class:`FundKind`) in ``anju.contexts``; it posts through :func:`post_many` and reads
through the functions below. See docs/funds.md. Other contexts use only what this module exports.
"""

from anju.funds import reconciliation
from anju.funds.domain import CASH, FundKind, UnbalancedJournal, check_balanced, ledger_code
from anju.funds.engine import (
    Account,
    Journal,
    JournalIn,
    ProofItem,
    Proofs,
    account_by_no,
    account_ids,
    accounts,
    accounts_of,
    balances,
    count_journals,
    items_booked_on,
    items_settled,
    journal,
    journal_by_reference,
    journals,
    ledger_account_ids,
    ledger_accounts,
    open_account,
    owner_accounts,
    post,
    post_many,
    scoped_account,
    subject_proofs,
    subject_totals,
    unbalanced_journals,
)
from anju.funds.reconciliation import BankImport, BankLine, DayFigures, Difference, Reconciliation
from anju.funds.registry import kind, kinds

__all__ = [
    "CASH",
    "Account",
    "BankImport",
    "BankLine",
    "DayFigures",
    "Difference",
    "FundKind",
    "Journal",
    "JournalIn",
    "ProofItem",
    "Proofs",
    "Reconciliation",
    "UnbalancedJournal",
    "account_by_no",
    "account_ids",
    "accounts",
    "accounts_of",
    "balances",
    "check_balanced",
    "count_journals",
    "items_booked_on",
    "items_settled",
    "journal",
    "journal_by_reference",
    "journals",
    "kind",
    "kinds",
    "ledger_account_ids",
    "ledger_accounts",
    "ledger_code",
    "open_account",
    "owner_accounts",
    "post",
    "post_many",
    "reconciliation",
    "scoped_account",
    "subject_proofs",
    "subject_totals",
    "unbalanced_journals",
]
