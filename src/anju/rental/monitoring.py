"""Rent monitoring (租金监测): rent levels and their changes per street, from filed leases.

Definitions (also in ``docs/rental.md`` "Guidance rents and rent monitoring"):

* a lease counts in the month its term starts (``start_on``) — the month from which that rent is
  paid — if it was filed (status filed, terminated or expired; a cancelled filing never counts) and
  has a positive rent and let area;
* rent level — the median and the mean of the monthly rent per m² of let area (fen per m², rounded
  to the fen) of the month's leases;
* month-on-month (环比) and year-on-year (同比) change — of the median, in per cent to two decimals,
  against the previous month and the same month a year earlier (none when either has no lease).

Every figure lies within the caller's scope (``scope.where`` on the lease's street), optionally
narrowed to one district or zone. Values are read in keyset pages of a few columns and aggregated
with numpy (one sort per statistic), so the same code answers on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypedDict

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    and_,
    cast,
    extract,
    false,
    func,
    or_,
    select,
    type_coerce,
)

from anju import divisions
from anju.core import clock, csvout
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.rental.guidance_model import FILED_STATUSES, group_quantile
from anju.rental.tables import rental_leases

PAGE_ROWS = 50_000
MAX_MONTHS = 60


@dataclass(frozen=True)
class Area:
    """What the figures cover: the caller's scope, narrowed to a district (its streets) when asked."""

    scope: Scope
    district: str | None = None
    streets: frozenset[str] | None = None

    def where(self, street_column: Any) -> list[ColumnElement[bool]]:
        conds = list(self.scope.where(street_column))
        if self.streets is not None:
            conds.append(street_column.in_(sorted(self.streets)) if self.streets else false())
        return conds


def _district_expr() -> Any:
    return func.coalesce(divisions.divisions_table.c.managing_code, divisions.divisions_table.c.parent_code)


def area(conn: Connection, scope: Scope, district: str | None) -> Area:
    """The area of a request; an unknown district is refused naming the field ``district``."""
    if not district:
        return Area(scope)
    row = conn.execute(
        select(divisions.divisions_table.c.level).where(divisions.divisions_table.c.code == district)
    ).first()
    if row is None or row.level not in ("district", "zone"):
        raise ValidationError.of("district", f"没有这个区（县）或功能区：{district}")
    streets = conn.execute(
        select(divisions.divisions_table.c.code).where(
            divisions.divisions_table.c.level == "street", _district_expr() == district
        )
    ).scalars()
    return Area(scope, district, frozenset(streets))


def district_choices(conn: Connection, scope: Scope) -> list[dict[str, str]]:
    """The districts the caller may narrow to (those managing a street of the scope)."""
    codes = sorted(
        c
        for c in conn.execute(
            select(_district_expr())
            .where(divisions.divisions_table.c.level == "street", *scope.where(divisions.divisions_table.c.code))
            .distinct()
        ).scalars()
        if c
    )
    names = _names(conn)
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def _names(conn: Connection) -> dict[str, str]:
    rows = conn.execute(
        select(divisions.divisions_table.c.code, divisions.divisions_table.c.name).where(
            divisions.divisions_table.c.level.in_(("city", "district", "zone", "street"))
        )
    )
    return {r[0]: r[1] for r in rows}


def _street_district(conn: Connection) -> dict[str, str]:
    return {
        r[0]: r[1]
        for r in conn.execute(
            select(divisions.divisions_table.c.code, _district_expr()).where(
                divisions.divisions_table.c.level == "street"
            )
        )
    }


def _area_name(names: dict[str, str], a: Area, street: str | None = None) -> str:
    if street:
        return names.get(street, street)
    if a.district:
        return names.get(a.district, a.district)
    if a.scope.unrestricted:
        return "全市"
    return names.get(a.scope.code, a.scope.code or "—")


# ------------------------------------------------------------------------------------------ months


def month_key(text: str, field: str = "month") -> int:
    """``YYYY-MM`` → months since year 0 (y·12 + m − 1)."""
    try:
        y, m = int(text[:4]), int(text[5:7])
        if len(text) != 7 or text[4] != "-" or not 1 <= m <= 12 or y < 1900:
            raise ValueError
    except ValueError:
        raise ValidationError.of(field, "应为 YYYY-MM 形式的月份，如 2026-05") from None
    return y * 12 + m - 1


def month_text(key: int) -> str:
    y, m = divmod(key, 12)
    return f"{y:04d}-{m + 1:02d}"


def _month_start(key: int) -> date:
    y, m = divmod(key, 12)
    return date(y, m + 1, 1)


