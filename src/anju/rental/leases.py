"""Leases (网签备案): the lease record — commands, who the caller is to a lease, the shared rules of
letting, the lease's events and ledger entries — and reading leases.

The use cases live beside it: :mod:`anju.rental.lease_drafting` (drafting, renewal, signing),
:mod:`anju.rental.lease_filing` (filing, the hot path) and :mod:`anju.rental.lease_changes` (amendment,
termination, cancellation, expiry).

Personal values (names, resident IDs) are stored encrypted with blind indexes and only ever shown
masked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypedDict

from sqlalchemy import Connection, bindparam, func, or_, select

from anju import divisions, ledger
from anju.core.db import insert_row
from anju.core.errors import FieldError, NotFound, ValidationError
from anju.core.paging import Page
from anju.core.scope import Scope
from anju.core.settings import Settings
from anju.registry import Restriction, estates, homes, is_owner, rooms
from anju.rental import domain, entrustments, home_flags, parties
from anju.rental.domain import LeaseStatus
from anju.rental.tables import (
    rental_lease_events,
    rental_leases,
    rental_parties,
)
from anju.security import Caller, Keyring, accounts, mask_id, mask_name

LOG = "rental"
FILE_OPERATION = "lease.file"
#: Statuses whose term occupies the unit (a terminated lease up to its ``ended_on``).
OCCUPYING = (LeaseStatus.filed, LeaseStatus.terminated, LeaseStatus.expired)
#: Leases the parties can still act on before filing.


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


class AmendmentChange(TypedDict):
    """An agreed or proposed change as stored in the lease's terms and logged (JSON: dates as ISO text)."""

    rent_fen: int | None
    end_on: str | None
    extra_clauses: list[str] | None
    effective_on: str | None


@dataclass(frozen=True)
class AmendIn:
    """A change of a filed lease's rent, end date or extra clauses (both parties must agree)."""

    rent_fen: int | None = None
    end_on: date | None = None
    extra_clauses: Sequence[str] | None = None
    effective_on: date | None = None

    def as_dict(self) -> AmendmentChange:
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


def identify(conn: Connection, caller: Caller) -> Me:
    if caller.account_id is None:
        raise NotFound("租赁合同不存在")
    row = conn.execute(_ME, {"account_id": caller.account_id}).one()
    party = parties.party_for_account(conn, caller.account_id) if row.org_code else None
    return Me(caller.account_id, row.id_number_bidx, bytes(row.name_enc), party)


def raise_problems(errors: list[tuple[str, str]]) -> None:
    if errors:
        raise ValidationError("；".join(f"{f}: {r}" for f, r in errors), [FieldError(f, r) for f, r in errors])


# ----------------------------------------------------------------------------- the caller and the unit

# The statements read on every signing and filing, built once and executed with named parameters.
_ME = select(accounts.c.id_number_bidx, accounts.c.name_enc, accounts.c.org_code).where(
    accounts.c.id == bindparam("account_id")
)
_LEASE = select(rental_leases).where(rental_leases.c.id == bindparam("lease_id"))
_EVENT = rental_lease_events.insert()


def side_of(lease: Any, me: Me) -> str | None:
    if lease.landlord_account_id == me.account_id or (
        me.party is not None and lease.landlord_party_id is not None and lease.landlord_party_id == me.party.id
    ):
        return "landlord"
    if lease.tenant_account_id == me.account_id or (me.id_bidx is not None and lease.tenant_bidx == me.id_bidx):
        return "tenant"
    return None


def own_lease(conn: Connection, caller: Caller, lease_id: int) -> Any:
    row = conn.execute(_LEASE, {"lease_id": lease_id}).first()
    if row is not None and row.landlord_account_id == caller.account_id:
        return row  # the drafting account: the landlord side, without reading the account
    if row is None or side_of(row, identify(conn, caller)) is None:
        raise NotFound("租赁合同不存在")
    return row


def require_active_landlord(conn: Connection, lease: Any) -> Any | None:
    """The landlord's party (None: a person lets), if it is filed and neither suspended nor revoked."""
    if lease.landlord_party_id is not None:
        return parties.require_active_party(conn, int(lease.landlord_party_id), "landlord")
    return None


def may_let(
    conn: Connection,
    home_id: int,
    room_id: int | None,
    on: date,
    *,
    me: Me | None,
    lease: Any = None,
    kr: Keyring | None = None,
) -> bool:
    """Whether the landlord side may let the unit on ``on``: it owns the home, or holds an entrustment
    in force from its owner (an individual agent's, or its party's). With ``kr``, a person's ownership
    needs the register's name to be the account's too."""
    if lease is not None:
        owner_bidx, account_id, party_id = lease.landlord_bidx, lease.landlord_account_id, lease.landlord_party_id
    else:
        assert me is not None
        party_id = me.party.id if me.party is not None else None
        owner_bidx = me.id_bidx if party_id is None else None
        account_id = me.account_id
    named = (kr, kr.decrypt(me.name_enc, "accounts.name")) if kr is not None and me is not None and owner_bidx else None
    if owner_bidx and is_owner(conn, home_id, owner_bidx, on, named=named):
        return True
    return (
        entrustments.valid_entrustment(
            conn,
            home_id,
            room_id,
            on,
            agent_account_id=account_id if party_id is None else None,
            agent_party_id=party_id,
        )
        is not None
    )


