"""Plans as data: reading a plan file, checking its internal consistency, the shipped and loaded editions.

A plan file (TOML, documented in docs/plan.md) is one edition of a published plan: ``[plan]``, its
``[[target]]`` lines (专栏3 and the figures stated only in the text) and its ``[[table]]`` tables as
published (专栏1, 2, 5, 6), each table optionally declaring which of its cells are targets
(``[[table.measure]]``). :func:`read_plan` refuses a file it cannot understand (:class:`PlanReadError`
naming the key); :func:`check` reports what the plan's own figures do not add up to — never correcting
them, because the published plan is the legal text.

The shipped editions are ``data/<city>/<plan code>.toml``; ``anju plan load FILE`` stores another edition
(a correction of the data, or the next plan) in ``plan_editions`` with its text and hash, so the next
plan loads without code changes. :func:`current_plan` is what the platform monitors.
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, cast, get_args

from sqlalchemy import Connection, Engine, func, insert, select

from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.plan.domain import (
    COMPARISONS,
    PERIODS,
    Comparison,
    Inconsistency,
    Nature,
    Period,
    Plan,
    PlanTable,
    TableRow,
    Target,
)
from anju.plan.tables import plan_editions
from anju.security import Caller, audited, set_audit_detail, set_audit_target

DATA = Path(__file__).parent / "data"
NO_VALUE = "-"  # the plan's "no value"

#: Known unit conversions: value in ``from`` × factor = value in ``to`` (checked against a target's factor).
CONVERSIONS: dict[tuple[str, str], Decimal] = {
    ("套", "万套"): Decimal("0.0001"),
    ("平方米", "万平方米"): Decimal("0.0001"),
    ("人", "万人"): Decimal("0.0001"),
    ("平方米", "公顷"): Decimal("0.0001"),
    ("公顷", "平方米"): Decimal(10_000),
    ("万套", "套"): Decimal(10_000),
    ("万平方米", "平方米"): Decimal(10_000),
}

PLAN_KEYS = {"code", "name", "city", "first_year", "last_year", "source", "previous"}
TARGET_KEYS = {"key", "label", "indicator", "unit", "value", "comparison", "nature", "period", "source", "area",
               "year", "factor", "tolerance", "table_cell"}  # fmt: skip
TABLE_KEYS = {"code", "title", "unit", "columns", "rows", "row_totals", "indicator", "shares", "text_columns",
              "measure"}  # fmt: skip
ROW_KEYS = {"label", "area", "values", "total", "texts"}
MEASURE_KEYS = {"indicator", "unit", "factor", "columns", "rows", "comparison", "nature", "tolerance"}
CELL_KEYS = {"table", "row", "column", "factor"}
NATURES: tuple[Nature, ...] = get_args(Nature)


class PlanReadError(ValueError):
    """The plan file cannot be read or is malformed; the message names the file and key."""


# ------------------------------------------------------------------------------------------- reading


class _Reader:
    def __init__(self, where: str, indicators: Collection[str], areas: Collection[str]) -> None:
        self.where = where
        self.indicators = indicators
        self.areas = areas

    def fail(self, key: str, msg: str) -> PlanReadError:
        return PlanReadError(f"{self.where}: {key}: {msg}")

    def table(self, raw: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(raw, dict):
            raise self.fail(key, "应为表")
        return cast(Mapping[str, Any], raw)

    def keys(self, raw: Mapping[str, Any], allowed: Collection[str], key: str) -> None:
        unknown = sorted(set(raw) - set(allowed))
        if unknown:
            raise self.fail(key, f"未知的键 {', '.join(unknown)}")

    def text(self, raw: Mapping[str, Any], name: str, key: str, *, default: str | None = None) -> str:
        v = raw.get(name, default)
        if v is None:
            raise self.fail(f"{key}.{name}", "缺少")
        if not isinstance(v, str) or (default is None and not v.strip()):
            raise self.fail(f"{key}.{name}", "应为非空字符串")
        return v.strip()

    def integer(self, raw: Mapping[str, Any], name: str, key: str) -> int:
        v = raw.get(name)
        if not isinstance(v, int) or isinstance(v, bool):
            raise self.fail(f"{key}.{name}", "应为整数")
        return v

    def number(self, v: Any, key: str, *, blank: bool = False) -> Decimal | None:
        if blank and isinstance(v, str) and v.strip() == NO_VALUE:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise self.fail(key, f"“{v}”不是数字")
        try:
            d = Decimal(str(v).strip())
        except InvalidOperation:
            raise self.fail(key, f"“{v}”不是数字") from None
        if not d.is_finite():
            raise self.fail(key, f"“{v}”不是有限的数字")
        return d

    def decimal(self, raw: Mapping[str, Any], name: str, key: str, default: Decimal | None = None) -> Decimal:
        if name not in raw:
            if default is None:
                raise self.fail(f"{key}.{name}", "缺少")
            return default
        d = self.number(raw[name], f"{key}.{name}")
        assert d is not None
        return d

    def choice(self, raw: Mapping[str, Any], name: str, key: str, allowed: Sequence[str]) -> str:
        v = raw.get(name)
        if v not in allowed:
            raise self.fail(f"{key}.{name}", f"应为 {', '.join(allowed)} 之一")
        return cast(str, v)

    def indicator(self, raw: Mapping[str, Any], key: str) -> str:
        code = self.text(raw, "indicator", key)
        if code not in self.indicators:
            raise self.fail(f"{key}.indicator", f"“{code}”不在指标字典中")
        return code

    def area(self, v: Any, key: str, city: str) -> str:
        if not isinstance(v, str) or (v != city and v not in self.areas):
            raise self.fail(key, f"“{v}”不是本市（{city}）的区划代码")
        return v

    def strings(self, raw: Mapping[str, Any], name: str, key: str) -> tuple[str, ...]:
        v = raw.get(name, [])
        if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
            raise self.fail(f"{key}.{name}", "应为字符串列表")
        return tuple(x.strip() for x in v)


@cache
def _districts(city: str) -> frozenset[str]:
    from anju.divisions import read_city_spec

    try:
        spec = read_city_spec(city)
    except Exception:  # a city without division data: no district is known
        return frozenset()
    return frozenset({d[0] for d in spec.districts} | {z[0] for z in spec.zones})


def _dictionary_codes() -> set[str]:
    from anju.indicators import dictionary

    return set(dictionary())


def parse_plan(
    text: str,
    where: str,
    *,
    edition: int = 1,
    indicators: Collection[str] | None = None,
    areas: Collection[str] | None = None,
) -> Plan:
    """The plan in ``text`` (``where`` names it in errors). ``indicators`` (default: the shipped
    dictionary's codes) and ``areas`` (default: the city's districts and zones) are what it may name."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PlanReadError(f"{where}: 不是有效的 TOML（{e}）") from None
    r = _Reader(where, (), ())
    r.keys(doc, {"plan", "target", "table"}, "文件")
    head = r.table(doc.get("plan"), "plan")
    r.keys(head, PLAN_KEYS, "plan")
    city = r.text(head, "city", "plan")
    r.indicators = _dictionary_codes() if indicators is None else indicators
    r.areas = _districts(city) if areas is None else areas
    first, last = r.integer(head, "first_year", "plan"), r.integer(head, "last_year", "plan")
    if not 1990 <= first <= last <= first + 9:
        raise r.fail("plan.last_year", "规划期应为 first_year 起至多十年")
    code = r.text(head, "code", "plan")
    previous = head.get("previous")
    if previous is not None and not isinstance(previous, str):
        raise r.fail("plan.previous", "应为字符串")
    targets = [_target(r, t, f"target[{i}]", city, first, last) for i, t in enumerate(_list(r, doc, "target"))]
    tables: list[PlanTable] = []
    for i, raw in enumerate(_list(r, doc, "table")):
        table, cells = _table(r, raw, f"table[{i}]", city)
        if any(t.code == table.code for t in tables):
            raise r.fail(f"table[{i}].code", f"“{table.code}”重复")
        tables.append(table)
        targets.extend(cells)
    seen: set[str] = set()
    for t in targets:
        if t.key in seen:
            raise r.fail("target.key", f"“{t.key}”重复")
        seen.add(t.key)
    by_code = {t.code: t for t in tables}
    for i, t in enumerate(targets):
        if t.cell is not None:
            _cell_of(r, by_code, t.cell, f"target[{i}].table_cell")
    return Plan(
        code=code,
        edition=edition,
        name=r.text(head, "name", "plan"),
        city=city,
        first_year=first,
        last_year=last,
        targets=tuple(targets),
        tables=tuple(tables),
        source=r.text(head, "source", "plan", default=""),
        previous=previous,
    )


