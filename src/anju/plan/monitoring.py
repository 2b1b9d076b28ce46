"""Monitoring a plan against the platform's data (规划实施监测): the live progress of its targets from the
stored indicator values (one read of them, one of the hand-entered figures), the figures a department
reports by hand, and the annual reports — each year's snapshot of every target, in versions, a later
correction a new version with its note (never an overwrite).

Scope: a caller sees the plan's city targets and the breakdown targets of the areas inside their scope
(a district officer: the city's and their own district's). The rules of the status are
:mod:`anju.plan.progress`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, select
from sqlalchemy.exc import IntegrityError

from anju import divisions, indicators, registry
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.indicators import Level
from anju.plan import progress as pr
from anju.plan.domain import STATUS_LABELS, Plan, Status, Target
from anju.plan.tables import plan_entries, plan_report_figures, plan_reports

E, R, F = plan_entries.c, plan_reports.c, plan_report_figures.c


def visible_targets(plan: Plan, scope: Scope) -> list[Target]:
    """The targets ``scope`` sees: the city's, and those of areas wholly inside the scope."""
    return [t for t in plan.targets if t.area == plan.city or scope.allows_division(t.area)]


def hand_codes(plan: Plan) -> set[str]:
    """The plan's indicators no provider computes (reported by a department, entered by hand)."""
    book = indicators.dictionary()
    return {t.indicator for t in plan.targets if (ind := book.get(t.indicator)) is None or not ind.provider}


@dataclass(frozen=True)
class Entered:
    """A hand-entered figure as a value progress reads (the latest entry of its key wins)."""

    code: str
    area_code: str
    year: int
    value: Decimal | None
    missing: str | None = None


def read_values(conn: Connection, plan: Plan, targets: Sequence[Target]) -> list[pr.ValueLike]:
    """The values the targets need: the stored indicator values (one read for the city's targets, one
    for the districts'), and one read of the hand entries (for indicators without a provider; they
    come after, so they win)."""
    if not targets:
        return []
    codes = sorted({t.indicator for t in targets})
    areas = sorted({t.area for t in targets})
    years = pr.needed_years(plan)
    out: list[pr.ValueLike] = []
    # one bounded read per level (the city's targets; the districts' breakdowns), each on the values'
    # key (code, level, area): never one per target, and no codes × areas product across the levels
    city = Scope.whole_city()
    groups: tuple[tuple[Level, list[Target]], ...] = (
        ("city", [t for t in targets if t.area == plan.city]),
        ("district", [t for t in targets if t.area != plan.city]),
    )
    for level, group in groups:
        if group:
            out.extend(
                indicators.values(
                    conn,
                    city,
                    codes=sorted({t.indicator for t in group}),
                    years=years,
                    level=level,
                    areas=sorted({t.area for t in group}),
                )
            )
    hand = sorted(hand_codes(plan) & set(codes))
    if hand:
        latest = (
            select(E.indicator, E.area_code, E.year, func.max(E.id).label("id"))
            .where(E.indicator.in_(hand), E.area_code.in_(areas), E.year.in_(years))
            .group_by(E.indicator, E.area_code, E.year)
            .subquery()
        )
        rows = conn.execute(select(E.indicator, E.area_code, E.year, E.value).join(latest, latest.c.id == E.id))
        out.extend(Entered(r.indicator, r.area_code, r.year, Decimal(r.value)) for r in rows)
    return out


def years_with_data(values: Iterable[pr.ValueLike]) -> set[int]:
    return {v.year for v in values if v.value is not None}


@dataclass(frozen=True)
class Live:
    plan: Plan
    as_of: int
    items: list[pr.TargetProgress]
    synthetic: bool


def live(conn: Connection, plan: Plan, scope: Scope, as_of: int | None = None) -> Live:
    """Every visible target's progress as of ``as_of`` (default: the latest plan year with data)."""
    targets = visible_targets(plan, scope)
    vals = read_values(conn, plan, targets)
    year = as_of if as_of is not None else pr.default_as_of(plan, years_with_data(vals))
    if not plan.first_year <= year <= plan.last_year:
        raise ValidationError.of("year", f"应在规划期 {plan.first_year}–{plan.last_year} 年内")
    book = pr.index(vals)
    hand = hand_codes(plan)
    items = [pr.target_progress(plan, t, book, year, reported_by_hand=t.indicator in hand) for t in targets]
    return Live(plan, year, items, registry.synthetic_scale(conn) is not None)


# -- hand-entered figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    id: int
    indicator: str
    area_code: str
    year: int
    value: Decimal
    source_note: str
    entered_at: datetime
    entered_by: str


def _decimal(text: str, field: str) -> Decimal:
    try:
        d = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError.of(field, "应为数字") from None
    if not d.is_finite():
        raise ValidationError.of(field, "应为有限的数字")
    if abs(d) >= Decimal("1e15"):
        raise ValidationError.of(field, "数值过大")
    return d


