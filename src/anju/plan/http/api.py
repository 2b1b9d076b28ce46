"""REST routes of plan monitoring (``/api/v1/plan/…``): progress of the current plan's targets (JSON and
CSV, scoped), a target's definition and reported history, the annual reports (report a year, correct
it), hand-entered figures, the upward export (CSV, JSON), the evaluation report as a background job,
and the public reported figures. Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response, StreamingResponse

from anju import indicators
from anju.core import csvout
from anju.plan import export, monitoring
from anju.plan.domain import STATUS_LABELS
from anju.plan.http import schemas as s
from anju.plan.http.deps import PlanRead, PlanReport
from anju.plan.http.shapes import figure_out, progress_out, target_out
from anju.plan.http.support import SYNTHETIC_NOTE, live_for, start_evaluation, the_plan
from anju.security import Public, audited, set_audit_detail, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/plan", tags=["plan"], responses=ERRORS)

YearQ = Annotated[int | None, Query(ge=1990, le=2100, description="截至年度；缺省为有数据的最近年度")]
KeyP = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[^/]+$", description="目标代码")]
VersionQ = Annotated[int | None, Query(ge=1, le=10_000, description="报送版本；缺省为现行版本")]


@router.get("/progress", operation_id="plan_progress")
def progress(uow: UowDep, settings: SettingsDep, caller: PlanRead, year: YearQ = None) -> s.ProgressOut:
    """现行规划各项目标的完成进度（全市目标及辖区内的分区目标）。"""
    with uow.read() as conn:
        got, names = live_for(conn, settings, caller.scope, year)
    return progress_out(got, names)


@router.get(
    "/progress.csv",
    operation_id="plan_progress_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def progress_csv(uow: UowDep, settings: SettingsDep, caller: PlanRead, year: YearQ = None) -> StreamingResponse:
    """同上（CSV）。"""
    with uow.read() as conn:
        got, names = live_for(conn, settings, caller.scope, year)
    cols = ["target_key", "label", "area_code", "area", "unit", "target", "actual", "expected", "gap", "status",
            "missing"]  # fmt: skip
    rows = [
        [p.key, p.target.label, p.target.area, names.get(p.target.area, p.target.area), p.target.unit,
         str(p.target.value), p.actual, p.expected, p.gap, STATUS_LABELS[p.status], p.missing]
        for p in got.items
    ]  # fmt: skip
    return csvout.response(f"plan-progress-{got.as_of}.csv", cols, rows, note=SYNTHETIC_NOTE if got.synthetic else None)


@router.get("/targets/{key}", operation_id="plan_target")
def target(uow: UowDep, settings: SettingsDep, caller: PlanRead, key: KeyP, year: YearQ = None) -> s.TargetDetailOut:
    """一项目标：指标定义（公式、来源、口径）、进度与历年报送值（含更正）。"""
    with uow.read() as conn:
        got, names = live_for(conn, settings, caller.scope, year)
        p = next((x for x in got.items if x.key == key), None)
        if p is None:
            from anju.core.errors import NotFound

            raise NotFound(f"没有目标 {key}")
        hist = monitoring.history(conn, got.plan, key)
    ind = indicators.dictionary().get(p.target.indicator)
    return s.TargetDetailOut(
        target=target_out(p, names),
        formula=ind.formula if ind else "",
        data_source=ind.source if ind else "",
        calibre=ind.calibre if ind else "",
        history=[
            s.HistoryLineOut(figure=figure_out(h.figure), corrected=figure_out(h.previous) if h.previous else None)
            for h in hist
        ],
    )


@router.get("/reports", operation_id="plan_reports")
def reports(uow: UowDep, settings: SettingsDep, caller: PlanRead) -> list[s.ReportOut]:
    """现行规划的全部年度报送（每一版）。"""
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        found = monitoring.reports(conn, plan.code)
    return [_report_out(r) for r in found]


def _report_out(r: monitoring.Report) -> s.ReportOut:
    return s.ReportOut(
        id=r.id, year=r.year, version=r.version, note=r.note, synthetic=r.synthetic, reported_at=r.reported_at,
        reported_by=r.reported_by,
    )  # fmt: skip


@router.post("/reports", operation_id="plan_report_year", status_code=201)
def report_year(uow: UowDep, settings: SettingsDep, caller: PlanReport, body: s.ReportIn) -> s.ReportOut:
    """报送一个年度的数据（再次报送为更正，须说明）。"""
    with audited(uow, caller, "plan.report", "plan_report") as conn:
        plan = the_plan(conn, settings)
        r = monitoring.report_year(conn, plan, body.year, by=caller.username, note=body.note)
        set_audit_target(conn, r.id)
        set_audit_detail(conn, {"plan": plan.code, "year": r.year, "version": r.version})
    return _report_out(r)


@router.get("/entries", operation_id="plan_entries")
def entries(uow: UowDep, caller: PlanRead, paging: PagingDep) -> Page[s.EntryOut]:
    """手工录入的统计部门报送数（每一条都保留），最新在前。"""
    with uow.read() as conn:
        page = monitoring.entries(conn, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.EntryOut(**e.__dict__) for e in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/entries", operation_id="plan_enter", status_code=201)
def enter(uow: UowDep, settings: SettingsDep, caller: PlanReport, body: s.EntryIn) -> s.EntryOut:
    """录入一项由统计部门报送的数值（平台不计算的指标）。"""
    with audited(uow, caller, "plan.enter", "plan_entry") as conn:
        plan = the_plan(conn, settings)
        eid = monitoring.enter(
            conn, plan, indicator=body.indicator, area_code=body.area_code, year=body.year, value=body.value,
            source_note=body.source_note, by=caller.username,
        )  # fmt: skip
        set_audit_target(conn, eid)
        set_audit_detail(conn, {"indicator": body.indicator, "area": body.area_code, "year": body.year})
        e = monitoring.entries(conn, indicator=body.indicator, year=body.year, limit=1, offset=0).items[0]
    return s.EntryOut(**e.__dict__)


@router.get(
    "/export",
    operation_id="plan_export",
    responses={200: {"content": {"text/csv": {}, "application/json": {}}, "description": "见 docs/plan.md"}},
)
def export_year(
    uow: UowDep,
    settings: SettingsDep,
    caller: PlanRead,
    year: Annotated[int, Query(ge=1990, le=2100, description="报送年度")],
    format: Annotated[Literal["csv", "json"], Query(description="csv 或 json")] = "json",
    version: VersionQ = None,
) -> Response:
    """一个报送年度的指标集（向上级报送格式，见 docs/plan.md）；全市口径，仅报送过的数据。"""
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        r = monitoring.get_report(conn, plan.code, year, version)
        areas = None
        if not caller.scope.unrestricted:
            areas = [t.area for t in monitoring.visible_targets(plan, caller.scope)]
        rows = export.rows(monitoring.figures(conn, plan.code, report_ids=[r.id], areas=areas))
    name = f"plan-{plan.code}-{year}-v{r.version}"
    if format == "csv":
        return Response(
            export.to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": csvout.content_disposition(f"{name}.csv")},
        )
    return Response(export.to_json(rows, synthetic=r.synthetic), media_type="application/json")


@router.post("/evaluations", operation_id="plan_evaluate", status_code=202)
def evaluate(uow: UowDep, settings: SettingsDep, caller: PlanReport, body: s.EvaluationIn) -> s.JobOut:
    """生成中期或总结评估报告（后台任务；完成后从任务页下载）。"""
    job = start_evaluation(uow, settings, caller, body.kind, body.format)
    return s.JobOut(job_id=job, job_url=f"/jobs/{job}")


@router.get("/public", operation_id="plan_public")
def public(
    uow: UowDep,
    settings: SettingsDep,
    caller: Public,
    year: Annotated[int | None, Query(ge=1990, le=2100, description="报送年度；缺省为最近报送的年度")] = None,
) -> s.PublicOut:
    """已报送的年度数据（公开，全市口径）：各年度的现行版本，及一个年度（缺省最近）的各项数据。"""
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        heads = monitoring.current_reports(conn, plan.code)
        shown = [r for r in heads if year is None or r.year == year][-1:]
        figs = monitoring.figures(conn, plan.code, report_ids=[r.id for r in shown]) if shown else []
    return s.PublicOut(
        plan_code=plan.code,
        plan_name=plan.name,
        synthetic=any(r.synthetic for r in heads),
        year=shown[0].year if shown else None,
        reports=[_report_out(r) for r in heads],
        figures=[figure_out(f) for f in figs],
    )


@router.get(
    "/public.csv",
    operation_id="plan_public_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def public_csv(uow: UowDep, settings: SettingsDep, caller: Public) -> StreamingResponse:
    """同上（CSV）。"""
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        heads = monitoring.current_reports(conn, plan.code)
        figs = monitoring.current_figures(conn, plan)
    rows = export.rows(figs)
    return csvout.response(
        f"plan-{plan.code}-public.csv",
        export.COLUMNS,
        [[*_cells(r)] for r in rows],
        note=SYNTHETIC_NOTE if any(r.synthetic for r in heads) else None,
    )


def _cells(r: export.ExportRow) -> list[object]:
    return [r.plan_code, r.edition, r.target_key, r.indicator, r.area_code, r.year, str(r.target),
            None if r.actual is None else str(r.actual), r.unit, STATUS_LABELS[r.status],
            r.reported_at.isoformat(), r.version, r.missing]  # fmt: skip
