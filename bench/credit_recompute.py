"""Recomputing every credit grade in bulk (issue 20: scale 1.0 in ≤ 60 s on both databases).

    python bench/credit_recompute.py --db sqlite:///data/bench-credit.db --subjects 300000 --events 1000000
    python bench/credit_recompute.py --db postgresql://postgres@127.0.0.1:5432/bench_credit \
        --subjects 300000 --events 1000000

Use a scratch database: it is migrated and the credit tables are emptied first. N subjects (70 %
persons, 30 % organisations) and M events (kinds from the catalogue, severities around each kind's
default, 40 % good conduct, over the last five years, a skewed number per subject; 2 % voided or
repaired) are generated
directly in bulk. Then ``credit.recompute_all`` runs twice on the same date, each in one transaction:
the first run grades every subject (every grade is new: a change row, a log leaf and an outbox event
each), the second changes nothing; a third runs on the next day (decay moves many scores: their rows
are rewritten, grade changes and list changes logged and emitted; every other row's ``as_of`` moves).
Prints a table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, func, select, text

from anju import credit, ledger
from anju.core import clock, dialect, migrate
from anju.core.db import make_engine
from anju.credit.catalogue import catalogue as credit_catalogue
from anju.credit.tables import (
    credit_event_amendments,
    credit_events,
    credit_grade_changes,
    credit_grades,
    credit_list_entries,
    credit_subjects,
)

ON = date(2026, 12, 1)
TABLES = (
    credit_list_entries,
    credit_grade_changes,
    credit_grades,
    credit_event_amendments,
    credit_events,
    credit_subjects,
)


def empty(engine: Engine, tables: tuple[Any, ...] = TABLES) -> None:
    with engine.begin() as conn:
        for t in tables:
            conn.execute(t.delete())
        conn.execute(text("DELETE FROM exchange_deliveries"))
        conn.execute(text("DELETE FROM exchange_events"))


def generate(engine: Engine, n_subjects: int, n_events: int, seed: int) -> None:
    rng = random.Random(seed)
    now = clock.now()
    bidxs = [hashlib.sha256(f"subject-{i}".encode()).hexdigest() for i in range(n_subjects)]
    kinds_of = ["person" if rng.random() < 0.7 else "org" for _ in range(n_subjects)]
    catalogue = list(credit_catalogue().kinds.values())
    good = [k for k in catalogue if k.polarity == "positive"]
    person_kinds = [k for k in catalogue if k.code.startswith(("assistance.", "court."))]
    org_kinds = [k for k in catalogue if k.polarity == "negative" and not k.code.startswith("assistance.")]
    sev = ("minor", "major", "serious")
    with dialect.bulk_load(engine) as conn:
        dialect.bulk_insert(
            conn,
            credit_subjects,
            ("id", "subject_bidx", "subject_kind", "kind", "links", "first_seen_at", "updated_at"),
            (
                (i + 1, b, k, "household" if k == "person" else "rental_enterprise", "[]", now, now)
                for i, (b, k) in enumerate(zip(bidxs, kinds_of, strict=True))
            ),
        )

        def events() -> Iterator[tuple[Any, ...]]:
            for i in range(n_events):
                s = (
                    min(int(rng.paretovariate(1.2)) - 1, n_subjects - 1)
                    if rng.random() < 0.3
                    else rng.randrange(n_subjects)
                )
                k = rng.choice(good if rng.random() < 0.4 else person_kinds if kinds_of[s] == "person" else org_kinds)
                j = sev.index(k.severity) + rng.choice((-1, 0, 0, 0, 1))
                occurred = ON - timedelta(days=rng.randrange(5 * 365))
                expires = occurred + timedelta(days=rng.randrange(90, 1500)) if rng.random() < 0.1 else None
                yield (i + 1, kinds_of[s], bidxs[s], k.sources[0], k.code, sev[max(0, min(2, j))], occurred, expires,
                       f"B-{i}", None, "{}", now)  # fmt: skip

        dialect.bulk_insert(
            conn,
            credit_events,
            ("id", "subject_kind", "subject_bidx", "source", "kind", "severity", "occurred_on", "expires_on",
             "reference", "street_code", "detail", "recorded_at"),
            events(),
        )  # fmt: skip
        amended = rng.sample(range(1, n_events + 1), n_events // 50)
        dialect.bulk_insert(
            conn,
            credit_event_amendments,
            ("event_id", "kind", "effective_on", "reason", "reference", "recorded_by", "recorded_at"),
            ((e, "void" if e % 2 else "repair", ON - timedelta(days=e % 300), "bench", f"A-{e}", "bench", now)
             for e in amended),
        )  # fmt: skip
        dialect.reset_sequences(conn, (credit_subjects, credit_events))
    dialect.after_bulk_load(engine, (credit_subjects, credit_events, credit_event_amendments))


def timed_run(engine: Engine, on: date = ON) -> tuple[float, float, int, int]:
    """(wall seconds, this process's CPU seconds, subjects changed, peak memory KiB)."""
    t, cpu = time.perf_counter(), time.process_time()
    with engine.begin() as conn:
        changed = credit.recompute_all(conn, on=on)
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    return wall, cpu, changed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--subjects", type=int, default=300_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--reuse", action="store_true", help="Keep the subjects and events of a previous run.")
    args = ap.parse_args()
    engine = make_engine(args.db)
    migrate.upgrade(engine)
    gen = 0.0
    if args.reuse:
        empty(engine, TABLES[:3])
    else:
        empty(engine)
        t = time.perf_counter()
        generate(engine, args.subjects, args.events, args.seed)
        gen = time.perf_counter() - t
    first = timed_run(engine)
    dialect.after_bulk_load(engine, (credit_grades, credit_grade_changes, credit_list_entries))
    ledger.after_bulk_load(engine)
    second = timed_run(engine)
    third = timed_run(engine, ON + timedelta(days=1))
    with engine.connect() as conn:
        grades: dict[str, int] = dict(
            conn.execute(select(credit_grades.c.grade, func.count()).group_by(credit_grades.c.grade)).all()
        )
        lists: dict[str, int] = dict(
            conn.execute(
                select(credit_list_entries.c.list, func.count())
                .where(credit_list_entries.c.active == 1)
                .group_by(credit_list_entries.c.list)
            ).all()
        )
    print(
        f"database: {engine.dialect.name}; {args.subjects:,} subjects, {args.events:,} events; generated in {gen:.1f} s"
    )
    print(f"grades: {dict(sorted(grades.items()))}; open list entries: {lists}")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print("| run | wall time | CPU time (this process) | subjects changed | peak memory |")
    print("| --- | --- | --- | --- | --- |")
    runs = (
        ("first (every grade new)", first),
        ("rerun, same day (nothing changes)", second),
        ("next day (decay moves scores)", third),
    )
    for name, (wall, cpu, changed, peak) in runs:
        print(f"| {name} | {wall:.1f} s | {cpu:.1f} s | {changed:,} | {peak / 1024:.0f} MiB |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
