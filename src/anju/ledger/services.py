"""Use cases of the verifiable log: plain functions taking a Connection (the caller's transaction).

Appending computes every new leaf and subtree hash in memory from the log's right frontier, which
the log's row keeps (``frontier`` of ``frontier_size``; folded from stored subtrees by one query when
it does not match the size), and writes them with plain INSERTs, or with
:func:`anju.core.dialect.bulk_insert` (COPY on PostgreSQL) for large batches. Proofs and
roots are folds of stored complete subtrees: one query of O(log n) primary-key look-ups.

Appenders of one log are serialised by their first statement, ``UPDATE ledger_logs SET size = size
+ n … RETURNING``: PostgreSQL holds that row's lock until commit (a second appender waits, then
sees the new size), and SQLite holds the database's write lock. So indexes are never taken twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Connection, Engine, Row, and_, bindparam, insert, select, update

from anju.core import clock
from anju.core.db import StagedLists, stage_of
from anju.core.dialect import after_bulk_load as after_bulk_load_of
from anju.core.dialect import bulk_insert, lock_rows, subtree_hashes
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.ledger import domain, merkle
from anju.ledger.domain import ConsistencyProof, Entry, InclusionProof, Log
from anju.ledger.heads import SignedTreeHead, Signer, TreeHead, sign
from anju.ledger.tables import heads, leaves, logs, nodes

#: Appends of at most this many entries use plain INSERTs; larger ones COPY (PostgreSQL).
SMALL_APPEND = 64
LEAF_COLUMNS = ("log_id", "leaf_index", "leaf_hash", "data")
NODE_COLUMNS = ("log_id", "level", "node_index", "hash")

# Statements of the append path, built once: building and cache-keying a statement costs more than
# executing it on SQLite.
_APPEND = (
    update(logs)
    .where(logs.c.name == bindparam("log_name"))
    .values(size=logs.c.size + bindparam("n", type_=BigInteger))
    .returning(logs.c.id, logs.c.algorithm, logs.c.size, logs.c.frontier, logs.c.frontier_size)
)
_FRONTIER = (
    update(logs)
    .where(logs.c.id == bindparam("log_id"))
    .values(size=bindparam("at_size"), frontier=bindparam("hashes"), frontier_size=bindparam("at_size"))
)
_LEAF = insert(leaves)
_NODE = insert(nodes)


def create_log(conn: Connection, name: str, algorithm: str = "sha256") -> Log:
    """A new, empty log. Its hash algorithm can never change."""
    if not domain.LOG_NAME.match(name):
        raise ValidationError.of("name", "日志名须以小写字母开头，只含小写字母、数字和下划线，最长 40 个字符")
    if algorithm not in merkle.ALGORITHMS:
        raise ValidationError.of("algorithm", f"不支持的哈希算法 {algorithm!r}，可选：{'、'.join(merkle.ALGORITHMS)}")
    if conn.execute(select(logs.c.id).where(logs.c.name == name)).first() is not None:
        raise Conflict(f"日志 {name} 已存在")
    now = clock.now()
    log_id = conn.execute(
        insert(logs).values(name=name, algorithm=algorithm, size=0, created_at=now).returning(logs.c.id)
    ).scalar_one()
    return Log(int(log_id), name, algorithm, 0, now)


def _log_of(row: Row[Any, Any, Any, Any, Any]) -> Log:
    return Log(int(row.id), row.name, row.algorithm, int(row.size), row.created_at)


def get_log(conn: Connection, name: str) -> Log:
    _settled(conn)
    row = conn.execute(
        select(logs.c.id, logs.c.name, logs.c.algorithm, logs.c.size, logs.c.created_at).where(logs.c.name == name)
    ).first()
    if row is None:
        raise NotFound(f"日志 {name} 不存在")
    return _log_of(row)


def list_logs(conn: Connection) -> list[Log]:
    _settled(conn)
    rows = conn.execute(
        select(logs.c.id, logs.c.name, logs.c.algorithm, logs.c.size, logs.c.created_at).order_by(logs.c.name)
    )
    return [_log_of(r) for r in rows]


def _hashes(conn: Connection, log_id: int, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """Stored hashes of complete subtrees ``(level, index)``: leaves for level 0, nodes above. One query."""
    wanted = set(keys)
    if not wanted:
        return {}
    by_level: dict[int, list[int]] = {}
    for lvl, i in wanted:
        by_level.setdefault(lvl, []).append(i)
    found = {(lvl, i): h for lvl, i, h in subtree_hashes(conn, leaves, nodes, log_id, by_level)}
    if len(found) != len(wanted):  # pragma: no cover - only a damaged store gets here
        raise RuntimeError(f"ledger store is missing subtrees {sorted(wanted - set(found))[:5]} of log {log_id}")
    return found


def append(conn: Connection, log: str, entries: Sequence[bytes]) -> int:
    """Appends entries in order; returns the index of the first. One call is one batch.

    The caller's transaction makes the batch all-or-nothing; keep it short, since it holds the
    log's append lock until commit. In a group commit's transaction (``core.db.stage_of``) the log
    is locked and read at the group's first append, and every job's entries are written as one
    batch before the commit (``_StagedAppends``).
    """
    if not entries:
        raise ValidationError.of("entries", "至少需要一条记录")
    for i, e in enumerate(entries):
        if not isinstance(e, bytes | bytearray | memoryview):
            raise ValidationError.of(f"entries[{i}]", "记录必须是字节串")
        if len(e) > domain.MAX_ENTRY_BYTES:
            raise ValidationError.of(f"entries[{i}]", f"记录超过 {domain.MAX_ENTRY_BYTES} 字节")
    data = [bytes(e) for e in entries]
    stage = stage_of(conn)
    if stage is not None:
        staged = stage.item(_STAGE_KEY, _StagedAppends)
        if log not in staged.locked:
            staged.locked[log] = _lock(conn, log, 0)
        return staged.locked[log][2] + staged.add(log, data)
    log_id, algorithm, first, frontier = _lock(conn, log, len(data))
    _write(conn, log_id, algorithm, first, frontier, data)
    return first


def lock_log(conn: Connection, log: str) -> None:
    """Take the log's row lock until the caller's transaction ends, before appending: a writer whose
    work must not run twice at once (a retention run appended to the log) serialises on it."""
    if not lock_rows(conn, logs, logs.c.name == log):
        raise NotFound(f"日志 {log} 不存在")


def _lock(conn: Connection, log: str, n: int) -> tuple[int, str, int, list[bytes]]:
    """Take the log's append lock, counting ``n`` new entries: (id, algorithm, size before, frontier)."""
    row = conn.execute(_APPEND, {"log_name": log, "n": n}).first()
    if row is None:
        raise NotFound(f"日志 {log} 不存在")
    log_id, algorithm, first = int(row.id), str(row.algorithm), int(row.size) - n
    frontier = _stored_frontier(row, first)
    if frontier is None:
        pieces = merkle.subtrees(0, first) if first else []
        stored = _hashes(conn, log_id, pieces)
        frontier = [stored[p] for p in pieces]
    return log_id, algorithm, first, frontier


