"""``GET /api/v1/property/overview``: the counts of the hub page, in the caller's scope."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from anju.estates.http.deps import EstatesRead
from anju.estates.overview import overview
from anju.web.deps import UowDep

router = APIRouter(prefix="/property", tags=["estates"])


class OverviewOut(BaseModel):
    estates: int
    served: int
    projects: int
    committees: int
    open_votes: int
    open_complaints: int
    fund_homes: int
    pending_applications: int


@router.get("/overview")
def get_overview(uow: UowDep, caller: EstatesRead) -> OverviewOut:
    """物业管理概况：辖区内小区、在管项目、业委会、表决、投诉、维修资金分户和待审申请的数量。"""
    with uow.read() as conn:
        return OverviewOut(**overview(conn, caller.scope))
