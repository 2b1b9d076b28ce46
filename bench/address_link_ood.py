"""Address linkage on two noise models side by side: the one the linker was tuned on, and an independent one.

    python bench/address_link_ood.py --db sqlite:///data/bench/q05.db --n 20000 --baseline
    python bench/address_link_ood.py --db sqlite:///data/bench/q05.db --n 2000     # a quick run

For each noise model it writes ``n`` records with ground truth to a temporary folder, runs the real
command line, ``anju address link --input … --out … --no-store`` (a subprocess, configured by
``ANJU_DATABASE_URL``), and scores its output: precision of ``linked``, recall, the share sent to
review, the share unlinked, and per variation. The models:

* ``tuned`` — :mod:`anju.addresses.noisy` (5 % of records without a home), read from the register;
* ``gov`` — :mod:`anju.addresses.noisy_gov`, drawn from ``anju registry export-homes`` (≈11 % without
  a home), whose generator the parser and the linkage model were *not* tuned on.

``--baseline`` adds plain Splink on the raw text for both (``bench/address_link.py``'s baseline).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from address_link import baseline, by_variation, quality
from anju.addresses import linkage, noisy, noisy_gov
from anju.addresses.noisy import NoisyRecord
from anju.core.db import make_engine


def _cli(args: list[str], db: str) -> None:
    env = {**os.environ, "ANJU_DATABASE_URL": db, "PYTHONPATH": str(Path(__file__).parent.parent / "src")}
    subprocess.run([sys.executable, "-m", "anju.cli", *args], check=True, env=env, stdout=subprocess.DEVNULL)


def link_and_score(recs: list[NoisyRecord], db: str, work: Path, name: str) -> dict[str, Any]:
    inp, out = work / f"{name}.csv", work / f"{name}_links.csv"
    noisy.write_csv(recs, inp)
    t0 = time.perf_counter()
    _cli(["address", "link", "--input", str(inp), "--out", str(out), "--no-store"], db)
    seconds = time.perf_counter() - t0
    with out.open(encoding="utf-8-sig", newline="") as f:
        got = {r["record_id"]: r for r in csv.DictReader(f)}
    status = [got[r.record_id]["status"] for r in recs]
    linked_to = [got[r.record_id]["house_code"] or None for r in recs]
    q = quality([r.house_code for r in recs], status, linked_to)
    q["link_command_seconds"] = round(seconds, 1)
    return {"quality": q, "by_variation": by_variation(recs, status, linked_to)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--baseline", action="store_true")
    ap.add_argument("--only", choices=["tuned", "gov"], help="Run one noise model only.")
    ap.add_argument("--keep", type=Path, help="Keep the records, truth and links in this folder.")
    args = ap.parse_args()
    engine = make_engine(args.db)
    out: dict[str, Any] = {"db": args.db, "n": args.n, "seed": args.seed}
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        sets: dict[str, list[NoisyRecord]] = {}
        if args.only in (None, "tuned"):
            with engine.connect() as conn:
                sets["tuned"] = list(noisy.generate(conn, args.n, args.seed))
        if args.only in (None, "gov"):
            export = work / "homes.csv"
            _cli(["registry", "export-homes", "--out", str(export)], args.db)
            sets["gov"] = list(noisy_gov.generate(noisy_gov.read_export(export), args.n, args.seed))
        for name, recs in sets.items():
            if args.keep:
                noisy.write_csv(recs, work / f"{name}.csv", work / f"{name}_truth.csv")
            res = link_and_score(recs, args.db, work, name)
            out[name] = res
            print(name, json.dumps(res["quality"], ensure_ascii=False), file=sys.stderr, flush=True)
            if args.baseline:
                res["baseline_plain_splink"] = baseline(engine, recs, linkage.DEFAULT_THRESHOLDS)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
