"""Pages of lift retrofits (``/renewal/lifts``), plan progress (``/renewal/progress``, with ECharts)
and the public page of renewal projects and their progress (``/renewal/public``: anonymous, no
personal data — district figures, and the projects' names, estates, kinds and steps)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from anju import indicators, registry
from anju.core.errors import NotFound
from anju.core.scope import Scope
from anju.renewal import domain, lifts, progress, projects, rules
from anju.renewal.http.deps import RenewalRead
from anju.renewal.http.shapes import progress_out
from anju.security import Public
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)
Opt = Annotated[str, Query(max_length=100)]


@router.get("/renewal/lifts", response_class=HTMLResponse)
def lift_list(request: Request, uow: UowDep, caller: RenewalRead, paging: PagingDep, status: Opt = "") -> HTMLResponse:
    with uow.read() as conn:
        figures = lifts.lift_figures(conn, scope=caller.scope)
        page = lifts.list_lifts(
            conn, scope=caller.scope, status=status or None, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "renewal/lifts.html",
        figures=figures,
        items=page.items,
        status=status,
        statuses={s: domain.STATUSES[s] for s in domain.LIFECYCLES["lift"]},
        pager=pager(page.total, paging.page, paging.page_size),
    )


def _entries() -> dict[str, indicators.Indicator]:
    """The dictionary entry of each plan target the progress shows (its name, unit and calibre, linked):
    the values are the entries' provider's own query (:func:`anju.renewal.progress._actuals`)."""
    return {key: indicators.get(code) for code, (key, _kind, _measure) in rules.INDICATORS.items()}


def _progress(conn: Any, settings: Any, scope: Scope) -> progress.Progress:
    plan = rules.plan(settings, conn)
    if plan is None:
        raise NotFound("本市没有城市更新规划数据")
    return progress.progress(conn, plan, scope=scope)


@router.get("/renewal/progress", response_class=HTMLResponse)
def plan_progress(request: Request, uow: UowDep, settings: SettingsDep, caller: RenewalRead) -> HTMLResponse:
    with uow.read() as conn:
        p = _progress(conn, settings, caller.scope)
        statuses = progress.by_status(conn, scope=caller.scope)
        lift = lifts.lift_figures(conn, scope=caller.scope)
        scale = registry.synthetic_scale(conn)
    return render(
        request,
        "renewal/progress.html",
        p=p,
        statuses=statuses,
        lift=lift,
        scale=scale,
        data=progress_out(p).model_dump(mode="json"),
        entries=_entries(),
        public=False,
    )


@router.get("/renewal/public", response_class=HTMLResponse)
def public(request: Request, uow: UowDep, settings: SettingsDep, caller: Public, paging: PagingDep) -> HTMLResponse:
    city = Scope.whole_city()
    with uow.read() as conn:
        p = _progress(conn, settings, city)
        lift = lifts.lift_figures(conn, scope=city)
        scale = registry.synthetic_scale(conn)
        page = projects.list_projects(
            conn, projects.ProjectFilter(), scope=city, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "renewal/public.html",
        p=p,
        lift=lift,
        items=page.items,
        scale=scale,
        data=progress_out(p).model_dump(mode="json"),
        pager=pager(page.total, paging.page, paging.page_size),
        entries=_entries(),
        public=True,
    )
