"""Homes: listing publication and verification (房源发布与核验).

A lister (a landlord, or agency staff acting for their filed party) drafts a listing of a register
home (整租) or of one room (分间). Verification gathers the facts set-wise (the home, its room, its
building, the owners, entrustments, restrictions, other active listings, the guidance range) and
feeds them to the pure rule list ``domain.verify_listing``; every result is stored. Passing gives a
verification code (房源核验码) valid ``rental_verify_code_days`` days; a rent far outside the guidance
range sends the listing to staff review instead. The database guard ``ux_listings_unit_active``
backs "one active listing per unit" under races.

Every step is a row of ``rental_listing_events`` (no personal values). Reading listings (the lister's
own, the staff lists, the public check and search) is :mod:`anju.rental.listing_queries`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from anju import registry
from anju.core import clock
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.registry import is_owner
from anju.rental import credit_checks, domain
from anju.rental.entrustments import valid_entrustment
from anju.rental.guidance import range_for
from anju.rental.home_flags import home_restrictions
from anju.rental.parties import party_for_account
from anju.rental.tables import rental_listing_events, rental_listings, rental_parties
from anju.security import Caller, Keyring, accounts

ACTIVE = domain.ACTIVE_LISTING


@dataclass(frozen=True)
class Limits:
    """The settings verification uses."""

    code_days: int
    max_rent_fen: int
    deposit_cap_months: int
    band_pct: int

    @classmethod
    def of(cls, settings: Any) -> Limits:
        return cls(
            settings.rental_verify_code_days,
            settings.rental_max_rent_fen,
            settings.rental_deposit_cap_months,
            settings.rental_guidance_band_pct,
        )


@dataclass(frozen=True)
class ListingIn:
    house_code: str
    room_code: str | None
    title: str
    description: str
    area: Decimal | None
    bedrooms: int | None
    living_rooms: int | None
    floor: int | None
    rent_fen: int | None
    deposit_fen: int | None
    photos: int


@dataclass(frozen=True)
class Lister:
    account_id: int
    id_bidx: str | None
    party: Any | None
    unverified: bool = False
    name_enc: bytes | None = None


# ------------------------------------------------------------------------------------------ helpers


def lister_of(conn: Connection, caller: Caller) -> Lister:
    if caller.account_id is None:
        raise ValidationError.of("account", "须登录")
    acct = conn.execute(select(accounts).where(accounts.c.id == caller.account_id)).first()
    if acct is None:
        raise NotFound("账户不存在")
    party = party_for_account(conn, int(acct.id)) if acct.org_code else None
    # Only a verified identity makes an owner (anju.security.realname): a declared number is ignored.
    unverified = acct.claimed_id_bidx is not None and acct.identity_verified_at is None
    return Lister(int(acct.id), acct.id_number_bidx, party, unverified, bytes(acct.name_enc))


def _event(conn: Connection, listing_id: int, kind: str, actor: int | None, **detail: Any) -> None:
    conn.execute(
        rental_listing_events.insert().values(
            listing_id=listing_id, kind=kind, at=clock.now(), actor_account_id=actor, detail=json.dumps(detail)
        )
    )


def _new_code() -> str:
    return domain.make_verify_code([secrets.randbelow(len(domain.CODE_ALPHABET)) for _ in range(domain.CODE_BODY)])


def _listing_no() -> str:
    return domain.listing_no(clock.to_local(clock.now()).date(), secrets.randbelow(10**10))


def valid_until(row: Any, days: int) -> datetime | None:
    return None if row.verified_at is None else domain.code_valid_until(row.verified_at, days)


def effective_status(row: Any, days: int, now: datetime | None = None) -> str:
    """The status as of now: a verified or published listing past its code's validity counts as expired."""
    if (
        row.status in (domain.ListingStatus.verified, domain.ListingStatus.published)
        and row.verified_at is not None
        and domain.code_valid_until(row.verified_at, days) < (now or clock.now())
    ):
        return domain.ListingStatus.expired.value
    return str(row.status)


