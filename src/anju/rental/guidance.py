"""Guidance rents (租赁指导价格) and rent monitoring.

``range_for`` is what listing verification and lease filing ask: the guidance range of a unit's
street and home type in the edition in force. (Computing and publishing editions: see below.)
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, select

from anju.rental.tables import rental_guidance_editions, rental_guidance_rents


def range_for(conn: Connection, street_code: str, home_type: str, on: date) -> tuple[int, int, int, str] | None:
    """(low, mid, high fen per m² per month, edition number) in force on ``on``; None if none is published."""
    e, r = rental_guidance_editions, rental_guidance_rents
    row = conn.execute(
        select(r.c.low_fen_m2, r.c.mid_fen_m2, r.c.high_fen_m2, e.c.edition_no)
        .join(e, e.c.id == r.c.edition_id)
        .where(
            e.c.status == "published",
            e.c.effective_from <= on,
            r.c.street_code == street_code,
            r.c.home_type == home_type,
        )
        .order_by(e.c.effective_from.desc(), e.c.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]), str(row[3]))
