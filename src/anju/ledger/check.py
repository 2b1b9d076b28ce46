"""Checking a stored log end to end, trusting nothing the database says about itself.

:func:`check_log` streams the log's leaves in batches (one query per batch, in leaf order) and

1. recomputes every leaf hash ``H(0x00 ‖ data)`` from the stored data and compares it with the
   stored leaf hash (a rewritten entry, or a rewritten leaf hash, is found here);
2. rebuilds the tree from the recomputed leaf hashes with :func:`anju.ledger.merkle.extend` (the
   same code appends use) and compares every complete subtree it produces with ``ledger_nodes``
   (one query per batch: for each level, the index range the batch completes);
3. compares every recorded tree head with the root of the recomputed tree at the head's size (so the
   heads are consistent with each other and with the data: the log was only appended to), checks
   the signature of every head signed with the trusted public key — the latest head must be one of
   them — and compares the log row's stored right frontier with the recomputed one.

Memory is one batch plus O(log n) hashes. The answer lists the problems found (at most
:data:`MAX_PROBLEMS`, with the total count); ``ok`` when there are none.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, or_, select

from anju.core.errors import NotFound
from anju.ledger import merkle
from anju.ledger.heads import SignedTreeHead, TreeHead
from anju.ledger.services import _stored_frontier
from anju.ledger.tables import heads, leaves, logs, nodes
from anju.ledger.verify import check_head

#: Leaves read per query.
BATCH = 5000
TAMPERED_LEAF = "记录内容与存储的叶子哈希不一致：H(0x00‖记录) ≠ 叶子哈希（记录或叶子哈希被改动）"
#: Problems kept in the answer (the count goes on).
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """One thing that does not match: ``kind`` is ``leaf``, ``node``, ``head``, ``signature`` or
    ``frontier``; ``where`` names the row (leaf index, ``level/index``, head size); ``reason`` is Chinese."""

    kind: str
    where: str
    reason: str


@dataclass
class LogCheck:
    log: str
    algorithm: str
    size: int
    leaves_checked: int = 0
    nodes_checked: int = 0
    heads_checked: int = 0
    signatures_checked: int = 0
    latest_head_size: int | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def add(self, kind: str, where: object, reason: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(kind, str(where), reason))

    def lines(self) -> list[str]:
        """The problems, one Chinese line each (and how many were left out)."""
        out = [f"日志 {self.log}：{p.kind} {p.where}：{p.reason}" for p in self.problems]
        if self.problem_count > len(self.problems):
            out.append(f"……共 {self.problem_count} 处问题，只列出前 {len(self.problems)} 处")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "log": self.log,
            "algorithm": self.algorithm,
            "size": self.size,
            "ok": self.ok,
            "leaves_checked": self.leaves_checked,
            "nodes_checked": self.nodes_checked,
            "heads_checked": self.heads_checked,
            "signatures_checked": self.signatures_checked,
            "latest_head_size": self.latest_head_size,
            "problem_count": self.problem_count,
            "problems": [{"kind": p.kind, "where": p.where, "reason": p.reason} for p in self.problems],
        }


def _recorded_heads(conn: Connection, log_id: int, name: str, algorithm: str) -> list[SignedTreeHead]:
    rows = conn.execute(select(heads).where(heads.c.log_id == log_id).order_by(heads.c.tree_size, heads.c.id))
    out = []
    for r in rows:
        m = r._mapping
        head = TreeHead(name, algorithm, int(m["tree_size"]), str(m["root"]), m["signed_at"])
        out.append(SignedTreeHead(head, m["signature_algorithm"], m["public_key"], m["signature"]))
    return out


def _stored_nodes(conn: Connection, log_id: int, lo: int, hi: int) -> dict[tuple[int, int], bytes]:
    """The stored subtrees of level ≥ 1 that leaves ``[lo, hi)`` complete: at level L, indexes
    ``lo >> L`` … ``(hi >> L) - 1``. One query."""
    ranges = []
    level = 1
    while (hi >> level) - 1 >= lo >> level:
        ranges.append(
            and_(nodes.c.level == level, nodes.c.node_index >= lo >> level, nodes.c.node_index <= (hi >> level) - 1)
        )
        level += 1
    if not ranges:
        return {}
    rows = conn.execute(
        select(nodes.c.level, nodes.c.node_index, nodes.c.hash).where(nodes.c.log_id == log_id, or_(*ranges))
    )
    return {(int(lvl), int(i)): bytes(h) for lvl, i, h in rows}


class _Tree:
    """The tree recomputed from the data, with the roots at the recorded heads' sizes."""

    def __init__(self, algorithm: str, head_sizes: Sequence[int]) -> None:
        self.algorithm = algorithm
        self.frontier: list[bytes] = []
        self.size = 0
        self.sizes = sorted(set(head_sizes))
        self.roots: dict[int, bytes] = {0: merkle.empty_root(algorithm)} if 0 in self.sizes else {}

    def extend(self, leaf_hashes: list[bytes]) -> list[tuple[int, int, bytes]]:
        made: list[tuple[int, int, bytes]] = []
        start = 0
        while start < len(leaf_hashes):
            # stop at the next recorded head's size, to take the root there
            k = bisect_right(self.sizes, self.size)
            stop = len(leaf_hashes)
            if k < len(self.sizes):
                stop = min(stop, start + self.sizes[k] - self.size)
            self.frontier, new = merkle.extend(self.frontier, self.size, leaf_hashes[start:stop], self.algorithm)
            made.extend(new)
            self.size += stop - start
            start = stop
            if self.size in self.sizes:
                self.roots[self.size] = merkle.fold(self.frontier, self.algorithm)
        return made


