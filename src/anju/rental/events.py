"""The rental context's events out (``anju.exchange``): a lease filed, a filed lease ended — for the
police's residence registration (居住登记) and the housing provident fund (公积金). Emitted in the
transaction of the change; keyed by the lease, so a subscriber receives a lease's events in order.

Payloads carry the lease's numbers, home, dates and rent; the tenant's ID number and name and the
landlord's name travel as the lease's own sealed blobs (decrypted only for an entitled subscriber).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from anju import exchange


def _key(lease: Any) -> str:
    return f"lease:{int(lease.id)}"


def _personal(lease: Any) -> dict[str, exchange.Sealed]:
    return {
        "tenant_id_number": ("rental_leases.tenant_id", bytes(lease.tenant_id_enc)),
        "tenant_name": ("rental_leases.tenant_name", bytes(lease.tenant_name_enc)),
        "landlord_name": ("rental_leases.landlord_name", bytes(lease.landlord_name_enc)),
    }


def lease_filed(conn: Connection, lease: Any, renews: str | None) -> None:
    """``rental.lease_filed`` of the filed lease row (as the filing wrote it)."""
    exchange.emit(
        conn,
        "rental.lease_filed",
        _key(lease),
        {
            "lease_id": int(lease.id),
            "lease_no": lease.lease_no,
            "filing_no": lease.filing_no,
            "home_id": int(lease.home_id),
            "room_id": None if lease.room_id is None else int(lease.room_id),
            "district_code": lease.district_code,
            "street_code": lease.street_code,
            "start_on": lease.start_on,
            "end_on": lease.end_on,
            "rent_fen": int(lease.rent_fen),
            "use": lease.use,
            "occupants": int(lease.occupants),
            "renews_filing_no": renews,
        },
        _personal(lease),
    )


def _ended(lease: Any, how: str, ended_on: Any) -> exchange.OutEvent:
    return exchange.OutEvent(
        "rental.lease_ended",
        _key(lease),
        {
            "lease_id": int(lease.id),
            "filing_no": lease.filing_no,
            "home_id": int(lease.home_id),
            "room_id": None if lease.room_id is None else int(lease.room_id),
            "street_code": lease.street_code,
            "how": how,  # terminated | cancelled | expired
            "ended_on": ended_on,
        },
        {"tenant_id_number": ("rental_leases.tenant_id", bytes(lease.tenant_id_enc))},
    )


def lease_ended(conn: Connection, lease: Any, how: str, ended_on: Any) -> None:
    """``rental.lease_ended``: a filed lease terminated early, its filing cancelled, or expired."""
    e = _ended(lease, how, ended_on)
    exchange.emit(conn, e.topic, e.key, e.payload, e.personal)


def leases_expired(conn: Connection, leases: Sequence[Any]) -> None:
    """``rental.lease_ended`` of a batch of expired leases, in bulk."""
    exchange.emit_many(conn, [_ended(r, "expired", r.end_on) for r in leases])
