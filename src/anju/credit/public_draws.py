"""The random inspections' published results as the public disclosure page lists them (anyone: the
draws already run, newest first, each linking to its public result page)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from sqlalchemy import Connection, select

from anju.credit.tables import credit_inspection_draws


class PublicDraw(TypedDict):
    id: int
    draw_no: str
    title: str
    district_code: str | None
    drawn_at: datetime


def recent_draws(conn: Connection, limit: int = 10) -> list[PublicDraw]:
    d = credit_inspection_draws.c
    rows = conn.execute(
        select(d.id, d.draw_no, d.title, d.district_code, d.drawn_at)
        .where(d.status == "drawn")
        .order_by(d.drawn_at.desc(), d.id.desc())
        .limit(limit)
    )
    return [
        {
            "id": int(r.id),
            "draw_no": r.draw_no,
            "title": r.title,
            "district_code": r.district_code,
            "drawn_at": r.drawn_at,
        }
        for r in rows
    ]
