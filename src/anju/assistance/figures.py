"""Figures of housing assistance and talent housing, against the plan's targets (指标与分析).

The targets are data: ``data/<city>/targets.toml`` (the city's 14th Five-Year housing plan), read and
validated by :func:`load_targets`. The figures are read set-wise — a few grouped queries per figure,
never one per programme, district or person — and always within the caller's scope, applied with
``scope.where`` on the street of the application (or of the assisted home), optionally narrowed to
one district or functional zone. Durations, percentiles and months are computed in Python over the
values read in keyset pages (timestamps are stored in UTC; months are Beijing-time calendar
months), so the same code answers on SQLite and PostgreSQL.

Definitions (also in ``docs/assistance.md ("Figures")``):

* coverage — persons (distinct ID blind indexes) with a current benefit of any programme ÷ the urban
  permanent residents of the area (a figure of the targets file), against the plan's ≥ 28 %;
* supply — assisted homes made available (not withdrawn) per programme per year of ``since``;
* waiting time — days from submission to the first allocation's selection (allocated applications);
* approval time — days from submission to the decision, and days spent at each review level;
* talent beneficiaries — distinct persons who have received a talent programme's benefit.
"""

from __future__ import annotations

import math
import re
import threading
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, case, distinct, extract, false, func, or_, select

from anju import divisions as div
from anju.assistance import domain as d
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

# ------------------------------------------------------------------------------------------------ targets

BOUNDS = {"at_least": "不少于", "about": "约", "target": "目标"}
TIERS = ("A", "B", "C", "D")
UNKNOWN = "未填写"


class TargetsError(ValueError):
    """The targets file is wrong; the message names the key (e.g. ``supply.by_year.2023``)."""


@dataclass(frozen=True)
class ProgrammeTarget:
    kind: d.Kind
    homes: int
    bound: str  # at_least | about | target
    source: str

    @property
    def bound_label(self) -> str:
        return BOUNDS[self.bound]


@dataclass(frozen=True)
class Targets:
    """The plan's targets for the figures pages (one city, one plan period)."""

    plan_name: str
    first_year: int
    last_year: int
    coverage_percent: float
    previous_coverage_percent: float | None
    coverage_source: str
    population: int
    population_year: int
    population_sample: bool
    population_source: str
    district_population: Mapping[str, int]
    supply_total: int
    supply_by_year: Mapping[int, int]
    supply_kinds: tuple[d.Kind, ...]
    supply_source: str
    programmes: tuple[ProgrammeTarget, ...]
    talent_homes: int
    talent_beneficiaries: int
    talent_kinds: tuple[d.Kind, ...]
    talent_home_kinds: tuple[d.Kind, ...]
    talent_homes_by_district: Mapping[str, int]
    talent_source: str

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def programme(self, kind: str | None) -> ProgrammeTarget | None:
        return next((p for p in self.programmes if p.kind == kind), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "plan_name": self.plan_name,
            "first_year": self.first_year,
            "last_year": self.last_year,
            "coverage_percent": self.coverage_percent,
            "previous_coverage_percent": self.previous_coverage_percent,
            "coverage_source": self.coverage_source,
            "population": self.population,
            "population_year": self.population_year,
            "population_sample": self.population_sample,
            "population_source": self.population_source,
            "district_population": [{"code": k, "population": v} for k, v in sorted(self.district_population.items())],
            "supply_total": self.supply_total,
            "supply_by_year": [{"year": y, "homes": n} for y, n in sorted(self.supply_by_year.items())],
            "supply_kinds": [k.value for k in self.supply_kinds],
            "supply_source": self.supply_source,
            "programmes": [
                {
                    "kind": p.kind.value,
                    "kind_label": d.KIND_LABELS[p.kind],
                    "homes": p.homes,
                    "bound": p.bound,
                    "bound_label": p.bound_label,
                    "source": p.source,
                }
                for p in self.programmes
            ],
            "talent_homes": self.talent_homes,
            "talent_beneficiaries": self.talent_beneficiaries,
            "talent_kinds": [k.value for k in self.talent_kinds],
            "talent_home_kinds": [k.value for k in self.talent_home_kinds],
            "talent_homes_by_district": [
                {"code": k, "homes": v} for k, v in sorted(self.talent_homes_by_district.items())
            ],
            "talent_source": self.talent_source,
        }


