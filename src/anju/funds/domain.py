"""Supervised funds: the pure part — fund kinds (declared by the contexts that own the business), the
balance rule of a journal and the ledger-account codes.

A *fund kind* (``rent_escrow``, ``presale``, ``resale`` …) is declared by the context whose business
it is, as a :class:`FundKind` constant named in that context's entry of ``anju.contexts``
(``fund_kinds``). The engine never hard-codes a kind: it asks the registry (:func:`anju.funds.kind`),
which loads the declarations by name on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: Ledger-account kind of the supervised account's cash at the bank: the side reconciled with the bank.
CASH = "bank"
#: Subjects name what a ledger account or a journal belongs to inside a fund account: ``lease:12``.
SUBJECT_MAX = 40


@dataclass(frozen=True)
class FundKind:
    """What one kind of supervised fund allows.

    ``account_kinds`` are opened once per fund account (``bank`` must be among them: the cash the bank
    holds); ``subject_kinds`` once per subject (a lease, a contract) on first use; ``journal_kinds``
    names every journal kind (code → Chinese label). ``log`` is the verifiable log its journals are
    appended to and ``entry_type`` the prefix of their log entries' ``type``.
    """

    name: str
    label: str
    log: str
    entry_type: str
    account_kinds: tuple[str, ...]
    subject_kinds: tuple[str, ...]
    journal_kinds: Mapping[str, str]
    ledger_labels: Mapping[str, str]

    def __post_init__(self) -> None:
        if CASH not in self.account_kinds:
            raise ValueError(f"fund kind {self.name}: {CASH!r} must be an account kind")
        if set(self.account_kinds) & set(self.subject_kinds):
            raise ValueError(f"fund kind {self.name}: a ledger kind is either per account or per subject")


class UnbalancedJournal(ValueError):
    """A journal whose debits and credits differ (or with a bad posting, kind or account): never written."""


def check_balanced(postings: Sequence[tuple[str, int, int]]) -> int:
    """``postings`` as (account code, debit fen, credit fen): each posting one-sided and positive, and the
    sum of debits equal to the sum of credits. Returns the journal's amount (its debits)."""
    if len(postings) < 2:
        raise UnbalancedJournal("一笔分录至少有借贷两方")
    for code, dr, cr in postings:
        if type(dr) is not int or type(cr) is not int or dr < 0 or cr < 0 or (dr > 0) == (cr > 0):
            raise UnbalancedJournal(f"科目 {code} 的借贷金额不合法")
    debits = sum(p[1] for p in postings)
    credits = sum(p[2] for p in postings)
    if debits != credits:
        raise UnbalancedJournal(f"借方合计 {debits} 分不等于贷方合计 {credits} 分")
    return debits


def ledger_code(fund_account_id: int, kind: str, subject: str | None = None) -> str:
    """The unique code of a ledger account: ``7:bank``, ``7:prepaid:lease:42``."""
    return f"{fund_account_id}:{kind}" + ("" if subject is None else f":{subject}")
