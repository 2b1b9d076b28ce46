"""Leases: online signing and filing (网签备案), renewal, amendment, termination, cancellation, expiry.

A lease is drafted by the landlord side (an owner, an entrusted agent, or an agency account acting for
its filed party) from a verified listing or directly on an owned home or room, signed online by both
parties and then filed. Filing takes the home's lock row in ``rental_units`` with a write as the
first statement of its transaction (``INSERT … ON CONFLICT DO NOTHING`` then ``UPDATE … SET filings =
filings + 1``), so filings of any unit of one home — the whole home or any of its rooms — run one
after another on SQLite and PostgreSQL alike and the "no two active filed leases overlap" check
cannot race. Every change of a filed lease is appended to the verifiable log ``rental`` inside its
own transaction and recorded as a ``rental_lease_events`` row with its leaf index.

Personal values (names, resident IDs) are stored encrypted with blind indexes and only ever shown
masked.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, String, bindparam, cast, func, literal, or_, select, update

from anju import divisions as div
from anju import ledger
from anju.core import clock
from anju.core.db import insert_row
from anju.core.dialect import counting_upsert
from anju.core.errors import Conflict, FieldError, NotFound, ValidationError
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.core.types import IdType
from anju.registry import estates, homes, rooms
from anju.rental import domain, escrow, idempotency, listings, parties
from anju.rental.tables import (
    rental_lease_events,
    rental_leases,
    rental_parties,
    rental_units,
)
from anju.security import Caller, Keyring, accounts, mask_id, mask_name, person_name, resident_id

LOG = "rental"
FILE_OPERATION = "lease.file"
S = domain.LeaseStatus
#: Statuses whose term occupies the unit (a terminated lease up to its ``ended_on``).
OCCUPYING = (S.filed, S.terminated, S.expired)
#: Leases the parties can still act on before filing.
UNFILED = (S.draft, S.signing, S.signed)
L = rental_leases


# --------------------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class LeaseIn:
    """A new lease drafted by the landlord side: on a listing, or directly on a home (or one room)."""

    tenant_name: str
    tenant_id_number: str
    start_on: date
    end_on: date
    rent_fen: int
    deposit_fen: int
    payment_cycle: str = "monthly"
    occupants: int = 1
    use: str = "居住"
    listing_id: int | None = None
    home_id: int | None = None
    room_id: int | None = None
    tenant_username: str | None = None
    extra_clauses: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class AmendIn:
    """A change of a filed lease's rent, end date or extra clauses (both parties must agree)."""

    rent_fen: int | None = None
    end_on: date | None = None
    extra_clauses: Sequence[str] | None = None
    effective_on: date | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rent_fen": self.rent_fen,
            "end_on": self.end_on.isoformat() if self.end_on else None,
            "extra_clauses": list(self.extra_clauses) if self.extra_clauses is not None else None,
            "effective_on": self.effective_on.isoformat() if self.effective_on else None,
        }


@dataclass(frozen=True)
class Me:
    """Who the caller is, as the lease rules need it."""

    account_id: int
    id_bidx: str | None
    name_enc: bytes
    party: Any | None  # the filed party an agency account works for


def limits(settings: Settings) -> domain.LeaseLimits:
    return domain.LeaseLimits(
        settings.rental_max_term_months, settings.rental_max_rent_fen, settings.rental_deposit_cap_months
    )


def _me(conn: Connection, caller: Caller) -> Me:
    if caller.account_id is None:
        raise NotFound("租赁合同不存在")
    row = conn.execute(_ME, {"account_id": caller.account_id}).one()
    party = parties.party_for_account(conn, caller.account_id) if row.org_code else None
    return Me(caller.account_id, row.id_number_bidx, bytes(row.name_enc), party)