class _Reader:
    """Typed access to the parsed TOML that names the key in every error."""

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw

    def get(self, path: str, default: Any = ...) -> Any:
        cur: Any = self.raw
        for part in path.split("."):
            if not isinstance(cur, Mapping) or part not in cur:
                if default is not ...:
                    return default
                raise TargetsError(f"{path}: 缺少此项")
            cur = cur[part]
        return cur

    def table(self, path: str) -> Mapping[str, Any]:
        v = self.get(path)
        if not isinstance(v, Mapping):
            raise TargetsError(f"{path}: 应为表（table）")
        return v

    def text(self, path: str, default: Any = ...) -> str:
        v = self.get(path, default)
        if not isinstance(v, str) or not v.strip():
            raise TargetsError(f"{path}: 应为非空文本")
        return v

    def count(self, path: str, value: Any = ..., *, positive: bool = False) -> int:
        v = self.get(path) if value is ... else value
        if isinstance(v, bool) or not isinstance(v, int) or v < 0 or (positive and v == 0):
            raise TargetsError(f"{path}: 应为{'正' if positive else '非负'}整数")
        return v

    def percent(self, path: str, default: Any = ...) -> float | None:
        v = self.get(path, default)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v <= 100:
            raise TargetsError(f"{path}: 应为 0 到 100 之间的百分数")
        return float(v)

    def kinds(self, path: str) -> tuple[d.Kind, ...]:
        v = self.get(path)
        if not isinstance(v, list) or not v:
            raise TargetsError(f"{path}: 应为保障项目类别的列表")
        out = []
        for i, k in enumerate(v):
            try:
                out.append(d.Kind(k))
            except ValueError:
                raise TargetsError(f"{path}[{i}]: 未知保障项目类别 {k}（可用 {'、'.join(d.Kind)}）") from None
        if len(set(out)) != len(out):
            raise TargetsError(f"{path}: 类别重复")
        return tuple(out)

    def districts(self, path: str, *, positive: bool = False) -> dict[str, int]:
        out = {}
        for code, n in self.table(path).items():
            if not re.fullmatch(r"\d{6}", code):
                raise TargetsError(f"{path}.{code}: 应为六位区（县）或功能区代码")
            out[code] = self.count(f"{path}.{code}", n, positive=positive)
        return out


def targets_from_dict(raw: Mapping[str, Any]) -> Targets:
    """Build and validate the targets from the parsed TOML; errors name the key."""
    r = _Reader(raw)
    first, last = r.count("plan.first_year", positive=True), r.count("plan.last_year", positive=True)
    if last < first:
        raise TargetsError("plan.last_year: 早于 plan.first_year")
    by_year: dict[int, int] = {}
    for key, n in r.table("supply.by_year").items():
        if not key.isdigit() or not first <= int(key) <= last:
            raise TargetsError(f"supply.by_year.{key}: 年份应在 {first}–{last} 之间")
        by_year[int(key)] = r.count(f"supply.by_year.{key}", n)
    total = r.count("supply.total", positive=True)
    if by_year and sum(by_year.values()) != total:
        raise TargetsError(f"supply.by_year: 各年合计 {sum(by_year.values())} 与 supply.total {total} 不一致")
    progs: list[ProgrammeTarget] = []
    raw_programmes = r.get("supply.programme", [])
    if not isinstance(raw_programmes, list):
        raise TargetsError("supply.programme: 应为表数组（[[supply.programme]]）")
    for i, p in enumerate(raw_programmes):
        where = f"supply.programme[{i}]"
        pr = _Reader(p if isinstance(p, Mapping) else {})
        try:
            kind = d.Kind(pr.get("kind", None))
        except ValueError:
            raise TargetsError(f"{where}.kind: 未知保障项目类别 {pr.get('kind', None)}") from None
        bound = pr.get("bound", "target")
        if bound not in BOUNDS:
            raise TargetsError(f"{where}.bound: 应为 {'、'.join(BOUNDS)} 之一")
        try:
            homes = pr.count("homes", positive=True)
            source = pr.text("source", "—")
        except TargetsError as e:
            raise TargetsError(f"{where}.{e}") from None
        if any(x.kind == kind for x in progs):
            raise TargetsError(f"{where}.kind: {kind.value} 重复")
        progs.append(ProgrammeTarget(kind, homes, bound, source))
    talent_homes = r.count("talent.homes", positive=True)
    by_district = r.districts("talent.homes_by_district")
    if by_district and sum(by_district.values()) != talent_homes:
        raise TargetsError(
            f"talent.homes_by_district: 各区合计 {sum(by_district.values())} 与 talent.homes {talent_homes} 不一致"
        )
    sample = r.get("population.sample", False)
    if not isinstance(sample, bool):
        raise TargetsError("population.sample: 应为 true 或 false")
    coverage = r.percent("coverage.target_percent")
    assert coverage is not None
    return Targets(
        plan_name=r.text("plan.name"),
        first_year=first,
        last_year=last,
        coverage_percent=coverage,
        previous_coverage_percent=r.percent("coverage.previous_target_percent", None),
        coverage_source=r.text("coverage.source", "—"),
        population=r.count("population.urban_residents", positive=True),
        population_year=r.count("population.year", positive=True),
        population_sample=sample,
        population_source=r.text("population.source", "—"),
        district_population=r.districts("population.districts", positive=True)
        if r.get("population.districts", None) is not None
        else {},
        supply_total=total,
        supply_by_year=by_year,
        supply_kinds=r.kinds("supply.kinds"),
        supply_source=r.text("supply.source", "—"),
        programmes=tuple(progs),
        talent_homes=talent_homes,
        talent_beneficiaries=r.count("talent.beneficiaries", positive=True),
        talent_kinds=r.kinds("talent.kinds"),
        talent_home_kinds=r.kinds("talent.home_kinds"),
        talent_homes_by_district=by_district,
        talent_source=r.text("talent.source", "—"),
    )