def _read(conn: Connection, a: Area, months: Sequence[tuple[int, int]], street: str | None) -> Iterator[Any]:
    """(street, month key, rent fen, area hundredths) of the counted leases whose start month lies in
    one of the ``months`` ranges (first, last inclusive), in keyset pages by id."""
    l = rental_leases  # noqa: E741
    area_raw = type_coerce(l.c.area, BigInteger)
    key = cast(extract("year", l.c.start_on), Integer) * 12 + cast(extract("month", l.c.start_on), Integer) - 1
    spans = [and_(l.c.start_on >= _month_start(lo), l.c.start_on < _month_start(hi + 1)) for lo, hi in months]
    cond = [
        l.c.status.in_(FILED_STATUSES),
        or_(*spans),
        l.c.rent_fen > 0,
        area_raw > 0,
        *a.where(l.c.street_code),
    ]
    if street:
        cond.append(l.c.street_code == street)
    last = 0
    while True:
        rows = conn.execute(
            select(l.c.id, l.c.street_code, key, l.c.rent_fen, area_raw)
            .where(*cond, l.c.id > last)
            .order_by(l.c.id)
            .limit(PAGE_ROWS)
        ).all()
        yield from rows
        if len(rows) < PAGE_ROWS:
            return
        last = int(rows[-1][0])


@dataclass
class Cells:
    """Statistics per (key, month) cell: counts, medians and means of rent per m²."""

    keys: list[str]  # "" for the whole area
    first: int
    n_months: int
    count: np.ndarray[Any, Any]
    median: np.ndarray[Any, Any]
    mean: np.ndarray[Any, Any]

    def at(self, key: str, month: int) -> tuple[int, float | None, float | None]:
        if key not in self._index or not self.first <= month < self.first + self.n_months:
            return 0, None, None
        c = self._index[key] * self.n_months + month - self.first
        n = int(self.count[c])
        return (n, float(self.median[c]), float(self.mean[c])) if n else (0, None, None)

    def __post_init__(self) -> None:
        self._index = {k: i for i, k in enumerate(self.keys)}


def _cells(rows: Iterator[Any], first: int, n_months: int, *, by_street: bool) -> Cells:
    streets: dict[str, int] = {"": 0}
    key_col: list[int] = []
    month_col: list[int] = []
    rent_col: list[float] = []
    for _id, street, month, rent, area_raw in rows:
        key_col.append(streets.setdefault(street, len(streets)) if by_street else 0)
        month_col.append(int(month) - first)
        rent_col.append(int(rent) * 100 / int(area_raw))
    keys = list(streets)
    k = np.asarray(key_col, dtype=np.int64)
    m = np.asarray(month_col, dtype=np.int64)
    v = np.asarray(rent_col, dtype=np.float64)
    n_keys = len(keys)
    size = n_keys * n_months
    if by_street and k.size:  # every lease also counts in the whole area (key 0)
        k = np.concatenate([k, np.zeros_like(k)])
        m = np.concatenate([m, m])
        v = np.concatenate([v, v])
    cell = k * n_months + m
    count = np.bincount(cell, minlength=size)
    total = np.bincount(cell, weights=v, minlength=size)
    mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    median = group_quantile(v, cell, size, 0.5)
    return Cells(keys, first, n_months, count, median, mean)


def _change(now: float | None, before: float | None) -> float | None:
    if now is None or before is None or before <= 0:
        return None
    return round((now / before - 1) * 100, 2)


def _fen(v: float | None) -> int | None:
    return None if v is None else round(v)


def _latest_month(conn: Connection, a: Area, street: str | None = None) -> int | None:
    l = rental_leases  # noqa: E741
    cond = [l.c.status.in_(FILED_STATUSES), l.c.start_on <= clock.today(), *a.where(l.c.street_code)]
    if street:
        cond.append(l.c.street_code == street)
    last = conn.execute(select(func.max(l.c.start_on)).where(*cond)).scalar_one()
    if last is None:
        return None
    if isinstance(last, str):  # SQLite returns the aggregate of a date column untyped
        last = date.fromisoformat(last)
    return int(last.year * 12 + last.month - 1)


class Figure(TypedDict):
    """Rent level of a month (fen per m²) and its changes (per cent)."""

    leases: int
    median_fen_m2: int | None
    mean_fen_m2: int | None
    mom_pct: float | None
    yoy_pct: float | None


class StreetFigure(Figure):
    street_code: str
    street_name: str
    district_code: str
    district_name: str


class StreetsView(TypedDict):
    """A month's rent levels per street of an area, and the area's."""

    area_code: str | None
    area_name: str
    month: str | None
    total: Figure | None
    streets: list[StreetFigure]


class MonthFigure(Figure):
    month: str


class SeriesView(TypedDict):
    """Monthly rent levels of an area (or of one street of it)."""

    area_code: str | None
    area_name: str
    street_code: str | None
    months: list[str]
    points: list[MonthFigure]


def _figure(cells: Cells, key: str, month: int) -> Figure:
    n, med, mean = cells.at(key, month)
    _, med_prev, _ = cells.at(key, month - 1)
    _, med_year, _ = cells.at(key, month - 12)
    return {
        "leases": n,
        "median_fen_m2": _fen(med),
        "mean_fen_m2": _fen(mean),
        "mom_pct": _change(med, med_prev),
        "yoy_pct": _change(med, med_year),
    }


