"""The funds engine's posting throughput, beside the raw insert of the same rows.

    python bench/funds.py --journals 200000 --sqlite data/bench/funds.db
    python bench/funds.py --journals 200000 --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_funds

Into a fresh database: opens ``--accounts`` presale fund accounts with ``--subjects`` contracts each,
then posts ``--journals`` two-legged deposit journals through ``funds.post_many`` in batches of
``--batch`` (one transaction each: checks, journals, postings, balances, log entries, ledger indexes).
For comparison it then inserts the same number of journal and posting rows with plain ``executemany``
(no checks, no balances, no log) into the same tables. Prints one JSON line. The PostgreSQL database
is dropped at the end unless --keep.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import date
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from anju import funds
from anju.core import clock, migrate
from anju.core.db import make_engine
from anju.funds.tables import fund_journals, fund_postings
from ledger import drop_postgres, fresh_postgres

DAY = date(2026, 1, 5)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--journals", type=int, default=200_000)
    ap.add_argument("--batch", type=int, default=2_000)
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--subjects", type=int, default=500)
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--sqlite")
    g.add_argument("--postgres")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    if a.sqlite:
        p = Path(a.sqlite)
        p.parent.mkdir(parents=True, exist_ok=True)
        for f in p.parent.glob(p.name + "*"):
            f.unlink()
        url = f"sqlite:///{p}"
    else:
        url = fresh_postgres(a.postgres)
    engine = make_engine(url)
    migrate.upgrade(engine)
    legs: list[tuple[int, int, int]] = []  # (fund account, bank ledger account, held ledger account)
    with engine.begin() as c:
        for i in range(a.accounts):
            no = f"BENCH{i:06d}"
            acct = funds.open_account(c, "presale", f"project:{i + 1}", "基准银行", no, "320102", "320102001")
            for s in range(a.subjects):
                la = funds.accounts_of(c, acct, f"contract:{i * a.subjects + s + 1}")
                legs.append((acct, la["bank"], la["held"]))
    t0 = time.perf_counter()
    n = 0
    while n < a.journals:
        batch = []
        for k in range(n, min(n + a.batch, a.journals)):
            acct, bank, held = legs[k % len(legs)]
            amount = 1000 + k % 97
            legs_k = [(bank, amount, 0), (held, 0, amount)]
            batch.append(funds.JournalIn(acct, "down_payment", f"B{k:012d}", legs_k, DAY, "基准入账"))
        with engine.begin() as c:
            funds.post_many(c, batch)
        n += len(batch)
    engine_s = time.perf_counter() - t0
    with engine.connect() as c:
        assert funds.unbalanced_journals(c) == []
        first_id = int(c.execute(select(fund_journals.c.id).order_by(fund_journals.c.id.desc()).limit(1)).scalar_one())
    t0 = time.perf_counter()
    n = 0
    now = clock.now()
    while n < a.journals:
        size = min(a.batch, a.journals - n)
        ids = range(first_id + n + 1, first_id + n + size + 1)
        with engine.begin() as c:
            c.execute(insert(fund_journals), [
                {"id": j, "fund_account_id": legs[j % len(legs)][0], "kind": "down_payment", "reference": f"R{j:012d}",
                 "item": None, "subject": None, "booked_on": DAY, "amount_fen": 1000, "memo": "基准入账",
                 "actor_account_id": None, "ledger_index": j, "created_at": now} for j in ids])  # fmt: skip
            c.execute(insert(fund_postings), [
                {"journal_id": j, "ledger_account_id": legs[j % len(legs)][x], "debit_fen": 1000 * (x == 1),
                 "credit_fen": 1000 * (x == 2)} for j in ids for x in (1, 2)])  # fmt: skip
        n += size
    raw_s = time.perf_counter() - t0
    engine.dispose()
    if a.postgres and not a.keep:
        drop_postgres(url)
    print(json.dumps({
        "backend": "sqlite" if a.sqlite else "postgresql", "journals": a.journals, "batch": a.batch,
        "engine_s": round(engine_s, 2), "engine_journals_per_s": round(a.journals / engine_s),
        "raw_s": round(raw_s, 2), "raw_journals_per_s": round(a.journals / raw_s),
        "engine_vs_raw": round(raw_s / engine_s, 2), "python": platform.python_version(),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
