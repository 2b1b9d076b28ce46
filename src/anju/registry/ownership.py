"""Property rights (产权) in the register: who owns which home, read set-wise by blind index.

``home_owners`` is bitemporal (``docs/registry.md``, "Property rights"): a row is believed from
``recorded_at`` until ``superseded_at`` (NULL: still believed). Every reader of current beliefs adds
:data:`OWNERS_BELIEVED`; :func:`owners_on` also answers as the register knew it at an earlier time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TypedDict

from sqlalchemy import ColumnElement, Connection, and_, bindparam, or_, select

from anju.core.types import area_from_db
from anju.registry.tables import home_owners, homes, registrations
from anju.security import Keyring

CHUNK = 5000

#: The rows the register believes now (a superseded row is kept for history, never read as current).
OWNERS_BELIEVED: ColumnElement[bool] = home_owners.c.superseded_at.is_(None)


def owned_on(on: date) -> ColumnElement[bool]:
    """Rows whose owner held the home on ``on``, as the register believes now."""
    o = home_owners.c
    return and_(OWNERS_BELIEVED, o.acquired_on <= on, or_(o.released_on.is_(None), o.released_on > on))


class OwnerOn(TypedDict):
    """An owner of a home on a day (no personal data: the blind index names the owner)."""

    owner_kind: str
    owner_bidx: str
    share_pct: int
    acquired_on: date
    released_on: date | None
    certificate_no: str | None  # of the registration that named the owner (None: another writer's row)


def owners_on(conn: Connection, home_id: int, on: date, known_at: datetime | None = None) -> list[OwnerOn]:
    """The owners of a home on ``on`` — as believed now, or as the register knew it at ``known_at``
    (before later corrections)."""
    o = home_owners.c
    if known_at is None:
        believed: ColumnElement[bool] = OWNERS_BELIEVED
    else:
        believed = and_(o.recorded_at <= known_at, or_(o.superseded_at.is_(None), o.superseded_at > known_at))
    rows = conn.execute(
        select(o.owner_kind, o.owner_bidx, o.share_pct, o.acquired_on, o.released_on, registrations.c.certificate_no)
        .select_from(home_owners.outerjoin(registrations, registrations.c.id == o.registration_id))
        .where(
            o.home_id == home_id,
            believed,
            o.acquired_on <= on,
            or_(o.released_on.is_(None), o.released_on > on),
        )
        .order_by(o.id)
    )
    return [
        OwnerOn(
            owner_kind=r.owner_kind,
            owner_bidx=r.owner_bidx,
            share_pct=int(r.share_pct),
            acquired_on=r.acquired_on,
            released_on=r.released_on,
            certificate_no=r.certificate_no,
        )
        for r in rows
    ]


def owned_area(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, tuple[int, Decimal]]:
    """For each owner (blind index of the ID), the homes owned on ``on`` and their construction area
    weighted by the owner's share (m², exact). Owners without homes are absent."""
    out: dict[str, tuple[int, Decimal]] = {}
    keys = sorted(set(bidxs))
    for i in range(0, len(keys), CHUNK):
        rows = conn.execute(
            select(home_owners.c.owner_bidx, home_owners.c.share_pct, homes.c.construction_area)
            .join(homes, homes.c.id == home_owners.c.home_id)
            .where(home_owners.c.owner_bidx.in_(keys[i : i + CHUNK]), owned_on(on))
        )
        for b, share, area in rows:
            n, total = out.get(b, (0, Decimal(0)))
            a = area if isinstance(area, Decimal) else (area_from_db(area) or Decimal(0))
            out[b] = (n + 1, total + (a * share / 100).quantize(Decimal("0.01")))
    return out


# ------------------------------------------------------------------------------- is this the owner?
# One check for everyone who deals with a home on its owner's word — a rental listing or lease, an
# entrustment, a resale listing or contract: the person (or organisation) is among the owners the
# register believes now on the day, and for a person the register's name is the same too.

#: A person's verified name with the keyring that reads the register's owner names.
Named = tuple[Keyring, str]

_IS_OWNER = (
    select(home_owners.c.id)
    .where(
        home_owners.c.home_id == bindparam("home_id"),
        home_owners.c.owner_bidx == bindparam("owner_bidx"),
        home_owners.c.acquired_on <= bindparam("on"),
        or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > bindparam("on")),
        OWNERS_BELIEVED,
    )
    .limit(1)
)
_OWNER_NAMES = select(home_owners.c.owner_name_enc).where(
    home_owners.c.home_id == bindparam("home_id"),
    home_owners.c.owner_bidx == bindparam("owner_bidx"),
    home_owners.c.acquired_on <= bindparam("on"),
    or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > bindparam("on")),
    OWNERS_BELIEVED,
)


def is_owner(conn: Connection, home_id: int, owner_bidx: str, on: date, *, named: Named | None = None) -> bool:
    """Whether the person or organisation (blind index) owns (a share of) the home on ``on``.

    ``named`` (a person's verified name with the keyring to read the register's): the name the
    register records for that owner must be the same too — a verified number under another name is
    not the register's owner (issue 17: "at minimum the name must match what the register holds")."""
    params = {"home_id": home_id, "owner_bidx": owner_bidx, "on": on}
    if named is None:
        return conn.execute(_IS_OWNER, params).first() is not None
    kr, name = named
    names = conn.execute(_OWNER_NAMES, params).scalars()
    return any(kr.decrypt(blob, "home_owners.owner_name") == name for blob in names)
