"""A lean HTTP/1.1 load generator for loopback benchmarks: keep-alive connections over asyncio streams.

The benchmarks share the machine's two cores with the server they measure, so the client's own CPU
is taken from the server. httpx spends about as much CPU per request as a trivial endpoint of the
server does; this client writes a prepared request and reads the answer's status line, headers and
``Content-Length`` body, a few tens of microseconds per request, so what is measured is the server.

It speaks only what the benchmarks need: requests without bodies or with small JSON ones, answers
with ``Content-Length`` (every JSON answer of the platform), connections kept alive.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

Request = tuple[str, str, dict[str, str]]  # method, path, extra headers


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    wall: float = 0.0

    def summary(self) -> dict[str, Any]:
        xs = sorted(self.latencies)

        def pct(p: float) -> float:
            return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 2) if xs else 0.0

        errors = {k: v for k, v in self.statuses.items() if k >= 300}
        return {
            "requests": len(xs),
            "per_s": round(len(xs) / self.wall, 1) if self.wall else 0.0,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "errors": errors,
        }


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if length is None:
        raise RuntimeError("answer without Content-Length: this load generator does not read chunked bodies")
    body = await reader.readexactly(length) if length else b""
    return status, body


def _encode(host: str, method: str, path: str, headers: dict[str, str], body: bytes) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def drive(
    base: str,
    requests: Sequence[Request],
    concurrency: int,
    common: dict[str, str] | None = None,
    fresh_headers: Callable[[str], dict[str, str]] | None = None,
) -> Result:
    """Send every request once, over ``concurrency`` keep-alive connections, each request after the
    previous answer on its connection. ``fresh_headers(path)`` adds headers made per request (e.g. a
    new Idempotency-Key). Latency is from writing the request to reading the whole answer."""
    url = urlsplit(base)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    queue = list(reversed(requests))
    out = Result()
    base_headers = dict(common or {})

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while queue:
                method, path, extra = queue.pop()
                headers = {**base_headers, **extra, **(fresh_headers(path) if fresh_headers else {})}
                data = _encode(f"{host}:{port}", method, path, headers, b"")
                t = time.perf_counter()
                writer.write(data)
                status, _ = await _read_response(reader)
                out.latencies.append(time.perf_counter() - t)
                out.statuses[status] = out.statuses.get(status, 0) + 1
        finally:
            writer.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    out.wall = time.perf_counter() - t0
    return out


@contextmanager
def serve_anju(database_url: str, data_dir: str | None = None, workers: int = 1) -> Iterator[str]:
    """``anju serve`` in a child process over ``database_url`` on a free loopback port (rate limits off,
    warnings only), until it answers ``/healthz``; yields its base URL and stops it afterwards."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    env = dict(
        os.environ,
        ANJU_DATABASE_URL=database_url,
        ANJU_LOG_LEVEL="WARNING",
        ANJU_RATE_LIMIT_PUBLIC="1000000/minute",
        **({"ANJU_DATA_DIR": data_dir} if data_dir else {}),
    )
    anju = Path(sys.executable).with_name("anju")
    cmd = [str(anju), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(cmd, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(10)
