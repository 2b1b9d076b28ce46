"""Figures of housing assistance and talent housing, against the plan's targets (指标与分析).

The targets are data: ``data/<city>/targets.toml`` (the city's 14th Five-Year housing plan), read and
validated by :func:`anju.assistance.plan_targets.load_targets`. The figures are read set-wise — a few
grouped queries per figure, never one per programme, district or person — and always within the
caller's scope, applied with ``scope.where`` on the street of the application (or of the assisted
home), optionally narrowed to one district or functional zone. Durations, percentiles and months are
computed in Python over the values read in keyset pages (timestamps are stored in UTC; months are
Beijing-time calendar months), so the same code answers on SQLite and PostgreSQL.

Definitions (also in ``docs/assistance.md ("Figures")``):

* coverage — persons (distinct ID blind indexes) with a current benefit of any programme ÷ the urban
  permanent residents of the area (a figure of the targets file), against the plan's ≥ 28 %;
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
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, extract, false, func, or_, select

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

UNKNOWN = "未填写"


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


def _district_of_street() -> Any:
    """SQL: the district or zone managing a street (a zone's streets belong to the zone)."""
    return func.coalesce(divisions_table.c.managing_code, divisions_table.c.parent_code)


def _names(conn: Connection) -> dict[str, str]:
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
        select(_district_of_street())
        .where(divisions_table.c.level == "street", *a.where(divisions_table.c.code))
        .distinct()
    )
    return sorted(c for c in conn.execute(q).scalars() if c)


def district_choices(conn: Connection, *, scope: Scope) -> list[dict[str, str]]:
    """The districts the caller may filter by (code, name), for the pages' filter."""
    codes = visible_districts(conn, Area(scope))
    names = _names(conn)
    return [{"code": c, "name": names.get(c, c)} for c in codes]


def _area_name(names: Mapping[str, str], a: Area) -> str:
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


def summary(values: list[float]) -> dict[str, Any]:
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


def _month(ts: datetime) -> str:
    return clock.to_local(ts).strftime("%Y-%m")


def _months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _percent(part: int, whole: int | None) -> float | None:
    return None if not whole else round(100 * part / whole, 2)


PAGE_ROWS = 20_000


def _pages(conn: Connection, q: Any, *keys: Any, size: int | None = None) -> Iterator[Any]:
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


def _current(on: date) -> ColumnElement[bool]:
    return and_(benefits.c.since <= on, or_(benefits.c.until.is_(None), benefits.c.until > on))


_BENEFITS_APPS = benefits.outerjoin(applications, applications.c.id == benefits.c.application_id)


def coverage(
    conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None, on: date | None = None
) -> dict[str, Any]:
    """Persons and households supported now, and their share of the area's urban permanent residents."""
    a = area(conn, scope, district)
    on = on or clock.today()
    conds = [_current(on), *a.where(applications.c.street_code)]
    persons, households = conn.execute(
        select(func.count(distinct(benefits.c.id_bidx)), func.count(distinct(benefits.c.application_id)))
        .select_from(_BENEFITS_APPS)
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
            .select_from(_BENEFITS_APPS)
            .where(*conds)
            .group_by(benefits.c.programme_code)
        )
    }
    names = _names(conn)
    whole = a.whole
    population = targets.population if whole == "" else targets.district_population.get(whole or "")
    rate = _percent(int(persons), population)
    return {
        "area_code": a.district or a.scope.code or None,
        "area_name": _area_name(names, a),
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

_SUPPLIED = assisted_homes.c.status != "withdrawn"


def supply(conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None) -> dict[str, Any]:
    """Assisted homes made available per programme and year, against the plan (专栏2 and 三(一))."""
    a = area(conn, scope, district)
    year = extract("year", assisted_homes.c.since)
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for code, y, n in conn.execute(
        select(assisted_homes.c.programme_code, year, func.count())
        .where(_SUPPLIED, *a.where(assisted_homes.c.street_code))
        .group_by(assisted_homes.c.programme_code, year)
    ):
        counts[code][int(y)] = int(n)
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
    out_rows = []
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
                "progress_percent": _percent(kind_period[p.kind], t.homes) if t else None,
            }
        )
    plan_years: list[dict[str, Any]] = []
    period_total = 0
    for y in targets.years:
        homes = sum(by_year.get(y, 0) for p, by_year, _ in rows if p.kind in targets.supply_kinds)
        target = targets.supply_by_year.get(y)
        plan_years.append({"year": y, "homes": homes, "target": target, "progress_percent": _percent(homes, target)})
        period_total += homes
    return {
        "years": years,
        "first_year": targets.first_year,
        "last_year": targets.last_year,
        "programmes": out_rows,
        "plan_years": plan_years,
        "period_total": period_total,
        "period_target": targets.supply_total,
        "progress_percent": _percent(period_total, targets.supply_total),
        "targets_cover_city": a.whole == "",
        "source": targets.supply_source,
    }


