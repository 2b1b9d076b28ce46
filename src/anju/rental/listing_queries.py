"""Reading listings: the lister's own, the staff lists, the public check of a verification code and
the public search (index-tuned: ``ix_listings_search`` / ``ix_listings_geo``)."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, func, or_, select

from anju import divisions, registry
from anju.core import clock
from anju.core.errors import NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.rental import domain, listings
from anju.rental.home_flags import home_restrictions
from anju.rental.listings import effective_status, valid_until
from anju.rental.tables import rental_listing_events, rental_listings
from anju.security import Caller

ACTIVE = domain.ACTIVE_LISTING


# -------------------------------------------------------------------------------------------- reads


def _facts_cols() -> list[Any]:
    return [
        rental_listings,
        registry.homes.c.house_code,
        registry.buildings.c.name.label("building_name"),
        registry.buildings.c.floors_above,
        registry.estates.c.name.label("estate_name"),
    ]


def _joined() -> Any:
    return (
        rental_listings.join(registry.homes, registry.homes.c.id == rental_listings.c.home_id)
        .join(registry.buildings, registry.buildings.c.id == registry.homes.c.building_id)
        .join(registry.estates, registry.estates.c.id == registry.homes.c.estate_id)
    )


class PublicListing(TypedDict):
    """What anyone may see of a listing: no owner, no lister, no personal data."""

    id: int
    listing_no: str
    mode: str
    mode_label: str
    district_code: str
    district_name: str
    street_code: str
    street_name: str
    estate_name: str
    building_name: str
    title: str
    area: Decimal | None
    bedrooms: int | None
    living_rooms: int | None
    floor: int | None
    floors_above: int | None
    rent_fen: int | None
    deposit_fen: int | None
    status: str
    status_label: str
    valid_until: datetime | None
    published_at: datetime | None


class ListingView(PublicListing):
    """A listing as its lister and staff see it."""

    house_code: str
    description: str
    photos: int
    party_id: int | None
    lister_kind: str
    verify_code: str | None
    flags: list[str]
    verification: list[dict[str, Any]]  # the stored rule results (JSON: name, passed, reason)
    created_at: datetime
    verified_at: datetime | None
    closed_at: datetime | None


class OwnListing(ListingView):
    """One of the lister's listings, with the room's code (None for a whole home)."""

    room_code: str | None


class CodeCheck(PublicListing):
    """The public facts a verification code vouches for, and whether it is valid."""

    code: str
    valid: bool
    verified_at: datetime | None


class SearchHit(PublicListing):
    verify_code: str | None
    distance_m: int | None


def _public_out(r: Any, days: int, names: dict[str, str]) -> PublicListing:
    st = effective_status(r, days)
    return {
        "id": int(r.id),
        "listing_no": r.listing_no,
        "mode": r.mode,
        "mode_label": "分间出租" if r.mode == domain.ListingMode.room else "整租",
        "district_code": r.district_code,
        "district_name": names.get(r.district_code, r.district_code),
        "street_code": r.street_code,
        "street_name": names.get(r.street_code, r.street_code),
        "estate_name": r.estate_name,
        "building_name": r.building_name,
        "title": r.title,
        "area": r.area,
        "bedrooms": r.bedrooms,
        "living_rooms": r.living_rooms,
        "floor": r.floor,
        "floors_above": r.floors_above,
        "rent_fen": r.rent_fen,
        "deposit_fen": r.deposit_fen,
        "status": st,
        "status_label": domain.LISTING_STATUS_LABELS.get(domain.ListingStatus(st), st),
        "valid_until": valid_until(r, days) if r.verify_code else None,
        "published_at": r.published_at,
    }


def _out(r: Any, days: int, names: dict[str, str]) -> ListingView:
    out = _public_out(r, days, names)
    return {
        **out,
        "house_code": r.house_code,
        "description": r.description,
        "photos": int(r.photos),
        "party_id": r.party_id,
        "lister_kind": "party" if r.party_id is not None else "person",
        "verify_code": r.verify_code
        if out["status"] in (domain.ListingStatus.verified, domain.ListingStatus.published)
        else None,
        "flags": [x for x in r.flags.split(",") if x],
        "verification": json.loads(r.verification) if r.verification else [],
        "created_at": r.created_at,
        "verified_at": r.verified_at,
        "closed_at": r.closed_at,
    }


def my_listings(
    conn: Connection, caller: Caller, days: int, *, status: str | None, limit: int, offset: int
) -> Page[ListingView]:
    lister = listings.lister_of(conn, caller)
    mine = rental_listings.c.lister_account_id == lister.account_id
    if lister.party is not None:
        mine = or_(mine, rental_listings.c.party_id == lister.party.id)
    conds = [mine] + ([rental_listings.c.status == status] if status else [])
    stmt = select(*_facts_cols()).select_from(_joined()).where(*conds).order_by(rental_listings.c.id.desc())
    page = fetch_page(conn, stmt, limit=limit, offset=offset, count_stmt=select(rental_listings.c.id).where(*conds))
    names = divisions.names(conn, {r.street_code for r in page.items} | {r.district_code for r in page.items})
    return page.map(lambda r: _out(r, days, names))


def my_listing(conn: Connection, caller: Caller, listing_id: int, days: int) -> OwnListing:
    lister = listings.lister_of(conn, caller)
    listings.own_listing(conn, lister, listing_id)
    r = conn.execute(select(*_facts_cols()).select_from(_joined()).where(rental_listings.c.id == listing_id)).one()
    names = divisions.names(conn, {r.street_code, r.district_code})
    out = _out(r, days, names)
    room = None
    if r.room_id is not None:
        room = conn.execute(select(registry.rooms.c.room_code).where(registry.rooms.c.id == r.room_id)).scalar()
    return {**out, "room_code": room}


@dataclass(frozen=True)
class StaffFilter:
    status: str | None = None
    street: str | None = None
    lister_kind: str | None = None
    flagged: bool | None = None


def staff_list(
    conn: Connection, *, scope: Scope, f: StaffFilter, days: int, limit: int | None, offset: int = 0
) -> Page[ListingView]:
    conds: list[Any] = list(scope.where(rental_listings.c.street_code))
    if f.status:
        conds.append(rental_listings.c.status == f.status)
    if f.street:
        conds.append(rental_listings.c.street_code == f.street)
    if f.lister_kind == "party":
        conds.append(rental_listings.c.party_id.is_not(None))
    elif f.lister_kind == "person":
        conds.append(rental_listings.c.party_id.is_(None))
    if f.flagged is True:
        conds.append(rental_listings.c.flags != "")
    elif f.flagged is False:
        conds.append(rental_listings.c.flags == "")
    total = conn.execute(select(func.count()).select_from(rental_listings).where(*conds)).scalar_one()
    q = select(*_facts_cols()).select_from(_joined()).where(*conds).order_by(rental_listings.c.id.desc()).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    rows = conn.execute(q).all()
    names = divisions.names(conn, {r.street_code for r in rows} | {r.district_code for r in rows})
    return Page([_out(r, days, names) for r in rows], int(total))


def staff_listing(conn: Connection, *, scope: Scope, listing_id: int, days: int) -> ListingView:
    """One listing of a street in the caller's scope, as staff see it (rule results, flags)."""
    r = conn.execute(select(*_facts_cols()).select_from(_joined()).where(rental_listings.c.id == listing_id)).first()
    if r is None:
        raise NotFound(f"房源 {listing_id} 不存在")
    scope.require(r.street_code, f"房源 {listing_id} 不存在")
    return _out(r, days, divisions.names(conn, {r.street_code, r.district_code}))