def enter(
    conn: Connection, plan: Plan, *, indicator: str, area_code: str, year: int, value: str, source_note: str, by: str
) -> int:
    """Record a figure a department reports (an indicator no provider computes). A later entry for the
    same indicator, area and year supersedes it for progress; both are kept. Refused, naming the field:
    an indicator not in the plan or computed by the platform, an area outside the plan's city, a year
    outside the plan (or its baseline year), a value that is not a number, no source note."""
    book = indicators.dictionary()
    ind = book.get(indicator)
    if ind is None or indicator not in {t.indicator for t in plan.targets}:
        raise ValidationError.of("indicator", "不是本规划的指标")
    if ind.provider:
        raise ValidationError.of("indicator", "该指标由平台计算，不能手工录入")
    if not plan.first_year - 1 <= year <= plan.last_year:
        raise ValidationError.of("year", f"应在 {plan.first_year - 1}–{plan.last_year} 年内")
    d = _decimal(value, "value")
    note = (source_note or "").strip()
    if not note:
        raise ValidationError.of("source_note", "请注明数据来源（报送部门、文件）")
    if len(note) > 300:
        raise ValidationError.of("source_note", "不超过 300 字")
    if area_code != plan.city:
        if not divisions.exists(conn, area_code):
            raise ValidationError.of("area_code", "没有这个区划")
        level = divisions.get(conn, area_code).level
        if level not in ind.levels:
            raise ValidationError.of("area_code", f"该指标不按“{level}”层级统计")
    pk = conn.execute(
        insert(plan_entries).values(
            indicator=indicator,
            area_code=area_code,
            year=year,
            value=str(d),
            source_note=note,
            entered_at=clock.now(),
            entered_by=by[:40],
        )
    ).inserted_primary_key
    assert pk is not None
    return int(pk[0])


def entries(
    conn: Connection, *, indicator: str | None = None, year: int | None = None, limit: int, offset: int
) -> Page[Entry]:
    """The hand-entered figures, newest first (each entry kept)."""
    q = select(plan_entries)
    if indicator:
        q = q.where(E.indicator == indicator)
    if year is not None:
        q = q.where(E.year == year)
    page: Page[Entry] = fetch_page(
        conn,
        q.order_by(E.id.desc()),
        limit=limit,
        offset=offset,
        row=lambda r: Entry(
            r.id, r.indicator, r.area_code, r.year, Decimal(r.value), r.source_note, r.entered_at, r.entered_by
        ),
    )
    return page


# -- annual reports ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    id: int
    plan_code: str
    edition: int
    year: int
    version: int
    note: str | None
    synthetic: bool
    reported_at: datetime
    reported_by: str


@dataclass(frozen=True)
class ReportedFigure:
    report: Report
    target_key: str
    indicator: str
    area_code: str
    target: Decimal
    actual: Decimal | None
    unit: str
    status: Status
    missing: str | None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def _report(r: Any) -> Report:
    return Report(
        r.id, r.plan_code, r.edition, r.year, r.version, r.note, bool(r.synthetic), r.reported_at, r.reported_by
    )


def report_year(conn: Connection, plan: Plan, year: int, *, by: str, note: str | None = None) -> Report:
    """Report ``year``'s figures: a snapshot of every target's progress as of that year (whole city). The
    first report of a year is version 1; reporting it again is a correction: version n+1, ``note``
    required. Earlier versions stay as they were."""
    if not plan.first_year <= year <= plan.last_year:
        raise ValidationError.of("year", f"应在规划期 {plan.first_year}–{plan.last_year} 年内")
    text = (note or "").strip() or None
    if text and len(text) > 500:
        raise ValidationError.of("note", "不超过 500 字")
    last = conn.execute(select(func.max(R.version)).where(R.plan_code == plan.code, R.year == year)).scalar()
    if last and not text:
        raise ValidationError.of("note", f"{year} 年已报送（第 {last} 版）；更正须说明更正内容和原因")
    now = clock.now()
    got = live(conn, plan, Scope.whole_city(), year)
    try:
        with conn.begin_nested():  # two reports of the year at the same moment: the second is told so
            pk = conn.execute(
                insert(plan_reports).values(
                    plan_code=plan.code,
                    edition=plan.edition,
                    year=year,
                    version=(last or 0) + 1,
                    note=text,
                    synthetic=1 if got.synthetic else 0,
                    reported_at=now,
                    reported_by=by[:40],
                )
            ).inserted_primary_key
    except IntegrityError:
        raise Conflict(f"{year} 年度数据刚由他人报送，请刷新后再报送（如需更正请说明）") from None
    assert pk is not None
    rid = int(pk[0])
    rows = [
        {
            "report_id": rid,
            "target_key": p.key,
            "indicator": p.target.indicator,
            "area_code": p.target.area,
            "target": str(p.target.value),
            "actual": None if p.actual is None else _text(p.actual),
            "unit": p.target.unit[:20],
            "status": p.status,
            "missing": p.missing,
        }
        for p in got.items
    ]
    if rows:
        conn.execute(insert(plan_report_figures), rows)
    row = conn.execute(select(plan_reports).where(R.id == rid)).one()
    return _report(row)


