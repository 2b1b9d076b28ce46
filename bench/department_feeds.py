"""Department feeds: applying a hukou delivery (first facts, then a full superseding batch) and the
check's bitemporal read of the facts known, for ``--people`` people.

    PYTHONPATH=src python bench/department_feeds.py --sqlite /tmp/df/facts.db --people 50000
    PYTHONPATH=src python bench/department_feeds.py --postgres postgresql://postgres@127.0.0.1:5432/anju_df

Builds a fresh, migrated database; writes a CSV of ``--people`` synthetic residents (valid GB 11643
numbers) in the feed's own format; loads it through ``department_files.load_file`` (field checks,
encryption, blind index, handler) in one transaction; loads a second file with a newer as-of date for
everyone (every fact superseded: one executemany update + one insert per chunk); then reads the facts
known now for everyone (``department_facts.known_facts``). Prints JSON: seconds and records/s of each.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from stdnum.cn import ric

from anju.assistance.department_facts import known_facts
from anju.assistance.department_feeds import HUKOU
from anju.assistance.department_files import load_file
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.core.settings import Settings
from anju.security import keyring_from_settings

#: Throw-away development keys (32 bytes each, hex) for the bench's own database.
KEYS = "1:" + "11" * 16
INDEX = "22" * 32


def _ids(n: int) -> list[str]:
    out = []
    for i in range(n):
        body = f"320102{1985 + i % 20}{1 + i % 12:02d}{1 + i % 28:02d}{i % 1000:03d}"
        out.append(body + ric.calc_check_digit(body + "0"))
    return sorted(set(out))


def _write(path: Path, ids: list[str], as_of: str, status: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=[x.name for x in HUKOU.fields])
        w.writeheader()
        for idn in ids:
            w.writerow({"id_number": idn, "name": "合成居民", "division_code": "320102",
                        "registered_since": "2001-01-01", "status": status, "as_of": as_of})  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sqlite")
    ap.add_argument("--postgres")
    ap.add_argument("--people", type=int, default=50_000)
    args = ap.parse_args()
    if args.postgres:
        url = args.postgres
        name = make_url(url).database
        admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    else:
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
        Path(args.sqlite).unlink(missing_ok=True)
        url = f"sqlite:///{args.sqlite}"
    tmp = Path(tempfile.mkdtemp(prefix="anju-df-"))
    settings = Settings(database_url=url, data_dir=tmp, environment="development", data_keys=KEYS, index_key=INDEX)
    engine = make_engine(url)
    migrate.upgrade(engine)
    ids = _ids(args.people)
    _write(tmp / "first.csv", ids, "2026-10-31", "在册")
    _write(tmp / "second.csv", ids, "2026-11-30", "迁出")
    out: dict[str, object] = {"people": len(ids), "backend": engine.dialect.name, "python": platform.python_version()}
    for label, path in (("first", tmp / "first.csv"), ("supersede", tmp / "second.csv")):
        t0 = time.perf_counter()
        got = load_file(engine, settings, "hukou", path)
        dt = time.perf_counter() - t0
        assert not got.rejections, got.rejections[:3]
        out[label] = {"seconds": round(dt, 2), "records_per_s": round(len(ids) / dt)}
    kr = keyring_from_settings(settings)
    bidxs = [kr.blind_index(i, "id_number") for i in ids]
    t0 = time.perf_counter()
    with engine.connect() as conn:
        known = known_facts(conn, bidxs, clock.now())
    dt = time.perf_counter() - t0
    assert len(known.facts["hukou"]) == len(ids)
    out["known_facts"] = {"seconds": round(dt, 2), "people_per_s": round(len(ids) / dt)}
    engine.dispose()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
