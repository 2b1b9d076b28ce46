"""The one double-entry engine of every supervised fund: accounts, ledger accounts, journals.

:func:`post_many` checks every journal before it writes (the fund kind allows its kind, its ledger
accounts exist and belong to its fund account, its debits equal its credits: else
:class:`UnbalancedJournal` and nothing is written), then writes journals, postings and balances in bulk
and appends every journal to its fund kind's verifiable log in the caller's transaction; the journal
keeps its leaf index. Ledger accounts are opened on first use (:func:`ledger_accounts`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update

from anju import exchange, ledger
from anju.core import clock
from anju.core.errors import NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.funds.domain import SUBJECT_MAX, UnbalancedJournal, check_balanced, ledger_code
from anju.funds.registry import kind as fund_kind
from anju.funds.tables import fund_accounts, fund_journals, fund_ledger_accounts, fund_postings

# ------------------------------------------------------------------------------------------ accounts


class Account(TypedDict):
    """A supervised fund account (监管账户)."""

    id: int
    kind: str
    owner: str
    bank: str
    account_no: str
    district_code: str
    street_code: str
    opened_at: datetime


def _account(r: Any) -> Account:
    return {
        "id": int(r.id),
        "kind": r.kind,
        "owner": r.owner,
        "bank": r.bank,
        "account_no": r.account_no,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "opened_at": r.opened_at,
    }


def open_account(
    conn: Connection, kind: str, owner: str, bank: str, account_no: str, district_code: str, street_code: str
) -> int:
    """Open (or find) the supervised account ``account_no`` of ``owner`` with its ledger accounts. An
    account number already open for another owner or fund kind is refused (field ``account_no``)."""
    fk = fund_kind(kind)
    row = conn.execute(
        select(fund_accounts.c.id, fund_accounts.c.kind, fund_accounts.c.owner).where(
            fund_accounts.c.account_no == account_no
        )
    ).first()
    if row is not None:
        if row.owner != owner or row.kind != kind:
            raise ValidationError.of("account_no", "该监管账户已登记在其他名下")
        return int(row.id)
    acct = int(
        conn.execute(
            insert(fund_accounts)
            .values(
                kind=fk.name,
                owner=owner,
                bank=bank,
                account_no=account_no,
                district_code=district_code,
                street_code=street_code,
                opened_at=clock.now(),
            )
            .returning(fund_accounts.c.id)
        ).scalar_one()
    )
    ledger_accounts(conn, acct)
    return acct


def account_by_no(conn: Connection, account_no: str) -> Account | None:
    row = conn.execute(select(fund_accounts).where(fund_accounts.c.account_no == account_no)).first()
    return _account(row) if row else None


def accounts(conn: Connection, ids: Sequence[int]) -> list[Account]:
    """Fund accounts by id, in id order (no scope: for callers that scoped them already)."""
    if not ids:
        return []
    rows = conn.execute(select(fund_accounts).where(fund_accounts.c.id.in_(list(ids))).order_by(fund_accounts.c.id))
    return [_account(r) for r in rows]


def scoped_account(conn: Connection, scope: Scope, account_id: int, kind: str | None = None) -> Account:
    """One fund account (of ``kind``) in the caller's scope; anything else is "not found"."""
    row = conn.execute(select(fund_accounts).where(fund_accounts.c.id == account_id)).first()
    if row is None or (kind is not None and row.kind != kind):
        raise NotFound("监管账户不存在")
    scope.require(row.street_code, "监管账户不存在")
    return _account(row)


def account_ids(conn: Connection, scope: Scope, kind: str, *, owners: Sequence[str] | None = None) -> list[int]:
    """The ids of the fund accounts of ``kind`` in scope (of ``owners``), in id order."""
    conds = [fund_accounts.c.kind == kind, *scope.where(fund_accounts.c.street_code)]
    if owners is not None:
        conds.append(fund_accounts.c.owner.in_(list(owners)))
    return [
        int(x) for x in conn.execute(select(fund_accounts.c.id).where(*conds).order_by(fund_accounts.c.id)).scalars()
    ]