def _unit(conn: Connection, cmd_house: str, room_code: str | None) -> tuple[Any, Any | None]:
    """The register home (and room) named by codes, or a field error (rule ``home_exists``)."""
    code = (cmd_house or "").strip().upper()
    home = conn.execute(select(registry.homes).where(registry.homes.c.house_code == code)).first()
    if home is None:
        raise ValidationError(
            "home_exists: 楼盘表中没有该房屋", [FieldError("house_code", "home_exists: 楼盘表中没有该房屋")]
        )
    room = None
    if room_code:
        rc = room_code.strip().upper()
        room = conn.execute(select(registry.rooms).where(registry.rooms.c.room_code == rc)).first()
        if room is None or room.home_id != home.id:
            raise ValidationError(
                "room_livable: 该房屋没有这个房间", [FieldError("room_code", "room_livable: 该房屋没有这个房间")]
            )
    return home, room


class _Values(TypedDict):
    """A listing's own columns, as the lister gave them (cleaned)."""

    title: str
    description: str
    area: Decimal | None
    bedrooms: int | None
    living_rooms: int | None
    floor: int | None
    rent_fen: int | None
    deposit_fen: int | None
    photos: int


class _CodeValues(TypedDict):
    verify_code: str
    verified_at: datetime


class VerifyResult(TypedDict):
    """The outcome of verifying a listing: its new status, the rules failed and flagged, every result."""

    id: int
    status: str
    failed: list[str]
    flags: list[str]
    rules: list[domain.RuleResult]
    verify_code: str | None


def _clean(cmd: ListingIn) -> _Values:
    errors: list[FieldError] = []
    title = " ".join((cmd.title or "").split())
    if not title:
        errors.append(FieldError("title", "不能为空"))
    elif len(title) > 100:
        errors.append(FieldError("title", "最长 100 个字符"))
    desc = (cmd.description or "").strip()
    if len(desc) > 4000:
        errors.append(FieldError("description", "最长 4000 个字符"))
    for name in ("bedrooms", "living_rooms"):
        v = getattr(cmd, name)
        if v is not None and not 0 <= v <= 20:
            errors.append(FieldError(name, "应在 0 至 20 之间"))
    if cmd.photos < 0 or cmd.photos > 100:
        errors.append(FieldError("photos", "应在 0 至 100 之间"))
    if cmd.area is not None and not (Decimal(0) < cmd.area < Decimal(100000)):
        errors.append(FieldError("area", "面积应大于 0 且小于 100000 平方米"))
    if errors:
        raise ValidationError("房源信息有误：" + "；".join(f"{e.field} {e.reason}" for e in errors), errors)
    return {
        "title": title,
        "description": desc,
        "area": cmd.area.quantize(Decimal("0.01")) if cmd.area is not None else None,
        "bedrooms": cmd.bedrooms,
        "living_rooms": cmd.living_rooms,
        "floor": cmd.floor,
        "rent_fen": cmd.rent_fen,
        "deposit_fen": cmd.deposit_fen,
        "photos": cmd.photos,
    }


def own_listing(conn: Connection, lister: Lister, listing_id: int) -> Any:
    row = conn.execute(select(rental_listings).where(rental_listings.c.id == listing_id)).first()
    mine = row is not None and (
        row.lister_account_id == lister.account_id or (lister.party is not None and row.party_id == lister.party.id)
    )
    if not mine:
        raise NotFound(f"房源 {listing_id} 不存在")
    return row


# ---------------------------------------------------------------------------------------- use cases


