"""Drafting, renewing and signing leases online (网签).

A lease is drafted by the landlord side (an owner, an entrusted agent, or an agency account acting for
its filed party) from a verified listing or directly on an owned home or room, then signed online by
both parties; :mod:`anju.rental.lease_filing` files it.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from anju.core import clock
from anju.core.errors import Conflict, FieldError, ValidationError
from anju.core.settings import Settings
from anju.registry import homes, rooms
from anju.rental import credit_checks, domain, leases, listings, parties
from anju.rental.domain import LeaseStatus
from anju.rental.leases import LeaseIn
from anju.rental.tables import rental_leases
from anju.security import Caller, Keyring, accounts, person_name, resident_id


def _unit_facts(conn: Connection, home_id: int, room_id: int | None, field_name: str) -> tuple[Any, Any | None]:
    """The home (and room) a lease lets: it must exist, be residential and in use; a room must be a
    living room of the home."""
    h = conn.execute(
        select(
            homes.c.id,
            homes.c.street_code,
            homes.c.district_code,
            homes.c.estate_id,
            homes.c.use,
            homes.c.status,
            homes.c.construction_area,
            homes.c.rooms,
            homes.c.address,
        ).where(homes.c.id == home_id)
    ).first()
    if h is None:
        raise ValidationError.of(field_name, "楼盘表中没有这套房屋")
    if h.use != "住宅":
        raise ValidationError.of(field_name, f"房屋用途为{h.use}，不是住宅，不能作为住房出租")
    if h.status != "使用":
        raise ValidationError.of(field_name, f"房屋状态为{h.status}，不在使用中")
    room = None
    if room_id is not None:
        room = conn.execute(select(rooms).where(rooms.c.id == room_id)).first()
        if room is None or room.home_id != home_id:
            raise ValidationError.of("room_id", "该房屋没有这个房间")
        if room.status != "in_use":
            raise ValidationError.of("room_id", "房间已不再使用")
        if any(word in room.name for word in domain.NON_LIVING_ROOMS):
            raise ValidationError.of("room_id", f"{room.name}不得作为居住空间出租")
    return h, room


def _checked_tenant(settings: Settings, cmd: LeaseIn) -> tuple[str, str]:
    """The tenant's resident ID and name, after every field of the draft is checked (all problems at
    once; nothing is written on error)."""
    errors: list[tuple[str, str]] = []
    try:
        tenant_id = resident_id(cmd.tenant_id_number, "tenant_id_number")
    except ValidationError as e:
        errors += [(x.field, x.reason) for x in e.errors]
        tenant_id = ""
    try:
        tenant_name = person_name(cmd.tenant_name, "tenant_name")
    except ValidationError as e:
        errors += [(x.field, x.reason) for x in e.errors]
        tenant_name = ""
    errors += domain.lease_problems(
        leases.limits(settings),
        start_on=cmd.start_on,
        end_on=cmd.end_on,
        rent_fen=cmd.rent_fen,
        deposit_fen=cmd.deposit_fen,
        occupants=cmd.occupants,
        payment_cycle=cmd.payment_cycle,
        use=cmd.use,
        extra_clauses=list(cmd.extra_clauses),
    )
    if cmd.listing_id is None and cmd.home_id is None:
        errors.append(("listing_id", "须指定已核验的房源，或自有房屋（home_id）"))
    leases.raise_problems(errors)
    return tenant_id, tenant_name


def _landlord(kr: Keyring, me: leases.Me) -> tuple[str, str, str]:
    """The landlord side as the lease records it: (kind, blind index, name)."""
    if me.party is not None:
        return "party", kr.blind_index(me.party.credit_code, "credit_code"), str(me.party.name)
    if me.id_bidx is None:
        raise ValidationError.of("landlord", "出租人账户尚未完成实名认证（我的账户 → 实名认证）")
    return "person", me.id_bidx, kr.decrypt(me.name_enc, "accounts.name")


def create_lease(conn: Connection, kr: Keyring, settings: Settings, caller: Caller, cmd: LeaseIn) -> int:
    """Draft a lease from the landlord side; every field is validated first, nothing is written on error."""
    today = clock.today()
    tenant_id, tenant_name = _checked_tenant(settings, cmd)

    me = leases.identify(conn, caller)
    if me.party is not None:
        parties.require_active_party(conn, me.party.id, "landlord")
        subject = credit_checks.party_subject(kr, me.party)
        credit_checks.require_credit(conn, credit_checks.LEASE_FILE, subject, "landlord", prefix="不能签约：")
    listing = None
    if cmd.listing_id is not None:
        listing = listings.listing_for_lease(conn, cmd.listing_id, settings.rental_verify_code_days)
        mine = listing.lister_account_id == me.account_id or (me.party is not None and listing.party_id == me.party.id)
        if not mine:
            raise ValidationError.of("listing_id", "只能就本人（本机构）发布的房源签约")
        if listing.status not in (domain.ListingStatus.verified, domain.ListingStatus.published):
            raise ValidationError.of("listing_id", "房源未通过核验或已下架，不能签约")
        home_id, room_id = int(listing.home_id), listing.room_id
    else:
        assert cmd.home_id is not None
        home_id, room_id = cmd.home_id, cmd.room_id
    h, room = _unit_facts(conn, home_id, room_id, "home_id")
    if not leases.may_let(conn, home_id, room_id, today, me=me, kr=kr):
        raise ValidationError.of(
            "listing_id" if listing is not None else "home_id", "出租方不是该房屋的产权人，也没有有效的委托"
        )
    found = leases.restrictions_on(conn, home_id, today)
    if found:
        raise ValidationError.of("home_id", "房屋受限，不能出租：" + "；".join(r.reason for r in found))

    tenant_bidx = kr.blind_index(tenant_id, "id_number")
    landlord_kind, landlord_bidx, landlord_name = _landlord(kr, me)
    if tenant_bidx in (me.id_bidx, landlord_bidx):
        raise ValidationError.of("tenant_id_number", "承租人不能是出租人本人")
    tenant_account_id = None
    if cmd.tenant_username:
        acc = conn.execute(
            select(accounts.c.id, accounts.c.id_number_bidx, accounts.c.name_bidx).where(
                accounts.c.username == cmd.tenant_username
            )
        ).first()
        # A verified identity (id_number_bidx is NULL until the real-name check) and the same name.
        if acc is None or acc.id_number_bidx != tenant_bidx or acc.name_bidx != kr.blind_index(tenant_name, "name"):
            raise ValidationError.of("tenant_username", "没有与承租人姓名、身份证号码相符的实名账户")
        tenant_account_id = int(acc.id)

    now = clock.now()
    area = (
        listing.area
        if listing is not None and listing.area is not None
        else (room.area if room else h.construction_area)
    )
    bedrooms = listing.bedrooms if listing is not None and listing.bedrooms else (1 if room else h.rooms)
    terms = {"extra_clauses": [c.strip() for c in cmd.extra_clauses]}
    lease_id = int(
        conn.execute(
            rental_leases.insert()
            .values(
                lease_no=domain.lease_no(today, secrets.token_hex(5)),
                filing_no=None,
                unit_key=domain.unit_key(home_id, room_id),
                home_id=home_id,
                room_id=room_id,
                listing_id=cmd.listing_id,
                district_code=h.district_code,
                street_code=h.street_code,
                landlord_kind=landlord_kind,
                landlord_account_id=me.account_id,
                landlord_party_id=me.party.id if me.party is not None else None,
                landlord_bidx=landlord_bidx,
                landlord_name_enc=kr.encrypt(landlord_name, "rental_leases.landlord_name"),
                tenant_account_id=tenant_account_id,
                tenant_bidx=tenant_bidx,
                tenant_name_enc=kr.encrypt(tenant_name, "rental_leases.tenant_name"),
                tenant_id_enc=kr.encrypt(tenant_id, "rental_leases.tenant_id"),
                start_on=cmd.start_on,
                end_on=cmd.end_on,
                rent_fen=cmd.rent_fen,
                payment_cycle=cmd.payment_cycle,
                deposit_fen=cmd.deposit_fen,
                area=area,
                bedrooms=bedrooms,
                use=cmd.use,
                occupants=cmd.occupants,
                terms=json.dumps(terms, ensure_ascii=False),
                status=LeaseStatus.draft,
                amendments=0,
                escrow_required=domain.lease_needs_escrow(
                    landlord_kind,
                    cmd.payment_cycle,
                    cmd.rent_fen,
                    cmd.deposit_fen,
                    settings.rental_escrow_rent_months,
                    settings.rental_escrow_deposit_months,
                ),
                created_at=now,
                updated_at=now,
            )
            .returning(rental_leases.c.id)
        ).scalar_one()
    )
    leases.record_event(conn, lease_id, "created", caller, {"listing_id": cmd.listing_id}, None, now)
    return lease_id


def renew_lease(
    conn: Connection,
    kr: Keyring,
    settings: Settings,
    caller: Caller,
    lease_id: int,
    *,
    end_on: date,
    rent_fen: int | None = None,
    deposit_fen: int | None = None,
    payment_cycle: str | None = None,
) -> int:
    """A new draft continuing a filed lease from the day after its end, between the same parties on the
    same unit (``renews_lease_id``); it is signed and filed like any lease."""
    old = leases.own_lease(conn, caller, lease_id)
    me = leases.identify(conn, caller)
    if leases.side_of(old, me) != "landlord":
        raise ValidationError.of("lease", "续租由出租方发起")
    if old.status not in (LeaseStatus.filed, LeaseStatus.expired):
        raise Conflict("只有已备案（或已期满）的合同可以续租", [FieldError("status", "合同未备案")])
    taken = conn.execute(
        select(rental_leases.c.id).where(
            rental_leases.c.renews_lease_id == old.id, rental_leases.c.status.not_in([LeaseStatus.cancelled])
        )
    ).first()
    if taken is not None:
        raise Conflict("该合同已有续租合同", [FieldError("lease", "已续租")])
    tenant_id = kr.decrypt(old.tenant_id_enc, "rental_leases.tenant_id")
    tenant_name = kr.decrypt(old.tenant_name_enc, "rental_leases.tenant_name")
    terms = json.loads(old.terms)
    cmd = LeaseIn(
        tenant_name=tenant_name,
        tenant_id_number=tenant_id,
        start_on=old.end_on + timedelta(days=1),
        end_on=end_on,
        rent_fen=old.rent_fen if rent_fen is None else rent_fen,
        deposit_fen=old.deposit_fen if deposit_fen is None else deposit_fen,
        payment_cycle=payment_cycle or old.payment_cycle,
        occupants=old.occupants,
        use=old.use,
        listing_id=None,
        home_id=int(old.home_id),
        room_id=old.room_id,
        extra_clauses=terms.get("extra_clauses", []),
    )
    new_id = create_lease(conn, kr, settings, caller, cmd)
    conn.execute(
        update(rental_leases)
        .where(rental_leases.c.id == new_id)
        .values(renews_lease_id=old.id, tenant_account_id=old.tenant_account_id)
    )
    return new_id


def sign(conn: Connection, caller: Caller, lease_id: int) -> str:
    """The caller signs the lease as the party it is; returns the new status."""
    lease = leases.own_lease(conn, caller, lease_id)
    me = leases.identify(conn, caller)
    side = leases.side_of(lease, me)
    if lease.status not in (LeaseStatus.draft, LeaseStatus.signing):
        raise Conflict("合同已签署完毕或已备案，不能再签署", [FieldError("status", "不可签署")])
    now = clock.now()
    values: dict[str, Any] = {"updated_at": now}
    if side == "landlord":
        if lease.landlord_account_id != me.account_id:
            raise ValidationError.of("lease", "出租方须由起草合同的账户签署")
        if lease.landlord_signed_at is not None:
            raise Conflict("出租方已签署", [FieldError("landlord", "已签署")])
        party = leases.require_active_landlord(conn, lease)
        if party is not None:  # 联合惩戒: the enterprise or agency letting
            subject = {lease.landlord_bidx: str(party.name)}
            credit_checks.require_credit(conn, credit_checks.LEASE_FILE, subject, "landlord", prefix="不能签约：")
        values["landlord_signed_at"] = now
        other = lease.tenant_signed_at
    else:
        if lease.tenant_signed_at is not None:
            raise Conflict("承租人已签署", [FieldError("tenant", "已签署")])
        if lease.tenant_account_id not in (None, me.account_id):
            raise ValidationError.of("tenant", "承租人须由合同指定的账户签署")
        values["tenant_signed_at"] = now
        values["tenant_account_id"] = me.account_id
        other = lease.landlord_signed_at
    status = LeaseStatus.signed if other is not None else LeaseStatus.signing
    values["status"] = status
    conn.execute(update(rental_leases).where(rental_leases.c.id == lease.id).values(**values))
    leases.record_event(conn, lease.id, "signed", caller, {"side": side}, None, now)
    return str(status)
