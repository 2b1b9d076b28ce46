"""REST routes of urban renewal (``/api/v1/renewal/…``): the project library (list, CSV, entry,
detail, steps, contents, funding, consent, a lift's floors), lift retrofits, eligibility, the
catalogue, plan progress (JSON and CSV) and the public progress. Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from anju.core import csvout
from anju.core.errors import NotFound
from anju.core.scope import Scope
from anju.renewal import domain, lifecycle, lifts, progress, projects, rules
from anju.renewal.http import schemas as s
from anju.renewal.http.deps import RenewalManage, RenewalRead
from anju.renewal.http.shapes import progress_out, project_detail_out
from anju.security import Public, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/renewal", tags=["renewal"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
KindQ = Annotated[s.Kind | None, Query(description="项目类型")]
StatusQ = Annotated[s.Status | None, Query(description="环节")]
CodeQ = Annotated[str | None, Query(max_length=12, description="区（功能区）代码")]
StreetQ = Annotated[str | None, Query(max_length=12, description="街道代码")]
YearQ = Annotated[int | None, Query(ge=1990, le=2100, description="计划年度")]
TextQ = Annotated[str | None, Query(max_length=40, description="项目名称、编号或小区名包含")]


def _filter(kind: Any, status: Any, district: Any, street: Any, year: Any, q: Any) -> projects.ProjectFilter:
    return projects.ProjectFilter(kind, status, district, street, year, q)


@router.get("/projects", operation_id="renewal_list_projects")
def list_projects(
    uow: UowDep,
    caller: RenewalRead,
    paging: PagingDep,
    kind: KindQ = None,
    status: StatusQ = None,
    district: CodeQ = None,
    street: StreetQ = None,
    plan_year: YearQ = None,
    q: TextQ = None,
) -> Page[s.ProjectOut]:
    """更新项目库（辖区内），最新入库在前。"""
    with uow.read() as conn:
        page = projects.list_projects(
            conn,
            _filter(kind, status, district, street, plan_year, q),
            scope=caller.scope,
            limit=paging.page_size,
            offset=paging.offset,
        )
    return Page(
        items=[s.ProjectOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/projects.csv",
    operation_id="renewal_export_projects",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def export_projects(
    uow: UowDep,
    caller: RenewalRead,
    kind: KindQ = None,
    status: StatusQ = None,
    district: CodeQ = None,
    street: StreetQ = None,
    plan_year: YearQ = None,
    q: TextQ = None,
) -> StreamingResponse:
    """同一筛选条件下的全部更新项目（CSV）。"""
    with uow.read() as conn:
        rows = list(
            projects.export_projects(conn, _filter(kind, status, district, street, plan_year, q), scope=caller.scope)
        )
    return csvout.response("城市更新项目.csv", projects.CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.post("/projects", status_code=201, operation_id="renewal_create_project")
def create_project(uow: UowDep, settings: SettingsDep, caller: RenewalManage, body: s.ProjectIn) -> s.Created:
    """项目入库（储备）：按现行改造范围规定核验（不符合时说明理由），同一小区（单元）同类项目未完成时不得重复入库。"""
    with audited(uow, caller, "renewal.create", "renewal_project") as conn:
        pid = projects.create_project(conn, settings, caller, body.command())
        set_audit_target(conn, pid)
    return s.Created(id=pid)


@router.get("/projects/{project_id}", operation_id="renewal_get_project")
def get_project(uow: UowDep, settings: SettingsDep, caller: RenewalRead, project_id: Id) -> s.ProjectDetailOut:
    """项目详情：各环节（日期、责任单位、文件）、改造内容、资金来源、意愿征询。"""
    with uow.read() as conn:
        d = lifecycle.detail(conn, settings, caller.scope, project_id)
    return project_detail_out(d)


@router.post("/projects/{project_id}/steps", operation_id="renewal_advance_project")
def advance(uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id, body: s.StepIn) -> s.StatusOut:
    """进入下一环节（须为下一环节；日期不早于上一环节、不晚于今天）。"""
    with audited(uow, caller, "renewal.step", "renewal_project", project_id) as conn:
        lifecycle.advance(conn, settings, caller, project_id, body.command())
    return s.StatusOut(id=project_id, status=body.status)


@router.put("/projects/{project_id}/contents", operation_id="renewal_set_contents")
def set_contents(
    uow: UowDep, settings: SettingsDep, caller: RenewalManage, project_id: Id, body: s.ContentsIn
) -> s.Created:
    """改造内容（改造内容清单的条目，替换原有）。"""
    with audited(uow, caller, "renewal.contents", "renewal_project", project_id) as conn:
        lifecycle.set_contents(conn, settings, caller, project_id, body.codes)
    return s.Created(id=project_id)


@router.put("/projects/{project_id}/funding", operation_id="renewal_set_funding")
def set_funding(uow: UowDep, caller: RenewalManage, project_id: Id, body: s.FundingIn) -> s.Created:
    """资金来源（分，替换原有）。"""
    with audited(uow, caller, "renewal.funding", "renewal_project", project_id) as conn:
        lifecycle.set_funding(conn, caller, project_id, {str(k): v for k, v in body.amounts_fen.items()})
    return s.Created(id=project_id)


@router.post("/projects/{project_id}/consent", operation_id="renewal_record_consent")
def record_consent(uow: UowDep, caller: RenewalManage, project_id: Id, body: s.ConsentIn) -> s.Created:
    """居民意愿征询：关联本小区已计票的业主表决，或登记征询户数与同意户数。"""
    with audited(uow, caller, "renewal.consent", "renewal_project", project_id) as conn:
        lifecycle.record_consent(conn, caller, project_id, body.command())
    return s.Created(id=project_id)


@router.put("/projects/{project_id}/floors", operation_id="renewal_set_floors")
def set_floors(uow: UowDep, caller: RenewalManage, project_id: Id, body: s.FloorsIn) -> s.ShareOut:
    """加装电梯：按楼层登记业主数与同意户数（签订协议前）。"""
    floors = [domain.FloorAgreement(f.floor_no, f.owners, f.agreeing) for f in body.floors]
    with audited(uow, caller, "renewal.floors", "renewal_project", project_id) as conn:
        share = lifts.set_floors(conn, caller, project_id, floors)
    return s.ShareOut(id=project_id, share=domain.percent(share))


@router.get("/lifts", operation_id="renewal_list_lifts")
def list_lifts(
    uow: UowDep,
    caller: RenewalRead,
    paging: PagingDep,
    status: Annotated[s.Status | None, Query(description="环节")] = None,
) -> Page[s.LiftOut]:
    """加装电梯项目（辖区内）及各单元同意业主占比。"""
    with uow.read() as conn:
        page = lifts.list_lifts(conn, scope=caller.scope, status=status, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.LiftOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/lifts/figures", operation_id="renewal_lift_figures")
def lift_figures(uow: UowDep, caller: RenewalRead, district: CodeQ = None) -> s.LiftFiguresOut:
    """加装电梯：项目数、已签协议、已竣工、投入使用的电梯数。"""
    with uow.read() as conn:
        return s.LiftFiguresOut(**lifts.lift_figures(conn, scope=caller.scope, district=district))


@router.get("/eligibility", operation_id="renewal_eligibility")
def eligibility(
    uow: UowDep,
    settings: SettingsDep,
    caller: RenewalRead,
    kind: Annotated[s.Kind, Query(description="项目类型")],
    estate_id: Annotated[int, Query(ge=1, le=2**62)],
    building_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    conditions: Annotated[list[str] | None, Query(max_length=4)] = None,
) -> s.EligibilityOut:
    """按现行改造范围规定核验（楼盘表建成年份、层数、申报情形），说明理由。"""
    with uow.read() as conn:
        e = projects.explain(conn, settings, caller.scope, kind, estate_id, building_id, conditions or ())
    return s.EligibilityOut(eligible=e.eligible, edition=e.edition, rule=e.rule, reason=e.reason)


@router.get("/catalogue", operation_id="renewal_catalogue")
def catalogue(settings: SettingsDep, caller: RenewalRead) -> list[s.CatalogueItemOut]:
    """改造内容分类清单（基础类、完善类、提升类）。"""
    return [
        s.CatalogueItemOut(code=i.code, category=i.category, category_label=i.category_label, name=i.name)
        for i in rules.catalogue(settings).items
    ]


@router.get("/progress", operation_id="renewal_progress")
def plan_progress(uow: UowDep, settings: SettingsDep, caller: RenewalRead) -> s.ProgressOut:
    """对照规划的进度：分区分年度计划与已竣工（个数、面积），以及规划目标（辖区内）。"""
    return progress_out(_progress(uow, settings, caller.scope))


@router.get(
    "/progress.csv",
    operation_id="renewal_progress_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def progress_csv(uow: UowDep, settings: SettingsDep, caller: RenewalRead) -> StreamingResponse:
    """分区分年度进度表（CSV）。"""
    p = _progress(uow, settings, caller.scope)
    cols = [
        "district_code",
        "district",
        "year",
        "plan_communities",
        "plan_area_wan_m2",
        "listed",
        "accepted",
        "accepted_area_wan_m2",
    ]
    rows = [
        [r.code, r.name, c.year, c.plan_communities, str(c.plan_area), c.listed, c.done, str(c.done_area)]
        for r in [*p.rows, p.total]
        for c in r.cells
    ]
    return csvout.response("老旧小区改造进度.csv", cols, rows, note=domain.SYNTHETIC_LABEL)


@router.get("/public/progress", operation_id="renewal_public_progress")
def public_progress(uow: UowDep, settings: SettingsDep, caller: Public) -> s.ProgressOut:
    """公开：全市老旧小区改造分区年度进度与规划目标（不含个人信息）。"""
    return progress_out(_progress(uow, settings, Scope.whole_city()))


def _progress(uow: UowDep, settings: SettingsDep, scope: Any) -> progress.Progress:
    with uow.read() as conn:
        plan = rules.plan(settings, conn)
        if plan is None:
            raise NotFound("本市没有城市更新规划数据")
        return progress.progress(conn, plan, scope=scope)
