"""First meaningful paint of the map page in headless Chromium on loopback.

    python bench/map_page.py --database-url sqlite:////ABS/PATH/data/bench/full.db [--n 10]

Starts ``anju serve`` over the database (signed in as a city officer through a bearer header), opens
``/map`` ``--n`` times in fresh browser contexts (nothing cached), and times from navigation start to
the first moment the map is idle with its layers added and every visible tile drawn — the first
meaningful paint of the city map. Goal ≤ 2 s. Prints JSON (milliseconds).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from lookups import bench_token, free_port

ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"]


def wait_until(page: Any, predicate: str, seconds: float) -> None:
    """Poll a predicate with ``evaluate`` (Playwright's wait_for_function compiles its predicate with
    eval, which the page's CSP rightly forbids)."""
    import time as _time

    deadline = _time.monotonic() + seconds
    while not page.evaluate(predicate):
        if _time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        _time.sleep(0.05)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()
    data_dir = tempfile.mkdtemp(prefix="anju-bench-map-")
    token = bench_token(args.database_url, Path(data_dir))
    port = free_port()
    env = {**os.environ, "ANJU_DATABASE_URL": args.database_url, "ANJU_LOG_LEVEL": "WARNING", "ANJU_DATA_DIR": data_dir}
    server = subprocess.Popen([str(Path(sys.executable).with_name("anju")), "serve", "--port", str(port)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(base + "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        paints = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            for _ in range(args.n):
                context = browser.new_context(
                    viewport={"width": 1280, "height": 800}, extra_http_headers={"authorization": f"Bearer {token}"}
                )
                page = context.new_page()
                page.goto(base + "/map")
                wait_until(page, "() => document.body.dataset.mapReady === '1'", 60)
                ms = page.evaluate(
                    """() => new Promise((done) => {
                         const finish = () => done(performance.now());
                         if (anjuMap.loaded() && anjuMap.areTilesLoaded()) finish(); else anjuMap.once('idle', finish);
                       })"""
                )
                paints.append(float(ms))
                context.close()
            browser.close()
        paints.sort()
        out = {
            "first_meaningful_paint_ms": {
                "p50": round(statistics.median(paints)),
                "max": round(paints[-1]),
                "mean": round(statistics.fmean(paints)),
                "n": len(paints),
            },
            "database": args.database_url.split(":", 1)[0],
        }
        print(json.dumps(out))
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
