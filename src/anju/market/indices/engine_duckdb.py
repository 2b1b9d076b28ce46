"""The DuckDB engine: the sales frame in an in-process DuckDB table, the aggregation SQL run on it.

The frame is streamed in (an Arrow record-batch reader: DuckDB copies it into its own columnar,
compressed storage batch by batch), so the whole frame never exists twice. ``threads`` and
``memory_limit`` bound what DuckDB uses (it spills to a temporary directory beyond the limit).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb
import pyarrow as pa

from anju.market.sales_frame import SCHEMA


class DuckDBEngine:
    name = "duckdb"

    def __init__(self, *, threads: int = 2, memory_limit: str = "2GB") -> None:
        self.con = duckdb.connect(":memory:", config={"threads": threads, "memory_limit": memory_limit})

    def load(self, batches: Iterable[pa.RecordBatch] | pa.Table) -> int:
        """Load the sales frame into the table ``sales``; returns its rows."""
        reader: Any
        reader = batches if isinstance(batches, pa.Table) else pa.RecordBatchReader.from_batches(SCHEMA, iter(batches))
        self.con.register("sales_in", reader)
        self.con.execute("CREATE OR REPLACE TABLE sales AS SELECT * FROM sales_in")
        self.con.unregister("sales_in")
        row = self.con.execute("SELECT COUNT(*) FROM sales").fetchone()
        return int(row[0]) if row else 0

    def query(self, sql: str) -> pa.Table:
        return self.con.execute(sql).to_arrow_table()

    def close(self) -> None:
        self.con.close()
