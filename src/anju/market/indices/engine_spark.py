"""The Spark engine: the sales frame as a Spark DataFrame (from the same Arrow batches), the same
aggregation SQL run by Spark SQL. For a province-sized data set on a cluster; local mode
(``local[2]``) in the tests and the bench. pyspark is imported only here, when the engine is chosen.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from typing import Any

import pyarrow as pa

from anju.market.sales_frame import SCHEMA


def local_session(partitions: int = 4, driver_memory: str = "2g") -> Any:
    """A local Spark session (``local[2]``, no UI, Arrow transfer on), made or reused. In local mode
    the driver holds the frame handed to it and the results collected, so its heap (``driver_memory``,
    fixed when the JVM starts) must fit them: ≈ 1 GB per 2 M sales."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("anju-market")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.default.parallelism", str(partitions))
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.local.dir", tempfile.gettempdir())
        .getOrCreate()
    )
    return session


class SparkEngine:
    name = "spark"

    def __init__(self, session: Any | None = None, *, partitions: int = 4, driver_memory: str = "2g") -> None:
        self.spark = session if session is not None else local_session(partitions, driver_memory)
        self.partitions = partitions

    def load(self, batches: Iterable[pa.RecordBatch] | pa.Table) -> int:
        table = batches if isinstance(batches, pa.Table) else pa.Table.from_batches(list(batches), SCHEMA)
        df = self.spark.createDataFrame(table).repartition(self.partitions, "home_id")
        df.createOrReplaceTempView("sales")
        return int(table.num_rows)

    def query(self, sql: str) -> pa.Table:
        result: pa.Table = self.spark.sql(sql).toArrow()
        return result

    def close(self) -> None:  # the session may be shared (tests): its owner stops it
        self.spark.catalog.dropTempView("sales")
