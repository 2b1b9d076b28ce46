"""Property rights (产权) in the register: who owns which home, read set-wise by blind index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection, or_, select

from anju.core.types import area_from_db
from anju.registry.tables import home_owners, homes

CHUNK = 5000


def owned_area(conn: Connection, bidxs: Sequence[str], on: date) -> dict[str, tuple[int, Decimal]]:
    """For each owner (blind index of the ID), the homes owned on ``on`` and their construction area
    weighted by the owner's share (m², exact). Owners without homes are absent."""
    out: dict[str, tuple[int, Decimal]] = {}
    keys = sorted(set(bidxs))
    for i in range(0, len(keys), CHUNK):
        rows = conn.execute(
            select(home_owners.c.owner_bidx, home_owners.c.share_pct, homes.c.construction_area)
            .join(homes, homes.c.id == home_owners.c.home_id)
            .where(
                home_owners.c.owner_bidx.in_(keys[i : i + CHUNK]),
                home_owners.c.acquired_on <= on,
                or_(home_owners.c.released_on.is_(None), home_owners.c.released_on > on),
            )
        )
        for b, share, area in rows:
            n, total = out.get(b, (0, Decimal(0)))
            a = area if isinstance(area, Decimal) else (area_from_db(area) or Decimal(0))
            out[b] = (n + 1, total + (a * share / 100).quantize(Decimal("0.01")))
    return out
