"""Time the public project list's queries in-process (``transactions.queries.public_projects``): each
statement's time and the total, on a second call (the first warms the caches).

    python bench/tx_projects_query.py sqlite:////abs/data/anju.db [--limit 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).parent.parent / "src"))

from anju.core.db import make_engine
from anju.transactions import queries


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("--limit", type=int, default=20)
    args = ap.parse_args()
    engine = make_engine(args.url)
    timed: list[tuple[float, str]] = []

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn: Any, *_: Any) -> None:
        conn.info["bench.t"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def ended(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        timed.append((time.perf_counter() - conn.info["bench.t"], " ".join(statement.split())[:140]))

    with engine.connect() as conn:
        queries.public_projects(conn, limit=args.limit, offset=0)
        timed.clear()
        t0 = time.perf_counter()
        queries.public_projects(conn, limit=args.limit, offset=0)
        total = time.perf_counter() - t0
    print(f"total {total * 1000:.1f} ms, {len(timed)} statements")
    for seconds, statement in sorted(timed, reverse=True)[:5]:
        print(f"{seconds * 1000:8.1f} ms  {statement}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
