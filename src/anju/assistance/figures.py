"""Figures of housing assistance and talent housing, against the plan's targets (指标与分析).

The targets are the city's current housing plan's (``anju.plan``), taken by dictionary code by
:func:`anju.assistance.plan_targets.targets_in`. The figures are read set-wise — a few
grouped queries per figure, never one per programme, district or person — and always within the
caller's scope, applied with ``scope.where`` on the street of the application (or of the assisted
home), optionally narrowed to one district or functional zone. Durations, percentiles and months are
computed in Python over the values read in keyset pages (timestamps are stored in UTC; months are
Beijing-time calendar months), so the same code answers on SQLite and PostgreSQL.

Definitions (also in ``docs/assistance.md ("Figures")``):

* coverage — persons (distinct ID blind indexes) with a current benefit of any programme ÷ the urban
  resident population of the area (the street database's ``population.resident``), against the plan's ≥ 28 %;
* supply — assisted homes made available (not withdrawn) per programme per year of ``since``;
* waiting time — days from submission to the first allocation's selection (allocated applications);
* approval time — days from submission to the decision, and days spent at each review level;
* talent beneficiaries — distinct persons who have received a talent programme's benefit."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypedDict

from sqlalchemy import ColumnElement, Connection, Integer, and_, cast, distinct, extract, false, func, or_, select

from anju.assistance import domain
from anju.assistance.plan_targets import Targets
from anju.assistance.tables import (
    allocations,
    application_steps,
    applications,
    assisted_homes,
    benefits,
    programme_editions,
)
from anju.core import clock
from anju.core.errors import ValidationError
from anju.core.scope import Scope
from anju.divisions import divisions_table

# ------------------------------------------------------------------------------------------- the shapes


class CoverageProgramme(TypedDict):
    programme_code: str
    name: str
    persons: int
    households: int


class Coverage(TypedDict):
    """Persons and households supported now, against the area's urban permanent residents."""

    area_code: str | None
    area_name: str
    on: date
    persons: int
    households: int
    population: int | None
    population_sample: bool
    population_year: int | None
    rate_percent: float | None
    target_percent: float
    previous_target_percent: float | None
    met: bool | None
    by_programme: list[CoverageProgramme]
    source: str


class YearHomes(TypedDict):
    year: int
    homes: int


class SupplyProgramme(TypedDict):
    programme_code: str
    name: str
    kind: str | None
    kind_label: str
    counts_towards_plan: bool
    by_year: list[YearHomes]
    total: int
    period_total: int
    target: int | None
    target_bound: str | None
    target_bound_label: str | None
    progress_percent: float | None


class PlanYear(TypedDict):
    year: int
    homes: int
    target: int | None
    progress_percent: float | None


class Supply(TypedDict):
    """Assisted homes made available per programme and year, against the plan."""

    years: list[int]
    first_year: int
    last_year: int
    programmes: list[SupplyProgramme]
    plan_years: list[PlanYear]
    period_total: int
    period_target: int
    progress_percent: float | None
    targets_cover_city: bool
    source: str


class StatusLabel(TypedDict):
    status: str
    label: str


class StatusCount(TypedDict):
    status: str
    count: int


class ProgrammeStatuses(TypedDict):
    programme_code: str
    name: str
    total: int
    by_status: list[StatusCount]


class ApplicationsByStatus(TypedDict):
    """Applications per programme and status."""

    statuses: list[StatusLabel]
    programmes: list[ProgrammeStatuses]
    total: int


class TimeStat(TypedDict):
    """n, median and 90th percentile of durations in days."""

    n: int
    median_days: float | None
    p90_days: float | None


class LevelLabel(TypedDict):
    level: str
    label: str


class LevelTime(TimeStat):
    level: str
    label: str


class WaitingRow(TimeStat):
    programme_code: str
    name: str


class ApprovalRow(TypedDict):
    programme_code: str
    name: str
    overall: TimeStat
    levels: list[LevelTime]


class Times(TypedDict):
    """Waiting and approval times per programme (and per review level)."""

    levels: list[LevelLabel]
    waiting: list[WaitingRow]
    approval: list[ApprovalRow]


class MonthSeries(TypedDict):
    programme_code: str
    name: str
    counts: list[int]


