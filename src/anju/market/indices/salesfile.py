"""A sales file (CSV) for ``anju market index``: read, validate, estimate.

The file has a header with ``property_id,period,price`` (any order) and, for the hedonic method, further
columns as characteristics. ``period`` is ``YYYY-MM``; ``price`` a positive finite number. A
characteristic column whose every value is a number is used as is; otherwise it is categorical: one
dummy per level, the first level (in sorted order) dropped. Reading streams the rows with the csv module
and keeps only compact arrays (codes and floats), so memory is proportional to the sales; the hedonic
moments are accumulated in chunks (:data:`CHUNK` sales at a time).

Periods span the file's first to its last month, every month, including months without sales.
"""

from __future__ import annotations

import csv
import math
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final, TextIO

import numpy as np

from anju.market.domain import month_at, month_index
from anju.market.indices.cells import Floats, HedonicMoments, IndexSeries
from anju.market.indices.hedonic import hedonic, moments_from_arrays
from anju.market.indices.repeat_sales import arithmetic, geometric, pairs_from_sales

REQUIRED: Final = ("property_id", "period", "price")
CHUNK: Final = 200_000


class SalesFileError(ValueError):
    """Bad input: the message names the line and the column (Chinese)."""


@dataclass
class _Column:
    """A characteristic column: each distinct value's code and the line it first appears on."""

    name: str
    codes: array[int] = field(default_factory=lambda: array("i"))
    levels: dict[str, tuple[int, int]] = field(default_factory=dict)

    def add(self, value: str, line: int) -> None:
        level = self.levels.get(value)
        if level is None:
            level = self.levels[value] = (len(self.levels), line)
        self.codes.append(level[0])


@dataclass
class Sales:
    """The sales of a file: per sale a property code, a period (0 = the first month) and a price."""

    first_month: str
    periods: int
    property_code: np.ndarray
    period: np.ndarray
    price: np.ndarray
    columns: list[_Column]

    def month(self, t: int) -> str:
        return month_at(month_index(self.first_month) + t)


def _error(line: int, column: str, reason: str) -> SalesFileError:
    return SalesFileError(f"第 {line} 行，列 {column}：{reason}")


def _header(row: list[str] | None) -> dict[str, int]:
    if row is None:
        raise SalesFileError("文件为空：需要表头 property_id,period,price")
    names = [c.strip() for c in row]
    if names and names[0].startswith("\ufeff"):
        names[0] = names[0][1:]
    seen: set[str] = set()
    for i, name in enumerate(names, 1):
        if not name:
            raise _error(1, f"第 {i} 列", "表头的列名为空")
        if name in seen:
            raise _error(1, name, "列名重复")
        seen.add(name)
    missing = [c for c in REQUIRED if c not in seen]
    if missing:
        raise _error(1, "、".join(missing), "表头缺少必需的列（需要 property_id,period,price）")
    return {name: i for i, name in enumerate(names)}


