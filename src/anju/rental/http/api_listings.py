"""REST routes of listings (房源发布与核验): listers' own listings, staff review, public check and search.

A verification that fails is stored (the listing stays a draft with every rule's result) and answered
with 422 naming the failing rules (409 when the unit is already listed); thin: parse, call, shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

from anju.core import csvout
from anju.rental import listing_queries, listings
from anju.rental.http import schemas_listings
from anju.rental.http.deps import RentalHandle, RentalPublish
from anju.security import Public, SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.schemas import ERRORS, Page

router = APIRouter(responses=ERRORS)

Id = Annotated[int, Path(ge=1, le=2**62)]
StatusQ = Annotated[
    Literal["draft", "pending_review", "verified", "published", "withdrawn", "rejected", "expired", "leased"] | None,
    Query(description="房源状态"),
]


def verify_answer(result: listings.VerifyResult) -> schemas_listings.VerifyOut:
    return schemas_listings.VerifyOut(
        id=result["id"],
        status=result["status"],
        failed=result["failed"],
        flags=result["flags"],
        rules=[
            schemas_listings.RuleOut(name=r.name, title=r.title, passed=r.passed, reason=r.reason)
            for r in result["rules"]
        ],
        verify_code=result["verify_code"],
    )


# ---------------------------------------------------------------------------------------- listers


AreaQ = Annotated[Decimal | None, Query(ge=0, le=100000, decimal_places=2, description="面积（㎡，至多两位小数）")]


@router.get("/me/listings", operation_id="rental_my_listings")
def my_listings(
    uow: UowDep, settings: SettingsDep, caller: RentalPublish, paging: PagingDep, status: StatusQ = None
) -> Page[schemas_listings.ListingOut]:
    with uow.read() as conn:
        page = listing_queries.my_listings(
            conn, caller, settings.rental_verify_code_days, status=status, limit=paging.page_size, offset=paging.offset
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_listings.ListingOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


@router.post("/me/listings", status_code=201, operation_id="rental_create_listing")
def create_listing(
    uow: UowDep, settings: SettingsDep, caller: RentalPublish, body: schemas_listings.ListingIn
) -> schemas_listings.ListingOut:
    """Draft a listing of a register home (整租) or one of its rooms (分间)."""
    with audited(uow, caller, "rental.create_listing", "rental_listing") as conn:
        lid = listings.create_listing(conn, caller, body.command())
        set_audit_target(conn, lid)
    with uow.read() as conn:
        return schemas_listings.ListingOut(
            **listing_queries.my_listing(conn, caller, lid, settings.rental_verify_code_days)
        )


@router.get("/me/listings/{listing_id}", operation_id="rental_my_listing")
def my_listing(
    uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> schemas_listings.ListingOut:
    with uow.read() as conn:
        return schemas_listings.ListingOut(
            **listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
        )


@router.put("/me/listings/{listing_id}", operation_id="rental_update_listing")
def update_listing(
    uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id, body: schemas_listings.ListingIn
) -> schemas_listings.ListingOut:
    """Correct a draft (or rejected) listing; verify it again afterwards."""
    with audited(uow, caller, "rental.update_listing", "rental_listing", listing_id) as conn:
        listings.update_listing(conn, caller, listing_id, body.command())
    with uow.read() as conn:
        return schemas_listings.ListingOut(
            **listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
        )


@router.post("/me/listings/{listing_id}/verify", operation_id="rental_verify_listing")
def verify_listing(uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id) -> Any:
    """Run every verification rule. 200: verified (with its code) or pending_review (flagged); 422 (409
    when the unit is already listed): the failing rules, named; the results are stored either way."""
    with audited(uow, caller, "rental.verify_listing", "rental_listing", listing_id) as conn:
        result = listings.verify(conn, sec.keyring, caller, listing_id, listings.Limits.of(settings))
    out = verify_answer(result)
    if not out.failed or out.status != "draft":
        return out
    code = 409 if "unit_not_listed" in out.failed else 422
    rules = {r.name: r for r in out.rules}
    body = {
        "error": "conflict" if code == 409 else "validation",
        "message": "房源核验未通过：" + "、".join(out.failed),
        "errors": [{"field": n, "reason": rules[n].reason} for n in out.failed],
        "verification": jsonable_encoder(out),
    }
    return JSONResponse(body, status_code=code)


@router.post("/me/listings/{listing_id}/publish", operation_id="rental_publish_listing")
def publish_listing(
    uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> schemas_listings.StatusOut:
    """Publish a verified listing with a valid code whose party (or person) credit does not bar (409
    otherwise)."""
    with audited(uow, caller, "rental.publish_listing", "rental_listing", listing_id) as conn:
        listings.publish(conn, sec.keyring, caller, listing_id, listings.Limits.of(settings))
    return schemas_listings.StatusOut(id=listing_id, status="published")


@router.post("/me/listings/{listing_id}/withdraw", operation_id="rental_withdraw_listing")
def withdraw_listing(uow: UowDep, caller: RentalPublish, listing_id: Id) -> schemas_listings.StatusOut:
    with audited(uow, caller, "rental.withdraw_listing", "rental_listing", listing_id) as conn:
        listings.withdraw(conn, caller, listing_id)
    return schemas_listings.StatusOut(id=listing_id, status="withdrawn")


# ------------------------------------------------------------------------------------------ staff


def _filter(
    status: str | None, street: str | None, lister_kind: str | None, flagged: bool | None
) -> listing_queries.StaffFilter:
    return listing_queries.StaffFilter(status=status, street=street, lister_kind=lister_kind, flagged=flagged)


StreetQ = Annotated[str | None, Query(max_length=12, pattern=r"^\d*$")]
KindQ = Annotated[Literal["person", "party"] | None, Query(description="发布人类型")]


@router.get("/listings", operation_id="rental_staff_listings")
def staff_listings(
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalHandle,
    paging: PagingDep,
    status: StatusQ = None,
    street: StreetQ = None,
    lister_kind: KindQ = None,
    flagged: bool | None = None,
) -> Page[schemas_listings.ListingOut]:
    """Listings of the streets in the caller's scope (the review queue: status=pending_review)."""
    with uow.read() as conn:
        page = listing_queries.staff_list(
            conn,
            scope=caller.scope,
            f=_filter(status, street or None, lister_kind, flagged),
            days=settings.rental_verify_code_days,
            limit=paging.page_size,
            offset=paging.offset,
        )
        total, items = page.total, page.items
    return Page(
        items=[schemas_listings.ListingOut(**i) for i in items],
        total=total,
        page=paging.page,
        page_size=paging.page_size,
    )


