"""The figures pages: 保障性住房指标 (/assistance/figures), 人才安居分析 (/assistance/talent) and 部门核查数据
(/assistance/department-facts).

Thin: the same figures as the JSON API, rendered as tables and handed to the page's charts
(``web/static/assistance-charts.js``, ECharts) as a JSON data block — data, not script, so the CSP
needs no inline script.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from anju import indicators
from anju.assistance import department_facts, figures, talent_figures
from anju.assistance.http.deps import AssistanceRead
from anju.assistance.http.targets import current as current_targets
from anju.web.deps import SettingsDep, UowDep
from anju.web.templating import render

router = APIRouter(include_in_schema=False)

#: The figures of these pages that are indicators of the dictionary (docs/indicators.md, "Pages that
#: read the dictionary"): name, unit and calibre are the entries', linked to them.
ENTRIES = {
    "coverage": "housing.assisted_coverage",
    "supply": "assistance.assisted_homes_supplied",
}

#: The filter form sends an empty value for "everything I may see".
DistrictQ = Annotated[str | None, Query(pattern=r"^(\d{6})?$", description="区（县）或功能区代码")]


def _page(request: Request, template: str, district: str | None, data: dict[str, Any], **ctx: Any) -> HTMLResponse:
    entries = {k: indicators.get(code) for k, code in ENTRIES.items()}
    return render(
        request, template, data=jsonable_encoder(data), f=data, district=district or "", entries=entries, **ctx
    )


@router.get("/assistance/figures", response_class=HTMLResponse)
def figures_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: AssistanceRead, district: DistrictQ = None
) -> HTMLResponse:
    district = district or None
    with uow.read() as conn:
        t = current_targets(conn, settings)
        data = {
            "coverage": figures.coverage(conn, t, scope=caller.scope, district=district),
            "supply": figures.supply(conn, t, scope=caller.scope, district=district),
            "applications": figures.applications_by_status(conn, scope=caller.scope, district=district),
            "times": figures.times(conn, scope=caller.scope, district=district),
            "monthly": figures.monthly(conn, scope=caller.scope, district=district),
        }
        choices = figures.district_choices(conn, scope=caller.scope)
    return _page(
        request,
        "assistance/figures.html",
        district,
        data,
        targets=t,
        districts=choices,
        whole_city=caller.scope.unrestricted,
    )


@router.get("/assistance/talent", response_class=HTMLResponse)
def talent_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: AssistanceRead, district: DistrictQ = None
) -> HTMLResponse:
    district = district or None
    with uow.read() as conn:
        t = current_targets(conn, settings)
        data = {"talent": talent_figures.talent(conn, t, scope=caller.scope, district=district)}
        choices = figures.district_choices(conn, scope=caller.scope)
    return _page(
        request,
        "assistance/talent.html",
        district,
        data,
        targets=t,
        districts=choices,
        whole_city=caller.scope.unrestricted,
    )


@router.get("/assistance/department-facts", response_class=HTMLResponse)
def department_facts_page(request: Request, uow: UowDep, caller: AssistanceRead) -> HTMLResponse:
    """部门核查数据: per department source, the people covered and the latest batch (aggregates only)."""
    with uow.read() as conn:
        sources = department_facts.coverage(conn)
    return render(request, "assistance/department_facts.html", sources=sources)