def _write(conn: Connection, log_id: int, algorithm: str, first: int, frontier: list[bytes], data: list[bytes]) -> None:
    """Write the leaves from ``first``, the subtrees they complete, and the log's size and frontier."""
    lh = merkle.hasher(algorithm)
    leaf_hashes = [lh(b"\x00" + d) for d in data]
    new_frontier, new_nodes = merkle.extend(frontier, first, leaf_hashes, algorithm)
    leaf_rows = [(log_id, first + i, h, d) for i, (h, d) in enumerate(zip(leaf_hashes, data, strict=True))]
    node_rows = [(log_id, lvl, i, h) for lvl, i, h in new_nodes]
    if len(data) <= SMALL_APPEND:  # an ordinary append: plain statements (COPY costs more round trips for a few rows)
        conn.execute(_LEAF, [dict(zip(LEAF_COLUMNS, r, strict=True)) for r in leaf_rows])
        if node_rows:
            conn.execute(_NODE, [dict(zip(NODE_COLUMNS, r, strict=True)) for r in node_rows])
    else:
        bulk_insert(conn, leaves, LEAF_COLUMNS, leaf_rows)
        if node_rows:
            bulk_insert(conn, nodes, NODE_COLUMNS, node_rows)
    size = first + len(data)
    conn.execute(_FRONTIER, {"log_id": log_id, "hashes": b"".join(new_frontier), "at_size": size})


