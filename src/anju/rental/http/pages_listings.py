"""Pages of listings: the rental landing page, public search, the public check of a code (with its QR
code), the lister's own listings with every verification rule, and the staff list / review queue.
The lister's own listings and the staff review are pages of ``pages_my_listings``."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from anju import divisions
from anju.core.errors import AnjuError
from anju.rental import domain, listing_queries
from anju.rental.http import qr
from anju.rental.http.deps import RentalHandle
from anju.security import Public
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Code = Annotated[str, Path(max_length=32)]
Digits = Annotated[str | None, Query(pattern=r"^\d*$", max_length=12)]


@router.get("/rental", response_class=HTMLResponse)
def landing(request: Request, caller: Public) -> HTMLResponse:
    """住房租赁: search, check a code, and the links of each role."""
    return render(request, "rental/index.html")


@router.get("/rental/listings", response_class=HTMLResponse)
def search_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: Public,
    paging: PagingDep,
    district: Digits = None,
    street: Digits = None,
    rent_min_yuan: Annotated[str | None, Query(pattern=r"^\d{0,7}$")] = None,
    rent_max_yuan: Annotated[str | None, Query(pattern=r"^\d{0,7}$")] = None,
    area_min: Annotated[str | None, Query(pattern=r"^\d{0,5}$")] = None,
    area_max: Annotated[str | None, Query(pattern=r"^\d{0,5}$")] = None,
    bedrooms: Annotated[str | None, Query(pattern=r"^[1-4]?$")] = None,
    mode: Annotated[Literal["", "whole", "room"] | None, Query()] = None,
    near: Annotated[str | None, Query(max_length=100)] = None,
    sort: Annotated[Literal["newest", "rent_asc", "rent_desc", "nearest"], Query()] = "newest",
) -> HTMLResponse:
    q = listing_queries.SearchIn(
        district or None,
        street or None,
        int(rent_min_yuan) * 100 if rent_min_yuan else None,
        int(rent_max_yuan) * 100 if rent_max_yuan else None,
        Decimal(area_min) if area_min else None,
        Decimal(area_max) if area_max else None,
        int(bedrooms) if bedrooms else None,
        mode or None,
        (near or "").strip() or None,
        2000,
        sort,
    )
    error = None
    res: listing_queries.SearchResult = {"total": 0, "total_capped": False, "items": [], "center": None, "sort": sort}
    with uow.read() as conn:
        places = divisions.choices(conn)
        try:
            res = listing_queries.search(
                conn, q, settings.rental_verify_code_days, limit=paging.page_size, offset=paging.offset
            )
        except AnjuError as e:
            error = "；".join(x.reason for x in e.errors) or e.message
    total = res["total"]
    return render(
        request,
        "rental/listings_search.html",
        items=res["items"],
        total=total,
        capped=res["total_capped"],
        pager=pager(total, paging.page, paging.page_size),
        f=request.query_params,
        error=error,
        places=places,
    )


@router.get("/rental/check", response_class=HTMLResponse)
def check_form(request: Request, caller: Public, code: Annotated[str, Query(max_length=32)] = "") -> Response:
    """The landing page's check box: on to the check page of the code typed in."""
    norm = domain.normalise_verify_code(code)
    if norm is None:
        return render(request, "error.html", status_code=404, code=404, message="核验码无效，请核对后重新输入")
    return RedirectResponse(qr.check_path(norm), status_code=303)


@router.get("/rental/check/{code}", response_class=HTMLResponse)
def check_page(request: Request, uow: UowDep, settings: SettingsDep, caller: Public, code: Code) -> HTMLResponse:
    """The public check of a verification code (房源核验): the verified facts, no personal data."""
    with uow.read() as conn:
        facts = listing_queries.check_code(conn, code, settings.rental_verify_code_days)
    return render(request, "rental/listings_check.html", x=facts)


@router.get("/rental/check/{code}/qr.svg")
def check_qr(request: Request, caller: Public, code: Code) -> Response:
    """The QR code pointing to the check page of ``code``."""
    norm = domain.normalise_verify_code(code)
    if norm is None:
        return Response("核验码无效", status_code=404, media_type="text/plain; charset=utf-8")
    url = str(request.base_url).rstrip("/") + qr.check_path(norm)
    return Response(qr.svg(url), media_type="image/svg+xml", headers={"cache-control": "public, max-age=86400"})


@router.get("/rental/staff/listings", response_class=HTMLResponse)
def staff_page(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalHandle,
    paging: PagingDep,
    status: Annotated[str | None, Query(pattern=r"^[a-z_]{0,16}$")] = None,
    street: Digits = None,
    lister_kind: Annotated[Literal["", "person", "party"] | None, Query()] = None,
    flagged: Annotated[Literal["", "1", "0"] | None, Query()] = None,
) -> HTMLResponse:
    """Listings in the caller's streets; status=pending_review is the review queue."""
    f = listing_queries.StaffFilter(
        status or None, street or None, lister_kind or None, None if not flagged else flagged == "1"
    )
    with uow.read() as conn:
        places = [
            {**d, "streets": [x for x in d["streets"] if caller.scope.allows(x["code"])]}
            for d in divisions.choices(conn)
        ]
        page = listing_queries.staff_list(
            conn,
            scope=caller.scope,
            f=f,
            days=settings.rental_verify_code_days,
            limit=paging.page_size,
            offset=paging.offset,
        )
        total, items = page.total, page.items
    return render(
        request,
        "rental/listings_staff.html",
        items=items,
        total=total,
        pager=pager(total, paging.page, paging.page_size),
        f=request.query_params,
        places=[d for d in places if d["streets"]],
        statuses=domain.LISTING_STATUS_LABELS,
    )