CSV_COLS = (
    "listing_no",
    "house_code",
    "mode",
    "district_code",
    "street_code",
    "estate_name",
    "building_name",
    "area",
    "bedrooms",
    "floor",
    "rent_fen",
    "deposit_fen",
    "lister_kind",
    "status",
    "flags",
    "valid_until",
)


@router.get(
    "/listings.csv",
    operation_id="rental_staff_listings_csv",
    responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 带 BOM，不含个人信息"}},
)
def staff_listings_csv(
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalHandle,
    status: StatusQ = None,
    street: StreetQ = None,
    lister_kind: KindQ = None,
    flagged: bool | None = None,
) -> Response:
    with uow.read() as conn:
        page = listing_queries.staff_list(
            conn,
            scope=caller.scope,
            f=_filter(status, street or None, lister_kind, flagged),
            days=settings.rental_verify_code_days,
            limit=100_000,
        )
        items: list[Mapping[str, Any]] = list(page.items)  # the columns by name
    body = csvout.to_bytes(CSV_COLS, ([",".join(i[c]) if c == "flags" else i[c] for c in CSV_COLS] for i in items))
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="rental-listings.csv"'},
    )


@router.post("/listings/{listing_id}/review", operation_id="rental_review_listing")
def review_listing(
    uow: UowDep, caller: RentalHandle, listing_id: Id, body: schemas_listings.ReviewIn
) -> schemas_listings.StatusOut:
    """Approve (verified, with a code) or reject (with a reason) a listing flagged for review."""
    with audited(uow, caller, "rental.review_listing", "rental_listing", listing_id) as conn:
        status = listings.review(conn, caller, listing_id, body.action == "approve", body.reason)
    return schemas_listings.StatusOut(id=listing_id, status=status)


# ----------------------------------------------------------------------------------------- public


@router.get("/public/check/{code}", operation_id="rental_check_code")
def check_code(
    uow: UowDep, settings: SettingsDep, caller: Public, code: Annotated[str, Path(max_length=32)]
) -> schemas_listings.CheckOut:
    """Anyone checks a verification code (房源核验码) and sees the verified facts (no personal data)."""
    with uow.read() as conn:
        return schemas_listings.CheckOut(**listing_queries.check_code(conn, code, settings.rental_verify_code_days))


@router.get("/public/listings", operation_id="rental_search_listings")
def search_listings(
    uow: UowDep,
    settings: SettingsDep,
    caller: Public,
    paging: PagingDep,
    district: Annotated[str | None, Query(max_length=12, pattern=r"^\d*$")] = None,
    street: StreetQ = None,
    rent_min: Annotated[int | None, Query(ge=0, le=10**10, description="最低月租金（分）")] = None,
    rent_max: Annotated[int | None, Query(ge=0, le=10**10)] = None,
    area_min: AreaQ = None,
    area_max: AreaQ = None,
    bedrooms: Annotated[int | None, Query(ge=1, le=4, description="室数（4：4 室及以上）")] = None,
    mode: Annotated[Literal["whole", "room"] | None, Query()] = None,
    near: Annotated[str | None, Query(max_length=100, description="地址或房屋代码")] = None,
    radius_m: Annotated[int, Query(ge=100, le=20000)] = 2000,
    sort: Annotated[Literal["newest", "rent_asc", "rent_desc", "nearest"], Query()] = "newest",
) -> schemas_listings.SearchPage:
    """Published listings with a valid verification code, filtered, sorted and paginated."""
    q = listing_queries.SearchIn(
        district or None,
        street or None,
        rent_min,
        rent_max,
        area_min,
        area_max,
        bedrooms,
        mode,
        (near or "").strip() or None,
        radius_m,
        sort,
    )
    with uow.read() as conn:
        res = listing_queries.search(
            conn, q, settings.rental_verify_code_days, limit=paging.page_size, offset=paging.offset
        )
    return schemas_listings.SearchPage(
        items=[schemas_listings.PublicListing(**i) for i in res["items"]],
        total=res["total"],
        total_capped=res["total_capped"],
        page=paging.page,
        page_size=paging.page_size,
        center=res["center"],
        sort=res["sort"],
    )