def _problems(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ValidationError("；".join(f"{f}: {r}" for f, r in errors), [FieldError(f, r) for f, r in errors])


# ------------------------------------------------------------------------------------ listings (adapter)


def _listing_for_lease(conn: Connection, listing_id: int, code_days: int) -> Any:
    """The verified (or published, unexpired) listing a lease is drafted on (listings section)."""
    return listings.listing_for_lease(conn, listing_id, code_days)


def _mark_leased(conn: Connection, listing_id: int, lease_id: int) -> None:
    """Close the listing the filed lease was drafted on (listings section: its code stops verifying)."""
    listings.mark_leased(conn, listing_id, lease_id)


# ------------------------------------------------------------------------------------------ drafting


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


def _authority(
    conn: Connection, home_id: int, room_id: int | None, on: date, *, me: Me | None, lease: Any = None
) -> bool:
    """Whether the landlord side may let the unit on ``on``: it owns the home, or holds an entrustment
    in force from its owner (an individual agent's, or its party's)."""
    if lease is not None:
        owner_bidx, account_id, party_id = lease.landlord_bidx, lease.landlord_account_id, lease.landlord_party_id
    else:
        assert me is not None
        party_id = me.party.id if me.party is not None else None
        owner_bidx = me.id_bidx if party_id is None else None
        account_id = me.account_id
    if owner_bidx and parties.is_owner(conn, home_id, owner_bidx, on):
        return True
    return (
        parties.valid_entrustment(
            conn,
            home_id,
            room_id,
            on,
            agent_account_id=account_id if party_id is None else None,
            agent_party_id=party_id,
        )
        is not None
    )


def _restricted(conn: Connection, home_id: int, on: date) -> list[domain.Restriction]:
    return parties.home_restrictions(conn, [home_id], on).get(home_id, [])


def create_lease(conn: Connection, kr: Keyring, settings: Settings, caller: Caller, cmd: LeaseIn) -> int:
    """Draft a lease from the landlord side; every field is validated first, nothing is written on error."""
    today = clock.today()
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
        limits(settings),
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
    _problems(errors)

    me = _me(conn, caller)
    if me.party is not None:
        parties.require_active_party(conn, me.party.id, "landlord")
    listing = None
    if cmd.listing_id is not None:
        listing = _listing_for_lease(conn, cmd.listing_id, settings.rental_verify_code_days)
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
    if not _authority(conn, home_id, room_id, today, me=me):
        raise ValidationError.of(
            "listing_id" if listing is not None else "home_id", "出租方不是该房屋的产权人，也没有有效的委托"
        )
    found = _restricted(conn, home_id, today)
    if found:
        raise ValidationError.of("home_id", "房屋受限，不能出租：" + "；".join(r.reason for r in found))

    tenant_bidx = kr.blind_index(tenant_id, "id_number")
    if me.party is not None:
        landlord_kind, landlord_bidx = "party", kr.blind_index(me.party.credit_code, "credit_code")
        landlord_name = str(me.party.name)
    else:
        if me.id_bidx is None:
            raise ValidationError.of("landlord", "出租人账户未实名登记居民身份证号码")
        landlord_kind, landlord_bidx = "person", me.id_bidx
        landlord_name = kr.decrypt(me.name_enc, "accounts.name")
    if tenant_bidx in (me.id_bidx, landlord_bidx):
        raise ValidationError.of("tenant_id_number", "承租人不能是出租人本人")
    tenant_account_id = None
    if cmd.tenant_username:
        acc = conn.execute(
            select(accounts.c.id, accounts.c.id_number_bidx).where(accounts.c.username == cmd.tenant_username)
        ).first()
        if acc is None or acc.id_number_bidx != tenant_bidx:
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
            L.insert()
            .values(
                lease_no=f"HT{today:%Y%m%d}{secrets.token_hex(5).upper()}",
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
                status=S.draft,
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
            .returning(L.c.id)
        ).scalar_one()
    )
    _event(conn, lease_id, "created", caller, {"listing_id": cmd.listing_id}, None, now)
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
    old = _own_lease(conn, caller, lease_id)
    me = _me(conn, caller)
    if _side(old, me) != "landlord":
        raise ValidationError.of("lease", "续租由出租方发起")
    if old.status not in (S.filed, S.expired):
        raise Conflict("只有已备案（或已期满）的合同可以续租", [FieldError("status", "合同未备案")])
    taken = conn.execute(select(L.c.id).where(L.c.renews_lease_id == old.id, L.c.status.not_in([S.cancelled]))).first()
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
        update(L).where(L.c.id == new_id).values(renews_lease_id=old.id, tenant_account_id=old.tenant_account_id)
    )
    return new_id


# -------------------------------------------------------------------------------------------- signing


def _side(lease: Any, me: Me) -> str | None:
    if lease.landlord_account_id == me.account_id or (
        me.party is not None and lease.landlord_party_id is not None and lease.landlord_party_id == me.party.id
    ):
        return "landlord"
    if lease.tenant_account_id == me.account_id or (me.id_bidx is not None and lease.tenant_bidx == me.id_bidx):
        return "tenant"
    return None


def _own_lease(conn: Connection, caller: Caller, lease_id: int) -> Any:
    row = conn.execute(_LEASE, {"lease_id": lease_id}).first()
    if row is not None and row.landlord_account_id == caller.account_id:
        return row  # the drafting account: the landlord side, without reading the account
    if row is None or _side(row, _me(conn, caller)) is None:
        raise NotFound("租赁合同不存在")
    return row


def _active_landlord(conn: Connection, lease: Any) -> None:
    if lease.landlord_party_id is not None:
        parties.require_active_party(conn, int(lease.landlord_party_id), "landlord")