def create_listing(conn: Connection, caller: Caller, cmd: ListingIn) -> int:
    """A draft listing of a register home (or one of its rooms) by the caller (or the caller's party)."""
    lister = lister_of(conn, caller)
    values = _clean(cmd)
    home, room = _unit(conn, cmd.house_code, cmd.room_code)
    bld = conn.execute(
        select(
            registry.buildings.c.centroid_lon, registry.buildings.c.centroid_lat, registry.buildings.c.year_built
        ).where(registry.buildings.c.id == home.building_id)
    ).first()
    now = clock.now()
    lid = conn.execute(
        rental_listings.insert()
        .values(
            listing_no=_listing_no(),
            unit_key=domain.unit_key(home.id, room.id if room is not None else None),
            home_id=home.id,
            room_id=room.id if room is not None else None,
            mode=domain.ListingMode.room.value if room is not None else domain.ListingMode.whole.value,
            district_code=home.district_code,
            street_code=home.street_code,
            lister_account_id=lister.account_id,
            party_id=lister.party.id if lister.party is not None else None,
            owner_bidx=None,
            entrustment_id=None,
            **values,
            build_year=bld.year_built if bld else None,
            lon=bld.centroid_lon if bld else None,
            lat=bld.centroid_lat if bld else None,
            status=domain.ListingStatus.draft.value,
            active=None,
            verification=None,
            verify_code=None,
            flags="",
            created_at=now,
            updated_at=now,
        )
        .returning(rental_listings.c.id)
    ).scalar_one()
    _event(conn, int(lid), "created", caller.account_id, mode="room" if room is not None else "whole")
    return int(lid)


def update_listing(conn: Connection, caller: Caller, listing_id: int, cmd: ListingIn) -> None:
    """Correct a draft (or a rejected listing); its earlier verification results are cleared."""
    lister = lister_of(conn, caller)
    row = own_listing(conn, lister, listing_id)
    if row.status not in (domain.ListingStatus.draft, domain.ListingStatus.rejected):
        raise Conflict("只有草稿或复核未通过的房源可以修改", [FieldError("status", row.status)])
    values = _clean(cmd)
    home, room = _unit(conn, cmd.house_code, cmd.room_code)
    conn.execute(
        update(rental_listings)
        .where(rental_listings.c.id == listing_id)
        .values(
            **values,
            unit_key=domain.unit_key(home.id, room.id if room is not None else None),
            home_id=home.id,
            room_id=room.id if room is not None else None,
            mode=domain.ListingMode.room.value if room is not None else domain.ListingMode.whole.value,
            district_code=home.district_code,
            street_code=home.street_code,
            status=domain.ListingStatus.draft.value,
            verification=None,
            flags="",
            closed_at=None,
            updated_at=clock.now(),
        )
    )
    _event(conn, listing_id, "updated", caller.account_id)


