"""Listings as pages for listers (landlords and agencies) and for the staff who review them: create and
correct a listing, verify it (every rule's result shown), publish, withdraw after a confirmation, print
its code and QR code; staff open a flagged listing and approve or reject it with a reason. Thin: parse,
call the listing use cases (the same as the REST routes), render or redirect."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from anju.core.errors import AnjuError, FieldError
from anju.rental import domain, listing_queries, listings
from anju.rental.http.deps import RentalHandle, RentalPublish
from anju.rental.http.form_fields import parse_int, yuan_field
from anju.security import Caller, SecurityDep, audited, set_audit_target
from anju.web.deps import PagingDep, SettingsDep, UowDep
from anju.web.forms import form_action, split_errors
from anju.web.templating import pager, render

router = APIRouter(include_in_schema=False)

Id = Annotated[int, Path(ge=1, le=2**62)]
Done = Annotated[str, Query(max_length=24)]
Field = Annotated[str, Form(max_length=40)]

FIELDS = (
    "house_code", "room_code", "title", "description", "area", "bedrooms", "living_rooms", "floor",
    "rent_yuan", "deposit_yuan", "photos",
)  # fmt: skip
#: A service's field → the form's.
ALIASES = {"rent_fen": "rent_yuan", "deposit_fen": "deposit_yuan"}
DONE = {
    "created": "房源已保存为草稿。请核验：核验通过后才能发布。",
    "updated": "修改已保存。请重新核验。",
    "verified": "核验通过，已生成房源核验码。可以发布了。",
    "flagged": "租金明显偏离指导价格，房源已转街道复核；复核通过后生成核验码。",
    "failed": "核验未通过，请按下表修改后重新核验。",
    "published": "房源已发布，公众可以搜索到它。",
    "withdrawn": "房源已下架。",
    "approved": "已复核通过，房源取得核验码。",
    "rejected": "已驳回，发布人可以修改后重新核验。",
}


# ---------------------------------------------------------------------------------------- listers


@router.get("/rental/me/listings", response_class=HTMLResponse)
def my_listings_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, paging: PagingDep
) -> HTMLResponse:
    with uow.read() as conn:
        page = listing_queries.my_listings(
            conn, caller, settings.rental_verify_code_days, status=None, limit=paging.page_size, offset=paging.offset
        )
    return render(
        request,
        "rental/listings_mine.html",
        items=page.items,
        total=page.total,
        pager=pager(page.total, paging.page, paging.page_size),
    )


def _form_page(
    request: Request,
    *,
    listing_id: int | None,
    values: dict[str, str],
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    errs, rest = split_errors(errors or [], FIELDS, ALIASES)
    return render(
        request,
        "rental/listings_form.html",
        status_code=status_code,
        listing_id=listing_id,
        values=values,
        errs=errs,
        errors=rest,
        message=message,
        min_photos=domain.MIN_PHOTOS,
    )


@router.get("/rental/me/listings/new", response_class=HTMLResponse)
def new_listing(
    request: Request, caller: RentalPublish, house_code: Annotated[str, Query(max_length=23)] = ""
) -> HTMLResponse:
    """The form of a new listing (a whole home, or one room of it)."""
    return _form_page(request, listing_id=None, values={"house_code": house_code, "photos": "0"})


def _command(form: dict[str, str], errors: list[FieldError]) -> listings.ListingIn:
    area: Decimal | None = None
    if form["area"].strip():
        try:
            area = Decimal(form["area"].strip())
        except InvalidOperation:
            errors.append(FieldError("area", "应为数字（平方米）"))
    floor_text = form["floor"].strip()
    floor: int | None = None
    if floor_text:
        try:
            floor = int(floor_text)
        except ValueError:
            errors.append(FieldError("floor", "应为整数（地下层为负数）"))
    return listings.ListingIn(
        house_code=form["house_code"].strip(),
        room_code=form["room_code"].strip() or None,
        title=form["title"],
        description=form["description"],
        area=area,
        bedrooms=parse_int(form["bedrooms"], "bedrooms", errors),
        living_rooms=parse_int(form["living_rooms"], "living_rooms", errors),
        floor=floor,
        rent_fen=yuan_field(form["rent_yuan"], "rent_yuan", errors, required=False),
        deposit_fen=yuan_field(form["deposit_yuan"], "deposit_yuan", errors, required=False),
        photos=parse_int(form["photos"], "photos", errors) or 0,
    )


def _save(request: Request, uow: UowDep, caller: Caller, listing_id: int | None, form: dict[str, str]) -> Response:
    errors: list[FieldError] = []
    cmd = _command(form, errors)
    if errors:
        return _form_page(request, listing_id=listing_id, values=form, errors=errors, status_code=422)

    def write() -> int:
        if listing_id is None:
            with audited(uow, caller, "rental.create_listing", "rental_listing") as conn:
                lid = listings.create_listing(conn, caller, cmd)
                set_audit_target(conn, lid)
            return lid
        with audited(uow, caller, "rental.update_listing", "rental_listing", listing_id) as conn:
            listings.update_listing(conn, caller, listing_id, cmd)
        return listing_id

    def again(e: AnjuError) -> Response:
        return _form_page(
            request, listing_id=listing_id, values=form, errors=e.errors, message=e.message, status_code=e.status_code
        )

    done = "created" if listing_id is None else "updated"
    return form_action(write, done=lambda lid: f"/rental/me/listings/{lid}?done={done}", again=again)


def _listing_form(
    house_code: Field = "",
    room_code: Field = "",
    title: Annotated[str, Form(max_length=200)] = "",
    description: Annotated[str, Form(max_length=8000)] = "",
    area: Field = "",
    bedrooms: Field = "",
    living_rooms: Field = "",
    floor: Field = "",
    rent_yuan: Field = "",
    deposit_yuan: Field = "",
    photos: Field = "0",
) -> dict[str, str]:
    """The listing form's fields as typed (both the new-listing and the edit form post them)."""
    return {
        "house_code": house_code, "room_code": room_code, "title": title, "description": description,
        "area": area, "bedrooms": bedrooms, "living_rooms": living_rooms, "floor": floor,
        "rent_yuan": rent_yuan, "deposit_yuan": deposit_yuan, "photos": photos,
    }  # fmt: skip