def restrictions_on(conn: Connection, home_id: int, on: date) -> list[Restriction]:
    return home_flags.home_restrictions(conn, [home_id], on).get(home_id, [])


# -------------------------------------------------------------------------------- events and the log


def ledger_entry(kind: str, lease: Any, at: datetime, detail: dict[str, Any]) -> bytes:
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


def log_change(conn: Connection, kind: str, lease: Any, at: datetime, detail: dict[str, Any]) -> int:
    return ledger.append(conn, LOG, [ledger_entry(kind, lease, at, detail)])


def record_event(
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


# -------------------------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class LeaseFilter:
    status: str | None = None
    street: str | None = None
    start_from: date | None = None
    start_to: date | None = None
    filing_no: str | None = None


class LeaseSummary(TypedDict):
    """A lease as lists show it: parties' names masked (an enterprise landlord by its name)."""

    id: int
    lease_no: str
    filing_no: str | None
    home_id: int
    room_id: int | None
    house_code: str
    address: str
    district_code: str
    street_code: str
    landlord_kind: str
    landlord_name: str
    tenant_name: str
    start_on: date
    end_on: date
    rent_fen: int
    deposit_fen: int
    payment_cycle: str
    status: str
    status_label: str
    landlord_signed_at: datetime | None
    tenant_signed_at: datetime | None
    filed_at: datetime | None
    ended_on: date | None
    amendments: int
    escrow_required: bool


class LeaseEvent(TypedDict):
    kind: str
    at: datetime
    detail: dict[str, Any]
    ledger_index: int | None


class LeaseDetail(LeaseSummary):
    """One lease with its clauses, its events and the caller's side (None for staff)."""

    estate: str
    floor: int | None
    room_name: str | None
    district_name: str
    street_name: str
    landlord_party_no: str | None
    tenant_id_masked: str
    area: Decimal | None
    bedrooms: int | None
    use: str
    occupants: int
    cycle_label: str
    extra_clauses: list[str]
    pending_amendment: dict[str, Any] | None
    pending_cancel: dict[str, Any] | None
    amendment_history: list[dict[str, Any]]
    model_clauses: list[dict[str, str]]
    end_reason: str | None
    renews_lease_id: int | None
    listing_id: int | None
    side: str | None
    created_at: datetime
    events: list[LeaseEvent]


def _summary_cols() -> list[Any]:
    return [
        rental_leases.c.id,
        rental_leases.c.lease_no,
        rental_leases.c.filing_no,
        rental_leases.c.unit_key,
        rental_leases.c.home_id,
        rental_leases.c.room_id,
        rental_leases.c.district_code,
        rental_leases.c.street_code,
        rental_leases.c.landlord_kind,
        rental_leases.c.landlord_name_enc,
        rental_leases.c.tenant_name_enc,
        rental_leases.c.start_on,
        rental_leases.c.end_on,
        rental_leases.c.rent_fen,
        rental_leases.c.deposit_fen,
        rental_leases.c.payment_cycle,
        rental_leases.c.status,
        rental_leases.c.landlord_signed_at,
        rental_leases.c.tenant_signed_at,
        rental_leases.c.filed_at,
        rental_leases.c.ended_on,
        rental_leases.c.amendments,
        rental_leases.c.escrow_required,
        homes.c.house_code,
        homes.c.address,
    ]


def _summary(kr: Keyring, r: Any) -> LeaseSummary:
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
        "status_label": domain.LEASE_STATUS_LABELS[LeaseStatus(r.status)],
        "landlord_signed_at": r.landlord_signed_at,
        "tenant_signed_at": r.tenant_signed_at,
        "filed_at": r.filed_at,
        "ended_on": r.ended_on,
        "amendments": int(r.amendments),
        "escrow_required": bool(r.escrow_required),
    }


def _mine_condition(me: Me) -> Any:
    cond = [rental_leases.c.landlord_account_id == me.account_id, rental_leases.c.tenant_account_id == me.account_id]
    if me.id_bidx is not None:
        cond.append(rental_leases.c.tenant_bidx == me.id_bidx)
    if me.party is not None:
        cond.append(rental_leases.c.landlord_party_id == me.party.id)
    return or_(*cond)


def _filters(f: LeaseFilter) -> list[Any]:
    cond: list[Any] = []
    if f.status:
        cond.append(rental_leases.c.status == f.status)
    if f.street:
        cond.append(rental_leases.c.street_code == f.street)
    if f.start_from:
        cond.append(rental_leases.c.start_on >= f.start_from)
    if f.start_to:
        cond.append(rental_leases.c.start_on <= f.start_to)
    if f.filing_no:
        cond.append(rental_leases.c.filing_no == f.filing_no)
    return cond