def _list(r: _Reader, doc: Mapping[str, Any], name: str) -> list[Mapping[str, Any]]:
    v = doc.get(name, [])
    if not isinstance(v, list):
        raise r.fail(name, f"应为 [[{name}]] 列表")
    return [r.table(x, f"{name}[{i}]") for i, x in enumerate(v)]


def _target(r: _Reader, raw: Mapping[str, Any], key: str, city: str, first: int, last: int) -> Target:
    r.keys(raw, TARGET_KEYS, key)
    year = raw.get("year")
    if year is not None and (not isinstance(year, int) or not first <= year <= last):
        raise r.fail(f"{key}.year", f"应为规划期 {first}–{last} 内的年份")
    cell: tuple[str, str, str] | None = None
    cell_factor = Decimal(1)
    if "table_cell" in raw:
        c = r.table(raw["table_cell"], f"{key}.table_cell")
        r.keys(c, CELL_KEYS, f"{key}.table_cell")
        cell = tuple(r.text(c, k, f"{key}.table_cell") for k in ("table", "row", "column"))  # type: ignore[assignment]
        cell_factor = r.decimal(c, "factor", f"{key}.table_cell", Decimal(1))
    value = r.decimal(raw, "value", key)
    return Target(
        key=r.text(raw, "key", key),
        label=r.text(raw, "label", key),
        indicator=r.indicator(raw, key),
        unit=r.text(raw, "unit", key, default=""),
        value=value,
        comparison=cast(Comparison, r.choice(raw, "comparison", key, COMPARISONS)),
        nature=cast(Nature, r.choice(raw, "nature", key, NATURES)),
        period=cast(Period, r.choice(raw, "period", key, PERIODS)),
        source=r.text(raw, "source", key),
        area=r.area(raw.get("area", city), f"{key}.area", city),
        year=year,
        factor=r.decimal(raw, "factor", key, Decimal(1)),
        tolerance=r.decimal(raw, "tolerance", key, Decimal("0.05")),
        cell=cell,
        cell_factor=cell_factor,
    )


