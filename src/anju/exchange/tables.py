"""The exchange's tables: feed batches, their records' keys and the dead-letter list, the outbox and
its deliveries, the catalogue's quality measures and retention runs (each added with its capability)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, Index, Integer, String, Table, Text

from anju.core.types import IdType, UTCDateTime, metadata

# Retention runs (数据保留执行记录): one row per run of the rules, dry or applied, with its counts per rule;
# an applied run is also an entry of the verifiable log "exchange" (``ledger_index``).
exchange_retention_runs = Table(
    "exchange_retention_runs",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("mode", String(8), nullable=False),  # dry_run | apply
    Column("as_of", Date, nullable=False),  # the local day the rules' ages are counted from
    Column("actor", String(40), nullable=False),  # username, or system:<job>
    Column("actor_account_id", IdType, nullable=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("counts", Text, nullable=False),  # JSON: per rule, its dataset, action, cut-off day and count
    Column("total", Integer, nullable=False),
    Column("ledger_index", BigInteger, nullable=True),  # its leaf in the verifiable log "exchange" (applied runs)
    Index("ix_exchange_retention_runs_started", "started_at"),
)