def check_code(conn: Connection, code: str, days: int) -> CodeCheck:
    """The public facts a verification code vouches for (no owner, no lister, no personal data)."""
    norm = domain.normalise_verify_code(code)
    if norm is None:
        raise NotFound("核验码无效")
    r = conn.execute(select(*_facts_cols()).select_from(_joined()).where(rental_listings.c.verify_code == norm)).first()
    if r is None:
        raise NotFound("没有这个核验码")
    names = divisions.names(conn, {r.street_code, r.district_code})
    facts = _public_out(r, days, names)
    restricted = bool(home_restrictions(conn, [int(r.home_id)], clock.today()).get(int(r.home_id)))
    valid = facts["status"] in (domain.ListingStatus.verified, domain.ListingStatus.published) and not restricted
    out: CodeCheck = {**facts, "code": norm, "valid": valid, "verified_at": r.verified_at}
    if restricted and valid is False and out["status"] in ("verified", "published"):
        out["status"], out["status_label"] = "revoked", "核验码已失效（房屋存在限制）"
    return out


# ------------------------------------------------------------------------------------------- search


@dataclass(frozen=True)
class SearchIn:
    district: str | None = None
    street: str | None = None
    rent_min: int | None = None
    rent_max: int | None = None
    area_min: Decimal | None = None
    area_max: Decimal | None = None
    bedrooms: int | None = None
    mode: str | None = None
    near: str | None = None
    radius_m: int = 2000
    sort: str = "newest"  # newest | rent_asc | rent_desc | nearest


