"""Start-up time of the ``anju`` command line, compared with a bare ``python -c pass`` in the same run.

    PYTHONPATH=src python bench/cli_startup.py [--repeat 15]

Each command runs ``--repeat`` times as a fresh process (``python -m anju.cli …``); the table gives the
median and best wall time, the median minus Python's own start-up, and the modules loaded. The
verifiers run for real on small inputs (a 4-leaf tree's inclusion proof; a 5-candidate lottery), as a
citizen or auditor would. Goal (issue 16): ``anju --help`` and the stand-alone verifiers in ≤ 0.25 s
wall on a quiet machine, importing nothing of the web stack (FastAPI, Starlette, SQLAlchemy). Prints a
table, then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("fastapi", "starlette", "sqlalchemy", "pydantic")
PROBE = (
    "import runpy, sys\n"
    "sys.argv = ['anju', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('anju.cli', run_name='__main__')\n"
    "except SystemExit as e:\n"
    "    code = e.code\n"
    "else:\n"
    "    code = 0\n"
    f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
    "print('\\nMODULES', len(sys.modules), ','.join(heavy) or '-', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def inputs(tmp: Path) -> dict[str, list[str]]:
    from anju.core import lottery
    from anju.ledger import merkle

    hashes = [merkle.leaf_hash(x) for x in (b"a", b"b", b"c", b"d")]
    root = merkle.root(hashes).hex()
    proof = ",".join(h.hex() for h in merkle.inclusion_proof(hashes, 2, 4))
    leaf_hash = hashes[2].hex()
    ids = ["A0000001", "A0000002", "A0000003", "A0000004", "A0000005"]
    cand = tmp / "candidates.txt"
    lottery.write_ids(cand, ids)
    result = tmp / "result.txt"
    lottery.write_ids(result, lottery.draw(ids, "385729").order)
    return {
        "anju --help": ["--help"],
        "anju ledger --help": ["ledger", "--help"],
        "anju ledger verify-inclusion": [
            "ledger",
            "verify-inclusion",
            "--leaf-hash",
            leaf_hash,
            "--index",
            "2",
            "--size",
            "4",
            "--root",
            root,
            "--proof",
            proof,
        ],
        "anju lottery verify": [
            "lottery",
            "verify",
            "--candidates",
            str(cand),
            "--seed",
            "385729",
            "--result",
            str(result),
        ],
    }


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({p.returncode}): {p.stderr[-400:]}")
    return wall, p.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as d:
        commands = inputs(Path(d))
        base = [timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat)]
        rows = []
        for name, argv in commands.items():
            runs = [timed([sys.executable, "-c", PROBE, *argv], env) for _ in range(args.repeat)]
            walls = [w for w, _ in runs]
            mods = runs[-1][1].rsplit("MODULES", 1)[1].split()
            rows.append(
                {
                    "command": name,
                    "median_s": round(statistics.median(walls), 3),
                    "best_s": round(min(walls), 3),
                    "over_python_s": round(statistics.median(walls) - statistics.median(base), 3),
                    "modules": int(mods[0]),
                    "web_stack_loaded": mods[1],
                }
            )
    py = round(statistics.median(base), 3)
    print(f"python -c pass: median {py} s over {args.repeat} runs")
    print(f"{'command':32} {'median s':>9} {'best s':>7} {'- python':>9} {'modules':>8}  web stack")
    for r in rows:
        print(
            f"{r['command']:32} {r['median_s']:9.3f} {r['best_s']:7.3f} {r['over_python_s']:9.3f} "
            f"{r['modules']:8d}  {r['web_stack_loaded']}"
        )
    print(json.dumps({"python_s": py, "repeat": args.repeat, "commands": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
