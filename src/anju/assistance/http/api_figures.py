"""Routes of the assistance figures: JSON per figure and CSV per table. Thin: parse, call, shape.

Every route takes ``caller: AssistanceRead`` and passes ``caller.scope``: a district officer's figures
count only their district, a street clerk's only their street.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from anju.assistance import figures, figures_csv, talent_figures
from anju.assistance.http import schemas_figures
from anju.assistance.http.deps import AssistanceRead
from anju.assistance.http.targets import current as current_targets
from anju.web.deps import SettingsDep, UowDep
from anju.web.schemas import ERRORS

router = APIRouter(prefix="/assistance/figures", tags=["assistance-figures"], responses=ERRORS)

DistrictQ = Annotated[
    str | None,
    Query(pattern=r"^\d{6}$", description="只看一个区（县）或功能区（代码，如 320102、江北新区 320192）"),
]
Table = Literal[
    "coverage",
    "supply",
    "plan-years",
    "applications",
    "waiting-times",
    "approval-times",
    "monthly",
    "talent-tiers",
    "talent-districts",
    "talent-industries",
    "talent-months",
]


@router.get("/targets", operation_id="assistance_figures_targets")
def targets(uow: UowDep, settings: SettingsDep, caller: AssistanceRead) -> schemas_figures.TargetsOut:
    """The plan's targets the figures are compared with (the city's current plan's, by dictionary code; scaled to a
    synthetic city's scale in a demo, ``scaled_by``)."""
    with uow.read() as conn:
        return schemas_figures.TargetsOut(**current_targets(conn, settings).as_dict())


@router.get("/coverage", operation_id="assistance_figures_coverage")
def coverage(
    uow: UowDep, settings: SettingsDep, caller: AssistanceRead, district: DistrictQ = None
) -> schemas_figures.CoverageOut:
    """Persons and households supported now, and the coverage rate against the plan's target."""
    with uow.read() as conn:
        t = current_targets(conn, settings)
        return schemas_figures.CoverageOut(**figures.coverage(conn, t, scope=caller.scope, district=district))


@router.get("/supply", operation_id="assistance_figures_supply")
def supply(
    uow: UowDep, settings: SettingsDep, caller: AssistanceRead, district: DistrictQ = None
) -> schemas_figures.SupplyOut:
    """Assisted homes made available per programme per year, against the plan's supply targets."""
    with uow.read() as conn:
        t = current_targets(conn, settings)
        return schemas_figures.SupplyOut(**figures.supply(conn, t, scope=caller.scope, district=district))


@router.get("/applications", operation_id="assistance_figures_applications")
def applications(uow: UowDep, caller: AssistanceRead, district: DistrictQ = None) -> schemas_figures.ApplicationsOut:
    """Applications per programme per status."""
    with uow.read() as conn:
        return schemas_figures.ApplicationsOut(
            **figures.applications_by_status(conn, scope=caller.scope, district=district)
        )


@router.get("/times", operation_id="assistance_figures_times")
def times(uow: UowDep, caller: AssistanceRead, district: DistrictQ = None) -> schemas_figures.TimesOut:
    """Waiting and approval times in days (median, 90th percentile) per programme and review level."""
    with uow.read() as conn:
        return schemas_figures.TimesOut(**figures.times(conn, scope=caller.scope, district=district))


@router.get("/monthly", operation_id="assistance_figures_monthly")
def monthly(uow: UowDep, caller: AssistanceRead, district: DistrictQ = None) -> schemas_figures.MonthlyOut:
    """Applications submitted per month per programme."""
    with uow.read() as conn:
        return schemas_figures.MonthlyOut(**figures.monthly(conn, scope=caller.scope, district=district))


@router.get("/talent", operation_id="assistance_figures_talent")
def talent(
    uow: UowDep, settings: SettingsDep, caller: AssistanceRead, district: DistrictQ = None
) -> schemas_figures.TalentOut:
    """Talent housing: by tier, district (against 专栏5), industry and month."""
    with uow.read() as conn:
        t = current_targets(conn, settings)
        return schemas_figures.TalentOut(**talent_figures.talent(conn, t, scope=caller.scope, district=district))


@router.get(
    "/{table}.csv",
    operation_id="assistance_figures_csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "一张指标表（UTF-8 带 BOM，Excel 可直接打开）"}},
)
def export_csv(
    uow: UowDep,
    settings: SettingsDep,
    caller: AssistanceRead,
    table: Annotated[Table, Path(description="表名")],
    district: DistrictQ = None,
) -> Response:
    """One figure's table as CSV, within the caller's scope."""
    with uow.read() as conn:
        t = current_targets(conn, settings)
        columns, rows = figures_csv.table(conn, t, table, scope=caller.scope, district=district)
    name = f"assistance-{table}{'-' + district if district else ''}.csv"
    return Response(
        figures_csv.csv_bytes(columns, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