class Monthly(TypedDict):
    """Applications submitted per month, per programme."""

    months: list[str]
    series: list[MonthSeries]
    totals: list[int]


# --------------------------------------------------------------------------------------------- the area


@dataclass(frozen=True)
class Area:
    """What a figure covers: the caller's scope, narrowed to one district or zone when asked."""

    scope: Scope
    district: str | None = None
    #: the district's streets (None: no district filter)
    streets: frozenset[str] | None = None

    def where(self, street_column: Any) -> list[ColumnElement[bool]]:
        conds = list(self.scope.where(street_column))
        if self.streets is not None:
            conds.append(street_column.in_(sorted(self.streets)) if self.streets else false())
        return conds

    @property
    def whole(self) -> str | None:
        """The division the area is exactly (the city is ``""``), or None when it is only part of one
        (a street clerk's street, or a district outside the caller's scope)."""
        if self.district is not None:
            return self.district if self.scope.allows_division(self.district) else None
        if self.scope.unrestricted:
            return ""
        if self.scope.level == "district":
            return self.scope.code
        return None


def area(conn: Connection, scope: Scope, district: str | None) -> Area:
    """The area of a request; an unknown district is refused naming the field ``district``."""
    if district is None:
        return Area(scope)
    row = conn.execute(select(divisions_table.c.level).where(divisions_table.c.code == district)).first()
    if row is None or row.level not in ("district", "zone"):
        raise ValidationError.of("district", f"没有这个区（县）或功能区：{district}")
    streets = conn.execute(
        select(divisions_table.c.code).where(
            divisions_table.c.level == "street",
            or_(
                divisions_table.c.managing_code == district,
                and_(divisions_table.c.parent_code == district, divisions_table.c.managing_code.is_(None)),
            ),
        )
    ).scalars()
    return Area(scope, district, frozenset(streets))


def district_of_street() -> Any:
    """SQL: the district or zone managing a street (a zone's streets belong to the zone)."""
    return func.coalesce(divisions_table.c.managing_code, divisions_table.c.parent_code)


def division_names(conn: Connection) -> dict[str, str]:
    """Names of the city, its districts, zones and streets (one query)."""
    rows = conn.execute(
        select(divisions_table.c.code, divisions_table.c.name).where(
            divisions_table.c.level.in_(("city", "district", "zone", "street"))
        )
    )
    return {r.code: r.name for r in rows}


def visible_districts(conn: Connection, a: Area) -> list[str]:
    """The districts and zones that manage a street of the area (the whole list for the city)."""
    q = (
        select(district_of_street())
        .where(divisions_table.c.level == "street", *a.where(divisions_table.c.code))
        .distinct()
    )
    return sorted(c for c in conn.execute(q).scalars() if c)


def district_choices(conn: Connection, *, scope: Scope) -> list[dict[str, str]]:
    """The districts the caller may filter by (code, name), for the pages' filter."""
    codes = visible_districts(conn, Area(scope))
    names = division_names(conn)
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def area_name(names: Mapping[str, str], a: Area) -> str:
    if a.district is not None:
        return names.get(a.district, a.district)
    if a.scope.unrestricted:
        return "全市"
    return names.get(a.scope.code, a.scope.code or "本人")


@dataclass(frozen=True)
class Programme:
    code: str
    name: str
    kind: domain.Kind | None

    @property
    def kind_label(self) -> str:
        return domain.KIND_LABELS[self.kind] if self.kind else ""


def programmes(conn: Connection) -> dict[str, Programme]:
    """Every programme code with the name and kind of its latest edition."""
    out: dict[str, Programme] = {}
    for r in conn.execute(
        select(programme_editions.c.code, programme_editions.c.name, programme_editions.c.kind).order_by(
            programme_editions.c.code, programme_editions.c.edition
        )
    ):
        try:
            kind: domain.Kind | None = domain.Kind(r.kind)
        except ValueError:
            kind = None
        out[r.code] = Programme(r.code, r.name, kind)
    return out


def _programme(catalogue: Mapping[str, Programme], code: str) -> Programme:
    return catalogue.get(code) or Programme(code, code, None)