def in_district(conn: Connection, caller: Caller, district: str | None) -> Caller:
    """The caller with its scope narrowed to one district's streets, for a district filter of a staff
    list or export (it never widens: streets outside the caller's scope stay out)."""
    if not district:
        return caller
    kids = divisions.children(conn, district, "street", limit=10_000).items
    return replace(caller, scope=caller.scope.within(k.code for k in kids))


def list_leases(
    conn: Connection, kr: Keyring, caller: Caller, f: LeaseFilter, *, limit: int, offset: int
) -> Page[LeaseSummary]:
    """Leases the caller may see: its own (as either party) for public callers, the streets of its
    scope for staff; newest first."""
    own = caller.scope.level == "own"
    cond = [_mine_condition(identify(conn, caller))] if own else caller.scope.where(rental_leases.c.street_code)
    cond += _filters(f)
    total = int(conn.execute(select(func.count()).select_from(rental_leases).where(*cond)).scalar_one())
    rows = conn.execute(
        select(*_summary_cols())
        .join(homes, homes.c.id == rental_leases.c.home_id)
        .where(*cond)
        .order_by(rental_leases.c.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page([_summary(kr, r) for r in rows], total)


def iter_leases(conn: Connection, kr: Keyring, scope: Scope, f: LeaseFilter, cap: int = 100_000) -> list[LeaseSummary]:
    """Every lease in scope matching the filter (for the CSV export), at most ``cap``."""
    rows = conn.execute(
        select(*_summary_cols())
        .join(homes, homes.c.id == rental_leases.c.home_id)
        .where(*scope.where(rental_leases.c.street_code), *_filters(f))
        .order_by(rental_leases.c.id)
        .limit(cap)
    ).all()
    return [_summary(kr, r) for r in rows]


def get_lease(conn: Connection, kr: Keyring, caller: Caller, lease_id: int) -> LeaseDetail:
    """One lease with its clauses, masked parties, events (and the caller's side for public callers)."""
    if caller.scope.level == "own":
        me = identify(conn, caller)
        row = conn.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).first()
        side = side_of(row, me) if row is not None else None
        if row is None or side is None:
            raise NotFound("租赁合同不存在")
    else:
        row = conn.execute(select(rental_leases).where(rental_leases.c.id == lease_id)).first()
        if row is None:
            raise NotFound("租赁合同不存在")
        caller.scope.require(row.street_code, "租赁合同不存在")
        side = None
    return _detail(conn, kr, row, side)


def _detail(conn: Connection, kr: Keyring, row: Any, side: str | None) -> LeaseDetail:
    h = conn.execute(
        select(homes.c.house_code, homes.c.address, homes.c.floor_no, estates.c.name.label("estate"))
        .join(estates, estates.c.id == homes.c.estate_id)
        .where(homes.c.id == row.home_id)
    ).one()
    room_name = None
    if row.room_id is not None:
        room_name = conn.execute(select(rooms.c.name).where(rooms.c.id == row.room_id)).scalar()
    names = divisions.names(conn, {row.district_code, row.street_code})
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
    detail: LeaseDetail = {
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
    return detail


class _RowDict(dict[str, Any]):
    def __getattr__(self, name: str) -> Any:
        return self[name]


class PublicFiling(TypedDict):
    """What anyone may check of a filing by its number (the QR code on the contract leads there)."""

    filing_no: str
    lease_no: str
    status: str
    status_label: str
    district_name: str
    street_name: str
    estate: str
    mode: str
    start_on: date
    end_on: date
    ended_on: date | None
    rent_fen: int
    filed_at: datetime | None
    amendments: int
    landlord_name: str
    tenant_name: str


def public_filing_view(conn: Connection, kr: Keyring, filing_no: str) -> PublicFiling:
    """What anyone may check of a filing by its number: status, where (district, street, estate),
    term, rent — parties' names masked, no IDs."""
    row = conn.execute(
        select(
            rental_leases.c.filing_no,
            rental_leases.c.lease_no,
            rental_leases.c.status,
            rental_leases.c.district_code,
            rental_leases.c.street_code,
            rental_leases.c.start_on,
            rental_leases.c.end_on,
            rental_leases.c.ended_on,
            rental_leases.c.rent_fen,
            rental_leases.c.room_id,
            rental_leases.c.filed_at,
            rental_leases.c.amendments,
            rental_leases.c.landlord_kind,
            rental_leases.c.landlord_name_enc,
            rental_leases.c.tenant_name_enc,
            estates.c.name.label("estate"),
        )
        .join(homes, homes.c.id == rental_leases.c.home_id)
        .join(estates, estates.c.id == homes.c.estate_id)
        .where(rental_leases.c.filing_no == filing_no)
    ).first()
    if row is None:
        raise NotFound("没有这个备案编号")
    names = divisions.names(conn, {row.district_code, row.street_code})
    landlord = kr.decrypt(row.landlord_name_enc, "rental_leases.landlord_name")
    return {
        "filing_no": row.filing_no,
        "lease_no": row.lease_no,
        "status": row.status,
        "status_label": domain.LEASE_STATUS_LABELS[LeaseStatus(row.status)],
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
        "landlord_name": mask_name(landlord),
        "tenant_name": mask_name(kr.decrypt(row.tenant_name_enc, "rental_leases.tenant_name")),
    }