def gather_facts(
    conn: Connection, kr: Keyring, row: Any, lister: Lister, limits: Limits, on: date
) -> tuple[domain.ListingFacts, str | None, int | None]:
    """The facts of one listing (a handful of indexed reads); also the owner bidx and entrustment id."""
    home = conn.execute(
        select(
            registry.homes.c.id,
            registry.homes.c.use,
            registry.homes.c.status,
            registry.homes.c.street_code,
            registry.buildings.c.floors_above,
            registry.buildings.c.floors_below,
        )
        .join(registry.buildings, registry.buildings.c.id == registry.homes.c.building_id)
        .where(registry.homes.c.id == row.home_id)
    ).first()
    room = None
    if row.room_id is not None:
        room = conn.execute(
            select(registry.rooms.c.home_id, registry.rooms.c.name, registry.rooms.c.status).where(
                registry.rooms.c.id == row.room_id
            )
        ).first()
    owner_bidx: str | None = None
    # A person owns by verified number and the register's name; an organisation by its credit code.
    named = (kr, kr.decrypt(lister.name_enc, "accounts.name")) if lister.name_enc else None
    candidates: list[tuple[str, Any]] = [(lister.id_bidx, named)] if lister.id_bidx else []
    if lister.party is not None:
        candidates.append((kr.blind_index(lister.party.credit_code, "credit_code"), None))
    for bidx, name in candidates:
        if is_owner(conn, int(row.home_id), bidx, on, named=name):
            owner_bidx = bidx
            break
    entrustment = None
    if owner_bidx is None:
        entrustment = valid_entrustment(
            conn,
            int(row.home_id),
            row.room_id,
            on,
            agent_account_id=lister.account_id,
            agent_party_id=lister.party.id if lister.party is not None else None,
        )
    restrictions = home_restrictions(conn, [int(row.home_id)], on).get(int(row.home_id), [])
    others = conn.execute(
        select(rental_listings.c.unit_key).where(
            rental_listings.c.home_id == row.home_id, rental_listings.c.active == 1, rental_listings.c.id != row.id
        )
    ).scalars()
    keys = set(others)
    other_active = row.unit_key in keys
    mode_conflict = bool(keys) and (row.mode == domain.ListingMode.whole or any(k.startswith("h") for k in keys))
    party_status: str | None = None
    if row.party_id is not None:
        party_status = conn.execute(select(rental_parties.c.status).where(rental_parties.c.id == row.party_id)).scalar()
        party_status = party_status or "missing"
    subjects = (
        credit_checks.party_subject(kr, lister.party)
        if lister.party is not None
        else credit_checks.person_subject(kr, lister.id_bidx, lister.name_enc)
    )
    guidance = None
    if home is not None and row.rent_fen:
        g = range_for(conn, home.street_code, domain.home_type(row.mode, row.bedrooms), on)
        guidance = (g[0], g[2]) if g else None
    facts = domain.ListingFacts(
        mode=row.mode,
        home_found=home is not None,
        home_use=home.use if home else None,
        home_status=home.status if home else None,
        room_found=row.room_id is None or (room is not None and room.home_id == row.home_id),
        room_status=room.status if room else None,
        room_name=room.name if room else None,
        lister_is_owner=owner_bidx is not None,
        lister_unverified=lister.unverified,
        has_entrustment=entrustment is not None,
        party_status=party_status,
        restrictions=tuple(f"{domain.FLAG_KINDS.get(x.kind, x.kind)}（{x.reason}）" for x in restrictions),
        other_active=other_active,
        mode_conflict=mode_conflict and not other_active,
        area=row.area,
        bedrooms=row.bedrooms,
        rent_fen=row.rent_fen,
        deposit_fen=row.deposit_fen,
        photos=int(row.photos),
        floor=row.floor,
        floors_above=home.floors_above if home else None,
        floors_below=home.floors_below if home else None,
        max_rent_fen=limits.max_rent_fen,
        deposit_cap_months=limits.deposit_cap_months,
        guidance=guidance,
        band_pct=limits.band_pct,
        credit_refusal=credit_checks.refusal(conn, credit_checks.LISTING_PUBLISH, subjects, on),
    )
    return facts, owner_bidx, (int(entrustment.id) if entrustment is not None else None)


def _results_json(results: list[domain.RuleResult]) -> str:
    return json.dumps([{"name": x.name, "passed": x.passed, "reason": x.reason} for x in results], ensure_ascii=False)


def _take_unit(conn: Connection, listing_id: int, values: dict[str, Any]) -> None:
    """Make the listing active: the unique index refuses a second active listing of the unit (409)."""
    try:
        with conn.begin_nested():
            conn.execute(update(rental_listings).where(rental_listings.c.id == listing_id).values(active=1, **values))
    except IntegrityError:
        raise Conflict(
            "unit_not_listed: 该房屋（房间）已有其他有效房源",
            [FieldError("unit_not_listed", "该房屋（房间）已有其他有效房源")],
        ) from None


def _write_first(conn: Connection, listing_id: int) -> None:
    """Start the transaction with a write, so that concurrent verifications queue (SQLite takes its
    write lock here and waits; a read first would make the later write fail on a stale snapshot)."""
    conn.execute(update(rental_listings).where(rental_listings.c.id == listing_id).values(updated_at=clock.now()))


def _code_values(now: datetime) -> _CodeValues:
    return {"verify_code": _new_code(), "verified_at": now}


