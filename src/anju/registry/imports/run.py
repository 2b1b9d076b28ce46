"""The state of one import run — its options, the rows read, the plans of new estates and buildings,
the errors and counts — shared by the scan, the resolution against the register and the writes."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from anju.core.errors import ErrorReport
from anju.core.sheet import SheetData
from anju.registry import domain
from anju.registry.imports import columns
from anju.registry.imports.streets import StreetLookup

CHUNK = 5000


@dataclass(slots=True)
class Row:
    n: int
    house_code: str | None
    street_code: str | None
    estate_name: str | None
    building_no: str | None
    unit_no: str | None
    floor_no: int | None
    floor_to: int | None
    room_no: str | None
    values: tuple[Any, ...]  # the MERGED fields as given (None = not given)
    bp: BuildingPlan | None  # the building of a row located by estate and building number
    home_id: int | None = None
    new: bool = False


@dataclass
class BuildingPlan:
    key: tuple[str, str, str]
    first_row: int
    attrs: dict[str, tuple[Any, int]] = field(default_factory=dict)  # field → (value, row that gave it)
    units: set[str] = field(default_factory=set)
    id: int | None = None
    existing: dict[str, Any] | None = None
    area: Decimal = Decimal(0)
    good_rows: int = 0
    first_good: Row | None = None
    last: tuple[Any, ...] = ()


@dataclass
class EstatePlan:
    key: tuple[str, str]
    first_row: int
    road: tuple[str, int] | None = None
    door_no: tuple[str, int] | None = None
    id: int | None = None
    existing: dict[str, Any] | None = None
    good_rows: int = 0
    last: tuple[str, str] = ("", "")


class ImportRun:
    """One import of one file inside its write transaction."""

    def __init__(
        self,
        conn: Connection,
        sheet: SheetData,
        source: str,
        mode: str,
        job_id: int,
        today: date,
        now: datetime,
        batch_rows: int,
        progress: Callable[[str, float], None] | None = None,
        expected_rows: int | None = None,
    ) -> None:
        self.conn = conn
        self.progress = progress
        self.expected_rows = expected_rows
        self.sheet = sheet
        self.source = source
        self.mode = mode
        self.job_id = job_id
        self.today = today
        self.now = now
        self.batch_rows = batch_rows
        self.report = ErrorReport()
        self.errors = self.report.errors
        self.bad_rows: set[int] = set()
        self.rows: list[Row] = []
        self.total = 0
        self.estates: dict[tuple[str, str], EstatePlan] = {}
        self.buildings: dict[tuple[str, str, str], BuildingPlan] = {}
        self.created = self.updated = self.unchanged = 0
        self.records_written = 0
        self.conflicts: list[dict[str, Any]] = []
        self.conflict_count = 0
        self.heads: dict[tuple[Any, ...], str] = {}
        self.streets = StreetLookup(conn)
        header = columns.map_header(sheet)
        self.index = header.index
        self.labels = header.labels
        self.notes: list[str] = header.notes

    def err(self, row: int | None, fld: str, reason: str) -> None:
        self.report.add(row, fld, reason)
        if row is not None:
            self.bad_rows.add(row)

    def label(self, fld: str) -> str:
        """The column's header as the file wrote it (the layout's Chinese name if absent)."""
        return self.labels.get(fld, columns.SPEC[fld].label)

    def step(self, message: str, fraction: float) -> None:
        """Report progress to whoever watches (a job page, the command line); nothing if nobody does."""
        if self.progress is not None:
            self.progress(message, fraction)

    def read_fraction(self) -> float:
        """How far the reading stage (5 %–50 % of the whole) is: by the expected rows when known."""
        if self.expected_rows:
            return 0.05 + 0.45 * min(1.0, self.total / self.expected_rows)
        return 0.05 + 0.45 * self.total / (self.total + 20_000)

    def reason(self) -> str:
        """The reason recorded on the versions this import writes."""
        return f"导入作业 #{self.job_id}（{domain.IMPORT_SOURCES[self.source]}）"


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
