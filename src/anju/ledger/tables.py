"""Tables of the verifiable log.

- ``ledger_logs``: one row per log; ``size`` is the number of leaves and the row every append
  updates first, which serialises appenders of one log on both databases.
- ``ledger_leaves``: the entries, by ``(log_id, leaf_index)``: the leaf hash ``H(0x00 ‖ data)`` and
  the data itself.
- ``ledger_nodes``: the hash of every *complete* subtree of level ≥ 1 — the subtree at
  ``(level, node_index)`` covers leaves ``[node_index·2^level, (node_index+1)·2^level)``. About one
  row per leaf. Any root or proof is a fold of O(log n) of these (level 0 comes from the leaves).
- ``ledger_heads``: every signed tree head the log has published.

Rows are never updated (except ``ledger_logs.size`` and its frontier) nor deleted. Leaves and nodes are clustered by
their primary key on SQLite (``WITHOUT ROWID``), so a proof's look-ups are B-tree probes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    SmallInteger,
    String,
    Table,
)

from anju.core.types import IdType, UTCDateTime, metadata

logs = Table(
    "ledger_logs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("name", String(40), nullable=False, unique=True),
    Column("algorithm", String(16), nullable=False),  # sha256 | sm3, fixed at creation
    Column("size", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The right frontier (hashes of subtrees(0, frontier_size), concatenated) the last append left:
    # the next append extends it without reading subtrees. Ignored unless frontier_size == size.
    Column("frontier", LargeBinary, nullable=True),
    Column("frontier_size", BigInteger, nullable=True),
    CheckConstraint("size >= 0", name="size_not_negative"),
)

leaves = Table(
    "ledger_leaves",
    metadata,
    Column("log_id", IdType, ForeignKey("ledger_logs.id"), primary_key=True),
    Column("leaf_index", BigInteger, primary_key=True),
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
    sqlite_with_rowid=False,
)

nodes = Table(
    "ledger_nodes",
    metadata,
    Column("log_id", IdType, ForeignKey("ledger_logs.id"), primary_key=True),
    Column("level", SmallInteger, primary_key=True),
    Column("node_index", BigInteger, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
    sqlite_with_rowid=False,
)

heads = Table(
    "ledger_heads",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("log_id", IdType, ForeignKey("ledger_logs.id"), nullable=False),
    Column("tree_size", BigInteger, nullable=False),
    Column("root", String(64), nullable=False),  # lowercase hex
    Column("signed_at", UTCDateTime, nullable=False),
    Column("signature_algorithm", String(16), nullable=False),
    Column("public_key", String(128), nullable=False),  # hex
    Column("signature", String(256), nullable=False),  # hex
    Index("ix_ledger_heads_log", "log_id", "tree_size"),
)