def _order(catalogue: Mapping[str, Programme], codes: Iterable[str]) -> list[Programme]:
    kinds = list(domain.Kind)
    progs = [_programme(catalogue, c) for c in set(codes)]
    return sorted(progs, key=lambda p: (kinds.index(p.kind) if p.kind else len(kinds), p.code))


# ----------------------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-quantile (0–1) of sorted ``values`` by linear interpolation between closest ranks
    (as PostgreSQL's ``percentile_cont``); None for no values."""
    if not values:
        return None
    k = (len(values) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(values: list[float]) -> TimeStat:
    """n, median and 90th percentile of durations in days (one decimal)."""
    values.sort()
    med, p90 = percentile(values, 0.5), percentile(values, 0.9)
    return {
        "n": len(values),
        "median_days": None if med is None else round(med, 1),
        "p90_days": None if p90 is None else round(p90, 1),
    }


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86400


def month_of(ts: datetime) -> str:
    return clock.to_local(ts).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def percent(part: int, whole: int | None) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


PAGE_ROWS = 20_000


def keyset_pages(conn: Connection, q: Any, *keys: Any, size: int | None = None) -> Iterator[Any]:
    """The rows of ``q`` in key order, read in keyset pages of ``size`` rows: memory stays bounded
    without a server-side cursor (read connections may be in autocommit, where PostgreSQL has none).
    ``keys`` are unique together; they are appended to each row and stripped again."""
    size = size or PAGE_ROWS
    width = len(q.selected_columns)
    last: tuple[Any, ...] | None = None
    while True:
        page = q.add_columns(*keys).order_by(*keys).limit(size)
        if last is not None:
            after = keys[-1] > last[-1]
            for k, v in zip(reversed(keys[:-1]), reversed(last[:-1]), strict=True):
                after = or_(k > v, and_(k == v, after))
            page = page.where(after)
        rows = conn.execute(page).all()
        for r in rows:
            yield r[:width]
        if len(rows) < size:
            return
        last = tuple(rows[-1][width:])


# ------------------------------------------------------------------------------------------- coverage


def current_benefit(on: date) -> ColumnElement[bool]:
    return and_(benefits.c.since <= on, or_(benefits.c.until.is_(None), benefits.c.until > on))


BENEFITS_APPS = benefits.outerjoin(applications, applications.c.id == benefits.c.application_id)


def coverage(
    conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None, on: date | None = None
) -> Coverage:
    """Persons and households supported now, and their share of the area's urban permanent residents."""
    a = area(conn, scope, district)
    on = on or clock.today()
    conds = [current_benefit(on), *a.where(applications.c.street_code)]
    persons, households = conn.execute(
        select(func.count(distinct(benefits.c.id_bidx)), func.count(distinct(benefits.c.application_id)))
        .select_from(BENEFITS_APPS)
        .where(*conds)
    ).one()
    catalogue = programmes(conn)
    by_prog = {
        r[0]: (int(r[1]), int(r[2]))
        for r in conn.execute(
            select(
                benefits.c.programme_code,
                func.count(distinct(benefits.c.id_bidx)),
                func.count(distinct(benefits.c.application_id)),
            )
            .select_from(BENEFITS_APPS)
            .where(*conds)
            .group_by(benefits.c.programme_code)
        )
    }
    names = division_names(conn)
    whole = a.whole
    population = targets.population if whole == "" else targets.district_population.get(whole or "")
    rate = percent(int(persons), population)
    return {
        "area_code": a.district or a.scope.code or None,
        "area_name": area_name(names, a),
        "on": on,
        "persons": int(persons),
        "households": int(households),
        "population": population,
        "population_sample": targets.population_sample,
        "population_year": targets.population_year,
        "rate_percent": rate,
        "target_percent": targets.coverage_percent,
        "previous_target_percent": targets.previous_coverage_percent,
        "met": None if rate is None else rate >= targets.coverage_percent,
        "by_programme": [
            {
                "programme_code": p.code,
                "name": p.name,
                "persons": by_prog.get(p.code, (0, 0))[0],
                "households": by_prog.get(p.code, (0, 0))[1],
            }
            for p in _order(catalogue, by_prog)
        ],
        "source": targets.coverage_source,
    }


# --------------------------------------------------------------------------------------------- supply

SUPPLIED = assisted_homes.c.status != "withdrawn"


def supplied(conn: Connection, *where: ColumnElement[bool]) -> list[tuple[str, str, str, int, int]]:
    """Assisted homes made available (not withdrawn) as (programme, district, street, year, homes): the
    one grouped query behind this page's supply and the dictionary's ``assistance.*`` supply indicators
    (:mod:`anju.assistance.indicators`)."""
    h = assisted_homes.c
    year = cast(extract("year", h.since), Integer)
    rows = conn.execute(
        select(h.programme_code, h.district_code, h.street_code, year, func.count())
        .where(SUPPLIED, *where)
        .group_by(h.programme_code, h.district_code, h.street_code, year)
    )
    return [(str(p), str(d), str(s), int(y), int(n)) for p, d, s, y, n in rows]


def supply(conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None) -> Supply:
    """Assisted homes made available per programme and year, against the plan (专栏2 and 三(一))."""
    a = area(conn, scope, district)
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for code, _district, _street, y, n in supplied(conn, *a.where(assisted_homes.c.street_code)):
        counts[code][y] += n
    catalogue = programmes(conn)
    codes = set(counts) | {c for c, p in catalogue.items() if targets.programme(p.kind) is not None}
    years = sorted(set(targets.years) | {y for c in counts.values() for y in c})
    kind_period: dict[domain.Kind | None, int] = defaultdict(int)
    rows = []
    for p in _order(catalogue, codes):
        by_year = counts.get(p.code, {})
        period = sum(n for y, n in by_year.items() if targets.first_year <= y <= targets.last_year)
        kind_period[p.kind] += period
        rows.append((p, by_year, period))
    out_rows: list[SupplyProgramme] = []
    for p, by_year, period in rows:
        t = targets.programme(p.kind)
        out_rows.append(
            {
                "programme_code": p.code,
                "name": p.name,
                "kind": p.kind.value if p.kind else None,
                "kind_label": p.kind_label,
                "counts_towards_plan": p.kind in targets.supply_kinds,
                "by_year": [{"year": y, "homes": by_year.get(y, 0)} for y in years],
                "total": sum(by_year.values()),
                "period_total": period,
                "target": t.homes if t else None,
                "target_bound": t.bound if t else None,
                "target_bound_label": t.bound_label if t else None,
                # several programmes of one kind share the kind's target
                "progress_percent": percent(kind_period[p.kind], t.homes) if t else None,
            }
        )
    plan_years: list[PlanYear] = []
    period_total = 0
    for y in targets.years:
        homes = sum(by_year.get(y, 0) for p, by_year, _ in rows if p.kind in targets.supply_kinds)
        target = targets.supply_by_year.get(y)
        plan_years.append({"year": y, "homes": homes, "target": target, "progress_percent": percent(homes, target)})
        period_total += homes
    return {
        "years": years,
        "first_year": targets.first_year,
        "last_year": targets.last_year,
        "programmes": out_rows,
        "plan_years": plan_years,
        "period_total": period_total,
        "period_target": targets.supply_total,
        "progress_percent": percent(period_total, targets.supply_total),
        "targets_cover_city": a.whole == "",
        "source": targets.supply_source,
    }


# --------------------------------------------------------------------------------------- applications


def applications_by_status(conn: Connection, *, scope: Scope, district: str | None = None) -> ApplicationsByStatus:
    """How many applications each programme has in each status."""
    a = area(conn, scope, district)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for code, status, n in conn.execute(
        select(applications.c.programme_code, applications.c.status, func.count())
        .where(*a.where(applications.c.street_code))
        .group_by(applications.c.programme_code, applications.c.status)
    ):
        counts[code][status] = int(n)
    catalogue = programmes(conn)
    statuses: list[StatusLabel] = [{"status": s.value, "label": domain.STATUS_LABELS[s]} for s in domain.AppStatus]
    rows: list[ProgrammeStatuses] = [
        {
            "programme_code": p.code,
            "name": p.name,
            "total": sum(counts[p.code].values()),
            "by_status": [{"status": s["status"], "count": counts[p.code].get(s["status"], 0)} for s in statuses],
        }
        for p in _order(catalogue, counts)
    ]
    return {"statuses": statuses, "programmes": rows, "total": sum(r["total"] for r in rows)}


# ---------------------------------------------------------------------------------------------- times

_DECISIONS = ("approve", "return", "reject")


def times(conn: Connection, *, scope: Scope, district: str | None = None) -> Times:
    """Waiting times (submission → first allocation) and approval times (submission → decision, and
    the days spent at each review level), median and 90th percentile per programme."""
    a = area(conn, scope, district)
    scoped = a.where(applications.c.street_code)
    first: dict[int, tuple[str, datetime, datetime]] = {}  # application → its first selection
    for app_id, code, submitted, selected in keyset_pages(
        conn,
        select(applications.c.id, applications.c.programme_code, applications.c.submitted_at, allocations.c.selected_at)
        .select_from(allocations)
        .join(applications, applications.c.id == allocations.c.application_id)
        .where(applications.c.submitted_at.is_not(None), *scoped),
        allocations.c.id,
    ):
        if app_id not in first or selected < first[app_id][2]:
            first[app_id] = (code, submitted, selected)
    waiting: dict[str, list[float]] = defaultdict(list)
    for code, submitted, selected in first.values():
        waiting[code].append(_days(submitted, selected))
    overall: dict[str, list[float]] = defaultdict(list)
    for code, submitted, decided in keyset_pages(
        conn,
        select(applications.c.programme_code, applications.c.submitted_at, applications.c.decided_at).where(
            applications.c.submitted_at.is_not(None), applications.c.decided_at.is_not(None), *scoped
        ),
        applications.c.id,
    ):
        overall[code].append(_days(submitted, decided))
    at_level: dict[tuple[str, str], list[float]] = defaultdict(list)
    current, entered = None, None
    for app_id, code, level, action, at in keyset_pages(
        conn,
        select(
            application_steps.c.application_id,
            applications.c.programme_code,
            application_steps.c.level,
            application_steps.c.action,
            application_steps.c.at,
        )
        .join(applications, applications.c.id == application_steps.c.application_id)
        .where(application_steps.c.action.in_(("submit", *_DECISIONS)), *scoped),
        application_steps.c.application_id,
        application_steps.c.id,
    ):
        if app_id != current:
            current, entered = app_id, None
        if action == "submit":  # into the first level's queue (again, after a return)
            entered = at
        elif level in domain.LEVELS:
            if entered is not None:
                at_level[(code, level)].append(_days(entered, at))
            entered = at if action == "approve" else None  # an approval passes it to the next level
    catalogue = programmes(conn)
    levels: list[LevelLabel] = [{"level": lv, "label": domain.LEVEL_LABELS[lv]} for lv in domain.LEVELS]
    approval: list[ApprovalRow] = []
    for p in _order(catalogue, set(overall) | {c for c, _ in at_level}):
        approval.append(
            {
                "programme_code": p.code,
                "name": p.name,
                "overall": summary(overall.get(p.code, [])),
                "levels": [
                    {"level": lv, "label": domain.LEVEL_LABELS[lv], **summary(at_level.get((p.code, lv), []))}
                    for lv in domain.LEVELS
                    if (p.code, lv) in at_level
                ],
            }
        )
    return {
        "levels": levels,
        "waiting": [
            {"programme_code": p.code, "name": p.name, **summary(waiting[p.code])} for p in _order(catalogue, waiting)
        ],
        "approval": approval,
    }


# --------------------------------------------------------------------------------------------- months


def monthly(conn: Connection, *, scope: Scope, district: str | None = None) -> Monthly:
    """Applications submitted per Beijing-time calendar month, per programme (gapless months)."""
    a = area(conn, scope, district)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, submitted in keyset_pages(
        conn,
        select(applications.c.programme_code, applications.c.submitted_at).where(
            applications.c.submitted_at.is_not(None), *a.where(applications.c.street_code)
        ),
        applications.c.id,
    ):
        counts[code][month_of(submitted)] += 1
    seen = sorted({m for c in counts.values() for m in c})
    months = months_between(seen[0], seen[-1]) if seen else []
    catalogue = programmes(conn)
    series: list[MonthSeries] = [
        {"programme_code": p.code, "name": p.name, "counts": [counts[p.code].get(m, 0) for m in months]}
        for p in _order(catalogue, counts)
    ]
    totals = [sum(int(s["counts"][i]) for s in series) for i in range(len(months))]
    return {"months": months, "series": series, "totals": totals}
