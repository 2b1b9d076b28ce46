"""The sales frame: every sale for statistics, one row per sale, as an Arrow table the engines load.

Read through the transactions context's public streaming reader (``anju.transactions.statistical_sales``:
filed new-home contracts and filed or registered resale contracts of residential homes, with the
register's characteristics), converted batch by batch into Arrow record batches, so memory is the
frame itself (≈ 120 bytes a sale: 2 M sales ≈ 250 MB) and never a list of Python objects of every sale.

Columns (:data:`SCHEMA`):

- ``sale_id`` (unique), ``home_id`` (the register's property id), ``segment`` (new | resale);
- ``district``, ``street``, ``estate_id`` (the location; the estate is the hedonic fixed effect);
- ``month`` (``YYYY-MM`` of the signing), ``t`` (the period: months since the run's first month, the
  index base), ``day`` (the signing day as days since 1970-01-01: the order of a home's sales);
- ``price_fen`` (total), ``unit_price_fen`` (fen per m²), ``unit_price`` (yuan per m², float),
  ``area`` (construction area, m², float for statistics), ``band`` (``domain.band_of``);
- ``floor``, ``floors`` (the building's floors above ground), ``age`` (years from the building's
  year to the signing, ≥ 0; 0 when the register has no year), ``structure``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import pyarrow as pa
from sqlalchemy import Connection

from anju import transactions
from anju.market import domain

SCHEMA = pa.schema(
    [
        ("sale_id", pa.int64()),
        ("home_id", pa.int64()),
        ("segment", pa.string()),
        ("district", pa.string()),
        ("street", pa.string()),
        ("estate_id", pa.int64()),
        ("month", pa.string()),
        ("t", pa.int32()),
        ("day", pa.int32()),
        ("price_fen", pa.int64()),
        ("unit_price_fen", pa.int64()),
        ("unit_price", pa.float64()),
        ("area", pa.float64()),
        ("band", pa.string()),
        ("floor", pa.int32()),
        ("floors", pa.int32()),
        ("age", pa.float64()),
        ("structure", pa.string()),
    ]
)

_EPOCH = date(1970, 1, 1)


def age_at(year_built: int | None, day: date) -> float:
    """Years from the building's year (taken as its middle) to ``day``, never negative; 0 when unknown."""
    if year_built is None:
        return 0.0
    return max(0.0, day.year - year_built + (day.month - 6) / 12)


def _batch(b: transactions.SalesBatch, base: int) -> pa.RecordBatch:
    months = [f"{d.year:04d}-{d.month:02d}" for d in b.signed_on]
    t = [d.year * 12 + d.month - 1 - base for d in b.signed_on]
    return pa.RecordBatch.from_arrays(
        [
            pa.array(b.sale_id, pa.int64()),
            pa.array(b.home_id, pa.int64()),
            pa.array(b.segment, pa.string()),
            pa.array(b.district_code, pa.string()),
            pa.array(b.street_code, pa.string()),
            pa.array(b.estate_id, pa.int64()),
            pa.array(months, pa.string()),
            pa.array(t, pa.int32()),
            pa.array([(d - _EPOCH).days for d in b.signed_on], pa.int32()),
            pa.array(b.total_price_fen, pa.int64()),
            pa.array(b.unit_price_fen, pa.int64()),
            pa.array([u / 100.0 for u in b.unit_price_fen], pa.float64()),
            pa.array([float(a) for a in b.area], pa.float64()),
            pa.array([domain.band_of(a) for a in b.area], pa.string()),
            pa.array(b.floor, pa.int32()),
            pa.array(b.floors, pa.int32()),
            pa.array([age_at(y, d) for y, d in zip(b.year_built, b.signed_on, strict=True)], pa.float64()),
            pa.array(b.structure, pa.string()),
        ],
        schema=SCHEMA,
    )


def batches(conn: Connection, *, first_month: str, last_month: str) -> Iterable[pa.RecordBatch]:
    """The frame's record batches, streamed from the database."""
    fy, fm = domain.parse_month(first_month)
    ly, lm = domain.parse_month(last_month)
    base = domain.month_index(first_month)
    for b in transactions.statistical_sales(conn, first_month=date(fy, fm, 1), last_month=date(ly, lm, 1)):
        yield _batch(b, base)


def sales_frame(conn: Connection, *, first_month: str, last_month: str) -> pa.Table:
    """Every sale of the window as one Arrow table (:data:`SCHEMA`)."""
    return pa.Table.from_batches(list(batches(conn, first_month=first_month, last_month=last_month)), SCHEMA)