def sign(conn: Connection, caller: Caller, lease_id: int) -> str:
    """The caller signs the lease as the party it is; returns the new status."""
    lease = _own_lease(conn, caller, lease_id)
    me = _me(conn, caller)
    side = _side(lease, me)
    if lease.status not in (S.draft, S.signing):
        raise Conflict("合同已签署完毕或已备案，不能再签署", [FieldError("status", "不可签署")])
    now = clock.now()
    values: dict[str, Any] = {"updated_at": now}
    if side == "landlord":
        if lease.landlord_account_id != me.account_id:
            raise ValidationError.of("lease", "出租方须由起草合同的账户签署")
        if lease.landlord_signed_at is not None:
            raise Conflict("出租方已签署", [FieldError("landlord", "已签署")])
        _active_landlord(conn, lease)
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
    status = S.signed if other is not None else S.signing
    values["status"] = status
    conn.execute(update(L).where(L.c.id == lease.id).values(**values))
    _event(conn, lease.id, "signed", caller, {"side": side}, None, now)
    return str(status)


# -------------------------------------------------------------------------------------------- filing


# The statements of signing and filing, built once and executed with named parameters: at hundreds
# of filings a second, building and cache-keying SQLAlchemy statements anew for every request would
# cost more than the database's own work.
_ME = select(accounts.c.id_number_bidx, accounts.c.name_enc, accounts.c.org_code).where(
    accounts.c.id == bindparam("account_id")
)
_LEASE = select(L).where(L.c.id == bindparam("lease_id"))
_HOME_KEY = literal("h", String) + cast(L.c.home_id, String)  # ``h<home id>`` of the lease's home
#: Take the lock row of the lease's home (created on first use): a write first, before any read.
_LOCK_HOME = counting_upsert(
    rental_units,
    select(_HOME_KEY, L.c.home_id, literal(None, IdType).label("room_id"), literal(1, BigInteger)).where(
        L.c.id == bindparam("lease_id")
    ),
    "filings",
)


def _overlap_statement(room: bool) -> Any:
    """An occupying lease of the same home that overlaps in time: for a room, the same room or the
    whole home; for the whole home, any lease of the home."""
    conditions = [
        L.c.home_id == bindparam("home_id"),
        L.c.id != bindparam("lease_id"),
        L.c.status.in_(OCCUPYING),
        L.c.start_on <= bindparam("end_on"),
        func.coalesce(L.c.ended_on, L.c.end_on) >= bindparam("start_on", type_=L.c.start_on.type),
    ]
    if room:
        conditions.append(or_(L.c.unit_key == bindparam("unit_key"), L.c.unit_key == bindparam("home_unit_key")))
    return select(L.c.id, L.c.filing_no, L.c.start_on, L.c.end_on).where(*conditions).limit(1)


_OVERLAP = {False: _overlap_statement(False), True: _overlap_statement(True)}
_FILE = (
    update(L)
    .where(L.c.id == bindparam("lease_id"), L.c.status == S.signed)
    .values(status=S.filed, filing_no=bindparam("new_filing_no"), filed_at=bindparam("at"), updated_at=bindparam("at"))
    .returning(*L.c)
)
_EVENT = rental_lease_events.insert()


def _lock_home(conn: Connection, lease_id: int) -> None:
    """Take the lock row of the lease's home: a write first (``rental_units``), before any read."""
    conn.execute(_LOCK_HOME(conn), {"lease_id": lease_id})


def _overlapping(conn: Connection, lease: Any, start_on: date, end_on: date) -> Any | None:
    """An occupying lease of the same home that overlaps in time: the same room, or the whole home
    against any room (and a room against the whole home)."""
    params: dict[str, Any] = {"home_id": lease.home_id, "lease_id": lease.id, "start_on": start_on, "end_on": end_on}
    if lease.room_id is not None:
        params |= {"unit_key": lease.unit_key, "home_unit_key": domain.unit_key(int(lease.home_id), None)}
    return conn.execute(_OVERLAP[lease.room_id is not None], params).first()


