"""Set-wise allocation journals: one counter leg and many lines, copied in bulk with their lines root.

A fund that keeps an account per subject (the maintenance fund's 分户账, one ledger account per home)
moves money into or out of many of them at once: a year's interest allocated to every home of an
estate, a repair's cost debited from each home's share, the opening balances of an import. Posting
those through :func:`anju.funds.post_many` (a journal per home) would write millions of journals and
log entries; an allocation journal is **one** journal per group (an estate) whose lines are postings:

- the caller gives the journals (:class:`AllocationIn`: fund account, kind, reference, the one counter
  ledger account) and the lines ``(reference, ledger_account_id, amount_fen)``, as rows it computed or
  as a ``Select`` computed in SQL; ``side`` says whether the lines are credited (money into them) or
  debited;
- the lines are grouped, checked and hashed in memory before anything is written, then copied as
  postings in bulk; the counter leg is their sum (so every journal balances by construction), the
  balances change by the in-memory deltas;
- each journal's log entry carries, instead of its lines, the RFC 6962 Merkle root of its lines
  (``lines_root``, in the log's hash algorithm, over the canonical line bytes in ledger-account order):
  :func:`line_proof` gives a line with its inclusion proof in that root and the entry with its
  inclusion proof in the log — an owner checks their home's line with the stand-alone verifier twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Literal, TypedDict

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    bindparam,
    insert,
    select,
    update,
)

from anju import exchange, ledger
from anju.core import clock
from anju.core.dialect import add_to_column, bulk_insert, stream_tuples
from anju.core.errors import NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.funds.domain import SUBJECT_MAX, UnbalancedJournal, ledger_code
from anju.funds.registry import kind as fund_kind
from anju.funds.tables import fund_accounts, fund_journals, fund_ledger_accounts, fund_postings
from anju.ledger import merkle

Side = Literal["credit", "debit"]
_CHUNK = 5000

# ----------------------------------------------------------------------------- subject ledger accounts


def open_subject_accounts(conn: Connection, fund_account_id: int, subjects: Sequence[str]) -> dict[str, dict[str, int]]:
    """Open, in bulk, the ledger accounts (the fund kind's ``subject_kinds``) of many subjects of one
    fund account; those already open are kept. Returns subject → kind → ledger account id."""
    row = conn.execute(select(fund_accounts.c.kind).where(fund_accounts.c.id == fund_account_id)).first()
    if row is None:
        raise NotFound("监管账户不存在")
    fk = fund_kind(row.kind)
    for s in subjects:
        if not 1 <= len(s) <= SUBJECT_MAX:
            raise ValidationError.of("subject", f"监管科目标识应为 1–{SUBJECT_MAX} 个字符")
    la = fund_ledger_accounts
    out: dict[str, dict[str, int]] = defaultdict(dict)
    uniq = sorted(set(subjects))
    for i in range(0, len(uniq), _CHUNK):
        chunk = uniq[i : i + _CHUNK]
        codes = {ledger_code(fund_account_id, k, s): (s, k) for s in chunk for k in fk.subject_kinds}
        have = {r.code: int(r.id) for r in conn.execute(select(la.c.id, la.c.code).where(la.c.code.in_(list(codes))))}
        new = [(fund_account_id, k, s, c, 0) for c, (s, k) in codes.items() if c not in have]
        if new:
            bulk_insert(conn, la, ("fund_account_id", "kind", "subject", "code", "balance_fen"), new)
            missing = [c for c in codes if c not in have]
            for j in range(0, len(missing), _CHUNK):
                q = select(la.c.id, la.c.code).where(la.c.code.in_(missing[j : j + _CHUNK]))
                have |= {r.code: int(r.id) for r in conn.execute(q)}
        for c, (s, k) in codes.items():
            out[s][k] = have[c]
    return dict(out)


# ------------------------------------------------------------------------------- allocation journals


@dataclass
class AllocationIn:
    """One allocation journal: its lines come from the ``lines`` select of :func:`post_allocations`
    (the rows whose ``reference`` is this journal's), its counter leg is their sum."""

    fund_account_id: int
    kind: str
    reference: str
    booked_on: date
    memo: str
    counter_account_id: int
    subject: str | None = None  # e.g. ``estate:12``
    item: str | None = None
    actor_account_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # more facts for the log entry (no personal data)


def line_bytes(code: str, debit_fen: int, credit_fen: int) -> bytes:
    """The canonical bytes of an allocation line (a leaf of the journal's ``lines_root``): the JSON
    object ``{"account", "credit_fen", "debit_fen"}`` with sorted keys as ``json.dumps`` writes it (built
    directly: it runs once per line of every allocation, millions of times a year)."""
    return b'{"account": %s, "credit_fen": %d, "debit_fen": %d}' % (
        json.dumps(code).encode(),
        int(credit_fen),
        int(debit_fen),
    )


#: The lines of allocation journals: a ``Select`` of them, or the rows themselves.
Lines = Select[Any] | CompoundSelect[Any] | Iterable[tuple[str, int, int]]


def post_allocations(conn: Connection, allocations: Sequence[AllocationIn], lines: Lines, *, side: Side) -> list[int]:
    """Post allocation journals set-wise in the caller's transaction; returns their ids in order.

    ``lines`` gives ``(reference, ledger_account_id, amount_fen)``: a ``Select`` (read once) or the rows
    (a caller that computed them streams them in); a line whose reference is none of ``allocations``
    is not posted, a line of zero fen neither. Refused (:class:`UnbalancedJournal`, before anything is
    written) when a journal kind is not the fund kind's, a counter account is not the fund account's, a
    line's ledger account does not exist, belongs to another fund account or is the counter account, or
    a journal has no line."""
    if not allocations:
        return []
    kinds, counters = _check_heads(conn, allocations, side)
    return _post(conn, allocations, _group(conn, allocations, lines), side, kinds, counters)


def post_allocation_groups(
    conn: Connection, allocations: Sequence[AllocationIn], groups: Sequence[Sequence[tuple[int, int]]], *, side: Side
) -> list[int]:
    """:func:`post_allocations` with the lines already grouped by journal: ``groups[k]`` are the lines
    ``(ledger_account_id, amount_fen)`` of ``allocations[k]`` (a caller that computed millions of lines
    journal by journal — the annual interest — saves handing them over one by one to be grouped again).
    The same journals, postings, balances and log entries as :func:`post_allocations` with the same
    lines: lines not above zero dropped, the rest in the canonical order, the same checks."""
    if not allocations:
        return []
    if len(groups) != len(allocations):
        raise ValidationError.of("groups", "明细分组数应与分配凭证数相同")
    kinds, counters = _check_heads(conn, allocations, side)
    per = []
    for a, ls in zip(allocations, groups, strict=True):
        mine = list(ls) if not ls or min(map(_SECOND, ls)) > 0 else [x for x in ls if x[1] > 0]
        if not mine:
            raise UnbalancedJournal(f"分配凭证 {a.reference} 没有明细")
        mine.sort(key=_FIRST)
        per.append(mine)
    return _post(conn, allocations, per, side, kinds, counters)


def _check_heads(
    conn: Connection, allocations: Sequence[AllocationIn], side: Side
) -> tuple[dict[int, str], dict[int, tuple[str, int]]]:
    """The journals' fund kinds and counter accounts, checked (see :func:`post_allocations`)."""
    if side not in ("credit", "debit"):
        raise ValidationError.of("side", "应为 credit 或 debit")
    refs = [a.reference for a in allocations]
    if len(set(refs)) != len(refs):
        raise UnbalancedJournal("分配凭证的业务编号重复")
    la = fund_ledger_accounts
    acct_ids = sorted({a.fund_account_id for a in allocations})
    kinds = {
        int(r.id): r.kind
        for r in conn.execute(select(fund_accounts.c.id, fund_accounts.c.kind).where(fund_accounts.c.id.in_(acct_ids)))
    }
    counters = {
        int(r.id): (r.code, int(r.fund_account_id))
        for r in conn.execute(
            select(la.c.id, la.c.code, la.c.fund_account_id).where(
                la.c.id.in_(sorted({a.counter_account_id for a in allocations}))
            )
        )
    }
    for a in allocations:
        if a.fund_account_id not in kinds:
            raise UnbalancedJournal(f"监管账户 {a.fund_account_id} 不存在")
        if a.kind not in fund_kind(kinds[a.fund_account_id]).journal_kinds:
            raise UnbalancedJournal(f"未知的分录类型 {a.kind}")
        if a.counter_account_id not in counters or counters[a.counter_account_id][1] != a.fund_account_id:
            raise UnbalancedJournal(f"对方科目 {a.counter_account_id} 不存在或不属于该监管账户")
    return kinds, counters


def _post(
    conn: Connection,
    allocations: Sequence[AllocationIn],
    per: list[list[tuple[int, int]]],
    side: Side,
    kinds: dict[int, str],
    counters: dict[int, tuple[str, int]],
) -> list[int]:
    """Write checked journals whose lines are grouped and in the canonical order (``per``)."""
    accounts = _line_accounts(conn, per)
    algorithm: dict[str, str] = {}
    totals = [
        _lines_root(a, ls, accounts, side, _algorithm(conn, kinds, a, algorithm))
        for a, ls in zip(allocations, per, strict=True)
    ]
    now = clock.now()
    j = fund_journals
    rows = conn.execute(
        insert(j).returning(j.c.id, sort_by_parameter_order=True),
        [
            {
                "fund_account_id": a.fund_account_id,
                "kind": a.kind,
                "reference": a.reference,
                "item": a.item,
                "subject": a.subject,
                "booked_on": a.booked_on,
                "amount_fen": total[1],
                "memo": a.memo[:200],
                "actor_account_id": a.actor_account_id,
                "ledger_index": None,
                "created_at": now,
                "lines": total[0],
            }
            for a, total in zip(allocations, totals, strict=True)
        ],
    ).all()
    jids = [int(r[0]) for r in rows]
    credit = side == "credit"
    # the lines in the canonical order (so the postings' ids ascend with it), then the counter legs
    bulk_insert(
        conn,
        fund_postings,
        ("journal_id", "ledger_account_id", "debit_fen", "credit_fen"),
        (
            (jid, lid, 0, amt) if credit else (jid, lid, amt, 0)
            for jid, ls in zip(jids, per, strict=True)
            for lid, amt in ls
        ),
    )
    counter_legs = [
        (jid, a.counter_account_id, t[1], 0) if credit else (jid, a.counter_account_id, 0, t[1])
        for jid, a, t in zip(jids, allocations, totals, strict=True)
    ]
    bulk_insert(conn, fund_postings, ("journal_id", "ledger_account_id", "debit_fen", "credit_fen"), counter_legs)
    delta: dict[int, int] = defaultdict(int)
    sign = -1 if credit else 1  # balances are debit-positive
    for ls in per:
        for lid, amt in ls:
            delta[lid] += sign * amt
    for _, cid, dr, cr in counter_legs:
        delta[cid] += dr - cr
    add_to_column(conn, fund_ledger_accounts, "balance_fen", sorted((k, d) for k, d in delta.items() if d))
    by_id = dict(zip(jids, allocations, strict=True))
    total_of = dict(zip(jids, totals, strict=True))
    indexes = _log(conn, jids, by_id, kinds, counters, total_of, side, now)
    exchange.emit_many(
        conn,
        [
            exchange.OutEvent(
                "funds.journal_posted",
                f"fund_account:{by_id[jid].fund_account_id}",
                {
                    "journal_id": jid,
                    "fund_kind": kinds[by_id[jid].fund_account_id],
                    "fund_account_id": by_id[jid].fund_account_id,
                    "kind": by_id[jid].kind,
                    "reference": by_id[jid].reference,
                    "subject": by_id[jid].subject,
                    "booked_on": by_id[jid].booked_on,
                    "amount_fen": total_of[jid][1],
                    "lines": total_of[jid][0],
                    "ledger_index": indexes[jid],
                },
            )
            for jid in jids
        ],
    )
    return jids


def _algorithm(conn: Connection, kinds: dict[int, str], a: AllocationIn, cache: dict[str, str]) -> str:
    log = fund_kind(kinds[a.fund_account_id]).log
    if log not in cache:
        cache[log] = ledger.get_log(conn, log).algorithm
    return cache[log]


def _chunks(ids: Sequence[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i : i + _CHUNK])


def _group(conn: Connection, allocations: Sequence[AllocationIn], lines: Lines) -> list[list[tuple[int, int]]]:
    """Each allocation's lines ``(ledger account, fen)`` in the canonical order: by ledger account, a
    repeated account in the order given (a stable sort). Lines of other references or not above zero
    are dropped."""
    if isinstance(lines, Select | CompoundSelect):
        rows: Iterable[Any] = (
            (ref, int(lid), int(amt)) for batch in stream_tuples(conn, lines) for ref, lid, amt in batch
        )
    else:
        rows = lines
    at = {a.reference: k for k, a in enumerate(allocations)}
    per: list[list[tuple[int, int]]] = [[] for _ in allocations]
    for ref, lid, amt in rows:
        k = at.get(ref)
        if k is not None and amt > 0:
            per[k].append((lid, amt))
    for a, ls in zip(allocations, per, strict=True):
        if not ls:
            raise UnbalancedJournal(f"分配凭证 {a.reference} 没有明细")
        ls.sort(key=_FIRST)
    return per


#: A line's ledger account (the sort key: a stable sort keeps an account's repeats in order) and fen.
_FIRST, _SECOND = itemgetter(0), itemgetter(1)
_COLUMNS = [itemgetter(k) for k in range(3)]


def _json_string(s: str) -> str:
    """``json.dumps(s)``, without its cost for the usual ledger code (printable ASCII, no quote or
    backslash: nothing to escape)."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return '"' + s + '"'
    return json.dumps(s)


def _line_accounts(conn: Connection, per: list[list[tuple[int, int]]]) -> dict[int, dict[int, str]]:
    """The lines' ledger accounts by fund account: fund account → id → its code as a JSON string. Read
    by runs of 50,000 ids: a dense run (every home of an account: nearly consecutive ids) as one range of
    the primary key (the accounts in the range that no line names come along: harmless, they exist), a
    sparse one by lists of 5,000 ids. An id that does not exist is in none. Hot (millions of lines a
    year): each batch of rows is taken apart column by column and its codes checked for escaping at once."""
    la = fund_ledger_accounts
    ids = sorted({lid for ls in per for lid, _ in ls})
    out: dict[int, dict[int, str]] = defaultdict(dict)
    q = select(la.c.id, la.c.fund_account_id, la.c.code)
    for i in range(0, len(ids), 10 * _CHUNK):
        run = ids[i : i + 10 * _CHUNK]
        if run[-1] - run[0] < 2 * len(run):
            qs = [q.where(la.c.id.between(run[0], run[-1]))]
        else:
            qs = [q.where(la.c.id.in_(c)) for c in _chunks(run)]
        for part in qs:
            for rows in stream_tuples(conn, part):
                # columns by ``map`` (``zip(*rows)`` would make an iterator per row: garbage collections)
                lids, fas, codes = (list(map(_COLUMNS[k], rows)) for k in range(3))
                quoted = _json_strings(codes)
                if fas.count(fas[0]) == len(fas):
                    out[fas[0]].update(zip(lids, quoted, strict=True))
                else:
                    for lid, fa, c in zip(lids, fas, quoted, strict=True):
                        out[fa][lid] = c
    return dict(out)


def _json_strings(codes: Sequence[str]) -> list[str]:
    """``[_json_string(c) for c in codes]``, checking the batch at once: when no code has anything to
    escape (the usual case), each is quoted directly."""
    joined = "".join(codes)
    if joined.isascii() and joined.isprintable() and '"' not in joined and "\\" not in joined:
        return ['"' + c + '"' for c in codes]
    return [_json_string(c) for c in codes]


def _lines_root(
    a: AllocationIn, lines: list[tuple[int, int]], accounts: dict[int, dict[int, str]], side: Side, algorithm: str
) -> tuple[int, int, bytes]:
    """(lines, total fen, Merkle root of the lines' canonical bytes) of one journal, checking each line:
    its ledger account exists, is the journal's fund account's and is not its counter account. Hot
    (millions of lines a year): each leaf is ``H(0x00 ‖ line_bytes(…))`` formatted in one step, the
    lines looked up in the journal's fund account's codes (a line of any other account fails there)."""
    h = merkle.hasher(algorithm)
    fmt = (
        '\x00{"account": %s, "credit_fen": %d, "debit_fen": 0}'
        if side == "credit"
        else ('\x00{"account": %s, "credit_fen": 0, "debit_fen": %d}')
    )
    fund, counter = a.fund_account_id, a.counter_account_id
    codes = accounts.get(fund, {})
    try:
        datas = [(fmt % (codes[lid], amt)).encode() for lid, amt in lines]
    except KeyError as e:
        lid = int(e.args[0])
        if any(lid in other for f, other in accounts.items() if f != fund):
            raise UnbalancedJournal(f"科目 {lid} 不属于该监管账户") from None
        raise UnbalancedJournal(f"科目 {lid} 不存在") from None
    if counter in codes and any(lid == counter for lid, _ in lines):
        raise UnbalancedJournal("分配明细不能记入对方科目")
    leaves = list(map(h, datas))
    return len(leaves), sum(map(_SECOND, lines)), merkle.root(leaves, algorithm)


def _log(
    conn: Connection,
    jids: Sequence[int],
    by_id: dict[int, AllocationIn],
    kinds: dict[int, str],
    counters: dict[int, tuple[str, int]],
    totals: dict[int, tuple[int, int, bytes]],
    side: Side,
    now: datetime,
) -> dict[int, int]:
    by_log: dict[str, list[int]] = defaultdict(list)
    for jid in jids:
        by_log[fund_kind(kinds[by_id[jid].fund_account_id]).log].append(jid)
    out: dict[int, int] = {}
    for log, ids in by_log.items():
        entries = [_entry(jid, by_id[jid], kinds, counters, totals[jid], side, now, log) for jid in ids]
        first = ledger.append(conn, log, entries)
        out |= {jid: first + n for n, jid in enumerate(ids)}
    conn.execute(
        update(fund_journals).where(fund_journals.c.id == bindparam("jid")).values(ledger_index=bindparam("idx")),
        [{"jid": jid, "idx": idx} for jid, idx in out.items()],
    )
    return out


def _entry(
    jid: int,
    a: AllocationIn,
    kinds: dict[int, str],
    counters: dict[int, tuple[str, int]],
    total: tuple[int, int, bytes],
    side: Side,
    at: datetime,
    log: str,
) -> bytes:
    kind = kinds[a.fund_account_id]
    n, amount, root = total
    return json.dumps(
        {
            "type": f"{fund_kind(kind).entry_type}.{a.kind}",
            "journal": jid,
            "fund": kind,
            "reference": a.reference,
            "item": a.item,
            "fund_account": a.fund_account_id,
            "subject": a.subject,
            "booked_on": a.booked_on.isoformat(),
            "amount_fen": amount,
            "counter": {
                "account": counters[a.counter_account_id][0],
                "debit_fen": amount if side == "credit" else 0,
                "credit_fen": amount if side == "debit" else 0,
            },
            "lines": n,
            "lines_side": side,
            "lines_root": root.hex(),
            "at": at.isoformat(),
            **a.extra,
        },
        ensure_ascii=False,
        sort_keys=True,
    ).encode()


# ------------------------------------------------------------------------------------------ reading


class Movement(TypedDict):
    """A posting on one ledger account with its journal (a line of an account's statement)."""

    journal_id: int
    kind: str
    kind_label: str
    reference: str
    booked_on: date
    memo: str
    debit_fen: int
    credit_fen: int
    ledger_index: int | None
    allocation: bool  # the journal is an allocation (its lines are proved by line_proof)


def account_postings(conn: Connection, ledger_account_id: int, *, limit: int, offset: int) -> Page[Movement]:
    """The postings of one ledger account (oldest first), paginated (no scope: for callers that scoped
    the account's subject)."""
    p, j = fund_postings, fund_journals
    q = (
        select(
            j.c.id,
            j.c.kind,
            j.c.reference,
            j.c.booked_on,
            j.c.memo,
            j.c.ledger_index,
            j.c.lines,
            fund_accounts.c.kind.label("fund_kind"),
            p.c.debit_fen,
            p.c.credit_fen,
        )
        .join(j, j.c.id == p.c.journal_id)
        .join(fund_accounts, fund_accounts.c.id == j.c.fund_account_id)
        .where(p.c.ledger_account_id == ledger_account_id)
        .order_by(j.c.booked_on, j.c.id, p.c.id)
    )
    count = select(p.c.id).where(p.c.ledger_account_id == ledger_account_id)  # rows: fetch_page counts them

    def row(r: Any) -> Movement:
        return {
            "journal_id": int(r.id),
            "kind": r.kind,
            "kind_label": fund_kind(r.fund_kind).journal_kinds.get(r.kind, r.kind),
            "reference": r.reference,
            "booked_on": r.booked_on,
            "memo": r.memo,
            "debit_fen": int(r.debit_fen),
            "credit_fen": int(r.credit_fen),
            "ledger_index": r.ledger_index,
            "allocation": r.lines is not None,
        }

    return fetch_page(conn, q, limit=limit, offset=offset, row=row, count_stmt=count)


class LineProof(TypedDict):
    """A line of an allocation journal, proved twice: the line in the journal's ``lines_root``, the
    journal's entry in the log (both RFC 6962, checked by ``ledger/verify.py``)."""

    log: str
    algorithm: str
    size: int
    root: str
    journal_id: int
    index: int
    entry: str
    leaf_hash: str
    proof: list[str]
    line: str
    line_index: int
    lines: int
    lines_root: str
    line_proof: list[str]


def line_proof(conn: Connection, journal_id: int, ledger_account_id: int, size: int | None = None) -> LineProof:
    """The line of ``ledger_account_id`` in the allocation journal ``journal_id`` with both proofs."""
    j = fund_journals
    jr = conn.execute(
        select(j.c.id, j.c.ledger_index, j.c.lines, fund_accounts.c.kind)
        .join(fund_accounts, fund_accounts.c.id == j.c.fund_account_id)
        .where(j.c.id == journal_id)
    ).first()
    if jr is None or jr.ledger_index is None:
        raise NotFound("凭证不存在或尚未记入日志")
    if jr.lines is None:
        raise NotFound("该凭证不是分配凭证")
    log = fund_kind(jr.kind).log
    head = ledger.tree_head(conn, log, size)
    idx = int(jr.ledger_index)
    if idx >= head.size:
        raise NotFound("凭证不在该树的范围内")
    e = ledger.entry(conn, log, idx)
    data = json.loads(e.data)
    counter_code = data["counter"]["account"]
    algo = head.algorithm
    h = merkle.hasher(algo)
    p, la = fund_postings, fund_ledger_accounts
    rows = conn.execute(
        select(p.c.ledger_account_id, la.c.code, p.c.debit_fen, p.c.credit_fen)
        .join(la, la.c.id == p.c.ledger_account_id)
        .where(p.c.journal_id == journal_id, la.c.code != counter_code)
        .order_by(p.c.ledger_account_id, p.c.id)
    ).all()
    datas = [line_bytes(r.code, r.debit_fen, r.credit_fen) for r in rows]
    at = next((i for i, r in enumerate(rows) if int(r.ledger_account_id) == ledger_account_id), None)
    if at is None:
        raise NotFound("该科目不在该分配凭证中")
    leaves = [h(b"\x00" + d) for d in datas]
    lp = ledger.inclusion_proof(conn, log, idx, head.size)
    return {
        "log": log,
        "algorithm": algo,
        "size": head.size,
        "root": head.root,
        "journal_id": journal_id,
        "index": idx,
        "entry": e.data.decode("utf-8"),
        "leaf_hash": lp.leaf_hash.hex(),
        "proof": [x.hex() for x in lp.proof],
        "line": datas[at].decode("utf-8"),
        "line_index": at,
        "lines": len(datas),
        "lines_root": data["lines_root"],
        "line_proof": [x.hex() for x in merkle.inclusion_proof(leaves, at, len(leaves), algo)],
    }


def line_proofs(
    conn: Connection, ledger_account_id: int, journal_ids: Sequence[int], size: int | None = None
) -> dict[int, LineProof]:
    """:func:`line_proof` of one ledger account's lines in many allocation journals at once (a statement):
    one tree head, the entries and their inclusion proofs in batches, the journals' lines in one query
    per chunk. Journals that are not logged allocations within the tree are absent."""
    j = fund_journals
    rows = conn.execute(
        select(j.c.id, j.c.ledger_index, j.c.lines, fund_accounts.c.kind)
        .join(fund_accounts, fund_accounts.c.id == j.c.fund_account_id)
        .where(j.c.id.in_(list(journal_ids)), j.c.ledger_index.is_not(None), j.c.lines.is_not(None))
    ).all()
    by_log: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        by_log[fund_kind(r.kind).log].append(r)
    out: dict[int, LineProof] = {}
    p, la = fund_postings, fund_ledger_accounts
    for log, logged in by_log.items():
        head = ledger.tree_head(conn, log, size)
        jrs = [r for r in logged if int(r.ledger_index) < head.size]
        idxs = [int(r.ledger_index) for r in jrs]
        es = ledger.entries(conn, log, idxs)
        lps = ledger.inclusion_proofs(conn, log, idxs, head.size)
        h = merkle.hasher(head.algorithm)
        lines: dict[int, list[Any]] = defaultdict(list)
        for chunk in _chunks([int(r.id) for r in jrs]):
            q = (
                select(p.c.journal_id, p.c.ledger_account_id, la.c.code, p.c.debit_fen, p.c.credit_fen)
                .join(la, la.c.id == p.c.ledger_account_id)
                .where(p.c.journal_id.in_(chunk))
                .order_by(p.c.journal_id, p.c.ledger_account_id, p.c.id)
            )
            for x in conn.execute(q):
                lines[int(x.journal_id)].append(x)
        for r, e, lp in zip(jrs, es, lps, strict=True):
            data = json.loads(e.data)
            counter_code = data["counter"]["account"]
            mine = [x for x in lines[int(r.id)] if x.code != counter_code]
            datas = [line_bytes(x.code, x.debit_fen, x.credit_fen) for x in mine]
            at = next((i for i, x in enumerate(mine) if int(x.ledger_account_id) == ledger_account_id), None)
            if at is None:
                continue
            leaves = [h(b"\x00" + d) for d in datas]
            out[int(r.id)] = {
                "log": log,
                "algorithm": head.algorithm,
                "size": head.size,
                "root": head.root,
                "journal_id": int(r.id),
                "index": int(r.ledger_index),
                "entry": e.data.decode("utf-8"),
                "leaf_hash": lp.leaf_hash.hex(),
                "proof": [x.hex() for x in lp.proof],
                "line": datas[at].decode("utf-8"),
                "line_index": at,
                "lines": len(datas),
                "lines_root": data["lines_root"],
                "line_proof": [x.hex() for x in merkle.inclusion_proof(leaves, at, len(leaves), head.algorithm)],
            }
    return out
