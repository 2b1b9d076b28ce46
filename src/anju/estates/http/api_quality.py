"""REST routes of service quality (``/api/v1/property/…``): owners file and follow their complaints
(``/property/me/complaints``), a company's staff answer theirs (``/property/company/complaints``), the
street handles them (``/property/complaints``); annual evaluations (``/property/evaluations``); random
inspections of property-service companies (``/property/inspections``, a credit draw).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import Connection, select

from anju import registry
from anju.core import csvout
from anju.estates import domain, quality_complaints, quality_evaluations, quality_inspections, quality_rules
from anju.estates.http import schemas_quality as s
from anju.estates.http.deps import EstatesCompany, EstatesOwn, EstatesRead, EstatesSupervise
from anju.estates.tables import estates_complaints
from anju.security import Caller, SecurityDep, allow, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/property", tags=["estates"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
Status = Literal["received", "company", "handling", "resolved", "rejected"]
Category = Literal["cleaning", "security", "repair", "greening", "fees", "parking", "attitude", "other"]
Grade = Literal["excellent", "good", "pass", "fail"]
CreditInspect = Annotated[Caller, allow("credit.inspect")]
CF = quality_complaints.ComplaintFilter


def _page(total: int, items: Sequence[quality_complaints.ComplaintSummary], p: PagingDep) -> Page[s.ComplaintOut]:
    return Page(items=[s.ComplaintOut(**i) for i in items], total=total, page=p.page, page_size=p.page_size)


def _list(uow: UowDep, caller: Caller, f: CF, paging: PagingDep, *, company: bool) -> Page[s.ComplaintOut]:
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller, as_company=company)
        page = quality_complaints.list_complaints(conn, v, f, limit=paging.page_size, offset=paging.offset)
    return _page(page.total, page.items, paging)


def _synthetic_note(conn: Connection) -> str | None:
    return domain.SYNTHETIC_LABEL if registry.synthetic_scale(conn) is not None else None


def _detail(uow: UowDep, caller: Caller, complaint_id: int, *, company: bool = False) -> s.ComplaintDetail:
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller, as_company=company)
        return s.ComplaintDetail(**quality_complaints.get_complaint(conn, v, complaint_id))


# -------------------------------------------------------------------------------------------- owners


@router.post("/me/complaints", status_code=201, operation_id="estates_file_complaint")
def file_complaint(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: EstatesOwn, body: s.ComplaintIn
) -> s.Created:
    """物业投诉：业主（实名、登记产权人）就所在小区的物业服务投诉，分派至小区所在街道并转物业服务企业答复，
    办理时限为 ``estates_complaint_days`` 个工作日。"""
    with audited(uow, caller, "estates.file_complaint", "estates_complaint") as conn:
        cid = quality_complaints.file_complaint(
            conn, sec.keyring, caller, body.command(), days=settings.estates_complaint_days
        )
        set_audit_target(conn, cid)
        no = conn.execute(select(estates_complaints.c.complaint_no).where(estates_complaints.c.id == cid)).scalar_one()
    return s.Created(id=cid, number=no)


@router.get("/me/complaints", operation_id="estates_my_complaints")
def my_complaints(uow: UowDep, caller: EstatesOwn, paging: PagingDep) -> Page[s.ComplaintOut]:
    """我的投诉（最新的在前）。"""
    return _list(uow, caller, CF(), paging, company=False)


@router.get("/me/complaints/{complaint_id}", operation_id="estates_my_complaint")
def my_complaint(uow: UowDep, caller: EstatesOwn, complaint_id: Id) -> s.ComplaintDetail:
    """我的一件投诉：企业答复、街道答复与办理过程。"""
    return _detail(uow, caller, complaint_id)


# ----------------------------------------------------------------------------------------- companies


@router.get("/company/complaints", operation_id="estates_company_complaints")
def company_complaints(
    uow: UowDep, caller: EstatesCompany, paging: PagingDep, open_only: Annotated[bool, Query(alias="open")] = False
) -> Page[s.ComplaintOut]:
    """本企业被投诉的事项（账户的统一社会信用代码即企业的）。"""
    return _list(uow, caller, CF(open_only=open_only), paging, company=True)


@router.get("/company/complaints/{complaint_id}", operation_id="estates_company_complaint")
def company_complaint(uow: UowDep, caller: EstatesCompany, complaint_id: Id) -> s.ComplaintDetail:
    return _detail(uow, caller, complaint_id, company=True)


@router.post("/company/complaints/{complaint_id}/reply", operation_id="estates_company_reply")
def company_reply(uow: UowDep, caller: EstatesCompany, complaint_id: Id, body: s.ReplyIn) -> s.ComplaintDetail:
    """企业答复投诉（转街道办理）。"""
    with audited(uow, caller, "estates.company_reply", "estates_complaint", complaint_id) as conn:
        quality_complaints.company_reply(conn, caller, complaint_id, body.reply, as_company=True)
    return _detail(uow, caller, complaint_id, company=True)


# --------------------------------------------------------------------------------------------- staff


def _staff_filter(status: str | None, category: str | None, street: str | None, overdue: bool, open_only: bool) -> CF:
    return CF(status, category, street, overdue, open_only)


@router.get("/complaints", operation_id="estates_list_complaints")
def list_complaints(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Annotated[Status | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
    street: Annotated[str | None, Query(pattern=r"^\d{9,12}$")] = None,
    overdue: Annotated[bool, Query(description="只看超期未办结的")] = False,
    open_only: Annotated[bool, Query(alias="open", description="只看未办结的")] = False,
) -> Page[s.ComplaintOut]:
    """辖区街道的投诉队列：未办结的在前，办理时限最早的在先。"""
    return _list(uow, caller, _staff_filter(status, category, street, overdue, open_only), paging, company=False)


CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，Excel 可直接打开；合成数据末行注明"}
}


@router.get(
    "/complaints/export", operation_id="estates_export_complaints", response_class=StreamingResponse, responses=CSV
)
def export_complaints(
    uow: UowDep,
    caller: EstatesRead,
    status: Annotated[Status | None, Query()] = None,
    category: Annotated[Category | None, Query()] = None,
    street: Annotated[str | None, Query(pattern=r"^\d{9,12}$")] = None,
    overdue: Annotated[bool, Query()] = False,
    open_only: Annotated[bool, Query(alias="open")] = False,
) -> StreamingResponse:
    """同一队列的 CSV（UTF-8，带 BOM）。"""
    f = _staff_filter(status, category, street, overdue, open_only)
    with uow.read() as conn:
        v = quality_complaints.viewer(conn, caller)
        rows = list(quality_complaints.csv_rows(conn, v, f))
        note = _synthetic_note(conn)
    return csvout.response("物业投诉.csv", quality_complaints.CSV_COLUMNS, rows, note=note)


@router.get("/complaints/{complaint_id}", operation_id="estates_get_complaint")
def get_complaint(uow: UowDep, caller: EstatesRead, complaint_id: Id) -> s.ComplaintDetail:
    return _detail(uow, caller, complaint_id)


@router.post("/complaints/{complaint_id}/company-reply", operation_id="estates_record_company_reply")
def record_company_reply(uow: UowDep, caller: EstatesSupervise, complaint_id: Id, body: s.ReplyIn) -> s.ComplaintDetail:
    """街道代录企业的答复（企业未在平台答复时）。"""
    with audited(uow, caller, "estates.record_company_reply", "estates_complaint", complaint_id) as conn:
        quality_complaints.company_reply(conn, caller, complaint_id, body.reply, as_company=False)
    return _detail(uow, caller, complaint_id)


@router.post("/complaints/{complaint_id}/take", operation_id="estates_take_complaint")
def take_complaint(uow: UowDep, caller: EstatesSupervise, complaint_id: Id) -> s.ComplaintDetail:
    """街道开始办理。"""
    with audited(uow, caller, "estates.take_complaint", "estates_complaint", complaint_id) as conn:
        quality_complaints.take_complaint(conn, caller, complaint_id)
    return _detail(uow, caller, complaint_id)


@router.post("/complaints/{complaint_id}/resolution", operation_id="estates_resolve_complaint")
def resolve_complaint(
    uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, complaint_id: Id, body: s.ResolutionIn
) -> s.ComplaintDetail:
    """办结：认定是否属实并答复；属实的投诉记入企业信用档案。"""
    with audited(uow, caller, "estates.resolve_complaint", "estates_complaint", complaint_id) as conn:
        quality_complaints.resolve_complaint(
            conn, sec.keyring, caller, complaint_id, upheld=body.upheld, reply=body.reply
        )
    return _detail(uow, caller, complaint_id)


@router.post("/complaints/{complaint_id}/rejection", operation_id="estates_reject_complaint")
def reject_complaint(uow: UowDep, caller: EstatesSupervise, complaint_id: Id, body: s.RejectionIn) -> s.ComplaintDetail:
    """不予受理（须说明理由）。"""
    with audited(uow, caller, "estates.reject_complaint", "estates_complaint", complaint_id) as conn:
        quality_complaints.reject_complaint(conn, caller, complaint_id, body.reason)
    return _detail(uow, caller, complaint_id)


# ---------------------------------------------------------------------------------------- evaluations


@router.get("/evaluation-items", operation_id="estates_evaluation_items")
def evaluation_items(caller: EstatesRead) -> s.EvaluationRulesOut:
    """年度考评的项目、满分与等级分数线（数据文件）。"""
    r = quality_rules.rules()
    return s.EvaluationRulesOut(
        edition=r.edition,
        items=[s.EvaluationItemOut(code=i.code, label=i.label, max=i.max) for i in r.items.values()],
        grades=dict(r.grades),
    )


EF = quality_evaluations.EvaluationFilter


@router.get("/evaluations", operation_id="estates_list_evaluations")
def list_evaluations(
    uow: UowDep,
    caller: EstatesRead,
    paging: PagingDep,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    grade: Annotated[Grade | None, Query()] = None,
    street: Annotated[str | None, Query(pattern=r"^\d{9,12}$")] = None,
    company_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Page[s.EvaluationOut]:
    """辖区内项目的年度考评：最近的年度在前，得分低的在先。"""
    with uow.read() as conn:
        page = quality_evaluations.list_evaluations(
            conn, caller.scope, EF(year, grade, street, company_id), limit=paging.page_size, offset=paging.offset
        )
    return Page(
        items=[s.EvaluationOut(**e) for e in page.items], total=page.total, page=paging.page, page_size=paging.page_size
    )


@router.get(
    "/evaluations/export", operation_id="estates_export_evaluations", response_class=StreamingResponse, responses=CSV
)
def export_evaluations(
    uow: UowDep,
    caller: EstatesRead,
    year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    grade: Annotated[Grade | None, Query()] = None,
    street: Annotated[str | None, Query(pattern=r"^\d{9,12}$")] = None,
) -> StreamingResponse:
    """年度考评 CSV（各项得分、总分、等级）。"""
    with uow.read() as conn:
        rows = list(quality_evaluations.csv_rows(conn, caller.scope, EF(year, grade, street)))
        note = _synthetic_note(conn)
    return csvout.response("年度考评.csv", quality_evaluations.csv_columns(), rows, note=note)


@router.get("/evaluations/{evaluation_id}", operation_id="estates_get_evaluation")
def get_evaluation(uow: UowDep, caller: EstatesRead, evaluation_id: Id) -> s.EvaluationOut:
    with uow.read() as conn:
        return s.EvaluationOut(**quality_evaluations.get_evaluation(conn, caller.scope, evaluation_id))


@router.post("/evaluations", status_code=201, operation_id="estates_record_evaluation")
def record_evaluation(uow: UowDep, sec: SecurityDep, caller: EstatesSupervise, body: s.EvaluationIn) -> s.EvaluationOut:
    """登记项目的年度考评（每个项目每年一次）；不合格的记入企业信用档案。"""
    with audited(uow, caller, "estates.record_evaluation", "estates_evaluation") as conn:
        done = quality_evaluations.record_evaluation(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, done.id)
    with uow.read() as conn:
        return s.EvaluationOut(**quality_evaluations.get_evaluation(conn, caller.scope, done.id))


# ---------------------------------------------------------------------------------------- inspections


@router.post("/inspections", status_code=201, operation_id="estates_start_inspection")
def start_inspection(uow: UowDep, sec: SecurityDep, caller: CreditInspect, body: s.DrawIn) -> s.DrawOut:
    """双随机抽查物业服务企业：确保本区备案企业均有信用档案，冻结只含物业服务企业的抽查名单（信用管理的
    抽查；摇号与结果登记在 ``/credit/inspections/<id>``，结果记入信用档案）。"""
    with audited(uow, caller, "estates.start_inspection", "credit_inspection_draw") as conn:
        draw_id = quality_inspections.start_draw(conn, sec.keyring, caller, body.command())
        set_audit_target(conn, draw_id)
    return s.DrawOut(id=draw_id, url=f"/credit/inspections/{draw_id}")