def load_targets(path: Path) -> Targets:
    """The targets in a file, validated (raises :class:`TargetsError` naming the key)."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise TargetsError(f"{path.name}: {e}") from None
    return targets_from_dict(raw)


def targets_path(city_code: str) -> Path:
    return Path(__file__).parent / "data" / city_code / "targets.toml"


_CACHE: dict[Path, tuple[int, Targets]] = {}
_LOCK = threading.Lock()


def targets_for(city_code: str) -> Targets:
    """The city's targets, read once and again whenever the file changes."""
    path = targets_path(city_code)
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise TargetsError(f"{path}: 没有这个城市的规划指标文件") from None
    hit = _CACHE.get(path)
    if hit is not None and hit[0] == mtime:
        return hit[1]
    targets = load_targets(path)
    with _LOCK:
        _CACHE[path] = (mtime, targets)
    return targets


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
    dv = div.divisions_table
    row = conn.execute(select(dv.c.level).where(dv.c.code == district)).first()
    if row is None or row.level not in ("district", "zone"):
        raise ValidationError.of("district", f"没有这个区（县）或功能区：{district}")
    streets = conn.execute(
        select(dv.c.code).where(
            dv.c.level == "street",
            or_(dv.c.managing_code == district, and_(dv.c.parent_code == district, dv.c.managing_code.is_(None))),
        )
    ).scalars()
    return Area(scope, district, frozenset(streets))


def _district_of_street() -> Any:
    """SQL: the district or zone managing a street (a zone's streets belong to the zone)."""
    dv = div.divisions_table
    return func.coalesce(dv.c.managing_code, dv.c.parent_code)


def _names(conn: Connection) -> dict[str, str]:
    """Names of the city, its districts, zones and streets (one query)."""
    dv = div.divisions_table
    rows = conn.execute(select(dv.c.code, dv.c.name).where(dv.c.level.in_(("city", "district", "zone", "street"))))
    return {r.code: r.name for r in rows}


def visible_districts(conn: Connection, a: Area) -> list[str]:
    """The districts and zones that manage a street of the area (the whole list for the city)."""
    dv = div.divisions_table
    q = select(_district_of_street()).where(dv.c.level == "street", *a.where(dv.c.code)).distinct()
    return sorted(c for c in conn.execute(q).scalars() if c)


def district_choices(conn: Connection, scope: Scope) -> list[dict[str, str]]:
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
    kind: d.Kind | None

    @property
    def kind_label(self) -> str:
        return d.KIND_LABELS[self.kind] if self.kind else ""


