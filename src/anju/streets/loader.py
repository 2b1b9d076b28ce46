"""Loading the street panel: a CSV or .xlsx file of one year from one source (docs/streets.md, "The load
format"), checked cell by cell, then stored as new versions in one transaction — or not at all.

Every bad cell is reported with its row, column and reason (Chinese), all of them at once
(:class:`PanelRejected`); a file with any bad cell writes nothing. A street's row whose figures equal
the current version of (street, year, source) changes nothing (re-delivering a file is idempotent); a
row that differs is a **correction**: the current version is closed (``superseded_at``) and the new one
recorded, so the figures "as reported on date D" stay readable (:mod:`anju.streets.reads`). The
synthetic panel goes through the same checks (:func:`check_records`) and the same store
(:func:`store`). Each load writes its audit row (``streets.load``) in its transaction.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, insert, select, update

from anju import divisions, registry
from anju.core import clock
from anju.core.db import UnitOfWork
from anju.core.dialect import bulk_insert
from anju.core.errors import FieldError, ValidationError
from anju.core.sheet import FileRejected
from anju.security import Caller, audited, record, set_audit_detail, set_audit_target
from anju.streets import domain
from anju.streets.domain import Column, PanelRow, SectorFigures
from anju.streets.tables import street_industry, street_panel, street_panel_loads

P = street_panel.c
I = street_industry.c  # noqa: E741
#: At most this many cell errors are reported (a file of the wrong kind would list every cell).
MAX_ERRORS = 500
_INT = re.compile(r"^\d+(\.0+)?$")
#: The first words of the synthetic label an export ends with (such a file is never real data).
SYNTHETIC_MARK = domain.SYNTHETIC_LABEL.split("：")[0]


class PanelRejected(ValidationError):
    """The file (or the synthetic rows) has bad cells: every one is in ``errors`` (row, column, reason)."""


@dataclass(frozen=True)
class LoadResult:
    load_id: int
    year: int
    source: str
    rows: int
    added: int
    corrected: int
    unchanged: int
    synthetic: bool


# ------------------------------------------------------------------------------------------ the checks


def check_year(year: int) -> None:
    last = clock.today().year
    if not domain.FIRST_YEAR <= year <= last:
        raise ValidationError.of("year", f"年份应在 {domain.FIRST_YEAR}–{last} 之间")


def check_source(source: str, *, synthetic: bool = False) -> str:
    s = (source or "").strip()
    if not s or len(s) > 40:
        raise ValidationError.of("source", "数据来源不能为空，最多 40 个字")
    if (s == domain.SYNTHETIC_SOURCE) != synthetic:
        raise ValidationError.of("source", f"“{domain.SYNTHETIC_SOURCE}”只用于合成数据，文件须写明实际来源")
    return s


def _int(text: str) -> int:
    t = text.strip().replace(",", "")
    if t.startswith("-") and _INT.match(t[1:]):
        raise ValueError("不能为负数")
    if not _INT.match(t):
        raise ValueError("应为非负整数")
    v = int(t.split(".")[0])
    if v > domain.MAX_COUNT:
        raise ValueError(f"超过上限 {domain.MAX_COUNT}")
    return v


def _area(text: str) -> Decimal:
    t = text.strip().replace(",", "")
    try:
        v = Decimal(t)
    except InvalidOperation:
        raise ValueError("应为面积数值（平方米，最多两位小数）") from None
    if not v.is_finite():
        raise ValueError("应为面积数值（平方米，最多两位小数）")
    if v < 0:
        raise ValueError("不能为负数")
    if v != v.quantize(domain.CENT):
        raise ValueError("最多两位小数")
    if v > domain.MAX_AREA:
        raise ValueError(f"超过上限 {domain.MAX_AREA} 平方米")
    return v.quantize(domain.CENT)


def _cell(col: Column, text: str) -> int | Decimal | None:
    if not text.strip():
        if col.required:
            raise ValueError("不能为空")
        return None
    return _int(text) if col.kind == "int" else _area(text)


def resolve_header(header: Sequence[str]) -> tuple[dict[str, int], list[FieldError]]:
    """Column name → position, from a header of Chinese labels (or the stored names); the header's
    errors (unknown, repeated or missing columns) as row 1 errors."""
    by_label = {c.header: c.name for c in domain.columns()}
    by_label |= {c.name: c.name for c in domain.columns()}
    by_label |= {domain.STREET_HEADER: "street_code", "street_code": "street_code", domain.NAME_HEADER: "name"}
    found: dict[str, int] = {}
    errors: list[FieldError] = []
    for i, raw in enumerate(header):
        label = raw.strip().lstrip("\ufeff")
        if not label:
            continue
        name = by_label.get(label)
        if name is None:
            errors.append(FieldError(label, "未知的列（列名见 docs/streets.md 的数据格式）", 1))
        elif name in found:
            errors.append(FieldError(label, "列重复", 1))
        else:
            found[name] = i
    required = [("street_code", domain.STREET_HEADER)] + [(c.name, c.header) for c in domain.columns() if c.required]
    for name, label in required:
        if name not in found:
            errors.append(FieldError(label, "缺少必填列", 1))
    return found, errors


def _row_rules(cells: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Rules across one row's cells: (column label, reason)."""
    out: list[tuple[str, str]] = []
    resident, households = cells.get("resident"), cells.get("households")
    if resident is not None and households is not None and households > resident:
        out.append(("户数", "户数不能多于常住人口"))
    if resident is not None and resident > 0 and households == 0:
        out.append(("户数", "有常住人口的街道户数不能为 0"))
    ages = [cells.get(a) for a in domain.AGE_COLUMNS]
    given = [a for a in ages if a is not None]
    if given and len(given) != len(ages):
        out.append(("0-14岁", "三个年龄段须都填或都不填"))
    elif given and resident is not None and sum(given) != resident:
        out.append(("0-14岁", f"三个年龄段之和 {sum(given)} 不等于常住人口 {resident}"))
    return out