def owner_accounts(conn: Connection, kind: str, owners: Sequence[str]) -> dict[str, Account]:
    """The (first) fund account of each owner of ``kind`` (no scope: the owner was scoped)."""
    if not owners:
        return {}
    rows = conn.execute(
        select(fund_accounts)
        .where(fund_accounts.c.kind == kind, fund_accounts.c.owner.in_(list(owners)))
        .order_by(fund_accounts.c.id.desc())
    )
    return {r.owner: _account(r) for r in rows}


# ----------------------------------------------------------------------------------- ledger accounts


def ledger_accounts(conn: Connection, fund_account_id: int, subject: str | None = None) -> dict[str, int]:
    """The ledger accounts of a fund account (``subject`` None) or of one subject in it, by kind,
    opened when missing."""
    kind = conn.execute(select(fund_accounts.c.kind).where(fund_accounts.c.id == fund_account_id)).scalar_one()
    fk = fund_kind(kind)
    if subject is not None and not 1 <= len(subject) <= SUBJECT_MAX:
        raise ValidationError.of("subject", f"监管科目标识应为 1–{SUBJECT_MAX} 个字符")
    kinds = fk.account_kinds if subject is None else fk.subject_kinds
    want = {k: ledger_code(fund_account_id, k, subject) for k in kinds}

    def have() -> dict[str, int]:
        q = select(fund_ledger_accounts.c.id, fund_ledger_accounts.c.code).where(
            fund_ledger_accounts.c.code.in_(list(want.values()))
        )
        return {r.code: int(r.id) for r in conn.execute(q)}

    found = have()
    new = [
        {"fund_account_id": fund_account_id, "kind": k, "subject": subject, "code": c, "balance_fen": 0}
        for k, c in want.items()
        if c not in found
    ]
    if new:
        conn.execute(insert(fund_ledger_accounts), new)
        found = have()
    return {k: found[c] for k, c in want.items()}


def accounts_of(conn: Connection, fund_account_id: int, subject: str) -> dict[str, int]:
    """The account's own ledger accounts and those of ``subject``, by kind."""
    return {**ledger_accounts(conn, fund_account_id), **ledger_accounts(conn, fund_account_id, subject)}


def ledger_account_ids(
    conn: Connection, fund_account_ids: Sequence[int], kind: str, *, subjects: Sequence[str] | None = None
) -> dict[tuple[int, str | None], int]:
    """Existing ledger accounts of ``kind`` in bulk: (fund account, subject or None) → id."""
    la = fund_ledger_accounts
    conds = [la.c.fund_account_id.in_(list(fund_account_ids)), la.c.kind == kind]
    conds.append(la.c.subject.is_(None) if subjects is None else la.c.subject.in_(list(subjects)))
    return {(int(r.fund_account_id), r.subject): int(r.id) for r in conn.execute(select(la).where(*conds))}


def balances(
    conn: Connection, fund_account_ids: Sequence[int], *, subject: str | None = None
) -> dict[int, dict[str, int]]:
    """Balances (debit-positive fen) by fund account and ledger-account kind, summed over subjects (or
    of one ``subject``)."""
    if not fund_account_ids:
        return {}
    la = fund_ledger_accounts
    q = select(la.c.fund_account_id, la.c.kind, func.sum(la.c.balance_fen)).where(
        la.c.fund_account_id.in_(list(fund_account_ids))
    )
    if subject is not None:
        q = q.where(la.c.subject == subject)
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for a, k, total in conn.execute(q.group_by(la.c.fund_account_id, la.c.kind)):
        out[int(a)][k] = int(total)
    return dict(out)


