"""Department clients: the cost of a token request and of a client call's policy (token look-up, scope,
rate limit, quota count and the audit row, one write transaction per call).

    python bench/department_clients.py --sqlite data/bench/clients.db [--n 2000] [--threads 8]
    python bench/department_clients.py --postgres postgresql://postgres@127.0.0.1:5432/anju_bench_clients

Serves the app with uvicorn on loopback and calls ``GET /api/v1/exchange/clients/me`` (a client route:
the whole policy, no business work) and, for comparison, ``GET /healthz`` (public: no look-up, no
write). Prints JSON: p50/p95 latency of sequential calls, calls per second with ``--threads`` callers,
and the p50 of ``POST /oauth/token`` (argon2id with the configured parameters).
"""

from __future__ import annotations

import argparse
import base64
import json
import socket
import statistics
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from anju.app import create_app
from anju.core.settings import Settings
from anju.security import Caller, Security
from anju.security.clients import ClientForm, create_client


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(p / 100 * len(xs)))] * 1000, 3)


def serve(app: Any) -> tuple[str, uvicorn.Server, threading.Thread]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def main() -> None:
    ap = argparse.ArgumentParser()
    db = ap.add_mutually_exclusive_group(required=True)
    db.add_argument("--sqlite")
    db.add_argument("--postgres")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=8)
    args = ap.parse_args()
    url = args.postgres or f"sqlite:///{Path(args.sqlite).resolve()}"
    if args.sqlite:
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    settings = Settings(
        database_url=url,
        data_dir=Path(tempfile.mkdtemp()),
        rate_limit_public="1000000/minute",
        security_client_token_rate="1000/minute",
    )
    app = create_app(settings)
    with app.state.engine.begin() as conn:
        form = ClientForm("基准测试客户端", "基准", ["synth.bench:read"], rate_per_minute=100_000, daily_quota=10**8)
        issued = create_client(conn, Security(settings), Caller.system("bench"), form)
    base, server, thread = serve(app)
    basic = base64.b64encode(f"{issued.client_id}:{issued.secret}".encode()).decode()
    out: dict[str, object] = {"database": app.state.engine.dialect.name, "n": args.n, "threads": args.threads}
    with httpx.Client(base_url=base, timeout=60) as http:
        token_times = []
        for _ in range(20):
            t = time.perf_counter()
            r = http.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, headers={"authorization": f"Basic {basic}"}
            )
            token_times.append(time.perf_counter() - t)
            r.raise_for_status()
        token = r.json()["access_token"]
        out["token_request_p50_ms"] = round(statistics.median(token_times) * 1000, 1)
        auth = {"authorization": f"Bearer {token}"}
        for path, headers, key in (("/api/v1/exchange/clients/me", auth, "client_call"), ("/healthz", {}, "public")):
            times = []
            for _ in range(args.n):
                t = time.perf_counter()
                http.get(path, headers=headers).raise_for_status()
                times.append(time.perf_counter() - t)
            out[f"{key}_p50_ms"], out[f"{key}_p95_ms"] = pct(times, 50), pct(times, 95)

            def one(_i: int, path: str = path, headers: dict[str, str] = headers) -> int:
                return http.get(path, headers=headers).status_code

            t = time.perf_counter()
            with ThreadPoolExecutor(args.threads) as pool:
                codes = list(pool.map(one, range(args.n)))
            out[f"{key}_per_second"] = round(args.n / (time.perf_counter() - t))
            assert set(codes) == {200}, set(codes)
    server.should_exit = True
    thread.join()
    app.state.engine.dispose()
    print(json.dumps(out, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