def verify(conn: Connection, kr: Keyring, caller: Caller, listing_id: int, limits: Limits) -> VerifyResult:
    """Evaluate every rule and store the results; draft (failed), pending_review (flagged) or verified."""
    _write_first(conn, listing_id)
    lister = lister_of(conn, caller)
    row = own_listing(conn, lister, listing_id)
    if row.status not in (domain.ListingStatus.draft, domain.ListingStatus.rejected):
        raise Conflict("该房源已核验或已关闭，不能重复核验", [FieldError("status", row.status)])
    now = clock.now()
    facts, owner_bidx, entrustment_id = gather_facts(conn, kr, row, lister, limits, clock.today())
    results = domain.verify_listing(facts)
    status, flags = domain.listing_outcome(results)
    favour = None
    if status == domain.ListingStatus.pending_review and lister.party is not None:
        # 联合激励: a red-list enterprise's flagged listing is verified without staff review (flags kept)
        favour = credit_checks.skips_manual_review(conn, kr, lister.party)
        status = domain.ListingStatus.verified if favour is not None else status
    common = {
        "verification": _results_json(results),
        "owner_bidx": owner_bidx,
        "entrustment_id": entrustment_id,
        "flags": ",".join(flags),
        "updated_at": now,
        "closed_at": None,
    }
    code: _CodeValues | None = None
    if status == domain.ListingStatus.draft:
        conn.execute(
            update(rental_listings).where(rental_listings.c.id == listing_id).values(status=status.value, **common)
        )
    else:
        code = _code_values(now) if status == domain.ListingStatus.verified else None
        _take_unit(conn, listing_id, {"status": status.value, **common, **(code or {})})
    failed = [x.name for x in results if not x.passed]
    _event(
        conn,
        listing_id,
        "verified" if status != domain.ListingStatus.draft else "failed",
        caller.account_id,
        status=status.value,
        failed=failed,
    )
    if favour is not None:
        _event(conn, listing_id, "review_skipped", caller.account_id, rule=favour.rule, flags=flags)
    return {
        "id": listing_id,
        "status": status.value,
        "failed": failed,
        "flags": flags,
        "rules": results,
        "verify_code": code["verify_code"] if code is not None else row.verify_code,
    }


def publish(conn: Connection, kr: Keyring, caller: Caller, listing_id: int, limits: Limits) -> None:
    """Publish a verified listing whose code is still valid, whose home has not become restricted and
    whose party (a person's listing: the person) credit does not bar (联合惩戒)."""
    lister = lister_of(conn, caller)
    row = own_listing(conn, lister, listing_id)
    eff = effective_status(row, limits.code_days)
    if eff != domain.ListingStatus.verified:
        label = domain.LISTING_STATUS_LABELS.get(domain.ListingStatus(eff), eff)
        raise Conflict(f"只有已核验且核验码有效的房源可以发布（当前：{label}）", [FieldError("status", eff)])
    _require_unrestricted(conn, row)
    subjects = (
        credit_checks.party_subject(kr, lister.party)
        if row.party_id is not None and lister.party is not None
        else credit_checks.person_subject(kr, lister.id_bidx, lister.name_enc)
    )
    credit_checks.require_credit(
        conn, credit_checks.LISTING_PUBLISH, subjects, "lister_credit", prefix="lister_credit: 不能发布："
    )
    now = clock.now()
    conn.execute(
        update(rental_listings)
        .where(rental_listings.c.id == listing_id)
        .values(status=domain.ListingStatus.published.value, published_at=now, updated_at=now)
    )
    _event(conn, listing_id, "published", caller.account_id)


def _require_unrestricted(conn: Connection, row: Any) -> None:
    found = home_restrictions(conn, [int(row.home_id)], clock.today()).get(int(row.home_id), [])
    if found:
        raise Conflict(
            "home_unrestricted: 房屋存在限制，核验码已失效",
            [FieldError("home_unrestricted", "、".join(domain.FLAG_KINDS.get(x.kind, x.kind) for x in found))],
        )


