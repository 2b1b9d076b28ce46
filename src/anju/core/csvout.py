"""The one CSV writer of the platform: every CSV export (routes and command lines) writes through it.

**Formula injection** (CSV injection): a spreadsheet opening a CSV evaluates a cell that begins with
``=``, ``+``, ``-`` or ``@`` as a formula (``=HYPERLINK(…)``, ``=cmd|…``, ``@SUM(…)``), and a cell
beginning with a tab or a carriage return can hide one. Following OWASP's rule, :func:`cell` writes a
*text* cell that begins with one of those six characters with a single quote ``'`` in front, so the
spreadsheet shows it as text (the quote shows too: the value is not silently changed).

What is left as it is:

- numbers given as numbers (``int``, ``float``, ``Decimal``): ``-12.5`` stays ``-12.5``;
- text that is exactly a plain decimal number — an optional sign, digits, an optional fraction
  (``-12.5``, ``+3``, ``-1`` for a basement floor). Such a cell cannot hold a formula; every
  other text beginning with ``-`` or ``+`` (``-1+2``, ``+cmd|…``) is quoted.

``None`` is an empty cell. Output is UTF-8 with a byte-order mark (Excel then shows Chinese correctly)
and CRLF line ends, unless a caller writing a machine-read file asks otherwise.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
BOM = "\ufeff"


def cell(value: Any) -> Any:
    """One cell as written: numbers unchanged, ``None`` empty, text neutralised (see the module)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class Writer:
    """``csv.writer`` whose every cell goes through :func:`cell`."""

    def __init__(self, f: IO[str], lineterminator: str = "\r\n") -> None:
        self._w = csv.writer(f, lineterminator=lineterminator)

    def writerow(self, row: Iterable[Any]) -> None:
        self._w.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for r in rows:
            self.writerow(r)


def writer(f: IO[str], lineterminator: str = "\r\n") -> Writer:
    return Writer(f, lineterminator)


def to_bytes(columns: Sequence[Any], rows: Iterable[Iterable[Any]], *, bom: bool = True) -> bytes:
    """A whole CSV file: the header row, then the rows; UTF-8 (with BOM by default), CRLF."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    w = Writer(buf)
    w.writerow(columns)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


#: First characters refused at input in names and roads (a name cannot legitimately begin with them;
#: ``-`` is allowed at input, where it can be part of ordinary text, and quoted at output).
REFUSED_STARTS = ("=", "+", "@")


def formula_reason(value: str | None) -> str | None:
    """Why a name or road is refused at input (Chinese), or None: it begins with ``=``, ``+`` or ``@``,
    which a spreadsheet reading an export would take as a formula."""
    if value and value.lstrip().startswith(REFUSED_STARTS):
        return "不能以 =、+ 或 @ 开头（导出后电子表格会把它当作公式执行）"
    return None