def _rows(r: _Reader, raw: Mapping[str, Any], key: str, city: str, n: int, texts_n: int) -> list[TableRow]:
    raw_rows = raw.get("rows")
    if not isinstance(raw_rows, list) or not raw_rows:
        raise r.fail(f"{key}.rows", "应为行的列表")
    rows: list[TableRow] = []
    for j, rr in enumerate(raw_rows):
        rk = f"{key}.rows[{j}]"
        row = r.table(rr, rk)
        r.keys(row, ROW_KEYS, rk)
        values = row.get("values")
        if not isinstance(values, list) or len(values) != n:
            raise r.fail(f"{rk}.values", f"应有 {n} 个数值（与 columns 一致）")
        texts = r.strings(row, "texts", rk)
        if len(texts) != texts_n:
            raise r.fail(f"{rk}.texts", f"应有 {texts_n} 个文字（与 text_columns 一致）")
        total = row.get("total", False)
        if not isinstance(total, bool):
            raise r.fail(f"{rk}.total", "应为 true 或 false")
        area = row.get("area")
        rows.append(
            TableRow(
                label=r.text(row, "label", rk),
                area=None if area is None else r.area(area, f"{rk}.area", city),
                values=tuple(r.number(v, f"{rk}.values[{c}]", blank=True) for c, v in enumerate(values)),
                total=total,
                texts=texts,
            )
        )
    if sum(1 for x in rows if x.total) > 1:
        raise r.fail(f"{key}.rows", "至多一行合计（total = true）")
    if len({x.label for x in rows}) != len(rows):
        raise r.fail(f"{key}.rows", "行名重复")
    return rows