def resolve_address(conn: Connection, text: str) -> tuple[float, float] | None:
    """Coordinates of an address or house code: the register's search, the first building's centroid."""
    try:
        found = registry.search(conn, text, scope=Scope.whole_city(), limit=5)
    except ValidationError:
        return None
    for h in found["homes"]:
        b = conn.execute(
            select(registry.buildings.c.centroid_lon, registry.buildings.c.centroid_lat).where(
                registry.buildings.c.id == h["building_id"]
            )
        ).first()
        if b is not None and b[0] is not None:
            return float(b[0]), float(b[1])
    for bl in found["buildings"]:
        lon, lat = bl["centroid_lon"], bl["centroid_lat"]
        if lon is not None and lat is not None:
            return float(lon), float(lat)
    return None


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * 111_320.0 * math.cos(math.radians((lat1 + lat2) / 2))
    dy = (lat2 - lat1) * 110_540.0
    return math.hypot(dx, dy)


MAX_NEAR = 2000  # listings ranked by distance at most
COUNT_CAP = 10_000  # a search counts this many matches at most ("10000+")


class SearchResult(TypedDict):
    """One page of a public search: the matches (``total``, at most ``COUNT_CAP`` counted, then
    ``total_capped``), the centre of a "near" search and the sort actually applied."""

    total: int
    total_capped: bool
    items: list[SearchHit]
    center: tuple[float, float] | None
    sort: str


def _search_conditions(q: SearchIn, days: int) -> list[Any]:
    """The search's filters, status and validity first (the order the search indexes want)."""
    conds: list[Any] = [
        rental_listings.c.status == domain.ListingStatus.published.value,
        rental_listings.c.verified_at >= clock.now() - timedelta(days=days),
    ]
    if q.district:
        conds.append(rental_listings.c.district_code == q.district)
    if q.street:
        conds.append(rental_listings.c.street_code == q.street)
    if q.rent_min is not None:
        conds.append(rental_listings.c.rent_fen >= q.rent_min)
    if q.rent_max is not None:
        conds.append(rental_listings.c.rent_fen <= q.rent_max)
    if q.area_min is not None:
        conds.append(rental_listings.c.area >= q.area_min)
    if q.area_max is not None:
        conds.append(rental_listings.c.area <= q.area_max)
    if q.bedrooms is not None:
        conds.append(
            rental_listings.c.bedrooms >= q.bedrooms if q.bedrooms >= 4 else rental_listings.c.bedrooms == q.bedrooms
        )
    if q.mode:
        conds.append(rental_listings.c.mode == q.mode)
    return conds


