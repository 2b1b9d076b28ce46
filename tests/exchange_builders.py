"""A test-only feed (``test.people``) with its own table and handler, for the exchange's tests: the
exchange receives it like any context's feed (``load_feed`` accepts a definition directly)."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy import BigInteger, Column, Connection, Engine, Integer, MetaData, String, Table, insert

from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection
from anju.security import keyring_from_settings

meta = MetaData()
people_rows = Table(
    "test_feed_people",
    meta,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("person_no", String(40), nullable=False),
    Column("id_bidx", String(64), nullable=False),
    Column("name", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("batch_id", BigInteger, nullable=False),
)

PEOPLE = FeedDefinition(
    dataset="test.people",
    title="测试人员（合成）",
    source="测试部门",
    fields=(
        FeedField("person_no", "人员编号", max_length=40),
        FeedField("id_number", "身份证号", kind="id_number", personal=True),
        FeedField("name", "姓名", personal=True, max_length=60),
        FeedField("version", "版本", kind="int", minimum=1),
        FeedField("as_of", "数据日期", kind="date", required=False),
    ),
    key=("person_no",),
    handler="tests.exchange_builders:handle_people",
    order_by="version",
    as_of="as_of",
)


def handle_people(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Applies every record except those named 拒绝 (a business rule refusing them)."""
    kr = keyring_from_settings(ctx.settings)
    refused = [Rejection(r.seq, "name", "姓名：业务规则拒绝") for r in records if r.values["name"] == "拒绝"]
    bad = {r.seq for r in refused}
    rows = [
        {
            "person_no": r.values["person_no"],
            "id_bidx": kr.blind_index(str(r.values["id_number"]), "test"),
            "name": r.values["name"],
            "version": r.values["version"],
            "batch_id": ctx.batch_id,
        }
        for r in records
        if r.seq not in bad
    ]
    if rows:
        conn.execute(insert(people_rows), rows)
    return refused


def create_people_table(engine: Engine) -> None:
    meta.create_all(engine)


def person(
    no: str, version: int = 1, name: str = "张三", id_number: str = "11010519491231002X", **extra: object
) -> dict[str, object]:
    return {"person_no": no, "id_number": id_number, "name": name, "version": str(version), **extra}


#: Chunks seen by :func:`handle_people_then_fail` (a test resets it).
CALLS: list[int] = []


def handle_people_then_fail(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Applies the first chunk, then fails (a bug in the owning context's handler)."""
    CALLS.append(len(records))
    if len(CALLS) == 2:
        raise RuntimeError("handler bug")
    return handle_people(conn, records, ctx)


def handle_people_slowly(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    """Applies a chunk, then (after the first) says so in the file ``ANJU_TEST_SIGNAL`` names and waits:
    the fault test kills the process there, mid-batch."""
    out = handle_people(conn, records, ctx)
    signal = os.environ.get("ANJU_TEST_SIGNAL")
    if signal:
        Path(signal).write_text(str(ctx.batch_id))
        time.sleep(120)
    return out