def _pairs(r: _Reader, raw: Mapping[str, Any], name: str, names: tuple[str, str], key: str,
           columns: Sequence[str]) -> list[tuple[str, Any]]:  # fmt: skip
    """``row_totals`` ({total, of = [columns]}) or ``shares`` ({share, of}), their columns checked."""
    out: list[tuple[str, Any]] = []
    items = raw.get(name, [])
    if not isinstance(items, list):
        raise r.fail(f"{key}.{name}", "应为列表")
    for j, item in enumerate(items):
        k = f"{key}.{name}[{j}]"
        t = r.table(item, k)
        r.keys(t, names, k)
        first = r.text(t, names[0], k)
        second: Any = r.strings(t, names[1], k) if name == "row_totals" else r.text(t, names[1], k)
        for c in (first, *(second if isinstance(second, tuple) else (second,))):
            if c not in columns:
                raise r.fail(k, f"列“{c}”不在 columns 中")
        out.append((first, second))
    return out


def _table(r: _Reader, raw: Mapping[str, Any], key: str, city: str) -> tuple[PlanTable, list[Target]]:
    r.keys(raw, TABLE_KEYS, key)
    code = r.text(raw, "code", key)
    columns = r.strings(raw, "columns", key)
    if not columns or len(set(columns)) != len(columns):
        raise r.fail(f"{key}.columns", "应为不重复的列名列表")
    text_columns = r.strings(raw, "text_columns", key)
    table = PlanTable(
        code=code,
        title=r.text(raw, "title", key),
        unit=r.text(raw, "unit", key, default=""),
        columns=columns,
        rows=tuple(_rows(r, raw, key, city, len(columns), len(text_columns))),
        row_totals=tuple(_pairs(r, raw, "row_totals", ("total", "of"), key, columns)),
        indicator=r.indicator(raw, key) if "indicator" in raw else None,
        shares=tuple(_pairs(r, raw, "shares", ("share", "of"), key, columns)),
        text_columns=text_columns,
    )
    measures = raw.get("measure", [])
    if not isinstance(measures, list):
        raise r.fail(f"{key}.measure", "应为 [[table.measure]] 列表")
    cells: list[Target] = []
    for j, m in enumerate(measures):
        cells.extend(_cells(r, table, r.table(m, f"{key}.measure[{j}]"), f"{key}.measure[{j}]", city))
    return table, cells


def _cells(r: _Reader, table: PlanTable, raw: Mapping[str, Any], key: str, city: str) -> list[Target]:
    """The targets a table's cells are: one per (row, column) the measure names, with a value."""
    r.keys(raw, MEASURE_KEYS, key)
    indicator = r.indicator(raw, key)
    columns = r.strings(raw, "columns", key)
    for c in columns:
        if c not in table.columns:
            raise r.fail(f"{key}.columns", f"列“{c}”不在 columns 中")
    wanted = r.strings(raw, "rows", key) if "rows" in raw else None
    labels = {row.label for row in table.rows}
    for w in wanted or ():
        if w not in labels:
            raise r.fail(f"{key}.rows", f"行“{w}”不在表中")
    rows = [row for row in table.rows if (row.label in wanted if wanted is not None else row.area is not None)]
    comparison = cast(Comparison, r.choice(raw, "comparison", key, COMPARISONS))
    nature = cast(Nature, r.choice(raw, "nature", key, NATURES))
    unit = r.text(raw, "unit", key, default=table.unit)
    factor = r.decimal(raw, "factor", key, Decimal(1))
    tolerance = r.decimal(raw, "tolerance", key, Decimal("0.05"))
    out = []
    for row in rows:
        for c in columns:
            value = row.values[table.columns.index(c)]
            if value is None:
                continue
            head = c[:4]
            year = int(head) if head.isdigit() else None
            out.append(
                Target(
                    key=f"{table.code}.{row.area or row.label}.{c}",
                    label=f"{table.title}：{row.label} {c}",
                    indicator=indicator,
                    unit=unit,
                    value=value,
                    comparison=comparison,
                    nature=nature,
                    period="cumulative",
                    source=f"{table.code} {row.label} {c}",
                    area=row.area or city,
                    year=year,
                    factor=factor,
                    tolerance=tolerance,
                    cell=(table.code, row.label, c),
                    table=table.code,
                )
            )
    return out


