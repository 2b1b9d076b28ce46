"""Upward reporting (向上级报送): a reported year's indicator set in a documented machine-readable form,
CSV or JSON (docs/plan.md, "Upward reporting export"). What is exported is the **reported** figures (the
current version of the year, or a named version), never the live values, so what goes up is what the
bureau signed off. :func:`read_csv` and :func:`read_json` read the files back (round trip).

Columns, in this order: ``plan_code, edition, target_key, indicator, area_code, year, target, actual,
unit, status, reported_at, version`` (+ ``missing``, the reason of a figure without data). Decimals are
exact text (``12.5``), ``actual`` empty / null when there is no data, ``reported_at`` ISO 8601 with its
offset. The CSV is UTF-8 without a byte-order mark, LF line ends; the JSON is an object
``{"format": "anju-plan-export-v1", "synthetic": bool, "rows": [...]}``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from anju.core import csvout
from anju.plan.domain import STATUS_LABELS, Status
from anju.plan.monitoring import ReportedFigure

FORMAT = "anju-plan-export-v1"
COLUMNS = (
    "plan_code",
    "edition",
    "target_key",
    "indicator",
    "area_code",
    "year",
    "target",
    "actual",
    "unit",
    "status",
    "reported_at",
    "version",
    "missing",
)


@dataclass(frozen=True)
class ExportRow:
    plan_code: str
    edition: int
    target_key: str
    indicator: str
    area_code: str
    year: int
    target: Decimal
    actual: Decimal | None
    unit: str
    status: Status
    reported_at: datetime
    version: int
    missing: str | None = None


def rows(figures: Sequence[ReportedFigure]) -> list[ExportRow]:
    return [
        ExportRow(
            f.report.plan_code,
            f.report.edition,
            f.target_key,
            f.indicator,
            f.area_code,
            f.report.year,
            f.target,
            f.actual,
            f.unit,
            f.status,
            f.report.reported_at,
            f.report.version,
            f.missing,
        )
        for f in figures
    ]


def _cells(r: ExportRow) -> list[Any]:
    return [
        r.plan_code,
        r.edition,
        r.target_key,
        r.indicator,
        r.area_code,
        r.year,
        str(r.target),
        None if r.actual is None else str(r.actual),
        r.unit,
        r.status,
        r.reported_at.isoformat(),
        r.version,
        r.missing,
    ]


def to_csv(out: Sequence[ExportRow]) -> str:
    """The rows as CSV text (header first; through the platform's one CSV writer)."""
    buf = io.StringIO()
    w = csvout.Writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for r in out:
        w.writerow(_cells(r))
    return buf.getvalue()


def to_json(out: Sequence[ExportRow], *, synthetic: bool) -> str:
    items = [dict(zip(COLUMNS, _cells(r), strict=True)) for r in out]
    return json.dumps({"format": FORMAT, "synthetic": synthetic, "rows": items}, ensure_ascii=False, indent=1)


def _row(d: dict[str, Any]) -> ExportRow:
    status = str(d["status"])
    if status not in STATUS_LABELS:
        raise ValueError(f"status: 未知的状态 {status}")
    actual = d.get("actual")
    return ExportRow(
        str(d["plan_code"]),
        int(d["edition"]),
        str(d["target_key"]),
        str(d["indicator"]),
        str(d["area_code"]),
        int(d["year"]),
        Decimal(str(d["target"])),
        None if actual in (None, "") else Decimal(str(actual)),
        str(d["unit"]),
        cast(Status, status),  # checked above
        datetime.fromisoformat(str(d["reported_at"])),
        int(d["version"]),
        d.get("missing") or None,
    )


def read_csv(text: str) -> list[ExportRow]:
    reader = csv.DictReader(io.StringIO(text.lstrip(csvout.BOM)))
    return [_row(dict(r)) for r in reader]


def read_json(text: str) -> list[ExportRow]:
    doc = json.loads(text)
    if doc.get("format") != FORMAT:
        raise ValueError(f"format: 应为 {FORMAT}")
    return [_row(d) for d in doc["rows"]]


__all__ = ["COLUMNS", "FORMAT", "ExportRow", "read_csv", "read_json", "rows", "to_csv", "to_json"]
