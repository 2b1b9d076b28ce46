"""REST routes of appraisal agencies (``/api/v1/safety/agencies…``): list, CSV, filing, detail, status,
engineers, violations (credit events) and random checks (a credit draw). Thin: parse, call, shape."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from anju.core import csvout
from anju.safety import agencies, domain
from anju.safety.http import schemas as s
from anju.safety.http.deps import SafetyAgencies, SafetyRead
from anju.security import SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/safety", tags=["safety"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
DistrictQ = Annotated[str | None, Query(max_length=12, description="区代码")]
QualQ = Annotated[Literal["grade_a", "grade_b"] | None, Query(description="鉴定资质")]
StatusQ = Annotated[Literal["filed", "suspended", "cancelled"] | None, Query(description="备案状态")]
TextQ = Annotated[str | None, Query(max_length=100, description="名称包含或统一社会信用代码")]
CSV: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM"}}


@router.get("/agencies", operation_id="safety_list_agencies")
def list_agencies(
    uow: UowDep,
    caller: SafetyRead,
    paging: PagingDep,
    district: DistrictQ = None,
    qualification: QualQ = None,
    status: StatusQ = None,
    q: TextQ = None,
) -> Page[s.AgencyOut]:
    """房屋安全鉴定机构（辖区内注册的），最新备案在前。"""
    f = agencies.AgencyFilter(district, qualification, status, q)
    with uow.read() as conn:
        page = agencies.list_agencies(conn, f, scope=caller.scope, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[s.AgencyOut(**x) for x in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get("/agencies.csv", operation_id="safety_export_agencies", responses=CSV)
def export_agencies(
    uow: UowDep,
    caller: SafetyRead,
    district: DistrictQ = None,
    qualification: QualQ = None,
    status: StatusQ = None,
    q: TextQ = None,
) -> StreamingResponse:
    """同一筛选条件下的全部鉴定机构（CSV）。"""
    f = agencies.AgencyFilter(district, qualification, status, q)
    with uow.read() as conn:
        rows = list(agencies.export_agencies(conn, f, scope=caller.scope))
    return csvout.response("房屋安全鉴定机构.csv", agencies.AGENCY_CSV_COLUMNS, rows, note=domain.SYNTHETIC_LABEL)


@router.post("/agencies", status_code=201, operation_id="safety_file_agency")
def file_agency(uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, body: s.AgencyIn) -> s.Created:
    """鉴定机构备案：统一社会信用代码校验位、资质、注册街道逐项校验，错误指明字段。"""
    with audited(uow, caller, "safety.file_agency", "safety_agency") as conn:
        aid = agencies.file_agency(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, aid)
    return s.Created(id=aid)


@router.get("/agencies/{agency_id}", operation_id="safety_get_agency")
def get_agency(uow: UowDep, caller: SafetyRead, agency_id: Id) -> s.AgencyDetailOut:
    """机构详情：工程师（姓名脱敏）与违规记录。"""
    with uow.read() as conn:
        return s.AgencyDetailOut(**agencies.get_agency(conn, caller.scope, agency_id))


@router.post("/agencies/{agency_id}/status", operation_id="safety_agency_status")
def agency_status(uow: UowDep, caller: SafetyAgencies, agency_id: Id, body: s.AgencyStatusIn) -> s.StatusOut:
    """暂停、恢复或注销机构备案（须填理由）。"""
    with audited(uow, caller, "safety.agency_status", "safety_agency", agency_id) as conn:
        status = agencies.change_status(conn, caller, agency_id, body.action, body.reason)
    return s.StatusOut(id=agency_id, status=status)


@router.post("/agencies/{agency_id}/engineers", status_code=201, operation_id="safety_add_engineers")
def add_engineers(
    uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, agency_id: Id, body: s.EngineersIn
) -> s.Created:
    """登记机构的工程师（姓名加密保存）；返回登记人数。"""
    with audited(uow, caller, "safety.add_engineers", "safety_agency", agency_id) as conn:
        n = agencies.add_engineers(conn, sec.keyring, caller, agency_id, body.command())
    return s.Created(id=n)


@router.post("/agencies/{agency_id}/violations", status_code=201, operation_id="safety_record_violation")
def record_violation(
    uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, agency_id: Id, body: s.ViolationIn
) -> s.Created:
    """登记机构违规：同一事务内记入该机构的信用档案（safety.appraisal_violation）。"""
    with audited(uow, caller, "safety.violation", "safety_agency", agency_id) as conn:
        vid = agencies.record_violation(conn, sec.keyring, caller, agency_id, body.command())
    return s.Created(id=vid)


@router.post("/draws", status_code=201, operation_id="safety_start_draw")
def start_draw(uow: UowDep, sec: SecurityDep, caller: SafetyAgencies, body: s.DrawIn) -> s.Created:
    """双随机抽查鉴定机构：冻结信用模块的抽取（仅房屋安全鉴定机构），抽取与结果在 /credit/inspections 办理。"""
    with audited(uow, caller, "safety.draw", "credit_inspection_draw") as conn:
        draw = agencies.start_draw(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, draw)
    return s.Created(id=draw)