def _cell_of(r: _Reader, tables: Mapping[str, PlanTable], cell: tuple[str, str, str], key: str) -> Decimal | None:
    t = tables.get(cell[0])
    if t is None:
        raise r.fail(key, f"表“{cell[0]}”不在本规划中")
    row = next((x for x in t.rows if x.label == cell[1]), None)
    if row is None:
        raise r.fail(key, f"行“{cell[1]}”不在{cell[0]}中")
    if cell[2] not in t.columns:
        raise r.fail(key, f"列“{cell[2]}”不在{cell[0]}中")
    return row.values[t.columns.index(cell[2])]


def read_plan(path: Path, *, indicators: Collection[str] | None = None) -> Plan:
    """The plan in the file at ``path``; :class:`PlanReadError` naming the key when it cannot be read or
    is malformed (an unknown key, a bad number, an indicator code not in the dictionary, a district code
    not a division of the city, a row whose values do not match the columns)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PlanReadError(f"{Path(path).name}: 无法读取（{e}）") from None
    if indicators is None:
        return _parsed(text, Path(path).name, 1)
    return parse_plan(text, Path(path).name, indicators=indicators)


@lru_cache(maxsize=32)
def _parsed(text: str, where: str, edition: int) -> Plan:
    """A plan parsed against the shipped dictionary, kept per text (pages read the plan per request)."""
    return parse_plan(text, where, edition=edition)


# -------------------------------------------------------------------------------------------- checks


def _sum(values: Sequence[Decimal | None]) -> Decimal | None:
    present = [v for v in values if v is not None]
    return sum(present, Decimal(0)) if present else None


def _places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return exp if isinstance(exp, int) else 0


def _differs(stated: Decimal, computed: Decimal) -> bool:
    """Whether ``computed`` differs from ``stated`` at ``stated``'s printed precision (15 % vs 15.0)."""
    q = Decimal(1).scaleb(min(_places(stated), 0))
    return stated.quantize(q) != computed.quantize(q)


def _column_sums(t: PlanTable) -> list[Inconsistency]:
    """The 合计 row against the sum of the other rows, column by column."""
    total = next((x for x in t.rows if x.total), None)
    if total is None:
        return []
    out = []
    share_cols = {s for s, _ in t.shares}
    for i, col in enumerate(t.columns):
        stated = total.values[i]
        computed = _sum([x.values[i] for x in t.rows if not x.total])
        if stated is None or computed is None or stated == computed:
            continue
        if col in share_cols and not _differs(stated, computed):
            continue
        out.append(Inconsistency(t.code, total.label, col, stated, computed))
    return out


def _row_sums(t: PlanTable) -> list[Inconsistency]:
    """Each row's total columns against the columns they sum (years against the five-year 总计)."""
    out = []
    for total_col, of in t.row_totals:
        ti = t.columns.index(total_col)
        for row in t.rows:
            stated = row.values[ti]
            computed = _sum([row.values[t.columns.index(c)] for c in of])
            if stated is not None and computed is not None and stated != computed:
                out.append(Inconsistency(t.code, row.label, total_col, stated, computed))
    return out


def _shares(t: PlanTable) -> list[Inconsistency]:
    """Each share against the row's value ÷ the total row's × 100, at the share's printed precision."""
    total = next((x for x in t.rows if x.total), None)
    out: list[Inconsistency] = []
    if total is None:
        return out
    for share_col, of_col in t.shares:
        si, oi = t.columns.index(share_col), t.columns.index(of_col)
        whole = total.values[oi]
        if not whole:
            continue
        for row in t.rows:
            stated, part = row.values[si], row.values[oi]
            if stated is None or part is None:
                continue
            computed = part / whole * 100
            if _differs(stated, computed):
                q = Decimal(1).scaleb(min(_places(stated), -2))
                out.append(Inconsistency(t.code, row.label, share_col, stated, computed.quantize(q)))
    return out


