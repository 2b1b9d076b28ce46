"""Bulk import throughput against the raw insert speed of the same rows, in one run.

    python bench/import_throughput.py [--rows 200000] [--batch 20000] [--repeat 2] \
        [--postgres postgresql://postgres@127.0.0.1:5432/postgres]

1. A 楼盘表 CSV of ``--rows`` new homes (Chinese headers, UTF-8) is generated into a temporary folder.
2. *import*: a fresh database (schema + divisions) imports it with ``imports.import_file``; the clock
   runs from the raw bytes to the commit (parsing, validation, estates, buildings, house codes, homes,
   first versions, source records, job record).
3. *raw*: a second fresh database gets every row the import wrote — estates, buildings and their
   versions, homes, home versions and the per-source records — read back as prepared tuples (untimed),
   inserted with ``dialect.bulk_insert`` in one transaction (timed): the same rows, no application
   logic at all. The time of the homes and home versions alone is reported too, as a stricter second
   ratio.

Each side runs ``--repeat`` times (default 2), alternating, each time on a fresh database and (on
PostgreSQL) after a CHECKPOINT, and the best run of each is compared (the machines this runs on are
shared and noisy). It prints the times, homes/s of both and
the ratio import/raw, for SQLite and, with ``--postgres``, PostgreSQL.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from anju import divisions
from anju.core import dialect, migrate
from anju.core.db import make_engine
from anju.registry import imports
from anju.registry.tables import (
    building_versions,
    buildings,
    estates,
    home_source_records,
    home_versions,
    homes,
)

HEADER = [
    "区划代码",
    "街道",
    "小区名称",
    "路名",
    "门牌号",
    "幢号",
    "楼幢用途",
    "结构",
    "地上层数",
    "地下层数",
    "建成年份",
    "楼幢状态",
    "单元",
    "楼层",
    "房号",
    "用途",
    "室",
    "厅",
    "朝向",
    "建筑面积",
    "套内面积",
    "状态",
    "不动产单元代码",
]
ROADS = ("中山路", "汉中路", "龙蟠路", "应天大街", "江东中路", "集庆路", "虎踞路", "北京东路", "双龙大道", "浦珠路")
HEADS = ("金陵", "秦淮", "紫金", "玄武", "莫愁", "石城", "钟山", "雨花", "栖霞", "鼓楼", "清凉", "燕子矶")
TAILS = ("花园", "新村", "佳园", "雅苑", "名城", "家园", "公寓", "华庭", "丽景", "锦园")


def make_csv(path: Path, n: int, streets: list[tuple[str, str]], seed: int = 1) -> int:
    """Write ``n`` homes: estates of 10 buildings of 18 floors × 2 units × 4 homes (144 homes each)."""
    rng = random.Random(seed)
    written = 0
    estate_no = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        while written < n:
            estate_no += 1
            district, street = streets[estate_no % len(streets)]
            name = f"{rng.choice(HEADS)}{rng.choice(TAILS)}{estate_no}期"
            road, door = rng.choice(ROADS), str(rng.randint(1, 400))
            year = rng.randint(1985, 2024)
            for b in range(1, 11):
                for unit in (1, 2):
                    for floor in range(1, 19):
                        for p in range(1, 5):
                            if written >= n:
                                return written
                            area = rng.randint(4500, 16000)
                            rooms = 1 if area < 6000 else 2 if area < 9000 else 3
                            w.writerow(
                                [
                                    district,
                                    street,
                                    name,
                                    road,
                                    door,
                                    str(b),
                                    "住宅",
                                    "钢筋混凝土",
                                    "18",
                                    "1",
                                    str(year),
                                    "使用",
                                    str(unit),
                                    str(floor),
                                    f"{floor}{p:02d}",
                                    "住宅",
                                    str(rooms),
                                    "1" if rooms < 3 else "2",
                                    rng.choice(("南北", "南", "东南", "西南")),
                                    f"{area // 100}.{area % 100:02d}",
                                    f"{area * 8 // 1000}.{area * 8 // 10 % 100:02d}",
                                    "使用",
                                    "",
                                ]
                            )
                            written += 1
    return written


class Databases:
    """Fresh databases on one backend (files on SQLite, CREATE DATABASE on PostgreSQL)."""

    def __init__(self, backend: str, tmp: Path, pg_url: str = "") -> None:
        self.backend, self.tmp, self.pg_url = backend, tmp, pg_url
        self.created: list[str] = []

    def _admin(self) -> Engine:
        url = make_url(self.pg_url).set(drivername="postgresql+psycopg", database="postgres")
        return create_engine(url, isolation_level="AUTOCOMMIT")

    def fresh(self) -> Engine:
        if self.backend == "sqlite":
            engine = make_engine(f"sqlite:///{self.tmp / f'{uuid.uuid4().hex}.db'}")
        else:
            name = f"anju_bench_{uuid.uuid4().hex[:12]}"
            admin = self._admin()
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            self.created.append(name)
            url = make_url(self.pg_url).set(database=name).render_as_string(hide_password=False)
            engine = make_engine(url)
        migrate.upgrade(engine)
        with engine.begin() as conn:
            divisions.load_city(conn, "320100")
        return engine

    def settle(self) -> None:
        """Start a timed run from a clean state: on PostgreSQL, a CHECKPOINT (so that no run pays for
        the WAL another wrote)."""
        if self.backend == "sqlite":
            return
        admin = self._admin()
        with admin.connect() as c:
            c.execute(text("CHECKPOINT"))
        admin.dispose()

    def drop(self, engine: Engine) -> None:
        engine.dispose()
        if self.backend == "sqlite":
            path = Path(str(engine.url.database))
            for f in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                f.unlink(missing_ok=True)
            return
        name = str(engine.url.database)
        admin = self._admin()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        self.created.remove(name)

    def close(self) -> None:
        if not self.created:
            return
        admin = self._admin()
        with admin.connect() as c:
            for name in self.created:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _rows(engine: Engine, table: Any) -> tuple[list[str], list[tuple[Any, ...]]]:
    cols = [c.name for c in table.c if not (table is home_versions and c.name == "id")]
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(*[table.c[c] for c in cols]).order_by(table.c.id))]
    return cols, rows


def run(backend: str, n: int, tmp: Path, pg_url: str = "", batch: int = 20_000, repeat: int = 2) -> dict[str, Any]:
    """Best of ``repeat`` alternating runs for each side, each run on its own fresh database."""
    dbs = Databases(backend, tmp, pg_url)
    try:
        first = dbs.fresh()
        with first.connect() as conn:
            streets = [
                (r[3] or "", r[0])
                for r in conn.execute(
                    select(
                        divisions.divisions_table.c.code,
                        divisions.divisions_table.c.name,
                        divisions.divisions_table.c.level,
                        divisions.divisions_table.c.parent_code,
                    )
                    .where(divisions.divisions_table.c.level == "street")
                    .order_by(divisions.divisions_table.c.code)
                )
            ]
        dbs.drop(first)
        path = tmp / f"register_{n}.csv"
        make_csv(path, n, streets)
        data = path.read_bytes()

        import_times: list[float] = []
        raws: list[float] = []
        raws_homes: list[float] = []
        prepared: tuple[Any, ...] | None = None
        for _ in range(repeat):  # import and raw runs alternate, each from a settled database server
            engine = dbs.fresh()
            dbs.settle()
            t0 = time.perf_counter()
            result = imports.import_file(engine, data, path.name, source="survey", max_bytes=1 << 31, batch_rows=batch)
            import_times.append(time.perf_counter() - t0)
            if result.status != "loaded" or result.rows_created != n:
                raise SystemExit(f"import failed: {json.dumps(result.summary(), ensure_ascii=False)[:2000]}")
            if prepared is None:  # the rows the import wrote, as prepared tuples for the raw runs
                prepared = (
                    [(t, *_rows(engine, t)) for t in (estates, buildings, building_versions)],
                    _rows(engine, homes),
                    _rows(engine, home_versions),
                    _rows(engine, home_source_records),
                )
            dbs.drop(engine)
            parents, (hcols, hrows), (vcols, vrows), (scols, srows) = prepared
            raw = dbs.fresh()
            dbs.settle()
            t0 = time.perf_counter()
            with raw.begin() as conn:
                for t, cols, rows in parents:
                    dialect.bulk_insert(conn, t, cols, rows)
                t1 = time.perf_counter()
                dialect.bulk_insert(conn, homes, hcols, hrows)
                dialect.bulk_insert(conn, home_versions, vcols, vrows)
                t2 = time.perf_counter()
                dialect.bulk_insert(conn, home_source_records, scols, srows)
            t3 = time.perf_counter()
            raws.append(t3 - t0)
            raws_homes.append(t2 - t1)
            dbs.drop(raw)
    finally:
        dbs.close()
    t_import, t_raw, t_raw_homes = min(import_times), min(raws), min(raws_homes)
    return {
        "backend": backend,
        "rows": n,
        "batch": batch,
        "csv_bytes": len(data),
        "import_s": [round(x, 2) for x in import_times],
        "raw_s": [round(x, 2) for x in raws],
        "raw_homes_and_versions_s": [round(x, 2) for x in raws_homes],
        "import_homes_per_s": round(n / t_import),
        "raw_homes_per_s": round(n / t_raw),
        "ratio": round(t_raw / t_import, 3),
        "ratio_vs_homes_and_versions_only": round(t_raw_homes / t_import, 3),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--rows", type=int, default=200_000)
    p.add_argument("--postgres", default="", help="PostgreSQL server URL (a database is created per run)")
    p.add_argument("--batch", type=int, default=20_000, help="rows per bulk-insert batch of the import")
    p.add_argument("--repeat", type=int, default=2, help="runs of each side; the best of each is compared")
    p.add_argument("--skip-sqlite", action="store_true")
    args = p.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="anju-bench-") as tmp:
        if not args.skip_sqlite:
            results.append(run("sqlite", args.rows, Path(tmp), batch=args.batch, repeat=args.repeat))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
        if args.postgres:
            results.append(run("postgres", args.rows, Path(tmp), args.postgres, batch=args.batch, repeat=args.repeat))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    ok = all(r["ratio"] >= 0.5 for r in results)
    print("goal import/raw ≥ 0.5:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
