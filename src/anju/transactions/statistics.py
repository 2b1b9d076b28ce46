"""Every sale for statistics (the market context's price indices, issue 21): one set-wise, streamed read.

A *sale* is a new-home contract that is filed (``sale_contracts.status`` filed: cancelled contracts have
left that status) or a resale contract that is filed or registered, of a residential home, signed in
the window. The signing day is the business date: a resale contract's ``signed_on`` when it has one
(history contracts), else the local day of the buyer's signature. Each sale carries the register's
characteristics of its home as the register holds them now (the building's floors, structure and
year; the home's floor): the statistics' hedonic variables.

One query per market with the joins (contracts → homes → buildings), read in keyset batches by
contract id: no per-home query, memory bounded by the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, and_, null, or_, select

from anju import registry
from anju.core import clock
from anju.transactions import domain
from anju.transactions.resale_domain import ContractStatus as ResaleStatus
from anju.transactions.tables import resale_contracts, sale_contracts

BATCH = 50_000


@dataclass
class SalesBatch:
    """A batch of sales, column-wise (equal-length lists): ready for an Arrow table.

    ``sale_id`` is unique across both markets (new: 2 × contract id, resale: 2 × contract id + 1).
    ``area`` is the contract's construction area (exact), ``total_price_fen``/``unit_price_fen`` the
    contract's; ``floor`` the home's actual floor, ``floors`` the building's floors above ground,
    ``year_built`` the building's (or the estate's) year, None when the register has none."""

    segment: list[str] = field(default_factory=list)  # new | resale
    sale_id: list[int] = field(default_factory=list)
    home_id: list[int] = field(default_factory=list)
    signed_on: list[date] = field(default_factory=list)
    district_code: list[str] = field(default_factory=list)
    street_code: list[str] = field(default_factory=list)
    estate_id: list[int] = field(default_factory=list)
    area: list[Decimal] = field(default_factory=list)
    total_price_fen: list[int] = field(default_factory=list)
    unit_price_fen: list[int] = field(default_factory=list)
    floor: list[int] = field(default_factory=list)
    floors: list[int] = field(default_factory=list)
    year_built: list[int | None] = field(default_factory=list)
    structure: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.sale_id)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.CITY_TZ).astimezone(UTC)


def _rows(conn: Connection, segment: str, first_day: date, end_day: date, batch: int) -> Iterator[list[Any]]:
    homes, buildings, estates = registry.homes, registry.buildings, registry.estates
    start, end = _midnight(first_day), _midnight(end_day)
    if segment == "new":
        t = sale_contracts
        when = and_(
            t.c.status == domain.ContractStatus.filed,
            t.c.buyer_signed_at >= start,
            t.c.buyer_signed_at < end,
        )
        signed: Any = t.c.buyer_signed_at
        signed_on: Any = null().label("signed_on")
    else:
        t = resale_contracts
        when = and_(
            t.c.status.in_((ResaleStatus.filed, ResaleStatus.registered)),
            or_(
                and_(t.c.signed_on >= first_day, t.c.signed_on < end_day),
                and_(t.c.signed_on.is_(None), t.c.buyer_signed_at >= start, t.c.buyer_signed_at < end),
            ),
        )
        signed, signed_on = t.c.buyer_signed_at, t.c.signed_on
    q = (
        select(
            t.c.id,
            t.c.home_id,
            signed,
            signed_on,
            t.c.district_code,
            t.c.street_code,
            homes.c.estate_id,
            t.c.area,
            t.c.total_price_fen,
            t.c.unit_price_fen,
            homes.c.floor_no,
            buildings.c.floors_above,
            buildings.c.year_built,
            estates.c.year_built,
            buildings.c.structure,
        )
        .select_from(
            t.join(homes, homes.c.id == t.c.home_id)
            .join(buildings, buildings.c.id == homes.c.building_id)
            .join(estates, estates.c.id == homes.c.estate_id)
        )
        .where(when, homes.c.use == registry.domain.Use.residential.value)
        .order_by(t.c.id)
    )
    last = 0
    while True:
        rows = conn.execute(q.where(t.c.id > last).limit(batch)).all()
        if not rows:
            return
        last = int(rows[-1][0])
        yield list(rows)


def statistical_sales(
    conn: Connection, *, first_month: date, last_month: date, batch: int = BATCH
) -> Iterator[SalesBatch]:
    """Every sale signed from the first day of ``first_month`` to the last day of ``last_month`` (both
    given as any day of the month), new homes first, in batches of at most ``batch`` sales."""
    first_day = first_month.replace(day=1)
    end_day = (last_month.replace(day=1) + timedelta(days=32)).replace(day=1)
    for segment in ("new", "resale"):
        for rows in _rows(conn, segment, first_day, end_day, batch):
            out = SalesBatch()
            for r in rows:
                (cid, home_id, signed_at, signed_on, district, street, estate_id, area, total, unit) = r[:10]
                floor, floors, b_year, e_year, structure = r[10:]
                if segment == "resale" and signed_on is not None:
                    day = signed_on
                elif signed_at is not None:
                    day = clock.to_local(signed_at).date()
                else:  # a filed contract always has its signature; guard the statistics anyway
                    continue
                out.segment.append(segment)
                out.sale_id.append(2 * int(cid) + (0 if segment == "new" else 1))
                out.home_id.append(int(home_id))
                out.signed_on.append(day)
                out.district_code.append(district)
                out.street_code.append(street)
                out.estate_id.append(int(estate_id))
                out.area.append(Decimal(area))
                out.total_price_fen.append(int(total))
                out.unit_price_fen.append(int(unit))
                out.floor.append(int(floor))
                out.floors.append(int(floors))
                out.year_built.append(b_year if b_year is not None else e_year)
                out.structure.append(structure)
            if len(out):
                yield out


__all__ = ["SalesBatch", "statistical_sales"]
