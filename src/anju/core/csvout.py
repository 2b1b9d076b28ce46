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
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any
from urllib.parse import quote

from starlette.responses import StreamingResponse

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


def stream(
    columns: Sequence[Any], rows: Iterable[Iterable[Any]], *, note: str | None = None, chunk_rows: int = 1000
) -> Iterator[bytes]:
    """A CSV file in chunks (UTF-8 with BOM, CRLF): the header, the rows as the iterable gives them (a
    generator reading the database in batches keeps memory flat), then, with ``note``, a trailing row
    holding the note in its first cell (e.g. the synthetic-data label)."""
    buf = io.StringIO()
    buf.write(BOM)
    w = Writer(buf)
    w.writerow(columns)
    for n, r in enumerate(rows, 1):
        w.writerow(r)
        if n % chunk_rows == 0:
            yield buf.getvalue().encode("utf-8")
            buf.seek(0)
            buf.truncate()
    if note:
        w.writerow([note, *([None] * (len(columns) - 1))])
    yield buf.getvalue().encode("utf-8")


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value for a download named ``name`` (RFC 6266): an ASCII ``filename``
    fallback (non-ASCII characters, quotes and backslashes as ``_``) and ``filename*`` with the UTF-8
    name percent-encoded (RFC 8187), so a Chinese name survives every browser."""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in name)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def response(
    name: str, columns: Sequence[Any], rows: Iterable[Iterable[Any]], *, note: str | None = None
) -> StreamingResponse:
    """The one CSV download response: ``rows`` streamed through :func:`stream` (with the trailing ``note``
    row), ``text/csv; charset=utf-8``, and a proper :func:`content_disposition` for ``name``."""
    return StreamingResponse(
        stream(columns, rows, note=note),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": content_disposition(name)},
    )


#: First characters refused at input in names and roads (a name cannot legitimately begin with them;
#: ``-`` is allowed at input, where it can be part of ordinary text, and quoted at output).
REFUSED_STARTS = ("=", "+", "@")


def formula_reason(value: str | None) -> str | None:
    """Why a name or road is refused at input (Chinese), or None: it begins with ``=``, ``+`` or ``@``,
    which a spreadsheet reading an export would take as a formula."""
    if value and value.lstrip().startswith(REFUSED_STARTS):
        return "不能以 =、+ 或 @ 开头（导出后电子表格会把它当作公式执行）"
    return None