def programmes(conn: Connection) -> dict[str, Programme]:
    """Every programme code with the name and kind of its latest edition."""
    out: dict[str, Programme] = {}
    pe = programme_editions
    for r in conn.execute(select(pe.c.code, pe.c.name, pe.c.kind).order_by(pe.c.code, pe.c.edition)):
        try:
            kind: d.Kind | None = d.Kind(r.kind)
        except ValueError:
            kind = None
        out[r.code] = Programme(r.code, r.name, kind)
    return out


def _programme(catalogue: Mapping[str, Programme], code: str) -> Programme:
    return catalogue.get(code) or Programme(code, code, None)


def _order(catalogue: Mapping[str, Programme], codes: Iterable[str]) -> list[Programme]:
    kinds = list(d.Kind)
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
    kind_period: dict[d.Kind | None, int] = defaultdict(int)
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
    statuses = [{"status": s.value, "label": d.STATUS_LABELS[s]} for s in d.AppStatus]
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
    st = application_steps
    current, entered = None, None
    for app_id, code, level, action, at in _pages(
        conn,
        select(st.c.application_id, applications.c.programme_code, st.c.level, st.c.action, st.c.at)
        .join(applications, applications.c.id == st.c.application_id)
        .where(st.c.action.in_(("submit", *_DECISIONS)), *scoped),
        st.c.application_id,
        st.c.id,
    ):
        if app_id != current:
            current, entered = app_id, None
        if action == "submit":  # into the first level's queue (again, after a return)
            entered = at
        elif level in d.LEVELS:
            if entered is not None:
                at_level[(code, level)].append(_days(entered, at))
            entered = at if action == "approve" else None  # an approval passes it to the next level
    catalogue = programmes(conn)
    levels = [{"level": lv, "label": d.LEVEL_LABELS[lv]} for lv in d.LEVELS]
    approval = []
    for p in _order(catalogue, set(overall) | {c for c, _ in at_level}):
        approval.append(
            {
                "programme_code": p.code,
                "name": p.name,
                "overall": summary(overall.get(p.code, [])),
                "levels": [
                    {"level": lv, "label": d.LEVEL_LABELS[lv], **summary(at_level.get((p.code, lv), []))}
                    for lv in d.LEVELS
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
    dv = div.divisions_table
    district_expr = _district_of_street()

    def in_plan(col: Any) -> ColumnElement[bool]:
        return col.between(date(targets.first_year, 1, 1), date(targets.last_year, 12, 31))  # type: ignore[no-any-return]

    scoped = a.where(applications.c.street_code)
    talent_apps = and_(applications.c.programme_code.in_(codes), applications.c.submitted_at.is_not(None), *scoped)
    talent_benefits = and_(benefits.c.programme_code.in_(codes), *scoped)
    apps_dv = applications.outerjoin(dv, dv.c.code == applications.c.street_code)
    ben_dv = _BENEFITS_APPS.outerjoin(dv, dv.c.code == applications.c.street_code)
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
    hd = dv.alias("hd")
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
    tiers = [*TIERS, *sorted((set(apps_tier) | set(ben_tier)) - set(TIERS))]
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


# ----------------------------------------------------------------------------------------- CSV tables

Row = list[Any]


def _coverage_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "在保人数", "在保户数", "城镇常住人口", "覆盖率（%）", "规划目标（%）"]
    rows: list[Row] = [
        [p["programme_code"], p["name"], p["persons"], p["households"], "", "", ""] for p in f["by_programme"]
    ]
    rows.append(
        ["", f"合计（{f['area_name']}）", f["persons"], f["households"], f["population"], f["rate_percent"],
         f["target_percent"]]
    )  # fmt: skip
    return cols, rows


def _supply_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "类别", *(f"{y}年" for y in f["years"]), "规划期合计", "规划目标", "完成率（%）"]
    rows = [
        [p["programme_code"], p["name"], p["kind_label"], *(y["homes"] for y in p["by_year"]), p["period_total"],
         p["target"], p["progress_percent"]]
        for p in f["programmes"]
    ]  # fmt: skip
    return cols, rows


def _plan_years_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["年份", "保障性住房供应套数", "年度计划套数", "完成率（%）"]
    rows = [[y["year"], y["homes"], y["target"], y["progress_percent"]] for y in f["plan_years"]]
    rows.append(["合计", f["period_total"], f["period_target"], f["progress_percent"]])
    return cols, rows


def _applications_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", *(s["label"] for s in f["statuses"]), "合计"]
    rows = [
        [p["programme_code"], p["name"], *(s["count"] for s in p["by_status"]), p["total"]] for p in f["programmes"]
    ]
    return cols, rows


def _waiting_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "已配置申请数", "轮候天数中位数", "轮候天数第90百分位"]
    return cols, [[w["programme_code"], w["name"], w["n"], w["median_days"], w["p90_days"]] for w in f["waiting"]]


