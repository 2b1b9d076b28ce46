#!/usr/bin/env python3
"""Bootstrap for a fresh machine that has only Python 3.11+ and pip.

    python3 run.py demo   # create .venv, install the locked dependencies, build a small synthetic
                          # Nanjing into data/anju.db and serve it on http://127.0.0.1:8000
    python3 run.py test   # same environment; ruff (lint and format), mypy and the whole test suite
                          # (SQLite, and PostgreSQL too when ANJU_TEST_POSTGRES_URL is set), on two workers

Anything after the command is passed on (e.g. ``python3 run.py test -k registry``).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".anju-installed"


def _digest() -> str:
    h = hashlib.sha256()
    for f in (LOCK, ROOT / "pyproject.toml"):
        h.update(f.read_bytes())
    return h.hexdigest()


def ensure_env() -> None:
    if sys.version_info < (3, 11):
        sys.exit("Anju needs Python 3.11 or newer")
    if not PY.exists():
        print("• creating .venv", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _digest():
        return
    print("• installing locked dependencies (first run only)", flush=True)
    pip = [str(PY), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "-r", str(LOCK)], check=True)
    subprocess.run([*pip, "--no-deps", "-e", str(ROOT)], check=True)
    STAMP.write_text(_digest())


def run(args: list[str]) -> int:
    return subprocess.run(args, cwd=ROOT, check=False).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("demo", "test", "env"):
        print(__doc__)
        return 2
    cmd, rest = sys.argv[1], sys.argv[2:]
    ensure_env()
    if cmd == "env":
        return 0
    if cmd == "demo":
        return run([str(BIN / "anju"), "demo", *rest])
    ruff = [str(BIN / "ruff"), "check", "src", "tests", "bench", "run.py"]
    print("• ruff check src tests bench run.py", flush=True)
    if (rc := run(ruff)) != 0:
        return rc
    print("• ruff format --check src tests bench run.py", flush=True)
    if (rc := run([str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "run.py"])) != 0:
        return rc
    if not os.environ.get("ANJU_TEST_POSTGRES_URL"):
        print("• ANJU_TEST_POSTGRES_URL is not set: running the suite on SQLite only", flush=True)
    # mypy (about a minute from cold) runs beside the suite rather than before it; its report is printed
    # when both are done, and either failing fails the run.
    print("• mypy (beside the tests; its report follows them)", flush=True)
    with tempfile.TemporaryFile() as report:
        mypy = subprocess.Popen([str(BIN / "mypy")], cwd=ROOT, stdout=report, stderr=subprocess.STDOUT)
        # Two workers (pytest-xdist): every test has its own database, so they run side by side; on the
        # 2-core machine this halves the suite's time. ANJU_TEST_WORKERS=0 runs it in one process.
        workers = os.environ.get("ANJU_TEST_WORKERS", "2")
        try:
            tests = run([str(PY), "-m", "pytest", "-n", workers, *rest])
        finally:
            typed = mypy.wait()
        report.seek(0)
        print("• mypy:", report.read().decode(errors="replace").strip(), flush=True)
    return tests or typed


if __name__ == "__main__":
    sys.exit(main())