def _table_checks(t: PlanTable) -> list[Inconsistency]:
    return [*_column_sums(t), *_row_sums(t), *_shares(t)]


def _agrees(t: Target, cell: Decimal) -> bool:
    if t.comparison == "at_least":
        return cell >= t.value
    if t.comparison == "at_most":
        return cell <= t.value
    if t.comparison == "about":
        return abs(cell - t.value) <= abs(t.value) * t.tolerance
    return cell == t.value


def check(plan: Plan, *, units: Mapping[str, str] | None = None) -> list[Inconsistency]:
    """Every place where the plan's own figures do not add up, in table order then target order:

    - a table's 合计 row against the sum of its other rows, column by column (district rows against the
      全市合计; 专栏2's kinds against its 合计; shares summing to 100);
    - each row's total columns against the columns they sum (years against the five-year 总计);
    - each share against its value ÷ the total row's (专栏5's 占全市比例), at the printed precision;
    - a target tied to a table cell (the text's 77/30/47 against 专栏2's 总计) against that cell, by
      the target's comparison (table ``正文``, row the target's key, column the cell);
    - a target's unit factor against the dictionary unit's known conversion (table ``单位``).

    ``units`` (indicator code → dictionary unit) defaults to the shipped dictionary."""
    out: list[Inconsistency] = []
    for t in plan.tables:
        out.extend(_table_checks(t))
    by_code = {t.code: t for t in plan.tables}
    for target in plan.targets:
        if target.cell is None or target.table is not None:
            continue  # a cell target is its own cell
        table = by_code.get(target.cell[0])
        row = next((x for x in table.rows if x.label == target.cell[1]), None) if table else None
        if table is None or row is None or target.cell[2] not in table.columns:
            continue
        value = row.values[table.columns.index(target.cell[2])]
        if value is None:
            continue
        converted = value * target.cell_factor
        if not _agrees(target, converted):
            out.append(Inconsistency("正文", target.key, "/".join(target.cell), target.value, converted.normalize()))
    if units is None:
        from anju.indicators import dictionary

        units = {code: ind.unit for code, ind in dictionary().items()}
    for target in plan.targets:
        unit = units.get(target.indicator)
        if unit is None:
            continue
        expected = Decimal(1) if unit == target.unit else CONVERSIONS.get((unit, target.unit))
        if expected is not None and expected != target.factor:
            out.append(Inconsistency("单位", target.key, f"{unit}→{target.unit}", target.factor, expected))
    return out


# ------------------------------------------------------------------------------------------ editions


def shipped(city: str) -> list[Plan]:
    """The plans shipped for ``city`` (``data/<city>/*.toml``), oldest plan first."""
    folder = DATA / city
    plans = [read_plan(p) for p in sorted(folder.glob("*.toml"))] if folder.is_dir() else []
    return sorted(plans, key=lambda p: (p.first_year, p.code))


@dataclass(frozen=True)
class Edition:
    """A loaded edition: the plan's code, its edition number, the file's hash, when and by whom."""

    id: int
    code: str
    edition: int
    city: str
    name: str
    first_year: int
    last_year: int
    sha256: str
    filename: str
    loaded_at: datetime
    actor: str


@dataclass(frozen=True)
class LoadResult:
    edition: Edition
    created: bool  # False: the same text was already the newest edition (nothing written)
    plan: Plan


E = plan_editions.c
_EDITION_COLS = (E.id, E.code, E.edition, E.city, E.name, E.first_year, E.last_year, E.sha256, E.filename,
                 E.loaded_at, E.actor)  # fmt: skip