def _panel_row(street: str, cells: Mapping[str, Any]) -> PanelRow:
    industry = {
        s.code: SectorFigures(cells.get(f"jobs:{s.code}"), cells.get(f"enterprises:{s.code}")) for s in domain.sectors()
    }
    base = {c.name: cells.get(c.name) for c in domain.BASE_COLUMNS}
    return PanelRow(street, industry=industry, **base)


class _Collector:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, row: int, column: str, reason: str) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(FieldError(column, reason, row))


def _street_names(conn: Connection) -> dict[str, str]:
    return {d.code: d.name for d in divisions.by_level(conn, "street")}


def _check_street(
    bad: _Collector, n: int, rec: Mapping[str, str], code: str, streets: Mapping[str, str], seen: dict[str, int]
) -> bool:
    """The row's street code (a street of the city, once per file) and its optional name."""
    if not code:
        bad.add(n, domain.STREET_HEADER, "不能为空")
        return False
    if code not in streets:
        bad.add(n, domain.STREET_HEADER, f"“{code}”不是本市的街道（镇）代码")
        return False
    if code in seen:
        bad.add(n, domain.STREET_HEADER, f"街道 {code} 在第 {seen[code]} 行已出现")
        return False
    seen[code] = n
    name = (rec.get("name") or "").strip()
    if name and name != streets[code]:
        bad.add(n, domain.NAME_HEADER, f"街道名称应为“{streets[code]}”")
    return True


def check_records(conn: Connection, records: Iterable[tuple[int, Mapping[str, str]]]) -> list[PanelRow]:
    """The checked rows of ``records`` ((row number, column name → cell text)); raises
    :class:`PanelRejected` listing every bad cell when any is bad."""
    streets = _street_names(conn)
    labels = {c.name: c.header for c in domain.columns()}
    bad = _Collector()
    seen: dict[str, int] = {}
    rows: list[PanelRow] = []
    for n, rec in records:
        code = (rec.get("street_code") or "").strip()
        row_ok = _check_street(bad, n, rec, code, streets, seen)
        cells: dict[str, Any] = {}
        for col in domain.columns():
            try:
                cells[col.name] = _cell(col, rec.get(col.name, ""))
            except ValueError as e:
                bad.add(n, labels[col.name], str(e))
                row_ok = False
        if row_ok:
            for label, reason in _row_rules(cells):
                bad.add(n, label, reason)
                row_ok = False
        if row_ok:
            rows.append(_panel_row(code, cells))
    if bad.errors:
        raise PanelRejected(f"文件有 {len(bad.errors)} 处错误，未写入任何数据", bad.errors)
    if not rows:
        raise PanelRejected("文件没有数据行", [FieldError("文件", "没有数据行", None)])
    return rows


def read_file(conn: Connection, data: bytes, filename: str) -> list[PanelRow]:
    """A file's checked rows (CSV or .xlsx; the register's reader: UTF-8, GBK/GB18030, UTF-16)."""
    try:
        sheet = registry.read_sheet(data, filename)
    except FileRejected as e:
        raise PanelRejected(f"文件无法读取：{e}", [e.error]) from None
    where, errors = resolve_header(sheet.header)
    if errors:
        raise PanelRejected(f"表头有 {len(errors)} 处错误，未写入任何数据", errors)

    def records() -> Iterable[tuple[int, dict[str, str]]]:
        for n, cells in sheet.rows():
            if cells and cells[0].strip().startswith(SYNTHETIC_MARK):
                raise PanelRejected(
                    "文件是合成数据的导出，不能作为实际数据导入",
                    [FieldError(domain.STREET_HEADER, "该行是合成数据标注：文件为合成数据", n)],
                )
            yield n, {name: (cells[i] if i < len(cells) else "") for name, i in where.items()}

    try:
        return check_records(conn, records())
    except FileRejected as e:
        raise PanelRejected(f"文件无法读取：{e}", [e.error]) from None


