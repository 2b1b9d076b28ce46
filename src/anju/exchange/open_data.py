"""Open data (开放数据): the open datasets' aggregates, small cells suppressed
(:func:`anju.exchange.domain.suppress`), as CSV and as JSON. Aggregates only: an open dataset is
counts by dimensions, computed by the owning context's function (``Dataset.aggregate``); nothing
about one person or one home leaves this way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypedDict

from sqlalchemy import Connection

from anju import contexts
from anju.core import clock, csvout
from anju.core.errors import NotFound
from anju.exchange.catalogue import datasets
from anju.exchange.contract import Aggregate
from anju.exchange.domain import TOTAL, Dataset, OpenCell, suppress, suppress_by_period

SUPPRESSED_LABEL = "已隐去"


def open_datasets() -> list[Dataset]:
    return [d for d in datasets() if d.open_data]


def open_dataset(dataset_id: str) -> Dataset:
    for d in open_datasets():
        if d.id == dataset_id:
            return d
    raise NotFound(f"没有开放数据集 {dataset_id}")


@dataclass(frozen=True)
class OpenTable:
    dataset: Dataset
    as_of: date
    k: int
    cells: tuple[OpenCell, ...]
    withheld: int  # figures withheld (small ones and those that would reveal them)

    @property
    def note(self) -> str:
        return (
            f"小于 {self.k} 的数字已隐去；为使隐去的数字不能由合计反推，另有部分数字一并隐去"
            f"（标记“{SUPPRESSED_LABEL}”，不表示其小于 {self.k}）。"
            f"“{TOTAL}”行为合计。统计截至 {self.as_of.isoformat()}（北京时间）。"
        )


def table(conn: Connection, dataset_id: str, *, k: int, today: date | None = None) -> OpenTable:
    """The open dataset's figures with small cells suppressed."""
    ds = open_dataset(dataset_id)
    today = today or clock.today()
    assert ds.aggregate is not None  # check_dataset: an open dataset names its aggregate
    aggregate: Aggregate = contexts.load(ds.aggregate)
    rows = list(aggregate(conn, today))
    p = ds.period_dimension
    result = suppress(rows, k) if p is None else suppress_by_period(rows, k, p)
    return OpenTable(ds, today, k, result.cells, result.primary + result.secondary)


def to_csv(t: OpenTable) -> bytes:
    """CSV (UTF-8 with BOM, for spreadsheet programs): the fields' Chinese labels as the header, a
    withheld count left empty with 是 in the last column."""
    header = [f.label for f in t.dataset.fields] + ["是否隐去"]
    rows = [[*c.dims, "" if c.count is None else c.count, "是" if c.suppressed else "否"] for c in t.cells]
    return csvout.to_bytes(header, rows)


class FieldOut(TypedDict):
    name: str
    label: str
    unit: str


class OpenJson(TypedDict):
    dataset: str
    title: str
    as_of: str
    k: int
    note: str
    fields: list[FieldOut]
    rows: list[dict[str, str | int | bool | None]]


def to_json(t: OpenTable) -> OpenJson:
    """JSON: one object per figure, keyed by field name; a withheld count is null with ``suppressed``
    true; ``total`` marks the totals."""
    names = [f.name for f in t.dataset.fields]
    rows: list[dict[str, str | int | bool | None]] = []
    for c in t.cells:
        row: dict[str, str | int | bool | None] = dict(zip(names, c.dims, strict=False))
        row[names[-1]] = c.count
        row["suppressed"] = c.suppressed
        row["total"] = c.total
        rows.append(row)
    return OpenJson(
        dataset=t.dataset.id,
        title=t.dataset.title,
        as_of=t.as_of.isoformat(),
        k=t.k,
        note=t.note,
        fields=[FieldOut(name=f.name, label=f.label, unit=f.unit) for f in t.dataset.fields],
        rows=rows,
    )
