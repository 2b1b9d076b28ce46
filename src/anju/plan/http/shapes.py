"""Service results → API shapes (shared by the API and the pages' JSON blocks)."""

from __future__ import annotations

from collections.abc import Mapping

from anju import indicators
from anju.plan.domain import COMPARISON_LABELS, NATURE_LABELS, STATUS_LABELS
from anju.plan.http import schemas as s
from anju.plan.monitoring import Live, ReportedFigure
from anju.plan.progress import TargetProgress


def target_out(p: TargetProgress, names: Mapping[str, str]) -> s.TargetOut:
    t = p.target
    ind = indicators.dictionary().get(t.indicator)
    return s.TargetOut(
        key=t.key,
        label=t.label,
        indicator=t.indicator,
        indicator_name=ind.name if ind else t.indicator,
        area_code=t.area,
        area_name=names.get(t.area, t.area),
        unit=t.unit,
        comparison=COMPARISON_LABELS[t.comparison],
        target=t.value,
        nature=NATURE_LABELS[t.nature],
        period=t.period,
        year=t.year,
        source=t.source,
        actual=p.actual,
        expected=p.expected,
        gap=p.gap,
        percent=p.percent,
        status=p.status,
        status_label=STATUS_LABELS[p.status],
        missing=p.missing,
        years=[s.YearValueOut(year=y.year, value=y.value, missing=y.missing) for y in p.years],
    )


def progress_out(got: Live, names: Mapping[str, str]) -> s.ProgressOut:
    plan = got.plan
    return s.ProgressOut(
        plan_code=plan.code,
        plan_name=plan.name,
        edition=plan.edition,
        city=plan.city,
        first_year=plan.first_year,
        last_year=plan.last_year,
        as_of=got.as_of,
        synthetic=got.synthetic,
        targets=[target_out(p, names) for p in got.items],
    )


def figure_out(f: ReportedFigure) -> s.FigureOut:
    r = f.report
    return s.FigureOut(
        year=r.year,
        version=r.version,
        reported_at=r.reported_at,
        note=r.note,
        target_key=f.target_key,
        indicator=f.indicator,
        area_code=f.area_code,
        target=f.target,
        actual=f.actual,
        unit=f.unit,
        status=f.status,
        status_label=f.status_label,
        missing=f.missing,
    )