def file_lease(
    conn: Connection,
    settings: Settings,
    caller: Caller,
    lease_id: int,
    key: str,
    body: dict[str, Any] | None = None,
) -> idempotency.Stored:
    """File a lease both parties signed: a unique filing number, the listing closed, escrow opened, the
    event in the verifiable log — all in the caller's one transaction. Idempotent by ``key``."""
    assert caller.account_id is not None
    digest = idempotency.request_hash(FILE_OPERATION, lease_id, body or {})
    _lock_home(conn, lease_id)  # the first statement is a write: filings of one home serialise here
    lease = _own_lease(conn, caller, lease_id)
    if lease.status != S.signed:
        # A replay that raced its original past the route's read finds the lease filed: the stored
        # answer is the answer. (A key reused for another lease fails at ``remember`` below.)
        stored = idempotency.lookup(conn, caller.account_id, key, FILE_OPERATION, digest)
        if stored is not None:
            return stored
    if lease.status == S.filed:
        raise Conflict(f"合同已备案（备案编号 {lease.filing_no}）", [FieldError("status", "已备案")])
    if lease.status != S.signed:
        raise Conflict("双方签署后才能备案", [FieldError("status", "未完成签署")])
    today = clock.today()
    _active_landlord(conn, lease)
    if not _authority(conn, int(lease.home_id), lease.room_id, today, me=None, lease=lease):
        raise Conflict("出租方已不是产权人或委托已失效，不能备案", [FieldError("landlord", "无出租权")])
    found = _restricted(conn, int(lease.home_id), today)
    if found:
        raise Conflict("房屋受限，不能备案：" + "；".join(r.reason for r in found), [FieldError("home_id", "房屋受限")])
    clash = _overlapping(conn, lease, lease.start_on, lease.end_on)
    if clash is not None:
        raise Conflict(
            f"同一房屋（房间）在 {clash.start_on}–{clash.end_on} 已有备案合同 {clash.filing_no}，租期重叠",
            [FieldError("start_on", "与已备案合同租期重叠")],
        )
    now = clock.now()
    filing_no = f"BA{today:%Y}{lease.id:09d}{secrets.randbelow(10_000):04d}"
    filed = conn.execute(_FILE, {"lease_id": lease.id, "new_filing_no": filing_no, "at": now}).one()
    if lease.listing_id is not None:
        _mark_leased(conn, int(lease.listing_id), int(lease.id))
    escrow.on_lease_filed(conn, settings, filed)
    detail: dict[str, Any] = {"renews": None}
    if lease.renews_lease_id is not None:
        old_no = conn.execute(select(L.c.filing_no).where(L.c.id == lease.renews_lease_id)).scalar()
        detail["renews"] = old_no
    idx = _log(conn, "filed", filed, now, detail)
    _event(conn, lease.id, "filed", caller, {"filing_no": filing_no, **detail}, idx, now)
    if lease.renews_lease_id is not None:
        _event(conn, int(lease.renews_lease_id), "renewed", caller, {"by": filing_no}, idx, now)
    answer = {
        "id": int(lease.id),
        "lease_no": lease.lease_no,
        "filing_no": filing_no,
        "status": str(S.filed),
        "filed_at": now.isoformat(),
        "ledger_index": idx,
    }
    idempotency.remember(conn, caller.account_id, key, FILE_OPERATION, digest, 200, answer)
    return idempotency.Stored(200, answer)


def file_or_replay(conn: Connection, settings: Settings, caller: Caller, lease_id: int, key: str) -> idempotency.Stored:
    """A filing as one job of a group commit (``audited_grouped``): the stored answer if ``key`` was
    used for this request before (``replayed``: the job writes nothing), else ``file_lease``."""
    assert caller.account_id is not None
    digest = idempotency.request_hash(FILE_OPERATION, lease_id, {})
    stored = idempotency.lookup(conn, caller.account_id, key, FILE_OPERATION, digest)
    return stored if stored is not None else file_lease(conn, settings, caller, lease_id, key)


def _entry(kind: str, lease: Any, at: datetime, detail: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "type": f"rental.lease.{kind}",
            "filing_no": lease.filing_no,
            "lease_no": lease.lease_no,
            "unit": lease.unit_key,
            "street": lease.street_code,
            "start_on": lease.start_on.isoformat(),
            "end_on": lease.end_on.isoformat(),
            "rent_fen": int(lease.rent_fen),
            "deposit_fen": int(lease.deposit_fen),
            "landlord": lease.landlord_bidx,
            "tenant": lease.tenant_bidx,
            "at": at.isoformat(),
            **detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    ).encode()


def _log(conn: Connection, kind: str, lease: Any, at: datetime, detail: dict[str, Any]) -> int:
    return ledger.append(conn, LOG, [_entry(kind, lease, at, detail)])


def _event(
    conn: Connection,
    lease_id: int,
    kind: str,
    caller: Caller | None,
    detail: dict[str, Any],
    ledger_index: int | None,
    at: datetime,
) -> None:
    insert_row(
        conn,
        _EVENT,
        {
            "lease_id": lease_id,
            "kind": kind,
            "at": at,
            "actor_account_id": caller.account_id if caller is not None else None,
            "detail": json.dumps(detail, ensure_ascii=False, default=str),
            "ledger_index": ledger_index,
        },
    )


# ------------------------------------------------------------------------------- changes after filing