# ------------------------------------------------------------------------------------------- the store


def _current(conn: Connection, year: int, source: str, streets: Sequence[str]) -> dict[str, tuple[int, PanelRow]]:
    """The current version (id, row) of each of ``streets`` for (year, source): two queries."""
    cols = [c.name for c in domain.BASE_COLUMNS]
    rows = conn.execute(
        select(P.id, P.street_code, *(P[c] for c in cols)).where(
            P.year == year, P.source == source, P.superseded_at.is_(None), P.street_code.in_(list(streets))
        )
    ).all()
    if not rows:
        return {}
    ind: dict[int, dict[str, SectorFigures]] = {}
    for pid, sector, jobs, ents in conn.execute(
        select(I.panel_id, I.sector, I.jobs, I.enterprises).where(I.panel_id.in_([r.id for r in rows]))
    ):
        ind.setdefault(int(pid), {})[sector] = SectorFigures(
            None if jobs is None else int(jobs), None if ents is None else int(ents)
        )
    out = {}
    for r in rows:
        base = {c: r._mapping[c] for c in cols}
        industry = {s.code: ind.get(int(r.id), {}).get(s.code, SectorFigures(None, None)) for s in domain.sectors()}
        out[r.street_code] = (int(r.id), PanelRow(r.street_code, industry=industry, **base))
    return out


def store(
    conn: Connection,
    caller: Caller,
    rows: Sequence[PanelRow],
    *,
    year: int,
    source: str,
    filename: str,
    sha256: str,
    synthetic: bool,
) -> LoadResult:
    """Record ``rows`` (checked) for (year, source) in the caller's transaction: new keys added, changed
    ones corrected (old version closed, new one recorded), equal ones left alone."""
    now = clock.now()
    current = _current(conn, year, source, [r.street_code for r in rows])
    new = [r for r in rows if r.street_code not in current]
    changed = [r for r in rows if r.street_code in current and not current[r.street_code][1].same_as(r)]
    pk = conn.execute(
        insert(street_panel_loads).values(
            year=year, source=source, filename=filename[:200], sha256=sha256, synthetic=synthetic,
            rows=len(rows), added=len(new), corrected=len(changed),
            unchanged=len(rows) - len(new) - len(changed), recorded_at=now, actor=caller.username[:40],
        )
    ).inserted_primary_key  # fmt: skip
    assert pk is not None
    load_id = int(pk[0])
    if changed:
        conn.execute(
            update(street_panel).where(P.id.in_([current[r.street_code][0] for r in changed])).values(superseded_at=now)
        )
    writing = new + changed
    cols = ("street_code", "year", "source", *(c.name for c in domain.BASE_COLUMNS), "jobs", "enterprises")
    bulk_insert(
        conn,
        street_panel,
        (*cols, "synthetic", "load_id", "recorded_at"),
        [
            (r.street_code, year, source, *(getattr(r, c.name) for c in domain.BASE_COLUMNS), r.jobs, r.enterprises,
             synthetic, load_id, now)
            for r in writing
        ],
    )  # fmt: skip
    ids = {str(c): int(i) for c, i in conn.execute(select(P.street_code, P.id).where(P.load_id == load_id))}
    bulk_insert(
        conn,
        street_industry,
        ("panel_id", "sector", "jobs", "enterprises"),
        [(ids[r.street_code], code, f.jobs, f.enterprises) for r in writing for code, f in r.industry.items()],
    )
    return LoadResult(load_id, year, source, len(rows), len(new), len(changed), len(rows) - len(writing), synthetic)


def load_file(uow: UnitOfWork, caller: Caller, data: bytes, filename: str, *, year: int, source: str) -> LoadResult:
    """Check a file, then store it in one audited transaction; or refuse it whole (:class:`PanelRejected`),
    writing nothing but the refusal's audit row (outcome ``failed``, the number of bad cells)."""
    check_year(year)
    src = check_source(source)
    try:
        with uow.read() as conn:
            rows = read_file(conn, data, filename)
    except PanelRejected as e:
        with uow.begin() as conn:  # the refusal's own audit row (the load wrote nothing)
            record(
                conn, caller, "streets.load", entity="street_panel_load", outcome="failed",
                reason=e.message[:200], detail={"year": year, "source": src, "errors": len(e.errors)},
            )  # fmt: skip
        raise
    with audited(uow, caller, "streets.load", "street_panel_load") as conn:
        got = store(
            conn, caller, rows, year=year, source=src, filename=filename,
            sha256=hashlib.sha256(data).hexdigest(), synthetic=False,
        )  # fmt: skip
        set_audit_target(conn, got.load_id)
        set_audit_detail(
            conn,
            {"year": year, "source": src, "rows": got.rows, "added": got.added, "corrected": got.corrected},
        )
    return got
