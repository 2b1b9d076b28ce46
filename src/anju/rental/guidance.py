"""Guidance rents (租赁指导价格): the edition in force, computing and publishing editions, reading them,
and the flags of leases and listings whose rent lies far outside the range.

``range_for`` is what listing verification and lease filing ask: the guidance range of a unit's
street and home type in the edition in force. The statistical model is :mod:`anju.rental.guidance_model`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import BigInteger, ColumnElement, Connection, and_, case, func, or_, select, type_coerce

from anju import divisions
from anju.core import clock
from anju.core.errors import Conflict, NotFound, ValidationError
from anju.core.paging import Page, fetch_page
from anju.core.scope import Scope
from anju.rental import domain
from anju.rental.guidance_model import MIN_STREET_LEASES, compute, home_type_sql, read_leases, street_districts
from anju.rental.tables import (
    rental_guidance_editions,
    rental_guidance_rents,
    rental_leases,
    rental_listings,
)


class Edition(TypedDict):
    """An edition of guidance rents as listed."""

    id: int
    edition_no: str
    status: str
    status_label: str
    period_start: date
    period_end: date
    effective_from: date | None
    leases_used: int
    computed_at: datetime
    published_at: datetime | None


class EditionDetail(Edition):
    """An edition with its method (free-form JSON: formula, coefficients, fit, …) and its number of ranges."""

    method: dict[str, Any]
    ranges: int


class GuidanceRent(TypedDict):
    """One guidance range of an edition (fen per m² per month)."""

    district_code: str
    district_name: str
    street_code: str
    street_name: str
    home_type: str
    low_fen_m2: int
    mid_fen_m2: int
    high_fen_m2: int
    leases: int
    basis: str


class RentFlag(TypedDict):
    """A filed lease or active listing whose rent per m² lies outside the guidance band."""

    kind: str
    id: int
    number: str | None
    district_code: str
    street_code: str
    home_type: str
    rent_fen: int
    area: Decimal
    rent_fen_m2: int
    low_fen_m2: int
    mid_fen_m2: int
    high_fen_m2: int
    direction: str


# ---------------------------------------------------------------------------------------- in force


def range_for(conn: Connection, street_code: str, home_type: str, on: date) -> tuple[int, int, int, str] | None:
    """(low, mid, high fen per m² per month, edition number) in force on ``on``; None if none is published."""
    row = conn.execute(
        select(
            rental_guidance_rents.c.low_fen_m2,
            rental_guidance_rents.c.mid_fen_m2,
            rental_guidance_rents.c.high_fen_m2,
            rental_guidance_editions.c.edition_no,
        )
        .join(rental_guidance_editions, rental_guidance_editions.c.id == rental_guidance_rents.c.edition_id)
        .where(
            rental_guidance_editions.c.status == "published",
            rental_guidance_editions.c.effective_from <= on,
            rental_guidance_rents.c.street_code == street_code,
            rental_guidance_rents.c.home_type == home_type,
        )
        .order_by(rental_guidance_editions.c.effective_from.desc(), rental_guidance_editions.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]), str(row[3]))


def current_edition_id(conn: Connection, on: date | None = None) -> int | None:
    """The published edition in force on ``on`` (default today), or None."""
    row = conn.execute(
        select(rental_guidance_editions.c.id)
        .where(
            rental_guidance_editions.c.status == "published",
            rental_guidance_editions.c.effective_from <= (on or clock.today()),
        )
        .order_by(rental_guidance_editions.c.effective_from.desc(), rental_guidance_editions.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else int(row[0])


# ------------------------------------------------------------------------------------------ editions


def check_period(until: date | None, months: int) -> tuple[date, date]:
    """The computation period (start, end) of ``months`` months up to ``until`` (today); refused with the
    field and the reason when out of range (also what a page checks before it starts the job)."""
    if not 1 <= months <= 36:
        raise ValidationError.of("months", "测算期应为 1 到 36 个月")
    end = until or clock.today()
    if end > clock.today():
        raise ValidationError.of("until", "测算截止日不能晚于今天")
    y, m = divmod(end.year * 12 + end.month - 1 - months, 12)
    if y < 1:  # e.g. until 0001-01-01: the period would start before the calendar does
        raise ValidationError.of("until", "测算截止日过早：测算期不能早于公元 1 年")
    import calendar

    start = date(y, m + 1, min(end.day, calendar.monthrange(y, m + 1)[1])) + timedelta(days=1)
    return start, end


def compute_edition(
    conn: Connection,
    *,
    until: date | None = None,
    months: int = 12,
    by: int | None = None,
    min_street_leases: int = MIN_STREET_LEASES,
) -> EditionDetail:
    """Compute a draft edition from the leases filed in the ``months`` months up to ``until`` and
    store it with its method and every range (the caller's transaction)."""
    start, end = check_period(until, months)
    started = time.perf_counter()
    data = read_leases(conn, start, end)
    read_s = time.perf_counter() - started
    result = compute(data, street_districts(conn), min_street_leases=min_street_leases)
    result.method["seconds"] = {"read": round(read_s, 2), "total": round(time.perf_counter() - started, 2)}
    result.method["period"] = {"start": start.isoformat(), "end": end.isoformat(), "months": months}
    prefix = f"ZD{end:%Y%m%d}-"
    seq = conn.execute(
        select(func.count()).where(rental_guidance_editions.c.edition_no.like(prefix + "%"))
    ).scalar_one()
    now = clock.now()
    edition_id = int(
        conn.execute(
            rental_guidance_editions.insert()
            .values(
                edition_no=f"{prefix}{int(seq) + 1:02d}",
                period_start=start,
                period_end=end,
                effective_from=None,
                method=json.dumps(result.method, ensure_ascii=False),
                leases_used=result.n,
                status="draft",
                computed_at=now,
                computed_by=by,
                published_at=None,
                published_by=None,
            )
            .returning(rental_guidance_editions.c.id)
        ).scalar_one()
    )
    if result.ranges:
        conn.execute(
            rental_guidance_rents.insert(),
            [
                {
                    "edition_id": edition_id,
                    "district_code": r.district_code,
                    "street_code": r.street_code,
                    "home_type": r.home_type,
                    "low_fen_m2": r.low,
                    "mid_fen_m2": r.mid,
                    "high_fen_m2": r.high,
                    "leases": r.leases,
                    "basis": r.basis,
                }
                for r in result.ranges
            ],
        )
    return get_edition(conn, edition_id, staff=True)


def publish(conn: Connection, edition_id: int, *, by: int | None, effective_from: date | None = None) -> EditionDetail:
    """Put a draft edition in force from ``effective_from`` (default today); the edition in force so
    far becomes superseded (and is kept)."""
    row = conn.execute(
        select(rental_guidance_editions.c.status, rental_guidance_editions.c.period_end)
        .where(rental_guidance_editions.c.id == edition_id)
        .with_for_update()
    ).first()
    if row is None:
        raise NotFound("没有这个指导租金版本")
    if row.status != "draft":
        raise Conflict("只能发布草稿状态的版本（已发布或已被替代的版本不能再次发布）")
    on = effective_from or clock.today()
    if on < row.period_end:
        raise ValidationError.of("effective_from", "生效日期不能早于测算期截止日")
    now = clock.now()
    conn.execute(
        rental_guidance_editions.update()
        .where(rental_guidance_editions.c.status == "published")
        .values(status="superseded")
    )
    done = conn.execute(
        rental_guidance_editions.update()
        .where(rental_guidance_editions.c.id == edition_id, rental_guidance_editions.c.status == "draft")
        .values(status="published", effective_from=on, published_at=now, published_by=by)
    )
    if done.rowcount != 1:
        raise Conflict("该版本已被他人发布，请刷新后查看")
    return get_edition(conn, edition_id, staff=True)


def find_edition(conn: Connection, edition: str) -> int | None:
    """The id of an edition named by its number (or its id)."""
    cond: ColumnElement[bool] = rental_guidance_editions.c.edition_no == edition
    if edition.isdigit():
        cond = or_(cond, rental_guidance_editions.c.id == int(edition))
    found = conn.execute(
        select(rental_guidance_editions.c.id).where(cond).order_by(rental_guidance_editions.c.id).limit(1)
    ).scalar()
    return None if found is None else int(found)


_PUBLIC_STATUSES = ("published", "superseded")


def _edition_out(r: Any) -> Edition:
    return {
        "id": int(r.id),
        "edition_no": r.edition_no,
        "status": r.status,
        "status_label": domain.EDITION_STATUS_LABELS.get(r.status, r.status),
        "period_start": r.period_start,
        "period_end": r.period_end,
        "effective_from": r.effective_from,
        "leases_used": int(r.leases_used),
        "computed_at": r.computed_at,
        "published_at": r.published_at,
    }


def list_editions(conn: Connection, *, staff: bool, offset: int = 0, limit: int = 50) -> Page[Edition]:
    """Editions, newest first: published and superseded ones for everyone, drafts for staff."""
    cond = [] if staff else [rental_guidance_editions.c.status.in_(_PUBLIC_STATUSES)]
    stmt = select(rental_guidance_editions).where(*cond).order_by(rental_guidance_editions.c.id.desc())
    return fetch_page(conn, stmt, limit=limit, offset=offset, row=_edition_out)


def get_edition(conn: Connection, edition_id: int, *, staff: bool) -> EditionDetail:
    """One edition with its method; a draft is "not found" for the public."""
    r = conn.execute(select(rental_guidance_editions).where(rental_guidance_editions.c.id == edition_id)).first()
    if r is None or (not staff and r.status not in _PUBLIC_STATUSES):
        raise NotFound("没有这个指导租金版本")
    n_ranges = conn.execute(
        select(func.count()).select_from(rental_guidance_rents).where(rental_guidance_rents.c.edition_id == edition_id)
    ).scalar_one()
    return {**_edition_out(r), "method": json.loads(r.method), "ranges": int(n_ranges)}


def rents(
    conn: Connection,
    *,
    edition_id: int | None = None,
    staff: bool = False,
    district: str | None = None,
    street: str | None = None,
    home_type: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[EditionDetail | None, Page[GuidanceRent]]:
    """(the edition, a page of its ranges): by default the edition in force today."""
    if home_type is not None and home_type not in domain.HOME_TYPES:
        raise ValidationError.of("home_type", f"房屋类型应为 {'、'.join(domain.HOME_TYPES)} 之一")
    if edition_id is None:
        edition_id = current_edition_id(conn)
        if edition_id is None:
            return None, Page([], 0)
    edition = get_edition(conn, edition_id, staff=staff)
    cond = [rental_guidance_rents.c.edition_id == edition_id]
    if district:
        cond.append(rental_guidance_rents.c.district_code == district)
    if street:
        cond.append(rental_guidance_rents.c.street_code == street)
    if home_type:
        cond.append(rental_guidance_rents.c.home_type == home_type)
    total = conn.execute(select(func.count()).select_from(rental_guidance_rents).where(*cond)).scalar_one()
    order = case({t: i for i, t in enumerate(domain.HOME_TYPES)}, value=rental_guidance_rents.c.home_type)
    rows = conn.execute(
        select(rental_guidance_rents)
        .where(*cond)
        .order_by(rental_guidance_rents.c.district_code, rental_guidance_rents.c.street_code, order)
        .offset(offset)
        .limit(limit)
    ).all()
    names = divisions.names(conn, {x.street_code for x in rows} | {x.district_code for x in rows})
    items: list[GuidanceRent] = [
        {
            "district_code": x.district_code,
            "district_name": names.get(x.district_code, x.district_code),
            "street_code": x.street_code,
            "street_name": names.get(x.street_code, x.street_code),
            "home_type": x.home_type,
            "low_fen_m2": int(x.low_fen_m2),
            "mid_fen_m2": int(x.mid_fen_m2),
            "high_fen_m2": int(x.high_fen_m2),
            "leases": int(x.leases),
            "basis": x.basis,
        }
        for x in rows
    ]
    return edition, Page(items, int(total))


# -------------------------------------------------------------------------------------------- flags


def flags(
    conn: Connection,
    *,
    scope: Scope,
    band_pct: int,
    kind: str = "lease",
    district: str | None = None,
    on: date | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[str | None, Page[RentFlag]]:
    """Active filed leases (``kind`` lease) or active listings (``listing``) in the caller's scope
    whose rent per m² lies more than ``band_pct`` % outside the guidance range in force: (edition
    number, a page of them). The test is integer arithmetic in SQL (``domain.outside_band`` multiplied
    out by the area), so it is exact and needs no per-row round trip."""
    if kind not in ("lease", "listing"):
        raise ValidationError.of("kind", "应为 lease（租赁合同）或 listing（房源）")
    edition_id = current_edition_id(conn, on)
    if edition_id is None:
        return None, Page([], 0)
    edition_no = conn.execute(
        select(rental_guidance_editions.c.edition_no).where(rental_guidance_editions.c.id == edition_id)
    ).scalar_one()
    if kind == "lease":
        table = rental_leases
        htype = home_type_sql(table.c.room_id, table.c.bedrooms)
        number = table.c.filing_no
        active: list[ColumnElement[bool]] = [table.c.status == domain.LeaseStatus.filed.value]
    else:
        table = rental_listings
        htype = home_type_sql(table.c.room_id, table.c.bedrooms, table.c.mode)
        number = table.c.listing_no
        active = [table.c.active == 1]
    area_raw = type_coerce(table.c.area, BigInteger)
    # rent_m2 = rent_fen * 100 / area_raw;  rent_m2 * 100 < low * (100 - band)  ⇔  …
    scaled = table.c.rent_fen * 10_000
    below = scaled < rental_guidance_rents.c.low_fen_m2 * (100 - band_pct) * area_raw
    above = scaled > rental_guidance_rents.c.high_fen_m2 * (100 + band_pct) * area_raw
    cond = [
        *active,
        *scope.where(table.c.street_code),
        table.c.rent_fen.is_not(None),
        area_raw > 0,
        or_(below, above),
    ]
    if district:
        cond.append(table.c.district_code == district)
    join = table.join(
        rental_guidance_rents,
        and_(
            rental_guidance_rents.c.edition_id == edition_id,
            rental_guidance_rents.c.street_code == table.c.street_code,
            rental_guidance_rents.c.home_type == htype,
        ),
    )
    total = conn.execute(select(func.count()).select_from(join).where(*cond)).scalar_one()
    rows = conn.execute(
        select(
            table.c.id,
            number.label("number"),
            table.c.district_code,
            table.c.street_code,
            htype.label("home_type"),
            table.c.rent_fen,
            table.c.area,
            rental_guidance_rents.c.low_fen_m2,
            rental_guidance_rents.c.mid_fen_m2,
            rental_guidance_rents.c.high_fen_m2,
        )
        .select_from(join)
        .where(*cond)
        .order_by(table.c.id)
        .offset(offset)
        .limit(limit)
    ).all()
    items: list[RentFlag] = []
    for x in rows:
        rent_m2 = round(int(x.rent_fen) / float(x.area))
        items.append(
            {
                "kind": kind,
                "id": int(x.id),
                "number": x.number,
                "district_code": x.district_code,
                "street_code": x.street_code,
                "home_type": x.home_type,
                "rent_fen": int(x.rent_fen),
                "area": x.area,
                "rent_fen_m2": rent_m2,
                "low_fen_m2": int(x.low_fen_m2),
                "mid_fen_m2": int(x.mid_fen_m2),
                "high_fen_m2": int(x.high_fen_m2),
                "direction": "below"
                if int(x.rent_fen) * 10_000 < int(x.low_fen_m2) * (100 - band_pct) * _raw(x.area)
                else "above",
            }
        )
    return str(edition_no), Page(items, int(total))


def _raw(area: Any) -> int:
    return int(area * 100)  # Decimal m² with two places → the stored integer hundredths


def ranges_of(conn: Connection, edition_id: int) -> Sequence[Any]:
    """Every range of an edition (tests, benchmarks)."""
    return conn.execute(
        select(rental_guidance_rents)
        .where(rental_guidance_rents.c.edition_id == edition_id)
        .order_by(rental_guidance_rents.c.street_code, rental_guidance_rents.c.home_type)
    ).all()
