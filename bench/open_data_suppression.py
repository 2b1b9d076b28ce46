"""Small-cell suppression (``anju.exchange.domain.suppress``) on tables of the open datasets' shapes.

Random counts (seeded): a share of the cells small (1..k-1), the rest up to ``--high``. Prints, per
shape, the cells, how many were withheld (primary / secondary) and the time of one suppression.

    python bench/open_data_suppression.py [--small 0.2] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time

from anju.exchange.domain import suppress

SHAPES = {
    "district x month (12 x 12)": (12, 12),
    "district x month x use (12 x 12*6)": (12, 72),
    "street x use (100 x 8)": (100, 8),
    "street x use, a province (1,300 x 8)": (1300, 8),
    "worst: 300 x 300": (300, 300),
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=float, default=0.2, help="share of small cells")
    ap.add_argument("--high", type=int, default=500)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    for name, (m, n) in SHAPES.items():
        rows = {
            (f"r{i:05d}", f"c{j:05d}"): rng.randint(1, a.k - 1) if rng.random() < a.small else rng.randint(a.k, a.high)
            for i in range(m)
            for j in range(n)
        }
        t0 = time.perf_counter()
        t = suppress(rows, a.k)
        ms = (time.perf_counter() - t0) * 1000
        print(f"{name:40s} cells {m * n:7d}  primary {t.primary:6d}  secondary {t.secondary:5d}  {ms:9.1f} ms")


if __name__ == "__main__":
    main()