def _filed_for_change(conn: Connection, caller: Caller, lease_id: int) -> tuple[Any, str]:
    _lock_home(conn, lease_id)
    lease = _own_lease(conn, caller, lease_id)
    if lease.status != S.filed:
        raise Conflict("只有已备案的合同可以办理此项", [FieldError("status", "合同未备案或已终止")])
    side = _side(lease, _me(conn, caller))
    assert side is not None
    return lease, side


def amend(conn: Connection, settings: Settings, caller: Caller, lease_id: int, cmd: AmendIn) -> str:
    """Propose a change (one party) or agree to the other party's identical proposal (the change is
    made: ``amendments`` + 1, an event, a ledger entry). Returns ``proposed`` or ``amended``."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    if cmd.rent_fen is None and cmd.end_on is None and cmd.extra_clauses is None:
        raise ValidationError.of("rent_fen", "至少变更一项：租金、租期结束日期或补充条款")
    terms = json.loads(lease.terms)
    new_rent = lease.rent_fen if cmd.rent_fen is None else cmd.rent_fen
    new_end = lease.end_on if cmd.end_on is None else cmd.end_on
    clauses = terms.get("extra_clauses", []) if cmd.extra_clauses is None else list(cmd.extra_clauses)
    _problems(
        domain.lease_problems(
            limits(settings),
            start_on=lease.start_on,
            end_on=new_end,
            rent_fen=new_rent,
            deposit_fen=lease.deposit_fen,
            occupants=lease.occupants,
            payment_cycle=lease.payment_cycle,
            use=lease.use,
            extra_clauses=clauses,
        )
    )
    if cmd.effective_on is not None and not lease.start_on <= cmd.effective_on <= new_end:
        raise ValidationError.of("effective_on", "变更生效日期应在租期内")
    if new_end > lease.end_on:
        clash = _overlapping(conn, lease, lease.end_on + timedelta(days=1), new_end)
        if clash is not None:
            raise Conflict(f"延长后与已备案合同 {clash.filing_no} 租期重叠", [FieldError("end_on", "租期重叠")])
    now = clock.now()
    proposal = {"by": side, "change": cmd.as_dict(), "at": now.isoformat()}
    pending = terms.get("pending_amendment")
    if pending is None or pending["by"] == side or pending["change"] != proposal["change"]:
        terms["pending_amendment"] = proposal
        conn.execute(
            update(L).where(L.c.id == lease.id).values(terms=json.dumps(terms, ensure_ascii=False), updated_at=now)
        )
        _event(conn, lease.id, "proposed", caller, {"side": side, "change": proposal["change"]}, None, now)
        return "proposed"
    terms.pop("pending_amendment")
    terms["extra_clauses"] = clauses
    history = terms.setdefault("amendment_history", [])
    history.append({"no": lease.amendments + 1, "change": proposal["change"], "agreed_at": now.isoformat()})
    changed = conn.execute(
        update(L)
        .where(L.c.id == lease.id)
        .values(
            rent_fen=new_rent,
            end_on=new_end,
            terms=json.dumps(terms, ensure_ascii=False),
            amendments=L.c.amendments + 1,
            updated_at=now,
        )
        .returning(*L.c)
    ).one()
    detail = {"amendment": changed.amendments, "change": proposal["change"]}
    idx = _log(conn, "amended", changed, now, detail)
    _event(conn, lease.id, "amended", caller, detail, idx, now)
    return "amended"


def terminate(conn: Connection, settings: Settings, caller: Caller, lease_id: int, ended_on: date, reason: str) -> None:
    """Early termination (提前解除) by a party: the lease ends on ``ended_on``; escrow refunds follow."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    _end(conn, settings, caller, lease, S.terminated, "terminated", ended_on, reason, {"side": side})


def _end(
    conn: Connection,
    settings: Settings,
    caller: Caller | None,
    lease: Any,
    status: domain.LeaseStatus,
    kind: str,
    ended_on: date,
    reason: str,
    detail: dict[str, Any],
) -> None:
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError.of("reason", "请说明原因")
    if len(reason) > 200:
        raise ValidationError.of("reason", "原因不超过 200 字")
    if not lease.start_on - timedelta(days=1) <= ended_on <= lease.end_on:
        raise ValidationError.of(
            "ended_on", f"终止日期应在 {lease.start_on - timedelta(days=1)} 至 {lease.end_on} 之间"
        )
    now = clock.now()
    ended = conn.execute(
        update(L)
        .where(L.c.id == lease.id)
        .values(status=status, ended_on=ended_on, end_reason=reason, updated_at=now)
        .returning(*L.c)
    ).one()
    escrow.on_lease_ended(conn, settings, int(lease.id), ended_on, kind)
    full = {**detail, "ended_on": ended_on.isoformat(), "reason": reason}
    idx = _log(conn, kind, ended, now, full)
    _event(conn, int(lease.id), kind, caller, full, idx, now)


def cancel_by_parties(conn: Connection, settings: Settings, caller: Caller, lease_id: int, reason: str) -> str:
    """备案注销 agreed by both parties: the first asks, the other confirms. Returns ``requested`` or
    ``cancelled``."""
    lease, side = _filed_for_change(conn, caller, lease_id)
    terms = json.loads(lease.terms)
    pending = terms.get("pending_cancel")
    if pending is None or pending["by"] == side:
        if not " ".join(reason.split()):
            raise ValidationError.of("reason", "请说明原因")
        terms["pending_cancel"] = {"by": side, "reason": " ".join(reason.split())[:200], "at": clock.now().isoformat()}
        conn.execute(update(L).where(L.c.id == lease.id).values(terms=json.dumps(terms, ensure_ascii=False)))
        _event(conn, lease.id, "cancel_asked", caller, {"side": side}, None, clock.now())
        return "requested"
    _end(
        conn,
        settings,
        caller,
        lease,
        S.cancelled,
        "cancelled",
        _cancel_day(lease),
        pending["reason"],
        {"by": "parties"},
    )
    return "cancelled"


def _cancel_day(lease: Any) -> date:
    today = clock.today()
    day: date = min(max(today, lease.start_on - timedelta(days=1)), lease.end_on)
    return day


def cancel_by_supervisor(conn: Connection, settings: Settings, caller: Caller, lease_id: int, reason: str) -> None:
    """备案注销 by a supervisor of the lease's street (e.g. a filing made on false facts)."""
    row = conn.execute(select(L.c.street_code).where(L.c.id == lease_id)).first()
    if row is None:
        raise NotFound("租赁合同不存在")
    caller.scope.require(row.street_code, "租赁合同不存在")
    _lock_home(conn, lease_id)
    lease = conn.execute(select(L).where(L.c.id == lease_id)).one()
    if lease.status != S.filed:
        raise Conflict("只有已备案的合同可以注销备案", [FieldError("status", "合同未备案或已终止")])
    _end(conn, settings, caller, lease, S.cancelled, "cancelled", _cancel_day(lease), reason, {"by": "supervisor"})


