"""The market computation's runs (``market.read``): which computations ran, when, on which engine, and
how they ended. Run-level facts only (no area's figures), so every reader sees the whole list."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from anju.market.http.deps import MarketRead
from anju.market.runs import list_runs
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market", responses=ERRORS)


class RunOut(BaseModel):
    id: int
    engine: str
    status: str
    first_month: str
    last_month: str
    edition: str | None
    params: dict[str, Any]
    summary: dict[str, Any] | None
    started_by: str
    started_at: datetime
    finished_at: datetime | None


@router.get("/runs", operation_id="market_list_runs")
def runs(uow: UowDep, caller: MarketRead, paging: PagingDep) -> Page[RunOut]:
    """Runs of the market computation, newest first, paginated."""
    with uow.read() as conn:
        page = list_runs(conn, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[RunOut(**asdict(r)) for r in page.items],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )
