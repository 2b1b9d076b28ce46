"""Pages of plan monitoring: the dashboard (``/plan``, city and district officers, scoped, ECharts with a
table and CSV beside every chart), a target's page (definition, yearly history with corrections), the
annual report form, the hand-entered figures, the evaluation reports (a background job and the
download) and the public page of the reported figures (``/plan/public``, anyone)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from anju import indicators
from anju.core import jobs
from anju.core.errors import AnjuError, NotFound, ValidationError
from anju.plan import monitoring
from anju.plan.domain import NATURE_LABELS, STATUS_LABELS
from anju.plan.evaluation import KIND_LABELS, as_of_year
from anju.plan.http.deps import PlanRead, PlanReport
from anju.plan.http.shapes import progress_out
from anju.plan.http.support import FILE_NAME, MEDIA, evaluation_dir, live_for, start_evaluation, the_plan
from anju.security import Public, audited, set_audit_detail, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)
YearQ = Annotated[int | None, Query(ge=1990, le=2100)]
KeyP = Annotated[str, Path(min_length=1, max_length=80, pattern=r"^[^/]+$")]
Text = Annotated[str, Form(max_length=500)]


@router.get("/plan", response_class=HTMLResponse)
def dashboard(
    request: Request, uow: UowDep, settings: SettingsDep, caller: PlanRead, year: YearQ = None, message: str = ""
) -> HTMLResponse:
    with uow.read() as conn:
        got, names = live_for(conn, settings, caller.scope, year)
        reports = monitoring.reports(conn, got.plan.code)
    data = progress_out(got, names)
    city = [t for t in data.targets if t.area_code == got.plan.city]
    areas = [t for t in data.targets if t.area_code != got.plan.city]
    return render(
        request,
        "plan/dashboard.html",
        plan=got.plan,
        as_of=got.as_of,
        synthetic=got.synthetic,
        city=city,
        areas=areas,
        reports=reports,
        statuses=STATUS_LABELS,
        counts={s: sum(1 for t in city if t.status == s) for s in STATUS_LABELS},
        data=data.model_dump(mode="json"),
        message=message[:200],
    )


@router.get("/plan/targets/{key}", response_class=HTMLResponse)
def target_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: PlanRead, key: KeyP, year: YearQ = None
) -> HTMLResponse:
    with uow.read() as conn:
        got, names = live_for(conn, settings, caller.scope, year)
        p = next((x for x in got.items if x.key == key), None)
        if p is None:
            raise NotFound(f"没有目标 {key}")
        hist = monitoring.history(conn, got.plan, key)
    ind = indicators.dictionary().get(p.target.indicator)
    return render(
        request,
        "plan/target.html",
        plan=got.plan,
        p=p,
        ind=ind,
        area=names.get(p.target.area, p.target.area),
        nature=NATURE_LABELS[p.target.nature],
        status=STATUS_LABELS[p.status],
        history=hist,
        synthetic=got.synthetic,
    )


@router.post("/plan/reports", response_class=HTMLResponse)
def report_form(
    uow: UowDep, settings: SettingsDep, caller: PlanReport, year: Annotated[str, Form(max_length=4)] = "",
    note: Text = "",
) -> Response:  # fmt: skip
    """Report a year (again: a correction with its note); refusals come back on the dashboard."""
    try:
        if not year.isdigit():
            raise ValidationError.of("year", "应为四位年份")
        with audited(uow, caller, "plan.report", "plan_report") as conn:
            plan = the_plan(conn, settings)
            r = monitoring.report_year(conn, plan, int(year), by=caller.username, note=note or None)
            set_audit_target(conn, r.id)
            set_audit_detail(conn, {"plan": plan.code, "year": r.year, "version": r.version})
    except AnjuError as e:
        if e.status_code == 404:
            raise
        return RedirectResponse(f"/plan?message={_q(e.message)}", status_code=303)
    what = "已报送" if r.version == 1 else f"已更正（第 {r.version} 版）"
    return RedirectResponse(f"/plan?year={r.year}&message={_q(f'{r.year} 年度数据{what}')}", status_code=303)


def _q(text: str) -> str:
    from urllib.parse import quote

    return quote(text[:200])


def _entries_page(
    request: Request, uow: UowDep, settings: SettingsDep, paging: PagingDep, status: int = 200,
    errors: dict[str, str] | None = None, message: str = "", form: dict[str, str] | None = None,
) -> HTMLResponse:  # fmt: skip
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        page = monitoring.entries(conn, limit=paging.page_size, offset=paging.offset)
        hand = sorted(monitoring.hand_codes(plan))
    book = indicators.dictionary()
    return render(
        request,
        "plan/entries.html",
        status_code=status,
        plan=plan,
        items=page.items,
        pager=pager(page.total, paging.page, paging.page_size),
        choices=[(c, book[c].name if c in book else c) for c in hand],
        names={c: book[c].name for c in book},
        errors=errors or {},
        message=message,
        form=form or {},
    )


@router.get("/plan/entries", response_class=HTMLResponse)
def entries_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: PlanRead, paging: PagingDep
) -> HTMLResponse:
    return _entries_page(request, uow, settings, paging)


@router.post("/plan/entries", response_class=HTMLResponse)
def entries_form(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: PlanReport,
    paging: PagingDep,
    indicator: Annotated[str, Form(max_length=80)] = "",
    area_code: Annotated[str, Form(max_length=12)] = "",
    year: Annotated[str, Form(max_length=4)] = "",
    value: Annotated[str, Form(max_length=40)] = "",
    source_note: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    form = {"indicator": indicator, "area_code": area_code, "year": year, "value": value, "source_note": source_note}

    def write() -> int:
        if not year.isdigit():
            raise ValidationError.of("year", "应为四位年份")
        with audited(uow, caller, "plan.enter", "plan_entry") as conn:
            plan = the_plan(conn, settings)
            eid = monitoring.enter(
                conn, plan, indicator=indicator, area_code=area_code.strip() or plan.city, year=int(year),
                value=value, source_note=source_note, by=caller.username,
            )  # fmt: skip
            set_audit_target(conn, eid)
            set_audit_detail(conn, {"indicator": indicator, "area": area_code, "year": year})
        return eid

    def again(e: AnjuError) -> Response:
        errors = {f.field: f.reason for f in e.errors}
        return _entries_page(request, uow, settings, paging, 422, errors, "" if errors else e.message, form)

    return form_action(write, done="/plan/entries", again=again)


@router.get("/plan/evaluations", response_class=HTMLResponse)
def evaluations_page(request: Request, uow: UowDep, settings: SettingsDep, caller: PlanReport) -> HTMLResponse:
    with uow.read() as conn:
        plan = the_plan(conn, settings)
    kinds = {
        "midterm": f"{KIND_LABELS['midterm']}（截至 {as_of_year(plan, 'midterm')} 年）",
        "final": f"{KIND_LABELS['final']}（截至 {as_of_year(plan, 'final')} 年）",
    }
    return render(request, "plan/evaluations.html", plan=plan, kinds=kinds)


@router.post("/plan/evaluations", response_class=RedirectResponse)
def evaluations_form(
    uow: UowDep,
    settings: SettingsDep,
    caller: PlanReport,
    kind: Annotated[str, Form(max_length=10)] = "",
    format: Annotated[str, Form(max_length=4)] = "",
) -> RedirectResponse:
    if kind not in KIND_LABELS:
        raise ValidationError.of("kind", "应为 midterm（中期评估）或 final（总结评估）")
    if format not in MEDIA:
        raise ValidationError.of("format", "应为 docx 或 pdf")
    job = start_evaluation(uow, settings, caller, kind, format)
    return RedirectResponse(f"/jobs/{job}", status_code=303)


@router.get("/plan/evaluations/{name}")
def evaluation_file(
    uow: UowDep, settings: SettingsDep, caller: PlanReport, name: Annotated[str, Path(max_length=40)]
) -> FileResponse:
    """The report file of a job the caller started (another account's is not found); audited."""
    path = evaluation_dir(settings) / name
    if not FILE_NAME.fullmatch(name) or not path.is_file():
        raise NotFound("没有这份评估报告（或已被清理）")
    with uow.read() as conn:
        mine = jobs.owns_result(conn, f"/plan/evaluations/{name}", owner=caller.account_id)
    if not mine:
        raise NotFound("没有这份评估报告（或已被清理）")
    ext = name.rsplit(".", 1)[1]
    with audited(uow, caller, "plan.download_evaluation", "plan_evaluation") as conn:
        set_audit_detail(conn, {"file": name})
    return FileResponse(path, media_type=MEDIA[ext], filename=f"plan-evaluation.{ext}")


@router.get("/plan/public", response_class=HTMLResponse)
def public_page(request: Request, uow: UowDep, settings: SettingsDep, caller: Public) -> HTMLResponse:
    """Only reported figures (the current version of each reported year, corrections marked)."""
    with uow.read() as conn:
        plan = the_plan(conn, settings)
        heads = monitoring.current_reports(conn, plan.code)
        figs = monitoring.current_figures(conn, plan)
        names = monitoring.area_names(conn, {f.area_code for f in figs})
    labels = {t.key: t.label for t in plan.targets}
    years = [r.year for r in heads]
    rows: dict[str, dict[int, monitoring.ReportedFigure]] = {}
    for f in figs:
        rows.setdefault(f.target_key, {})[f.report.year] = f
    return render(
        request,
        "plan/public.html",
        plan=plan,
        heads=heads,
        years=years,
        rows=rows,
        labels=labels,
        names=names,
        synthetic=any(r.synthetic for r in heads),
        data={
            "years": years,
            "rows": [
                {
                    "key": k,
                    "label": labels.get(k, k),
                    "area": names.get(next(iter(v.values())).area_code, ""),
                    "values": {str(y): (None if f.actual is None else str(f.actual)) for y, f in v.items()},
                    "target": str(next(iter(v.values())).target),
                }
                for k, v in rows.items()
            ],
        },
    )