def _price(text: str, line: int) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _error(line, "price", f"不是数字：{text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise _error(line, "price", f"必须是正数：{text!r}")
    return value


def read(stream: TextIO) -> Sales:
    """Read and validate a sales file; SalesFileError naming the line and column on bad input."""
    reader = csv.reader(stream)
    try:
        index = _header(next(reader, None))
        ip, it, iv = (index[c] for c in REQUIRED)
        columns = [_Column(name) for name in index if name not in REQUIRED]
        positions = [index[c.name] for c in columns]
        ids: dict[str, int] = {}
        pcode, month, price = array("q"), array("q"), array("d")
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(index):
                raise _error(line, "（整行）", f"有 {len(row)} 列，表头有 {len(index)} 列")
            pid = row[ip].strip()
            if not pid:
                raise _error(line, "property_id", "为空")
            try:
                month.append(month_index(row[it].strip()))
            except ValueError as e:
                raise _error(line, "period", str(e)) from None
            price.append(_price(row[iv].strip(), line))
            pcode.append(ids.setdefault(pid, len(ids)))
            for col, pos in zip(columns, positions, strict=True):
                value = row[pos].strip()
                if not value:
                    raise _error(line, col.name, "特征值为空")
                col.add(value, line)
    except UnicodeDecodeError:
        raise SalesFileError("文件不是 UTF-8 文本") from None
    except csv.Error as e:
        raise _error(reader.line_num, "（整行）", f"CSV 格式错误：{e}") from None
    if not month:
        raise SalesFileError("文件没有数据行")
    m = np.frombuffer(month, dtype=np.int64)
    first = int(m.min())
    return Sales(month_at(first), int(m.max()) - first + 1, np.frombuffer(pcode, dtype=np.int64),
                 m - first, np.frombuffer(price, dtype=np.float64), columns)  # fmt: skip


def _numeric(col: _Column) -> np.ndarray | None:
    """The column's values as floats if every level is a finite number, else None (categorical)."""
    values = np.zeros(len(col.levels), dtype=np.float64)
    for text, (code, line) in col.levels.items():
        try:
            v = float(text)
        except ValueError:
            return None
        if not math.isfinite(v):
            raise _error(line, col.name, f"不是有限的数：{text!r}")
        values[code] = v
    return values


@dataclass(frozen=True)
class _Design:
    names: tuple[str, ...]
    parts: list[tuple[np.ndarray, np.ndarray | None]]  # per column: code → value, or code → dummy index


def _design(columns: Iterable[_Column]) -> _Design:
    names: list[str] = []
    parts: list[tuple[np.ndarray, np.ndarray | None]] = []
    for col in columns:
        numeric = _numeric(col)
        if numeric is not None:
            names.append(col.name)
            parts.append((numeric, None))
            continue
        levels = sorted(col.levels)
        dummy = np.full(len(col.levels), -1, dtype=np.int64)
        for j, level in enumerate(levels[1:]):
            dummy[col.levels[level][0]] = j
        names += [f"{col.name}={level}" for level in levels[1:]]
        parts.append((np.zeros(0), dummy))
    return _Design(tuple(names), parts)


def _chunk_x(sales: Sales, design: _Design, lo: int, hi: int) -> Floats:
    x = np.zeros((hi - lo, len(design.names)), dtype=np.float64)
    j = 0
    rows = np.arange(hi - lo)
    for col, (values, dummy) in zip(sales.columns, design.parts, strict=True):
        codes = np.frombuffer(col.codes, dtype=np.int32)[lo:hi]
        if dummy is None:
            x[:, j] = values[codes]
            j += 1
            continue
        d = dummy[codes]
        x[rows[d >= 0], j + d[d >= 0]] = 1.0
        j += int((dummy >= 0).sum())
    return x


def hedonic_moments(sales: Sales) -> HedonicMoments:
    """The hedonic moments of the file's sales (log price; common intercept), accumulated in chunks."""
    design = _design(sales.columns)
    total: HedonicMoments | None = None
    for lo in range(0, len(sales.period), CHUNK):
        hi = min(lo + CHUNK, len(sales.period))
        part = moments_from_arrays(sales.period[lo:hi], np.log(sales.price[lo:hi]), _chunk_x(sales, design, lo, hi),
                                   design.names, periods=sales.periods)  # fmt: skip
        total = part if total is None else total.plus(part)
    assert total is not None  # read() refuses a file without rows
    return total


def estimate(sales: Sales, method: str, *, weights: str, min_obs: int) -> IndexSeries:
    """The index of the file's sales by ``method`` (one of ``domain.CLI_METHODS``)."""
    if method == "hedonic":
        return hedonic(hedonic_moments(sales), min_sales=min_obs)
    pairs = pairs_from_sales(sales.property_code, sales.period, sales.price, periods=sales.periods)
    if method == "repeat-sales-geometric":
        return geometric(pairs, weights=weights, min_pairs=min_obs)
    if method == "repeat-sales-arithmetic":
        return arithmetic(pairs, weights=weights, min_pairs=min_obs)
    raise ValueError(f"unknown method {method!r}")


def report(sales: Sales, series: IndexSeries) -> list[str]:
    """What a reader of the output must know, one line each (Chinese): unestimable and thin months and
    the estimator's notes."""
    unit = "笔成交" if series.method == "hedonic" else "对重复交易"
    none_reason = "没有成交" if series.method == "hedonic" else "没有重复交易"
    lines = []
    for t, (status, n) in enumerate(zip(series.status, series.observations, strict=True)):
        if status == "none":
            reason = none_reason if n == 0 else "与基期不连通"
            lines.append(f"{sales.month(t)}: 无法估计（{reason}）")
        elif status == "thin":
            lines.append(f"{sales.month(t)}: 样本偏少（{n} {unit}）")
    return lines + [f"说明：{note}" for note in series.notes]


def write(out: TextIO, sales: Sales, series: IndexSeries) -> None:
    """``period,index`` (first period = 100, six decimals; empty where not estimable)."""
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["period", "index"])
    for t, value in enumerate(series.index):
        w.writerow([sales.month(t), f"{value:.6f}" if series.status[t] != "none" and np.isfinite(value) else ""])