def streets(conn: Connection, *, scope: Scope, district: str | None = None, month: str | None = None) -> StreetsView:
    """Rent levels of ``month`` (default: the latest month with leases) per street of the area, with
    their month-on-month and year-on-year changes, and the same for the whole area."""
    a = area(conn, scope, district)
    names = _names(conn)
    m = month_key(month) if month else _latest_month(conn, a)
    area_code, area_name = a.district or a.scope.code or None, _area_name(names, a)
    if m is None:
        return {"area_code": area_code, "area_name": area_name, "month": None, "total": None, "streets": []}
    cells = _cells(_read(conn, a, [(m - 12, m - 12), (m - 1, m)], None), m - 12, 13, by_street=True)
    sd = _street_district(conn)
    rows: list[StreetFigure] = []
    for s in sorted(k for k in cells.keys if k):
        fig = _figure(cells, s, m)
        if not fig["leases"] and not cells.at(s, m - 1)[0]:
            continue  # only a year-ago lease: nothing to show for this month
        rows.append(
            {
                "street_code": s,
                "street_name": names.get(s, s),
                "district_code": sd.get(s, s[:6]),
                "district_name": names.get(sd.get(s, s[:6]), s[:6]),
                **fig,
            }
        )
    return {
        "area_code": area_code,
        "area_name": area_name,
        "month": month_text(m),
        "total": _figure(cells, "", m),
        "streets": rows,
    }


def series(
    conn: Connection,
    *,
    scope: Scope,
    district: str | None = None,
    street: str | None = None,
    months: int = 24,
    until: str | None = None,
) -> SeriesView:
    """Monthly rent levels of the area (or of one street in it) for ``months`` months up to ``until``
    (default: the latest month with leases), with their changes."""
    if not 1 <= months <= MAX_MONTHS:
        raise ValidationError.of("months", f"月数应在 1 到 {MAX_MONTHS} 之间")
    a = area(conn, scope, district)
    names = _names(conn)
    if street and (not a.scope.allows(street) or (a.streets is not None and street not in a.streets)):
        street_ok = False
    else:
        street_ok = True
    area_code, area_name = street or a.district or a.scope.code or None, _area_name(names, a, street)
    last = month_key(until, "until") if until else (_latest_month(conn, a, street) if street_ok else None)
    if last is None:
        return {"area_code": area_code, "area_name": area_name, "street_code": street, "months": [], "points": []}
    first = last - months + 1
    rows = _read(conn, a, [(first - 12, last)], street) if street_ok else iter(())
    cells = _cells(rows, first - 12, months + 12, by_street=False)
    points: list[MonthFigure] = [{"month": month_text(k), **_figure(cells, "", k)} for k in range(first, last + 1)]
    return {
        "area_code": area_code,
        "area_name": area_name,
        "street_code": street,
        "months": [p["month"] for p in points],
        "points": points,
    }


# ------------------------------------------------------------------------------------------ exports

STREET_COLUMNS = [
    "月份",
    "区代码",
    "区",
    "街道代码",
    "街道",
    "合同数",
    "租金中位数(元/㎡·月)",
    "租金均值(元/㎡·月)",
    "环比(%)",
    "同比(%)",
]
SERIES_COLUMNS = ["月份", "范围", "合同数", "租金中位数(元/㎡·月)", "租金均值(元/㎡·月)", "环比(%)", "同比(%)"]


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def table(
    conn: Connection, name: str, *, scope: Scope, params: dict[str, Any]
) -> tuple[str, list[str], list[list[Any]]]:
    """(title, header, rows) of an export: ``streets`` or ``series``."""
    if name == "streets":
        f = streets(conn, scope=scope, district=params.get("district"), month=params.get("month"))
        rows = [
            [
                f["month"],
                r["district_code"],
                r["district_name"],
                r["street_code"],
                r["street_name"],
                r["leases"],
                _yuan(r["median_fen_m2"]),
                _yuan(r["mean_fen_m2"]),
                r["mom_pct"],
                r["yoy_pct"],
            ]
            for r in f["streets"]
        ]
        return f"各街道租金水平 {f['area_name']} {f['month'] or ''}", STREET_COLUMNS, rows
    s = series(
        conn,
        scope=scope,
        district=params.get("district"),
        street=params.get("street"),
        months=int(params.get("months") or 24),
        until=params.get("until"),
    )
    rows = [
        [
            p["month"],
            s["area_name"],
            p["leases"],
            _yuan(p["median_fen_m2"]),
            _yuan(p["mean_fen_m2"]),
            p["mom_pct"],
            p["yoy_pct"],
        ]
        for p in s["points"]
    ]
    return f"月度租金走势 {s['area_name']}", SERIES_COLUMNS, rows


def csv_bytes(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (Excel shows Chinese correctly), CRLF line ends."""
    return csvout.to_bytes(columns, rows)


def xlsx_bytes(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """One sheet: a title row, the header and the rows (openpyxl, write-only)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("租金监测")
    ws.append([title])
    ws.append(list(columns))
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