_STAGE_KEY = "anju.ledger.appends"


class _StagedAppends(StagedLists[str, bytes]):
    """A group commit's appends, per log: written in one batch per log before the commit."""

    def __init__(self) -> None:
        super().__init__()
        #: per log, what ``_lock`` read when the group's first append locked it (id, algorithm, size, frontier)
        self.locked: dict[str, tuple[int, str, int, list[bytes]]] = {}

    def reset(self, mark: object) -> None:
        super().reset(mark)
        for name in list(self.locked):  # a log the failed job locked first: its savepoint released it
            if name not in self.lists:
                del self.locked[name]

    def flush(self, conn: Connection) -> None:
        for name, data in self.lists.items():
            if data:
                _write(conn, *self.locked[name], data)
        self.lists.clear()
        self.locked.clear()


def _settled(conn: Connection) -> None:
    """Write this transaction's staged appends before reading a log (a group commit's job that reads)."""
    stage = stage_of(conn)
    if stage is not None:
        stage.flush_item(_STAGE_KEY, conn)


def _stored_frontier(row: Any, size: int) -> list[bytes] | None:
    """The right frontier kept on the log's row, if it is the frontier of ``size`` (else None: the
    caller folds it from the stored subtrees, as for a log written before the frontier was kept)."""
    if row.frontier is None or row.frontier_size != size:
        return None
    count = size.bit_count()
    blob = bytes(row.frontier)
    if count == 0:
        return [] if not blob else None
    width, rest = divmod(len(blob), count)
    if rest:
        return None
    return [blob[i * width : (i + 1) * width] for i in range(count)]


def after_bulk_load(engine: Engine) -> None:
    """Call after appending very many entries at once (an import, a benchmark), outside the load's
    transaction: on PostgreSQL it vacuums and analyses the leaves and subtree hashes (2–3.5 s at 10 M
    entries) so that proofs served next do not write pages nor compete with a later autovacuum.
    Ordinary appends need nothing."""
    after_bulk_load_of(engine, (leaves, nodes))


def _size(log: Log, size: int | None, field: str = "size") -> int:
    if size is None:
        return log.size
    if size < 0:
        raise ValidationError.of(field, "树的大小不能为负数")
    if size > log.size:
        raise ValidationError.of(field, f"树的大小 {size} 超过日志当前大小 {log.size}")
    return size


def _root(conn: Connection, log: Log, size: int) -> bytes:
    if size == 0:
        return merkle.empty_root(log.algorithm)
    pieces = merkle.subtrees(0, size)
    got = _hashes(conn, log.id, pieces)
    return merkle.fold([got[p] for p in pieces], log.algorithm)


def tree_head(conn: Connection, log: str, size: int | None = None) -> TreeHead:
    """The (unsigned) tree head of the log at ``size`` (default: now), stamped with the current time."""
    lg = get_log(conn, log)
    n = _size(lg, size)
    now = clock.now()
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    return TreeHead(lg.name, lg.algorithm, n, _root(conn, lg, n).hex(), now)


