"""The published market figures (``/api/v1/market/public…``, public): the months the bureau published and a
month's figures (the current version, or an earlier one) as JSON or CSV. Only publications are read:
aggregates with small cells withheld, no personal data."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from anju.core import csvout
from anju.market import publication as pub
from anju.market.runs import synthetic_note
from anju.security import Public
from anju.web.deps import PagingDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(prefix="/market/public", responses=ERRORS)

MonthP = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="月份 YYYY-MM")]
VersionQ = Annotated[int | None, Query(ge=1, le=10_000, description="版本；缺省为现行版本")]


class VersionOut(BaseModel):
    version: int
    current: bool
    note: str | None
    published_at: datetime


class MonthOut(BaseModel):
    month: str
    version: int
    current: bool
    note: str | None
    published_at: datetime
    synthetic: bool
    figures: dict[str, Any]
    versions: list[VersionOut]


class PublishedOut(BaseModel):
    month: str
    version: int
    note: str | None
    published_at: datetime


@router.get("", operation_id="market_public_months")
def months(uow: UowDep, caller: Public, paging: PagingDep) -> Page[PublishedOut]:
    """The published months (current versions), the latest first."""
    with uow.read() as conn:
        page = pub.published_months(conn, limit=paging.page_size, offset=paging.offset)
    return Page(
        items=[
            PublishedOut(month=h.month, version=h.version, note=h.note, published_at=h.published_at) for h in page.items
        ],
        total=page.total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.get(
    "/{month}.csv",
    operation_id="market_public_month_csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM；“—”为隐去的小样本数据"}},
)
def month_csv(uow: UowDep, caller: Public, month: MonthP, version: VersionQ = None) -> StreamingResponse:
    """A published month's figures as CSV (city and districts; withheld figures "—")."""
    with uow.read() as conn:
        got = pub.published_month(conn, month, version)
    f = got.publication.figures
    name = f"market-{month}-v{got.publication.head.version}.csv"
    return csvout.response(name, pub.FIGURE_COLUMNS, pub.figure_rows(f), note=synthetic_note(f.synthetic))


@router.get("/{month}", operation_id="market_public_month")
def month(uow: UowDep, caller: Public, month: MonthP, version: VersionQ = None) -> MonthOut:
    """A published month's figures (the current version unless ``version``) and its versions."""
    with uow.read() as conn:
        got = pub.published_month(conn, month, version)
    h, f = got.publication.head, got.publication.figures
    return MonthOut(
        month=h.month,
        version=h.version,
        current=h.current,
        note=h.note,
        published_at=h.published_at,
        synthetic=f.synthetic,
        figures=asdict(f),
        versions=[
            VersionOut(version=v.version, current=v.current, note=v.note, published_at=v.published_at)
            for v in got.versions
        ],
    )