def _text(d: Decimal) -> str:
    """An actual value as stored: at most six places, no exponent."""
    q = d.quantize(Decimal("0.000001")).normalize()
    return format(q, "f")


def reports(conn: Connection, plan_code: str, *, year: int | None = None) -> list[Report]:
    """Every report of the plan (every version), by year then version."""
    q = select(plan_reports).where(R.plan_code == plan_code)
    if year is not None:
        q = q.where(R.year == year)
    return [_report(r) for r in conn.execute(q.order_by(R.year, R.version))]


def current_reports(conn: Connection, plan_code: str) -> list[Report]:
    """The current (latest) version of each reported year."""
    latest: dict[int, Report] = {}
    for r in reports(conn, plan_code):
        latest[r.year] = r
    return [latest[y] for y in sorted(latest)]


def figures(
    conn: Connection,
    plan_code: str,
    *,
    report_ids: Sequence[int] | None = None,
    target_key: str | None = None,
    areas: Iterable[str] | None = None,
) -> list[ReportedFigure]:
    """Reported figures (of the given reports, or of every report of the plan): two queries, the
    reports (a few rows) and their figures, each report built once."""
    rq = select(plan_reports).where(R.plan_code == plan_code)
    if report_ids is not None:
        rq = rq.where(R.id.in_(list(report_ids)))
    heads = {int(r.id): _report(r) for r in conn.execute(rq)}
    if not heads:
        return []
    cond: list[ColumnElement[bool]] = [F.report_id.in_(sorted(heads))]
    if target_key is not None:
        cond.append(F.target_key == target_key)
    if areas is not None:
        cond.append(F.area_code.in_(sorted(set(areas))))
    q = select(
        F.report_id, F.target_key, F.indicator, F.area_code, F.target, F.actual, F.unit, F.status, F.missing
    ).where(and_(*cond))
    out = [
        ReportedFigure(
            heads[int(r.report_id)],
            r.target_key,
            r.indicator,
            r.area_code,
            Decimal(r.target),
            None if r.actual is None else Decimal(r.actual),
            r.unit,
            r.status,
            r.missing,
        )
        for r in conn.execute(q)
    ]
    out.sort(key=lambda f: (f.report.year, f.report.version, f.target_key))
    return out


@dataclass(frozen=True)
class HistoryLine:
    """One reported version of one target's figure for one year; ``previous`` is the figure it
    corrected (None for the first report, or when the figure did not change)."""

    figure: ReportedFigure
    previous: ReportedFigure | None
    changed: bool


def history(conn: Connection, plan: Plan, target_key: str) -> list[HistoryLine]:
    """A target's yearly figures as reported, every version, a correction beside what it corrected."""
    if target_key not in {t.key for t in plan.targets}:
        raise NotFound(f"本规划没有目标 {target_key}")
    out: list[HistoryLine] = []
    before: dict[int, ReportedFigure] = {}
    for f in figures(conn, plan.code, target_key=target_key):
        prev = before.get(f.report.year)
        changed = prev is not None and (prev.actual != f.actual or prev.status != f.status)
        out.append(HistoryLine(f, prev if changed else None, changed))
        before[f.report.year] = f
    return out


def current_figures(conn: Connection, plan: Plan, scope: Scope | None = None) -> list[ReportedFigure]:
    """The current version of every reported year's figures (within ``scope``: city targets and the
    areas inside it)."""
    heads = current_reports(conn, plan.code)
    if not heads:
        return []
    areas = None
    if scope is not None and not scope.unrestricted:
        areas = [t.area for t in visible_targets(plan, scope)]
    return figures(conn, plan.code, report_ids=[r.id for r in heads], areas=areas)


def area_names(conn: Connection, codes: set[str]) -> dict[str, str]:
    """The names of divisions (one query)."""
    return divisions.names(conn, codes) if codes else {}


def get_report(conn: Connection, plan_code: str, year: int, version: int | None = None) -> Report:
    q = select(plan_reports).where(R.plan_code == plan_code, R.year == year)
    if version is not None:
        q = q.where(R.version == version)
    row = conn.execute(q.order_by(R.version.desc()).limit(1)).first()
    if row is None:
        raise NotFound(f"{year} 年尚未报送" if version is None else f"{year} 年没有第 {version} 版报送")
    return _report(row)


__all__ = [
    "Entered",
    "Entry",
    "HistoryLine",
    "Live",
    "Report",
    "ReportedFigure",
    "area_names",
    "current_figures",
    "current_reports",
    "enter",
    "entries",
    "figures",
    "get_report",
    "hand_codes",
    "history",
    "live",
    "read_values",
    "report_year",
    "reports",
    "visible_targets",
]