def search(conn: Connection, q: SearchIn, days: int, *, limit: int, offset: int) -> SearchResult:
    """Published listings with a valid code, filtered and sorted; paginated. Index: ix_listings_search /
    ix_listings_geo (status first, then the filter columns)."""
    conds = _search_conditions(q, days)
    center = None
    if q.near:
        center = resolve_address(conn, q.near)
        if center is None:
            raise ValidationError.of("near", "找不到这个地址，请输入更完整的地址或房屋代码")
        dlat = q.radius_m / 110_540.0
        dlon = q.radius_m / (111_320.0 * math.cos(math.radians(center[1])))
        conds += [
            rental_listings.c.lon.between(center[0] - dlon, center[0] + dlon),
            rental_listings.c.lat.between(center[1] - dlat, center[1] + dlat),
        ]
    sort = q.sort if (q.sort != "nearest" or center is not None) else "newest"
    if sort == "nearest" and center is not None:
        # distance ranking in the process over the (bounded) bounding-box hits
        cand = conn.execute(
            select(rental_listings.c.id, rental_listings.c.lon, rental_listings.c.lat).where(*conds).limit(MAX_NEAR)
        ).all()
        ranked = sorted(cand, key=lambda x: (_distance_m(center[0], center[1], x.lon, x.lat), x.id))
        total, capped = len(ranked), len(ranked) >= MAX_NEAR
        page_ids = [x.id for x in ranked[offset : offset + limit]]
        rows_by = (
            {
                r.id: r
                for r in conn.execute(
                    select(*_facts_cols()).select_from(_joined()).where(rental_listings.c.id.in_(page_ids))
                )
            }
            if page_ids
            else {}
        )
        rows: list[Any] = [rows_by[i] for i in page_ids]
    else:
        orders: dict[str, list[Any]] = {
            "rent_asc": [rental_listings.c.rent_fen.asc(), rental_listings.c.id],
            "rent_desc": [rental_listings.c.rent_fen.desc(), rental_listings.c.id.desc()],
        }
        order = orders.get(sort, [rental_listings.c.published_at.desc(), rental_listings.c.id.desc()])
        # The count stops at COUNT_CAP (the answer says "more than"); count and ids come from the
        # search indexes alone, and only the page's rows are joined to the register.
        counted = select(rental_listings.c.id).where(*conds).limit(COUNT_CAP + 1).subquery()
        n = int(conn.execute(select(func.count()).select_from(counted)).scalar_one())
        capped, total = n > COUNT_CAP, min(n, COUNT_CAP)
        page_ids = (
            list(
                conn.execute(
                    select(rental_listings.c.id).where(*conds).order_by(*order).limit(limit).offset(offset)
                ).scalars()
            )
            if n
            else []
        )
        rows_by = (
            {
                r.id: r
                for r in conn.execute(
                    select(*_facts_cols()).select_from(_joined()).where(rental_listings.c.id.in_(page_ids))
                )
            }
            if page_ids
            else {}
        )
        rows = [rows_by[i] for i in page_ids]
    names = divisions.names(conn, {r.street_code for r in rows} | {r.district_code for r in rows})
    items: list[SearchHit] = []
    for r in rows:
        distance = round(_distance_m(center[0], center[1], r.lon, r.lat)) if center and r.lon else None
        items.append({**_public_out(r, days, names), "verify_code": r.verify_code, "distance_m": distance})
    return {"total": int(total), "total_capped": capped, "items": items, "center": center, "sort": sort}


def events(conn: Connection, listing_id: int) -> Iterator[Any]:
    yield from conn.execute(
        select(rental_listing_events)
        .where(rental_listing_events.c.listing_id == listing_id)
        .order_by(rental_listing_events.c.id)
    )
