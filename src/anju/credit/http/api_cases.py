"""REST routes of officers deciding objections (异议) and repair requests (信用修复), within the streets
of their scope (the event's street): the lists (open ones oldest deadline first, overdue marked), one
case with its documents, the decision, a document."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from anju.credit import casework, objections, repairs
from anju.credit.http.api_own import download
from anju.credit.http.deps import CreditDecide, CreditRead
from anju.credit.http.schemas_cases import ObjectionDetailOut, ObjectionOut, RepairDetailOut, RepairOut
from anju.security import SecurityDep, audited
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(tags=["credit"], responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
ObjectionNo = Annotated[str, Path(pattern=r"^YY\d{11}$", description="异议编号")]
RepairNo = Annotated[str, Path(pattern=r"^XF\d{11}$", description="修复申请编号")]


class ObjectionDecision(BaseModel):
    outcome: Literal["upheld", "rejected"] = Field(description="upheld：异议成立（撤销该记录）；rejected：异议不成立")
    reason: str = Field(max_length=2000, description="处理意见")


class RepairDecision(BaseModel):
    outcome: Literal["approved", "rejected"] = Field(description="approved：予以修复；rejected：不予修复")
    reason: str = Field(max_length=2000, description="处理意见")


@router.get("/credit/objections", operation_id="credit_list_objections")
def list_objections(
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[Literal["submitted", "upheld", "rejected", "withdrawn", ""], Query()] = "submitted",
) -> Page[ObjectionOut]:
    """Objections of the caller's streets: open ones by deadline (the oldest first, overdue marked)."""
    with uow.read() as conn:
        p = objections.objections(
            conn, scope=caller.scope, status=status or None, limit=paging.page_size, offset=paging.offset
        )
    return Page(items=[ObjectionOut(**i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/credit/objections/{objection_no}", operation_id="credit_get_objection")
def get_objection(uow: UowDep, caller: CreditRead, objection_no: ObjectionNo) -> ObjectionDetailOut:
    with uow.read() as conn:
        return ObjectionDetailOut(**objections.objection(conn, objection_no, scope=caller.scope))


@router.post("/credit/objections/{objection_no}/decision", operation_id="credit_decide_objection")
def decide_objection(
    uow: UowDep, caller: CreditDecide, objection_no: ObjectionNo, body: ObjectionDecision
) -> ObjectionDetailOut:
    """Uphold (the event is voided and the grade recomputed) or reject the objection."""
    with audited(uow, caller, "credit.object.decide", "credit_objection", objection_no) as conn:
        objections.decide_objection(conn, caller, objection_no, body.outcome, body.reason)
    with uow.read() as conn:
        return ObjectionDetailOut(**objections.objection(conn, objection_no, scope=caller.scope))


@router.get("/credit/repairs", operation_id="credit_list_repairs")
def list_repairs(
    uow: UowDep,
    caller: CreditRead,
    paging: PagingDep,
    status: Annotated[Literal["submitted", "approved", "rejected", ""], Query()] = "submitted",
) -> Page[RepairOut]:
    """Repair requests of the caller's streets: open ones by deadline (the oldest first, overdue marked)."""
    with uow.read() as conn:
        p = repairs.repairs(
            conn, scope=caller.scope, status=status or None, limit=paging.page_size, offset=paging.offset
        )
    return Page(items=[RepairOut(**i) for i in p.items], total=p.total, page=paging.page, page_size=paging.page_size)


@router.get("/credit/repairs/{repair_no}", operation_id="credit_get_repair")
def get_repair(uow: UowDep, caller: CreditRead, repair_no: RepairNo) -> RepairDetailOut:
    with uow.read() as conn:
        return RepairDetailOut(**repairs.repair(conn, repair_no, scope=caller.scope))


@router.post("/credit/repairs/{repair_no}/decision", operation_id="credit_decide_repair")
def decide_repair(
    uow: UowDep, sec: SecurityDep, caller: CreditDecide, repair_no: RepairNo, body: RepairDecision
) -> RepairDetailOut:
    """Approve (the event stops counting from today; the grade is recomputed) or reject the request."""
    with audited(uow, caller, "credit.repair.decide", "credit_repair", repair_no) as conn:
        repairs.decide_repair(conn, caller, repair_no, body.outcome, body.reason, city=sec.settings.city_code)
    with uow.read() as conn:
        return RepairDetailOut(**repairs.repair(conn, repair_no, scope=caller.scope))


@router.get("/credit/documents/{doc_id}", operation_id="credit_get_document")
def get_document(uow: UowDep, caller: CreditRead, doc_id: Id) -> Response:
    """A document filed with an objection or repair request of the caller's streets."""
    with uow.read() as conn:
        name, ctype, data = casework.document(conn, doc_id, lambda _bidx, street: caller.scope.allows(street))
    return download(name, ctype, data)
