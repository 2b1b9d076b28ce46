"""Parties of the rental market: filed enterprises and agencies, their practitioners, owners and
entrustments, and the home flags (查封 …) that bar renting a home.

The read helpers at the top are what listings and leases ask of this section; they are set-wise where
a caller may ask about many homes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from anju.core.errors import Conflict, ValidationError
from anju.registry import home_owners
from anju.rental import domain
from anju.rental.tables import rental_entrustments, rental_home_flags, rental_parties
from anju.security import accounts

CHUNK = 5000


def party_for_account(conn: Connection, account_id: int) -> Any | None:
    """The filed party (any status) an agency account works for: the account's enterprise code."""
    return conn.execute(
        select(rental_parties)
        .join(accounts, accounts.c.org_code == rental_parties.c.credit_code)
        .where(accounts.c.id == account_id)
    ).first()


def require_active_party(conn: Connection, party_id: int, field: str = "party_id") -> Any:
    """The party, if it is filed and neither suspended nor revoked; otherwise a clear refusal."""
    row = conn.execute(select(rental_parties).where(rental_parties.c.id == party_id)).first()
    if row is None:
        raise ValidationError.of(field, "租赁主体未备案")
    if row.status != domain.PartyStatus.filed:
        label = domain.PARTY_STATUS_LABELS[domain.PartyStatus(row.status)]
        raise Conflict(f"{field}: 租赁主体{label}，不能发布房源或签约", [_fe(field, f"租赁主体{label}")])
    return row


def _fe(field: str, reason: str) -> Any:
    from anju.core.errors import FieldError

    return FieldError(field, reason)


def is_owner(conn: Connection, home_id: int, owner_bidx: str, on: date) -> bool:
    """Whether the person or organisation (blind index) owns (a share of) the home on ``on``."""
    return (
        conn.execute(
            select(home_owners.c.id).where(
                home_owners.c.home_id == home_id,
                home_owners.c.owner_bidx == owner_bidx,
                home_owners.c.acquired_on <= on,
                or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > on),
            )
        ).first()
        is not None
    )


def owners_of(conn: Connection, home_id: int, on: date) -> list[str]:
    """The blind indexes of the home's owners on ``on``."""
    return list(
        conn.execute(
            select(home_owners.c.owner_bidx).where(
                home_owners.c.home_id == home_id,
                home_owners.c.acquired_on <= on,
                or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > on),
            )
        ).scalars()
    )


def valid_entrustment(
    conn: Connection,
    home_id: int,
    room_id: int | None,
    on: date,
    *,
    agent_account_id: int | None = None,
    agent_party_id: int | None = None,
) -> Any | None:
    """An entrustment in force on ``on`` that lets the agent (an account or a party) let the unit.

    A whole-home entrustment covers its rooms; a room entrustment covers only that room. The granting
    owner must still own the home on ``on``."""
    if agent_account_id is None and agent_party_id is None:
        return None
    e = rental_entrustments
    agent = []
    if agent_account_id is not None:
        agent.append(e.c.agent_account_id == agent_account_id)
    if agent_party_id is not None:
        agent.append(e.c.agent_party_id == agent_party_id)
    rows = conn.execute(
        select(e).where(
            e.c.home_id == home_id,
            or_(e.c.room_id.is_(None), e.c.room_id == room_id) if room_id is not None else e.c.room_id.is_(None),
            or_(*agent),
            e.c.valid_from <= on,
            e.c.valid_to >= on,
            e.c.revoked_at.is_(None),
        )
    ).all()
    for row in rows:
        if is_owner(conn, home_id, row.owner_bidx, on):
            return row
    return None


def home_restrictions(conn: Connection, home_ids: Sequence[int], on: date) -> dict[int, list[domain.Restriction]]:
    """Every restriction any registered source reports for the homes on ``on`` (set-wise)."""
    out: dict[int, list[domain.Restriction]] = defaultdict(list)
    for _name, source in domain.restriction_sources():
        for hid, found in source(conn, home_ids, on).items():
            out[hid].extend(found)
    return dict(out)


def _flag_source(conn: object, home_ids: Sequence[int], on: date) -> dict[int, list[domain.Restriction]]:
    """The rental context's own restriction source: flags recorded by supervisors (and courts)."""
    assert isinstance(conn, Connection)
    f = rental_home_flags
    out: dict[int, list[domain.Restriction]] = defaultdict(list)
    ids = sorted(set(home_ids))
    for i in range(0, len(ids), CHUNK):
        rows = conn.execute(
            select(f.c.home_id, f.c.kind, f.c.source, f.c.reason).where(
                f.c.home_id.in_(ids[i : i + CHUNK]),
                f.c.since <= on,
                or_(f.c.until.is_(None), f.c.until > on),
                f.c.lifted_at.is_(None),
            )
        )
        for hid, kind, source, reason in rows:
            out[hid].append(domain.Restriction(kind, source, reason))
    return out


domain.register_restriction_source("rental_flags", _flag_source)
