"""REST routes of property services (``/api/v1/property/…``): companies (filing, list, CSV, detail,
status), the company's own staff (``/me/…``: its filing, open tenders, bids), projects with their
handovers, tenders (bids, close, scores, award) and coverage (JSON and CSV). Thin: parse, call, shape.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response, StreamingResponse

from anju.core import csvout
from anju.core.errors import ValidationError
from anju.estates import domain, services_companies, services_coverage, services_projects, services_tenders
from anju.estates.http import schemas_services as s
from anju.estates.http.deps import EstatesCompany, EstatesRead, EstatesSupervise
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/property", tags=["estates"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(max_length=12, description="区代码")]
StreetQ = Annotated[str | None, Query(max_length=12, description="街道代码")]
QualQ = Annotated[Literal["grade1", "grade2", "grade3", "none"] | None, Query(description="资质等级")]
CompanyStatusQ = Annotated[Literal["filed", "suspended", "cancelled"] | None, Query(description="备案状态")]
TextQ = Annotated[str | None, Query(max_length=100, description="名称包含或统一社会信用代码")]


def _company_filter(
    district: str | None, qualification: str | None, status: str | None, q: str | None
) -> services_companies.CompanyFilter:
    return services_companies.CompanyFilter(district, qualification, status, q)


# ------------------------------------------------------------------------------------------ companies


@router.get("/companies", operation_id="estates_list_companies")
def list_companies(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: DistrictQ = None,
    qualification: QualQ = None,
    status: CompanyStatusQ = None,
    q: TextQ = None,
) -> Page[s.CompanyOut]:
    """物业服务企业（辖区内注册的），最新备案在前。"""
    f = _company_filter(district, qualification, status, q)
    with uow.read() as conn:
        page = services_companies.list_companies(
            conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.CompanyOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/companies.csv",
    operation_id="estates_export_companies",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def export_companies(
    uow: UowDep,
    caller: EstatesRead,
    district: DistrictQ = None,
    qualification: QualQ = None,
    status: CompanyStatusQ = None,
    q: TextQ = None,
) -> StreamingResponse:
    """同一筛选条件下的全部企业（CSV）。"""
    f = _company_filter(district, qualification, status, q)
    with uow.read() as conn:
        rows = list(services_companies.export_companies(conn, f, scope=caller.scope))
    return csvout.response(
        "物业服务企业.csv", services_companies.COMPANY_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL
    )


@router.post("/companies", status_code=201, operation_id="estates_file_company")
def file_company(uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, body: s.CompanyIn) -> s.Created:
    """物业服务企业备案：统一社会信用代码校验位、资质、人数、注册街道逐项校验，错误指明字段。"""
    with audited(uow, caller, "estates.file_company", "estates_company") as conn:
        cid = services_companies.file_company(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, cid)
    return s.Created(id=cid)


@router.get("/companies/{company_id}", operation_id="estates_get_company")
def get_company(uow: UowDep, caller: EstatesRead, company_id: Id) -> s.CompanyDetailOut:
    with uow.read() as conn:
        return s.CompanyDetailOut(**services_companies.get_company(conn, caller.scope, company_id))


class CompanyStatusIn(s.ReasonIn):
    action: Literal["suspend", "reinstate", "cancel"]


@router.post("/companies/{company_id}/status", operation_id="estates_company_status")
def company_status(uow: UowDep, caller: EstatesSupervise, company_id: Id, body: CompanyStatusIn) -> s.StatusOut:
    """暂停、恢复或注销企业备案（须填理由）。"""
    with audited(uow, caller, "estates.company_status", "estates_company", company_id) as conn:
        status = services_companies.change_status(conn, caller, company_id, body.action, body.reason)
    return s.StatusOut(id=company_id, status=status)


# ------------------------------------------------------------------------------ the company's own staff


@router.get("/me/company", operation_id="estates_my_company")
def my_company(uow: UowDep, caller: EstatesCompany) -> s.CompanyDetailOut:
    """本机构的物业服务企业备案（账户所属机构的统一社会信用代码）；未备案为 404。"""
    with uow.read() as conn:
        return s.CompanyDetailOut(**services_companies.my_company(conn, caller))


@router.get("/me/tenders", operation_id="estates_open_tenders")
def open_tenders(uow: UowDep, caller: EstatesCompany, paging: PagingDep) -> Page[s.TenderOut]:
    """全市投标中的招标。"""
    with uow.read() as conn:
        page = services_tenders.open_tenders(conn, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.TenderOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.post("/me/tenders/{tender_id}/bids", status_code=201, operation_id="estates_my_bid")
def my_bid(uow: UowDep, sec: SecurityDep, caller: EstatesCompany, tender_id: Id, body: s.BidIn) -> s.Created:
    """本企业投标（受信用限制的企业不予受理）。"""
    with audited(uow, caller, "estates.bid", "estates_bid") as conn:
        bid = services_tenders.submit_bid(conn, sec.keyring, caller, tender_id, None, body.fee_fen_per_m2, body.note)
        set_audit_target(conn, bid)
    return s.Created(id=bid)


# ------------------------------------------------------------------------------------------- projects


@router.get("/projects", operation_id="estates_list_projects")
def list_projects(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    company_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    status: Annotated[Literal["active", "ended", "terminated"] | None, Query()] = None,
    expiring_within: Annotated[int | None, Query(ge=0, le=3660, description="在管且 N 天内到期")] = None,
) -> Page[s.ProjectOut]:
    f = services_projects.ProjectFilter(district, street, company_id, status, expiring_within)
    with uow.read() as conn:
        page = services_projects.list_projects(
            conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.ProjectOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/projects.csv",
    operation_id="estates_export_projects",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def export_projects(
    uow: UowDep,
    caller: EstatesRead,
    district: DistrictQ = None,
    street: StreetQ = None,
    company_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
    status: Annotated[Literal["active", "ended", "terminated"] | None, Query()] = None,
    expiring_within: Annotated[int | None, Query(ge=0, le=3660)] = None,
) -> StreamingResponse:
    """同一筛选条件下的全部项目（CSV）。"""
    f = services_projects.ProjectFilter(district, street, company_id, status, expiring_within)
    with uow.read() as conn:
        rows = list(services_projects.export_projects(conn, f, scope=caller.scope))
    return csvout.response("物业服务项目.csv", services_projects.PROJECT_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.post("/projects", status_code=201, operation_id="estates_create_project")
def create_project(uow: UowDep, caller: EstatesSupervise, body: s.ProjectIn) -> s.Created:
    """物业服务项目备案：每个小区同时只能有一个在管项目（冲突时指明小区）。"""
    with audited(uow, caller, "estates.create_project", "estates_project") as conn:
        pid = services_projects.create_project(conn, caller, body.command())
        set_audit_target(conn, pid)
    return s.Created(id=pid)


@router.get("/projects/{project_id}", operation_id="estates_get_project")
def get_project(uow: UowDep, caller: EstatesRead, project_id: Id) -> s.ProjectDetailOut:
    with uow.read() as conn:
        return s.ProjectDetailOut(**services_projects.get_project(conn, caller.scope, project_id))


@router.post("/projects/{project_id}/end", operation_id="estates_end_project")
def end_project(uow: UowDep, caller: EstatesSupervise, project_id: Id, body: s.EndIn) -> s.StatusOut:
    """项目到期或解聘（须填理由）。"""
    with audited(uow, caller, "estates.end_project", "estates_project", project_id) as conn:
        status = services_projects.end_project(conn, caller, project_id, body.action, body.ended_on, body.reason)
    return s.StatusOut(id=project_id, status=status)


@router.post("/projects/{project_id}/handovers", status_code=201, operation_id="estates_record_handover")
def record_handover(uow: UowDep, caller: EstatesSupervise, project_id: Id, body: s.HandoverIn) -> s.Created:
    """承接查验记录。"""
    with audited(uow, caller, "estates.record_handover", "estates_project", project_id) as conn:
        hid = services_projects.record_handover(conn, caller, project_id, body.command())
    return s.Created(id=hid)


# -------------------------------------------------------------------------------------------- tenders


@router.get("/tenders", operation_id="estates_list_tenders")
def list_tenders(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    district: DistrictQ = None,
    street: StreetQ = None,
    status: Annotated[Literal["open", "closed", "awarded", "cancelled"] | None, Query()] = None,
    estate_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Page[s.TenderOut]:
    f = services_tenders.TenderFilter(district, street, status, estate_id)
    with uow.read() as conn:
        page = services_tenders.list_tenders(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.TenderOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.post("/tenders", status_code=201, operation_id="estates_create_tender")
def create_tender(uow: UowDep, caller: EstatesSupervise, body: s.TenderIn) -> s.Created:
    with audited(uow, caller, "estates.create_tender", "estates_tender") as conn:
        tid = services_tenders.create_tender(conn, caller, body.command())
        set_audit_target(conn, tid)
    return s.Created(id=tid)


@router.get("/tenders/{tender_id}", operation_id="estates_get_tender")
def get_tender(uow: UowDep, caller: EstatesRead, tender_id: Id) -> s.TenderDetailOut:
    with uow.read() as conn:
        return s.TenderDetailOut(**services_tenders.get_tender(conn, caller.scope, tender_id))


@router.post("/tenders/{tender_id}/bids", status_code=201, operation_id="estates_record_bid")
def record_bid(uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, tender_id: Id, body: s.BidIn) -> s.Created:
    """登记企业的投标（须指明企业；受信用限制的企业不予受理）。"""
    if body.company_id is None:
        raise ValidationError.of("company_id", "须指明投标企业")
    with audited(uow, caller, "estates.bid", "estates_bid") as conn:
        bid = services_tenders.submit_bid(
            conn, sec.keyring, caller, tender_id, body.company_id, body.fee_fen_per_m2, body.note
        )
        set_audit_target(conn, bid)
    return s.Created(id=bid)


@router.post("/tenders/{tender_id}/close", operation_id="estates_close_tender")
def close_tender(uow: UowDep, caller: EstatesSupervise, tender_id: Id) -> s.StatusOut:
    with audited(uow, caller, "estates.close_tender", "estates_tender", tender_id) as conn:
        services_tenders.close_tender(conn, caller, tender_id)
    return s.StatusOut(id=tender_id, status="closed")


@router.post("/tenders/{tender_id}/cancel", operation_id="estates_cancel_tender")
def cancel_tender(uow: UowDep, caller: EstatesSupervise, tender_id: Id) -> s.StatusOut:
    """撤销未定标的招标。"""
    with audited(uow, caller, "estates.cancel_tender", "estates_tender", tender_id) as conn:
        services_tenders.cancel_tender(conn, caller, tender_id)
    return s.StatusOut(id=tender_id, status="cancelled")


@router.post("/tenders/{tender_id}/scores", operation_id="estates_score_bids")
def score_bids(uow: UowDep, caller: EstatesSupervise, tender_id: Id, body: s.ScoreIn) -> s.TenderDetailOut:
    """录入评标委员会的技术分；价格分与综合分由系统计算。"""
    with audited(uow, caller, "estates.score_bids", "estates_tender", tender_id) as conn:
        services_tenders.score_bids(conn, caller, tender_id, body.technical)
    with uow.read() as conn:
        return s.TenderDetailOut(**services_tenders.get_tender(conn, caller.scope, tender_id))


@router.post("/tenders/{tender_id}/award", operation_id="estates_award_tender")
def award_tender(uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, tender_id: Id) -> s.AwardOut:
    """定标：综合分最高者中标（同分取报价低者，再取投标早者）。"""
    with audited(uow, caller, "estates.award_tender", "estates_tender", tender_id) as conn:
        result = services_tenders.award(conn, sec.keyring, caller, tender_id)
    return s.AwardOut(**result)


# ------------------------------------------------------------------------------------------- coverage


@router.get("/coverage", operation_id="estates_coverage")
def coverage(uow: UowDep, caller: EstatesRead, district: DistrictQ = None) -> s.CoverageOut:
    """物业服务覆盖率（按区、街道），对照规划目标。"""
    with uow.read() as conn:
        return s.CoverageOut(**services_coverage.coverage_report(conn, caller.scope, district))


@router.get(
    "/coverage.csv",
    operation_id="estates_coverage_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}},
)
def coverage_csv(uow: UowDep, caller: EstatesRead, district: DistrictQ = None) -> StreamingResponse:
    with uow.read() as conn:
        report = services_coverage.coverage_report(conn, caller.scope, district)
    return csvout.response(
        "物业服务覆盖率.csv",
        services_coverage.COVERAGE_CSV_COLUMNS,
        services_coverage.coverage_rows(report),
        note=domain.SYNTHETIC_LABEL,
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/coverage.xlsx",
    operation_id="estates_coverage_xlsx",
    responses={200: {"content": {XLSX: {}}, "description": "Excel 工作簿"}},
)
def coverage_xlsx(uow: UowDep, caller: EstatesRead, district: DistrictQ = None) -> Response:
    """物业服务覆盖率（Excel）。"""
    with uow.read() as conn:
        report = services_coverage.coverage_report(conn, caller.scope, district)
    body = services_coverage.coverage_xlsx(report, domain.SYNTHETIC_LABEL)
    return Response(
        body, media_type=XLSX, headers={"content-disposition": csvout.content_disposition("物业服务覆盖率.xlsx")}
    )