# --------------------------------------------------------------------------------------- applications


def applications_by_status(conn: Connection, *, scope: Scope, district: str | None = None) -> dict[str, Any]:
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
    statuses = [{"status": s.value, "label": domain.STATUS_LABELS[s]} for s in domain.AppStatus]
    rows = [
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


def times(conn: Connection, *, scope: Scope, district: str | None = None) -> dict[str, Any]:
    """Waiting times (submission → first allocation) and approval times (submission → decision, and
    the days spent at each review level), median and 90th percentile per programme."""
    a = area(conn, scope, district)
    scoped = a.where(applications.c.street_code)
    first: dict[int, tuple[str, datetime, datetime]] = {}  # application → its first selection
    for app_id, code, submitted, selected in _pages(
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
    for code, submitted, decided in _pages(
        conn,
        select(applications.c.programme_code, applications.c.submitted_at, applications.c.decided_at).where(
            applications.c.submitted_at.is_not(None), applications.c.decided_at.is_not(None), *scoped
        ),
        applications.c.id,
    ):
        overall[code].append(_days(submitted, decided))
    at_level: dict[tuple[str, str], list[float]] = defaultdict(list)
    current, entered = None, None
    for app_id, code, level, action, at in _pages(
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
    levels = [{"level": lv, "label": domain.LEVEL_LABELS[lv]} for lv in domain.LEVELS]
    approval = []
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


def monthly(conn: Connection, *, scope: Scope, district: str | None = None) -> dict[str, Any]:
    """Applications submitted per Beijing-time calendar month, per programme (gapless months)."""
    a = area(conn, scope, district)
    counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for code, submitted in _pages(
        conn,
        select(applications.c.programme_code, applications.c.submitted_at).where(
            applications.c.submitted_at.is_not(None), *a.where(applications.c.street_code)
        ),
        applications.c.id,
    ):
        counts[code][_month(submitted)] += 1
    seen = sorted({m for c in counts.values() for m in c})
    months = _months_between(seen[0], seen[-1]) if seen else []
    catalogue = programmes(conn)
    series: list[dict[str, Any]] = [
        {"programme_code": p.code, "name": p.name, "counts": [counts[p.code].get(m, 0) for m in months]}
        for p in _order(catalogue, counts)
    ]
    totals = [sum(int(s["counts"][i]) for s in series) for i in range(len(months))]
    return {"months": months, "series": series, "totals": totals}


# --------------------------------------------------------------------------------------------- talent


def talent(
    conn: Connection, targets: Targets, *, scope: Scope, district: str | None = None, on: date | None = None
) -> dict[str, Any]:
    """Talent housing (人才安居): applications and beneficiaries by tier, district, industry and month,
    and talent homes per district against 专栏5."""
    a = area(conn, scope, district)
    on = on or clock.today()
    catalogue = programmes(conn)
    codes = sorted(c for c, p in catalogue.items() if p.kind in targets.talent_kinds)
    home_codes = sorted(c for c, p in catalogue.items() if p.kind in targets.talent_home_kinds)
    district_expr = _district_of_street()

    def in_plan(col: ColumnElement[Any]) -> ColumnElement[bool]:
        return col.between(date(targets.first_year, 1, 1), date(targets.last_year, 12, 31))

    scoped = a.where(applications.c.street_code)
    talent_apps = and_(applications.c.programme_code.in_(codes), applications.c.submitted_at.is_not(None), *scoped)
    talent_benefits = and_(benefits.c.programme_code.in_(codes), *scoped)
    apps_dv = applications.outerjoin(divisions_table, divisions_table.c.code == applications.c.street_code)
    ben_dv = _BENEFITS_APPS.outerjoin(divisions_table, divisions_table.c.code == applications.c.street_code)
    person = func.count(distinct(benefits.c.id_bidx))

    def grouped(q: Any) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for key, n in conn.execute(q):
            out[key if key else UNKNOWN] += int(n)
        return out

    apps_tier = grouped(
        select(applications.c.talent_tier, func.count()).where(talent_apps).group_by(applications.c.talent_tier)
    )
    ben_tier = grouped(
        select(applications.c.talent_tier, person)
        .select_from(_BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(applications.c.talent_tier)
    )
    apps_district = grouped(
        select(district_expr, func.count()).select_from(apps_dv).where(talent_apps).group_by(district_expr)
    )
    ben_district = grouped(
        select(district_expr, person).select_from(ben_dv).where(talent_benefits).group_by(district_expr)
    )
    apps_industry = grouped(
        select(applications.c.industry, func.count()).where(talent_apps).group_by(applications.c.industry)
    )
    ben_industry = grouped(
        select(applications.c.industry, person)
        .select_from(_BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(applications.c.industry)
    )
    hd = divisions_table.alias("hd")
    home_district = func.coalesce(hd.c.managing_code, hd.c.parent_code)
    homes_district = grouped(
        select(home_district, func.count())
        .select_from(assisted_homes.outerjoin(hd, hd.c.code == assisted_homes.c.street_code))
        .where(
            assisted_homes.c.programme_code.in_(home_codes),
            _SUPPLIED,
            in_plan(assisted_homes.c.since),
            *a.where(assisted_homes.c.street_code),
        )
        .group_by(home_district)
    )
    everyone, in_period, now = conn.execute(
        select(
            person,
            func.count(distinct(case((in_plan(benefits.c.since), benefits.c.id_bidx), else_=None))),
            func.count(distinct(case((_current(on), benefits.c.id_bidx), else_=None))),
        )
        .select_from(_BENEFITS_APPS)
        .where(talent_benefits)
    ).one()
    # months: applications submitted (Beijing time), and persons whose first talent benefit began
    apps_month: dict[str, int] = defaultdict(int)
    for (submitted,) in _pages(conn, select(applications.c.submitted_at).where(talent_apps), applications.c.id):
        apps_month[_month(submitted)] += 1
    first_since = (
        select(func.min(benefits.c.since).label("since"))
        .select_from(_BENEFITS_APPS)
        .where(talent_benefits)
        .group_by(benefits.c.id_bidx)
        .subquery()
    )
    ben_month: dict[str, int] = defaultdict(int)
    for since, n in conn.execute(select(first_since.c.since, func.count()).group_by(first_since.c.since)):
        ben_month[since.strftime("%Y-%m")] += int(n)
    seen = sorted(set(apps_month) | set(ben_month))
    months = _months_between(seen[0], seen[-1]) if seen else []
    names = _names(conn)
    if a.whole == "":
        shown = set(targets.talent_homes_by_district) | set(visible_districts(conn, a))
    else:
        shown = set(visible_districts(conn, a))
    shown |= {k for k in (*apps_district, *ben_district, *homes_district) if k != UNKNOWN}
    shown |= {UNKNOWN} & {*apps_district, *ben_district}
    district_rows = []
    for code in sorted(shown, key=lambda c: (c == UNKNOWN, c)):
        target = targets.talent_homes_by_district.get(code)
        homes = homes_district.get(code, 0)
        district_rows.append(
            {
                "code": code if code != UNKNOWN else None,
                "name": names.get(code, code) if code != UNKNOWN else "未知",
                "applications": apps_district.get(code, 0),
                "beneficiaries": ben_district.get(code, 0),
                "homes": homes,
                "homes_target": target,
                "progress_percent": _percent(homes, target),
            }
        )
    tiers = [*domain.TIERS, *sorted((set(apps_tier) | set(ben_tier)) - set(domain.TIERS))]
    industries = sorted(
        set(apps_industry) | set(ben_industry), key=lambda k: (-apps_industry.get(k, 0), -ben_industry.get(k, 0), k)
    )
    homes_total = sum(homes_district.values())
    return {
        "area_name": _area_name(names, a),
        "first_year": targets.first_year,
        "last_year": targets.last_year,
        "totals": {
            "applications": sum(apps_tier.values()),
            "beneficiaries": int(everyone),
            "beneficiaries_period": int(in_period),
            "beneficiaries_now": int(now),
            "beneficiaries_target": targets.talent_beneficiaries,
            "beneficiaries_progress_percent": _percent(int(in_period), targets.talent_beneficiaries),
            "homes_period": homes_total,
            "homes_target": targets.talent_homes,
            "homes_progress_percent": _percent(homes_total, targets.talent_homes),
            "targets_cover_city": a.whole == "",
        },
        "tiers": [{"tier": t, "applications": apps_tier.get(t, 0), "beneficiaries": ben_tier.get(t, 0)} for t in tiers],
        "districts": district_rows,
        "industries": [
            {"industry": k, "applications": apps_industry.get(k, 0), "beneficiaries": ben_industry.get(k, 0)}
            for k in industries
        ],
        "months": [
            {"month": m, "applications": apps_month.get(m, 0), "beneficiaries": ben_month.get(m, 0)} for m in months
        ],
        "source": targets.talent_source,
    }
