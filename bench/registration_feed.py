"""Loading a registration-centre feed file against the raw insert speed of the same rows, in one run.

    python bench/registration_feed.py [--records 1000000] [--repeat 2] \
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres] [--skip-sqlite]

1. Setup (untimed): a database with ``--records`` homes (the 楼盘表 import of ``import_throughput``'s
   generated file) is made once as a template; a registration CSV of one first registration per home
   (首次登记, 70% one owner, 30% two owners 50/50, valid resident IDs) is written.
2. *feed*: a copy of the template loads the file with ``registry.feeds.load_registrations``; the clock
   runs from the file on disk to the commit (streaming, parsing, validation with python-stdnum,
   SM4 encryption and HMAC-SM3 blind indexes of every owner, home look-ups, registrations, the
   ownership recomputation, ``home_owners`` rows, the load record and its audit row).
3. *raw*: another copy gets exactly the ``registrations`` and ``home_owners`` rows the feed wrote,
   read back as prepared tuples (untimed), inserted with ``core.dialect.bulk_insert`` (COPY on
   PostgreSQL) in one transaction (timed): the same rows, no application logic at all.

Each side runs ``--repeat`` times, alternating, and the best of each is compared. The issue's target is
feed/raw ≥ 0.5 (the ratio printed is raw time / feed time).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from anju import divisions
from anju.core import dialect
from anju.core.db import make_engine
from anju.registry import feeds, home_owners, homes, imports, registrations
from anju.security import Keyring
from import_throughput import Databases, make_csv

KEYRING = Keyring({1: bytes(range(16))}, 1, bytes(range(32)))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"


def resident_id(n: int) -> str:
    born = date(1985, 1, 1) + timedelta(days=n % 9000)
    body = f"320102{born:%Y%m%d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_feed(path: Path, codes: list[str], seed: int = 1) -> int:
    """One first registration per home; returns the number of owner rows."""
    rng = random.Random(seed)
    owners = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "业务号",
                "登记类型",
                "不动产权证号",
                "房屋代码",
                "登记日期",
                "权利人类型",
                "证件号码",
                "权利人名称",
                "共有份额",
            ]
        )
        for i, code in enumerate(codes):
            on = date(2005, 1, 1) + timedelta(days=rng.randrange(7000))
            first = [f"DJ{i:09d}", "首次登记", f"苏({on.year})南京市不动产权第{i:07d}号", code, on.isoformat()]
            pair = rng.random() < 0.3
            for k in range(2 if pair else 1):
                name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
                w.writerow([*first, "个人", resident_id(2 * i + k), name, "50" if pair else "100"])
                owners += 1
    return owners


class Copies:
    """Copies of a template database: a file copy on SQLite, CREATE DATABASE … TEMPLATE on PostgreSQL."""

    def __init__(self, dbs: Databases, template: Engine) -> None:
        self.dbs, self.template = dbs, template
        template.dispose()

    def fresh(self) -> Engine:
        if self.dbs.backend == "sqlite":
            target = self.dbs.tmp / f"{uuid.uuid4().hex}.db"
            shutil.copy(str(self.template.url.database), target)
            return make_engine(f"sqlite:///{target}")
        name = f"anju_bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(
            make_url(self.dbs.pg_url).set(drivername="postgresql+psycopg", database="postgres"),
            isolation_level="AUTOCOMMIT",
        )
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template.url.database}"'))
        admin.dispose()
        self.dbs.created.append(name)
        return make_engine(make_url(self.dbs.pg_url).set(database=name).render_as_string(hide_password=False))


def _rows(engine: Engine, table: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    cols = [c.name for c in table.c]
    with engine.connect() as conn:
        return cols, [tuple(r) for r in conn.execute(select(*[table.c[c] for c in cols]).order_by(table.c.id))]


def run(backend: str, n: int, tmp: Path, pg_url: str = "", repeat: int = 2) -> dict[str, Any]:
    dbs = Databases(backend, tmp, pg_url)
    try:
        template = dbs.fresh()
        with template.connect() as conn:
            streets = [
                (r.parent_code or "", r.code)
                for r in conn.execute(
                    select(divisions.divisions_table.c.code, divisions.divisions_table.c.parent_code)
                    .where(divisions.divisions_table.c.level == "street")
                    .order_by(divisions.divisions_table.c.code)
                )
            ]
        register = tmp / f"register_{n}.csv"
        make_csv(register, n, streets)
        t0 = time.perf_counter()
        done = imports.import_file(template, register.read_bytes(), register.name, source="survey", max_bytes=1 << 31)
        setup_s = time.perf_counter() - t0
        if done.rows_created != n:
            raise SystemExit(f"setup import failed: {json.dumps(done.summary(), ensure_ascii=False)[:2000]}")
        with template.connect() as conn:
            codes = list(conn.execute(select(homes.c.house_code).order_by(homes.c.id)).scalars())
        feed = tmp / f"registrations_{n}.csv"
        owner_rows = make_feed(feed, codes)
        copies = Copies(dbs, template)
        feed_s: list[float] = []
        raw_s: list[float] = []
        prepared: tuple[Any, ...] | None = None
        for _ in range(repeat):
            engine = copies.fresh()
            dbs.settle()
            t0 = time.perf_counter()
            result = feeds.load_registrations(engine, feed, KEYRING)
            feed_s.append(time.perf_counter() - t0)
            if result.status != "loaded" or result.records_new != n:
                raise SystemExit(f"feed failed: {json.dumps(result.summary(), ensure_ascii=False)[:2000]}")
            if prepared is None:
                prepared = (_rows(engine, registrations), _rows(engine, home_owners))
            dbs.drop(engine)
            (rcols, rrows), (ocols, orows) = prepared
            raw = copies.fresh()
            dbs.settle()
            t0 = time.perf_counter()
            with raw.begin() as conn:
                dialect.bulk_insert(conn, registrations, rcols, rrows)
                dialect.bulk_insert(conn, home_owners, ocols, orows)
            raw_s.append(time.perf_counter() - t0)
            dbs.drop(raw)
    finally:
        dbs.close()
    best_feed, best_raw = min(feed_s), min(raw_s)
    return {
        "backend": backend,
        "records": n,
        "owner_rows": owner_rows,
        "feed_bytes": feed.stat().st_size,
        "setup_import_s": round(setup_s, 1),
        "feed_s": [round(x, 2) for x in feed_s],
        "raw_s": [round(x, 2) for x in raw_s],
        "feed_records_per_s": round(n / best_feed),
        "raw_records_per_s": round(n / best_raw),
        "ratio": round(best_raw / best_feed, 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--postgres", default="", help="PostgreSQL server URL (databases are created per run)")
    p.add_argument("--repeat", type=int, default=2, help="runs of each side; the best of each is compared")
    p.add_argument("--skip-sqlite", action="store_true")
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="anju-bench-") as tmp:
        if not args.skip_sqlite:
            results.append(run("sqlite", args.records, Path(tmp), repeat=args.repeat))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if args.postgres:
            results.append(run("postgres", args.records, Path(tmp), args.postgres, repeat=args.repeat))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    ok = all(r["ratio"] >= 0.5 for r in results)
    print("goal feed/raw ≥ 0.5:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