ListingForm = Annotated[dict[str, str], Depends(_listing_form)]


@router.post("/rental/me/listings/new", response_class=HTMLResponse)
def create_listing(request: Request, uow: UowDep, caller: RentalPublish, form: ListingForm) -> Response:
    """Save a new listing as a draft; every problem is shown beside its field and nothing is written."""
    return _save(request, uow, caller, None, form)


def _values_of(x: listing_queries.OwnListing) -> dict[str, str]:
    def text(v: Any) -> str:
        return "" if v is None else str(v)

    return {
        "house_code": x["house_code"], "room_code": text(x["room_code"]), "title": x["title"],
        "description": x["description"], "area": text(x["area"]), "bedrooms": text(x["bedrooms"]),
        "living_rooms": text(x["living_rooms"]), "floor": text(x["floor"]),
        "rent_yuan": "" if x["rent_fen"] is None else f"{x['rent_fen'] / 100:.2f}",
        "deposit_yuan": "" if x["deposit_fen"] is None else f"{x['deposit_fen'] / 100:.2f}",
        "photos": str(x["photos"]),
    }  # fmt: skip


@router.get("/rental/me/listings/{listing_id}/edit", response_class=HTMLResponse)
def edit_listing(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> HTMLResponse:
    with uow.read() as conn:
        x = listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
    if x["status"] not in (domain.ListingStatus.draft, domain.ListingStatus.rejected):
        refused = "只有草稿或复核未通过的房源可以修改"
        return _detail(request, uow, settings, caller, listing_id, message=refused, status_code=409)
    return _form_page(request, listing_id=listing_id, values=_values_of(x))


@router.post("/rental/me/listings/{listing_id}/edit", response_class=HTMLResponse)
def update_listing(request: Request, uow: UowDep, caller: RentalPublish, listing_id: Id, form: ListingForm) -> Response:
    return _save(request, uow, caller, listing_id, form)


def _detail(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: Caller,
    listing_id: int,
    *,
    done: str = "",
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        x = listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
    return render(
        request,
        "rental/listings_detail.html",
        status_code=status_code,
        x=x,
        titles=domain.LISTING_RULES,
        done=DONE.get(done),
        message=message,
        editable=x["status"] in (domain.ListingStatus.draft, domain.ListingStatus.rejected),
        verifiable=x["status"] == domain.ListingStatus.draft,
        publishable=x["status"] == domain.ListingStatus.verified,
        closable=x["status"] in (*domain.ACTIVE_LISTING, domain.ListingStatus.draft),
    )


@router.get("/rental/me/listings/{listing_id}", response_class=HTMLResponse)
def my_listing_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id, done: Done = ""
) -> HTMLResponse:
    """One listing with every verification rule and its result, what may be done next, and the QR code."""
    return _detail(request, uow, settings, caller, listing_id, done=done)


@router.post("/rental/me/listings/{listing_id}/verify", response_class=HTMLResponse)
def verify_listing(
    request: Request, uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> Response:
    """Run every rule; the results are stored whatever they are and shown on the listing's page."""

    def write() -> str:
        with audited(uow, caller, "rental.verify_listing", "rental_listing", listing_id) as conn:
            result = listings.verify(conn, sec.keyring, caller, listing_id, listings.Limits.of(settings))
        if result["status"] == domain.ListingStatus.verified:
            return "verified"
        return "flagged" if result["status"] == domain.ListingStatus.pending_review else "failed"

    def again(e: AnjuError) -> Response:
        return _detail(request, uow, settings, caller, listing_id, message=e.message, status_code=e.status_code)

    return form_action(write, done=lambda how: f"/rental/me/listings/{listing_id}?done={how}", again=again)


@router.post("/rental/me/listings/{listing_id}/publish", response_class=HTMLResponse)
def publish_listing(
    request: Request, uow: UowDep, sec: SecurityDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> Response:
    def write() -> None:
        with audited(uow, caller, "rental.publish_listing", "rental_listing", listing_id) as conn:
            listings.publish(conn, sec.keyring, caller, listing_id, listings.Limits.of(settings))

    def again(e: AnjuError) -> Response:
        return _detail(request, uow, settings, caller, listing_id, message=e.message, status_code=e.status_code)

    return form_action(write, done=f"/rental/me/listings/{listing_id}?done=published", again=again)


@router.get("/rental/me/listings/{listing_id}/withdraw", response_class=HTMLResponse)
def withdraw_confirm(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> HTMLResponse:
    """The confirmation before a listing is taken down."""
    with uow.read() as conn:
        x = listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
    return render(request, "rental/listings_withdraw.html", x=x)


@router.post("/rental/me/listings/{listing_id}/withdraw", response_class=HTMLResponse)
def withdraw_listing(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> Response:
    def write() -> None:
        with audited(uow, caller, "rental.withdraw_listing", "rental_listing", listing_id) as conn:
            listings.withdraw(conn, caller, listing_id)

    def again(e: AnjuError) -> Response:
        return _detail(request, uow, settings, caller, listing_id, message=e.message, status_code=e.status_code)

    return form_action(write, done=f"/rental/me/listings/{listing_id}?done=withdrawn", again=again)


@router.get("/rental/me/listings/{listing_id}/print", response_class=HTMLResponse)
def print_listing(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalPublish, listing_id: Id
) -> HTMLResponse:
    """A printable sheet of the verified facts with the code and its QR code (to post with the listing)."""
    with uow.read() as conn:
        x = listing_queries.my_listing(conn, caller, listing_id, settings.rental_verify_code_days)
    return render(request, "rental/listings_print.html", x=x)


# ------------------------------------------------------------------------------------------ staff


def _staff_detail(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: Caller,
    listing_id: int,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    errors: list[FieldError] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with uow.read() as conn:
        x = listing_queries.staff_listing(
            conn, scope=caller.scope, listing_id=listing_id, days=settings.rental_verify_code_days
        )
    errs, rest = split_errors(errors or [], ("action", "reason"))
    return render(
        request,
        "rental/listings_staff_detail.html",
        status_code=status_code,
        x=x,
        titles=domain.LISTING_RULES,
        done=DONE.get(done),
        values=values or {},
        errs=errs,
        errors=rest,
        message=message,
    )


@router.get("/rental/staff/listings/{listing_id}", response_class=HTMLResponse)
def staff_listing_page(
    request: Request, uow: UowDep, settings: SettingsDep, caller: RentalHandle, listing_id: Id, done: Done = ""
) -> HTMLResponse:
    """A listing of the caller's streets with its rule results; a flagged one gets the review form."""
    return _staff_detail(request, uow, settings, caller, listing_id, done=done)


@router.post("/rental/staff/listings/{listing_id}/review", response_class=HTMLResponse)
def review_listing(
    request: Request,
    uow: UowDep,
    settings: SettingsDep,
    caller: RentalHandle,
    listing_id: Id,
    action: Annotated[Literal["approve", "reject"], Form()],
    reason: Annotated[str, Form(max_length=400)] = "",
) -> Response:
    """Approve (the listing gets its code) or reject (a reason is required) a flagged listing."""

    def write() -> str:
        with audited(uow, caller, "rental.review_listing", "rental_listing", listing_id) as conn:
            return listings.review(conn, caller, listing_id, action == "approve", reason)

    def again(e: AnjuError) -> Response:
        return _staff_detail(
            request, uow, settings, caller, listing_id, values={"reason": reason}, errors=e.errors,
            message=e.message, status_code=e.status_code,
        )  # fmt: skip

    done = "approved" if action == "approve" else "rejected"
    return form_action(write, done=f"/rental/staff/listings/{listing_id}?done={done}", again=again)