def _approval_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["项目代码", "项目名称", "环节", "件数", "天数中位数", "天数第90百分位"]
    rows: list[Row] = []
    for p in f["approval"]:
        o = p["overall"]
        rows.append([p["programme_code"], p["name"], "提交至决定", o["n"], o["median_days"], o["p90_days"]])
        for lv in p["levels"]:
            rows.append(
                [p["programme_code"], p["name"], f"{lv['label']}级审核", lv["n"], lv["median_days"], lv["p90_days"]]
            )
    return cols, rows


def _monthly_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["月份", *(s["name"] for s in f["series"]), "合计"]
    rows = [[m, *(s["counts"][i] for s in f["series"]), f["totals"][i]] for i, m in enumerate(f["months"])]
    return cols, rows


def _tiers_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    return ["人才层次", "申请数", "受益人数"], [[t["tier"], t["applications"], t["beneficiaries"]] for t in f["tiers"]]


def _districts_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    cols = ["区划代码", "区（功能区）", "申请数", "受益人数", "人才安居住房供应套数", "专栏5目标套数", "完成率（%）"]
    rows = [
        [x["code"], x["name"], x["applications"], x["beneficiaries"], x["homes"], x["homes_target"],
         x["progress_percent"]]
        for x in f["districts"]
    ]  # fmt: skip
    return cols, rows


def _industries_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    rows = [[x["industry"], x["applications"], x["beneficiaries"]] for x in f["industries"]]
    return ["行业", "申请数", "受益人数"], rows


def _talent_months_table(f: Mapping[str, Any]) -> tuple[list[str], list[Row]]:
    rows = [[m["month"], m["applications"], m["beneficiaries"]] for m in f["months"]]
    return ["月份", "申请数", "新增受益人数"], rows


Figure = Callable[[Connection, Targets, Scope, str | None], dict[str, Any]]

FIGURES: dict[str, Figure] = {
    "coverage": lambda c, t, s, dist: coverage(c, t, scope=s, district=dist),
    "supply": lambda c, t, s, dist: supply(c, t, scope=s, district=dist),
    "applications": lambda c, t, s, dist: applications_by_status(c, scope=s, district=dist),
    "times": lambda c, t, s, dist: times(c, scope=s, district=dist),
    "monthly": lambda c, t, s, dist: monthly(c, scope=s, district=dist),
    "talent": lambda c, t, s, dist: talent(c, t, scope=s, district=dist),
}

#: CSV table name → (the figure it comes from, its shaping, its title).
TABLES: dict[str, tuple[str, Callable[[Mapping[str, Any]], tuple[list[str], list[Row]]], str]] = {
    "coverage": ("coverage", _coverage_table, "保障覆盖"),
    "supply": ("supply", _supply_table, "分项目年度供应"),
    "plan-years": ("supply", _plan_years_table, "保障性住房年度供应与计划"),
    "applications": ("applications", _applications_table, "分项目分状态申请数"),
    "waiting-times": ("times", _waiting_table, "轮候时间"),
    "approval-times": ("times", _approval_table, "审批时间"),
    "monthly": ("monthly", _monthly_table, "月度申请数"),
    "talent-tiers": ("talent", _tiers_table, "人才层次"),
    "talent-districts": ("talent", _districts_table, "人才安居分区"),
    "talent-industries": ("talent", _industries_table, "人才行业分布"),
    "talent-months": ("talent", _talent_months_table, "人才安居月度趋势"),
}


def table(
    conn: Connection, targets: Targets, name: str, *, scope: Scope, district: str | None = None
) -> tuple[list[str], list[Row]]:
    """One figure's table (header, rows), for CSV export."""
    figure, shape, _ = TABLES[name]
    return shape(FIGURES[figure](conn, targets, scope, district))


def csv_bytes(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so that Excel shows Chinese correctly), CRLF line ends; an empty
    cell for a missing figure."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(columns)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    return "\ufeff".encode() + buf.getvalue().encode("utf-8")