def check_log(
    conn: Connection,
    log: str,
    public_key_hex: str | None,
    *,
    on_leaf: Callable[[int, bytes], None] | None = None,
    batch: int = BATCH,
) -> LogCheck:
    """Check the log ``log`` (see the module's doc). ``public_key_hex`` is the key the verifier trusts
    (None: no key, which is itself a problem when the log has heads to check). ``on_leaf(index, data)``
    sees every entry's data, in order, as it is checked — so a caller can read the entries in the same
    pass (their validity is the answer's ``ok``)."""
    row = conn.execute(select(logs).where(logs.c.name == log)).first()
    if row is None:
        raise NotFound(f"日志 {log} 不存在")
    # heads before the size: a head recorded meanwhile has a size the log already had
    recorded = _recorded_heads(conn, int(row.id), log, str(row.algorithm))
    row = conn.execute(select(logs).where(logs.c.id == row.id)).one()
    log_id, algorithm, size = int(row.id), str(row.algorithm), int(row.size)
    report = LogCheck(log, algorithm, size)
    lh = merkle.hasher(algorithm)
    tree = _Tree(algorithm, [h.head.size for h in recorded if h.head.size <= size])
    complete = True
    for lo in range(0, size, batch):
        hi = min(size, lo + batch)
        got = conn.execute(
            select(leaves.c.leaf_index, leaves.c.leaf_hash, leaves.c.data)
            .where(leaves.c.log_id == log_id, leaves.c.leaf_index >= lo, leaves.c.leaf_index < hi)
            .order_by(leaves.c.leaf_index)
        ).all()
        if [int(r[0]) for r in got] != list(range(lo, hi)):
            have = {int(r[0]) for r in got}
            missing = [i for i in range(lo, hi) if i not in have]
            report.add("leaf", missing[0], f"缺少叶子（本批 {lo}–{hi - 1} 中缺 {len(missing)} 个）；无法重算此后的树")
            complete = False
            break
        hashes = []
        for index, stored, raw in got:
            data = bytes(raw)
            h = lh(b"\x00" + data)
            if h != bytes(stored):
                report.add("leaf", index, TAMPERED_LEAF)
            hashes.append(h)
            if on_leaf is not None:
                on_leaf(int(index), data)
        report.leaves_checked += len(got)
        made = tree.extend(hashes)
        stored_nodes = _stored_nodes(conn, log_id, lo, hi)
        for level, i, h in made:
            s = stored_nodes.get((level, i))
            if s is None:
                report.add("node", f"{level}/{i}", "缺少存储的子树哈希")
            elif s != h:
                report.add("node", f"{level}/{i}", "存储的子树哈希与由叶子重算的不一致")
        report.nodes_checked += len(made)
    if complete:
        _check_frontier(report, row, tree)
    _check_heads(report, recorded, tree.roots if complete else None, public_key_hex)
    return report


def _check_frontier(report: LogCheck, row: object, tree: _Tree) -> None:
    stored = _stored_frontier(row, report.size)
    if stored is not None and stored != tree.frontier:
        report.add("frontier", report.size, "日志行上存储的右边界与由叶子重算的不一致（此后的追加会算错）")


def _check_heads(
    report: LogCheck, recorded: list[SignedTreeHead], roots: dict[int, bytes] | None, public_key_hex: str | None
) -> None:
    if not recorded:
        if report.size:
            report.add("head", "-", "没有已记录的签名树头：无法用公钥确认树根")
        return
    latest = recorded[-1]
    report.latest_head_size = latest.head.size
    for sth in recorded:
        n = sth.head.size
        report.heads_checked += 1
        if n > report.size:
            report.add("head", n, f"树头的大小 {n} 超过日志大小 {report.size}")
        elif roots is not None and roots[n].hex() != sth.head.root:
            report.add("head", n, "树头的根哈希与由记录重算的树根不一致（树头被改动，或日志被改写）")
        if public_key_hex is not None and (sth is latest or sth.public_key == public_key_hex):
            reason = check_head(sth.as_dict(), public_key_hex)
            report.signatures_checked += 1
            if reason is not None:
                report.add("signature", n, reason)
    if public_key_hex is None:
        report.add("signature", latest.head.size, "未提供可信公钥，无法检查树头签名")
