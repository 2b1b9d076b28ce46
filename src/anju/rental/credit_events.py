"""The rental context's good and bad conduct that is not a violation found by an inspection or a
complaint (those are :mod:`anju.rental.governance`'s): escrow penalties, rent escrowed on time to the
end of a lease, and clean inspections, each recorded as a credit event (``anju.credit``) of the party
in the caller's transaction (see docs/credit.md, "Where events come from").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from anju import credit, funds
from anju.core import clock
from anju.rental.tables import rental_escrow_positions, rental_escrow_schedule, rental_leases, rental_parties
from anju.security import Keyring

SOURCE = "rental"
#: A filed party's credit subject type (``anju.credit.SUBJECT_TYPES``), by its kind.
SUBJECT_TYPE = {"enterprise": "rental_enterprise", "agency": "agency"}
#: How a lease must end for its on-time escrow to count (a cancelled filing earns nothing).
ON_TIME_ENDINGS = frozenset({"expired", "terminated"})


def _party_event(kr: Keyring, party: Any, kind: str, on: date, reference: str, detail: dict[str, Any]) -> credit.Event:
    return credit.Event(
        subject_kind="org",
        subject_bidx=kr.blind_index(party.credit_code, "credit_code"),
        source=SOURCE,
        kind=kind,
        severity=credit.catalogue().kinds[kind].severity,
        occurred_on=on,
        reference=reference,
        street_code=party.street_code,
        detail={"party_id": int(party.id), **detail},
        subject_type=SUBJECT_TYPE.get(party.kind),
    )


def escrow_penalty(
    conn: Connection, kr: Keyring, party_id: int, *, journal_id: int, amount_fen: int, reference: str, reason: str
) -> int:
    """A supervisor's escrow penalty on the party (``rental.escrow_penalty``, the catalogue's severity),
    named by the decision's number."""
    party = conn.execute(select(rental_parties).where(rental_parties.c.id == party_id)).one()
    return credit.record_event(
        conn,
        _party_event(
            kr,
            party,
            "rental.escrow_penalty",
            clock.today(),
            reference,
            {"journal_id": journal_id, "amount_fen": amount_fen, "reason": reason},
        ),
    )


def clean_inspection(conn: Connection, kr: Keyring, party_id: int, on: date, reference: str, inspection_id: int) -> int:
    """An inspection of a party (or of its listing) that found nothing: ``good.clean_inspection``."""
    party = conn.execute(select(rental_parties).where(rental_parties.c.id == party_id)).one()
    return credit.record_event(
        conn,
        _party_event(kr, party, "good.clean_inspection", on, reference, {"inspection_id": inspection_id}),
    )


def on_time_leases(conn: Connection, lease_ids: Sequence[int]) -> list[int]:
    """Of the leases given (ended), those whose supervised money all came in on time: the lease had an
    escrow position with something to pay, every rent payment cycle with a month that began by the
    lease's end was paid on or before the first day of its first month, and the supervised deposit
    (if any) on or before the lease's start. Set-wise: three reads (chunked), whatever the number of leases."""
    if not lease_ids:
        return []
    ids = sorted(set(lease_ids))
    pos = {
        int(r.lease_id): r
        for r in conn.execute(
            select(
                rental_escrow_positions.c.lease_id,
                rental_escrow_positions.c.deposit_fen,
                rental_escrow_positions.c.ended_on,
                rental_leases.c.start_on,
            )
            .join(rental_leases, rental_leases.c.id == rental_escrow_positions.c.lease_id)
            .where(rental_escrow_positions.c.lease_id.in_(ids))
        )
    }
    if not pos:
        return []
    # the first day each payment cycle covers, of the months that began by the lease's end
    due: dict[str, date] = {}
    for lid, cycle, start in conn.execute(
        select(
            rental_escrow_schedule.c.lease_id, rental_escrow_schedule.c.cycle_no, rental_escrow_schedule.c.period_start
        ).where(rental_escrow_schedule.c.lease_id.in_(list(pos)))
    ):
        p = pos[int(lid)]
        if p.ended_on is not None and start > p.ended_on:
            continue
        item = f"L{lid}:rent:{cycle}"
        due[item] = min(due.get(item, start), start)
    for lid, p in pos.items():
        if int(p.deposit_fen) > 0:
            due[f"L{lid}:deposit"] = p.start_on
    items = sorted(due)
    paid = funds.items_booked_on(conn, items)
    owed: dict[int, list[str]] = {}
    for item in items:
        owed.setdefault(int(item[1:].split(":", 1)[0]), []).append(item)
    return [lid for lid in sorted(owed) if all(item in paid and paid[item] <= due[item] for item in owed[lid])]


def escrow_on_time(conn: Connection, kr: Keyring, lease_ids: Sequence[int], how: str) -> list[int]:
    """``good.escrow_on_time`` for the landlord party of each lease given that ended (``how``: expired or
    terminated) with every supervised payment on time (:func:`on_time_leases`), named by the lease's
    filing number; one set-wise recording for all. Returns the event ids."""
    if how not in ON_TIME_ENDINGS:
        return []
    good = on_time_leases(conn, lease_ids)
    if not good:
        return []
    rows = conn.execute(
        select(
            rental_leases.c.id.label("lease_id"),
            rental_leases.c.filing_no,
            rental_leases.c.ended_on,
            rental_leases.c.end_on,
            rental_parties,
        )
        .join(rental_parties, rental_parties.c.id == rental_leases.c.landlord_party_id)
        .where(rental_leases.c.id.in_(good))
        .order_by(rental_leases.c.id)
    ).all()
    return credit.record_events(
        conn,
        [
            _party_event(
                kr,
                r,
                "good.escrow_on_time",
                r.ended_on or r.end_on,
                r.filing_no or f"lease:{r.lease_id}",
                {"lease_id": int(r.lease_id), "ending": how},
            )
            for r in rows
        ],
    )