def _close(conn: Connection, listing_id: int, status: domain.ListingStatus, actor: int | None, **detail: Any) -> None:
    now = clock.now()
    conn.execute(
        update(rental_listings)
        .where(rental_listings.c.id == listing_id)
        .values(status=status.value, active=None, closed_at=now, updated_at=now)
    )
    _event(conn, listing_id, status.value, actor, **detail)


def withdraw(conn: Connection, caller: Caller, listing_id: int) -> None:
    lister = lister_of(conn, caller)
    row = own_listing(conn, lister, listing_id)
    if row.status not in ACTIVE and row.status != domain.ListingStatus.draft:
        raise Conflict("该房源已关闭", [FieldError("status", row.status)])
    _close(conn, listing_id, domain.ListingStatus.withdrawn, caller.account_id)


def review(conn: Connection, caller: Caller, listing_id: int, approve: bool, reason: str | None) -> str:
    """Staff decide a flagged listing: approve (verified with a code) or reject (with a reason)."""
    row = conn.execute(select(rental_listings).where(rental_listings.c.id == listing_id)).first()
    if row is None:
        raise NotFound(f"房源 {listing_id} 不存在")
    caller.scope.require(row.street_code, f"房源 {listing_id} 不存在")
    if row.status != domain.ListingStatus.pending_review:
        raise Conflict("该房源不在待复核状态", [FieldError("status", row.status)])
    text = " ".join((reason or "").split())
    if len(text) > 200:
        raise ValidationError.of("reason", "最长 200 个字符")
    now = clock.now()
    if approve:
        conn.execute(
            update(rental_listings)
            .where(rental_listings.c.id == listing_id)
            .values(status=domain.ListingStatus.verified.value, updated_at=now, **_code_values(now))
        )
        _event(conn, listing_id, "approved", caller.account_id, reason=text)
        return domain.ListingStatus.verified.value
    if not text:
        raise ValidationError.of("reason", "驳回须说明理由")
    _close(conn, listing_id, domain.ListingStatus.rejected, caller.account_id, reason=text)
    return domain.ListingStatus.rejected.value


def expire(conn: Connection, days: int, now: datetime | None = None) -> int:
    """Close every verified or published listing whose code is past its validity (the daily job)."""
    cutoff = (now or clock.now()) - timedelta(days=days)
    ids = list(
        conn.execute(
            select(rental_listings.c.id).where(
                rental_listings.c.active == 1,
                rental_listings.c.status.in_(
                    [domain.ListingStatus.verified.value, domain.ListingStatus.published.value]
                ),
                rental_listings.c.verified_at < cutoff,
            )
        ).scalars()
    )
    for i in range(0, len(ids), 5000):
        chunk = ids[i : i + 5000]
        conn.execute(
            update(rental_listings)
            .where(rental_listings.c.id.in_(chunk))
            .values(
                status=domain.ListingStatus.expired.value, active=None, closed_at=clock.now(), updated_at=clock.now()
            )
        )
        conn.execute(
            rental_listing_events.insert(),
            [
                {"listing_id": x, "kind": "expired", "at": clock.now(), "actor_account_id": None, "detail": "{}"}
                for x in chunk
            ],
        )
    return len(ids)


# --------------------------------------------------------------------------------- for the leases


def listing_for_lease(conn: Connection, listing_id: int, code_days: int | None = None) -> Any:
    """The listing a lease is drafted on; it must be verified or published (and not expired)."""
    row = conn.execute(select(rental_listings).where(rental_listings.c.id == listing_id)).first()
    if row is None:
        raise ValidationError.of("listing_id", "房源不存在")
    status = effective_status(row, code_days) if code_days else row.status
    if status not in (domain.ListingStatus.verified, domain.ListingStatus.published):
        raise ValidationError.of("listing_id", "房源未通过核验、核验码已过期或已下架，不能签约")
    return row


def mark_leased(conn: Connection, listing_id: int, lease_id: int) -> None:
    """A lease was filed on the listing: it closes and its code no longer verifies (备案即注销核验码)."""
    _close(conn, listing_id, domain.ListingStatus.leased, None, lease_id=lease_id)
