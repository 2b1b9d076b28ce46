"""The verifiable lottery (摇号) over a million candidates: draw + verify, in process and through the CLI.

    PYTHONPATH=src python bench/lottery.py [--n 1000000] [--seed 385729] [--repeat 3]

Writes ``--n`` candidate ids ("A" + 7 digits, in order) to a temporary directory, then:

- in process: ``lottery.draw`` and ``lottery.verify`` (which re-runs the draw) on the list in memory,
  ``--repeat`` times, the best run reported;
- end to end: ``python -m anju.cli lottery draw`` then ``lottery verify`` as subprocesses (each reads
  the files and starts Python and the ``anju`` command line), timed once each with the peak RSS of
  each child (``os.wait4``).

Goal: draw + verify of 1,000,000 candidates in ≤ 10 s on the 2-core machine. Prints a table, then
the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anju.core import lottery

ROOT = Path(__file__).resolve().parents[1]


def run_child(args: list[str]) -> tuple[float, float, str]:
    """Seconds, peak RSS (MiB) and stdout of one CLI run; fails loudly if the command fails."""
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        p = subprocess.Popen([sys.executable, "-m", "anju.cli", "lottery", *args], stdout=out, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - t0
        out.seek(0)
        text = out.read().decode("utf-8")
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(args[:1])} exited {p.returncode}: {text}")
    return seconds, usage.ru_maxrss / 1024, text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", default="385729")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    ids = [f"A{k:07d}" for k in range(1, args.n + 1)]
    with tempfile.TemporaryDirectory(prefix="anju-lottery-") as tmp:
        candidates, result = Path(tmp) / "candidates.txt", Path(tmp) / "result.txt"
        lottery.write_ids(candidates, ids)

        # End to end first, so the children's figures do not depend on this process's memory.
        cli_draw, rss_draw, out = run_child(
            ["draw", "--candidates", str(candidates), "--seed", args.seed, "--out", str(result)]
        )
        summary = json.loads(out)
        cli_verify, rss_verify, out = run_child(
            ["verify", "--candidates", str(candidates), "--seed", args.seed, "--result", str(result)]
        )
        assert json.loads(out)["ok"] is True

        best_draw = best_verify = float("inf")
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            d = lottery.draw(ids, args.seed)
            t1 = time.perf_counter()
            v = lottery.verify(ids, args.seed, d.order, expected_list_hash=d.list_hash)
            t2 = time.perf_counter()
            assert v.ok, v.reasons
            best_draw, best_verify = min(best_draw, t1 - t0), min(best_verify, t2 - t1)
        assert d.result_hash == summary["result_hash"]
        t0 = time.perf_counter()
        read_back = lottery.read_ids(candidates)
        read_seconds = time.perf_counter() - t0
        assert read_back == ids

    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = [
        ("in process: draw", best_draw, rss_self),
        ("in process: verify (re-runs the draw)", best_verify, rss_self),
        ("in process: draw + verify", best_draw + best_verify, rss_self),
        ("in process: read_ids of the file", read_seconds, rss_self),
        ("CLI: anju lottery draw", cli_draw, rss_draw),
        ("CLI: anju lottery verify", cli_verify, rss_verify),
        ("CLI: draw + verify", cli_draw + cli_verify, max(rss_draw, rss_verify)),
    ]
    print(f"{args.n:,} candidates, seed {args.seed!r}; Python {platform.python_version()}, {os.cpu_count()} cores")
    print(f"{'step':<40} {'seconds':>8} {'peak RSS MiB':>13}")
    for name, seconds, rss in rows:
        print(f"{name:<40} {seconds:>8.2f} {rss:>13.0f}")
    print(
        json.dumps(
            {
                "candidates": args.n,
                "seed": args.seed,
                "list_hash": d.list_hash,
                "result_hash": d.result_hash,
                "draw_seconds": round(best_draw, 3),
                "verify_seconds": round(best_verify, 3),
                "read_ids_seconds": round(read_seconds, 3),
                "cli_draw_seconds": round(cli_draw, 3),
                "cli_verify_seconds": round(cli_verify, 3),
                "peak_rss_mib": {"self": round(rss_self), "cli_draw": round(rss_draw), "cli_verify": round(rss_verify)},
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
