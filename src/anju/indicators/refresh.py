"""Refreshing the stored values, and reading them.

A **provider** is a function named by dictionary entries (``provider = "module:function"``)::

    def provider(conn: Connection, years: Sequence[int]) -> Iterable[Measurement]

It computes, set-wise (grouped queries, never one query per area), the values of the indicators whose
entries name it, for the given years, at the levels the entries declare; one provider may serve several
indicators (one pass over the data for all of them). :func:`refresh` calls each provider once, checks
what it gives (an indicator whose entry does not name that provider, a level the entry does not
declare, a year not asked, a value without unit sense, a missing value without its reason: an
:class:`IndicatorError`), and replaces the stored values of the refreshed indicators and years in one
transaction with its audit row (``security.audited_job``). A failing refresh writes nothing but its
failed run and that run's audit row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, delete, insert, select, update

from anju import contexts
from anju.core import clock
from anju.core.db import UnitOfWork, unit_of_work
from anju.core.dialect import bulk_insert
from anju.core.scope import Scope
from anju.indicators.dictionary import dictionary
from anju.indicators.domain import Indicator, IndicatorError, Level, Measurement
from anju.indicators.tables import indicator_runs, indicator_values
from anju.security import Caller, audited_job

Provider = Callable[[Connection, Sequence[int]], Iterable[Measurement]]
V = indicator_values.c
R = indicator_runs.c


@dataclass(frozen=True)
class RefreshResult:
    run_id: int
    values: int
    codes: tuple[str, ...]
    years: tuple[int, ...]


def computed(entries: Mapping[str, Indicator] | None = None) -> dict[str, list[Indicator]]:
    """The computed indicators grouped by their provider (``"module:function"``), in dictionary order."""
    out: dict[str, list[Indicator]] = defaultdict(list)
    for ind in (dictionary() if entries is None else entries).values():
        if ind.provider:
            out[ind.provider].append(ind)
    return dict(out)


def _checked(m: Measurement, served: Mapping[str, Indicator], years: set[int], provider: str) -> tuple[Any, ...]:
    ind = served.get(m.code)
    if ind is None:
        raise IndicatorError(f"{provider}: 给出了不由它计算的指标“{m.code}”")
    if m.level not in ind.levels:
        raise IndicatorError(f"{m.code}: 层级 {m.level} 不在字典所列层级 {', '.join(ind.levels)} 中")
    if m.year not in years:
        raise IndicatorError(f"{m.code}: 年份 {m.year} 不在本次刷新的年份中")
    if m.value is None:
        if not m.missing:
            raise IndicatorError(f"{m.code} {m.area_code} {m.year}: 缺少数值时须说明缺少的数据")
        return (m.code, m.level, m.area_code, m.year, None, m.missing[:200])
    if not isinstance(m.value, Decimal) or not m.value.is_finite():
        raise IndicatorError(f"{m.code} {m.area_code} {m.year}: 数值应为有限的十进制数")
    q = m.value.quantize(Decimal(1).scaleb(-ind.decimals))
    return (m.code, m.level, m.area_code, m.year, str(q), None)


def refresh(
    target: Engine | UnitOfWork,
    years: Sequence[int],
    *,
    codes: Sequence[str] | None = None,
    caller: Caller | None = None,
    entries: Mapping[str, Indicator] | None = None,
    resolve: Callable[[str], Provider] | None = None,
) -> RefreshResult:
    """Compute and store the values of every computed indicator (or of ``codes``) for ``years``.

    ``entries`` and ``resolve`` replace the shipped dictionary and the provider lookup (tests)."""
    if not years:
        raise IndicatorError("years: 至少一个年份")
    book = dictionary() if entries is None else entries
    wanted = set(codes) if codes else None
    if wanted:
        unknown = sorted(c for c in wanted if c not in book or not book[c].provider)
        if unknown:
            raise IndicatorError(f"codes: 不是字典中可计算的指标：{', '.join(unknown)}")
    groups = {p: [i for i in inds if wanted is None or i.code in wanted] for p, inds in computed(book).items()}
    groups = {p: inds for p, inds in groups.items() if inds}
    year_set = set(years)
    now = clock.now()
    uow = unit_of_work(target)
    who = caller or Caller.system("indicators.refresh")
    job = audited_job(uow, who, "indicators.refresh", "indicator_run")
    with job.batch() as conn:
        pk = conn.execute(
            insert(indicator_runs).values(
                started_at=now,
                status="running",
                years=",".join(str(y) for y in sorted(year_set)),
                codes=",".join(sorted(wanted)) if wanted else None,
                values_written=0,
                actor=who.username[:40],
            )
        ).inserted_primary_key
        assert pk is not None
        run_id = int(pk[0])
    job.entity_id = run_id
    try:
        with job.final() as conn:
            rows: list[tuple[Any, ...]] = []
            seen: set[tuple[str, str, str, int]] = set()
            for spec, inds in groups.items():
                fn = (resolve or contexts.load)(spec)
                served = {i.code: i for i in inds}
                for m in fn(conn, sorted(year_set)):
                    if m.code not in served and wanted is not None and m.code in book:
                        continue  # a provider serving several indicators, some not asked this time
                    row = _checked(m, served, year_set, spec)
                    key = (m.code, m.level, m.area_code, m.year)
                    if key in seen:
                        raise IndicatorError(f"{m.code} {m.area_code} {m.year}: 同一地区同一年给出了两个值")
                    seen.add(key)
                    rows.append((*row, run_id))
            done = tuple(sorted(c for inds in groups.values() for c in (i.code for i in inds)))
            if done:
                conn.execute(delete(indicator_values).where(V.code.in_(done), V.year.in_(sorted(year_set))))
            bulk_insert(
                conn, indicator_values, ("code", "level", "area_code", "year", "value", "missing", "run_id"), rows
            )
            conn.execute(
                update(indicator_runs)
                .where(R.id == run_id)
                .values(status="done", finished_at=clock.now(), values_written=len(rows))
            )
            job.detail = {"years": sorted(year_set), "indicators": len(done), "values": len(rows)}
    except Exception as e:
        job.outcome = "failed"
        job.detail = {"years": sorted(year_set), "error": str(e)[:200]}
        with job.final() as conn:
            conn.execute(
                update(indicator_runs)
                .where(R.id == run_id)
                .values(status="failed", finished_at=clock.now(), error=str(e)[:400])
            )
        raise
    return RefreshResult(run_id, len(rows), done, tuple(sorted(year_set)))


@dataclass(frozen=True)
class StoredValue:
    code: str
    level: Level
    area_code: str
    year: int
    value: Decimal | None
    missing: str | None


def values(
    conn: Connection,
    scope: Scope,
    *,
    codes: Sequence[str] | None = None,
    years: Sequence[int] | None = None,
    level: Level | None = None,
    areas: Sequence[str] | None = None,
) -> list[StoredValue]:
    """The stored values asked for, within ``scope``: a street's value when the scope holds the street,
    a district's when the scope holds the whole district (``Scope.allows_division``), the city's only
    for a whole-city scope. One query; the caller bounds it (codes, years, level or areas)."""
    conds: list[ColumnElement[bool]] = []
    if codes is not None:
        conds.append(V.code.in_(list(codes)))
    if years is not None:
        conds.append(V.year.in_(list(years)))
    if level is not None:
        conds.append(V.level == level)
    if areas is not None:
        conds.append(V.area_code.in_(list(areas)))
    if not scope.unrestricted and scope.streets is not None:
        # streets inside the scope, or the scope's own division; never the city
        allowed = sorted(scope.streets | ({scope.code} if scope.code else set()))
        conds.append(V.area_code.in_(allowed))
    stmt = select(V.code, V.level, V.area_code, V.year, V.value, V.missing).where(*conds)
    out = []
    for r in conn.execute(stmt.order_by(V.code, V.year, V.level, V.area_code)):
        if not scope.allows_division(r.area_code):
            continue
        out.append(
            StoredValue(r.code, r.level, r.area_code, r.year, None if r.value is None else Decimal(r.value), r.missing)
        )
    return out


@dataclass(frozen=True)
class Run:
    id: int
    started_at: datetime
    finished_at: datetime | None
    status: str  # running | done | failed
    years: str
    codes: str | None
    values_written: int
    error: str | None
    actor: str


def last_run(conn: Connection) -> Run | None:
    """The newest refresh run (any status), or None before the first."""
    row = conn.execute(select(indicator_runs).order_by(R.id.desc()).limit(1)).mappings().first()
    return Run(**dict(row)) if row else None
