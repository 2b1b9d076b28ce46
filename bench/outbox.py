"""The outbox: emit N events and deliver them to a local webhook subscriber (issue 19: ≥ 1,000
events/s sustained), and the cost ``emit`` adds to a write.

    python bench/outbox.py --db sqlite:///data/bench-outbox.db --n 100000 --keys 5000
    python bench/outbox.py --db postgresql://postgres@127.0.0.1:5432/bench_outbox --n 100000 --keys 5000

The database is migrated and the outbox's tables emptied first (use a scratch database). Steps:

1. the cost of ``emit``: ``--writes`` single-row write transactions (a row in a scratch table) without,
   then with, an ``emit`` of one event for one subscriber; the ratio of the two times, in one run;
2. ``emit_many`` of N events over ``--keys`` keys, in transactions of 10,000;
3. delivery by one deliverer (``anju.exchange.delivery.run``, as ``anju exchange deliver``) to a
   webhook server in another process on loopback (keep-alive HTTP/1.1, it answers 204 and checks
   per-key order and duplicates); events/s from the first claim to the last settle.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from sqlalchemy import text

from anju import exchange
from anju.core import migrate
from anju.core.db import make_engine
from anju.core.settings import Settings
from anju.exchange import delivery, subscribers
from anju.exchange.tables import exchange_deliveries, exchange_events, exchange_subscribers
from anju.security import Keyring

TOPIC = "rental.lease_filed"


def serve(port_q: Any, stop: Any, result_q: Any) -> None:
    """The subscriber: counts deliveries, the distinct ids, and per-key order violations."""
    last: dict[str, int] = {}
    seen: set[int] = set()
    stats = {"requests": 0, "out_of_order": 0}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: Any) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            eid, key = int(self.headers["Anju-Event-Id"]), self.headers["Anju-Key"]
            stats["requests"] += 1
            if eid not in seen:
                seen.add(eid)
                if last.get(key, 0) > eid:
                    stats["out_of_order"] += 1
                last[key] = eid
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

    class Server(ThreadingHTTPServer):
        request_queue_size = 256
        daemon_threads = True

    server = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port_q.put(server.server_address[1])
    stop.wait()
    server.shutdown()
    result_q.put({**stats, "distinct": len(seen)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--keys", type=int, default=5_000)
    ap.add_argument("--writes", type=int, default=2_000)
    ap.add_argument("--batch", type=int, default=1_000)
    ap.add_argument("--concurrency", type=int, default=32)
    args = ap.parse_args()

    engine = make_engine(args.db)
    migrate.upgrade(engine)
    kr = Keyring({1: bytes(range(16))}, 1, bytes(range(32)))
    settings = Settings(
        database_url=args.db,
        environment="test",
        exchange_delivery_batch=args.batch,
        exchange_delivery_concurrency=args.concurrency,
    )
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # a scratch database: no row-by-row foreign-key checks
            conn.execute(text("TRUNCATE exchange_deliveries, exchange_events, exchange_subscribers"))
        for t in (exchange_deliveries, exchange_events, exchange_subscribers):
            conn.execute(t.delete())
        conn.execute(text("DROP TABLE IF EXISTS bench_writes"))
        conn.execute(text("CREATE TABLE bench_writes (id INTEGER PRIMARY KEY, note VARCHAR(40))"))

    ctx = mp.get_context("spawn")
    port_q, result_q, stop = ctx.Queue(), ctx.Queue(), ctx.Event()
    proc = ctx.Process(target=serve, args=(port_q, stop, result_q), daemon=True)
    proc.start()
    url = f"http://127.0.0.1:{port_q.get(timeout=30)}/hook"
    cmd = subscribers.SubscriberIn("bench", "基准测试（合成）", "webhook", url, "", "", (TOPIC,), False)
    with engine.begin() as conn:
        subscribers.create_subscriber(conn, kr, cmd)
    out: dict[str, Any] = {"db": engine.dialect.name, "n": args.n, "keys": args.keys}

    # 1. the cost emit adds to a write (one transaction per write)
    def writes(with_emit: bool, start: int) -> float:
        t0 = time.perf_counter()
        for i in range(start, start + args.writes):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO bench_writes (id, note) VALUES (:i, 'x')"), {"i": i})
                if with_emit:
                    exchange.emit(conn, TOPIC, f"lease:{i}", {"lease_id": i, "rent_fen": 350000})
        return time.perf_counter() - t0

    writes(False, 10_000_000)  # warm up
    plain = writes(False, 0)
    emitting = writes(True, args.writes)
    out["write_ms"] = round(plain / args.writes * 1000, 3)
    out["write_with_emit_ms"] = round(emitting / args.writes * 1000, 3)
    out["emit_cost_ratio"] = round(emitting / plain, 2)

    # 2. emit_many
    t0 = time.perf_counter()
    for s in range(0, args.n, 10_000):
        with engine.begin() as conn:
            exchange.emit_many(
                conn,
                [
                    exchange.OutEvent(TOPIC, f"lease:{i % args.keys}", {"lease_id": i, "rent_fen": 350000})
                    for i in range(s, min(args.n, s + 10_000))
                ],
            )
    out["emit_many_per_s"] = round(args.n / (time.perf_counter() - t0))

    # 3. delivery
    t0 = time.perf_counter()
    stats = delivery.run(engine, settings, kr, once=True)
    secs = time.perf_counter() - t0
    stop.set()
    served = result_q.get(timeout=60)
    proc.join(10)
    total = args.n + args.writes
    out |= {
        "delivered": stats.delivered,
        "failed": stats.failed,
        "rounds": stats.rounds,
        "deliver_seconds": round(secs, 1),
        "delivered_per_s": round(stats.delivered / secs),
        "subscriber": served,
        "ok": stats.delivered == total and served["distinct"] == total and served["out_of_order"] == 0,
    }
    print(json.dumps(out, ensure_ascii=False))
    sys.exit(0 if out["ok"] else 1)


if __name__ == "__main__":
    main()
