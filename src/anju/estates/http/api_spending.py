"""REST routes of spending the maintenance fund (维修资金使用, ``/api/v1/property/spending``): the queue,
applications by the street, the committee or the property company, the decision, acceptance and
payment of stages, publication, shares, line proofs, and the owners' view of published accounts."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from sqlalchemy import Connection

from anju.estates import spending, spending_queries
from anju.estates.http.deps import EstatesApprove, EstatesCompany, EstatesOwn, EstatesRead, EstatesSupervise
from anju.estates.http.schemas_spending import (
    AcceptanceIn,
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    DecisionIn,
    LineProofOut,
    PublicOut,
    ShareOut,
    WithdrawIn,
    limits,
)
from anju.estates.spending_rules import StageIn
from anju.security import Caller, audited
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/property/spending", tags=["estates"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
Seq = Annotated[int, Path(ge=1, le=10)]
HomeId = Annotated[int, Query(ge=1, le=2**62, description="房屋")]
Status = Literal["draft", "submitted", "approved", "rejected", "in_progress", "completed", "published", "withdrawn", ""]


def _cmd(body: ApplicationIn) -> spending.ApplicationIn:
    quotes = [spending.QuoteIn(q.contractor, q.amount_fen, q.chosen, q.note) for q in body.quotes]
    return spending.ApplicationIn(
        body.estate_id, body.title, body.category, body.budget_fen, quotes, body.building_id, body.description,
        body.emergency, body.emergency_kind, body.vote_id,
    )  # fmt: skip


def emergency_filter(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.get("/public", operation_id="estates_spending_public")
def public(uow: UowDep, settings: SettingsDep, caller: EstatesOwn, paging: PagingDep) -> Page[PublicOut]:
    """维修资金使用公示：本人名下房屋所在小区已公示的决算，及本人房屋的分摊额。"""
    with uow.read() as conn:
        p = spending_queries.published_for_owner(
            conn, caller, publish_days=settings.estates_emergency_publish_days,
            limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    return Page(items=[PublicOut(**i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/public/{spending_id}/stages/{seq}/proof", operation_id="estates_spending_public_proof")
def public_proof(uow: UowDep, caller: EstatesOwn, spending_id: Id, seq: Seq, home_id: HomeId) -> LineProofOut:
    """本人房屋在某阶段分摊凭证中的明细及其两级包含证明（明细在凭证中、凭证在日志中）。"""
    with uow.read() as conn:
        return LineProofOut(**spending_queries.line_proof(conn, caller, spending_id, seq, home_id))


@router.get("", operation_id="estates_spending_list")
def list_applications(
    uow: UowDep,
    settings: SettingsDep,
    caller: EstatesRead,
    paging: PagingDep,
    status: Annotated[Status, Query()] = "",
    emergency: Annotated[Literal["", "yes", "no"], Query()] = "",
    overdue: Annotated[bool, Query(description="仅逾期未公示决算的应急使用")] = False,
) -> Page[ApplicationOut]:
    """辖区内的维修资金使用申请：待审核的在先；可按状态、应急、逾期未公示筛选。"""
    with uow.read() as conn:
        p = spending_queries.applications(
            conn, caller.scope, status=status or None, emergency=emergency_filter(emergency), overdue=overdue,
            publish_days=settings.estates_emergency_publish_days, limit=paging.page_size, offset=paging.offset,
        )  # fmt: skip
    return Page(
        items=[ApplicationOut(**i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size
    )


def _create(uow: UowDep, settings: SettingsDep, caller: Caller, body: ApplicationIn, applicant: str) -> int:
    lim = limits(settings)
    with audited(uow, caller, "estates.spending.create", "estates_spending") as conn:
        sid = spending.create(conn, caller, _cmd(body), applicant=applicant, limits=lim)
        if body.submit:
            spending.submit(conn, caller, sid, limits=lim)
    return sid


def _detail(conn: Connection, settings: SettingsDep, caller: Caller, sid: int) -> ApplicationDetailOut:
    days = settings.estates_emergency_publish_days
    return ApplicationDetailOut(**spending_queries.application(conn, caller, sid, publish_days=days))


@router.post("", status_code=201, operation_id="estates_spending_create")
def create_by_street(
    uow: UowDep, settings: SettingsDep, caller: EstatesSupervise, body: ApplicationIn
) -> ApplicationDetailOut:
    """街道（物业监管部门）代为申请维修资金使用（草拟；``submit`` 为真时同时提交）。"""
    sid = _create(uow, settings, caller, body, "street")
    with uow.read() as conn:
        return _detail(conn, settings, caller, sid)


@router.post("/by-committee", status_code=201, operation_id="estates_spending_create_committee")
def create_by_committee(
    uow: UowDep, settings: SettingsDep, caller: EstatesOwn, body: ApplicationIn
) -> ApplicationDetailOut:
    """业主委员会（在任委员本人，实名认证）申请维修资金使用。"""
    sid = _create(uow, settings, caller, body, "committee")
    with uow.read() as conn:
        return _detail(conn, settings, caller, sid)


@router.post("/by-company", status_code=201, operation_id="estates_spending_create_company")
def create_by_company(
    uow: UowDep, settings: SettingsDep, caller: EstatesCompany, body: ApplicationIn
) -> ApplicationDetailOut:
    """在管的物业服务企业申请维修资金使用。"""
    sid = _create(uow, settings, caller, body, "company")
    with uow.read() as conn:
        return _detail(conn, settings, caller, sid)


def _edit(uow: UowDep, settings: SettingsDep, caller: Caller, sid: int, body: ApplicationIn) -> ApplicationDetailOut:
    with audited(uow, caller, "estates.spending.edit", "estates_spending", sid) as conn:
        spending.edit(conn, caller, sid, _cmd(body), limits=limits(settings))
    with uow.read() as conn:
        return _detail(conn, settings, caller, sid)


def _withdraw(uow: UowDep, settings: SettingsDep, caller: Caller, sid: int, body: WithdrawIn) -> ApplicationDetailOut:
    with audited(uow, caller, "estates.spending.withdraw", "estates_spending", sid) as conn:
        spending.withdraw(conn, caller, sid, body.reason)
    with uow.read() as conn:
        return _detail(conn, settings, caller, sid)


@router.put("/by-committee/{spending_id}", operation_id="estates_spending_edit_committee")
def edit_by_committee(
    uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id, body: ApplicationIn
) -> ApplicationDetailOut:
    """申请人（业委会委员本人）在审核决定前修改本人的申请（小区不能改；已提交的仍须满足提交条件）。"""
    return _edit(uow, settings, caller, spending_id, body)


@router.post("/by-committee/{spending_id}/withdraw", operation_id="estates_spending_withdraw_committee")
def withdraw_by_committee(
    uow: UowDep, settings: SettingsDep, caller: EstatesOwn, spending_id: Id, body: WithdrawIn
) -> ApplicationDetailOut:
    """申请人（业委会委员本人）在审核决定前撤回本人的申请，须说明原因；撤回后不能恢复。"""
    return _withdraw(uow, settings, caller, spending_id, body)


@router.put("/by-company/{spending_id}", operation_id="estates_spending_edit_company")
def edit_by_company(
    uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id, body: ApplicationIn
) -> ApplicationDetailOut:
    """申请人（物业服务企业的同一账户）在审核决定前修改本企业的申请。"""
    return _edit(uow, settings, caller, spending_id, body)


@router.post("/by-company/{spending_id}/withdraw", operation_id="estates_spending_withdraw_company")
def withdraw_by_company(
    uow: UowDep, settings: SettingsDep, caller: EstatesCompany, spending_id: Id, body: WithdrawIn
) -> ApplicationDetailOut:
    """申请人（物业服务企业的同一账户）在审核决定前撤回申请，须说明原因；撤回后不能恢复。"""
    return _withdraw(uow, settings, caller, spending_id, body)


@router.get("/{spending_id}", operation_id="estates_spending_get")
def get_application(uow: UowDep, settings: SettingsDep, caller: EstatesRead, spending_id: Id) -> ApplicationDetailOut:
    """一份申请：报价、表决、付款阶段及其凭证。"""
    with uow.read() as conn:
        return _detail(conn, settings, caller, spending_id)


@router.post("/{spending_id}/submit", operation_id="estates_spending_submit")
def submit(uow: UowDep, settings: SettingsDep, caller: EstatesSupervise, spending_id: Id) -> ApplicationDetailOut:
    """提交审核：非应急的须有已通过的“使用维修资金”表决（否则指明 vote_id 拒绝）。"""
    with audited(uow, caller, "estates.spending.submit", "estates_spending", spending_id) as conn:
        spending.submit(conn, caller, spending_id, limits=limits(settings))
    with uow.read() as conn:
        return _detail(conn, settings, caller, spending_id)


@router.post("/{spending_id}/decision", operation_id="estates_spending_decide")
def decide(
    uow: UowDep, settings: SettingsDep, caller: EstatesApprove, spending_id: Id, body: DecisionIn
) -> ApplicationDetailOut:
    """审核：批准时按建筑面积分摊到各户（精确到分），余额不足的房屋指名拒绝；应急使用的批准即确认应急情形。"""
    cmd = spending.DecisionIn(
        body.outcome, body.note, body.approved_fen, [StageIn(s.label, s.amount_fen) for s in body.stages]
    )
    with audited(uow, caller, "estates.spending.decide", "estates_spending", spending_id) as conn:
        spending.decide(conn, caller, spending_id, cmd, limits=limits(settings))
    with uow.read() as conn:
        return _detail(conn, settings, caller, spending_id)


@router.post("/{spending_id}/stages/{seq}/acceptance", operation_id="estates_spending_accept_stage")
def accept_stage(
    uow: UowDep, settings: SettingsDep, caller: EstatesApprove, spending_id: Id, seq: Seq, body: AcceptanceIn
) -> ApplicationDetailOut:
    """验收并支付一个阶段：一笔分摊凭证借记各户分户账、贷记应付工程款，随后划付施工单位。"""
    with audited(uow, caller, "estates.spending.pay", "estates_spending", spending_id) as conn:
        spending.accept_stage(conn, caller, spending_id, seq, body.accepted_on)
    with uow.read() as conn:
        return _detail(conn, settings, caller, spending_id)


@router.post("/{spending_id}/publication", operation_id="estates_spending_publish")
def publish(uow: UowDep, settings: SettingsDep, caller: EstatesSupervise, spending_id: Id) -> ApplicationDetailOut:
    """向本小区业主公示决算（全部阶段付清后）。"""
    with audited(uow, caller, "estates.spending.publish", "estates_spending", spending_id) as conn:
        spending.publish(conn, caller, spending_id)
    with uow.read() as conn:
        return _detail(conn, settings, caller, spending_id)


@router.get("/{spending_id}/shares", operation_id="estates_spending_shares")
def shares(uow: UowDep, caller: EstatesRead, paging: PagingDep, spending_id: Id) -> Page[ShareOut]:
    """各户分摊额与已付额（按房屋）。"""
    with uow.read() as conn:
        p = spending_queries.shares(conn, caller, spending_id, limit=paging.page_size, offset=paging.offset)
    return Page(items=[ShareOut(**i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/{spending_id}/stages/{seq}/proof", operation_id="estates_spending_proof")
def proof(uow: UowDep, caller: EstatesRead, spending_id: Id, seq: Seq, home_id: HomeId) -> LineProofOut:
    """某户在某阶段分摊凭证中的明细及其两级包含证明（用独立验证程序 ledger/verify.py 核对）。"""
    with uow.read() as conn:
        return LineProofOut(**spending_queries.line_proof(conn, caller, spending_id, seq, home_id))
