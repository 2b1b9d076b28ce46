"""Reading a register sheet: the streaming .xlsx reader against the same rows as CSV, in one run.

    PYTHONPATH=src python bench/xlsx_read.py [--rows 50000] [--repeat 3]

The import reads .xlsx with its own streaming reader (``core/xlsx.py``: the standard
library's expat over the zip member, one row in memory, every limit checked before and while
reading), because the library it replaced (python-calamine) builds the sheet's whole grid and a
1.6 KB file declaring cell XFD1048576 made it allocate 512 GiB. This measures what that costs: the
same rows (26 text columns of an import file) are written as .xlsx (openpyxl, write-only) and as
CSV, then each is opened with ``read_sheet`` and every row is iterated, best of ``--repeat``. If
python-calamine happens to be installed it is timed too, for reference (it is not a dependency).
Prints a table, then the figures as one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import io
import json
import time
from collections.abc import Callable
from typing import Any

from anju.registry.imports.formats import read_sheet

COLUMNS = 26


def make_rows(n: int) -> list[list[str]]:
    header = [f"列{i}" for i in range(COLUMNS)]
    rows = [header]
    for r in range(n):
        rows.append([f"南京市玄武区某某路{r % 997}号" if c == 3 else str(r * COLUMNS + c) for c in range(COLUMNS)])
    return rows


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def as_csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode("utf-8")


def best(f: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, n = [], 0
    for _ in range(repeat):
        t = time.perf_counter()
        n = f()
        times.append(time.perf_counter() - t)
    return min(times), n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    rows = make_rows(args.rows)
    xlsx, text = as_xlsx(rows), as_csv(rows)

    def read(data: bytes, name: str) -> Callable[[], int]:
        return lambda: sum(1 for _ in read_sheet(data, name).rows())

    results = {
        "xlsx_stream": best(read(xlsx, "r.xlsx"), args.repeat),
        "csv": best(read(text, "r.csv"), args.repeat),
    }
    try:  # imported by name: not a dependency, so not installed from the lock file
        workbook: Any = importlib.import_module("python_calamine").CalamineWorkbook

        def calamine() -> int:
            sheet = workbook.from_filelike(io.BytesIO(xlsx)).get_sheet_by_index(0)
            return sum(1 for _ in sheet.iter_rows())

        results["xlsx_calamine"] = best(calamine, args.repeat)
    except ImportError:
        pass
    base = results["csv"][0]
    print(f"{args.rows:,} rows × {COLUMNS} columns; .xlsx {len(xlsx) / 1e6:.1f} MB, CSV {len(text) / 1e6:.1f} MB")
    print(f"{'reader':<15}{'best s':>9}{'rows/s':>12}{'× CSV':>8}")
    for name, (secs, n) in results.items():
        print(f"{name:<15}{secs:>9.2f}{n / secs:>12,.0f}{secs / base:>8.1f}")
    print(json.dumps({k: {"seconds": round(v[0], 3), "rows": v[1]} for k, v in results.items()}))


if __name__ == "__main__":
    main()