def sign_head(conn: Connection, log: str, signer: Signer) -> SignedTreeHead:
    """Signs the log's current tree head and records it in the log's history of heads."""
    lg = get_log(conn, log)
    head = tree_head(conn, log)
    sth = sign(head, signer)
    conn.execute(
        insert(heads).values(
            log_id=lg.id,
            tree_size=head.size,
            root=head.root,
            signed_at=head.timestamp,
            signature_algorithm=sth.signature_algorithm,
            public_key=sth.public_key,
            signature=sth.signature,
        )
    )
    return sth


def latest_signed_head(conn: Connection, log: str) -> SignedTreeHead | None:
    lg = get_log(conn, log)
    row = conn.execute(
        select(heads).where(heads.c.log_id == lg.id).order_by(heads.c.tree_size.desc(), heads.c.id.desc()).limit(1)
    ).first()
    if row is None:
        return None
    m = row._mapping
    head = TreeHead(lg.name, lg.algorithm, int(m["tree_size"]), m["root"], m["signed_at"])
    return SignedTreeHead(head, m["signature_algorithm"], m["public_key"], m["signature"])


def current_signed_head(conn: Connection, log: str, signer: Signer) -> SignedTreeHead:
    """The latest signed head if it covers the whole log and carries the signer's key, else a new one."""
    lg = get_log(conn, log)
    latest = latest_signed_head(conn, log)
    if latest is not None and latest.head.size == lg.size and latest.public_key == signer.public_key_hex:
        return latest
    return sign_head(conn, log, signer)


def inclusion_proof(conn: Connection, log: str, index: int, size: int | None = None) -> InclusionProof:
    """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1 (size defaults to the current size)."""
    lg = get_log(conn, log)
    n = _size(lg, size)
    if index < 0:
        raise ValidationError.of("index", "叶子序号不能为负数")
    if index >= n:
        raise ValidationError.of("index", f"叶子序号 {index} 必须小于树的大小 {n}")
    ranges = merkle.inclusion_ranges(index, n)
    plan = [merkle.subtrees(lo, hi) for lo, hi in ranges]
    root_pieces = merkle.subtrees(0, n)
    got = _hashes(conn, lg.id, [(0, index), *root_pieces, *(p for ps in plan for p in ps)])
    proof = [merkle.fold([got[p] for p in ps], lg.algorithm) for ps in plan]
    root = merkle.fold([got[p] for p in root_pieces], lg.algorithm)
    return InclusionProof(lg.name, lg.algorithm, index, n, got[0, index], root, proof)


#: Set-wise reads take at most this many leaves per query (a proof needs O(log n) subtrees each).
MANY_CHUNK = 256


def inclusion_proofs(
    conn: Connection, log: str, indexes: Sequence[int], size: int | None = None
) -> list[InclusionProof]:
    """:func:`inclusion_proof` of many leaves at once, in the order asked: the union of the subtrees
    they need is read with one query per :data:`MANY_CHUNK` leaves (shared nodes read once)."""
    lg = get_log(conn, log)
    n = _size(lg, size)
    for i, index in enumerate(indexes):
        if not 0 <= index < n:
            raise ValidationError.of(f"indexes[{i}]", f"叶子序号 {index} 应在 0 到 {n - 1} 之间")
    root_pieces = merkle.subtrees(0, n) if n else []
    out: list[InclusionProof] = []
    root: bytes | None = None
    for lo in range(0, len(indexes), MANY_CHUNK):
        chunk = indexes[lo : lo + MANY_CHUNK]
        plans = {i: [merkle.subtrees(a, b) for a, b in merkle.inclusion_ranges(i, n)] for i in chunk}
        wanted = {(0, i) for i in chunk} | {p for ps in plans.values() for pp in ps for p in pp}
        if root is None:
            wanted |= set(root_pieces)
        got = _hashes(conn, lg.id, wanted)
        if root is None:
            root = merkle.fold([got[p] for p in root_pieces], lg.algorithm)
        for i in chunk:
            proof = [merkle.fold([got[p] for p in ps], lg.algorithm) for ps in plans[i]]
            out.append(InclusionProof(lg.name, lg.algorithm, i, n, got[0, i], root, proof))
    return out


