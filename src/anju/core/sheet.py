"""An opened file (:class:`SheetData`) and the refusal of a whole file (:class:`FileRejected`), shared by
the CSV and the .xlsx readers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from anju.core.errors import FieldError


class FileRejected(Exception):
    """The whole file cannot be imported (format, encoding, header, size limits); the job is recorded as
    rejected."""

    def __init__(self, reason: str, row: int | None = None, column: str = "文件") -> None:
        super().__init__(reason)
        self.error = FieldError(column, reason, row)


@dataclass
class SheetData:
    """An opened file: its format, encoding, header, and a way to iterate its rows (more than once)."""

    format: str  # csv | xlsx
    encoding: str | None
    header: list[str]
    _rows: Callable[[], Iterator[tuple[int, list[str]]]]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells as text); the header is row 1, blank rows are skipped."""
        yield from self._rows()