def expire_leases(conn: Connection, settings: Settings, today: date, limit: int = 2000) -> int:
    """Filed leases whose term ended before ``today`` become expired (a batch of at most ``limit``, in
    the caller's transaction): one ledger batch, one event per lease, escrow told of each end."""
    rows = conn.execute(
        select(L).where(L.c.status == S.filed, L.c.end_on < today).order_by(L.c.end_on, L.c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    now = clock.now()
    ids = [int(r.id) for r in rows]
    conn.execute(update(L).where(L.c.id.in_(ids), L.c.status == S.filed).values(status=S.expired, updated_at=now))
    entries = [_entry("expired", r, now, {"ended_on": r.end_on.isoformat()}) for r in rows]
    first = ledger.append(conn, LOG, entries)
    conn.execute(
        rental_lease_events.insert(),
        [
            {
                "lease_id": r.id,
                "kind": "expired",
                "at": now,
                "actor_account_id": None,
                "detail": json.dumps({"ended_on": r.end_on.isoformat()}),
                "ledger_index": first + i,
            }
            for i, r in enumerate(rows)
        ],
    )
    for r in rows:
        escrow.on_lease_ended(conn, settings, int(r.id), r.end_on, "expired")
    return len(rows)


# -------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class LeaseFilter:
    status: str | None = None
    street: str | None = None
    start_from: date | None = None
    start_to: date | None = None
    filing_no: str | None = None


def _summary_cols() -> list[Any]:
    return [
        L.c.id,
        L.c.lease_no,
        L.c.filing_no,
        L.c.unit_key,
        L.c.home_id,
        L.c.room_id,
        L.c.district_code,
        L.c.street_code,
        L.c.landlord_kind,
        L.c.landlord_name_enc,
        L.c.tenant_name_enc,
        L.c.start_on,
        L.c.end_on,
        L.c.rent_fen,
        L.c.deposit_fen,
        L.c.payment_cycle,
        L.c.status,
        L.c.landlord_signed_at,
        L.c.tenant_signed_at,
        L.c.filed_at,
        L.c.ended_on,
        L.c.amendments,
        L.c.escrow_required,
        homes.c.house_code,
        homes.c.address,
    ]


def _summary(kr: Keyring, r: Any) -> dict[str, Any]:
    return {
        "id": int(r.id),
        "lease_no": r.lease_no,
        "filing_no": r.filing_no,
        "home_id": int(r.home_id),
        "room_id": r.room_id,
        "house_code": r.house_code,
        "address": r.address,
        "district_code": r.district_code,
        "street_code": r.street_code,
        "landlord_kind": r.landlord_kind,
        "landlord_name": mask_name(kr.decrypt(r.landlord_name_enc, "rental_leases.landlord_name"))
        if r.landlord_kind == "person"
        else kr.decrypt(r.landlord_name_enc, "rental_leases.landlord_name"),
        "tenant_name": mask_name(kr.decrypt(r.tenant_name_enc, "rental_leases.tenant_name")),
        "start_on": r.start_on,
        "end_on": r.end_on,
        "rent_fen": int(r.rent_fen),
        "deposit_fen": int(r.deposit_fen),
        "payment_cycle": r.payment_cycle,
        "status": r.status,
        "status_label": domain.LEASE_STATUS_LABELS[S(r.status)],
        "landlord_signed_at": r.landlord_signed_at,
        "tenant_signed_at": r.tenant_signed_at,
        "filed_at": r.filed_at,
        "ended_on": r.ended_on,
        "amendments": int(r.amendments),
        "escrow_required": bool(r.escrow_required),
    }


def _mine_condition(me: Me) -> Any:
    cond = [L.c.landlord_account_id == me.account_id, L.c.tenant_account_id == me.account_id]
    if me.id_bidx is not None:
        cond.append(L.c.tenant_bidx == me.id_bidx)
    if me.party is not None:
        cond.append(L.c.landlord_party_id == me.party.id)
    return or_(*cond)


def _filters(f: LeaseFilter) -> list[Any]:
    cond: list[Any] = []
    if f.status:
        cond.append(L.c.status == f.status)
    if f.street:
        cond.append(L.c.street_code == f.street)
    if f.start_from:
        cond.append(L.c.start_on >= f.start_from)
    if f.start_to:
        cond.append(L.c.start_on <= f.start_to)
    if f.filing_no:
        cond.append(L.c.filing_no == f.filing_no)
    return cond


def in_district(conn: Connection, caller: Caller, district: str | None) -> Caller:
    """The caller with its scope narrowed to one district's streets, for a district filter of a staff
    list or export (it never widens: streets outside the caller's scope stay out)."""
    if not district:
        return caller
    kids, _ = div.children(conn, district, "street", limit=10_000)
    return replace(caller, scope=caller.scope.within(k.code for k in kids))


def list_leases(
    conn: Connection, kr: Keyring, caller: Caller, f: LeaseFilter, *, limit: int, offset: int
) -> tuple[int, list[dict[str, Any]]]:
    """Leases the caller may see: its own (as either party) for public callers, the streets of its
    scope for staff; newest first."""
    own = caller.scope.level == "own"
    cond = [_mine_condition(_me(conn, caller))] if own else caller.scope.where(L.c.street_code)
    cond += _filters(f)
    total = int(conn.execute(select(func.count()).select_from(L).where(*cond)).scalar_one())
    rows = conn.execute(
        select(*_summary_cols())
        .join(homes, homes.c.id == L.c.home_id)
        .where(*cond)
        .order_by(L.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return total, [_summary(kr, r) for r in rows]


def iter_leases(
    conn: Connection, kr: Keyring, scope: Scope, f: LeaseFilter, cap: int = 100_000
) -> list[dict[str, Any]]:
    """Every lease in scope matching the filter (for the CSV export), at most ``cap``."""
    rows = conn.execute(
        select(*_summary_cols())
        .join(homes, homes.c.id == L.c.home_id)
        .where(*scope.where(L.c.street_code), *_filters(f))
        .order_by(L.c.id)
        .limit(cap)
    ).all()
    return [_summary(kr, r) for r in rows]


def get_lease(conn: Connection, kr: Keyring, caller: Caller, lease_id: int) -> dict[str, Any]:
    """One lease with its clauses, masked parties, events (and the caller's side for public callers)."""
    if caller.scope.level == "own":
        me = _me(conn, caller)
        row = conn.execute(select(L).where(L.c.id == lease_id)).first()
        side = _side(row, me) if row is not None else None
        if row is None or side is None:
            raise NotFound("租赁合同不存在")
    else:
        row = conn.execute(select(L).where(L.c.id == lease_id)).first()
        if row is None:
            raise NotFound("租赁合同不存在")
        caller.scope.require(row.street_code, "租赁合同不存在")
        side = None
    return _detail(conn, kr, row, side)


def _detail(conn: Connection, kr: Keyring, row: Any, side: str | None) -> dict[str, Any]:
    h = conn.execute(
        select(homes.c.house_code, homes.c.address, homes.c.floor_no, estates.c.name.label("estate"))
        .join(estates, estates.c.id == homes.c.estate_id)
        .where(homes.c.id == row.home_id)
    ).one()
    room_name = None
    if row.room_id is not None:
        room_name = conn.execute(select(rooms.c.name).where(rooms.c.id == row.room_id)).scalar()
    names = div.names(conn, {row.district_code, row.street_code})
    events = conn.execute(
        select(rental_lease_events).where(rental_lease_events.c.lease_id == row.id).order_by(rental_lease_events.c.id)
    ).all()
    terms = json.loads(row.terms)
    landlord = kr.decrypt(row.landlord_name_enc, "rental_leases.landlord_name")
    party_no = None
    if row.landlord_party_id is not None:
        party_no = conn.execute(
            select(rental_parties.c.party_no).where(rental_parties.c.id == row.landlord_party_id)
        ).scalar()
    return {
        **_summary(kr, _RowDict({**row._mapping, "house_code": h.house_code, "address": h.address})),
        "estate": h.estate,
        "floor": h.floor_no,
        "room_name": room_name,
        "district_name": names.get(row.district_code, row.district_code),
        "street_name": names.get(row.street_code, row.street_code),
        "landlord_name": landlord if row.landlord_kind == "party" else mask_name(landlord),
        "landlord_party_no": party_no,
        "tenant_id_masked": mask_id(kr.decrypt(row.tenant_id_enc, "rental_leases.tenant_id")),
        "area": row.area,
        "bedrooms": row.bedrooms,
        "use": row.use,
        "occupants": int(row.occupants),
        "cycle_label": domain.CYCLE_LABELS[domain.PaymentCycle(row.payment_cycle)],
        "extra_clauses": terms.get("extra_clauses", []),
        "pending_amendment": terms.get("pending_amendment"),
        "pending_cancel": terms.get("pending_cancel"),
        "amendment_history": terms.get("amendment_history", []),
        "model_clauses": [{"title": t, "text": x} for t, x in domain.MODEL_CLAUSES],
        "end_reason": row.end_reason,
        "renews_lease_id": row.renews_lease_id,
        "listing_id": row.listing_id,
        "side": side,
        "created_at": row.created_at,
        "events": [
            {"kind": e.kind, "at": e.at, "detail": json.loads(e.detail), "ledger_index": e.ledger_index} for e in events
        ],
    }


class _RowDict(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self[name]


def public_filing(conn: Connection, filing_no: str) -> dict[str, Any]:
    """What anyone may check of a filing by its number: status, where (district, street, estate),
    term, rent — parties' names masked, no IDs."""
    row = conn.execute(
        select(
            L.c.filing_no,
            L.c.lease_no,
            L.c.status,
            L.c.district_code,
            L.c.street_code,
            L.c.start_on,
            L.c.end_on,
            L.c.ended_on,
            L.c.rent_fen,
            L.c.room_id,
            L.c.filed_at,
            L.c.amendments,
            L.c.landlord_kind,
            L.c.landlord_name_enc,
            L.c.tenant_name_enc,
            estates.c.name.label("estate"),
        )
        .join(homes, homes.c.id == L.c.home_id)
        .join(estates, estates.c.id == homes.c.estate_id)
        .where(L.c.filing_no == filing_no)
    ).first()
    if row is None:
        raise NotFound("没有这个备案编号")
    names = div.names(conn, {row.district_code, row.street_code})
    return {
        "filing_no": row.filing_no,
        "lease_no": row.lease_no,
        "status": row.status,
        "status_label": domain.LEASE_STATUS_LABELS[S(row.status)],
        "district_name": names.get(row.district_code, row.district_code),
        "street_name": names.get(row.street_code, row.street_code),
        "estate": row.estate,
        "mode": "room" if row.room_id is not None else "whole",
        "start_on": row.start_on,
        "end_on": row.end_on,
        "ended_on": row.ended_on,
        "rent_fen": int(row.rent_fen),
        "filed_at": row.filed_at,
        "amendments": int(row.amendments),
        "_landlord_name_enc": row.landlord_name_enc,
        "_tenant_name_enc": row.tenant_name_enc,
        "_landlord_kind": row.landlord_kind,
    }


def public_filing_view(conn: Connection, kr: Keyring, filing_no: str) -> dict[str, Any]:
    out = public_filing(conn, filing_no)
    landlord = kr.decrypt(out.pop("_landlord_name_enc"), "rental_leases.landlord_name")
    out["landlord_name"] = mask_name(landlord)
    out["tenant_name"] = mask_name(kr.decrypt(out.pop("_tenant_name_enc"), "rental_leases.tenant_name"))
    out.pop("_landlord_kind")
    return out


def contract_facts(conn: Connection, kr: Keyring, caller: Caller, lease_id: int) -> dict[str, Any]:
    """Everything the contract PDF shows: the lease's detail (masked) for one of its parties."""
    return get_lease(conn, kr, caller, lease_id)
