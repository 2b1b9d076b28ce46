"""One large batch of a department-style feed through the exchange's one intake (``load_feed``).

    python bench/feed_batch.py [--records 1000000] [--postgres postgresql://postgres@127.0.0.1:5432/anju_bench_feed]
    python bench/feed_batch.py --records 100000 --sqlite /tmp/feed_bench.db

A bench-only feed (``bench.people``: a person number as the key, a resident ID and a name — personal —,
a division code, a yuan amount, an as-of date) whose handler encrypts the ID and the name (SM4),
blind-indexes the ID (HMAC-SM3) and bulk-inserts its rows (COPY on PostgreSQL). The records are
generated as a stream (valid check digits; 0.1% with a bad one, which go to the dead-letter list), never
held whole. The clock runs from the first record to the commit: checks, content hashes, key look-ups,
the handler, accepted keys, dead letters, quality counts, the batch's audit row — one transaction.

Then the same batch is delivered again (every record a duplicate: idempotent re-delivery) and timed.
Reports records/s, the CPU seconds of this process, of the worker process that checks and hashes the
records ahead (``exchange_feed_workers``) and of the database's backends (PostgreSQL on this machine,
from /proc), and the peak RSS of this process and of the worker (``resource.getrusage``). Pass
``--workers 0`` to keep everything in this process. The PostgreSQL database is created fresh and dropped
at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from multiprocessing import forkserver
from pathlib import Path

from sqlalchemy import BigInteger, Column, Connection, Engine, LargeBinary, MetaData, String, Table, create_engine, text
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from anju.core import migrate
from anju.core.db import make_engine
from anju.core.dialect import bulk_insert
from anju.core.settings import Settings
from anju.exchange import BatchContext, FeedDefinition, FeedField, FeedRecord, Rejection, load_feed
from anju.security import Caller, keyring_from_settings

meta = MetaData()
bench_people = Table(
    "bench_feed_people",
    meta,
    Column("batch_id", BigInteger, nullable=False),
    Column("person_no", String(20), nullable=False),
    Column("id_bidx", String(64), nullable=False),
    Column("id_enc", LargeBinary, nullable=False),
    Column("name_enc", LargeBinary, nullable=False),
    Column("division", String(12), nullable=False),
    Column("amount_fen", BigInteger, nullable=False),
)

FEED = FeedDefinition(
    dataset="bench.people",
    title="基准测试人员（合成）",
    source="基准测试",
    fields=(
        FeedField("person_no", "人员编号", max_length=20),
        FeedField("id_number", "身份证号", kind="id_number", personal=True),
        FeedField("name", "姓名", personal=True, max_length=40),
        FeedField("division", "行政区划", kind="division"),
        FeedField("amount", "金额", kind="yuan"),
        FeedField("as_of", "数据日期", kind="date"),
    ),
    key=("person_no",),
    handler="feed_batch:handle",
    as_of="as_of",
)


def handle(conn: Connection, records: Sequence[FeedRecord], ctx: BatchContext) -> list[Rejection]:
    kr = ctx.keyring or keyring_from_settings(ctx.settings)
    id_index = kr.blind_indexer("id_number")
    rows = (
        (
            ctx.batch_id,
            r.values["person_no"],
            id_index(str(r.values["id_number"])),
            kr.encrypt(str(r.values["id_number"]), "bench_feed_people.id"),
            kr.encrypt(str(r.values["name"]), "bench_feed_people.name"),
            r.values["division"],
            r.values["amount"],
        )
        for r in records
    )
    bulk_insert(
        conn, bench_people, ["batch_id", "person_no", "id_bidx", "id_enc", "name_enc", "division", "amount_fen"], rows
    )
    return []


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def records(n: int, seed: int = 1) -> Iterator[dict[str, str]]:
    rnd = random.Random(seed)
    born = date(1985, 1, 1)
    for i in range(n):
        body = f"320102{(born + timedelta(days=rnd.randrange(9000))):%Y%m%d}{rnd.randrange(1000):03d}"
        check = ric.calc_check_digit(body + "0")
        if i % 1000 == 999:
            check = "0" if check != "0" else "1"  # a bad check digit: a dead letter
        yield {
            "person_no": f"B{i:09d}",
            "id_number": body + check,
            "name": rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN),
            "division": "320102",
            "amount": f"{rnd.randrange(100000)}.{rnd.randrange(100):02d}",
            "as_of": "2026-11-30",
        }


def fresh_postgres(url: str) -> str:
    u = make_url(url).set(drivername="postgresql+psycopg")
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{u.database}"'))
    admin.dispose()
    return u.render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    u = make_url(url)
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)'))
    admin.dispose()


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def server_cpu(engine: Engine) -> float | None:
    """CPU seconds (user + system) used so far by the PostgreSQL backends of the bench's database,
    read from /proc (the server on this machine), or None (SQLite, or the server elsewhere)."""
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as c:
        pids = c.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).scalars().all()
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def children_cpu() -> float:
    """CPU seconds of this process's finished descendants: the batch's worker process (checks and
    content hashes), once the forkserver that started it has been stopped and reaped."""
    # private, bench only: stops and reaps the forkserver (which reaped the worker)
    forkserver._forkserver._stop()  # type: ignore[attr-defined]
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def timed(engine: Engine, settings: Settings, n: int) -> dict[str, object]:
    s0, w0 = server_cpu(engine), children_cpu()
    t0, c0 = time.perf_counter(), time.process_time()
    r = load_feed(engine, settings, FEED, records(n), caller=Caller.system("bench"), channel="file")
    s, cpu = time.perf_counter() - t0, time.process_time() - c0
    s1, w1 = server_cpu(engine), children_cpu()
    return {
        "seconds": round(s, 1),
        #: CPU time of this (the loading) process: on a shared machine, the wall time's lower bound
        "cpu_seconds": round(cpu, 1),
        #: CPU time of the worker process that checked and hashed the records ahead
        "worker_cpu_seconds": round(w1 - w0, 1),
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        #: CPU time of the database's backends during the batch (PostgreSQL on this machine)
        "server_cpu_seconds": round(s1 - s0, 1) if s0 is not None and s1 is not None else None,
        "records_per_s": round(n / s),
        "accepted": r.accepted,
        "rejected": r.rejected,
        "duplicate": r.duplicate,
        "peak_rss_mb": round(peak_rss_mb()),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--postgres", default="")
    p.add_argument("--sqlite", default="")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--workers", type=int, default=1, help="exchange_feed_workers (0: no worker process)")
    a = p.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parent))  # the handler "feed_batch:handle"
    if a.postgres:
        url = fresh_postgres(a.postgres)
    else:
        path = Path(a.sqlite or "/tmp/anju_feed_bench.db")
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    meta.create_all(engine)
    settings = Settings(database_url=url, data_dir=Path("/tmp/anju_feed_bench"), exchange_feed_workers=a.workers)
    try:
        first = timed(engine, settings, a.records)
        again = timed(engine, settings, a.records)
    finally:
        engine.dispose()
        if a.postgres and not a.keep:
            drop_postgres(url)
    load = os.getloadavg()
    print(
        json.dumps(
            {
                "backend": "postgresql" if a.postgres else "sqlite",
                "records": a.records,
                "workers": a.workers,
                "first_delivery": first,
                "redelivery": again,
                "cpus": os.cpu_count(),
                "loadavg_after": [round(x, 1) for x in load],
                "python": platform.python_version(),
            },
            ensure_ascii=False,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
