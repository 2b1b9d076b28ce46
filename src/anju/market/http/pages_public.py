"""The public page of the published market figures (市场数据发布, ``/market/public``, anyone): the published
months, the latest in front with its tables and charts (``web/static/market-public.js``), each month's
figures and its earlier versions (corrections), CSV/JSON downloads. Only publications are read."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from anju.market import publication as pub
from anju.security import Public
from anju.web.deps import PagingDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

MonthP = Annotated[str, Path(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
VersionQ = Annotated[int | None, Query(ge=1, le=10_000)]


def _month_page(request: Request, got: pub.PublishedMonth, trend: list[pub.TrendPoint], **ctx: Any) -> HTMLResponse:
    f = got.publication.figures
    return render(
        request,
        "market/public.html",
        pub=got.publication,
        figures=f,
        versions=got.versions,
        trend=trend,
        data=jsonable_encoder({"figures": asdict(f), "trend": trend}),
        **ctx,
    )


@router.get("/market/public", response_class=HTMLResponse)
def public_page(request: Request, uow: UowDep, caller: Public, paging: PagingDep) -> HTMLResponse:
    """The published months; the latest month's figures in front."""
    with uow.read() as conn:
        months = pub.published_months(conn, limit=paging.page_size, offset=paging.offset)
        if not months.total:
            return render(request, "market/public.html", pub=None, months=[], pager=pager(0, 1, paging.page_size))
        latest = pub.published_months(conn, limit=1, offset=0).items[0]
        got = pub.published_month(conn, latest.month)
        trend = pub.city_trend(conn)
    return _month_page(
        request, got, trend, months=months.items, pager=pager(months.total, paging.page, paging.page_size), front=True
    )


@router.get("/market/public/{month}", response_class=HTMLResponse)
def public_month_page(
    request: Request, uow: UowDep, caller: Public, paging: PagingDep, month: MonthP, version: VersionQ = None
) -> HTMLResponse:
    """One published month (its current version, or an earlier one) with its versions."""
    with uow.read() as conn:
        got = pub.published_month(conn, month, version)
        months = pub.published_months(conn, limit=paging.page_size, offset=paging.offset)
        trend = pub.city_trend(conn)
    return _month_page(
        request, got, trend, months=months.items, pager=pager(months.total, paging.page, paging.page_size), front=False
    )
