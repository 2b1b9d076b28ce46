"""A webhook consumer for the outbox's tests: a small threaded HTTP server on loopback that verifies
each delivery (``anju.exchange.verify_webhook``), applies it once (the event id is the idempotency
key), and records every raw request — so a test can tell "delivered at least once" from "applied
exactly once". It can be told to fail the deliveries of some keys."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from anju.exchange import ReplayedWebhook, WebhookRejected, verify_webhook


@dataclass
class Consumer:
    secret: str = ""
    raw: list[tuple[str, str]] = field(default_factory=list)  # (event id, key) of every request
    applied: list[dict[str, Any]] = field(default_factory=list)  # envelopes applied, in order
    seen: set[str] = field(default_factory=set)
    rejected: list[str] = field(default_factory=list)
    fail_keys: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""
    #: Hold the request with this index (0-based, counted over every request) until ``release`` is
    #: set, after ``held`` is set: a test kills the deliverer while a round is in flight.
    hold_at: int | None = None
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def by_key(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for env in self.applied:
            out.setdefault(env["key"], []).append(int(env["id"]))
        return out


def _handler(consumer: Consumer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {k: v for k, v in self.headers.items()}
            with consumer.lock:
                index = len(consumer.raw)
                consumer.raw.append((headers.get("Anju-Event-Id", ""), headers.get("Anju-Key", "")))
            if index == consumer.hold_at:
                consumer.held.set()
                consumer.release.wait(60)
            with consumer.lock:
                if headers.get("Anju-Key") in consumer.fail_keys:
                    self._answer(503)
                    return
                try:
                    verify_webhook(consumer.secret, headers, body, datetime.now(UTC), consumer.seen)
                except ReplayedWebhook:
                    self._answer(200)  # applied before: nothing again
                    return
                except WebhookRejected as e:
                    consumer.rejected.append(str(e))
                    self._answer(401)
                    return
                env = json.loads(body)
                consumer.applied.append(env)
                consumer.seen.add(str(env["id"]))
            self._answer(204)

    return Handler


@contextmanager
def consumer_server(secret: str = "") -> Iterator[Consumer]:
    """Serve a :class:`Consumer` on 127.0.0.1 (a free port) while the block runs."""
    consumer = Consumer(secret=secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(consumer))
    server.daemon_threads = True
    consumer.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield consumer
    finally:
        server.shutdown()
        server.server_close()