def ledger_balances(conn: Connection, ledger_account_ids: Sequence[int]) -> dict[int, int]:
    """Balances (debit-positive fen) of ledger accounts by id, in bulk (no scope: for callers that
    scoped the accounts' subjects)."""
    ids = sorted(set(ledger_account_ids))
    out: dict[int, int] = {}
    la = fund_ledger_accounts
    for i in range(0, len(ids), 5000):
        q = select(la.c.id, la.c.balance_fen).where(la.c.id.in_(ids[i : i + 5000]))
        out |= {int(a): int(b) for a, b in conn.execute(q)}
    return out


# ------------------------------------------------------------------------------------------ journals


@dataclass
class JournalIn:
    """One journal to post: postings as (ledger account id, debit fen, credit fen)."""

    fund_account_id: int
    kind: str
    reference: str
    postings: list[tuple[int, int, int]]
    booked_on: date
    memo: str
    item: str | None = None
    subject: str | None = None
    actor_account_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more facts for the log entry (no personal data)


def post_many(conn: Connection, journals: Sequence[JournalIn]) -> list[int]:
    """Post journals set-wise in the caller's transaction: every one is checked first (else
    :class:`UnbalancedJournal`, nothing written); journals, postings and balances are written in bulk
    and appended to their fund kind's log, one batch per log. Returns the journal ids in order."""
    if not journals:
        return []
    la = fund_ledger_accounts
    ids = sorted({a for j in journals for a, _, _ in j.postings})
    legs = {
        int(r.id): (r.code, int(r.fund_account_id))
        for r in conn.execute(select(la.c.id, la.c.code, la.c.fund_account_id).where(la.c.id.in_(ids)))
    }
    acct_ids = sorted({j.fund_account_id for j in journals})
    found = conn.execute(
        select(fund_accounts.c.id, fund_accounts.c.kind, fund_accounts.c.account_no).where(
            fund_accounts.c.id.in_(acct_ids)
        )
    ).all()
    kinds = {int(r.id): r.kind for r in found}
    account_nos = {int(r.id): r.account_no for r in found}
    amounts = []
    for j in journals:
        if j.fund_account_id not in kinds:
            raise UnbalancedJournal(f"监管账户 {j.fund_account_id} 不存在")
        fk = fund_kind(kinds[j.fund_account_id])
        if j.kind not in fk.journal_kinds:
            raise UnbalancedJournal(f"未知的分录类型 {j.kind}")
        for a, _, _ in j.postings:
            if a not in legs or legs[a][1] != j.fund_account_id:
                raise UnbalancedJournal(f"科目 {a} 不存在或不属于该监管账户")
        amounts.append(check_balanced([(legs[a][0], dr, cr) for a, dr, cr in j.postings]))
    now = clock.now()
    rows = conn.execute(
        insert(fund_journals).returning(fund_journals.c.id, sort_by_parameter_order=True),
        [
            {
                "fund_account_id": j.fund_account_id,
                "kind": j.kind,
                "reference": j.reference,
                "item": j.item,
                "subject": j.subject,
                "booked_on": j.booked_on,
                "amount_fen": amt,
                "memo": j.memo[:200],
                "actor_account_id": j.actor_account_id,
                "ledger_index": None,
                "created_at": now,
            }
            for j, amt in zip(journals, amounts, strict=True)
        ],
    ).all()
    jids = [int(r[0]) for r in rows]
    conn.execute(
        insert(fund_postings),
        [
            {"journal_id": jid, "ledger_account_id": a, "debit_fen": dr, "credit_fen": cr}
            for jid, j in zip(jids, journals, strict=True)
            for a, dr, cr in j.postings
        ],
    )
    delta: dict[int, int] = defaultdict(int)
    for j in journals:
        for a, dr, cr in j.postings:
            delta[a] += dr - cr
    changes = [{"aid": a, "delta": d} for a, d in sorted(delta.items()) if d]
    if changes:
        conn.execute(
            update(la).where(la.c.id == bindparam("aid")).values(balance_fen=la.c.balance_fen + bindparam("delta")),
            changes,
        )
    by_log: dict[str, list[int]] = defaultdict(list)
    for i, j in enumerate(journals):
        by_log[fund_kind(kinds[j.fund_account_id]).log].append(i)
    indexes: list[dict[str, int]] = []
    for log, positions in by_log.items():
        entries = [
            _entry(jids[i], journals[i], amounts[i], kinds[journals[i].fund_account_id], legs, now) for i in positions
        ]
        first = ledger.append(conn, log, entries)
        indexes += [{"jid": jids[i], "idx": first + n} for n, i in enumerate(positions)]
    conn.execute(
        update(fund_journals).where(fund_journals.c.id == bindparam("jid")).values(ledger_index=bindparam("idx")),
        indexes,
    )
    at = {x["jid"]: x["idx"] for x in indexes}
    exchange.emit_many(
        conn,
        [
            exchange.OutEvent(
                "funds.journal_posted",
                f"fund_account:{j.fund_account_id}",
                {
                    "journal_id": jid,
                    "fund_kind": kinds[j.fund_account_id],
                    "fund_account_id": j.fund_account_id,
                    "account_no": account_nos[j.fund_account_id],
                    "kind": j.kind,
                    "reference": j.reference,
                    "subject": j.subject,
                    "booked_on": j.booked_on,
                    "amount_fen": amt,
                    "ledger_index": at[jid],
                },
            )
            for jid, j, amt in zip(jids, journals, amounts, strict=True)
        ],
    )
    return jids