def entries(conn: Connection, log: str, indexes: Sequence[int]) -> list[Entry]:
    """:func:`entry` of many leaves at once, in the order asked (one query per :data:`MANY_CHUNK`);
    :class:`~anju.ledger.domain.EntryTampered` when any entry no longer hashes to its leaf hash."""
    lg = get_log(conn, log)
    found: dict[int, tuple[bytes, bytes]] = {}
    wanted = sorted(set(indexes))
    for lo in range(0, len(wanted), MANY_CHUNK):
        chunk = wanted[lo : lo + MANY_CHUNK]
        q = select(leaves.c.leaf_index, leaves.c.leaf_hash, leaves.c.data).where(
            leaves.c.log_id == lg.id, leaves.c.leaf_index.in_(chunk)
        )
        found |= {int(i): (bytes(h), bytes(d)) for i, h, d in conn.execute(q)}
    out: list[Entry] = []
    for index in indexes:
        if index not in found:
            raise NotFound(f"日志 {log} 中没有序号为 {index} 的记录（日志大小 {lg.size}）")
        leaf_hash, data = found[index]
        if merkle.leaf_hash(data, lg.algorithm) != leaf_hash:
            raise domain.EntryTampered(
                f"日志 {log} 第 {index} 条记录的内容与其叶子哈希不一致：记录或叶子哈希已被改动，不能作为有效记录提供"
                f"（请运行 anju ledger check {log}）"
            )
        out.append(Entry(lg.name, index, leaf_hash, data))
    return out


def consistency_proof(conn: Connection, log: str, old_size: int, size: int | None = None) -> ConsistencyProof:
    """PROOF(old_size, D[0:size]) of RFC 9162 §2.1.4.1 (size defaults to the current size)."""
    lg = get_log(conn, log)
    n = _size(lg, size)
    if old_size < 0:
        raise ValidationError.of("old_size", "树的大小不能为负数")
    if old_size > n:
        raise ValidationError.of("old_size", f"旧树的大小 {old_size} 不能大于新树的大小 {n}")
    plan = [merkle.subtrees(lo, hi) for lo, hi in merkle.consistency_ranges(old_size, n)]
    old_pieces = merkle.subtrees(0, old_size) if old_size else []
    new_pieces = merkle.subtrees(0, n) if n else []
    got = _hashes(conn, lg.id, [*old_pieces, *new_pieces, *(p for ps in plan for p in ps)])
    empty = merkle.empty_root(lg.algorithm)
    old_root = merkle.fold([got[p] for p in old_pieces], lg.algorithm) if old_pieces else empty
    root = merkle.fold([got[p] for p in new_pieces], lg.algorithm) if new_pieces else empty
    proof = [merkle.fold([got[p] for p in ps], lg.algorithm) for ps in plan]
    return ConsistencyProof(lg.name, lg.algorithm, old_size, n, old_root, root, proof)


def entry(conn: Connection, log: str, index: int) -> Entry:
    """The entry at ``index``; :class:`~anju.ledger.domain.EntryTampered` when its data no longer
    hashes to its stored leaf hash."""
    lg = get_log(conn, log)
    row = conn.execute(
        select(leaves.c.leaf_hash, leaves.c.data).where(and_(leaves.c.log_id == lg.id, leaves.c.leaf_index == index))
    ).first()
    if row is None:
        raise NotFound(f"日志 {log} 中没有序号为 {index} 的记录（日志大小 {lg.size}）")
    leaf_hash, data = bytes(row[0]), bytes(row[1])
    if merkle.leaf_hash(data, lg.algorithm) != leaf_hash:
        raise domain.EntryTampered(
            f"日志 {log} 第 {index} 条记录的内容与其叶子哈希不一致：记录或叶子哈希已被改动，不能作为有效记录提供"
            f"（请运行 anju ledger check {log}）"
        )
    return Entry(lg.name, index, leaf_hash, data)