def load(target: Engine | UnitOfWork, path: Path, *, caller: Caller | None = None) -> LoadResult:
    """Store the plan file at ``path`` as the next edition of its plan (audited ``plan.load``); the same
    text as the newest edition is a no-op. :class:`PlanReadError` when it cannot be read (nothing written)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise PlanReadError(f"{Path(path).name}: 无法读取（{e}）") from None
    plan = parse_plan(text, Path(path).name)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    uow = unit_of_work(target)
    with uow.read() as conn:
        newest = conn.execute(
            select(*_EDITION_COLS).where(E.code == plan.code).order_by(E.edition.desc()).limit(1)
        ).first()
    if newest is not None and newest.sha256 == digest:
        ed = Edition(*newest)
        return LoadResult(ed, False, _replace_edition(plan, ed.edition))
    who = caller or Caller.system("cli")
    with audited(uow, who, "plan.load", "plan_edition") as conn:
        number = (conn.execute(select(func.max(E.edition)).where(E.code == plan.code)).scalar() or 0) + 1
        now = clock.now()
        row = {
            "code": plan.code,
            "edition": number,
            "city": plan.city,
            "name": plan.name[:200],
            "first_year": plan.first_year,
            "last_year": plan.last_year,
            "sha256": digest,
            "filename": Path(path).name[:200],
            "text": text,
            "loaded_at": now,
            "actor": who.username[:40],
        }
        pk = conn.execute(insert(plan_editions).values(**row)).inserted_primary_key
        assert pk is not None
        set_audit_target(conn, int(pk[0]))
        set_audit_detail(conn, {"code": plan.code, "edition": number, "sha256": digest[:16]})
    ed = Edition(int(pk[0]), plan.code, number, plan.city, plan.name[:200], plan.first_year, plan.last_year, digest,
                 Path(path).name[:200], now, who.username[:40])  # fmt: skip
    return LoadResult(ed, True, _replace_edition(plan, number))


def _replace_edition(plan: Plan, edition: int) -> Plan:
    from dataclasses import replace

    return replace(plan, edition=edition)


def editions(conn: Connection, code: str | None = None) -> list[Edition]:
    """The loaded editions (of ``code``), newest first."""
    stmt = select(*_EDITION_COLS)
    if code is not None:
        stmt = stmt.where(E.code == code)
    return [Edition(*r) for r in conn.execute(stmt.order_by(E.code, E.edition.desc()))]


def _stored(conn: Connection, where: Any) -> Plan | None:
    row = conn.execute(select(E.text, E.filename, E.edition).where(where).order_by(E.edition.desc()).limit(1)).first()
    return None if row is None else _parsed(row.text, f"{row.filename}（第 {row.edition} 版）", row.edition)


def plan_by_code(conn: Connection, code: str) -> Plan:
    """The newest loaded edition of the plan ``code``, else the shipped one; :class:`LookupError` when
    there is neither."""
    found = _stored(conn, E.code == code)
    if found is not None:
        return found
    city = code.split("-", 1)[0]
    for p in shipped(city):
        if p.code == code:
            return p
    raise LookupError(f"规划“{code}”既未载入也未随平台提供")


def current_plan(conn: Connection, city: str, *, today: date | None = None) -> Plan | None:
    """The plan the platform monitors for ``city``: the newest loaded edition of the city's plan whose
    period covers today, else the shipped plan covering today; when none covers today (between plans),
    the latest plan (loaded before shipped, by last year). None when the city has no plan at all."""
    year = (today or clock.today()).year
    rows = conn.execute(
        select(E.code, E.first_year, E.last_year).where(E.city == city).order_by(E.code, E.edition)
    ).all()
    loaded = {r.code: (r.first_year, r.last_year) for r in rows}  # the newest edition's period wins
    covering = sorted((c for c, (f, last) in loaded.items() if f <= year <= last), key=lambda c: loaded[c])
    if covering:
        return plan_by_code(conn, covering[-1])
    ships = shipped(city)
    for p in reversed(ships):
        if p.first_year <= year <= p.last_year:
            return p
    latest_loaded = max(loaded, key=lambda c: loaded[c][1], default=None)
    latest_shipped = ships[-1] if ships else None
    if latest_loaded is not None and (latest_shipped is None or loaded[latest_loaded][1] >= latest_shipped.last_year):
        return plan_by_code(conn, latest_loaded)
    return latest_shipped