def post(conn: Connection, journal: JournalIn) -> int:
    return post_many(conn, [journal])[0]


def _entry(jid: int, j: JournalIn, amount: int, kind: str, legs: dict[int, tuple[str, int]], at: datetime) -> bytes:
    """The canonical JSON of a journal in the log (sorted keys, no personal values)."""
    return json.dumps(
        {
            "type": f"{fund_kind(kind).entry_type}.{j.kind}",
            "journal": jid,
            "fund": kind,
            "reference": j.reference,
            "item": j.item,
            "fund_account": j.fund_account_id,
            "subject": j.subject,
            "booked_on": j.booked_on.isoformat(),
            "amount_fen": amount,
            "postings": [{"account": legs[a][0], "debit_fen": dr, "credit_fen": cr} for a, dr, cr in j.postings],
            "at": at.isoformat(),
            **j.extra,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


class Journal(TypedDict):
    """One journal of a fund account."""

    id: int
    fund_account_id: int
    kind: str
    kind_label: str
    reference: str
    item: str | None
    subject: str | None
    booked_on: date
    amount_fen: int
    memo: str
    ledger_index: int | None


def _journal_row(r: Any) -> Journal:
    return {
        "id": int(r.id),
        "fund_account_id": int(r.fund_account_id),
        "kind": r.kind,
        "kind_label": _label(r.fund_kind, r.kind),
        "reference": r.reference,
        "item": r.item,
        "subject": r.subject,
        "booked_on": r.booked_on,
        "amount_fen": int(r.amount_fen),
        "memo": r.memo,
        "ledger_index": r.ledger_index,
    }


def _label(kind: str, journal_kind: str) -> str:
    return fund_kind(kind).journal_kinds.get(journal_kind, journal_kind)


def _journals_q(*conds: Any) -> Any:
    return (
        select(fund_journals, fund_accounts.c.kind.label("fund_kind"))
        .join(fund_accounts, fund_accounts.c.id == fund_journals.c.fund_account_id)
        .where(*conds)
        .order_by(fund_journals.c.booked_on, fund_journals.c.id)
    )


def journal_by_reference(conn: Connection, reference: str) -> Journal | None:
    row = conn.execute(_journals_q(fund_journals.c.reference == reference)).first()
    return _journal_row(row) if row else None


def journal(conn: Connection, journal_id: int) -> Journal:
    return _journal_row(conn.execute(_journals_q(fund_journals.c.id == journal_id)).one())


def items_settled(conn: Connection, items: Sequence[str]) -> set[str]:
    """Which of ``items`` a journal settles already."""
    if not items:
        return set()
    q = select(fund_journals.c.item).where(fund_journals.c.item.in_(list(items)))
    return {str(x) for x in conn.execute(q).scalars()}


def items_booked_on(conn: Connection, items: Sequence[str]) -> dict[str, date]:
    """The day each of ``items`` was settled (its journal's booking day), for those a journal settles."""
    out: dict[str, date] = {}
    keys = sorted(set(items))
    for i in range(0, len(keys), 5000):
        q = select(fund_journals.c.item, fund_journals.c.booked_on).where(fund_journals.c.item.in_(keys[i : i + 5000]))
        out |= {str(item): booked for item, booked in conn.execute(q)}
    return out


def journals(
    conn: Connection,
    *,
    fund_account_id: int | None = None,
    subject: str | None = None,
    kind: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int,
    offset: int,
) -> Page[Journal]:
    """Journals (oldest first) of a fund account and/or a subject, of a kind, in a date range (no scope:
    for callers that scoped the account or the subject)."""
    cond = []
    if fund_account_id is not None:
        cond.append(fund_journals.c.fund_account_id == fund_account_id)
    if subject is not None:
        cond.append(fund_journals.c.subject == subject)
    if kind is not None:
        cond.append(fund_journals.c.kind == kind)
    if date_from:
        cond.append(fund_journals.c.booked_on >= date_from)
    if date_to:
        cond.append(fund_journals.c.booked_on <= date_to)
    if not cond:
        raise ValidationError.of("fund_account_id", "须指明监管账户或科目")
    return fetch_page(conn, _journals_q(and_(*cond)), limit=limit, offset=offset, row=_journal_row)


def subject_totals(
    conn: Connection, fund_account_ids: Sequence[int], subjects: Sequence[str]
) -> dict[tuple[int, str], dict[str, int]]:
    """The journals' amounts summed by (fund account, subject) and journal kind, in one grouped query
    (no scope: for callers that scoped the accounts and the subjects)."""
    if not fund_account_ids or not subjects:
        return {}
    j = fund_journals
    q = (
        select(j.c.fund_account_id, j.c.subject, j.c.kind, func.sum(j.c.amount_fen))
        .where(j.c.fund_account_id.in_(list(fund_account_ids)), j.c.subject.in_(list(subjects)))
        .group_by(j.c.fund_account_id, j.c.subject, j.c.kind)
    )
    out: dict[tuple[int, str], dict[str, int]] = defaultdict(dict)
    for a, subj, k, total in conn.execute(q):
        out[(int(a), str(subj))][k] = int(total)
    return dict(out)


def count_journals(conn: Connection, fund_account_ids: Sequence[int], kind: str, booked_on: date) -> dict[int, int]:
    """How many journals of ``kind`` without a subject each account booked on ``booked_on``."""
    q = (
        select(fund_journals.c.fund_account_id, func.count())
        .where(
            fund_journals.c.fund_account_id.in_(list(fund_account_ids)),
            fund_journals.c.kind == kind,
            fund_journals.c.booked_on == booked_on,
            fund_journals.c.subject.is_(None),
        )
        .group_by(fund_journals.c.fund_account_id)
    )
    return {int(a): int(n) for a, n in conn.execute(q)}


# ------------------------------------------------------------------------------------------- proofs


class ProofItem(TypedDict):
    journal_id: int
    kind: str
    reference: str
    index: int
    entry: str
    leaf_hash: str
    proof: list[str]


class Proofs(TypedDict):
    """Inclusion proofs of every logged journal of a subject in its fund kind's log."""

    log: str
    algorithm: str
    size: int
    root: str
    items: list[ProofItem]


def subject_proofs(conn: Connection, kind: str, subject: str, size: int | None = None) -> Proofs:
    """Every logged journal of ``subject`` with its log entry and inclusion proof at ``size`` (default
    the current size), to check with the stand-alone verifier ``ledger/verify.py``."""
    log = fund_kind(kind).log
    rows = conn.execute(
        select(fund_journals.c.id, fund_journals.c.kind, fund_journals.c.reference, fund_journals.c.ledger_index)
        .join(fund_accounts, fund_accounts.c.id == fund_journals.c.fund_account_id)
        .where(
            fund_journals.c.subject == subject, fund_accounts.c.kind == kind, fund_journals.c.ledger_index.is_not(None)
        )
        .order_by(fund_journals.c.id)
    ).all()
    head = ledger.tree_head(conn, log, size)
    items: list[ProofItem] = []
    for r in rows:
        idx = int(r.ledger_index)
        if idx >= head.size:
            continue
        e = ledger.entry(conn, log, idx)
        p = ledger.inclusion_proof(conn, log, idx, head.size)
        items.append(
            {
                "journal_id": int(r.id),
                "kind": r.kind,
                "reference": r.reference,
                "index": idx,
                "entry": e.data.decode("utf-8"),
                "leaf_hash": p.leaf_hash.hex(),
                "proof": [h.hex() for h in p.proof],
            }
        )
    return {"log": log, "algorithm": head.algorithm, "size": head.size, "root": head.root, "items": items}


# ------------------------------------------------------------------------------------------ the sweep


def unbalanced_journals(conn: Connection) -> list[int]:
    """Journals whose postings do not balance (a sweep over every fund; always empty)."""
    q = (
        select(fund_postings.c.journal_id)
        .group_by(fund_postings.c.journal_id)
        .having(func.sum(fund_postings.c.debit_fen) != func.sum(fund_postings.c.credit_fen))
    )
    return [int(x) for x in conn.execute(q).scalars()]


def orphan_postings(conn: Connection, limit: int = 1000) -> list[int]:
    """Postings whose journal or ledger account does not exist, by id (at most ``limit``; always empty).
    ``fund_postings`` has no foreign keys (migration 0043): the engine checks every line before it
    writes, and this sweep is where the database's guarantee is checked instead."""
    p, j, la = fund_postings, fund_journals, fund_ledger_accounts
    q = (
        select(p.c.id)
        .outerjoin(j, j.c.id == p.c.journal_id)
        .outerjoin(la, la.c.id == p.c.ledger_account_id)
        .where((j.c.id.is_(None)) | (la.c.id.is_(None)))
        .order_by(p.c.id)
        .limit(limit)
    )
    return [int(x) for x in conn.execute(q).scalars()]


def unbalanced_accounts(conn: Connection, limit: int = 1000) -> list[int]:
    """Ledger accounts whose kept balance is not the sum of their postings (debit − credit), by id (at
    most ``limit``; always empty)."""
    p, la = fund_postings, fund_ledger_accounts
    sums = (
        select(p.c.ledger_account_id.label("lid"), func.sum(p.c.debit_fen - p.c.credit_fen).label("net"))
        .group_by(p.c.ledger_account_id)
        .subquery("sums")
    )
    q = (
        select(la.c.id)
        .outerjoin(sums, sums.c.lid == la.c.id)
        .where(la.c.balance_fen != func.coalesce(sums.c.net, 0))
        .order_by(la.c.id)
        .limit(limit)
    )
    return [int(x) for x in conn.execute(q).scalars()]


class Integrity(TypedDict):
    """The ledger's sweep (``anju funds check``): every list empty when the ledger is intact."""

    ok: bool
    orphan_postings: list[int]
    unbalanced_journals: list[int]
    unbalanced_accounts: list[int]


def check_integrity(conn: Connection) -> Integrity:
    """Every fund's postings against their journals and ledger accounts: orphans (a journal or ledger
    account missing), journals that do not balance, balances that are not their postings' sum."""
    orphans, journals_off, accounts_off = orphan_postings(conn), unbalanced_journals(conn), unbalanced_accounts(conn)
    return {
        "ok": not (orphans or journals_off or accounts_off),
        "orphan_postings": orphans,
        "unbalanced_journals": journals_off,
        "unbalanced_accounts": accounts_off,
    }
